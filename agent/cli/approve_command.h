#pragma once

// Split-risk apply (SPEC §8): `apply --hold-destructive` applies creates, restores, updates,
// reactivates and group adds now and stores each suspend and delete (with the group-membership
// removals that belong to it) as a pending held action in the state DB; `scim-agent approve`
// applies them later, all or by externalId, after checking each against Genesys again.
//
// The rule for later runs, so that a held action is never applied twice nor silently:
//  - A user whose destructive action is pending approval stays held: a later apply (with or
//    without --hold-destructive) that plans the same user's suspend or delete holds it again,
//    replacing the pending row (the older row is resolved "discarded", "replaced by the hold of
//    run N"), so there is never more than one pending row per user, and the newest plan (with
//    the version it saw) is what approve applies.
//  - `apply --allow-destructive` is the other explicit decision: it applies every destructive
//    action, and resolves the pending rows of the ones that took effect as "applied".
//  - An apply whose fresh plan no longer suspends or deletes a pending user (back in the desired
//    state, reactivated or removed in Genesys by someone else) resolves its row "discarded".
//    A saved plan file discards nothing: it may be older than the hold.

#include <iosfwd>
#include <string>
#include <vector>

#include "agent/apply/applier.h"
#include "agent/base/json.h"
#include "agent/model/plan.h"
#include "state/state_store.h"

namespace scim_agent {

class Session;

// `scim-agent approve`.
struct ApproveCommandArgs {
  std::string config_path;                // --config, already defaulted
  std::string desired_path;               // --desired; "" keeps agent.yaml's desired:
  std::vector<std::string> external_ids;  // --externalId (repeatable, or comma-separated)
  bool all = false;                       // --all
  std::string format = "text";            // text | json
  bool quiet = false;
};

// Takes the writer lock, records a run of kind "apply", and for each selected pending held
// action re-reads its user from Genesys (GET by id): the action is applied only when the user is
// still the same person (same externalId), unchanged since it was held (same version), not
// protected and not back in the desired state as active, and the action still makes sense (a
// suspend of a user still active; a delete of a user that still exists). Otherwise its row is
// resolved "stale" with the reason. Applies through the same Applier and Lifecycle as apply
// (tokens revoked, delete clean-up, journal, audit, notifications), then the group removals of
// the users whose action took effect, one PATCH per group; then resolves each row. The
// maxDestructive guardrail does not apply: approve is the explicit human decision.
// Returns kExitOk when every selected action was applied, kExitError when any was stale or
// failed (or on error), kExitBusy when another run holds the lock, kExitUsage without
// --externalId/--all (listing what is pending) or for an externalId with nothing pending.
int runApproveCommand(const ApproveCommandArgs& args, std::ostream& out, std::ostream& err);

// The help of approve's --all option and of apply's --hold-destructive.
extern const char* const kApproveAllHelp;
extern const char* const kHoldDestructiveHelp;

// ---- The apply side ----

// What an apply does now and what it holds for approval.
struct HoldSplit {
  Plan now;  // the plan to apply in this run: without the held suspends/deletes and their users'
             // group removals (a group action left with nothing to do is dropped)
  std::vector<HeldActionInput> held;  // one per held user: a plan document of its action and
                                      // its group removals (one group action per group)
  std::vector<Action> held_actions;   // the held suspends/deletes, in plan order (for output)
  std::vector<HeldAction> replaced;   // pending rows that `held` replaces
  std::vector<HeldAction> discard;    // pending rows no longer planned (fresh plans only)
  std::vector<HeldAction> allowed;    // pending rows whose action this run applies
                                      // (--allow-destructive): resolved "applied" if it took effect
};

// Splits `plan` by the rule above: every destructive action is held when `hold_all`
// (--hold-destructive), else those of users already pending, unless `allow_destructive`.
// `fresh_plan`: the plan was made in this run (pending rows it no longer plans are discarded).
// `guardrail_note` (may be empty) is kept with each held action as a warning for approve.
Result<HoldSplit> splitHeld(StateStore& store, const Plan& plan, bool hold_all,
                            bool allow_destructive, bool fresh_plan,
                            const std::string& guardrail_note);

// Stores split.held as pending for `run_id` (replacing older rows), resolves split.discard, and
// records an audit row (and a user.held notification when notify is configured) per held user.
Status storeHolds(Session& session, int64_t run_id, const HoldSplit& split, const std::string& at);

// After the apply: resolves split.allowed rows whose action took effect in `report` (made for
// split.now) as applied by `run_id`.
void resolveAllowed(Session& session, int64_t run_id, const HoldSplit& split,
                    const ApplyReport& report, const std::string& at);

// The text apply prints about what it held: each held action and how to approve it.
std::string renderHeld(const HoldSplit& split, const std::string& config_path);
// The same as JSON: [{"action","externalId","userName","rule"}…].
Json heldJson(const HoldSplit& split);

}  // namespace scim_agent
