#pragma once

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>

namespace scim_agent {

// `scim-agent run`: one unattended reconcile cycle, for the systemd timer (SPEC §12).
struct RunCommandArgs {
  std::string config_path;         // --config, already defaulted
  std::string desired_path;        // --desired; "" keeps agent.yaml's desired:
  bool allow_destructive = false;  // --allow-destructive: apply past policy.maxDestructive
  bool loop = false;               // --loop
  std::string interval = "15m";    // --interval (with --loop): "90s", "15m", "1h"
  std::string metrics_dir;  // --metrics-textfile DIR; "" uses agent.yaml's metrics.textfileDir
  bool quiet = false;
  bool verbose = false;
};

// One cycle: takes the state lock, loads agent.yaml and the desired state (again each cycle, so
// edits are picked up), reads every live user, snapshots, plans, checks the guardrails, applies
// with --auto-approve semantics (never asks: it is non-interactive by design), records the run
// (kind "run") with the housekeeping of an apply run (grace periods, interrupted deletes, token
// revocation retries, notifications), and writes the metrics textfile when a directory is set.
// Held suspends and deletes (apply --hold-destructive) stay held, as in `apply`.
//
// Verification: every write is checked by its own answer (the applier reports an action done
// only on a 2xx that carries the resulting user, and a version conflict is re-read and
// re-planned once); what did not take effect is counted as failed or stale, and the next cycle's
// full read plans it again.
//
// A guardrail that blocks (policy.maxDestructive, policy.maxSourceShrink) stops the suspends and
// deletes only: the rest is applied, and the run is "blocked" (exit 3).
//
// Exit codes: 0 ok (changes applied, or none needed), 1 error or any failed or stale action,
// 3 blocked by a guardrail (nothing destructive applied), 4 another process holds the state
// lock, 64 bad arguments. With --loop: cycles every --interval (start to start) until SIGTERM or
// SIGINT, which end the current cycle first, then exit 0; a failing cycle does not end the loop.
int runRunCommand(const RunCommandArgs& args, std::ostream& out, std::ostream& err);

// "15m" → 900 s. Units s, m, h, d; a positive whole number first. nullopt when malformed.
std::optional<std::chrono::seconds> parseRunInterval(const std::string& text);

// The --metrics-textfile option's help.
extern const char* const kMetricsTextfileHelp;

}  // namespace scim_agent
