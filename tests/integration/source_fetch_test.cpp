// fetchSource against real servers on loopback (issue 11, item 8):
//  - https: an in-process POCO HTTPS server with a certificate from a CA the test makes with the
//    openssl CLI: verified TLS, an untrusted certificate, Authorization, 304, cut-short bodies,
//    maxBytes, redirects and error answers;
//  - s3: s3rver (npm) behind tests/s3/verify-front.js, which recomputes every request's
//    Signature Version 4 with AWS's own signer (@smithy/signature-v4) and answers 403
//    SignatureDoesNotMatch on a mismatch. Objects are put there by PUTs signed with our signV4.
// The node packages come from `./setup.sh test` (npm ci in tests/s3); without them these tests
// fail, never skip.
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>
#include <string>

#include <Poco/Event.h>
#include <Poco/MD5Engine.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "agent/sources/fetch.h"
#include "agent/sources/sigv4.h"
#include "tests/support/temp_dir.h"

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

bool run(const std::string& command) { return std::system(command.c_str()) == 0; }

// ---- https ----------------------------------------------------------------------------------

// A CA and a server certificate it signs for 127.0.0.1 (subjectAltName), and a second CA that
// signed nothing here: a client trusting only it must refuse the server.
bool makeCertificates(const TempDir& dir) {
  const std::string d = "'" + dir.path() + "'/";
  const std::string log = " >>" + d + "openssl.log 2>&1";
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
  std::ofstream(dir.file("ext.cnf")) << "subjectAltName=IP:127.0.0.1\n";
  return run("openssl req -x509 " + key + "-subj /CN=scim-agent-test-ca -days 1 -keyout " + d +
             "ca.key -out " + d + "ca.crt" + log) &&
         run("openssl req -x509 " + key + "-subj /CN=other-ca -days 1 -keyout " + d +
             "other.key -out " + d + "other.crt" + log) &&
         run("openssl req " + key + "-subj /CN=127.0.0.1 -keyout " + d + "server.key -out " + d +
             "server.csr" + log) &&
         run("openssl x509 -req -in " + d + "server.csr -CA " + d + "ca.crt -CAkey " + d +
             "ca.key -CAcreateserial -days 1 -extfile " + d + "ext.cnf -out " + d + "server.crt" +
             log);
}

std::string exportBody() {
  std::string body = "externalId,firstName,lastName\n";
  for (int i = 0; i < 5000; ++i) body += "EMP-" + std::to_string(i) + ",Ada,Lovelace\n";
  return body;
}

Poco::Event& stall_released() {
  static Poco::Event event(false);  // manual reset: stays set once released
  return event;
}

class ExportHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    response.setKeepAlive(false);
    const std::string path = request.getURI();
    if (path == "/hr.csv" || path == "/secret.csv") {
      if (path == "/secret.csv" && request.get("Authorization", "") != "Bearer s3cret") {
        return answer(response, 401, "authorization required");
      }
      response.set("ETag", "\"v1\"");
      if (request.get("If-None-Match", "") == "\"v1\"") {
        response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
        response.setContentLength(0);
        response.send();
        return;
      }
      const std::string body = exportBody();
      response.setContentLength(static_cast<std::streamsize>(body.size()));
      response.send() << body;
    } else if (path == "/chunked.csv") {
      response.setChunkedTransferEncoding(true);
      std::ostream& out = response.send();
      for (int i = 0; i < 100; ++i) out << std::string(100, 'x') << std::flush;
    } else if (path == "/short.csv") {
      // Promises 5000 bytes, sends 1200, and closes the connection.
      response.setContentLength(5000);
      response.send() << std::string(1200, 'y') << std::flush;
    } else if (path == "/stall.csv") {
      // Sends a tenth of the body, then nothing until the test has its answer.
      response.setContentLength(10000);
      response.send() << std::string(1000, 'z') << std::flush;
      stall_released().tryWait(30000);
    } else if (path == "/missing.csv") {
      answer(response, 404, "no such export\x1b[31m\r\nsee the\t\tdocs");
    } else if (path == "/broken.csv") {
      answer(response, 500, std::string(500, 'E'));
    } else if (path == "/moved.csv") {
      response.set("Location", "https://elsewhere.example/hr.csv?token=abc");
      answer(response, 302, "");
    } else {
      answer(response, 404, "");
    }
  }

 private:
  static void answer(Poco::Net::HTTPServerResponse& response, int status, const std::string& body) {
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("text/plain");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
  }
};

class ExportFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new ExportHandler;
  }
};

class HttpsFetchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static std::once_flag once;
    std::call_once(once, [] { Poco::Net::initializeSSL(); });
    dir_ = new TempDir;
    if (!makeCertificates(*dir_)) {
      setup_error_ = "openssl failed: " + readFile(dir_->file("openssl.log"));
      return;
    }
    try {
      Poco::Net::Context::Ptr context =
          new Poco::Net::Context(Poco::Net::Context::SERVER_USE, dir_->file("server.key"),
                                 dir_->file("server.crt"), "", Poco::Net::Context::VERIFY_NONE);
      Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
      port_ = socket.address().port();
      auto* params = new Poco::Net::HTTPServerParams;
      params->setMaxThreads(4);
      server_ = new Poco::Net::HTTPServer(new ExportFactory, socket, params);
      server_->start();
    } catch (const Poco::Exception& e) {
      setup_error_ = "TLS server: " + e.displayText();
    }
  }
  static void TearDownTestSuite() {
    if (server_ != nullptr) server_->stop();
    delete server_;
    server_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static FetchRequest at(const std::string& path) {
    FetchRequest r;
    r.location = "https://127.0.0.1:" + std::to_string(port_) + path;
    r.ca_file = dir_->file("ca.crt");
    r.deadline = std::chrono::seconds(20);
    return r;
  }

  static TempDir* dir_;
  static Poco::Net::HTTPServer* server_;
  static int port_;
  static std::string setup_error_;
};

