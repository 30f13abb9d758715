#include "agent/scim/user_codec.h"

#include <algorithm>

#include "agent/base/text.h"

namespace scim_agent {

namespace {

// True when `excluded` projects out the attribute `name` of schema `schema`: its short name,
// "<schema>:<name>", or the whole schema (an extension URN).
bool projectedOut(const std::vector<std::string>& excluded, const std::string& schema,
                  const std::string& name) {
  const std::string qualified = schema + ":" + name;
  for (const std::string& e : excluded) {
    if (equalsIgnoreCase(e, name) || equalsIgnoreCase(e, qualified) ||
        (schema != kScimUserSchema && equalsIgnoreCase(e, schema))) {
      return true;
    }
  }
  return false;
}

// A member that may be a string or a {"value": …} object.
std::string valueOf(const Json& v) {
  if (v.isString()) return v.asString();
  if (v.isObject()) return v.getString("value");
  return "";
}

double numberOf(const Json& v) {
  if (v.isNumber()) return v.asNumber();
  if (v.isString()) return proficiencyFromText(v.asString());
  return 0;
}

bool byName(const Proficiency& a, const Proficiency& b) {
  return a.name != b.name ? a.name < b.name : a.proficiency < b.proficiency;
}

bool byType(const PhoneNumber& a, const PhoneNumber& b) {
  return a.type != b.type ? a.type < b.type : a.value < b.value;
}

// Read in page order; finishLiveUser sorts.
std::vector<Proficiency> proficiencies(const Json& list) {
  std::vector<Proficiency> out;
  if (!list.isArray()) return out;
  for (const Json& item : list.asArray()) {
    if (!item.isObject() || item.getString("name").empty()) continue;
    out.push_back({item.getString("name"), numberOf(item.get("proficiency"))});
  }
  return out;
}

// Read in page order; finishLiveUser sorts.
std::vector<std::string> valuesOf(const Json& list) {
  std::vector<std::string> out;
  if (!list.isArray()) return out;
  for (const Json& item : list.asArray()) {
    std::string v = valueOf(item);
    if (!v.empty()) out.push_back(std::move(v));
  }
  return out;
}

// "2024-03-01T00:00:00.000Z" → "2024-03-01" (Genesys returns the date part; be lenient).
std::string datePart(std::string s) {
  if (s.size() > 10 && (s[10] == 'T' || s[10] == 't' || s[10] == ' ')) s.resize(10);
  return s;
}

Json stringArray(const std::vector<std::string>& values) {
  Json out = Json::array();
  for (const auto& v : values) out.push(v);
  return out;
}

Json proficiencyArray(const std::vector<Proficiency>& values) {
  Json out = Json::array();
  for (const auto& p : values) {
    Json item = Json::object();
    item["name"] = p.name;
    item["proficiency"] = p.proficiency;
    out.push(std::move(item));
  }
  return out;
}

}  // namespace

LiveUserKnown knownAttributes(const std::vector<std::string>& excluded_attributes) {
  LiveUserKnown known;
  known.roles = !projectedOut(excluded_attributes, kScimUserSchema, "roles");
  known.routing_skills = !projectedOut(excluded_attributes, kGenesysUserSchema, "routingSkills");
  known.routing_languages =
      !projectedOut(excluded_attributes, kGenesysUserSchema, "routingLanguages");
  return known;
}

Status finishLiveUser(LiveUser& user, const LiveUserKnown& known) {
  if (user.id.empty() || user.user_name.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 "malformed SCIM user" + (user.id.empty() ? std::string() : " " + user.id) +
                     ": missing " + (user.id.empty() ? "id" : "userName"));
  }
  std::sort(user.phone_numbers.begin(), user.phone_numbers.end(), byType);
  std::sort(user.roles.begin(), user.roles.end());
  std::sort(user.group_ids.begin(), user.group_ids.end());
  std::sort(user.routing_skills.begin(), user.routing_skills.end(), byName);
  std::sort(user.routing_languages.begin(), user.routing_languages.end(), byName);
  user.date_hire = datePart(std::move(user.date_hire));
  user.roles_known = known.roles;
  user.routing_skills_known = known.routing_skills;
  user.routing_languages_known = known.routing_languages;
  return Status::success();
}

double proficiencyFromText(const std::string& text) {
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return 0;
  }
}

