#include "agent/desired/desired_json.h"

#include <algorithm>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

namespace scim_agent {

namespace {

Json stringList(const std::vector<std::string>& values) {
  Json out = Json::array();
  for (const std::string& v : values) out.push(v);
  return out;
}

Json proficiencyList(const std::vector<Proficiency>& values) {
  Json out = Json::array();
  for (const Proficiency& p : values) {
    Json item = Json::object();
    item["name"] = p.name;
    item["proficiency"] = p.proficiency;
    out.push(std::move(item));
  }
  return out;
}

void putOptional(Json& out, const char* key, const std::optional<std::string>& value) {
  if (value) out[key] = *value;
}

}  // namespace

Json desiredUserJson(const DesiredUser& user) {
  Json out = Json::object();
  out["externalId"] = user.external_id;
  out["userName"] = user.user_name;
  putOptional(out, "displayName", user.display_name);
  putOptional(out, "title", user.title);
  putOptional(out, "workEmail", user.work_email);
  if (user.phone_numbers) {
    Json phones = Json::array();
    for (const PhoneNumber& p : *user.phone_numbers) {
      Json item = Json::object();
      item["type"] = p.type;
      item["value"] = p.value;
      phones.push(std::move(item));
    }
    out["phoneNumbers"] = std::move(phones);
  }
  putOptional(out, "department", user.department);
  putOptional(out, "division", user.division);
  putOptional(out, "employeeNumber", user.employee_number);
  putOptional(out, "dateHire", user.date_hire);
  putOptional(out, "manager", user.manager);
  if (user.groups) out["groups"] = stringList(*user.groups);
  if (user.roles) out["roles"] = stringList(*user.roles);
  if (user.routing_skills) out["routingSkills"] = proficiencyList(*user.routing_skills);
  if (user.routing_languages) out["routingLanguages"] = proficiencyList(*user.routing_languages);
  out["status"] = userStatusName(user.status);
  return out;
}

Json policyJson(const Policy& policy) {
  Json out = Json::object();
  out["scope"]["externalIdPattern"] = policy.scope_external_id_pattern;
  out["unmanaged"] = unmanagedPolicyName(policy.unmanaged);
  out["onRemoval"] = removalPolicyName(policy.on_removal);
  out["deleteAfterDays"] = policy.delete_after_days;
  out["archiveDays"] = policy.archive_days;
  Json rules = Json::array();
  for (const ProtectedRule& rule : policy.protected_users) {
    Json item = Json::object();
    if (!rule.user_name.empty()) item["userName"] = rule.user_name;
    if (!rule.external_id.empty()) item["externalId"] = rule.external_id;
    rules.push(std::move(item));
  }
  out["protected"] = std::move(rules);
  Json managed = Json::array();
  for (Attribute a : policy.managed_attributes) managed.push(attributeName(a));
  out["managedAttributes"] = std::move(managed);
  out["maxDestructive"]["count"] = policy.max_destructive_count;
  out["maxDestructive"]["percent"] = policy.max_destructive_percent;
  Json roles = Json::object();
  for (const auto& [department, names] : policy.roles_by_department) {
    roles[department] = stringList(names);
  }
  out["roles"] = std::move(roles);
  out["maxSourceShrinkPercent"] = policy.max_source_shrink_percent;
  out["maxRejectedRecords"] = policy.max_rejected_records;
  out["maxRejectedIsPercent"] = policy.max_rejected_is_percent;
  out["restoreDeleted"] = policy.restore_deleted;
  return out;
}

namespace {

// Reads policyJson's keys back, the first problem kept with its key.
class PolicyReader {
 public:
  const Json& at(const Json& o, const char* key, bool (Json::*is)() const, const char* what) {
    static const Json kNull;
    const Json& v = o.isObject() ? o.get(key) : kNull;
    if (!(v.*is)()) {
      fail(std::string(key) + ": expected " + what);
      return kNull;
    }
    return v;
  }
  std::string string(const Json& o, const char* key) {
    const Json& v = at(o, key, &Json::isString, "a string");
    return v.isString() ? v.asString() : "";
  }
  double number(const Json& o, const char* key) {
    const Json& v = at(o, key, &Json::isNumber, "a number");
    return v.isNumber() ? v.asNumber() : 0;
  }
  int integer(const Json& o, const char* key) {
    const double d = number(o, key);
    if (d != static_cast<double>(static_cast<int>(d))) fail(std::string(key) + ": expected an integer");
    return static_cast<int>(d);
  }
  bool boolean(const Json& o, const char* key) {
    const Json& v = at(o, key, &Json::isBool, "true or false");
    return v.isBool() && v.asBool();
  }
  std::vector<std::string> strings(const Json& list, const std::string& key) {
    std::vector<std::string> out;
    if (!list.isArray()) {
      fail(key + ": expected a list");
      return out;
    }
    for (const Json& v : list.asArray()) {
      if (v.isString()) {
        out.push_back(v.asString());
      } else {
        fail(key + ": expected strings");
      }
    }
    return out;
  }
  void fail(const std::string& what) {
    if (!error_) error_ = "policy." + what;
  }
  const std::optional<std::string>& error() const { return error_; }

