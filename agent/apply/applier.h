#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/model/plan.h"

namespace scim_agent {

class ScimDirectory;

// Where the applier records each remote write: the intent before it is sent and the outcome
// after (SPEC §10), so that a run killed at any moment can be resumed. Implemented over the
// state store by the CLI; tests may use an in-memory one.
class ApplyJournal {
 public:
  virtual ~ApplyJournal() = default;
  // Durable when it returns. The id is passed back to outcome().
  virtual Result<int64_t> intent(const std::string& action_key, const std::string& method,
                                 const std::string& path, const Json& request) = 0;
  virtual Status outcome(int64_t id, bool success, int http_status, const Json& detail) = 0;
};

enum class ActionOutcome {
  kDone,     // the write took effect (or was already in effect: 404 on suspend/delete)
  kStale,    // the user changed since the plan was made: refused by its version, not forced
  kFailed,   // the service refused or could not be reached; the reason is in the message
  kSkipped,  // not attempted: held back by a guardrail, or it depended on a failed action
};
const char* actionOutcomeName(ActionOutcome o);

struct ActionResult {
  size_t index = 0;  // position in Plan::actions
  ActionOutcome outcome = ActionOutcome::kDone;
  std::string message;
  std::string user_id;  // the user's id after the action (for creates: the new id)
};

struct ApplyReport {
  std::vector<ActionResult> results;  // one per plan action, in plan order
  int count(ActionOutcome o) const;
  bool allDone() const;
  Json toJson(const Plan& plan) const;
};

struct ApplyOptions {
  bool skip_destructive = false;  // guardrail tripped: suspends and deletes are skipped
  // Called after each action with its result (progress output). May be empty.
  std::function<void(const Action&, const ActionResult&)> on_result;
};

// Applies a plan exactly: every write carries the version the plan saw, so a user changed since
// is refused by Genesys and reported kStale, never overwritten. Order: creates (managers before
// reports), then updates, reactivates, suspends, deletes, then one group PATCH per group, whose
// members created by this plan are resolved from the creates' results. A create is never sent
// twice: when its outcome is unknown (dropped connection, 409) the user is looked up by
// userName first. Not thread-safe; one Applier per run.
class Applier {
 public:
  Applier(ScimDirectory& directory, ApplyJournal& journal);
  ApplyReport apply(const Plan& plan, const ApplyOptions& options);

 private:
  ActionResult create(const Action& action);
  ActionResult patch(const Action& action);
  ActionResult remove(const Action& action);
  ActionResult groupMembers(const Action& action);
  // The action's operations plus the manager operation when its manager is created by this plan
  // (resolved from the creates' results). False when that manager's create failed.
  bool managerOps(const Action& action, std::vector<PatchOp>* ops) const;

  ScimDirectory& directory_;
  ApplyJournal& journal_;
  std::map<std::string, std::string> created_ids_;  // externalId → new user id
  std::map<std::string, bool> failed_creates_;      // externalId → create failed
  std::set<std::string> held_ids_;                  // users whose destructive action is held
};

}  // namespace scim_agent
