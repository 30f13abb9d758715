// Issue #5: `scim-agent serve` against genesys-sim — every bad event is refused with its status
// and never journaled, a termination suspends the user (tokens revoked, groups removed) and holds
// over the desired state, an event accepted before a SIGKILL is acted on after the restart,
// /healthz and /metrics answer, and a concurrent apply is refused with exit 4.
// Issue #12: serve logs like run (JSON lines on a stdout that is a pipe) and its /metrics counts
// actions, API requests by status, 429s and the drift gauges like run's textfile.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/codec/hmac_sha256.h"
#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "tests/support/harness.h"
#include "tests/support/org.h"
#include "tests/support/state_db.h"
#include "tests/unit/metrics/exposition_validator.h"

namespace scim_agent::testing {
namespace {

const std::string kSecret = "event-secret-for-tests";
const std::string kTokens = "DELETE /api/v2/tokens/{userId}";

struct Answer {
  int status = 0;
  std::string body;
};

Answer http(int port, const std::string& method, const std::string& path,
            const std::map<std::string, std::string>& headers = {}, const std::string& body = "",
            const std::string& content_type = "application/json") {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) request.set(k, v);
  if (method == "POST") {
    request.setContentType(content_type);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  Answer a;
  try {
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, a.body);
    a.status = response.getStatus();
  } catch (const Poco::Exception& e) {
    a.body = e.displayText();
  }
  return a;
}

std::map<std::string, std::string> signedHeaders(const std::string& body, long long at = 0) {
  const std::string ts = std::to_string(at ? at : static_cast<long long>(std::time(nullptr)));
  return {{"X-Scim-Agent-Timestamp", ts},
          {"X-Scim-Agent-Signature", timestampedSignature(kSecret, ts, body)}};
}

Answer postEvent(int port, const std::string& body) {
  return http(port, "POST", "/v1/events", signedHeaders(body), body);
}

std::string event(const std::string& type, const std::string& external_id,
                  const std::string& event_id = "") {
  std::string b = "{\"type\":\"" + type + "\",\"externalId\":\"" + external_id +
                  "\",\"occurredAt\":\"2026-11-23T09:00:00Z\"";
  if (!event_id.empty()) b += ",\"eventId\":\"" + event_id + "\"";
  return b + "}";
}

// EMP-n as id@example.com, in "Everyone".
std::vector<Person> people(const std::vector<std::string>& ids) {
  std::vector<Person> out;
  for (const auto& id : ids) out.push_back({id, id + "@example.com"});
  return out;
}

bool inAnyGroup(const Json& user) {
  return user.get("groups").isArray() && !user.get("groups").asArray().empty();
}

// A serve process with its config, state DB and port file in `dir`.
class Serve {
 public:
  Serve(const TempDir& dir, const std::vector<std::string>& extra = {})
      : port_file_(dir.file("serve.port")) {
    std::remove(port_file_.c_str());
    std::vector<std::string> args{"serve", "--config", dir.file("agent.yaml"), "--interval", "0",
                                  "--port-file", port_file_};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<AgentProcess>(args);
    for (int i = 0; i < 200 && port_ == 0; ++i) {
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

std::string writeServeConfig(const TempDir& dir, const SimProcess& sim) {
  dir.write("desired.yaml", desiredYaml(people({"EMP-1", "EMP-2", "EMP-3"})));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired.yaml"));
  dir.write("event-secret", kSecret + "\n");
  dir.append("agent.yaml", "serve: { listen: 127.0.0.1:0, eventSecretFile: " +
                               dir.file("event-secret") + " }\n");
  return config;
}

std::vector<EventRecord> journaled(const TempDir& dir) {
  auto store = tryOpenStore(dir.file("state.db"));  // polled while serve runs
  if (!store) return {};
  auto events = store->events(0);
  return events.ok() ? *events : std::vector<EventRecord>{};
}

// Polls `done` every 50 ms for up to 15 s (no timed assertion: a slow machine only waits longer).
template <typename F>
bool eventually(F done) {
  for (int i = 0; i < 300; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

TEST(ServeTest, BadEventsGetTheirStatusAndAreNotJournaled) {
  SimProcess sim;
  sim.seed(seedOrg(people({"EMP-1", "EMP-2", "EMP-3"})));
  TempDir dir;
  writeServeConfig(dir, sim);
  Serve serve(dir, {"--hold-events"});
  ASSERT_GT(serve.port(), 0) << serve.process().wait().err;
  const int port = serve.port();
  const std::string good = event("termination", "EMP-2", "ev-1");
  const long long now = static_cast<long long>(std::time(nullptr));

  struct Case {
    const char* name;
    Answer answer;
    int status;
  };
  std::map<std::string, std::string> no_sig = signedHeaders(good);
  no_sig.erase("X-Scim-Agent-Signature");
  std::map<std::string, std::string> wrong = signedHeaders(good);
  wrong["X-Scim-Agent-Signature"] = timestampedSignature("not-the-secret", wrong["X-Scim-Agent-Timestamp"], good);
  const std::string big = "{\"type\":\"termination\",\"externalId\":\"EMP-2\",\"pad\":\"" +
                          std::string(70 * 1024, 'x') + "\"}";
  const std::vector<Case> cases = {
      {"no signature", http(port, "POST", "/v1/events", no_sig, good), 401},
      {"wrong signature", http(port, "POST", "/v1/events", wrong, good), 401},
      {"stale timestamp", http(port, "POST", "/v1/events", signedHeaders(good, now - 301), good), 401},
      {"future timestamp", http(port, "POST", "/v1/events", signedHeaders(good, now + 400), good), 401},
      {"oversized", http(port, "POST", "/v1/events", signedHeaders(big), big), 413},
      {"malformed JSON", postEvent(port, "{\"type\":"), 400},
      {"unknown type", postEvent(port, event("promotion", "EMP-2")), 400},
      {"missing externalId",
       postEvent(port, "{\"type\":\"termination\",\"occurredAt\":\"2026-11-23T09:00:00Z\"}"), 400},
      {"wrong content type",
       http(port, "POST", "/v1/events", signedHeaders(good), good, "text/plain"), 415},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.answer.status, c.status) << c.name << ": " << c.answer.body;
    auto body = parseJson(c.answer.body);
    ASSERT_TRUE(body.ok()) << c.name << ": " << c.answer.body;
    EXPECT_FALSE(body->getString("error").empty()) << c.name;
    EXPECT_EQ(body->getNumber("status"), c.status) << c.name;
  }
  EXPECT_NE(cases[2].answer.body.find("stale timestamp"), std::string::npos);
  EXPECT_NE(cases[6].answer.body.find("unknown type"), std::string::npos);
  EXPECT_NE(cases[7].answer.body.find("missing externalId"), std::string::npos);
  EXPECT_TRUE(journaled(dir).empty()) << "no invalid event is journaled";

  // Accepted once; the same eventId (even signed anew) and the same signed request are replays.
  const Answer accepted = postEvent(port, good);
  EXPECT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_NE(accepted.body.find("\"accepted\""), std::string::npos);
  EXPECT_EQ(postEvent(port, good).status, 409);
  const std::string no_id = event("update", "EMP-1");
  const auto headers = signedHeaders(no_id);
  EXPECT_EQ(http(port, "POST", "/v1/events", headers, no_id).status, 202);
  EXPECT_EQ(http(port, "POST", "/v1/events", headers, no_id).status, 409);
  const auto events = journaled(dir);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].state, "received");  // --hold-events: not acted on
}

TEST(ServeTest, TerminationSuspendsAtOnceAndHoldsOverTheDesiredState) {
  SimProcess sim;
  sim.seed(seedOrg(people({"EMP-1", "EMP-2", "EMP-3"})));
  TempDir dir;
  const std::string config = writeServeConfig(dir, sim);
  Serve serve(dir);
  ASSERT_GT(serve.port(), 0) << serve.process().wait().err;
  ASSERT_TRUE(sim.userByExternalId("EMP-2").getBool("active"));
  ASSERT_TRUE(inAnyGroup(sim.userByExternalId("EMP-2")));

  const Answer a = postEvent(serve.port(), event("termination", "EMP-2", "t-1"));
  ASSERT_EQ(a.status, 202) << a.body;
  EXPECT_TRUE(eventually([&] {
    const Json u = sim.userByExternalId("EMP-2");
    return !u.getBool("active", true) && !inAnyGroup(u) && sim.count(kTokens) >= 1;
  })) << sim.userByExternalId("EMP-2").dump();
  EXPECT_TRUE(sim.userByExternalId("EMP-1").getBool("active")) << "only that user";
  EXPECT_TRUE(eventually([&] {
    const auto events = journaled(dir);
    return !events.empty() && events[0].state == "processed" && events[0].run_id > 0;
  }));

  // /healthz and /metrics while it runs; a concurrent apply is refused (exit 4), not interleaved.
  const Answer health = http(serve.port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"ok\""), std::string::npos);
  const Answer metrics = http(serve.port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  const auto problems = validateExposition(metrics.body);
  EXPECT_TRUE(problems.empty()) << joinProblems(problems) << metrics.body;
  const auto samples = parseExposition(metrics.body);
  EXPECT_EQ(sampleValue(samples, "scim_agent_event_to_action_seconds_count", {{"type", "termination"}}), 1)
      << metrics.body;
  EXPECT_EQ(sampleValue(samples, "scim_agent_events_total", {{"type", "termination"}, {"state", "processed"}}), 1);
  EXPECT_GE(sampleValue(samples, "scim_agent_serve_http_responses_total", {{"status", "202"}}), 1);
  const RunResult busy = runAgent({"apply", "--config", config, "--auto-approve"},
                                  {{"SCIM_AGENT_LOCK_TIMEOUT_SECONDS", "0.2"}});
  EXPECT_EQ(busy.exit_code, 4) << busy.out << busy.err;

  serve.process().signal(SIGTERM);
  EXPECT_EQ(serve.process().wait().exit_code, 0);

  // The desired state still says active; the termination wins until it says otherwise.
  const RunResult applied = runAgent({"apply", "--config", config, "--auto-approve"});
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_FALSE(sim.userByExternalId("EMP-2").getBool("active", true)) << applied.out;

  // An operator lists and clears the termination (audited); then the desired state rules again.
  RunResult listed = runAgent({"terminations", "--config", config});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("EMP-2"), std::string::npos) << listed.out;
  RunResult cleared = runAgent({"terminations", "--config", config, "--clear", "EMP-2"},
                               {{"USER", "alice"}});
  EXPECT_EQ(cleared.exit_code, 0) << cleared.out << cleared.err;
  EXPECT_EQ(runAgent({"terminations", "--config", config, "--clear", "EMP-2"}).exit_code, 1)
      << "nothing left to clear";
  {
    auto store = StateStore::open(dir.file("state.db"));
    ASSERT_TRUE(store.ok());
    auto audit = (*store)->auditRecords(0, 0);
    ASSERT_TRUE(audit.ok());
    ASSERT_FALSE(audit->empty());
    EXPECT_EQ(audit->back().action, "clear-termination");
    EXPECT_EQ(audit->back().actor, "operator:alice");
    EXPECT_EQ(audit->back().subject, "EMP-2");
  }
  const RunResult reactivated = runAgent({"apply", "--config", config, "--auto-approve"});
  EXPECT_EQ(reactivated.exit_code, 0) << reactivated.out << reactivated.err;
  EXPECT_TRUE(sim.userByExternalId("EMP-2").getBool("active")) << reactivated.out;
}

TEST(ServeTest, EventAcceptedBeforeSigkillIsActedOnAfterRestart) {
  SimProcess sim;
  sim.seed(seedOrg(people({"EMP-1", "EMP-2", "EMP-3"})));
  TempDir dir;
  writeServeConfig(dir, sim);
  {
    Serve held(dir, {"--hold-events"});
    ASSERT_GT(held.port(), 0) << held.process().wait().err;
    ASSERT_EQ(postEvent(held.port(), event("termination", "EMP-3", "k-1")).status, 202);
    held.process().kill();  // SIGKILL: the 202 was answered, nothing acted
  }
  EXPECT_TRUE(auditChainIntact(dir.file("state.db")));
  EXPECT_TRUE(sim.userByExternalId("EMP-3").getBool("active"));
  ASSERT_EQ(journaled(dir).size(), 1u);
  EXPECT_EQ(journaled(dir)[0].state, "received");

  Serve restarted(dir);
  ASSERT_GT(restarted.port(), 0) << restarted.process().wait().err;
  EXPECT_TRUE(eventually([&] { return !sim.userByExternalId("EMP-3").getBool("active", true); }));
  EXPECT_TRUE(eventually([&] { return journaled(dir)[0].state == "processed"; }));
}

TEST(ServeTest, HireCreatesTheDesiredUserAndAnEventWithoutDesiredEntryIsIgnored) {
  SimProcess sim;
  sim.seed(seedOrg(people({"EMP-1", "EMP-2"})));  // EMP-3 is desired but not yet in Genesys
  TempDir dir;
  writeServeConfig(dir, sim);
  Serve serve(dir);
  ASSERT_GT(serve.port(), 0) << serve.process().wait().err;
  ASSERT_TRUE(sim.userByExternalId("EMP-3").isNull());
  ASSERT_EQ(postEvent(serve.port(), event("hire", "EMP-3", "h-1")).status, 202);
  ASSERT_EQ(postEvent(serve.port(), event("hire", "EMP-9", "h-2")).status, 202);
  EXPECT_TRUE(eventually([&] { return sim.userByExternalId("EMP-3").getBool("active"); }));
  EXPECT_TRUE(eventually([&] {
    const auto events = journaled(dir);  // newest first
    return events.size() == 2 && events[0].state == "ignored" && events[1].state == "processed";
  }));
  EXPECT_TRUE(sim.userByExternalId("EMP-9").isNull()) << "the desired state is the source";
}

TEST(ServeTest, PeriodicCycleRunsInsideServeAndKeepsTheTermination) {
  SimProcess sim;
  sim.seed(seedOrg(people({"EMP-1", "EMP-2"})));
  TempDir dir;
  writeServeConfig(dir, sim);
  std::unique_ptr<Serve> serve = std::make_unique<Serve>(dir, std::vector<std::string>{});
  ASSERT_GT(serve->port(), 0);
  ASSERT_EQ(postEvent(serve->port(), event("termination", "EMP-2", "p-1")).status, 202);
  EXPECT_TRUE(eventually([&] { return !sim.userByExternalId("EMP-2").getBool("active", true); }));
  serve->process().signal(SIGTERM);
  EXPECT_EQ(serve->process().wait().exit_code, 0);
  // A serve with a cycle every second: the first cycle creates EMP-3 (desired, not live) and
  // leaves EMP-2 suspended although the desired state still says active.
  std::remove(dir.file("serve.port").c_str());
  AgentProcess cycling({"serve", "--config", dir.file("agent.yaml"), "--interval", "1s",
                        "--port-file", dir.file("serve.port")});
  EXPECT_TRUE(eventually([&] { return sim.userByExternalId("EMP-3").getBool("active"); }));
  EXPECT_FALSE(sim.userByExternalId("EMP-2").getBool("active", true));
  cycling.signal(SIGTERM);
  const RunResult stopped = cycling.wait();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
}

// The scim-agent binary the harness runs: bin/scim-agent of the build tree this test runs from.
std::string agentBinary() {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  for (; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "bin" / "scim-agent", ec)) return dir / "bin" / "scim-agent";
  }
  return "scim-agent";
}

