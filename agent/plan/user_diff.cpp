#include "agent/plan/user_diff.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "agent/plan/match.h"

namespace scim_agent {

namespace {

// Proficiencies are 0.0–5.0 with at most a decimal or two; anything closer is the same value
// read back through a different number format.
constexpr double kProficiencyTolerance = 1e-9;

Json stringOrNull(const std::string& s) { return s.empty() ? Json() : Json(s); }

// type → value, one per type (the first wins), empty values dropped.
std::map<std::string, std::string> phonesByType(const std::vector<PhoneNumber>& phones) {
  std::map<std::string, std::string> out;
  for (const PhoneNumber& p : phones) {
    if (!p.value.empty()) out.emplace(p.type, p.value);
  }
  return out;
}

Json phonesChangeValue(const std::map<std::string, std::string>& phones) {
  if (phones.empty()) return Json();
  Json out = Json::object();
  for (const auto& [type, value] : phones) out[type] = value;
  return out;
}

std::vector<std::string> sortedUnique(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

Json rolesChangeValue(const std::vector<std::string>& roles) {
  if (roles.empty()) return Json();
  Json out = Json::array();
  for (const std::string& r : roles) out.push(r);
  return out;
}

Json rolesValue(const std::vector<std::string>& roles) {
  Json out = Json::array();
  for (const std::string& r : roles) out.push(Json(Json::Object{{"value", r}}));
  return out;
}

std::vector<Proficiency> sortedByName(std::vector<Proficiency> list) {
  std::stable_sort(list.begin(), list.end(),
                   [](const Proficiency& a, const Proficiency& b) { return a.name < b.name; });
  return list;
}

bool sameProficiencies(const std::vector<Proficiency>& a, const std::vector<Proficiency>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name) return false;
    if (std::fabs(a[i].proficiency - b[i].proficiency) > kProficiencyTolerance) return false;
  }
  return true;
}

Json proficienciesChangeValue(const std::vector<Proficiency>& list) {
  if (list.empty()) return Json();
  Json out = Json::object();
  for (const Proficiency& p : list) out[p.name] = p.proficiency;
  return out;
}

Json proficienciesValue(const std::vector<Proficiency>& list) {
  Json out = Json::array();
  for (const Proficiency& p : list) {
    out.push(Json(Json::Object{{"name", p.name}, {"proficiency", p.proficiency}}));
  }
  return out;
}

class DiffBuilder {
 public:
  DiffBuilder(const DesiredUser& desired, const LiveUser& live, const DiffContext& context,
              AttributeDiff& out)
      : d_(desired), l_(live), ctx_(context), out_(out) {}

  void run(const ManagerTarget& manager) {
    const Policy& p = *ctx_.policy;
    if (p.manages(Attribute::kUserName) && lowerAscii(d_.user_name) != lowerAscii(l_.user_name)) {
      replace("userName", "userName", Json(l_.user_name), d_.user_name);
    }
    diffString(Attribute::kDisplayName, "displayName", d_.display_name, l_.display_name,
               "displayName");
    diffString(Attribute::kTitle, "title", d_.title, l_.title, "title");
    static const std::string email_value = "emails[type eq \"work\"].value";
    static const std::string email_entry = "emails[type eq \"work\"]";
    diffString(Attribute::kEmails, email_value, d_.work_email, l_.work_email, email_entry);
    diffPhones();
    diffRoles();
    static const std::string department = enterprisePath("department");
    static const std::string division = enterprisePath("division");
    static const std::string employee_number = enterprisePath("employeeNumber");
    static const std::string date_hire = enterprisePath("dateHire");
    diffString(Attribute::kDepartment, department, d_.department, l_.department, department);
    diffString(Attribute::kDivision, division, d_.division, l_.division, division);
    diffString(Attribute::kEmployeeNumber, employee_number, d_.employee_number, l_.employee_number,
               employee_number);
    diffString(Attribute::kDateHire, date_hire, d_.date_hire, l_.date_hire, date_hire);
    diffManager(manager);
    if (ctx_.genesys_extension) {
      diffProficiencies(Attribute::kRoutingSkills, d_.routing_skills, l_.routing_skills,
                        l_.routing_skills_known);
      diffProficiencies(Attribute::kRoutingLanguages, d_.routing_languages, l_.routing_languages,
                        l_.routing_languages_known);
    }
  }

