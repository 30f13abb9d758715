// fetchSource on local files and on locations refused before any network
// traffic. https and s3 against real servers:
// tests/integration/source_fetch_test.cpp.
#include "agent/sources/fetch.h"

#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/codec/json_parse.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using testing::TempDir;

struct Fetched {
  Result<FetchResult> result;
  std::string bytes;
  int calls = 0;
};

Fetched fetch(const FetchRequest& request) {
  Fetched f{Error(ErrorCode::kInternal, "not run"), "", 0};
  f.result = fetchSource(request, [&](std::string_view chunk) {
    f.bytes.append(chunk);
    ++f.calls;
  });
  return f;
}

FetchRequest at(const std::string& location) {
  FetchRequest r;
  r.location = location;
  return r;
}

TEST(FetchFileTest, ReadsTheWholeFileWithItsSizeAndDigest) {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "EMP-" + std::to_string(i) + ",Ada,Lovelace\n";
  ASSERT_GT(content.size(), 3u * 64 * 1024);  // several chunks
  const Fetched f = fetch(at(dir.write("hr.csv", content)));
  ASSERT_TRUE(f.result.ok()) << f.result.error().message;
  EXPECT_EQ(f.bytes, content);
  EXPECT_GT(f.calls, 1);
  EXPECT_EQ(f.result->bytes, content.size());
  ASSERT_TRUE(f.result->expected_bytes.has_value());
  EXPECT_EQ(*f.result->expected_bytes, content.size());
  EXPECT_EQ(f.result->sha256, sha256Hex(content));
  EXPECT_FALSE(f.result->not_modified);
  EXPECT_EQ(f.result->etag, "");
}

TEST(FetchFileTest, AnEmptyFileIsReadAsZeroBytes) {
  TempDir dir;
  const Fetched f = fetch(at(dir.write("empty.csv", "")));
  ASSERT_TRUE(f.result.ok()) << f.result.error().message;
  EXPECT_EQ(f.result->bytes, 0u);
  EXPECT_EQ(f.result->sha256, sha256Hex(""));
}

TEST(FetchFileTest, AMissingFileIsNotFoundAndNamed) {
  TempDir dir;
  const Fetched f = fetch(at(dir.file("nope.csv")));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kNotFound);
  EXPECT_NE(f.result.error().message.find(dir.file("nope.csv")), std::string::npos);
  EXPECT_EQ(f.calls, 0);
}

TEST(FetchFileTest, ADirectoryIsRefused) {
  TempDir dir;
  const Fetched f = fetch(at(dir.path()));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.result.error().message.find("is a directory"), std::string::npos);
}

TEST(FetchFileTest, AFifoIsRefusedWithoutWaitingForAWriter) {
  TempDir dir;
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const Fetched f = fetch(at(fifo));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.result.error().message.find("not a regular file"), std::string::npos);
}

TEST(FetchFileTest, AFileLargerThanMaxBytesIsNotRead) {
  TempDir dir;
  FetchRequest r = at(dir.write("big.csv", std::string(1001, 'x')));
  r.max_bytes = 1000;
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.result.error().message.find("maxBytes (1000 bytes)"), std::string::npos)
      << f.result.error().message;
  EXPECT_EQ(f.calls, 0);
}

TEST(FetchFileTest, AFileOfExactlyMaxBytesIsRead) {
  TempDir dir;
  FetchRequest r = at(dir.write("big.csv", std::string(1000, 'x')));
  r.max_bytes = 1000;
  const Fetched f = fetch(r);
  ASSERT_TRUE(f.result.ok()) << f.result.error().message;
  EXPECT_EQ(f.result->bytes, 1000u);
}

TEST(FetchLocationTest, ARelativePathIsRefused) {
  const Fetched f = fetch(at("hr.csv"));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.result.error().message.find("hr.csv: a location is an absolute path"),
            std::string::npos)
      << f.result.error().message;
}

TEST(FetchLocationTest, PlainHttpOffLoopbackIsRefused) {
  const Fetched f = fetch(at("http://hr.example.com/export.csv"));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.result.error().message.find("only for a loopback host"), std::string::npos);
}

TEST(FetchLocationTest, AQueryIsLeftOutOfMessages) {
  // Nothing listens on port 1: the connection is refused, and the message names
  // the URL without its query (a presigned URL carries its signature there).
  FetchRequest r = at("http://127.0.0.1:1/export.csv?X-Amz-Signature=deadbeef");
  r.deadline = std::chrono::seconds(5);
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(f.result.error().message.find("http://127.0.0.1:1/export.csv?…"), std::string::npos)
      << f.result.error().message;
  EXPECT_EQ(f.result.error().message.find("deadbeef"), std::string::npos);
}

FetchRequest s3(const std::string& location) {
  FetchRequest r = at(location);
  r.region = "eu-west-1";
  r.credentials.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  r.credentials.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  return r;
}

TEST(FetchS3Test, ALocationWithoutAKeyIsRefused) {
  for (const std::string location : {"s3://hr", "s3://hr/", "s3:///leavers.json"}) {
    const Fetched f = fetch(s3(location));
    ASSERT_FALSE(f.result.ok()) << location;
    EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput) << location;
    EXPECT_NE(f.result.error().message.find("s3://BUCKET/KEY"), std::string::npos) << location;
  }
}

TEST(FetchS3Test, MissingCredentialsNameTheEnvironmentVariables) {
  FetchRequest r = s3("s3://hr/leavers.json");
  r.credentials.secret_access_key.clear();
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.result.error().message.find("s3://hr/leavers.json: "), std::string::npos);
  EXPECT_NE(f.result.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_NE(f.result.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_EQ(f.result.error().message.find("AKIAIOSFODNN7EXAMPLE"), std::string::npos);
}

TEST(FetchS3Test, AMissingRegionNamesAwsRegion) {
  FetchRequest r = s3("s3://hr/leavers.json");
  r.region.clear();
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.result.error().message.find("AWS_REGION"), std::string::npos);
}

TEST(FetchS3Test, APlainHttpEndpointOffLoopbackIsRefused) {
  FetchRequest r = s3("s3://hr/leavers.json");
  r.endpoint = "http://minio.example.com:9000";
  r.path_style = true;
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.result.error().message.find("s3://hr/leavers.json: plain http://"), std::string::npos)
      << f.result.error().message;
}

}  // namespace
}  // namespace scim_agent
