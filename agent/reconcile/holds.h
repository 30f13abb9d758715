#pragma once

// Split-risk apply (SPEC §8): the suspends and deletes that wait for `scim-agent approve`.
//
// `apply --hold-destructive` applies creates, restores, updates, reactivates and group adds now
// and stores each suspend and delete (with the group-membership removals that belong to it) as a
// pending held action in the state DB; `approve` applies them later (Reconciler::approve).
//
// The rule every entry point follows (apply, run, serve's cycles and events), so that a held
// action is never applied twice nor silently:
//  - A user whose destructive action is pending approval stays held: a later cycle that plans
//    the same user's suspend or delete holds it again, replacing the pending row (the older row
//    is resolved "discarded", "replaced by the hold of run N"), so there is never more than one
//    pending row per user, and the newest plan (with the version it saw) is what approve applies.
//  - `--allow-destructive` is the other explicit decision: it applies every destructive action,
//    and resolves the pending rows of the ones that took effect as "applied". So is an HR
//    termination event for that very user (SplitRequest::allow_external_id).
//  - A cycle whose whole-org plan no longer suspends or deletes a pending user (back in the
//    desired state, reactivated or removed in Genesys by someone else) resolves its row
//    "discarded". A saved plan file or a one-user event plan discards nothing.

#include <cstdint>
#include <string>
#include <vector>

#include "agent/apply/applier.h"
#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/model/plan.h"
#include "state/state_store.h"

namespace scim_agent {

// What a cycle applies now and what it holds for approval.
struct HoldSplit {
  Plan now;  // the plan to apply in this run: without the held suspends/deletes and their users'
             // group removals (a group action left with nothing to do is dropped)
  std::vector<HeldActionInput> held;  // one per held user: a plan document of its action and
                                      // its group removals (one group action per group)
  std::vector<Action> held_actions;   // the held suspends/deletes, in plan order (for output)
  std::vector<HeldAction> replaced;   // pending rows that `held` replaces
  std::vector<HeldAction> discard;    // pending rows no longer planned (whole-org plans only)
  std::vector<HeldAction> allowed;    // pending rows whose action this run applies:
                                      // resolved "applied" if it took effect
  std::string allowed_by;             // why: "--allow-destructive" or "HR termination event"
};

struct SplitRequest {
  bool hold_all = false;           // --hold-destructive: hold every suspend and delete
  bool allow_destructive = false;  // --allow-destructive: hold nothing, release pending rows
  bool whole_org = false;          // the plan covers every user: pending rows it no longer
                                   // plans are discarded
  std::string allow_external_id;   // an HR termination of this user releases its pending row
  std::string guardrail_note;      // kept with each held action as a warning for approve
};

// The key a held action is stored and approved by: the externalId, or "id:<user id>" for a live
// user without one (policy unmanaged: suspend).
std::string heldKey(const Action& a);

// Splits `plan` by the rule above.
Result<HoldSplit> splitHeld(StateStore& store, const Plan& plan, const SplitRequest& request);

// Stores split.held as pending for `run_id` (replacing older rows), resolves split.discard, and
// records an audit row (and a user.held notification when `notify`) per held user.
Status storeHolds(StateStore& store, bool notify, int64_t run_id, const HoldSplit& split,
                  const std::string& at);

// After the apply: resolves split.allowed rows whose action took effect in `report` (made for
// split.now) as applied by `run_id`. Fails with the first row that could not be resolved.
Status resolveAllowed(StateStore& store, int64_t run_id, const HoldSplit& split,
                      const ApplyReport& report, const std::string& at);

// The held actions as JSON, for the run record: [{"action","externalId","userName","rule"}…].
Json heldJson(const HoldSplit& split);

}  // namespace scim_agent
