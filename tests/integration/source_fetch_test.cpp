// fetchSource against real servers on loopback (issue 11, item 8):
//  - https: TlsExportServer (tests/support), an in-process POCO HTTPS server with a certificate
//    from a CA it makes with the openssl CLI: verified TLS, an untrusted certificate,
//    Authorization, 304, cut-short bodies, maxBytes, redirects and error answers;
//  - s3: S3Front (tests/support), s3rver (npm) behind tests/s3/verify-front.js, which recomputes
//    every request's Signature Version 4 with AWS's own signer (@smithy/signature-v4) and answers
//    403 SignatureDoesNotMatch on a mismatch. Objects are put there by PUTs signed with our signV4.
// The node packages come from `./setup.sh test` (npm ci in tests/s3); without them these tests
// fail, never skip.
#include <chrono>
#include <exception>
#include <regex>
#include <string>

#include <Poco/DigestEngine.h>
#include <Poco/MD5Engine.h>
#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "agent/sources/fetch.h"
#include "agent/sources/sigv4.h"
#include "tests/support/s3_front.h"
#include "tests/support/tls_export_server.h"

namespace scim_agent::testing {
namespace {

struct Fetched {
  Result<FetchResult> result{Error(ErrorCode::kInternal, "not run")};
  std::string bytes;
  int calls = 0;
};

Fetched fetch(const FetchRequest& request) {
  Fetched f;
  f.result = fetchSource(request, [&](std::string_view chunk) {
    f.bytes.append(chunk);
    ++f.calls;
  });
  return f;
}

std::string exportBody() {
  std::string body = "externalId,firstName,lastName\n";
  for (int i = 0; i < 5000; ++i) body += "EMP-" + std::to_string(i) + ",Ada,Lovelace\n";
  return body;
}

// ---- https ----------------------------------------------------------------------------------

class HttpsFetchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      server_ = new TlsExportServer;
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      return;
    }
    server_->serve("/hr.csv", {.body = exportBody(), .etag = "\"v1\""});
    server_->serve("/secret.csv",
                   {.body = exportBody(), .etag = "\"v1\"", .authorization = "Bearer s3cret"});
    server_->serve("/chunked.csv", {.body = std::string(10000, 'x'), .chunked = true});
    // Promises 5000 bytes, sends 1200, and closes the connection.
    server_->serve("/short.csv", {.body = std::string(1200, 'y'), .content_length = 5000});
    // Sends a tenth of the body, then nothing until the test has its answer.
    server_->serve("/stall.csv",
                   {.body = std::string(1000, 'z'), .content_length = 10000, .stall = true});
    server_->serve("/missing.csv",
                   {.status = 404, .body = "no such export\x1b[31m\r\nsee the\t\tdocs"});
    server_->serve("/broken.csv", {.status = 500, .body = std::string(500, 'E')});
    server_->serve("/moved.csv",
                   {.status = 302, .location = "https://elsewhere.example/hr.csv?token=abc"});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static FetchRequest at(const std::string& path) {
    FetchRequest r;
    r.location = server_->url(path);
    r.ca_file = server_->caFile();
    r.deadline = std::chrono::seconds(20);
    return r;
  }

  static TlsExportServer* server_;
  static std::string setup_error_;
};

TlsExportServer* HttpsFetchTest::server_ = nullptr;
std::string HttpsFetchTest::setup_error_;

TEST_F(HttpsFetchTest, VerifiedTlsWithTheCaFileReadsTheWholeBody) {
  const Fetched f = fetch(at("/hr.csv"));
  ASSERT_TRUE(f.result.ok()) << f.result.error().message;
  EXPECT_EQ(f.bytes, exportBody());
  EXPECT_EQ(f.result->bytes, exportBody().size());
  EXPECT_EQ(f.result->expected_bytes, exportBody().size());
  EXPECT_EQ(f.result->sha256, sha256Hex(exportBody()));
  EXPECT_EQ(f.result->etag, "\"v1\"");
  EXPECT_FALSE(f.result->not_modified);
}

TEST_F(HttpsFetchTest, AChunkedBodyWithoutContentLengthIsRead) {
  const Fetched f = fetch(at("/chunked.csv"));
  ASSERT_TRUE(f.result.ok()) << f.result.error().message;
  EXPECT_EQ(f.result->bytes, 10000u);
  EXPECT_FALSE(f.result->expected_bytes.has_value());
}

TEST_F(HttpsFetchTest, ACertificateFromAnotherCaIsRefused) {
  FetchRequest r = at("/hr.csv");
  r.ca_file = server_->otherCaFile();
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(f.result.error().message.find("TLS"), std::string::npos) << f.result.error().message;
  EXPECT_EQ(f.calls, 0);
}

TEST_F(HttpsFetchTest, TheSystemStoreDoesNotTrustTheTestCa) {
  FetchRequest r = at("/hr.csv");
  r.ca_file.clear();
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kUnavailable);
}

