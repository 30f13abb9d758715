#pragma once

// Fetching a source's bytes (SPEC §6): a local file, an https:// URL, or an s3:// object (a GET
// signed with AWS Signature Version 4, sigv4.h). The bytes stream to a sink as they arrive, so a
// source is never held whole by the fetcher.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "agent/base/result.h"

namespace scim_agent {

struct AwsCredentials {
  std::string access_key_id;      // AWS_ACCESS_KEY_ID
  std::string secret_access_key;  // AWS_SECRET_ACCESS_KEY
  std::string session_token;      // AWS_SESSION_TOKEN, "" when none
};

struct FetchRequest {
  // An absolute local path, "https://host[:port]/path?query", or "s3://bucket/key".
  std::string location;
  uint64_t max_bytes = 256ull << 20;              // sources[].maxBytes
  std::chrono::seconds deadline{300};             // the whole fetch, connect to last byte
  // https: the Authorization header's value (read from the source's secret file), "" for none.
  std::string authorization;
  std::string ca_file;  // https and s3 over https: a PEM bundle; "" for the system store
  // s3: the region (AWS_REGION or sources[].region), the endpoint ("" = AWS:
  // https://BUCKET.s3.REGION.amazonaws.com, or https://s3.REGION.amazonaws.com/BUCKET with
  // path_style; "http://127.0.0.1:4569" for a local S3-compatible server: http only on
  // loopback) and the credentials.
  std::string region;
  std::string endpoint;
  bool path_style = false;
  AwsCredentials credentials;
  // https and s3: an ETag from the last good read: sent as If-None-Match, so an unchanged
  // object answers 304 and costs no body.
  std::string if_none_match;
};

struct FetchResult {
  bool not_modified = false;     // 304 to If-None-Match: nothing was passed to the sink
  std::string etag;              // https/s3: the ETag header verbatim; "" for files or none
  uint64_t bytes = 0;            // bytes passed to the sink
  std::optional<uint64_t> expected_bytes;  // Content-Length (or the file's size)
  std::string sha256;            // hex digest of the bytes passed to the sink
};

// Reads `request.location` and passes its bytes to `sink` in order, in chunks of any size.
// Errors, each naming the location and what happened (never a secret or a signature):
//  - kNotFound: no such file; 404 / S3 NoSuchKey / NoSuchBucket;
//  - kUnauthorized (401) and kForbidden (403, and a file not readable), with S3's error Code
//    and Message ("s3://hr/leavers.json: 403 SignatureDoesNotMatch: The request signature we
//    calculated does not match the signature you provided…"; InvalidAccessKeyId);
//  - kUnavailable: connection refused or reset (also mid-body), TLS failure, 5xx, the deadline
//    passed;
//  - kRateLimited: 429; kRejected: any other 4xx, or a 2xx other than 200;
//  - kInvalidInput: more than max_bytes (the read stops there; a known size above it is not
//    read at all), fewer bytes than Content-Length or the file's size ("read 1200 of 5000
//    bytes: the transfer was cut short"), a file that grew while read, not a regular file, a
//    redirect (never followed), an s3 location without a key, missing AWS credentials or
//    region, plain http off loopback, a relative path;
//  - kIo: another local read error.
// HTTP errors carry http_status. An error answer is summarised in at most ~200 characters,
// control characters removed. Messages name an https URL without its query (a presigned URL
// carries a signature there).
// A sink called before an error has seen part of the input only: the caller must not treat it
// as whole. Never throws.
Result<FetchResult> fetchSource(const FetchRequest& request,
                                const std::function<void(std::string_view)>& sink);

}  // namespace scim_agent
