// signV4 against AWS's published examples: S3 API Reference, "Signature
// Calculations for the Authorization Header: Transferring Payload in a Single
// Chunk (AWS Signature Version 4)" (GET Object, GET Bucket Lifecycle, Get
// Bucket (List Objects)). The canonical requests, strings to sign and
// signatures below are the documented ones.
#include "agent/sources/sigv4.h"

#include <string>

#include <gtest/gtest.h>

namespace scim_agent {
namespace {

const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigV4Request exampleRequest() {
  SigV4Request r;
  r.method = "GET";
  r.host = "examplebucket.s3.amazonaws.com";
  r.payload_sha256 = kEmptySha256;
  r.amz_date = "20130524T000000Z";
  r.region = "us-east-1";
  r.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  r.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  return r;
}

TEST(SigV4Test, GetObjectExampleMatchesTheDocumentation) {
  SigV4Request r = exampleRequest();
  r.path = "/test.txt";
  r.headers = {{"Range", "bytes=0-9"}};
  const SigV4Signature s = signV4(r);

  EXPECT_EQ(s.canonical_request,
            "GET\n"
            "/test.txt\n"
            "\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "range:bytes=0-9\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n"
            "\n"
            "host;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(s.authorization,
            "AWS4-HMAC-SHA256 "
            "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature="
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"host", "examplebucket.s3.amazonaws.com"},
      {"range", "bytes=0-9"},
      {"x-amz-content-sha256", kEmptySha256},
      {"x-amz-date", "20130524T000000Z"}};
  EXPECT_EQ(s.headers, headers);
}

TEST(SigV4Test, GetBucketLifecycleExampleSignsAValuelessQueryParameter) {
  SigV4Request r = exampleRequest();
  r.path = "/";
  r.query = {{"lifecycle", ""}};
  const SigV4Signature s = signV4(r);

  EXPECT_EQ(s.canonical_request,
            "GET\n"
            "/\n"
            "lifecycle=\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n"
            "\n"
            "host;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  EXPECT_EQ(s.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4Test, ListObjectsExampleSortsTheQueryByName) {
  SigV4Request r = exampleRequest();
  r.path = "/";
  r.query = {{"prefix", "J"}, {"max-keys", "2"}};  // out of order on purpose
  const SigV4Signature s = signV4(r);

  EXPECT_EQ(s.canonical_request,
            "GET\n"
            "/\n"
            "max-keys=2&prefix=J\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n"
            "\n"
            "host;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(s.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  EXPECT_EQ(s.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, SessionTokenIsSentAndSigned) {
  SigV4Request r = exampleRequest();
  r.path = "/test.txt";
  r.session_token = "token/with+chars=";
  const SigV4Signature s = signV4(r);
  EXPECT_NE(s.canonical_request.find("\nx-amz-security-token:token/with+chars=\n"),
            std::string::npos)
      << s.canonical_request;
  EXPECT_NE(s.authorization.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                                 "x-amz-security-token,"),
            std::string::npos)
      << s.authorization;
  bool sent = false;
  for (const auto& [name, value] : s.headers) {
    if (name == "x-amz-security-token") sent = value == "token/with+chars=";
  }
  EXPECT_TRUE(sent);
  // The token changes the signature: it is part of what is signed.
  SigV4Request without = r;
  without.session_token.clear();
  EXPECT_NE(signV4(without).signature, s.signature);
}

TEST(SigV4Test, HeaderNamesAreLowerCasedAndValuesTrimmed) {
  SigV4Request r = exampleRequest();
  r.path = "/a";
  r.headers = {{"X-Amz-Meta-Note", "  two   words  "}, {"If-None-Match", "\"abc\""}};
  const SigV4Signature s = signV4(r);
  EXPECT_NE(s.canonical_request.find("\nif-none-match:\"abc\"\n"), std::string::npos);
  EXPECT_NE(s.canonical_request.find("\nx-amz-meta-note:two words\n"), std::string::npos);
  EXPECT_NE(s.canonical_request.find("\nhost;if-none-match;x-amz-content-"
                                     "sha256;x-amz-date;x-amz-meta-note\n"),
            std::string::npos)
      << s.canonical_request;
}

TEST(SigV4Test, ExtraHeadersCannotReplaceTheSignedFields) {
  SigV4Request r = exampleRequest();
  r.path = "/test.txt";
  r.headers = {
      {"Range", "bytes=0-9"}, {"Host", "evil.example"}, {"X-Amz-Date", "19990101T000000Z"}};
  EXPECT_EQ(signV4(r).signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, QueryNamesAndValuesAreEncoded) {
  SigV4Request r = exampleRequest();
  r.path = "/";
  r.query = {{"prefix", "a b/c"}, {"list-type", "2"}};
  const SigV4Signature s = signV4(r);
  EXPECT_NE(s.canonical_request.find("\nlist-type=2&prefix=a%20b%2Fc\n"), std::string::npos)
      << s.canonical_request;
}

TEST(SigV4Test, AnotherSecretGivesAnotherSignature) {
  SigV4Request r = exampleRequest();
  r.path = "/test.txt";
  const std::string good = signV4(r).signature;
  r.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ";
  EXPECT_NE(signV4(r).signature, good);
}

TEST(AwsUriEncodeTest, KeepsUnreservedAndEncodesTheRestUpperCase) {
  EXPECT_EQ(awsUriEncode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(awsUriEncode("a b", false), "a%20b");
  EXPECT_EQ(awsUriEncode("test$file.text", true), "test%24file.text");
  EXPECT_EQ(awsUriEncode("=&+*,;:@!'()", false), "%3D%26%2B%2A%2C%3B%3A%40%21%27%28%29");
  EXPECT_EQ(awsUriEncode("%2F", false), "%252F");
}

TEST(AwsUriEncodeTest, SlashIsKeptOnlyForPaths) {
  EXPECT_EQ(awsUriEncode("/hr/leavers 2026.json", true), "/hr/leavers%202026.json");
  EXPECT_EQ(awsUriEncode("/hr/leavers 2026.json", false), "%2Fhr%2Fleavers%202026.json");
}

TEST(AwsUriEncodeTest, EncodesUtf8BytesOneByOne) {
  EXPECT_EQ(awsUriEncode("\xc3\xa9t\xc3\xa9", true), "%C3%A9t%C3%A9");  // "été"
  EXPECT_EQ(awsUriEncode(std::string("a\0b", 3), false), "a%00b");
}

}  // namespace
}  // namespace scim_agent
