#pragma once

// The user lifecycle steps around the SCIM writes (SPEC §8): what a suspend, a delete and a
// restore do besides the SCIM request, each remote write journaled and each delete step recorded
// in the state DB so that an interrupted delete resumes where it stopped.

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "agent/apply/applier.h"
#include "agent/base/result.h"
#include "agent/model/plan.h"
#include "agent/model/user.h"

namespace scim_agent {

class PlatformDirectory;
class ScimDirectory;
class StateStore;
struct CleanupStep;

struct LifecycleOptions {
  int64_t run_id = 0;
  // policy.archiveDays: conversation history archived before a delete, in windows of at most
  // 31 days (the analytics query's limit with a user filter, genesys-api.md §8.4). 0: none.
  int archive_days = 365;
  int archive_page_size = 100;
  // Enqueue a notification (outbox, channel "webhook") for each suspend and delete.
  bool notify = false;
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

// The delete clean-up steps, in order (SPEC §8). Recorded by name in the state DB.
// "begin" records what is being deleted (so an interrupted delete can be finished without a
// plan); the rest are SPEC §8's steps.
inline constexpr const char* kDeleteSteps[] = {"begin",  "archive", "queues", "grants",
                                               "tokens", "delete",  "verify", "notify"};

class Lifecycle {
 public:
  // All references must outlive the Lifecycle; every method is thread-safe when the directories,
  // the journal and the store are (they are in the CLI).
  Lifecycle(ScimDirectory& directory, PlatformDirectory& platform, ApplyJournal& journal,
            StateStore& store, LifecycleOptions options);

  // After a suspend's PATCH took effect: revoke the user's tokens, record the suspension (for
  // deleteAfter; a failed revocation is retried by retryRevocations), enqueue a notification.
  // Fails when the tokens could not be revoked: the user is inactive but existing tokens remain
  // valid until then.
  Status suspended(const Action& action);

  // Revokes the tokens of suspended users whose revocation failed in an earlier run and that
  // are still inactive (`still_inactive(user_id)`). Returns how many were revoked now; each
  // user whose revocation failed again is added to `errors` (the others are still tried).
  Result<int> retryRevocations(const std::function<bool(const std::string&)>& still_inactive,
                               std::vector<std::string>* errors);

  // The whole delete: re-read (the same person, not reactivated since the plan), archive the
  // conversation history, remove queue memberships (joined and unjoined), remove role grants,
  // revoke tokens, SCIM DELETE with If-Match, re-read to verify it is gone, notify. Steps
  // finished by an earlier run are skipped. kDone, or kStale/kFailed with the reason (and the
  // step it stopped at) in the message.
  ActionResult deleteUser(const Action& action);

  // Finishes deletes a killed or failed run left past their SCIM DELETE (verify, notify): such a
  // user is no longer listable, so no plan brings it back. `planned_user_ids`: deletes this run's
  // plan has anyway. Returns how many were finished; fails with the first that could not be.
  Result<int> finishInterruptedDeletes(const std::set<std::string>& planned_user_ids);

  // Restores a deleted Genesys user (Platform PATCH with its version) and re-reads it over SCIM:
  // the user, with the version the follow-up PATCH must carry.
  Result<LiveUser> restore(const Action& action);

  // Whether a deleted Genesys user holds `user_name` (false without the Platform API).
  Result<bool> deletedUserExists(const std::string& user_name);

  // The user is active again (created, restored or reactivated): its suspension and any
  // half-finished delete are forgotten.
  void activeAgain(const Action& action, const std::string& user_id);

 private:
  std::string nowIso() const;
  // Runs one step unless it finished before; records it when `step` succeeds.
  Status runStep(const std::string& user_id, const std::string& name,
                 const std::function<Result<Json>()>& step);
  Result<Json> archive(const Action& action);
  Result<Json> removeQueues(const Action& action);
  Result<Json> removeGrants(const Action& action);
  Result<Json> revokeTokens(const Action& action);
  Result<Json> scimDelete(const Action& action);
  Result<Json> verifyGone(const Action& action);
  Result<Json> notify(const Action& action, const std::string& event, const Json& detail,
                      int64_t run_id);
  // The delete's steps from the first not in `finished`.
  ActionResult runDelete(const Action& action, const std::vector<CleanupStep>& finished);
  // Journals one remote write around `send`.
  Status journaled(const std::string& key, const std::string& method, const std::string& path,
                   const Json& request, const std::function<Status()>& send);

  ScimDirectory& directory_;
  PlatformDirectory& platform_;
  ApplyJournal& journal_;
  StateStore& store_;
  LifecycleOptions options_;
};

}  // namespace scim_agent