// The scim-agent binary with its stdout a pipe (as under systemd, where journald reads a socket),
// stderr a file; the pipe is read on a thread until the process closes it.
class PipedAgent {
 public:
  PipedAgent(const std::vector<std::string>& args, const std::string& err_path) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    std::vector<std::string> argv_s{agentBinary()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (const char* keep : {"PATH", "HOME", "LANG", "TZ"}) {
      if (const char* v = std::getenv(keep)) env_s.push_back(std::string(keep) + "=" + v);
    }
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      const int in = ::open("/dev/null", O_RDONLY);
      const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || err < 0) ::_exit(127);
      ::dup2(in, 0);
      ::dup2(fds[1], 1);
      ::dup2(err, 2);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execve(argv_s[0].c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    reader_ = std::thread([this, fd = fds[0]] {
      char buf[4096];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
        std::lock_guard<std::mutex> lock(mu_);
        out_.append(buf, static_cast<size_t>(n));
      }
      ::close(fd);
    });
  }
  ~PipedAgent() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (reader_.joinable()) reader_.join();
  }
  // SIGTERM, then the exit code once it ended and the pipe is drained.
  int stop() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
    const int code = wait();
    if (reader_.joinable()) reader_.join();
    return code;
  }
  std::string out() {
    std::lock_guard<std::mutex> lock(mu_);
    return out_;
  }

 private:
  int wait() {
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, 0) == pid_) pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  pid_t pid_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::string out_;
};

