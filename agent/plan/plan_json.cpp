#include "agent/plan/plan_json.h"

#include <cmath>
#include <optional>
#include <utility>

namespace scim_agent {

namespace {

// ---- encoding -------------------------------------------------------------------------------

void putString(Json& o, const char* key, const std::string& value) {
  if (!value.empty()) o[key] = value;
}

void putSource(Json& o, const SourcePos& pos) {
  if (pos.file.empty() && pos.line == 0 && pos.column == 0) return;
  Json s = Json::object();
  putString(s, "file", pos.file);
  if (pos.line != 0) s["line"] = pos.line;
  if (pos.column != 0) s["column"] = pos.column;
  o["source"] = std::move(s);
}

Json encodeMembers(const std::vector<MemberRef>& members) {
  Json list = Json::array();
  for (const MemberRef& m : members) {
    Json o = Json::object();
    putString(o, "userId", m.user_id);
    putString(o, "externalId", m.external_id);
    putString(o, "userName", m.user_name);
    list.push(std::move(o));
  }
  return list;
}

Json encodeAction(const Action& a) {
  Json o = Json::object();
  o["kind"] = actionKindName(a.kind);
  putString(o, "externalId", a.external_id);
  putString(o, "userName", a.user_name);
  putString(o, "userId", a.user_id);
  putString(o, "version", a.version);
  if (!a.ops.empty()) {
    Json ops = Json::array();
    for (const PatchOp& op : a.ops) {
      Json j = Json::object();
      j["op"] = op.op;
      putString(j, "path", op.path);
      if (!op.value.isNull()) j["value"] = op.value;
      ops.push(std::move(j));
    }
    o["ops"] = std::move(ops);
  }
  if (!a.body.isNull()) o["body"] = a.body;
  putString(o, "managerExternalId", a.manager_external_id);
  if (a.adopt) o["adopt"] = true;
  if (a.check_deleted) o["checkDeleted"] = true;
  if (a.blocked) o["blocked"] = true;
  if (a.held) o["held"] = true;
  putString(o, "groupId", a.group_id);
  putString(o, "groupName", a.group_name);
  putString(o, "groupVersion", a.group_version);
  if (!a.add_members.empty()) o["addMembers"] = encodeMembers(a.add_members);
  if (!a.remove_members.empty()) o["removeMembers"] = encodeMembers(a.remove_members);
  o["rule"] = a.rule;
  putSource(o, a.source);
  if (!a.changes.empty()) {
    Json changes = Json::array();
    for (const AttributeChange& c : a.changes) {
      Json j = Json::object();
      j["attribute"] = c.attribute;
      if (!c.before.isNull()) j["before"] = c.before;
      if (!c.after.isNull()) j["after"] = c.after;
      changes.push(std::move(j));
    }
    o["changes"] = std::move(changes);
  }
  return o;
}

Json encodeNotice(const Notice& n) {
  Json o = Json::object();
  o["kind"] = noticeKindName(n.kind);
  putString(o, "externalId", n.external_id);
  putString(o, "userName", n.user_name);
  o["message"] = n.message;
  putSource(o, n.source);
  return o;
}

Json encodeInputs(const PlanInputs& in) {
  Json o = Json::object();
  Json files = Json::array();
  for (const DesiredFile& f : in.files) {
    files.push(Json(Json::Object{{"path", f.path}, {"sha256", f.sha256}}));
  }
  o["files"] = std::move(files);
  o["settings"] = in.settings;
  o["policy"] = in.policy;
  o["desiredUsers"] = in.desired_users;
  Json users = Json::array();
  for (const PlanInputUser& u : in.users) {
    Json j = Json::object();
    j["externalId"] = u.external_id;
    j["status"] = userStatusName(u.status);
    putSource(j, u.source);
    users.push(std::move(j));
  }
  o["users"] = std::move(users);
  return o;
}

// {"blocked":…,"blockedActions":n,"heldActions":n} plus rule, message, limit, proceed when set.
Json encodeVerdict(const Plan& plan) {
  Json o = Json::object();
  o["blocked"] = plan.verdict.blocked;
  putString(o, "rule", plan.verdict.rule);
  putString(o, "message", plan.verdict.message);
  putString(o, "limit", plan.verdict.limit);
  putString(o, "proceed", plan.verdict.proceed);
  o["blockedActions"] = plan.blockedCount();
  o["heldActions"] = plan.heldCount();
  return o;
}

Json encodeScheduled(const ScheduledItem& item) {
  Json o = Json::object();
  o["kind"] = scheduledKindName(item.kind);
  putString(o, "externalId", item.external_id);
  putString(o, "userName", item.user_name);
  putString(o, "due", item.due);
  o["message"] = item.message;
  putSource(o, item.source);
  return o;
}

// ---- decoding -------------------------------------------------------------------------------

std::string memberPath(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

// Reads members of one object, remembering the first problem with its path.
class Reader {
 public:
  explicit Reader(std::optional<Error>* error) : error_(error) {}

  void fail(const std::string& where, const std::string& what) {
    if (!*error_) *error_ = Error(ErrorCode::kCorrupt, "plan: " + where + ": " + what);
  }

  bool object(const Json& j, const std::string& where) {
    if (j.isObject()) return true;
    fail(where, "expected an object");
    return false;
  }

  std::string string(const Json& o, const char* key, const std::string& where) {
    const Json& v = o.get(key);
    if (v.isNull()) return "";
    if (!v.isString()) {
      fail(memberPath(where, key), "expected a string");
      return "";
    }
    return v.asString();
  }

  bool boolean(const Json& o, const char* key, const std::string& where) {
    const Json& v = o.get(key);
    if (v.isNull()) return false;
    if (!v.isBool()) {
      fail(memberPath(where, key), "expected true or false");
      return false;
    }
    return v.asBool();
  }

  double number(const Json& o, const char* key, const std::string& where) {
    const Json& v = o.get(key);
    if (v.isNull()) return 0;
    if (!v.isNumber()) {
      fail(memberPath(where, key), "expected a number");
      return 0;
    }
    return v.asNumber();
  }

  int integer(const Json& o, const char* key, const std::string& where) {
    const double d = number(o, key, where);
    if (d != std::floor(d) || std::fabs(d) > 2147483647.0) {
      fail(memberPath(where, key), "expected an integer");
      return 0;
    }
    return static_cast<int>(d);
  }

  // The array member `key` (empty when absent).
  const Json::Array& array(const Json& o, const char* key, const std::string& where) {
    static const Json::Array kEmpty;
    const Json& v = o.get(key);
    if (v.isNull()) return kEmpty;
    if (!v.isArray()) {
      fail(memberPath(where, key), "expected an array");
      return kEmpty;
    }
    return v.asArray();
  }

  SourcePos source(const Json& o, const std::string& where) {
    SourcePos pos;
    const Json& s = o.get("source");
    if (s.isNull() || !object(s, memberPath(where, "source"))) return pos;
    const std::string at = memberPath(where, "source");
    pos.file = string(s, "file", at);
    pos.line = integer(s, "line", at);
    pos.column = integer(s, "column", at);
    return pos;
  }

  std::vector<MemberRef> members(const Json& o, const char* key, const std::string& where) {
    std::vector<MemberRef> out;
    const Json::Array& list = array(o, key, where);
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string at = memberPath(where, key) + "[" + std::to_string(i) + "]";
      if (!object(list[i], at)) continue;
      out.push_back(MemberRef{string(list[i], "userId", at), string(list[i], "externalId", at),
                              string(list[i], "userName", at)});
    }
    return out;
  }

 private:
  std::optional<Error>* error_;
};

PlanInputs decodeInputs(Reader& r, const Json& o) {
  PlanInputs in;
  const Json::Array& files = r.array(o, "files", "inputs");
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string at = "inputs.files[" + std::to_string(i) + "]";
    if (r.object(files[i], at)) {
      in.files.push_back(DesiredFile{r.string(files[i], "path", at), r.string(files[i], "sha256", at)});
    }
  }
  in.settings = r.string(o, "settings", "inputs");
  in.policy = o.get("policy");
  if (!in.policy.isNull()) r.object(in.policy, "inputs.policy");
  const double users = r.number(o, "desiredUsers", "inputs");
  if (users < 0 || users != std::floor(users) || users > 1e15) {
    r.fail("inputs.desiredUsers", "expected a count");
  } else {
    in.desired_users = static_cast<int64_t>(users);
  }
  const Json::Array& list = r.array(o, "users", "inputs");
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = "inputs.users[" + std::to_string(i) + "]";
    if (!r.object(list[i], at)) continue;
    PlanInputUser u;
    u.external_id = r.string(list[i], "externalId", at);
    if (!userStatusFromName(r.string(list[i], "status", at), &u.status)) {
      r.fail(at + ".status", "expected active, suspended or terminated");
    }
    u.source = r.source(list[i], at);
    in.users.push_back(std::move(u));
  }
  return in;
}

