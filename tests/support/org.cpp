#include "tests/support/org.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace scim_agent::testing {

std::string employeeId(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "EMP-%04d", n);
  return buf;
}

std::string employeeMail(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "user%04d@corp.example", n);
  return buf;
}

std::string desiredYaml(const std::vector<Person>& people, const DesiredOptions& options) {
  std::ostringstream y;
  y << "apiVersion: scim-agent/v1\n"
    << "policy:\n  scope: { externalIdPattern: \"^EMP-\" }\n"
    << "  maxDestructive: { count: " << options.max_destructive << ", percent: 100 }\n"
    << options.policy << "users:\n";
  for (const Person& p : people) {
    if (p.status.empty()) continue;
    y << "  - externalId: " << p.external_id << "\n    userName: " << p.user_name
      << "\n    displayName: " << (p.display_name.empty() ? p.external_id : p.display_name)
      << "\n    status: " << p.status << "\n";
    if (!p.title.empty()) y << "    title: " << p.title << "\n";
    if (!p.groups.empty()) {
      y << "    groups: [";
      for (size_t i = 0; i < p.groups.size(); ++i) y << (i ? ", " : "") << p.groups[i];
      y << "]\n";
    }
  }
  return y.str();
}

Json seedOrg(const std::vector<Person>& people, const SeedOptions& options) {
  Json seed = options.base.isObject() ? options.base : Json::object();
  Json users = Json::array();
  std::vector<std::string> group_names = options.groups;
  for (const Person& p : people) {
    Json u = Json::object();
    u["externalId"] = p.external_id;
    u["userName"] = p.user_name;
    u["displayName"] = p.display_name.empty() ? p.external_id : p.display_name;
    if (!p.title.empty()) u["title"] = p.title;
    if (!options.roles.empty()) {
      Json grants = Json::array();
      for (const std::string& role : options.roles) grants.push(Json(Json::Object{{"role", role}}));
      u["grants"] = grants;
    }
    users.push(u);
    for (const std::string& g : p.groups) {
      if (std::find(group_names.begin(), group_names.end(), g) == group_names.end()) {
        group_names.push_back(g);
      }
    }
  }
  if (!options.roles.empty()) {
    Json roles = Json::array();
    for (const std::string& role : options.roles) roles.push(Json(role));
    seed["roles"] = roles;
  }
  seed["users"] = users;
  if (!group_names.empty()) {
    Json groups = Json::array();
    for (const std::string& name : group_names) {
      Json members = Json::array();
      for (const Person& p : people) {
        if (std::find(p.groups.begin(), p.groups.end(), name) != p.groups.end()) {
          members.push(p.user_name);
        }
      }
      groups.push(Json(Json::Object{{"displayName", name}, {"members", members}}));
    }
    seed["groups"] = groups;
  }
  return seed;
}

bool inGroup(const Json& user, const std::string& group) {
  if (!user.get("groups").isArray()) return false;
  for (const auto& g : user.get("groups").asArray()) {
    if (g.getString("display") == group) return true;
  }
  return false;
}

}  // namespace scim_agent::testing
