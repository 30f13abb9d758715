#pragma once

// A local S3 for tests: s3rver (npm) behind tests/s3/verify-front.js, which recomputes every
// signed request's Signature Version 4 with AWS's own signer (@smithy/signature-v4) and answers
// 403 SignatureDoesNotMatch on a mismatch, while an access key id it does not know goes on to
// s3rver (403 InvalidAccessKeyId). Both listen on 127.0.0.1 (ephemeral ports); node runs for as
// long as the S3Front lives (it also exits when its stdin closes). Objects are put with PUTs
// signed by our signV4 (agent/sources/sigv4.h). The node packages come from `./setup.sh test`
// (npm ci in tests/s3); without them the constructor throws, so a test fails and never skips.

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace scim_agent::testing {

// The one key pair s3rver knows (it checks only the id), which the front also verifies with.
inline const std::string kS3KeyId = "S3RVER";
inline const std::string kS3Secret = "S3RVER";

struct S3FrontOptions {
  std::string region = "us-east-1";
  std::vector<std::string> buckets = {"hr"};  // created empty at start
};

// A status and body from the front.
struct S3Answer {
  int status = 0;
  std::string body;
};

class S3Front {
 public:
  // Starts node and waits for its "port=N". Throws std::runtime_error naming what is missing or
  // what failed.
  explicit S3Front(S3FrontOptions options = {});
  ~S3Front();  // kills node and waits for it
  S3Front(const S3Front&) = delete;
  S3Front& operator=(const S3Front&) = delete;

  int port() const { return port_; }
  const std::string& region() const { return options_.region; }
  // "http://127.0.0.1:PORT": a source's `endpoint:` (with pathStyle: true).
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // A request signed with signV4 and kS3KeyId/kS3Secret (and the session token, when given).
  // `path` is already encoded ("/hr/exports/hr%202026.csv"); the query pairs are not.
  S3Answer request(const std::string& method, const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& query,
                   const std::string& body, const std::string& session_token = "") const;
  // PUTs `body` as bucket/key (the key encoded here). Throws std::runtime_error with the
  // front's answer unless it is 200.
  void put(const std::string& bucket, const std::string& key, const std::string& body) const;

  struct Process;

 private:
  S3FrontOptions options_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
};

}  // namespace scim_agent::testing
