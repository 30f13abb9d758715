#pragma once

// The words the state database stores for runs and held actions, as enum classes with one string
// table each (state/migrations.cpp documents the columns; state/ keeps them as text).

#include <optional>
#include <string_view>

namespace scim_agent {

// runs.kind: which command recorded the run.
enum class RunKind { kPlan, kApply, kRun };
// "plan", "apply", "run".
const char* runKindName(RunKind kind);
std::optional<RunKind> parseRunKind(std::string_view name);

// runs.outcome. kRunning until the run ends; a run a killed process left running is ended
// kInterrupted by the next holder of the writer lock.
enum class RunOutcome {
  kRunning,
  kOk,           // applied everything, or nothing was needed
  kChanges,      // `plan`: changes to apply
  kFailed,       // an action failed or the run itself did
  kBlocked,      // a guardrail held (part of) the plan back
  kDryRun,       // `apply --dry-run`
  kCancelled,    // the operator said no at the prompt
  kInterrupted,  // the process ended without finishing the run
};
// "running", "ok", "changes", "failed", "blocked", "dry-run", "cancelled", "interrupted".
const char* runOutcomeName(RunOutcome outcome);
std::optional<RunOutcome> parseRunOutcome(std::string_view name);

// held_actions.state: a destructive action held back by `apply --hold-destructive` (SPEC §8).
enum class HeldState {
  kPending,    // waits for `approve`
  kApplied,    // approved and applied
  kStale,      // approved, but the user changed since it was held
  kFailed,     // approved, and applying it failed
  kDiscarded,  // replaced by a later hold for the same user, or no longer wanted
};
// "pending", "applied", "stale", "failed", "discarded".
const char* heldStateName(HeldState state);
std::optional<HeldState> parseHeldState(std::string_view name);

}  // namespace scim_agent