// The parsed log lines whose "msg" is `msg`.
std::vector<Json> records(const std::vector<Json>& lines, const std::string& msg) {
  std::vector<Json> out;
  for (const Json& line : lines) {
    if (line.getString("msg") == msg) out.push_back(line);
  }
  return out;
}

TEST(ServeTest, LogsJsonLinesOnAPipeAndCountsLikeRunsTextfile) {
  SimProcess sim;
  sim.seed(seedOrg(people({"EMP-1", "EMP-2"})));  // EMP-3 is desired: the cycle creates it
  TempDir dir;
  writeServeConfig(dir, sim);
  // One 429 on the live read: counted as a 4xx and as rate limited, then retried.
  sim.faults(Json(Json::Object{
      {"route", "GET /scim/v2/users"}, {"status", 429}, {"retryAfter", 1}, {"count", 1}}));
  const std::string port_file = dir.file("serve.port");
  // --interval 1h: one cycle at start, then only the event.
  PipedAgent serve(
      {"serve", "--config", dir.file("agent.yaml"), "--interval", "1h", "--port-file", port_file},
      dir.file("serve.err"));
  int port = 0;
  ASSERT_TRUE(eventually([&] { return static_cast<bool>(std::ifstream(port_file) >> port); }));
  auto metric = [&](const std::string& name, const std::map<std::string, std::string>& labels) {
    return sampleValue(parseExposition(http(port, "GET", "/metrics").body), name, labels);
  };
  ASSERT_TRUE(eventually([&] {
    return metric("scim_agent_runs_total", {{"outcome", "ok"}}) >= 1;
  })) << http(port, "GET", "/metrics").body;
  ASSERT_EQ(postEvent(port, event("termination", "EMP-2", "m-1")).status, 202);
  ASSERT_TRUE(eventually([&] {
    const auto events = journaled(dir);
    return !events.empty() && events[0].state == "processed";
  }));

  const Answer answer = http(port, "GET", "/metrics");
  ASSERT_EQ(answer.status, 200);
  const auto problems = validateExposition(answer.body);
  EXPECT_TRUE(problems.empty()) << joinProblems(problems) << answer.body;
  const auto samples = parseExposition(answer.body);
  // Runs: the start-up cycle and the event's run.
  EXPECT_EQ(sampleValue(samples, "scim_agent_runs_total", {{"outcome", "ok"}}), 2) << answer.body;
  EXPECT_GT(sampleValue(samples, "scim_agent_last_success_timestamp_seconds"), 0);
  // Actions of both: the cycle's create, the event's suspend.
  EXPECT_EQ(
      sampleValue(samples, "scim_agent_actions_total", {{"kind", "create"}, {"outcome", "done"}}),
      1)
      << answer.body;
  EXPECT_EQ(
      sampleValue(samples, "scim_agent_actions_total", {{"kind", "suspend"}, {"outcome", "done"}}),
      1);
  const double actions_counted = sumSamples(samples, "scim_agent_actions_total");
  // API requests by status class: every request the simulator saw, the 429 among them.
  const Json counters = sim.counters();
  EXPECT_EQ(sampleValue(samples, "scim_agent_api_rate_limited_total"), 1);
  EXPECT_EQ(sampleValue(samples, "scim_agent_api_requests_total", {{"status_class", "4xx"}}), 1);
  EXPECT_EQ(counters.get("statuses").getNumber("429"), 1) << counters.dump();
  EXPECT_EQ(sumSamples(samples, "scim_agent_api_requests_total"), counters.getNumber("total"))
      << counters.dump() << answer.body;
  EXPECT_EQ(sampleValue(samples, "scim_agent_api_requests_total", {{"status_class", "2xx"}}),
            counters.getNumber("total") - 1);
  // Drift gauges of the cycle: its plan changed one user (EMP-3); nobody edited a user in
  // Genesys meanwhile, so no drifted user.
  EXPECT_EQ(sampleValue(samples, "scim_agent_drift_users"), 1);
  ASSERT_TRUE(findSample(samples, "scim_agent_drifted_users").has_value()) << answer.body;
  EXPECT_EQ(sampleValue(samples, "scim_agent_drifted_users"), 0);

  EXPECT_EQ(serve.stop(), 0);
  std::vector<Json> lines;
  std::istringstream out(serve.out());
  for (std::string line; std::getline(out, line);) {
    auto parsed = parseJson(line);
    ASSERT_TRUE(parsed.ok() && parsed->isObject()) << "not a JSON object: " << line;
    EXPECT_FALSE(parsed->getString("ts").empty()) << line;
    EXPECT_FALSE(parsed->getString("level").empty()) << line;
    lines.push_back(*parsed);
  }
  ASSERT_EQ(records(lines, "listening").size(), 1u) << serve.out();
  EXPECT_EQ(records(lines, "listening")[0].getString("url"),
            "http://127.0.0.1:" + std::to_string(port));

  const auto cycles = records(lines, "cycle finished");
  ASSERT_EQ(cycles.size(), 1u) << serve.out();
  const Json& cycle = cycles[0];
  EXPECT_GT(cycle.getNumber("run"), 0);
  EXPECT_EQ(cycle.getString("outcome"), "ok");
  EXPECT_GE(cycle.getNumber("done", -1), 1);
  EXPECT_EQ(cycle.getNumber("failed", -1), 0);
  EXPECT_EQ(cycle.getNumber("stale", -1), 0);
  EXPECT_TRUE(cycle.get("blocked").isBool());
  EXPECT_FALSE(cycle.getBool("blocked", true));
  EXPECT_TRUE(cycle.get("durationMs").isNumber());

  const auto events = records(lines, "event handled");
  ASSERT_EQ(events.size(), 1u) << serve.out();
  const Json& e = events[0];
  EXPECT_EQ(e.getString("level"), "info");
  EXPECT_EQ(e.getNumber("event"), journaled(dir)[0].id);
  EXPECT_EQ(e.getString("type"), "termination");
  EXPECT_EQ(e.getString("externalId"), "EMP-2");
  EXPECT_EQ(e.getNumber("run"), journaled(dir)[0].run_id);
  EXPECT_GT(e.getNumber("run"), cycle.getNumber("run"));
  EXPECT_EQ(e.getString("outcome"), "processed");
  EXPECT_TRUE(e.get("note").isString());
  EXPECT_TRUE(e.get("durationMs").isNumber());
  EXPECT_GE(e.getNumber("done"), 1);
  EXPECT_EQ(e.getNumber("failed", -1), 0);
  // Every action of the cycle and of the event was counted, and only those.
  EXPECT_EQ(actions_counted, cycle.getNumber("done") + e.getNumber("done"));
  EXPECT_EQ(records(lines, "stopping after the current event").size(), 1u);

  // Nothing of it went to stderr.
  std::ifstream err_file(dir.file("serve.err"));
  const std::string err((std::istreambuf_iterator<char>(err_file)),
                        std::istreambuf_iterator<char>());
  EXPECT_EQ(err.find("event handled"), std::string::npos) << err;
  EXPECT_EQ(err.find("serve: event"), std::string::npos) << err;
}

TEST(ServeTest, QuietKeepsOnlyErrorsOffStdout) {
  SimProcess sim;
  sim.seed(seedOrg(people({"EMP-1", "EMP-2", "EMP-3"})));
  TempDir dir;
  writeServeConfig(dir, sim);
  PipedAgent serve({"serve", "--config", dir.file("agent.yaml"), "--interval", "0", "--port-file",
                    dir.file("serve.port"), "--quiet"},
                   dir.file("serve.err"));
  int port = 0;
  ASSERT_TRUE(
      eventually([&] { return static_cast<bool>(std::ifstream(dir.file("serve.port")) >> port); }));
  ASSERT_EQ(postEvent(port, event("update", "EMP-1", "q-1")).status, 202);
  ASSERT_TRUE(eventually([&] {
    const auto events = journaled(dir);
    return !events.empty() && events[0].state != "received";
  }));
  EXPECT_EQ(serve.stop(), 0);
  EXPECT_EQ(serve.out(), "") << "--quiet: no info records";
}

}  // namespace
}  // namespace scim_agent::testing
