// The desired digest (desired_json.h): computed one user at a time, and still the same bytes as
// the Json document it always hashed, so plans saved before keep verifying.

#include "agent/desired/desired_json.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "agent/desired/desired_loader.h"
#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

// The digest as it was first defined: sha256 of the whole document's dump.
std::string digestOfWholeDocument(
    const std::vector<DesiredUser>& users, const Policy& policy,
    const std::map<std::string, std::vector<std::string>>& groups_by_department) {
  std::vector<const DesiredUser*> sorted;
  for (const DesiredUser& u : users) sorted.push_back(&u);
  std::stable_sort(sorted.begin(), sorted.end(), [](const DesiredUser* a, const DesiredUser* b) {
    return a->external_id < b->external_id;
  });
  Json doc = Json::object();
  Json list = Json::array();
  for (const DesiredUser* u : sorted) list.push(desiredUserJson(*u));
  doc["users"] = std::move(list);
  doc["policy"] = policyJson(policy);
  Json groups = Json::object();
  for (const auto& [department, names] : groups_by_department) {
    Json items = Json::array();
    for (const std::string& name : names) items.push(name);
    groups[department] = std::move(items);
  }
  doc["groupsByDepartment"] = std::move(groups);
  return sha256Hex(doc.dump());
}

// Varied on purpose: escapes, non-ASCII, fractional proficiencies, empty and absent lists.
constexpr const char* kSpec = R"(apiVersion: scim-agent/v1
defaults:
  division: Home
groupsByDepartment:
  ENG: [Engineering, "Ünïcode \"quoted\""]
policy:
  roles: { ENG: [agent] }
users:
  - externalId: EMP-2
    userName: b@corp.example
    displayName: "Tab\u00e9 ✓ <b>"
    title: ""
    department: ENG
    roles: [agent]
    phoneNumbers:
      - { type: mobile, value: "+15550100" }
      - { type: work, value: "tel:+15550101;ext=7" }
    routingSkills: [{ name: Z, proficiency: 2.5 }, { name: A, proficiency: 0 }]
    routingLanguages: []
    status: suspended
  - externalId: EMP-1
    userName: a@corp.example
    displayName: A
    emails: [{ value: a.work@corp.example }]
    manager: EMP-2
    employeeNumber: 0042
    dateHire: "2020-02-29"
    groups: [x, b, x]
)";

TEST(DesiredDigestTest, IsTheHashOfTheWholeDocument) {
  TempDir dir;
  Diagnostics diags;
  const DesiredState state = loadDesired(dir.write("org.yaml", kSpec), LoadOptions{}, diags);
  ASSERT_TRUE(diags.empty()) << diags.items()[0].toString();
  ASSERT_EQ(state.users.size(), 2u);
  EXPECT_EQ(state.digest,
            digestOfWholeDocument(state.users, state.policy, state.groups_by_department));
  // What `validate` printed for this spec before the digest was streamed (its first 12 digits).
  EXPECT_EQ(state.digest.substr(0, 12), "09d4d70991a3");
}

TEST(DesiredDigestTest, EmptyStateAndOrderOfUsers) {
  const Policy policy;
  EXPECT_EQ(desiredDigest({}, policy, {}), digestOfWholeDocument({}, policy, {}));

  DesiredUser a;
  a.external_id = "B";
  a.user_name = "b@corp.example";
  DesiredUser b;
  b.external_id = "A";
  b.user_name = "a@corp.example";
  b.groups = std::vector<std::string>{};
  const std::map<std::string, std::vector<std::string>> groups = {{"ENG", {"E"}}, {"X", {}}};
  EXPECT_EQ(desiredDigest({a, b}, policy, groups), digestOfWholeDocument({a, b}, policy, groups));
  // Users are hashed in externalId order: the file layout does not change the digest.
  EXPECT_EQ(desiredDigest({a, b}, policy, groups), desiredDigest({b, a}, policy, groups));
  EXPECT_NE(desiredDigest({a}, policy, groups), desiredDigest({a, b}, policy, groups));
}

}  // namespace
}  // namespace scim_agent
