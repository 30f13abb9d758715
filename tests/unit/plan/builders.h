#pragma once

// Small builders for planner tests: aDesiredUser("EMP-7").title("Lead"),
// aLiveUser("EMP-7").id("u7").title("Agent"). Defaults: userName "<externalid>@corp.example"
// (lower-cased), live id "id-<externalId>", live version "\"1\"", active, nothing else declared.

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "agent/model/plan.h"
#include "agent/model/policy.h"
#include "agent/model/user.h"
#include "agent/plan/match.h"
#include "agent/plan/planner.h"

namespace scim_agent {
// Readable gtest failure output for the model types.
inline void PrintTo(const PatchOp& op, std::ostream* os) {
  *os << "{" << op.op << " " << op.path;
  if (!op.value.isNull()) *os << " " << op.value.dump();
  *os << "}";
}
inline void PrintTo(const Json& j, std::ostream* os) { *os << j.dump(); }
inline void PrintTo(const AttributeChange& c, std::ostream* os) {
  *os << "{" << c.attribute << ": " << c.before.dump() << " -> " << c.after.dump() << "}";
}
inline void PrintTo(const MemberRef& m, std::ostream* os) {
  *os << "{" << m.user_id << " " << m.external_id << " " << m.user_name << "}";
}
inline void PrintTo(const Notice& n, std::ostream* os) {
  *os << "{" << noticeKindName(n.kind) << " " << n.external_id << " " << n.message << "}";
}
}  // namespace scim_agent

namespace scim_agent::testing {

inline std::string defaultUserName(const std::string& external_id) {
  return lowerAscii(external_id) + "@corp.example";
}

class DesiredUserBuilder {
 public:
  explicit DesiredUserBuilder(const std::string& external_id) {
    u_.external_id = external_id;
    u_.user_name = defaultUserName(external_id);
    u_.source = SourcePos{"users.yaml", 1, 5};
  }
  DesiredUserBuilder& userName(std::string v) {
    u_.user_name = std::move(v);
    return *this;
  }
  DesiredUserBuilder& displayName(std::string v) {
    u_.display_name = std::move(v);
    return *this;
  }
  DesiredUserBuilder& title(std::string v) {
    u_.title = std::move(v);
    return *this;
  }
  DesiredUserBuilder& workEmail(std::string v) {
    u_.work_email = std::move(v);
    return *this;
  }
  DesiredUserBuilder& phones(std::vector<PhoneNumber> v) {
    u_.phone_numbers = std::move(v);
    return *this;
  }
  DesiredUserBuilder& department(std::string v) {
    u_.department = std::move(v);
    return *this;
  }
  DesiredUserBuilder& division(std::string v) {
    u_.division = std::move(v);
    return *this;
  }
  DesiredUserBuilder& employeeNumber(std::string v) {
    u_.employee_number = std::move(v);
    return *this;
  }
  DesiredUserBuilder& dateHire(std::string v) {
    u_.date_hire = std::move(v);
    return *this;
  }
  DesiredUserBuilder& manager(std::string v) {
    u_.manager = std::move(v);
    return *this;
  }
  DesiredUserBuilder& groups(std::vector<std::string> v) {
    u_.groups = std::move(v);
    return *this;
  }
  DesiredUserBuilder& roles(std::vector<std::string> v) {
    u_.roles = std::move(v);
    return *this;
  }
  DesiredUserBuilder& skills(std::vector<Proficiency> v) {
    u_.routing_skills = std::move(v);
    return *this;
  }
  DesiredUserBuilder& languages(std::vector<Proficiency> v) {
    u_.routing_languages = std::move(v);
    return *this;
  }
  DesiredUserBuilder& status(UserStatus v) {
    u_.status = v;
    return *this;
  }
  DesiredUserBuilder& at(int line) {
    u_.source.line = line;
    return *this;
  }
  DesiredUserBuilder& source(SourcePos v) {
    u_.source = std::move(v);
    return *this;
  }

  const DesiredUser& build() const { return u_; }
  operator DesiredUser() const { return u_; }  // NOLINT(google-explicit-constructor)

