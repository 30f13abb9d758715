#include "tests/support/s3_front.h"

#include <ctime>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include "agent/codec/json_parse.h"
#include "agent/sources/sigv4.h"
#include "tests/support/temp_dir.h"

namespace scim_agent::testing {

struct S3Front::Process {
  TempDir dir;  // s3rver's objects
  Poco::Pipe in;  // node's stdin: node exits when it closes
  std::optional<Poco::ProcessHandle> handle;

  ~Process() {
    if (!handle) return;
    try {
      Poco::Process::kill(*handle);
      handle->wait();
    } catch (const Poco::Exception&) {
      // Gone already.
    }
  }
};

S3Front::S3Front(S3FrontOptions options)
    : options_(std::move(options)), process_(std::make_unique<Process>()) {
  const std::string s3_dir = SCIM_AGENT_S3_DIR;
  if (!std::filesystem::exists(s3_dir + "/node_modules/s3rver") ||
      !std::filesystem::exists(s3_dir + "/node_modules/@smithy/signature-v4")) {
    throw std::runtime_error(s3_dir +
                             "/node_modules is missing: run ./setup.sh test (it installs the npm "
                             "test packages with npm ci)");
  }
  std::vector<std::string> args = {s3_dir + "/verify-front.js", "--directory",
                                   process_->dir.path(),        "--region",
                                   options_.region,             "--key",
                                   kS3KeyId + ":" + kS3Secret};
  for (const std::string& bucket : options_.buckets) {
    args.push_back("--bucket");
    args.push_back(bucket);
  }
  std::string line;
  try {
    Poco::Pipe out;
    process_->handle.emplace(Poco::Process::launch("node", args, &process_->in, &out, nullptr));
    Poco::PipeInputStream stdout_stream(out);
    std::getline(stdout_stream, line);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot start node: " + e.displayText());
  }
  if (line.rfind("port=", 0) != 0) {
    throw std::runtime_error("verify-front.js did not start (stdout: \"" + line +
                             "\"; see stderr)");
  }
  port_ = std::stoi(line.substr(5));
}

S3Front::~S3Front() = default;

S3Answer S3Front::request(const std::string& method, const std::string& path,
                          const std::vector<std::pair<std::string, std::string>>& query,
                          const std::string& body, const std::string& session_token) const {
  SigV4Request s;
  s.method = method;
  s.host = "127.0.0.1:" + std::to_string(port_);
  s.path = path;
  s.query = query;
  s.payload_sha256 = sha256Hex(body);
  s.amz_date = amzDateNow();
  s.region = options_.region;
  s.access_key_id = kS3KeyId;
  s.secret_access_key = kS3Secret;
  s.session_token = session_token;
  if (method == "PUT") s.headers = {{"Content-Type", "application/octet-stream"}};
  const SigV4Signature signature = signV4(s);
  std::string target = path;
  for (size_t i = 0; i < query.size(); ++i) {
    target += (i == 0 ? "?" : "&") + awsUriEncode(query[i].first, false) + "=" +
              awsUriEncode(query[i].second, false);
  }
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : signature.headers) request.set(name, value);
  request.set("Authorization", signature.authorization);
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  S3Answer a;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), a.body);
  a.status = response.getStatus();
  return a;
}

void S3Front::put(const std::string& bucket, const std::string& key,
                  const std::string& body) const {
  const S3Answer put = request("PUT", "/" + bucket + "/" + awsUriEncode(key, true), {}, body);
  if (put.status != 200) {
    throw std::runtime_error("PUT " + bucket + "/" + key + ": " + std::to_string(put.status) +
                             " " + put.body);
  }
}

}  // namespace scim_agent::testing