TempDir* HttpsFetchTest::dir_ = nullptr;
Poco::Net::HTTPServer* HttpsFetchTest::server_ = nullptr;
int HttpsFetchTest::port_ = 0;
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
  r.ca_file = dir_->file("other.crt");
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
  stall_released().set();
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

const std::string kKeyId = "S3RVER";  // the one key pair s3rver knows
const std::string kSecret = "S3RVER";
const std::string kRegion = "eu-west-1";
const std::string kLeavers = R"([{"externalId":"E1","terminationDate":"2026-11-30"}])";

std::string amzNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

struct Answer {
  int status = 0;
  std::string body;
};

// A request to the front signed with our signV4 (PUT an object, list a bucket).
Answer signedRequest(int port, const std::string& method, const std::string& path,
                     const std::vector<std::pair<std::string, std::string>>& query,
                     const std::string& body, const std::string& session_token = "") {
  SigV4Request s;
  s.method = method;
  s.host = "127.0.0.1:" + std::to_string(port);
  s.path = path;
  s.query = query;
  s.payload_sha256 = sha256Hex(body);
  s.amz_date = amzNow();
  s.region = kRegion;
  s.access_key_id = kKeyId;
  s.secret_access_key = kSecret;
  s.session_token = session_token;
  if (method == "PUT") s.headers = {{"Content-Type", "application/octet-stream"}};
  const SigV4Signature signature = signV4(s);
  std::string target = path;
  for (size_t i = 0; i < query.size(); ++i) {
    target += (i == 0 ? "?" : "&") + awsUriEncode(query[i].first, false) + "=" +
              awsUriEncode(query[i].second, false);
  }
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : signature.headers) request.set(name, value);
  request.set("Authorization", signature.authorization);
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  Answer a;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), a.body);
  a.status = response.getStatus();
  return a;
}

class S3FetchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string s3_dir = std::string(SCIM_AGENT_SOURCE_DIR) + "/tests/s3";
    if (!std::filesystem::exists(s3_dir + "/node_modules/s3rver") ||
        !std::filesystem::exists(s3_dir + "/node_modules/@smithy/signature-v4")) {
      setup_error_ = s3_dir +
                     "/node_modules is missing: run ./setup.sh test (it installs the npm test "
                     "packages with npm ci)";
      return;
    }
    dir_ = new TempDir;
    try {
      in_ = new Poco::Pipe;
      Poco::Pipe out;
      const std::vector<std::string> args = {s3_dir + "/verify-front.js",
                                             "--directory",
                                             dir_->path(),
                                             "--region",
                                             kRegion,
                                             "--bucket",
                                             "hr",
                                             "--key",
                                             kKeyId + ":" + kSecret};
      process_ = new Poco::ProcessHandle(Poco::Process::launch("node", args, in_, &out, nullptr));
      Poco::PipeInputStream stdout_stream(out);
      std::string line;
      std::getline(stdout_stream, line);
      if (line.rfind("port=", 0) != 0) {
        setup_error_ = "verify-front.js did not start (stdout: \"" + line + "\"; see stderr)";
        return;
      }
      port_ = std::stoi(line.substr(5));
    } catch (const Poco::Exception& e) {
      setup_error_ = "cannot start node: " + e.displayText();
      return;
    }
    for (const auto& [key, body] : std::vector<std::pair<std::string, std::string>>{
             {"leavers.json", kLeavers}, {"exports/hr 2026.csv", exportBody()}}) {
      const Answer put = signedRequest(port_, "PUT", "/hr/" + awsUriEncode(key, true), {}, body);
      if (put.status != 200) {
        setup_error_ = "PUT " + key + ": " + std::to_string(put.status) + " " + put.body;
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    if (process_ != nullptr) {
      Poco::Process::kill(*process_);
      process_->wait();
    }
    delete process_;
    process_ = nullptr;
    delete in_;  // closes node's stdin
    in_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static FetchRequest object(const std::string& location) {
    FetchRequest r;
    r.location = location;
    r.region = kRegion;
    r.endpoint = "http://127.0.0.1:" + std::to_string(port_);
    r.path_style = true;
    r.credentials.access_key_id = kKeyId;
    r.credentials.secret_access_key = kSecret;
    r.deadline = std::chrono::seconds(20);
    return r;
  }

  static TempDir* dir_;
  static Poco::Pipe* in_;
  static Poco::ProcessHandle* process_;
  static int port_;
  static std::string setup_error_;
};

TempDir* S3FetchTest::dir_ = nullptr;
Poco::Pipe* S3FetchTest::in_ = nullptr;
Poco::ProcessHandle* S3FetchTest::process_ = nullptr;
int S3FetchTest::port_ = 0;
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
  const Answer list =
      signedRequest(port_, "GET", "/hr", {{"prefix", "exports/hr 2"}}, "", "session/token+1");
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