TEST_F(HttpsFetchTest, TheAuthorizationHeaderIsSent) {
  FetchRequest r = at("/secret.csv");
  const Fetched refused = fetch(r);
  ASSERT_FALSE(refused.result.ok());
  EXPECT_EQ(refused.result.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(refused.result.error().http_status, 401);

  r.authorization = "Bearer s3cret";
  const Fetched f = fetch(r);
  ASSERT_TRUE(f.result.ok()) << f.result.error().message;
  EXPECT_EQ(f.bytes, exportBody());
}

TEST_F(HttpsFetchTest, AnUnchangedEtagAnswers304AndPassesNothing) {
  FetchRequest r = at("/hr.csv");
  r.if_none_match = "\"v1\"";
  const Fetched f = fetch(r);
  ASSERT_TRUE(f.result.ok()) << f.result.error().message;
  EXPECT_TRUE(f.result->not_modified);
  EXPECT_EQ(f.result->etag, "\"v1\"");
  EXPECT_EQ(f.calls, 0);

  r.if_none_match = "\"v0\"";
  const Fetched changed = fetch(r);
  ASSERT_TRUE(changed.result.ok()) << changed.result.error().message;
  EXPECT_FALSE(changed.result->not_modified);
  EXPECT_EQ(changed.bytes, exportBody());
}

TEST_F(HttpsFetchTest, ABodyShorterThanContentLengthIsCutShort) {
  const Fetched f = fetch(at("/short.csv"));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput) << f.result.error().message;
  EXPECT_NE(f.result.error().message.find("read 1200 of 5000 bytes: the transfer was cut short"),
            std::string::npos)
      << f.result.error().message;
}

TEST_F(HttpsFetchTest, AContentLengthAboveMaxBytesIsNotRead) {
  FetchRequest r = at("/hr.csv");
  r.max_bytes = 1000;
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.result.error().message.find("maxBytes (1000 bytes)"), std::string::npos)
      << f.result.error().message;
  EXPECT_EQ(f.calls, 0);
}

TEST_F(HttpsFetchTest, AChunkedBodyAboveMaxBytesStopsThere) {
  FetchRequest r = at("/chunked.csv");
  r.max_bytes = 1000;
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(f.result.error().message.find("maxBytes (1000 bytes)"), std::string::npos)
      << f.result.error().message;
  EXPECT_EQ(f.bytes.size(), 1000u);
}

TEST_F(HttpsFetchTest, NotFoundNamesTheStatusAndASanitizedExcerpt) {
  const Fetched f = fetch(at("/missing.csv"));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(f.result.error().http_status, 404);
  const std::string& m = f.result.error().message;
  EXPECT_NE(m.find("/missing.csv: 404 Not Found: no such export [31m see the docs"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find('\x1b'), std::string::npos);
}

TEST_F(HttpsFetchTest, AServerErrorIsUnavailableWithAShortExcerpt) {
  const Fetched f = fetch(at("/broken.csv"));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(f.result.error().http_status, 500);
  EXPECT_NE(f.result.error().message.find("500 Internal Server Error: EEE"), std::string::npos);
  EXPECT_LT(f.result.error().message.size(), 300u) << f.result.error().message;
}

TEST_F(HttpsFetchTest, AStalledBodyEndsAtTheDeadline) {
  FetchRequest r = at("/stall.csv");
  r.deadline = std::chrono::seconds(1);
  const Fetched f = fetch(r);
  server_->releaseStalls();
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(f.result.error().message.find("the deadline of 1 s passed after 1000 bytes"),
            std::string::npos)
      << f.result.error().message;
  EXPECT_EQ(f.bytes.size(), 1000u);
}

TEST_F(HttpsFetchTest, ARedirectIsNotFollowed) {
  const Fetched f = fetch(at("/moved.csv"));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kInvalidInput);
  const std::string& m = f.result.error().message;
  EXPECT_NE(m.find("302 redirect to https://elsewhere.example/hr.csv?… not followed"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("token=abc"), std::string::npos);
}

// ---- s3 ---------------------------------------------------------------------------------------

const std::string kRegion = "eu-west-1";
const std::string kLeavers = R"([{"externalId":"E1","terminationDate":"2026-11-30"}])";

class S3FetchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      front_ = new S3Front({.region = kRegion, .buckets = {"hr"}});
      front_->put("hr", "leavers.json", kLeavers);
      front_->put("hr", "exports/hr 2026.csv", exportBody());
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete front_;
    front_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static FetchRequest object(const std::string& location) {
    FetchRequest r;
    r.location = location;
    r.region = kRegion;
    r.endpoint = front_->endpoint();
    r.path_style = true;
    r.credentials.access_key_id = kS3KeyId;
    r.credentials.secret_access_key = kS3Secret;
    r.deadline = std::chrono::seconds(20);
    return r;
  }

  static S3Front* front_;
  static std::string setup_error_;
};

