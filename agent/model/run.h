#pragma once
// TEMPORARY stand-in until the wt-vocab branch lands (same API).
#include <optional>
#include <string_view>
namespace scim_agent {
enum class RunKind { kPlan, kApply, kRun };
enum class RunOutcome { kRunning, kOk, kChanges, kFailed, kBlocked, kDryRun, kCancelled, kInterrupted };
enum class HeldState { kPending, kApplied, kStale, kFailed, kDiscarded };
const char* runKindName(RunKind k);
const char* runOutcomeName(RunOutcome o);
const char* heldStateName(HeldState s);
}  // namespace scim_agent
