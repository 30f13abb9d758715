#pragma once

// AWS Signature Version 4 for one S3 request (AWS General Reference, "Signature Version 4
// signing process"; S3 API reference, "Authenticating Requests: Using the Authorization
// Header"). Hand-written: no library on Debian bookworm signs SigV4 for C++ (the AWS SDK is not
// packaged); the pieces it needs (SHA-256, HMAC-SHA256) come from POCO through agent/codec.

#include <string>
#include <utility>
#include <vector>

namespace scim_agent {

struct SigV4Request {
  std::string method = "GET";
  std::string host;  // the Host header's value (with :port when not the default)
  std::string path;  // the URI path, already URI-encoded per S3 rules ("/test.txt")
  std::vector<std::pair<std::string, std::string>> query;  // decoded names and values
  // Headers to sign besides host, x-amz-date and x-amz-content-sha256 (names any case).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // hex; for a GET: the hash of the empty string
  std::string amz_date;        // "20130524T000000Z"
  std::string region;          // "us-east-1"
  std::string service = "s3";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;   // sent as x-amz-security-token (and signed) when not empty
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // the Authorization header's value
  // Every header the request must carry, as signed (host, x-amz-date, x-amz-content-sha256,
  // x-amz-security-token when set, and request.headers), lower-case names.
  std::vector<std::pair<std::string, std::string>> headers;
};

SigV4Signature signV4(const SigV4Request& request);

// The system clock's UTC time as SigV4 writes it ("20130524T000000Z").
std::string amzDateNow();

// S3's URI encoding (RFC 3986 unreserved characters kept, everything else %XX upper-case);
// `keep_slash` for object key paths.
std::string awsUriEncode(const std::string& text, bool keep_slash);

}  // namespace scim_agent
