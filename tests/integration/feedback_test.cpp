// Issue 14, items 3, 6 and 8: feedback while waiting on an unreachable target, permanent failures
// that fail at once with the fix, papercuts of the command line, and killed runs shown as
// interrupted by the commands that read history.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "agent/codec/json_parse.h"
#include "tests/support/harness.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tls_export_server.h"

namespace scim_agent::testing {
namespace {

// The scim-agent binary: build/bin/scim-agent, two levels above this test's folder.
std::string agentBinary() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (exe.parent_path() / ".." / ".." / "bin" / "scim-agent").lexically_normal().string();
}

// The agent in the background with stdout and stderr to files that the test reads while it
// runs (AgentProcess shows them only at the end). SIGKILLed on destruction if still running.
class WatchedAgent {
 public:
  explicit WatchedAgent(const std::vector<std::string>& args) {
    const std::string binary = agentBinary();
    std::vector<std::string> argv_s{binary};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s;
    for (const char* keep : {"PATH", "HOME", "LANG", "TZ"}) {
      if (const char* v = std::getenv(keep)) env_s.push_back(std::string(keep) + "=" + v);
    }
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
    const std::string out_path = io_.file("out");
    const std::string err_path = io_.file("err");
    pid_ = ::fork();
    if (pid_ == 0) {
      const int in = ::open("/dev/null", O_RDONLY);
      const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || out < 0 || err < 0) ::_exit(127);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::execve(binary.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
  }
  ~WatchedAgent() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  std::string out() const { return readFile(io_.file("out")); }
  std::string err() const { return readFile(io_.file("err")); }

  // Waits until `text` is in stderr (or stdout with `in_stdout`), the process ends, or `bound`
  // passes; true when it was found. The bound only keeps a broken build from hanging the test.
  bool waitFor(const std::string& text, bool in_stdout = false,
               std::chrono::seconds bound = std::chrono::seconds(120)) {
    const auto until = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < until) {
      if ((in_stdout ? out() : err()).find(text) != std::string::npos) return true;
      if (exited()) return (in_stdout ? out() : err()).find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  bool exited() {
    if (exited_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return exited_;
  }

  void kill() {
    if (exited_) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    code_ = 128 + SIGKILL;
  }

 private:
  TempDir io_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

// A TCP listener on 127.0.0.1 that accepts connections and never answers (the connections stay
// open until it is destroyed).
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 64) != 0) {
      throw std::runtime_error("silent listener: cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }  // the kernel's backlog holds the accepted connections
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A loopback port where nothing listens: bound and closed again.
int closedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// agent.yaml for a target at `base` (api and login), with users.yaml (no users) and state.db in
// `dir`; `extra` is appended under target:.
std::string writeTargetConfig(const TempDir& dir, const std::string& base,
                              const std::string& extra = "") {
  dir.write("users.yaml", "apiVersion: scim-agent/v1\nusers: []\n");
  dir.write("client-secret", "x\n");
  return dir.write("agent.yaml", "target:\n  apiBase: " + base + "\n  loginBase: " + base +
                                     "\n  clientId: c\n  clientSecretFile: client-secret\n" +
                                     extra + "desired: users.yaml\nstate: state.db\n");
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// ---- waiting notes ----

TEST(FeedbackTest, ClosedPortSaysEachRetryOnStderrAndQuietSaysNothing) {
  TempDir dir;
  const std::string base = "http://127.0.0.1:" + std::to_string(closedPort());
  const std::string config = writeTargetConfig(dir, base);
  // Off a terminal (stderr is a file here), the plain line still comes.
  WatchedAgent plan({"plan", "--config", config});
  ASSERT_TRUE(plan.waitFor("connection refused; retry 1 of 3 in ")) << plan.err();
  plan.kill();

  // --quiet: the same failure, every retry, and not one waiting line.
  RunResult quiet = runAgent({"plan", "--quiet", "--config", config});
  EXPECT_EQ(quiet.exit_code, 1) << quiet.err;
  EXPECT_NE(quiet.err.find("connection refused (after 4 tries)"), std::string::npos)
      << quiet.err;
  EXPECT_EQ(quiet.err.find("retry"), std::string::npos) << quiet.err;
}

TEST(FeedbackTest, SilentServerSaysWhatItWaitsFor) {
  SilentListener silent;
  TempDir dir;
  const std::string host = "127.0.0.1:" + std::to_string(silent.port());
  const std::string config = writeTargetConfig(dir, "http://" + host);
  WatchedAgent plan({"plan", "--config", config});
  ASSERT_TRUE(plan.waitFor("waiting for " + host + " to answer POST /oauth/token (")) << plan.err();
  EXPECT_NE(plan.err().find("gives up after 60 s)"), std::string::npos) << plan.err();
  EXPECT_FALSE(plan.exited()) << "still waiting: the note came before the timeout";
  EXPECT_EQ(count(plan.err(), "waiting for " + host), 1u) << "one line per wait\n" << plan.err();
}

TEST(FeedbackTest, RunLogsTheWaitAsAJsonLine) {
  TempDir dir;
  const std::string config =
      writeTargetConfig(dir, "http://127.0.0.1:" + std::to_string(closedPort()));
  WatchedAgent run({"run", "--config", config});
  ASSERT_TRUE(run.waitFor("\"msg\":\"waiting\"", /*in_stdout=*/true)) << run.out() << run.err();
  run.kill();
  std::string line;
  for (size_t at = 0, end; (end = run.out().find('\n', at)) != std::string::npos; at = end + 1) {
    const std::string l = run.out().substr(at, end - at);
    if (l.find("\"msg\":\"waiting\"") != std::string::npos) line = l;
  }
  Result<Json> parsed = parseJson(line);
  ASSERT_TRUE(parsed.ok()) << line;
  EXPECT_EQ(parsed->getString("level"), "info");
  EXPECT_NE(parsed->getString("for").find("connection refused; retry 1 of 3 in "),
            std::string::npos)
      << line;
  EXPECT_EQ(run.err().find("retry"), std::string::npos) << "run logs it, not a stderr line";
}

// ---- permanent failures fail at once, with the fix ----

TEST(FeedbackTest, UnknownHostFailsAtOnceNamingTheSetting) {
  TempDir dir;
  const std::string config = writeTargetConfig(dir, "https://api.nonexistent.invalid");
  RunResult r = runAgent({"plan", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("api.nonexistent.invalid"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("host not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("check target.region or apiBase/loginBase"), std::string::npos) << r.err;
  // Tried once: no retry was announced or counted.
  EXPECT_EQ(r.err.find("retry"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("tries)"), std::string::npos) << r.err;
}

TEST(FeedbackTest, RefusedClientAsksTheTokenEndpointOnceAndNamesTheSettings) {
  SimProcess sim;
  TempDir dir;
  dir.write("users.yaml", "apiVersion: scim-agent/v1\nusers: []\n");
  const std::string config = writeAgentConfig(dir, sim, dir.file("users.yaml"));
  dir.write("client-secret", "wrong-secret\n");
  sim.resetCounters();
  RunResult r = runAgent({"plan", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("OAuth client demo-client was refused: invalid_client"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("check target.clientId and its secret (target.clientSecretFile)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("wrong-secret"), std::string::npos) << "the secret is never printed";
  EXPECT_EQ(sim.count("POST /oauth/token"), 1) << sim.counters().dump();
}

TEST(FeedbackTest, RejectedCertificateFailsAtOnceNamingCaFile) {
  TlsExportServer server;
  TempDir dir;
  const std::string base = "https://127.0.0.1:" + std::to_string(server.port());
  // Trusting a CA that did not sign the server's certificate.
  const std::string config =
      writeTargetConfig(dir, base, "  tls: { caFile: " + server.otherCaFile() + " }\n");
  RunResult r = runAgent({"plan", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("the certificate of 127.0.0.1 was rejected"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("target.tls.caFile"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("retry"), std::string::npos) << "not retried\n" << r.err;
  EXPECT_EQ(r.err.find("tries)"), std::string::npos) << r.err;
  EXPECT_EQ(server.requests("/oauth/token"), 0) << "no request got through the handshake";
}

// ---- papercuts ----

TEST(FeedbackTest, MisspeltCommandGetsASuggestion) {
  RunResult r = runAgent({"plann"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("unknown command \"plann\"; did you mean \"plan\"?"), std::string::npos)
      << r.err;
  RunResult start = runAgent({"valid"});
  EXPECT_NE(start.err.find("did you mean \"validate\"?"), std::string::npos) << start.err;
  RunResult far = runAgent({"frobnicate"});
  EXPECT_EQ(far.exit_code, 64);
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
}

TEST(FeedbackTest, MissingConfigSaysWhereItLookedAndHowToPassOne) {
  TempDir dir;
  const std::string missing = dir.file("nowhere/agent.yaml");
  RunResult r = runAgent({"plan", "--config", missing});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(missing + ": config file not found"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pass --config FILE, or set SCIM_AGENT_CONFIG"), std::string::npos)
      << r.err;
  // The variable is where the default comes from when --config is not given.
  RunResult env = runAgent({"validate"}, {{"SCIM_AGENT_CONFIG", missing}});
  EXPECT_NE(env.err.find(missing + ": config file not found"), std::string::npos) << env.err;
}

TEST(FeedbackTest, StateDirectoryIsMadeByWritersOnly) {
  SimProcess sim;
  TempDir dir;
  dir.write("users.yaml", "apiVersion: scim-agent/v1\nusers: []\n");
  dir.write("client-secret", "demo-secret\n");
  const std::string state_dir = dir.file("var/lib/scim-agent");
  const std::string agent_yaml = dir.write(
      "agent.yaml", "target:\n  apiBase: " + sim.baseUrl() + "\n  loginBase: " + sim.baseUrl() +
                        "\n  clientId: demo-client\n  clientSecretFile: client-secret\n"
                        "desired: users.yaml\nstate: " +
                        state_dir + "/state.db\n");

  // A reader does not make it.
  RunResult history = runAgent({"history", "--config", agent_yaml});
  EXPECT_EQ(history.exit_code, 1) << history.err;
  EXPECT_FALSE(std::filesystem::exists(state_dir)) << history.err;

  RunResult plan = runAgent({"plan", "--config", agent_yaml});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  struct stat st {};
  ASSERT_EQ(::stat(state_dir.c_str(), &st), 0) << plan.err;
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(std::filesystem::exists(state_dir + "/state.db"));
}

// ---- a killed run reads "interrupted" ----

// The outcome of run `id` in `history --format json`, "" when absent.
std::string outcomeOf(const std::string& config, int64_t id) {
  RunResult r = runAgent({"history", "--format", "json", "--config", config});
  Result<Json> runs = parseJson(r.out);
  if (!runs.ok() || !runs->isArray()) return "";
  for (const Json& run : runs->asArray()) {
    if (run.getNumber("id") == static_cast<double>(id)) return run.getString("outcome");
  }
  return "";
}

TEST(FeedbackTest, KilledRunIsShownInterruptedWithoutAnotherRun) {
  // Every answer takes a second: the run is still reading when it is killed.
  SimProcess sim({"--latency-ms", "1000"});
  TempDir dir;
  dir.write("users.yaml", "apiVersion: scim-agent/v1\nusers: []\n");
  const std::string config = writeAgentConfig(dir, sim, dir.file("users.yaml"));
  // One finished run first, so the killed one is run 2.
  ASSERT_EQ(runAgent({"plan", "--config", config}).exit_code, 0);

  WatchedAgent run({"run", "--config", config});
  // Under way: history shows it running while its process holds the writer lock.
  std::string outcome;
  for (int i = 0; i < 300 && outcome != "running"; ++i) {
    outcome = outcomeOf(config, 2);
    if (outcome != "running") std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(outcome, "running") << run.out() << run.err();
  run.kill();

  EXPECT_EQ(outcomeOf(config, 2), "interrupted");
  RunResult text = runAgent({"history", "--config", config});
  EXPECT_NE(text.out.find("interrupted"), std::string::npos) << text.out;
  RunResult show = runAgent({"show", "2", "--format", "json", "--config", config});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("interrupted"), std::string::npos) << show.out;
  // Read at each look, never written: the state DB still records it running.
  EXPECT_EQ(queryInt(dir.file("state.db"),
                     "SELECT COUNT(*) FROM runs WHERE id = 2 AND outcome = 'running'"),
            1);
  // The next run records it for good.
  ASSERT_EQ(runAgent({"plan", "--config", config}).exit_code, 0);
  EXPECT_EQ(queryInt(dir.file("state.db"),
                     "SELECT COUNT(*) FROM runs WHERE id = 2 AND outcome = 'interrupted'"),
            1);
}

}  // namespace
}  // namespace scim_agent::testing
