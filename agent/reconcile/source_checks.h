#pragma once

// Internal to agent/reconcile: what the cycle does with HR sources (SPEC §6, §16) besides
// merging their users (the desired loader does that): shielding rejected people and the users of
// a source not read whole, the per-source shrink check, termination manifests as holds, and the
// last good read of each source.

#include <string>
#include <vector>

#include "agent/base/result.h"
#include "agent/model/plan.h"
#include "agent/model/policy.h"
#include "agent/model/user.h"
#include "agent/plan/guardrail.h"
#include "agent/plan/planner.h"
#include "state/state_store.h"

namespace scim_agent {

// The first error of a source over policy.maxRejectedRecords, or nullopt: such a run fails
// before anything is applied.
std::optional<Error> rejectLimitError(const DesiredState& desired);

// HR records naming a group the org does not have (`groups`: the live ones) are rejected records
// (issue 14), as a record failing its mapping is: the user leaves `desired` (neither created nor
// changed), the record joins its source's rejects (its person shielded from removal, counted
// against policy.maxRejectedRecords: rejectLimitError after this). Users of the spec files are
// left alone (a plan names them as errors; run skips their group changes). Returns how many.
// `service`: "Genesys" or "the SCIM service", for the reject's message.
size_t rejectUnknownGroupRecords(DesiredState& desired, const std::vector<Group>& groups,
                                 const std::string& service);

// Fills options.shielded (people whose record was rejected; the users of a users source not
// read whole) and options.removals_stopped (a users source not read whole).
void shieldFromSources(const DesiredState& desired, PlanOptions& options);

// policy.maxSourceShrink per `role: users` source, against that source's last good read (SPEC
// §6). Blocked names the source, both counts and the run the baseline is from.
GuardrailVerdict sourceShrinkVerdict(StateStore& store, const DesiredState& desired);

// The terminations of every whole `role: terminations` source, bounded by maxDestructive: more
// new leavers than it allows (those not already held) record none and block, unless
// `allow_destructive`. `record`: stored as termination holds (an applying run); else only
// returned (plan shows what apply would do).
struct ManifestTerminations {
  std::vector<TerminationRecord> records;  // what holds this run (stored or not)
  GuardrailVerdict verdict;
  std::vector<std::string> warnings;  // manifests not read whole
};
Result<ManifestTerminations> takeManifestTerminations(StateStore& store,
                                                      const DesiredState& desired,
                                                      bool record, bool allow_destructive,
                                                      const std::string& now);

// Notices for termination holds the plan cannot act on yet: a future effective time, or an
// externalId no desired or live user has ("held and shown, not an error").
std::vector<Notice> terminationNotices(const std::vector<TerminationRecord>& terminations,
                                       const DesiredState& desired, const LiveState& live,
                                       const std::string& now);

// Records the read of each whole source within its reject limit as its new baseline.
void recordSourceReads(StateStore& store, const DesiredState& desired, int64_t run_id,
                       const std::string& at, std::vector<std::string>& warnings);

// True when a termination holds at `now` (no effective time, or one not after now).
bool terminationInEffect(const TerminationRecord& t, const std::string& now);

}  // namespace scim_agent