Result<LiveUser> liveUserFromScim(const Json& resource,
                                  const std::vector<std::string>& excluded_attributes) {
  if (!resource.isObject()) {
    return Error(ErrorCode::kInvalidInput, "malformed SCIM user: not a JSON object");
  }
  LiveUser user;
  user.id = resource.getString("id");
  user.user_name = resource.getString("userName");
  user.version = resource.get("meta").getString("version");
  user.active = resource.getBool("active", true);
  user.display_name = resource.getString("displayName");
  user.title = resource.getString("title");

  const Json& genesys = resource.get(kGenesysUserSchema);
  user.external_id = resource.getString("externalId");
  if (user.external_id.empty() && genesys.get("externalIds").isArray()) {
    for (const Json& entry : genesys.get("externalIds").asArray()) {
      if (entry.getString("authority").rfind(kScimExternalIdAuthority, 0) == 0) {
        user.external_id = entry.getString("value");
        break;
      }
    }
  }

  if (resource.get("emails").isArray()) {
    for (const Json& email : resource.get("emails").asArray()) {
      if (equalsIgnoreCase(email.getString("type"), "work")) {
        user.work_email = email.getString("value");
        break;
      }
    }
  }
  if (resource.get("phoneNumbers").isArray()) {
    for (const Json& phone : resource.get("phoneNumbers").asArray()) {
      if (phone.getString("value").empty()) continue;
      user.phone_numbers.push_back({phone.getString("value"), phone.getString("type")});
    }
  }
  user.roles = valuesOf(resource.get("roles"));
  user.group_ids = valuesOf(resource.get("groups"));

  const Json& enterprise = resource.get(kEnterpriseUserSchema);
  user.department = enterprise.getString("department");
  user.division = enterprise.getString("division");
  user.employee_number = enterprise.getString("employeeNumber");
  user.date_hire = enterprise.getString("dateHire");
  user.manager_id = valueOf(enterprise.get("manager"));

  user.routing_skills = proficiencies(genesys.get("routingSkills"));
  user.routing_languages = proficiencies(genesys.get("routingLanguages"));

  Status finished = finishLiveUser(user, knownAttributes(excluded_attributes));
  if (!finished.ok()) return finished.error();
  return user;
}

Group groupFromScim(const Json& resource) {
  Group group;
  group.id = resource.getString("id");
  group.display_name = resource.getString("displayName");
  group.version = resource.get("meta").getString("version");
  return group;
}

Json liveUserToCanonicalJson(const LiveUser& user) {
  Json out = Json::object();
  out["id"] = user.id;
  out["version"] = user.version;
  out["externalId"] = user.external_id;
  out["userName"] = user.user_name;
  out["active"] = user.active;
  out["displayName"] = user.display_name;
  out["title"] = user.title;
  out["workEmail"] = user.work_email;
  Json phones = Json::array();
  for (const PhoneNumber& p : user.phone_numbers) {
    Json item = Json::object();
    item["type"] = p.type;
    item["value"] = p.value;
    phones.push(std::move(item));
  }
  out["phoneNumbers"] = std::move(phones);
  out["department"] = user.department;
  out["division"] = user.division;
  out["employeeNumber"] = user.employee_number;
  out["dateHire"] = user.date_hire;
  out["managerId"] = user.manager_id;
  out["groupIds"] = stringArray(user.group_ids);
  out["roles"] = stringArray(user.roles);
  out["routingSkills"] = proficiencyArray(user.routing_skills);
  out["routingLanguages"] = proficiencyArray(user.routing_languages);
  out["rolesKnown"] = user.roles_known;
  out["routingSkillsKnown"] = user.routing_skills_known;
  out["routingLanguagesKnown"] = user.routing_languages_known;
  return out;
}

Json patchRequestBody(const std::vector<PatchOp>& ops) {
  Json body = Json::object();
  body["schemas"] = stringArray({kPatchOpSchema});
  Json operations = Json::array();
  for (const PatchOp& op : ops) {
    Json item = Json::object();
    item["op"] = op.op;
    if (!op.path.empty()) item["path"] = op.path;
    if (!op.value.isNull()) item["value"] = op.value;
    operations.push(std::move(item));
  }
  body["Operations"] = std::move(operations);
  return body;
}

Json groupMembersPatchBody(const std::vector<std::string>& add_ids,
                           const std::vector<std::string>& remove_ids) {
  auto members = [](const std::vector<std::string>& ids) {
    Json list = Json::array();
    for (const auto& id : ids) {
      Json ref = Json::object();
      ref["value"] = id;
      list.push(std::move(ref));
    }
    return list;
  };
  std::vector<PatchOp> ops;
  if (!add_ids.empty()) ops.push_back({"add", "members", members(add_ids)});
  if (!remove_ids.empty()) ops.push_back({"remove", "members", members(remove_ids)});
  return patchRequestBody(ops);
}

}  // namespace scim_agent