Action decodeAction(Reader& r, const Json& o, const std::string& at) {
  Action a;
  const std::string kind = r.string(o, "kind", at);
  if (!actionKindFromName(kind, &a.kind))
    r.fail(at + ".kind", "unknown action kind \"" + kind + "\"");
  a.external_id = r.string(o, "externalId", at);
  a.user_name = r.string(o, "userName", at);
  a.user_id = r.string(o, "userId", at);
  a.version = r.string(o, "version", at);
  const Json::Array& ops = r.array(o, "ops", at);
  for (size_t i = 0; i < ops.size(); ++i) {
    const std::string op_at = at + ".ops[" + std::to_string(i) + "]";
    if (!r.object(ops[i], op_at)) continue;
    PatchOp op;
    op.op = r.string(ops[i], "op", op_at);
    if (op.op.empty()) r.fail(op_at + ".op", "expected a string");
    op.path = r.string(ops[i], "path", op_at);
    op.value = ops[i].get("value");
    a.ops.push_back(std::move(op));
  }
  a.body = o.get("body");
  a.manager_external_id = r.string(o, "managerExternalId", at);
  a.adopt = r.boolean(o, "adopt", at);
  a.check_deleted = r.boolean(o, "checkDeleted", at);
  a.blocked = r.boolean(o, "blocked", at);
  a.held = r.boolean(o, "held", at);
  a.group_id = r.string(o, "groupId", at);
  a.group_name = r.string(o, "groupName", at);
  a.group_version = r.string(o, "groupVersion", at);
  a.add_members = r.members(o, "addMembers", at);
  a.remove_members = r.members(o, "removeMembers", at);
  a.rule = r.string(o, "rule", at);
  a.source = r.source(o, at);
  const Json::Array& changes = r.array(o, "changes", at);
  for (size_t i = 0; i < changes.size(); ++i) {
    const std::string c_at = at + ".changes[" + std::to_string(i) + "]";
    if (!r.object(changes[i], c_at)) continue;
    a.changes.push_back(AttributeChange{r.string(changes[i], "attribute", c_at),
                                        changes[i].get("before"), changes[i].get("after")});
  }
  return a;
}

