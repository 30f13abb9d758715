#include "agent/apply/applier.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "agent/apply/lifecycle.h"
#include "agent/log/log.h"
#include "agent/scim/scim_directory.h"
#include "agent/scim/user_codec.h"

namespace scim_agent {

namespace {


Json errorDetail(const Error& e) {
  Json d = Json::object();
  d["error"] = errorCodeName(e.code);
  d["message"] = e.message;
  if (e.http_status) d["status"] = e.http_status;
  if (!e.scim_type.empty()) d["scimType"] = e.scim_type;
  return d;
}

std::string userLabel(const Action& a) {
  return a.external_id.empty() ? a.user_name : a.external_id + " (" + a.user_name + ")";
}

ActionResult failure(const Action& a, const Error& e) {
  ActionResult r;
  r.outcome = e.code == ErrorCode::kStale ? ActionOutcome::kStale : ActionOutcome::kFailed;
  r.user_id = a.user_id;
  r.message = e.code == ErrorCode::kStale
                  ? userLabel(a) + " changed in Genesys since the plan was made (version " +
                        a.version + " is no longer current); not overwritten: " + e.message
                  : e.message;
  return r;
}


const char* kManagerPath = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

}  // namespace

const char* actionOutcomeName(ActionOutcome o) {
  switch (o) {
    case ActionOutcome::kDone: return "done";
    case ActionOutcome::kStale: return "stale";
    case ActionOutcome::kFailed: return "failed";
    case ActionOutcome::kSkipped: return "skipped";
  }
  return "?";
}

int ApplyReport::count(ActionOutcome o) const {
  int n = 0;
  for (const auto& r : results) n += r.outcome == o ? 1 : 0;
  return n;
}

bool ApplyReport::allDone() const { return count(ActionOutcome::kDone) == static_cast<int>(results.size()); }

Json ApplyReport::toJson(const Plan& plan) const {
  Json out = Json::object();
  Json counts = Json::object();
  for (ActionOutcome o : {ActionOutcome::kDone, ActionOutcome::kStale, ActionOutcome::kFailed,
                          ActionOutcome::kSkipped}) {
    counts[actionOutcomeName(o)] = count(o);
  }
  out["counts"] = counts;
  Json items = Json::array();
  for (const auto& r : results) {
    const Action& a = plan.actions[r.index];
    Json item = Json::object();
    item["action"] = actionKindName(a.kind);
    if (a.kind == ActionKind::kGroupMembers) {
      item["group"] = a.group_name;
    } else {
      item["externalId"] = a.external_id;
      item["userName"] = a.user_name;
    }
    item["outcome"] = actionOutcomeName(r.outcome);
    if (!r.message.empty()) item["message"] = r.message;
    if (!r.user_id.empty()) item["userId"] = r.user_id;
    items.push(std::move(item));
  }
  out["actions"] = items;
  return out;
}

void recordOutcome(ApplyJournal& journal, int64_t id, const std::string& action_key, bool success,
                   int http_status, const Json& detail) {
  Status recorded = journal.outcome(id, success, http_status, detail);
  if (recorded.ok()) return;
  LogFields fields = {{"action", action_key},
                      {"journalEntry", id},
                      {"httpStatus", http_status},
                      {"error", errorCodeName(recorded.error().code)},
                      {"message", recorded.error().message}};
  if (success) {
    // The write took effect, but neither its outcome nor its audit row is recorded.
    logError("a remote write took effect but its outcome could not be journaled; the next run "
             "treats it as unfinished",
             fields);
  } else {
    logWarn("a failed remote write's outcome could not be journaled; the next run treats it as "
            "unfinished",
            fields);
  }
}

Applier::Applier(ScimDirectory& directory, ApplyJournal& journal, Lifecycle* lifecycle)
    : directory_(directory), journal_(journal), lifecycle_(lifecycle) {}

namespace {

// Runs fn(i) for every index with up to `concurrency` threads, and returns when all are done.
void forEachParallel(const std::vector<size_t>& indexes, int concurrency,
                     const std::function<void(size_t)>& fn) {
  const size_t workers = std::min(indexes.size(), static_cast<size_t>(std::max(1, concurrency)));
  if (workers <= 1) {
    for (size_t i : indexes) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t k = next++; k < indexes.size(); k = next++) fn(indexes[k]);
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace

void logActionResult(const Action& action, const ActionResult& result) {
  LogFields fields{{"kind", actionKindName(action.kind)}};
  if (action.kind == ActionKind::kGroupMembers) {
    fields.push_back({"group", action.group_name});
  } else {
    fields.push_back({"externalId", action.external_id});
  }
  fields.push_back({"outcome", actionOutcomeName(result.outcome)});
  if (!result.message.empty()) fields.push_back({"message", result.message});
  const LogLevel level = result.outcome == ActionOutcome::kFailed  ? LogLevel::kError
                         : result.outcome == ActionOutcome::kStale ? LogLevel::kWarn
                                                                   : LogLevel::kInfo;
  logLine(level, "action", fields);
}

ApplyReport Applier::apply(const Plan& plan, const ApplyOptions& options) {
  ApplyReport report;
  report.results.resize(plan.actions.size());
  {
    std::lock_guard<std::mutex> lock(mu_);
    created_ids_.clear();
  }
  // Users whose suspend or delete is held back keep their group memberships too.
  held_ids_.clear();
  if (options.skip_destructive) {
    for (const auto& a : plan.actions) {
      if (a.isDestructive()) held_ids_.insert(a.user_id);
    }
  }

  // Phases by action kind, whatever order the plan file lists them in, so a hand-edited or older
  // plan cannot put a group add before the create it depends on. Within a phase every action
  // touches its own user (or group), so they may run in parallel; creates keep plan order
  // (managers first) when run one at a time.
  std::vector<size_t> creates, users, groups, manager_follow_ups;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    switch (plan.actions[i].kind) {
      // Restores with the creates: users of this plan may name them as manager or group member.
      case ActionKind::kCreate:
      case ActionKind::kRestore: creates.push_back(i); break;
      case ActionKind::kGroupMembers: groups.push_back(i); break;
      default: users.push_back(i); break;
    }
  }
  std::mutex report_mu;
  ProgressBar progress("applying", plan.actions.size());
  size_t finished = 0;
  auto record = [&](size_t i, ActionResult result) {
    result.index = i;
    std::lock_guard<std::mutex> lock(report_mu);
    report.results[i] = result;
    logActionResult(plan.actions[i], report.results[i]);
    if (options.on_result) options.on_result(plan.actions[i], report.results[i]);
    progress.update(++finished);
  };

  forEachParallel(creates, options.concurrency, [&](size_t i) {
    const Action& action = plan.actions[i];
    ActionResult result = run(action, options);
    if (result.outcome == ActionOutcome::kDone && !action.manager_external_id.empty()) {
      std::lock_guard<std::mutex> lock(report_mu);
      report.results[i] = result;  // finished after the managers exist
      manager_follow_ups.push_back(i);
      return;
    }
    record(i, result);
  });
  std::sort(manager_follow_ups.begin(), manager_follow_ups.end());
  forEachParallel(manager_follow_ups, options.concurrency, [&](size_t i) {
    ActionResult created;
    {
      std::lock_guard<std::mutex> lock(report_mu);
      created = report.results[i];
    }
    record(i, setCreatedManager(plan.actions[i], created));
  });
  forEachParallel(users, options.concurrency,
                  [&](size_t i) { record(i, run(plan.actions[i], options)); });
  forEachParallel(groups, options.concurrency,
                  [&](size_t i) { record(i, run(plan.actions[i], options)); });
  return report;
}

ActionResult Applier::run(const Action& action, const ApplyOptions& options) {
  if (options.skip_destructive && action.isDestructive()) {
    ActionResult result;
    result.outcome = ActionOutcome::kSkipped;
    result.message = "held back: the plan exceeds policy.maxDestructive (use --allow-destructive)";
    result.user_id = action.user_id;
    return result;
  }
  switch (action.kind) {
    case ActionKind::kCreate: return afterWrite(action, create(action, options));
    case ActionKind::kUpdate: return patch(action, options);
    case ActionKind::kSuspend:
    case ActionKind::kReactivate: return afterWrite(action, patch(action, options));
    case ActionKind::kDelete:
      return lifecycle_ ? lifecycle_->deleteUser(action) : remove(action, options);
    case ActionKind::kGroupMembers: return groupMembers(action);
    case ActionKind::kRestore: return restore(action);
  }
  return failure(action, Error(ErrorCode::kInternal, "unknown action kind"));
}

ActionResult Applier::afterWrite(const Action& action, ActionResult result) {
  if (!lifecycle_ || result.outcome != ActionOutcome::kDone || result.absent) return result;
  if (action.kind == ActionKind::kSuspend) {
    Status status = lifecycle_->suspended(action);
    if (!status.ok()) {
      result.outcome = ActionOutcome::kFailed;
      result.message = status.error().message;
    }
  } else {
    lifecycle_->activeAgain(action, result.user_id);
  }
  return result;
}

ActionResult Applier::restore(const Action& action) {
  if (!lifecycle_) {
    return failure(action, Error(ErrorCode::kInvalidInput,
                                 "restoring a deleted user needs the Genesys Platform API"));
  }
  auto restored = lifecycle_->restore(action);
  if (!restored.ok()) return failure(action, restored.error());
  {
    std::lock_guard<std::mutex> lock(mu_);
    created_ids_[action.external_id] = restored->id;
  }
  // Its attributes now; a manager created or restored by this plan is set in the follow-up
  // phase, as for creates.
  Action follow = action;
  follow.version = restored->version;
  Error error;
  ActionResult result = sendPatch(follow, action.ops, &error);
  if (result.outcome != ActionOutcome::kDone) {
    result.outcome = ActionOutcome::kFailed;
    result.message = "restored, but setting its attributes failed (the next plan sets them): " +
                     result.message;
  } else {
    result.message = "restored the deleted Genesys user";
  }
  return result;
}

std::optional<std::string> Applier::createdId(const std::string& external_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = created_ids_.find(external_id);
  if (it == created_ids_.end()) return std::nullopt;
  return it->second;
}

ActionResult Applier::create(const Action& action, const ApplyOptions& options) {
  ActionResult result;
  const std::string key = "create:" + action.external_id;
  auto remember = [&](const LiveUser& user) {
    std::lock_guard<std::mutex> lock(mu_);
    created_ids_[action.external_id] = user.id;
    result.user_id = user.id;
    result.version = user.version;
  };
  // A killed earlier run may have sent this POST: look before sending it again.
  if (options.unfinished_keys.count(key)) {
    auto found = directory_.findUserByUserName(action.user_name);
    if (!found.ok()) return failure(action, found.error());
    if (found->has_value() && (*found)->external_id == action.external_id) {
      remember(**found);
      result.message = "created by an earlier, interrupted run";
      return result;
    }
  }
  if (action.check_deleted && lifecycle_) {
    auto deleted = lifecycle_->deletedUserExists(action.user_name);
    if (!deleted.ok()) {
      ActionResult r = failure(action, deleted.error());
      r.message = "not created: checking for a deleted Genesys user with this userName failed: " +
                  r.message;
      return r;
    }
    if (*deleted) {
      ActionResult r;
      r.outcome = ActionOutcome::kStale;
      r.message = "not created: a deleted Genesys user holds this userName; plan again to restore it";
      return r;
    }
  }
  auto entry = journal_.intent(key, "POST", "/Users", action.body);
  if (!entry.ok()) return failure(action, entry.error());
  // A POST that failed with an unknown outcome (5xx, dropped connection) or a conflict is never
  // re-sent blindly (SPEC §9): the user is looked up by userName first, and the POST is sent
  // again only when the lookup shows it did not take effect, at most kCreateTries times.
  constexpr int kCreateTries = 3;
  Result<LiveUser> created = Error(ErrorCode::kInternal, "not sent");
  for (int attempt = 1;; ++attempt) {
    created = directory_.createUser(action.body);
    if (created.ok()) break;
    const Error e = created.error();
    if (e.code != ErrorCode::kConflict && e.code != ErrorCode::kUnavailable) break;
    auto found = directory_.findUserByUserName(action.user_name);
    if (found.ok() && found->has_value() && (*found)->external_id == action.external_id) {
      created = std::move(**found);
      break;
    }
    if (e.code == ErrorCode::kConflict || !found.ok() || attempt == kCreateTries) break;
  }
  if (!created.ok()) {
    const Error e = created.error();
    recordOutcome(journal_, *entry, key, false, e.http_status, errorDetail(e));
    ActionResult r = failure(action, e);
    if (e.code == ErrorCode::kConflict) {
      r.message = "userName " + action.user_name +
                  " is already used by another Genesys user (not managed as " +
                  action.external_id + "): " + e.message;
    }
    return r;
  }
  remember(created.value());
  result.mismatches = answerMismatches(action, {}, created.value());
  Json detail = Json::object();
  detail["id"] = created->id;
  detail["version"] = created->version;
  recordOutcome(journal_, *entry, key, true, 201, detail);
  return result;
}

ActionResult Applier::setCreatedManager(const Action& action, const ActionResult& created) {
  std::vector<PatchOp> ops;
  if (!managerOps(action, &ops)) {
    ActionResult r = created;
    r.outcome = ActionOutcome::kFailed;
    r.message = "created, but its manager " + action.manager_external_id +
                " could not be created, so the manager is not set";
    return r;
  }
  Action follow = action;
  follow.user_id = created.user_id;
  follow.version = created.version;
  // The create's answer was compared already: only the manager is left to check.
  std::erase_if(follow.changes, [](const AttributeChange& c) { return c.attribute != "manager"; });
  Error error;
  ActionResult r = sendPatch(follow, ops, &error);
  if (r.outcome != ActionOutcome::kDone) r.message = "created, but setting its manager failed: " + r.message;
  r.mismatches.insert(r.mismatches.begin(), created.mismatches.begin(), created.mismatches.end());
  return r;
}

bool Applier::managerOps(const Action& action, std::vector<PatchOp>* ops) const {
  // A create's and a restore's own writes are done; only the manager is left for the follow-up.
  *ops = action.kind == ActionKind::kCreate || action.kind == ActionKind::kRestore
             ? std::vector<PatchOp>{}
             : action.ops;
  if (action.manager_external_id.empty()) return true;
  auto manager = createdId(action.manager_external_id);
  if (!manager) return false;
  ops->push_back({"replace", kManagerPath, Json(Json::Object{{"value", *manager}})});
  return true;
}

ActionResult Applier::sendPatch(const Action& action, const std::vector<PatchOp>& ops, Error* error) {
  ActionResult result;
  result.user_id = action.user_id;
  if (action.version.empty()) {
    // Without If-Match the write would overwrite whatever changed since (SPEC §8).
    *error = Error(ErrorCode::kInvalidInput,
                   userLabel(action) + ": no version was seen for this user; refusing an "
                                       "unconditional write");
    return failure(action, *error);
  }
  const std::string key = std::string(actionKindName(action.kind)) + ":" + action.external_id;
  auto entry = journal_.intent(key, "PATCH", "/Users/" + action.user_id, patchRequestBody(ops));
  if (!entry.ok()) {
    *error = entry.error();
    return failure(action, entry.error());
  }
  auto patched = directory_.patchUser(action.user_id, action.version, ops);
  if (!patched.ok()) {
    *error = patched.error();
    recordOutcome(journal_, *entry, key, false, error->http_status, errorDetail(*error));
    return failure(action, *error);
  }
  Json detail = Json::object();
  detail["version"] = patched->version;
  recordOutcome(journal_, *entry, key, true, 200, detail);
  result.version = patched->version;
  result.mismatches = answerMismatches(action, ops, *patched);
  return result;
}

ActionResult Applier::patch(const Action& action, const ApplyOptions& options) {
  // A manager created by this plan is known only now: its operation is added here.
  std::vector<PatchOp> ops;
  const bool manager_resolved = managerOps(action, &ops);
  if (ops.empty()) {
    ActionResult result;
    result.user_id = action.user_id;
    result.outcome = ActionOutcome::kFailed;
    result.message = "its new manager " + action.manager_external_id + " could not be created";
    return result;
  }
  Error error;
  ActionResult result = sendPatch(action, ops, &error);
  if (result.outcome == ActionOutcome::kStale) return replanned(action, error, options);
  if (result.outcome != ActionOutcome::kDone) {
    if (error.code == ErrorCode::kNotFound && action.kind == ActionKind::kSuspend) {
      result.outcome = ActionOutcome::kDone;
      result.absent = true;
      result.message = "already gone from Genesys (404): nothing to suspend";
    }
    return result;
  }
  if (!manager_resolved) {
    result.outcome = ActionOutcome::kFailed;
    result.message = "applied, but its new manager " + action.manager_external_id +
                     " could not be created, so the manager is not set";
  }
  return result;
}

ActionResult Applier::replanned(const Action& action, const Error& conflict,
                                const ApplyOptions& options) {
  if (!options.replan) return failure(action, conflict);
  auto fresh = directory_.getUser(action.user_id);
  if (!fresh.ok()) {
    if (fresh.error().code == ErrorCode::kNotFound &&
        (action.kind == ActionKind::kSuspend || action.kind == ActionKind::kDelete)) {
      ActionResult gone;
      gone.user_id = action.user_id;
      gone.message = "changed, then gone from Genesys (404): nothing left to do";
      return gone;
    }
    ActionResult r = failure(action, fresh.error());
    r.message = "version conflict, and re-reading the user failed: " + r.message;
    return r;
  }
  // Re-planning one user in isolation is only safe while it is still the same managed person
  // and the same kind of change: anything else (externalId changed, an update that would now be
  // a suspend) needs a whole new plan and a review, so it is reported stale.
  if (fresh->external_id != action.external_id) {
    ActionResult r = failure(action, conflict);
    r.message = userLabel(action) + " changed in Genesys since the plan (its externalId is now \"" +
                fresh->external_id + "\"); not re-planned: run plan again";
    return r;
  }
  std::optional<Action> again = options.replan(action, *fresh);
  if (again && again->kind != action.kind) {
    ActionResult r = failure(action, conflict);
    r.message = userLabel(action) + " changed in Genesys since the plan; it would now need a " +
                actionKindName(again->kind) + " instead of a " + actionKindName(action.kind) +
                ": not applied without a new plan";
    return r;
  }
  if (!again) {
    ActionResult r;
    r.user_id = action.user_id;
    r.message = "changed in Genesys since the plan; re-planned: nothing left to do";
    return r;
  }
  if (options.gate) {
    if (std::optional<std::string> refused = options.gate(*again)) {
      ActionResult r;
      r.outcome = ActionOutcome::kFailed;
      r.user_id = action.user_id;
      r.message = "changed in Genesys since the plan; the re-planned change was refused by the "
                  "policy gate: " + *refused;
      return r;
    }
  }
  ApplyOptions once = options;
  once.replan = nullptr;  // re-plan once; a second conflict is reported stale
  ActionResult r = again->kind == ActionKind::kDelete ? remove(*again, once) : patch(*again, once);
  if (r.outcome == ActionOutcome::kDone) {
    r.message = "changed in Genesys since the plan; re-planned and applied";
  }
  return r;
}

ActionResult Applier::remove(const Action& action, const ApplyOptions& options) {
  ActionResult result;
  result.user_id = action.user_id;
  if (action.version.empty()) {
    return failure(action, Error(ErrorCode::kInvalidInput,
                                 userLabel(action) + ": no version was seen for this user; "
                                                     "refusing an unconditional delete"));
  }
  const std::string key = "delete:" + action.external_id;
  auto entry = journal_.intent(key, "DELETE", "/Users/" + action.user_id, Json::object());
  if (!entry.ok()) return failure(action, entry.error());
  Status deleted = directory_.deleteUser(action.user_id, action.version);
  if (!deleted.ok()) {
    recordOutcome(journal_, *entry, key, false, deleted.error().http_status,
                  errorDetail(deleted.error()));
    if (deleted.error().code == ErrorCode::kStale) return replanned(action, deleted.error(), options);
    return failure(action, deleted.error());
  }
  recordOutcome(journal_, *entry, key, true, 204, Json::object());
  return result;
}

ActionResult Applier::groupMembers(const Action& action) {
  ActionResult result;
  std::vector<std::string> add_ids;
  std::vector<std::string> remove_ids;
  std::vector<std::string> unresolved;
  for (const auto& m : action.add_members) {
    if (!m.user_id.empty()) {
      add_ids.push_back(m.user_id);
    } else if (auto id = createdId(m.external_id)) {
      add_ids.push_back(*id);
    } else {
      unresolved.push_back(m.external_id);
    }
  }
  for (const auto& m : action.remove_members) {
    if (!m.user_id.empty() && !held_ids_.count(m.user_id)) remove_ids.push_back(m.user_id);
  }
  if (add_ids.empty() && remove_ids.empty()) {
    result.outcome = ActionOutcome::kSkipped;
    result.message = unresolved.empty() ? "held back with the suspensions it belongs to"
                                        : "every member to add depends on a create that failed";
    return result;
  }
  Json request = Json::object();
  Json adds = Json::array();
  for (const auto& id : add_ids) adds.push(id);
  Json removes = Json::array();
  for (const auto& id : remove_ids) removes.push(id);
  request["add"] = adds;
  request["remove"] = removes;
  const std::string key = "group:" + action.group_name;
  auto entry = journal_.intent(key, "PATCH", "/Groups/" + action.group_id, request);
  if (!entry.ok()) return failure(action, entry.error());
  Status patched = directory_.patchGroupMembers(action.group_id, add_ids, remove_ids);
  if (!patched.ok()) {
    recordOutcome(journal_, *entry, key, false, patched.error().http_status,
                  errorDetail(patched.error()));
    ActionResult r = failure(action, patched.error());
    r.message = "group \"" + action.group_name + "\": " + r.message;
    return r;
  }
  recordOutcome(journal_, *entry, key, true, 200, Json::object());
  if (!unresolved.empty()) {
    result.outcome = ActionOutcome::kFailed;
    result.message = "group \"" + action.group_name + "\": members not added because their create failed:";
    for (const auto& u : unresolved) result.message += " " + u;
  }
  return result;
}

}  // namespace scim_agent
