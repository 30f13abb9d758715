// Issue 10, item 4: `serve.tls` — serve with a certificate and key listens with HTTPS (a signed
// event posted over TLS is accepted and acted on; plain HTTP to that port gets no answer), a
// plain-HTTP listen address other than loopback is refused at startup, and serve.tls problems are
// agent.yaml errors with their place.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>

#include "agent/codec/hmac_sha256.h"
#include "tests/support/harness.h"
#include "tests/support/org.h"

namespace scim_agent::testing {
namespace {

const std::string kSecret = "event-secret-for-tls-tests";

struct Answer {
  int status = 0;
  std::string body;
};

// POSTs a signed event (or GETs `path` when `body` is empty) over `session`.
Answer call(Poco::Net::HTTPClientSession& session, const std::string& path,
            const std::string& body = "") {
  session.setTimeout(Poco::Timespan(10, 0));
  const bool post = !body.empty();
  Poco::Net::HTTPRequest request(post ? "POST" : "GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (post) {
    const std::string ts = std::to_string(static_cast<long long>(std::time(nullptr)));
    request.set("X-Scim-Agent-Timestamp", ts);
    request.set("X-Scim-Agent-Signature", timestampedSignature(kSecret, ts, body));
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  Answer a;
  try {
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), a.body);
    a.status = response.getStatus();
  } catch (const Poco::Exception& e) {
    a.body = e.displayText();
  }
  return a;
}

// A client context that trusts exactly `cert_file` (and checks the host name against it).
Poco::Net::Context::Ptr trusting(const std::string& cert_file) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
  Poco::Net::Context::Ptr context = new Poco::Net::Context(
      Poco::Net::Context::TLS_CLIENT_USE, cert_file, Poco::Net::Context::VERIFY_STRICT, 9, false);
  return context;
}

// A self-signed certificate for 127.0.0.1 (CN and subjectAltName) in dir/serve.crt, serve.key.
bool makeCertificate(const TempDir& dir) {
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout '" + dir.file("serve.key") + "' -out '" +
      dir.file("serve.crt") + "' >'" + dir.file("openssl.log") + "' 2>&1";
  return std::system(command.c_str()) == 0;
}

std::vector<Person> people(const std::vector<std::string>& ids) {
  std::vector<Person> out;
  for (const auto& id : ids) out.push_back({id, id + "@example.com"});
  return out;
}

// agent.yaml for `sim` with a serve section: loopback, the event secret, and `extra` inside
// serve's mapping (say "tls: { certFile: serve.crt, keyFile: serve.key }").
std::string writeConfig(const TempDir& dir, const SimProcess& sim, const std::string& extra) {
  dir.write("desired.yaml", desiredYaml(people({"EMP-1", "EMP-2"})));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired.yaml"));
  dir.write("event-secret", kSecret + "\n");
  dir.append("agent.yaml", "serve:\n  listen: 127.0.0.1:0\n  eventSecretFile: event-secret\n" +
                               extra);
  return config;
}