 private:
  void replace(const std::string& attribute, const std::string& path, Json before, Json value,
               Json after_for_review) {
    out_.ops.push_back(PatchOp{"replace", path, std::move(value)});
    out_.changes.push_back(
        AttributeChange{attribute, std::move(before), std::move(after_for_review)});
  }
  void replace(const std::string& attribute, const std::string& path, Json before,
               const std::string& value) {
    replace(attribute, path, std::move(before), Json(value), Json(value));
  }
  void remove(const std::string& attribute, const std::string& path, Json before) {
    out_.ops.push_back(PatchOp{"remove", path, Json()});
    out_.changes.push_back(AttributeChange{attribute, std::move(before), Json()});
  }

  // nullopt: leave alone; "": remove; else replace when different.
  void diffString(Attribute a, const std::string& path, const std::optional<std::string>& desired,
                  const std::string& live, const std::string& remove_path) {
    if (!ctx_.policy->manages(a) || !desired || *desired == live) return;
    if (desired->empty()) {
      remove(attributeName(a), remove_path, Json(live));
    } else {
      replace(attributeName(a), path, stringOrNull(live), *desired);
    }
  }

  void diffPhones() {
    if (!ctx_.policy->manages(Attribute::kPhoneNumbers) || !d_.phone_numbers) return;
    if (*d_.phone_numbers == l_.phone_numbers) return;  // the common case, without copies
    const auto desired = phonesByType(*d_.phone_numbers);
    const auto live = phonesByType(l_.phone_numbers);
    if (desired == live) return;
    // One operation per changed type, in type order: replace new or changed values, remove
    // types the desired user no longer has.
    auto di = desired.begin();
    auto li = live.begin();
    while (di != desired.end() || li != live.end()) {
      if (li == live.end() || (di != desired.end() && di->first < li->first)) {
        out_.ops.push_back(PatchOp{"replace", phonePath(di->first) + ".value", Json(di->second)});
        ++di;
      } else if (di == desired.end() || li->first < di->first) {
        out_.ops.push_back(PatchOp{"remove", phonePath(li->first), Json()});
        ++li;
      } else {
        if (di->second != li->second) {
          out_.ops.push_back(PatchOp{"replace", phonePath(di->first) + ".value", Json(di->second)});
        }
        ++di;
        ++li;
      }
    }
    out_.changes.push_back(
        AttributeChange{"phoneNumbers", phonesChangeValue(live), phonesChangeValue(desired)});
  }

  void diffRoles() {
    // Roles projected out of the read (genesys-api.md §2.3) cannot be compared: leave them.
    if (!ctx_.policy->manages(Attribute::kRoles) || !d_.roles || !l_.roles_known) return;
    if (*d_.roles == l_.roles) return;  // both usually sorted already
    const auto desired = sortedUnique(*d_.roles);
    const auto live = sortedUnique(l_.roles);
    if (desired == live) return;
    if (desired.empty()) {
      remove("roles", "roles", rolesChangeValue(live));
    } else {
      replace("roles", "roles", rolesChangeValue(live), rolesValue(desired),
              rolesChangeValue(desired));
    }
  }

  void diffManager(const ManagerTarget& manager) {
    static const std::string path = enterprisePath("manager");
    if (manager.kind == ManagerTarget::Kind::kLeaveAlone) return;
    if (manager.kind == ManagerTarget::Kind::kLive && l_.manager_id == manager.live_id) return;
    if (manager.kind == ManagerTarget::Kind::kClear && l_.manager_id.empty()) return;
    const Json before =
        stringOrNull(ctx_.manager_label ? ctx_.manager_label(l_.manager_id) : l_.manager_id);
    switch (manager.kind) {
      case ManagerTarget::Kind::kLeaveAlone:
        return;
      case ManagerTarget::Kind::kClear:
        if (!l_.manager_id.empty()) remove("manager", path, before);
        return;
      case ManagerTarget::Kind::kLive:
        if (l_.manager_id != manager.live_id) {
          replace("manager", path, before, Json(Json::Object{{"value", manager.live_id}}),
                  Json(manager.external_id));
        }
        return;
      case ManagerTarget::Kind::kCreatedInPlan:
        out_.manager_external_id = manager.external_id;
        out_.changes.push_back(AttributeChange{"manager", before, Json(manager.external_id)});
        return;
    }
  }

