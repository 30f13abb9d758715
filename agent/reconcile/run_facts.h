#pragma once

// Internal to agent/reconcile: the facts a run records for the reports (issue 12; SPEC §11) as
// it goes, at no extra API cost: what each action came to and what Genesys answered otherwise
// than sent (discrepancy), what changed in Genesys between two live snapshots that no write of
// this agent explains (drift), and each termination from when it was known to when its
// suspension took effect (compliance). A failure to record is a warning for the run, never a
// reason to stop: the remote writes happened either way.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/apply/applier.h"
#include "agent/model/plan.h"
#include "agent/model/user.h"
#include "state/state_store.h"

namespace scim_agent {

// Records the results of one applied plan (`report` holds one result per action of `plan`) as
// run actions numbered from `seq` (advanced), their answers' mismatches as discrepancies, and
// ends the termination case of every suspend that took effect. `blocked`: the guardrail held
// back the destructive actions, so a skipped suspend or delete is recorded "blocked".
void recordApplied(StateStore& store, int64_t run_id, int64_t& seq, const Plan& plan,
                   const ApplyReport& report, bool blocked, const std::string& at,
                   std::vector<std::string>& warnings);

// Records actions that were not applied: outcome held | blocked | planned (a plan-only run).
void recordUnapplied(StateStore& store, int64_t run_id, int64_t& seq,
                     const std::vector<Action>& actions, const std::string& outcome,
                     const std::string& message, const std::string& at,
                     std::vector<std::string>& warnings);

// Opens a termination case for each suspend in `plan` that ends someone's employment: a
// termination record (an HR event: known at its occurredAt; a leavers manifest: at its
// terminationDate), `status: terminated` or removal from the desired state (known now, the first
// run that saw it). `terminations`: the records in effect this cycle, by externalId. With
// `live` (a whole-org read), open cases no longer planned are ended: "suspended" when the user
// is found inactive or gone (someone else did it), "cancelled" when it is active and stays.
void trackTerminations(StateStore& store, int64_t run_id, const Plan& plan,
                       const std::map<std::string, TerminationRecord>& terminations,
                       const std::vector<LiveUser>* live, const std::string& at,
                       std::vector<std::string>& warnings);

// Compares live snapshot `snapshot_id` (taken by `run_id`) with the one before it and records,
// per managed user (one with an externalId) and attribute, each change no write of this agent
// made in between (run actions of the runs from the older snapshot's run up to this one)
// explains. Returns the number of users with drift, 0 when there is no earlier snapshot.
Result<int64_t> recordSnapshotDrift(StateStore& store, int64_t run_id, int64_t snapshot_id,
                                    const std::string& at);

}  // namespace scim_agent
