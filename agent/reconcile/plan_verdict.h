#pragma once

// Internal to agent/reconcile: the verdict and the "Scheduled" section a plan document states
// (SPEC §16), so that what `plan` shows as blocked or held is what apply and run would block or
// hold, and nothing waiting is invisible.

#include <set>
#include <string>
#include <vector>

#include "agent/model/plan.h"
#include "agent/model/user.h"
#include "agent/plan/guardrail.h"
#include "state/state_store.h"

namespace scim_agent {

// Sets plan.verdict and each destructive action's `held` (its key among `held_actions`, the
// hold split's: splitHeld in holds.h) or `blocked` (`verdict` blocked and not
// `allow_destructive`: apply would skip it). An unblocked verdict with `incomplete_source` set
// ("source X could not be read whole: why", CycleReport::incompleteSource) is a block of rule
// "sourceNotWhole": the removals that source governs are not planned this run.
void statePlanVerdict(Plan& plan, const GuardrailVerdict& verdict,
                      const std::vector<Action>& held_actions, bool allow_destructive,
                      const std::string& incomplete_source);

// The verdict of a run stopped by policy.maxRejectedRecords, before any plan: `message` is the
// cycle's error ("…; nothing was applied").
PlanVerdict rejectedRecordsVerdict(const std::string& message);

// Scheduled items for the termination holds of this cycle: a manifest's termination with a later
// effective time (kTermination, due then); one with no desired or live user of its externalId
// (kHeldTermination: waits for one); one holding over an active desired entry that has no live
// user, so the plan creates nobody (kHeldTermination: `held_over`, the externalIds the cycle set
// terminated). Unsorted.
std::vector<ScheduledItem> scheduledTerminations(const std::vector<TerminationRecord>& records,
                                                 const DesiredState& desired,
                                                 const LiveState& live,
                                                 const std::set<std::string>& held_over,
                                                 const std::string& now);

}  // namespace scim_agent
