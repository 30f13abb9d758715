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

namespace scim_agent {
namespace {

// policyFromJson reads back every setting policyJson writes (a saved plan's facts).
TEST(PolicyJsonTest, PolicyFromJsonIsTheInverseOfPolicyJson) {
  Policy p;
  p.scope_external_id_pattern = "^EMP-";
  p.unmanaged = UnmanagedPolicy::kSuspend;
  p.on_removal = RemovalPolicy::kDelete;
  p.protected_users = {{"admin@corp.example", "", {}}, {"", "EMP-9", {}}, {"x@y", "EMP-8", {}}};
  p.managed_attributes = {Attribute::kTitle, Attribute::kGroups, Attribute::kRoles};
  p.roles_by_department = {{"ENG", {"agent", "dev"}}, {"SALES", {}}};
  p.max_destructive_count = 3;
  p.max_destructive_percent = 2.5;
  p.max_source_shrink_percent = 7;
  p.max_rejected_is_percent = false;
  p.max_rejected_records = 40;
  p.restore_deleted = false;
  p.delete_after_days = -1;
  p.archive_days = 90;
  for (const Policy& policy : {Policy{}, p}) {
    const Result<Policy> back = policyFromJson(policyJson(policy));
    ASSERT_TRUE(back.ok()) << back.error().toString();
    EXPECT_EQ(policyJson(*back).dump(), policyJson(policy).dump());
  }
  const Policy back = *policyFromJson(policyJson(p));
  EXPECT_EQ(back.protected_users[2].user_name, "x@y");
  EXPECT_EQ(back.protected_users[2].external_id, "EMP-8");
  EXPECT_TRUE(back.manages(Attribute::kRoles));
  EXPECT_FALSE(back.manages(Attribute::kDisplayName));
}

TEST(PolicyJsonTest, PolicyFromJsonNamesWhatIsMissingOrWrong) {
  const Json good = policyJson(Policy{});
  struct Case {
    const char* key;
    Json value;
    const char* message;
  };
  const Case cases[] = {
      {"unmanaged", Json("sometimes"), "policy.unmanaged: unknown value \"sometimes\""},
      {"managedAttributes", Json(Json::Array{Json("shoeSize")}),
       "policy.managedAttributes: unknown attribute \"shoeSize\""},
      {"deleteAfterDays", Json(1.5), "policy.deleteAfterDays: expected an integer"},
      {"restoreDeleted", Json("yes"), "policy.restoreDeleted: expected true or false"},
      {"protected", Json(Json::Array{Json(Json::Object{})}),
       "policy.protected: expected {userName, externalId} objects"},
  };
  for (const Case& c : cases) {
    Json bad = good;
    bad[c.key] = c.value;
    const Result<Policy> read = policyFromJson(bad);
    ASSERT_FALSE(read.ok()) << c.key;
    EXPECT_EQ(read.error().message, c.message);
  }
  Json missing = good;
  missing.asObject().erase("maxDestructive");
  EXPECT_EQ(policyFromJson(missing).error().message, "policy.maxDestructive: expected an object");
  EXPECT_FALSE(policyFromJson(Json("policy")).ok());
}

}  // namespace
}  // namespace scim_agent
