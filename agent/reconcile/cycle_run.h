#pragma once

// Internal to agent/reconcile: what one recorded run carries between the cycle's steps, and the
// applier's journal over the state store.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/apply/applier.h"
#include "agent/base/clock.h"
#include "agent/model/run.h"
#include "agent/reconcile/reconciler.h"

namespace scim_agent {

struct Reconciler::Run {
  int64_t id = 0;
  RunKind kind = RunKind::kApply;
  // Journal intents a killed earlier run left without an outcome: an applying run closes them
  // when it finishes, its own live read having superseded them.
  std::vector<std::pair<int64_t, std::string>> unfinished;  // entry id, action key
  std::vector<std::string> grace_starts;     // of this run's plan, recorded by housekeeping
  std::set<std::string> planned_delete_ids;  // user ids this run's plan deletes
  bool applies = false;                      // housekeeping runs when the run is finished
  bool allow_destructive = false;            // --allow-destructive
  bool whole_org = false;  // a fresh plan of the whole org: its sources' reads become baselines
  int64_t action_seq = 0;  // the next run action's number (run_facts.h)
  std::optional<int64_t> drifted_users;  // users with drift since the last live snapshot
};

// The applier's journal over the state DB: intent and outcome rows per remote write, and an
// audit row for every write that took effect, committed with its outcome.
class StateJournal final : public ApplyJournal {
 public:
  StateJournal(StateStore& store, const Clock& clock, int64_t run_id)
      : store_(store), clock_(clock), run_id_(run_id) {}

  Result<int64_t> intent(const std::string& action_key, const std::string& method,
                         const std::string& path, const Json& request) override;
  Status outcome(int64_t id, bool success, int http_status, const Json& detail) override;

 private:
  StateStore& store_;
  const Clock& clock_;
  int64_t run_id_;
  std::mutex mu_;  // the applier journals from several threads
  std::map<int64_t, std::string> keys_;
};

}  // namespace scim_agent
