#pragma once

// The processes of an integration test: genesys-sim on loopback, the scim-agent binary run to
// completion or in the background, and the agent.yaml that points one at the other.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "agent/base/json.h"
#include "tests/support/temp_dir.h"

namespace scim_agent::testing {

// The genesys-sim binary, started on 127.0.0.1 with an ephemeral port and stopped (SIGTERM) on
// destruction. Talks to the simulator's /sim control endpoint over HTTP.
class SimProcess {
 public:
  explicit SimProcess(const std::vector<std::string>& extra_args = {});
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  int port() const { return port_; }
  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void seed(const Json& document);
  Json state();
  Json counters();
  void resetCounters();
  void touch(const Json& edit);
  void configure(const Json& config);
  // Count of one route in /sim/counters ("PATCH /scim/v2/users/{id}"), 0 when absent.
  int count(const std::string& route);
  // Sum of the write routes (POST/PUT/PATCH/DELETE, but not the reads sent as POST) of
  // /sim/counters.
  int writes();
  // GET /sim/requests: every API request since the last counters reset, in order, each
  // {seq, method, path, route, status}.
  Json requests();
  // An API call as another administrator's tool would make it (the demo client's token), e.g.
  // api("PATCH", "/api/v2/users/<id>", {"state":"active","version":3}). Throws on >= 300.
  Json api(const std::string& method, const std::string& path, const Json& body = Json());
  // POST /sim/faults, e.g. {"failNext":[{"route":"…","status":500,"count":1}]}.
  void faults(const Json& script);

  // SCIM documents of /sim/state by externalId, and by userName (lower-cased).
  std::map<std::string, Json> usersByExternalId();
  // The first SCIM document of /sim/state with this externalId, deleted or not; null when none.
  Json userByExternalId(const std::string& external_id);

 private:
  Json call(const std::string& method, const std::string& path, const std::string& body = "");
  pid_t pid_ = -1;
  int port_ = 0;
  TempDir dir_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the scim-agent binary with `args` and extra environment (on top of a minimal PATH/HOME
// environment), stdin from /dev/null, and waits for it.
RunResult runAgent(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env = {});

// A scim-agent process running in the background (for crash and lock tests).
class AgentProcess {
 public:
  AgentProcess(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});
  ~AgentProcess();  // SIGKILLs it if still running
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;
  void kill();       // SIGKILL, then reap
  void signal(int sig);  // sends `sig` (e.g. SIGTERM) without waiting
  // SIGTERM without waiting: a --loop or serve process finishes what it does and exits.
  void terminate();
  RunResult wait();  // waits for the exit; output so far
  bool running();

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  TempDir io_;
};

// An agent.yaml for the simulator at `sim` with the state file and desired path in `dir`.
std::string writeAgentConfig(const TempDir& dir, const SimProcess& sim, const std::string& desired,
                             int requests_per_minute = 6000);

// An agent.yaml as writeAgentConfig's, its desired state the folder dir/desired holding
// users.yaml (`desired_yaml`), and a `sources:` list of `entries` (each "  - type: …" with its
// keys); returns the agent.yaml path.
std::string writeSourcesConfig(const TempDir& dir, const SimProcess& sim,
                               const std::string& desired_yaml, const std::string& entries);

// Writes `secret` to dir/webhook-secret and appends to dir/agent.yaml a notify.webhook block
// posting to `url` signed with it; returns the agent.yaml path.
std::string addWebhookConfig(const TempDir& dir, const std::string& url, const std::string& secret);

}  // namespace scim_agent::testing
