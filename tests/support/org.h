#pragma once

// An organisation for tests: the people of a test, as the desired-state YAML the agent reads and
// as the /sim/seed document genesys-sim starts from, written from one list so the two agree.

#include <string>
#include <vector>

#include "agent/base/json.h"

namespace scim_agent::testing {

// One person of a test.
struct Person {
  std::string external_id{};
  std::string user_name{};
  // The desired `status:` ("active", "terminated", …); "" = not in the desired state (a person
  // only seeded, as if removed from HR).
  std::string status = "active";
  std::string display_name{};  // "" = the externalId
  std::string title{};         // "" = none (no title line, no seeded title)
  // Desired groups, and the seeded groups the person is a member of.
  std::vector<std::string> groups = {"Everyone"};
};

// "EMP-0042" and "user0042@corp.example": numbered staff for tests of many users.
std::string employeeId(int n);
std::string employeeMail(int n);

struct DesiredOptions {
  int max_destructive = 100;  // policy.maxDestructive.count (percent is 100)
  // More policy lines, each indented two spaces ("  onRemoval: delete\n").
  std::string policy{};
};

// A desired-state file: apiVersion, a policy scoped to externalIds "^EMP-" with maxDestructive and
// options.policy, and one entry per person in the desired state (externalId, userName,
// displayName, status, title when set, groups when any).
std::string desiredYaml(const std::vector<Person>& people, const DesiredOptions& options = {});

struct SeedOptions {
  // Roles created in the org, each granted to every person.
  std::vector<std::string> roles{};
  // Groups created even when nobody is a member (the people's groups are created anyway).
  std::vector<std::string> groups{};
  // The seed document to add users, roles and groups to (queues, conversations, …).
  Json base = Json::object();
};

// A /sim/seed document: every person live and active (whatever the desired status), with
// displayName, title when set, the roles' grants, and membership of their groups.
Json seedOrg(const std::vector<Person>& people, const SeedOptions& options = {});

// True when the SCIM user document `user` lists a group with display `group`.
bool inGroup(const Json& user, const std::string& group);

}  // namespace scim_agent::testing
