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
