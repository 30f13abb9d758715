#pragma once

// `scim-agent serve` (SPEC §12): the HR event endpoint and the periodic full cycle in one
// long-running process. It holds the state DB's writer lock for its whole life, so a timer `run`
// (or `apply`) started meanwhile waits SCIM_AGENT_LOCK_TIMEOUT_SECONDS (default 10) and exits 4;
// it never writes beside serve.

#include <iosfwd>
#include <string>

namespace scim_agent {

struct ServeCommandArgs {
  std::string config_path;   // --config, already defaulted
  std::string desired_path;  // --desired; "" keeps agent.yaml's desired:
  std::string listen;        // --listen; "" keeps serve.listen
  std::string interval;      // --interval: 15m (default), 30s, 1h; 0 turns the cycle off
  std::string port_file;     // --port-file: the bound port is written there
  bool hold_events = false;  // --hold-events: test-only, journal events but do not act on them
  bool quiet = false;
};

// Runs until SIGTERM or SIGINT: stops accepting, lets the current event finish, exits 0.
int runServeCommand(const ServeCommandArgs& args, std::ostream& out, std::ostream& err);

}  // namespace scim_agent