  void diffProficiencies(Attribute a, const std::optional<std::vector<Proficiency>>& desired_list,
                         const std::vector<Proficiency>& live_list, bool known) {
    if (!ctx_.policy->manages(a) || !desired_list || !known) return;
    if (sameProficiencies(*desired_list, live_list)) return;  // both usually sorted already
    const auto desired = sortedByName(*desired_list);
    const auto live = sortedByName(live_list);
    if (sameProficiencies(desired, live)) return;
    const std::string name = attributeName(a);
    if (desired.empty()) {
      remove(name, genesysPath(name), proficienciesChangeValue(live));
    } else {
      replace(name, genesysPath(name), proficienciesChangeValue(live), proficienciesValue(desired),
              proficienciesChangeValue(desired));
    }
  }

  const DesiredUser& d_;
  const LiveUser& l_;
  const DiffContext& ctx_;
  AttributeDiff& out_;
};

}  // namespace

std::string enterprisePath(const std::string& attribute) {
  return std::string(kEnterpriseUserSchema) + ":" + attribute;
}

std::string genesysPath(const std::string& attribute) {
  return std::string(kGenesysUserSchema) + ":" + attribute;
}

std::string phonePath(const std::string& type) { return "phoneNumbers[type eq \"" + type + "\"]"; }

AttributeDiff diffAttributes(const DesiredUser& desired, const LiveUser& live,
                             const ManagerTarget& manager, const DiffContext& context) {
  AttributeDiff out;
  DiffBuilder(desired, live, context, out).run(manager);
  return out;
}

UserDocument buildUserDocument(const DesiredUser& d, const ManagerTarget& manager,
                               const DiffContext& context) {
  const Policy& p = *context.policy;
  UserDocument doc;
  Json& body = doc.body;
  Json enterprise = Json::object();
  Json genesys = Json::object();
  auto note = [&doc](const std::string& attribute, Json after) {
    doc.changes.push_back(AttributeChange{attribute, Json(), std::move(after)});
  };
  auto declared = [&p](Attribute a, const auto& value) {
    return p.manages(a) && value.has_value() && !value->empty();
  };

  body["externalId"] = d.external_id;
  body["userName"] = d.user_name;
  // Creates are planned for active users only; `active` is sent so the service does not guess.
  if (p.manages(Attribute::kActive)) body["active"] = true;
  if (declared(Attribute::kDisplayName, d.display_name)) {
    body["displayName"] = *d.display_name;
    note("displayName", *d.display_name);
  }
  if (declared(Attribute::kTitle, d.title)) {
    body["title"] = *d.title;
    note("title", *d.title);
  }
  if (declared(Attribute::kEmails, d.work_email)) {
    body["emails"] =
        Json(Json::Array{Json(Json::Object{{"type", "work"}, {"value", *d.work_email}})});
    note("emails", *d.work_email);
  }
  if (p.manages(Attribute::kPhoneNumbers) && d.phone_numbers) {
    const auto phones = phonesByType(*d.phone_numbers);
    if (!phones.empty()) {
      Json list = Json::array();
      for (const auto& [type, value] : phones) {
        list.push(Json(Json::Object{{"type", type}, {"value", value}}));
      }
      body["phoneNumbers"] = list;
      note("phoneNumbers", phonesChangeValue(phones));
    }
  }
  if (declared(Attribute::kRoles, d.roles)) {
    const auto roles = sortedUnique(*d.roles);
    body["roles"] = rolesValue(roles);
    note("roles", rolesChangeValue(roles));
  }
  const std::pair<Attribute, const std::optional<std::string>*> enterprise_strings[] = {
      {Attribute::kDepartment, &d.department},
      {Attribute::kDivision, &d.division},
      {Attribute::kEmployeeNumber, &d.employee_number},
      {Attribute::kDateHire, &d.date_hire},
  };
  for (const auto& [attribute, value] : enterprise_strings) {
    if (declared(attribute, *value)) {
      enterprise[attributeName(attribute)] = **value;
      note(attributeName(attribute), **value);
    }
  }
  if (p.manages(Attribute::kManager)) {
    if (manager.kind == ManagerTarget::Kind::kLive) {
      enterprise["manager"] = Json(Json::Object{{"value", manager.live_id}});
      note("manager", manager.external_id);
    } else if (manager.kind == ManagerTarget::Kind::kCreatedInPlan) {
      doc.manager_external_id = manager.external_id;
      note("manager", manager.external_id);
    }
  }
  if (context.genesys_extension) {
    const std::pair<Attribute, const std::optional<std::vector<Proficiency>>*> lists[] = {
        {Attribute::kRoutingSkills, &d.routing_skills},
        {Attribute::kRoutingLanguages, &d.routing_languages},
    };
    for (const auto& [attribute, value] : lists) {
      if (declared(attribute, *value)) {
        const auto sorted = sortedByName(**value);
        genesys[attributeName(attribute)] = proficienciesValue(sorted);
        note(attributeName(attribute), proficienciesChangeValue(sorted));
      }
    }
  }

  Json schemas = Json::array();
  schemas.push(kCoreUserSchema);
  if (!enterprise.asObject().empty()) {
    schemas.push(kEnterpriseUserSchema);
    body[kEnterpriseUserSchema] = std::move(enterprise);
  }
  if (!genesys.asObject().empty()) {
    schemas.push(kGenesysUserSchema);
    body[kGenesysUserSchema] = std::move(genesys);
  }
  body["schemas"] = std::move(schemas);
  return doc;
}

