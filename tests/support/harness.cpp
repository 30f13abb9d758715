#include "tests/support/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "agent/codec/json_parse.h"

namespace scim_agent::testing {


namespace {

// fork + execv with stdout/stderr to files: no shell, no pipes to drain.
pid_t spawn(const std::string& binary, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env, const std::string& out_path,
            const std::string& err_path) {
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<std::string> env_s;
  for (const char* keep : {"PATH", "HOME", "LANG", "TZ"}) {
    if (const char* v = std::getenv(keep)) env_s.push_back(std::string(keep) + "=" + v);
  }
  for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) ::_exit(127);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execve(binary.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

SimProcess::SimProcess(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args{"--host", "127.0.0.1", "--port", "0", "--port-file",
                                dir_.file("port"), "--client", "demo-client:demo-secret"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = spawn(GENESYS_SIM_BIN, args, {}, dir_.file("sim.out"), dir_.file("sim.err"));
  for (int i = 0; i < 400; ++i) {
    const std::string text = readFile(dir_.file("port"));
    if (!text.empty()) {
      port_ = std::stoi(text);
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("genesys-sim exited: " + readFile(dir_.file("sim.err")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("genesys-sim did not start within 10 s");
}

SimProcess::~SimProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
}

Json SimProcess::call(const std::string& method, const std::string& path, const std::string& body) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!body.empty()) {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  std::ostream& os = session.sendRequest(request);
  os << body;
  Poco::Net::HTTPResponse response;
  std::istream& is = session.receiveResponse(response);
  std::string text;
  Poco::StreamCopier::copyToString(is, text);
  if (response.getStatus() >= 300) {
    throw std::runtime_error(method + " " + path + " → " + std::to_string(response.getStatus()) +
                             ": " + text);
  }
  if (text.empty()) return Json();
  auto parsed = parseJson(text);
  if (!parsed.ok()) throw std::runtime_error(parsed.error().message);
  return parsed.value();
}

void SimProcess::seed(const Json& document) { call("POST", "/sim/seed", document.dump()); }
Json SimProcess::state() { return call("GET", "/sim/state"); }
Json SimProcess::counters() { return call("GET", "/sim/counters"); }
void SimProcess::resetCounters() { call("POST", "/sim/counters/reset", "{}"); }
void SimProcess::touch(const Json& edit) { call("POST", "/sim/touch", edit.dump()); }
void SimProcess::configure(const Json& config) { call("POST", "/sim/config", config.dump()); }

int SimProcess::count(const std::string& route) {
  const Json c = counters();
  return static_cast<int>(c.get("routes").getNumber(route, 0));
}

int SimProcess::writes() {
  const Json c = counters();
  int n = 0;
  for (const auto& [route, value] : c.get("routes").asObject()) {
    // Reads, even those sent as POST (the deleted-user search, the analytics query).
    if (route.rfind("GET ", 0) == 0 || route == "POST /oauth/token" ||
        route == "POST /platform/users/search" ||
        route == "POST /api/v2/analytics/conversations/details/query") {
      continue;
    }
    n += static_cast<int>(value.asNumber());
  }
  return n;
}

Json SimProcess::requests() { return call("GET", "/sim/requests"); }

Json SimProcess::api(const std::string& method, const std::string& path, const Json& body) {
  // A token for the demo client, as an administrator's other tool would hold.
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
  Poco::Net::HTTPRequest token_request("POST", "/oauth/token", Poco::Net::HTTPMessage::HTTP_1_1);
  const std::string form = "grant_type=client_credentials";
  token_request.setContentType("application/x-www-form-urlencoded");
  token_request.setCredentials("Basic", "ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=");  // demo-client:demo-secret
  token_request.setContentLength(static_cast<std::streamsize>(form.size()));
  session.sendRequest(token_request) << form;
  Poco::Net::HTTPResponse token_response;
  std::string token_text;
  Poco::StreamCopier::copyToString(session.receiveResponse(token_response), token_text);
  auto token = parseJson(token_text);
  if (!token.ok()) throw std::runtime_error("token: " + token_text);

  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", "Bearer " + token->getString("access_token"));
  const std::string text = body.isNull() ? "" : body.dump();
  if (!text.empty()) {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(text.size()));
  }
  session.sendRequest(request) << text;
  Poco::Net::HTTPResponse response;
  std::string answer;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), answer);
  if (response.getStatus() >= 300) {
    throw std::runtime_error(method + " " + path + " → " + std::to_string(response.getStatus()) +
                             ": " + answer);
  }
  if (answer.empty()) return Json();
  auto parsed = parseJson(answer);
  return parsed.ok() ? parsed.value() : Json(answer);
}
void SimProcess::faults(const Json& script) { call("POST", "/sim/faults", script.dump()); }

std::map<std::string, Json> SimProcess::usersByExternalId() {
  std::map<std::string, Json> out;
  const Json s = state();
  for (const auto& u : s.get("users").asArray()) {
    if (u.getBool("deleted")) continue;
    const std::string ext = u.getString("externalId");
    out[ext.empty() ? "userName:" + u.getString("userName") : ext] = u;
  }
  return out;
}

Json SimProcess::userByExternalId(const std::string& external_id) {
  const Json s = state();
  for (const auto& u : s.get("users").asArray()) {
    if (u.getString("externalId") == external_id) return u;
  }
  return Json();
}

RunResult runAgent(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env) {
  TempDir io;
  pid_t pid = spawn(SCIM_AGENT_BIN, args, env, io.file("out"), io.file("err"));
  int status = 0;
  ::waitpid(pid, &status, 0);
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = readFile(io.file("out"));
  r.err = readFile(io.file("err"));
  return r;
}

AgentProcess::AgentProcess(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) {
  pid_ = spawn(SCIM_AGENT_BIN, args, env, io_.file("out"), io_.file("err"));
}

AgentProcess::~AgentProcess() {
  if (pid_ > 0) kill();
}

bool AgentProcess::running() {
  if (pid_ <= 0) return false;
  if (::waitpid(pid_, &status_, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void AgentProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status_, 0);
  pid_ = -1;
}

void AgentProcess::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

void AgentProcess::terminate() {
  if (pid_ > 0) ::kill(pid_, SIGTERM);
}

RunResult AgentProcess::wait() {
  if (pid_ > 0) {
    ::waitpid(pid_, &status_, 0);
    pid_ = -1;
  }
  RunResult r;
  r.exit_code = WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  r.out = readFile(io_.file("out"));
  r.err = readFile(io_.file("err"));
  return r;
}

std::string writeAgentConfig(const TempDir& dir, const SimProcess& sim, const std::string& desired,
                             int requests_per_minute) {
  dir.write("client-secret", "demo-secret\n");
  std::ostringstream y;
  y << "target:\n"
    << "  kind: genesys\n"
    << "  apiBase: " << sim.baseUrl() << "\n"
    << "  loginBase: " << sim.baseUrl() << "\n"
    << "  clientId: demo-client\n"
    << "  clientSecretFile: " << dir.file("client-secret") << "\n"
    << "  rateLimit: { requestsPerMinute: " << requests_per_minute << ", concurrency: 4 }\n"
    << "desired: " << desired << "\n"
    << "state: " << dir.file("state.db") << "\n";
  return dir.write("agent.yaml", y.str());
}

std::string writeSourcesConfig(const TempDir& dir, const SimProcess& sim,
                               const std::string& desired_yaml, const std::string& entries) {
  dir.write("desired/users.yaml", desired_yaml);
  writeAgentConfig(dir, sim, dir.file("desired"));
  return dir.append("agent.yaml", "sources:\n" + entries);
}

std::string addWebhookConfig(const TempDir& dir, const std::string& url,
                             const std::string& secret) {
  dir.write("webhook-secret", secret + "\n");
  return dir.append("agent.yaml", "notify:\n  webhook:\n    url: " + url + "\n    secretFile: " +
                                      dir.file("webhook-secret") + "\n");
}

}  // namespace scim_agent::testing