 private:
  DesiredUser u_;
};

class LiveUserBuilder {
 public:
  explicit LiveUserBuilder(const std::string& external_id) {
    u_.id = "id-" + external_id;
    u_.version = "\"1\"";
    u_.external_id = external_id;
    u_.user_name = defaultUserName(external_id);
  }
  LiveUserBuilder& id(std::string v) {
    u_.id = std::move(v);
    return *this;
  }
  LiveUserBuilder& version(std::string v) {
    u_.version = std::move(v);
    return *this;
  }
  LiveUserBuilder& externalId(std::string v) {
    u_.external_id = std::move(v);
    return *this;
  }
  LiveUserBuilder& noExternalId() {
    u_.external_id.clear();
    return *this;
  }
  LiveUserBuilder& userName(std::string v) {
    u_.user_name = std::move(v);
    return *this;
  }
  LiveUserBuilder& active(bool v) {
    u_.active = v;
    return *this;
  }
  LiveUserBuilder& displayName(std::string v) {
    u_.display_name = std::move(v);
    return *this;
  }
  LiveUserBuilder& title(std::string v) {
    u_.title = std::move(v);
    return *this;
  }
  LiveUserBuilder& workEmail(std::string v) {
    u_.work_email = std::move(v);
    return *this;
  }
  LiveUserBuilder& phones(std::vector<PhoneNumber> v) {
    u_.phone_numbers = std::move(v);
    return *this;
  }
  LiveUserBuilder& department(std::string v) {
    u_.department = std::move(v);
    return *this;
  }
  LiveUserBuilder& division(std::string v) {
    u_.division = std::move(v);
    return *this;
  }
  LiveUserBuilder& employeeNumber(std::string v) {
    u_.employee_number = std::move(v);
    return *this;
  }
  LiveUserBuilder& dateHire(std::string v) {
    u_.date_hire = std::move(v);
    return *this;
  }
  LiveUserBuilder& managerId(std::string v) {
    u_.manager_id = std::move(v);
    return *this;
  }
  LiveUserBuilder& groupIds(std::vector<std::string> v) {
    u_.group_ids = std::move(v);
    return *this;
  }
  LiveUserBuilder& roles(std::vector<std::string> v) {
    u_.roles = std::move(v);
    return *this;
  }
  LiveUserBuilder& rolesUnknown() {
    u_.roles_known = false;
    return *this;
  }
  LiveUserBuilder& skills(std::vector<Proficiency> v) {
    u_.routing_skills = std::move(v);
    return *this;
  }
  LiveUserBuilder& skillsUnknown() {
    u_.routing_skills_known = false;
    return *this;
  }
  LiveUserBuilder& languages(std::vector<Proficiency> v) {
    u_.routing_languages = std::move(v);
    return *this;
  }

  const LiveUser& build() const { return u_; }
  operator LiveUser() const { return u_; }  // NOLINT(google-explicit-constructor)

 private:
  LiveUser u_;
};

inline DesiredUserBuilder aDesiredUser(const std::string& external_id) {
  return DesiredUserBuilder(external_id);
}
inline LiveUserBuilder aLiveUser(const std::string& external_id) {
  return LiveUserBuilder(external_id);
}
inline Group aGroup(std::string id, std::string name) {
  return Group{std::move(id), std::move(name), "\"7\""};
}

// Everything a planner test varies, with defaults: SPEC §7's policy, no groups.
struct Scenario {
  std::vector<DesiredUser> desired;
  std::vector<LiveUser> live;
  std::vector<Group> groups;
  std::vector<DeletedLiveUser> deleted;
  Policy policy;
  PlanOptions options;

  DesiredState desiredState() const {
    DesiredState state;
    state.users = desired;
    state.policy = policy;
    state.digest = "sha256:test";
    return state;
  }
  LiveState liveState() const { return LiveState{live, groups, deleted}; }
  Plan plan() const { return makePlan(desiredState(), liveState(), options); }
};

inline std::vector<const Action*> actionsOf(const Plan& plan, ActionKind kind) {
  std::vector<const Action*> out;
  for (const Action& a : plan.actions) {
    if (a.kind == kind) out.push_back(&a);
  }
  return out;
}

inline std::vector<const Notice*> noticesOf(const Plan& plan, NoticeKind kind) {
  std::vector<const Notice*> out;
  for (const Notice& n : plan.notices) {
    if (n.kind == kind) out.push_back(&n);
  }
  return out;
}

inline PatchOp replaceOp(std::string path, Json value) {
  return PatchOp{"replace", std::move(path), std::move(value)};
}
inline PatchOp removeOp(std::string path) { return PatchOp{"remove", std::move(path), Json()}; }

}  // namespace scim_agent::testing