std::optional<Json> reviewValue(const LiveUser& live, Attribute attribute) {
  switch (attribute) {
    case Attribute::kUserName:
      return stringOrNull(live.user_name);
    case Attribute::kDisplayName:
      return stringOrNull(live.display_name);
    case Attribute::kTitle:
      return stringOrNull(live.title);
    case Attribute::kEmails:
      return stringOrNull(live.work_email);
    case Attribute::kPhoneNumbers:
      return phonesChangeValue(phonesByType(live.phone_numbers));
    case Attribute::kDepartment:
      return stringOrNull(live.department);
    case Attribute::kDivision:
      return stringOrNull(live.division);
    case Attribute::kEmployeeNumber:
      return stringOrNull(live.employee_number);
    case Attribute::kDateHire:
      return stringOrNull(live.date_hire);
    case Attribute::kManager:
      return stringOrNull(live.manager_id);
    case Attribute::kGroups:
      return rolesChangeValue(sortedUnique(live.group_ids));
    case Attribute::kRoles:
      if (!live.roles_known) return std::nullopt;
      return rolesChangeValue(sortedUnique(live.roles));
    case Attribute::kRoutingSkills:
      if (!live.routing_skills_known) return std::nullopt;
      return proficienciesChangeValue(sortedByName(live.routing_skills));
    case Attribute::kRoutingLanguages:
      if (!live.routing_languages_known) return std::nullopt;
      return proficienciesChangeValue(sortedByName(live.routing_languages));
    case Attribute::kActive:
      return Json(live.active);
  }
  return std::nullopt;
}

namespace {

// Proficiency maps ({name: number}) equal within rounding; anything else exactly.
bool sameReviewValue(const Json& a, const Json& b) {
  if (a.isObject() && b.isObject() && a.asObject().size() == b.asObject().size()) {
    for (const auto& [key, value] : a.asObject()) {
      if (!b.has(key)) return false;
      const Json* other = &b.get(key);
      if (value.isNumber() && other->isNumber()) {
        if (std::fabs(value.asNumber() - other->asNumber()) > kProficiencyTolerance) return false;
      } else if (!(value == *other)) {
        return false;
      }
    }
    return true;
  }
  return a == b;
}

}  // namespace

std::vector<AttributeMismatch> answerMismatches(const Action& action,
                                                const std::vector<PatchOp>& sent,
                                                const LiveUser& answer) {
  std::vector<AttributeMismatch> out;
  static const std::string manager_path = enterprisePath("manager");
  for (const AttributeChange& change : action.changes) {
    const std::optional<Attribute> attribute = attributeFromName(change.attribute);
    if (!attribute || *attribute == Attribute::kGroups) continue;  // groups: their own PATCH
    const std::optional<Json> actual = reviewValue(answer, *attribute);
    if (!actual) continue;
    Json expected = change.after;
    if (*attribute == Attribute::kManager) {
      // The plan names the manager by externalId; the write sent its id.
      const auto op = std::find_if(sent.begin(), sent.end(),
                                   [](const PatchOp& o) { return o.path == manager_path; });
      if (op != sent.end()) {
        expected = op->op == "remove" ? Json() : op->value.get("value");
      } else if (action.kind == ActionKind::kCreate && action.body.isObject()) {
        const Json& id = action.body.get(kEnterpriseUserSchema).get("manager").get("value");
        if (id.isNull()) continue;  // created in this plan: set by a later write
        expected = id;
      } else {
        continue;
      }
    }
    if (*attribute == Attribute::kUserName && expected.isString() && actual->isString() &&
        lowerAscii(expected.asString()) == lowerAscii(actual->asString())) {
      continue;
    }
    if (sameReviewValue(expected, *actual)) continue;
    out.push_back(AttributeMismatch{change.attribute, std::move(expected), *actual});
  }
  return out;
}

}  // namespace scim_agent