S3Front* S3FetchTest::front_ = nullptr;
std::string S3FetchTest::setup_error_;

std::string quotedMd5(const std::string& text) {
  Poco::MD5Engine md5;
  md5.update(text);
  return "\"" + Poco::DigestEngine::digestToHex(md5.digest()) + "\"";
}

TEST_F(S3FetchTest, TheRightKeyReadsTheObjectAndItsEtag) {
  const Fetched f = fetch(object("s3://hr/leavers.json"));
  ASSERT_TRUE(f.result.ok()) << f.result.error().message;
  EXPECT_EQ(f.bytes, kLeavers);
  EXPECT_EQ(f.result->expected_bytes, kLeavers.size());
  EXPECT_EQ(f.result->sha256, sha256Hex(kLeavers));
  EXPECT_EQ(f.result->etag, quotedMd5(kLeavers));  // S3's ETag of a single-part upload
}

TEST_F(S3FetchTest, AKeyWithASpaceAndSlashesIsEncodedAndSigned) {
  const Fetched f = fetch(object("s3://hr/exports/hr 2026.csv"));
  ASSERT_TRUE(f.result.ok()) << f.result.error().message;
  EXPECT_EQ(f.bytes, exportBody());
}

TEST_F(S3FetchTest, ASessionTokenIsSignedAndAccepted) {
  FetchRequest r = object("s3://hr/leavers.json");
  r.credentials.session_token = "FwoGZXIvYXdzEXAMPLE/token+with=chars";
  const Fetched f = fetch(r);
  ASSERT_TRUE(f.result.ok()) << f.result.error().message;
  EXPECT_EQ(f.bytes, kLeavers);
}

TEST_F(S3FetchTest, ASignedListWithAQueryIsVerifiedByTheFront) {
  const S3Answer list =
      front_->request("GET", "/hr", {{"prefix", "exports/hr 2"}}, "", "session/token+1");
  EXPECT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.body.find("<Key>exports/hr 2026.csv</Key>"), std::string::npos) << list.body;
  EXPECT_EQ(list.body.find("<Key>leavers.json</Key>"), std::string::npos) << list.body;
}

TEST_F(S3FetchTest, AWrongSecretKeyIsRefusedByTheFrontAndReportedClearly) {
  FetchRequest r = object("s3://hr/leavers.json");
  r.credentials.secret_access_key = "not-the-secret-key";
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(f.result.error().http_status, 403);
  const std::string& m = f.result.error().message;
  EXPECT_EQ(m.rfind("s3://hr/leavers.json: 403 SignatureDoesNotMatch: The request signature we "
                    "calculated does not match the signature you provided.",
                    0),
            0u)
      << m;
  // Neither the secret nor the signature (the front echoes SignatureProvided, as AWS does).
  EXPECT_EQ(m.find("not-the-secret-key"), std::string::npos) << m;
  EXPECT_FALSE(std::regex_search(m, std::regex("[0-9a-f]{64}"))) << m;
  EXPECT_EQ(f.calls, 0);
}

TEST_F(S3FetchTest, AnUnknownAccessKeyIdIsRefusedByS3rver) {
  FetchRequest r = object("s3://hr/leavers.json");
  r.credentials.access_key_id = "AKIAUNKNOWNKEY";
  const Fetched f = fetch(r);
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kForbidden);
  EXPECT_NE(f.result.error().message.find("s3://hr/leavers.json: 403 InvalidAccessKeyId: The AWS "
                                          "Access Key Id you provided does not exist"),
            std::string::npos)
      << f.result.error().message;
}

TEST_F(S3FetchTest, AMissingObjectIsNotFound) {
  const Fetched f = fetch(object("s3://hr/nobody.json"));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kNotFound);
  EXPECT_NE(f.result.error().message.find("s3://hr/nobody.json: 404 NoSuchKey"), std::string::npos)
      << f.result.error().message;
}

TEST_F(S3FetchTest, AMissingBucketIsNotFound) {
  const Fetched f = fetch(object("s3://payroll/leavers.json"));
  ASSERT_FALSE(f.result.ok());
  EXPECT_EQ(f.result.error().code, ErrorCode::kNotFound);
  EXPECT_NE(f.result.error().message.find("404 NoSuchBucket"), std::string::npos)
      << f.result.error().message;
}

TEST_F(S3FetchTest, AnUnchangedEtagIsNotModified) {
  const Fetched first = fetch(object("s3://hr/leavers.json"));
  ASSERT_TRUE(first.result.ok()) << first.result.error().message;
  FetchRequest r = object("s3://hr/leavers.json");
  r.if_none_match = first.result->etag;
  const Fetched again = fetch(r);
  ASSERT_TRUE(again.result.ok()) << again.result.error().message;
  EXPECT_TRUE(again.result->not_modified);
  EXPECT_EQ(again.result->etag, first.result->etag);
  EXPECT_EQ(again.calls, 0);
}

}  // namespace
}  // namespace scim_agent::testing
