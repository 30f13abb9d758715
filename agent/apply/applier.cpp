#include "agent/apply/applier.h"

#include <algorithm>

#include "agent/scim/scim_directory.h"

namespace scim_agent {

namespace {

Json opsToJson(const std::vector<PatchOp>& ops) {
  Json out = Json::array();
  for (const auto& op : ops) {
    Json o = Json::object();
    o["op"] = op.op;
    o["path"] = op.path;
    if (!op.value.isNull()) o["value"] = op.value;
    out.push(std::move(o));
  }
  return out;
}

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

int order(ActionKind k) {
  switch (k) {
    case ActionKind::kCreate: return 0;
    case ActionKind::kUpdate: return 1;
    case ActionKind::kReactivate: return 2;
    case ActionKind::kSuspend: return 3;
    case ActionKind::kDelete: return 4;
    case ActionKind::kGroupMembers: return 5;
  }
  return 6;
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

Applier::Applier(ScimDirectory& directory, ApplyJournal& journal)
    : directory_(directory), journal_(journal) {}

ApplyReport Applier::apply(const Plan& plan, const ApplyOptions& options) {
  ApplyReport report;
  report.results.resize(plan.actions.size());
  // The planner already orders actions; sort indexes by phase anyway so a hand-edited or older
  // plan file cannot put a group add before the create it depends on.
  std::vector<size_t> indexes(plan.actions.size());
  for (size_t i = 0; i < indexes.size(); ++i) indexes[i] = i;
  std::stable_sort(indexes.begin(), indexes.end(), [&](size_t a, size_t b) {
    return order(plan.actions[a].kind) < order(plan.actions[b].kind);
  });

  // Users whose suspend or delete is held back keep their group memberships too.
  held_ids_.clear();
  if (options.skip_destructive) {
    for (const auto& a : plan.actions) {
      if (a.isDestructive()) held_ids_.insert(a.user_id);
    }
  }

  for (size_t i : indexes) {
    const Action& action = plan.actions[i];
    ActionResult result;
    if (options.skip_destructive && action.isDestructive()) {
      result.outcome = ActionOutcome::kSkipped;
      result.message = "held back: the plan exceeds policy.maxDestructive (use --allow-destructive)";
      result.user_id = action.user_id;
    } else {
      switch (action.kind) {
        case ActionKind::kCreate: result = create(action); break;
        case ActionKind::kUpdate:
        case ActionKind::kSuspend:
        case ActionKind::kReactivate: result = patch(action); break;
        case ActionKind::kDelete: result = remove(action); break;
        case ActionKind::kGroupMembers: result = groupMembers(action); break;
      }
    }
    result.index = i;
    report.results[i] = result;
    if (options.on_result) options.on_result(action, result);
  }
  return report;
}

ActionResult Applier::create(const Action& action) {
  ActionResult result;
  auto entry = journal_.intent("create:" + action.external_id, "POST", "/Users", action.body);
  if (!entry.ok()) {
    failed_creates_[action.external_id] = true;
    return failure(action, entry.error());
  }
  auto created = directory_.createUser(action.body);
  if (!created.ok()) {
    const Error& e = created.error();
    // A conflict or an unknown outcome (the connection dropped after the request went out):
    // look the user up by userName before deciding, never POST again blindly (SPEC §9).
    if (e.code == ErrorCode::kConflict || e.code == ErrorCode::kUnavailable) {
      auto found = directory_.findUserByUserName(action.user_name);
      if (found.ok() && found->has_value() && (*found)->external_id == action.external_id) {
        created = std::move(**found);
      }
    }
    if (!created.ok()) {
      (void)journal_.outcome(*entry, false, e.http_status, errorDetail(e));
      failed_creates_[action.external_id] = true;
      ActionResult r = failure(action, e);
      if (e.code == ErrorCode::kConflict) {
        r.message = "userName " + action.user_name +
                    " is already used by another Genesys user (not managed as " +
                    action.external_id + "): " + e.message;
      }
      return r;
    }
  }
  const LiveUser& user = created.value();
  created_ids_[action.external_id] = user.id;
  Json detail = Json::object();
  detail["id"] = user.id;
  detail["version"] = user.version;
  (void)journal_.outcome(*entry, true, 201, detail);
  result.user_id = user.id;

  if (!action.manager_external_id.empty()) {
    std::vector<PatchOp> ops;
    if (!managerOps(action, &ops)) {
      result.outcome = ActionOutcome::kFailed;
      result.message = "created, but its manager " + action.manager_external_id +
                       " could not be created, so the manager is not set";
      return result;
    }
    auto follow = journal_.intent("create-manager:" + action.external_id, "PATCH",
                                  "/Users/" + user.id, opsToJson(ops));
    if (!follow.ok()) return failure(action, follow.error());
    auto patched = directory_.patchUser(user.id, user.version, ops);
    if (!patched.ok()) {
      (void)journal_.outcome(*follow, false, patched.error().http_status,
                             errorDetail(patched.error()));
      ActionResult r = failure(action, patched.error());
      r.user_id = user.id;
      r.message = "created, but setting its manager failed: " + r.message;
      return r;
    }
    (void)journal_.outcome(*follow, true, 200, Json::object());
  }
  return result;
}

bool Applier::managerOps(const Action& action, std::vector<PatchOp>* ops) const {
  *ops = action.kind == ActionKind::kCreate ? std::vector<PatchOp>{} : action.ops;
  if (action.manager_external_id.empty()) return true;
  auto manager = created_ids_.find(action.manager_external_id);
  if (manager == created_ids_.end()) return false;
  ops->push_back({"replace", kManagerPath, Json(Json::Object{{"value", manager->second}})});
  return true;
}

ActionResult Applier::patch(const Action& action) {
  ActionResult result;
  result.user_id = action.user_id;
  // A manager created by this plan is known only now: its operation is added here.
  std::vector<PatchOp> ops;
  const bool manager_resolved = managerOps(action, &ops);
  if (ops.empty()) {
    result.outcome = ActionOutcome::kFailed;
    result.message = "its new manager " + action.manager_external_id + " could not be created";
    return result;
  }
  auto entry = journal_.intent(std::string(actionKindName(action.kind)) + ":" + action.external_id,
                               "PATCH", "/Users/" + action.user_id, opsToJson(ops));
  if (!entry.ok()) return failure(action, entry.error());
  auto patched = directory_.patchUser(action.user_id, action.version, ops);
  if (!patched.ok()) {
    const Error& e = patched.error();
    (void)journal_.outcome(*entry, false, e.http_status, errorDetail(e));
    if (e.code == ErrorCode::kNotFound && action.kind == ActionKind::kSuspend) {
      result.message = "already gone from Genesys (404): nothing to suspend";
      return result;
    }
    return failure(action, e);
  }
  Json detail = Json::object();
  detail["version"] = patched->version;
  (void)journal_.outcome(*entry, true, 200, detail);
  if (!manager_resolved) {
    result.outcome = ActionOutcome::kFailed;
    result.message = "applied, but its new manager " + action.manager_external_id +
                     " could not be created, so the manager is not set";
  }
  return result;
}

ActionResult Applier::remove(const Action& action) {
  ActionResult result;
  result.user_id = action.user_id;
  auto entry = journal_.intent("delete:" + action.external_id, "DELETE", "/Users/" + action.user_id,
                               Json::object());
  if (!entry.ok()) return failure(action, entry.error());
  Status deleted = directory_.deleteUser(action.user_id, action.version);
  if (!deleted.ok()) {
    (void)journal_.outcome(*entry, false, deleted.error().http_status, errorDetail(deleted.error()));
    return failure(action, deleted.error());
  }
  (void)journal_.outcome(*entry, true, 204, Json::object());
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
    } else if (auto it = created_ids_.find(m.external_id); it != created_ids_.end()) {
      add_ids.push_back(it->second);
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
  auto entry = journal_.intent("group:" + action.group_name, "PATCH", "/Groups/" + action.group_id,
                               request);
  if (!entry.ok()) return failure(action, entry.error());
  Status patched = directory_.patchGroupMembers(action.group_id, add_ids, remove_ids);
  if (!patched.ok()) {
    (void)journal_.outcome(*entry, false, patched.error().http_status, errorDetail(patched.error()));
    ActionResult r = failure(action, patched.error());
    r.message = "group \"" + action.group_name + "\": " + r.message;
    return r;
  }
  (void)journal_.outcome(*entry, true, 200, Json::object());
  if (!unresolved.empty()) {
    result.outcome = ActionOutcome::kFailed;
    result.message = "group \"" + action.group_name + "\": members not added because their create failed:";
    for (const auto& u : unresolved) result.message += " " + u;
  }
  return result;
}

}  // namespace scim_agent