 private:
  std::optional<std::string> error_;
};

template <typename Enum, size_t N>
Enum enumFromName(PolicyReader& r, const std::string& name, const char* key,
                  const Enum (&values)[N], const char* (*name_of)(Enum)) {
  for (Enum e : values) {
    if (name == name_of(e)) return e;
  }
  r.fail(std::string(key) + ": unknown value \"" + name + "\"");
  return values[0];
}

}  // namespace

Result<Policy> policyFromJson(const Json& json) {
  if (!json.isObject()) return Error(ErrorCode::kCorrupt, "policy: expected an object");
  PolicyReader r;
  Policy p;
  p.scope_external_id_pattern =
      r.string(r.at(json, "scope", &Json::isObject, "an object"), "externalIdPattern");
  static constexpr UnmanagedPolicy kUnmanaged[] = {UnmanagedPolicy::kIgnore, UnmanagedPolicy::kReport,
                                                   UnmanagedPolicy::kSuspend};
  p.unmanaged = enumFromName(r, r.string(json, "unmanaged"), "unmanaged", kUnmanaged,
                             &unmanagedPolicyName);
  static constexpr RemovalPolicy kRemoval[] = {RemovalPolicy::kSuspend, RemovalPolicy::kDelete};
  p.on_removal = enumFromName(r, r.string(json, "onRemoval"), "onRemoval", kRemoval,
                              &removalPolicyName);
  p.delete_after_days = r.integer(json, "deleteAfterDays");
  p.archive_days = r.integer(json, "archiveDays");
  const Json& rules = r.at(json, "protected", &Json::isArray, "a list");
  if (rules.isArray()) {
    for (const Json& rule : rules.asArray()) {
      ProtectedRule out;
      const Json& name = rule.isObject() ? rule.get("userName") : Json();
      const Json& id = rule.isObject() ? rule.get("externalId") : Json();
      if (!rule.isObject() || (!name.isNull() && !name.isString()) ||
          (!id.isNull() && !id.isString()) || (name.isNull() && id.isNull())) {
        r.fail("protected: expected {userName, externalId} objects");
        continue;
      }
      if (name.isString()) out.user_name = name.asString();
      if (id.isString()) out.external_id = id.asString();
      p.protected_users.push_back(std::move(out));
    }
  }
  p.managed_attributes.clear();
  for (const std::string& name : r.strings(json.get("managedAttributes"), "managedAttributes")) {
    if (auto a = attributeFromName(name)) {
      p.managed_attributes.push_back(*a);
    } else {
      r.fail("managedAttributes: unknown attribute \"" + name + "\"");
    }
  }
  const Json& destructive = r.at(json, "maxDestructive", &Json::isObject, "an object");
  p.max_destructive_count = r.integer(destructive, "count");
  p.max_destructive_percent = r.number(destructive, "percent");
  const Json& roles = r.at(json, "roles", &Json::isObject, "an object");
  if (roles.isObject()) {
    for (const auto& [department, names] : roles.asObject()) {
      p.roles_by_department[department] = r.strings(names, "roles." + department);
    }
  }
  p.max_source_shrink_percent = r.number(json, "maxSourceShrinkPercent");
  p.max_rejected_records = r.number(json, "maxRejectedRecords");
  p.max_rejected_is_percent = r.boolean(json, "maxRejectedIsPercent");
  p.restore_deleted = r.boolean(json, "restoreDeleted");
  if (r.error()) return Error(ErrorCode::kCorrupt, *r.error());
  return p;
}

std::string desiredDigest(
    const std::vector<DesiredUser>& users, const Policy& policy,
    const std::map<std::string, std::vector<std::string>>& groups_by_department) {
  std::vector<const DesiredUser*> sorted;
  sorted.reserve(users.size());
  for (const DesiredUser& u : users) sorted.push_back(&u);
  std::stable_sort(sorted.begin(), sorted.end(), [](const DesiredUser* a, const DesiredUser* b) {
    return a->external_id < b->external_id;
  });
  Json groups = Json::object();
  for (const auto& [department, names] : groups_by_department) {
    groups[department] = stringList(names);
  }
  // The hash of Json{"groupsByDepartment", "policy", "users": [...]}.dump(), fed one user at a
  // time: the same bytes (keys in Json's sorted order, no spaces), so digests of plans saved
  // before still match, without a Json tree and a text of every user at once (about 1.5 KiB a
  // user for 100,000 users). desired_json_test checks the two agree.
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  const auto put = [&engine](const std::string& text) {
    engine.update(text.data(), static_cast<unsigned>(text.size()));
  };
  put("{\"groupsByDepartment\":");
  put(groups.dump());
  put(",\"policy\":");
  put(policyJson(policy).dump());
  put(",\"users\":[");
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) put(",");
    put(desiredUserJson(*sorted[i]).dump());
  }
  put("]}");
  return Poco::DigestEngine::digestToHex(engine.digest());
}

}  // namespace scim_agent