// A serve process; its port once it wrote the port file (0 if it never did).
class Serve {
 public:
  Serve(const TempDir& dir, const std::vector<std::string>& extra = {})
      : port_file_(dir.file("serve.port")) {
    std::remove(port_file_.c_str());
    std::vector<std::string> args{"serve", "--config", dir.file("agent.yaml"), "--interval", "0",
                                  "--port-file", port_file_};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<AgentProcess>(args);
    for (int i = 0; i < 400 && port_ == 0 && process_->running(); ++i) {
      std::ifstream f(port_file_);
      if (!(f >> port_)) {
        port_ = 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
    }
  }
  int port() const { return port_; }
  AgentProcess& process() { return *process_; }

 private:
  std::string port_file_;
  int port_ = 0;
  std::unique_ptr<AgentProcess> process_;
};

template <typename F>
bool eventually(F done) {
  for (int i = 0; i < 300; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

TEST(ServeTlsTest, SignedEventOverHttpsIsAcceptedAndActedOnAndPlainHttpGetsNoAnswer) {
  SimProcess sim;
  sim.seed(seedOrg(people({"EMP-1", "EMP-2"})));
  TempDir dir;
  ASSERT_TRUE(makeCertificate(dir)) << readFile(dir.file("openssl.log"));
  // Relative paths: resolved against the config's directory like every other file.
  writeConfig(dir, sim, "  tls: { certFile: serve.crt, keyFile: serve.key }\n");
  Serve serve(dir);
  ASSERT_GT(serve.port(), 0) << serve.process().wait().err;
  const auto port = static_cast<Poco::UInt16>(serve.port());

  Poco::Net::HTTPSClientSession https("127.0.0.1", port, trusting(dir.file("serve.crt")));
  const Answer health = call(https, "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  const std::string event =
      R"({"type":"termination","externalId":"EMP-2","occurredAt":"2026-11-23T09:00:00Z","eventId":"tls-1"})";
  const Answer accepted = call(https, "/v1/events", event);
  EXPECT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_TRUE(eventually([&] { return !sim.userByExternalId("EMP-2").getBool("active", true); }))
      << "the event is acted on";
  EXPECT_TRUE(sim.userByExternalId("EMP-1").getBool("active"));

  Poco::Net::HTTPClientSession plain("127.0.0.1", port);
  const Answer refused = call(plain, "/healthz");
  EXPECT_EQ(refused.status, 0) << "plain HTTP to the HTTPS port: " << refused.body;

  // A client that does not trust the certificate does not get through either.
  Poco::Net::HTTPSClientSession untrusting(
      "127.0.0.1", port,
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "",
                             Poco::Net::Context::VERIFY_STRICT, 9, false));
  EXPECT_EQ(call(untrusting, "/healthz").status, 0);

  serve.process().signal(SIGTERM);
  const RunResult stopped = serve.process().wait();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(stopped.out.find("https://127.0.0.1:"), std::string::npos) << stopped.out;
}

TEST(ServeTlsTest, PlainHttpBeyondLoopbackIsRefusedAtStartup) {
  SimProcess sim;
  TempDir dir;
  writeConfig(dir, sim, "");
  Serve serve(dir, {"--listen", "0.0.0.0:0"});
  const RunResult r = serve.process().wait();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(serve.port(), 0);
  EXPECT_NE(r.err.find("refusing to listen on 0.0.0.0:0 with plain HTTP"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("configure serve.tls"), std::string::npos) << r.err;

  // The same from agent.yaml.
  TempDir dir2;
  dir2.write("desired.yaml", desiredYaml(people({"EMP-1"})));
  writeAgentConfig(dir2, sim, dir2.file("desired.yaml"));
  dir2.write("event-secret", kSecret + "\n");
  dir2.append("agent.yaml", "serve: { listen: '[::]:0', eventSecretFile: event-secret }\n");
  const RunResult from_yaml = Serve(dir2).process().wait();
  EXPECT_EQ(from_yaml.exit_code, 1) << from_yaml.err;
  EXPECT_NE(from_yaml.err.find("configure serve.tls"), std::string::npos) << from_yaml.err;
}

TEST(ServeTlsTest, ServeSettingsAreCheckedWithTheirPlace) {
  SimProcess sim;
  TempDir dir;
  dir.write("serve.crt", "not a certificate\n");
  writeConfig(dir, sim,
              "  tls: { certFile: serve.crt }\n"
              "  maxConnections: 0\n"
              "  requestTimeout: 10\n");
  const RunResult r = runAgent({"validate", "--config", dir.file("agent.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string yaml = dir.file("agent.yaml");
  EXPECT_NE(r.err.find("tls needs certFile and keyFile: keyFile is missing"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("requestTimeout must be a duration"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(yaml + ":"), std::string::npos) << r.err;

  TempDir dir2;
  writeConfig(dir2, sim, "  tls: { certFile: missing.crt, keyFile: missing.key }\n");
  const RunResult missing = runAgent({"validate", "--config", dir2.file("agent.yaml")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("certFile " + dir2.file("missing.crt") + " is not a readable file"),
            std::string::npos)
      << missing.err;

  // Files that exist but are no certificate and key: serve says so at startup.
  TempDir dir3;
  dir3.write("serve.crt", "not a certificate\n");
  dir3.write("serve.key", "not a key\n");
  writeConfig(dir3, sim, "  tls: { certFile: serve.crt, keyFile: serve.key }\n");
  const RunResult bad = Serve(dir3).process().wait();
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("cannot load serve.tls"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace scim_agent::testing
