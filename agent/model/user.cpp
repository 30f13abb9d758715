#include "agent/model/user.h"

namespace scim_agent {

namespace {
struct AttributeNameEntry {
  Attribute attribute;
  const char* name;
};
constexpr AttributeNameEntry kAttributeNames[] = {
    {Attribute::kUserName, "userName"},
    {Attribute::kDisplayName, "displayName"},
    {Attribute::kTitle, "title"},
    {Attribute::kEmails, "emails"},
    {Attribute::kPhoneNumbers, "phoneNumbers"},
    {Attribute::kDepartment, "department"},
    {Attribute::kDivision, "division"},
    {Attribute::kEmployeeNumber, "employeeNumber"},
    {Attribute::kDateHire, "dateHire"},
    {Attribute::kManager, "manager"},
    {Attribute::kGroups, "groups"},
    {Attribute::kRoles, "roles"},
    {Attribute::kRoutingSkills, "routingSkills"},
    {Attribute::kRoutingLanguages, "routingLanguages"},
    {Attribute::kActive, "active"},
};
}  // namespace

const char* attributeName(Attribute a) {
  for (const auto& e : kAttributeNames) {
    if (e.attribute == a) return e.name;
  }
  return "?";
}

std::optional<Attribute> attributeFromName(const std::string& name) {
  for (const auto& e : kAttributeNames) {
    if (name == e.name) return e.attribute;
  }
  return std::nullopt;
}

const std::vector<Attribute>& allAttributes() {
  static const std::vector<Attribute> all = [] {
    std::vector<Attribute> v;
    for (const auto& e : kAttributeNames) v.push_back(e.attribute);
    return v;
  }();
  return all;
}

std::vector<Attribute> defaultManagedAttributes() {
  std::vector<Attribute> v;
  for (Attribute a : allAttributes()) {
    if (a != Attribute::kUserName) v.push_back(a);
  }
  return v;
}

const char* userStatusName(UserStatus s) {
  switch (s) {
    case UserStatus::kActive: return "active";
    case UserStatus::kSuspended: return "suspended";
    case UserStatus::kTerminated: return "terminated";
  }
  return "?";
}

bool userStatusFromName(const std::string& name, UserStatus* out) {
  for (UserStatus s : {UserStatus::kActive, UserStatus::kSuspended, UserStatus::kTerminated}) {
    if (name == userStatusName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

}  // namespace scim_agent