Notice decodeNotice(Reader& r, const Json& o, const std::string& at) {
  Notice n;
  const std::string kind = r.string(o, "kind", at);
  if (!noticeKindFromName(kind, &n.kind))
    r.fail(at + ".kind", "unknown notice kind \"" + kind + "\"");
  n.external_id = r.string(o, "externalId", at);
  n.user_name = r.string(o, "userName", at);
  n.message = r.string(o, "message", at);
  n.source = r.source(o, at);
  return n;
}

ScheduledItem decodeScheduled(Reader& r, const Json& o, const std::string& at) {
  ScheduledItem item;
  const std::string kind = r.string(o, "kind", at);
  if (!scheduledKindFromName(kind, &item.kind))
    r.fail(at + ".kind", "unknown scheduled kind \"" + kind + "\"");
  item.external_id = r.string(o, "externalId", at);
  item.user_name = r.string(o, "userName", at);
  item.due = r.string(o, "due", at);
  item.message = r.string(o, "message", at);
  item.source = r.source(o, at);
  return item;
}

}  // namespace

Json planToJson(const Plan& plan) {
  Json o = Json::object();
  o["formatVersion"] = plan.format_version;
  o["desiredDigest"] = plan.desired_digest;
  o["managedLiveUsers"] = plan.managed_live_users;
  if (!plan.grace_starts.empty()) {
    Json starts = Json::array();
    for (const std::string& id : plan.grace_starts) starts.push(Json(id));
    o["graceStarts"] = std::move(starts);
  }
  Json actions = Json::array();
  for (const Action& a : plan.actions) actions.push(encodeAction(a));
  o["actions"] = std::move(actions);
  Json notices = Json::array();
  for (const Notice& n : plan.notices) notices.push(encodeNotice(n));
  o["notices"] = std::move(notices);
  Json calls = Json::object();
  for (const auto& [call, n] : plan.cost.calls) calls[call] = n;
  o["cost"] = Json(Json::Object{{"calls", std::move(calls)},
                                {"totalCalls", plan.cost.total_calls},
                                {"minSeconds", plan.cost.min_seconds}});
  if (!plan.cost.deleted_lookup.empty()) o["cost"]["deletedLookup"] = plan.cost.deleted_lookup;
  if (plan.inputs) o["inputs"] = encodeInputs(*plan.inputs);
  o["verdict"] = encodeVerdict(plan);
  if (!plan.scheduled.empty()) {
    Json scheduled = Json::array();
    for (const ScheduledItem& item : plan.scheduled) scheduled.push(encodeScheduled(item));
    o["scheduled"] = std::move(scheduled);
  }
  return o;
}

