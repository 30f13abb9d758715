#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/model/plan.h"
#include "agent/model/user.h"
#include "agent/plan/user_diff.h"

namespace scim_agent {

class ScimDirectory;
class Lifecycle;

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

// Records the answer to write `id` of action `action_key` with journal.outcome(). A failure to
// record it is logged (error when the write took effect, warn when it failed), not returned: the
// remote write happened or failed either way and the action's result says which; the entry stays
// an open intent, which the next run treats as unfinished (SPEC §10).
void recordOutcome(ApplyJournal& journal, int64_t id, const std::string& action_key, bool success,
                   int http_status, const Json& detail);

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
  std::string version;  // the user's version after the action, when known
  bool absent = false;  // done because the user no longer exists (404)
  // Attributes Genesys's answer to the write holds otherwise than sent (answerMismatches): a
  // discrepancy, recorded by the run (issue 12). Empty when the write failed.
  std::vector<AttributeMismatch> mismatches;
};

struct ApplyReport {
  std::vector<ActionResult> results;  // one per plan action, in plan order
  int count(ActionOutcome o) const;
  bool allDone() const;
  Json toJson(const Plan& plan) const;
};

struct ApplyOptions {
  bool skip_destructive = false;  // guardrail tripped: suspends and deletes are skipped
  // Independent actions in flight at once (target.rateLimit.concurrency). The transport and the
  // rate limiter below bound the requests; this bounds the actions.
  int concurrency = 1;
  // Called after each action with its result (progress output), from one thread at a time.
  // Besides, apply() logs each result (logActionResult) and draws a progress bar on a terminal
  // when the process log allows it (agent/log/log.h, ProgressBar).
  std::function<void(const Action&, const ActionResult&)> on_result;
  // Re-plans one user after a version conflict (SPEC §9): given the action that was refused and
  // the user as Genesys now has it, the action to send instead, or nullopt when nothing is left
  // to do. Empty: a conflict is reported stale (a saved, reviewed plan is applied exactly).
  std::function<std::optional<Action>(const Action&, const LiveUser& fresh)> replan;
  // The policy gate for what the applier makes itself (a re-planned action): why it may not be
  // written, or nullopt. The caller gates the plan's own actions before apply().
  std::function<std::optional<std::string>(const Action&)> gate;
  // Action keys ("create:EMP-7") whose intent an earlier, killed run journaled without an
  // outcome: their creates look the user up by userName before anything is sent again.
  std::set<std::string> unfinished_keys;
};

// Logs one action's outcome (agent/log): "action" with kind, externalId (or group), outcome and
// message; at error when it failed, warn when stale, else info. Applier::apply() logs every
// action this way, so its callers need not.
void logActionResult(const Action& action, const ActionResult& result);

// Applies a plan: every write carries the version the plan saw, so a user changed since is
// refused by Genesys and reported kStale (or re-planned once, with ApplyOptions::replan), never
// overwritten. Phases, each finished before the next starts, each run with up to
// `concurrency` actions in flight: creates; the manager of users whose manager was created in
// this plan; updates, reactivates, suspends and deletes (one user each); then one group PATCH
// per group, whose members created by this plan are resolved from the creates' results. A create
// is never sent twice: when its outcome is unknown (dropped connection, 409, a killed earlier
// run) the user is looked up by userName first. Requires a thread-safe ScimDirectory and
// ApplyJournal when concurrency > 1. One apply() at a time per Applier.
class Applier {
 public:
  // `lifecycle` (may be null: SCIM writes only) does what a suspend, delete and restore need
  // besides the SCIM request: token revocation, the delete clean-up, the Platform restore.
  Applier(ScimDirectory& directory, ApplyJournal& journal, Lifecycle* lifecycle = nullptr);
  ApplyReport apply(const Plan& plan, const ApplyOptions& options);

 private:
  ActionResult run(const Action& action, const ApplyOptions& options);
  ActionResult create(const Action& action, const ApplyOptions& options);
  ActionResult setCreatedManager(const Action& action, const ActionResult& created);
  ActionResult patch(const Action& action, const ApplyOptions& options);
  ActionResult remove(const Action& action, const ApplyOptions& options);
  ActionResult groupMembers(const Action& action);
  ActionResult restore(const Action& action);
  // A suspend, reactivate or create that took effect: the lifecycle bookkeeping after it.
  ActionResult afterWrite(const Action& action, ActionResult result);
  // After a version conflict: re-read the user and re-plan it once (options.replan).
  ActionResult replanned(const Action& action, const Error& conflict, const ApplyOptions& options);
  ActionResult sendPatch(const Action& action, const std::vector<PatchOp>& ops, Error* error);
  std::optional<std::string> createdId(const std::string& external_id) const;
  // The action's operations plus the manager operation when its manager is created by this plan
  // (resolved from the creates' results). False when that manager's create failed.
  bool managerOps(const Action& action, std::vector<PatchOp>* ops) const;

  ScimDirectory& directory_;
  ApplyJournal& journal_;
  Lifecycle* lifecycle_;
  mutable std::mutex mu_;                           // guards created_ids_
  std::map<std::string, std::string> created_ids_;  // externalId → new user id
  std::set<std::string> held_ids_;                  // users whose destructive action is held
};

}  // namespace scim_agent