Result<Plan> planFromJson(const Json& json) {
  if (!json.isObject()) return Error(ErrorCode::kCorrupt, "plan: expected a JSON object");
  const Json& version = json.get("formatVersion");
  if (!version.isNumber()) {
    return Error(ErrorCode::kCorrupt, "plan: formatVersion: missing or not a number");
  }
  if (version.asNumber() != kPlanFormatVersion) {
    return Error(ErrorCode::kInvalidInput, "plan: format version " +
                                               Json(version.asNumber()).dump() +
                                               " is not supported (this scim-agent reads version " +
                                               std::to_string(kPlanFormatVersion) + ")");
  }

  std::optional<Error> error;
  Reader r(&error);
  Plan plan;
  plan.format_version = kPlanFormatVersion;
  plan.desired_digest = r.string(json, "desiredDigest", "");
  plan.managed_live_users = r.integer(json, "managedLiveUsers", "");
  if (json.has("graceStarts")) {
    const Json::Array& starts = r.array(json, "graceStarts", "");
    for (size_t i = 0; i < starts.size(); ++i) {
      if (starts[i].isString()) {
        plan.grace_starts.push_back(starts[i].asString());
      } else {
        r.fail("graceStarts[" + std::to_string(i) + "]", "expected a string");
      }
    }
  }
  const Json::Array& actions = r.array(json, "actions", "");
  for (size_t i = 0; i < actions.size(); ++i) {
    const std::string at = "actions[" + std::to_string(i) + "]";
    if (r.object(actions[i], at)) plan.actions.push_back(decodeAction(r, actions[i], at));
  }
  const Json::Array& notices = r.array(json, "notices", "");
  for (size_t i = 0; i < notices.size(); ++i) {
    const std::string at = "notices[" + std::to_string(i) + "]";
    if (r.object(notices[i], at)) plan.notices.push_back(decodeNotice(r, notices[i], at));
  }
  const Json& cost = json.get("cost");
  if (!cost.isNull() && r.object(cost, "cost")) {
    const Json& calls = cost.get("calls");
    if (!calls.isNull() && r.object(calls, "cost.calls")) {
      for (const auto& [call, n] : calls.asObject()) {
        plan.cost.calls[call] = r.integer(calls, call.c_str(), "cost.calls");
      }
    }
    plan.cost.total_calls = r.integer(cost, "totalCalls", "cost");
    plan.cost.min_seconds = r.number(cost, "minSeconds", "cost");
    plan.cost.deleted_lookup = r.string(cost, "deletedLookup", "cost");
  }
  const Json& inputs = json.get("inputs");
  if (!inputs.isNull() && r.object(inputs, "inputs")) plan.inputs = decodeInputs(r, inputs);
  const Json& verdict = json.get("verdict");
  if (!verdict.isNull() && r.object(verdict, "verdict")) {
    plan.verdict.blocked = r.boolean(verdict, "blocked", "verdict");
    plan.verdict.rule = r.string(verdict, "rule", "verdict");
    plan.verdict.message = r.string(verdict, "message", "verdict");
    plan.verdict.limit = r.string(verdict, "limit", "verdict");
    plan.verdict.proceed = r.string(verdict, "proceed", "verdict");
  }
  const Json::Array& scheduled = r.array(json, "scheduled", "");
  for (size_t i = 0; i < scheduled.size(); ++i) {
    const std::string at = "scheduled[" + std::to_string(i) + "]";
    if (r.object(scheduled[i], at)) plan.scheduled.push_back(decodeScheduled(r, scheduled[i], at));
  }
  if (error) return *error;
  return plan;
}

}  // namespace scim_agent
