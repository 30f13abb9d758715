// The policy gate on its own: each rule refuses what it must and lets the planner's own actions
// through.

#include "agent/reconcile/policy_gate.h"

#include <gtest/gtest.h>

#include "agent/plan/user_diff.h"

namespace scim_agent {
namespace {

DesiredUser desired(const std::string& external_id, UserStatus status = UserStatus::kActive) {
  DesiredUser d;
  d.external_id = external_id;
  d.user_name = external_id + "@corp.example";
  d.status = status;
  return d;
}

Action action(ActionKind kind, const std::string& external_id, std::vector<PatchOp> ops = {}) {
  Action a;
  a.kind = kind;
  a.external_id = external_id;
  a.user_name = external_id + "@corp.example";
  a.user_id = "id-" + external_id;
  a.version = "\"1\"";
  a.ops = std::move(ops);
  return a;
}

PatchOp replace(const std::string& path, Json value) { return PatchOp{"replace", path, value}; }

class PolicyGateTest : public ::testing::Test {
 protected:
  PolicyGateTest() {
    state_.policy.scope_external_id_pattern = "^EMP-";
    ProtectedRule admin;
    admin.user_name = "admin@corp.example";
    state_.policy.protected_users.push_back(admin);
    state_.users = {desired("EMP-1"), desired("EMP-2", UserStatus::kTerminated),
                    desired("EMP-3", UserStatus::kSuspended)};
  }
  std::optional<std::string> refusal(const Action& a) { return PolicyGate(state_).refusal(a); }

  DesiredState state_;
};

TEST_F(PolicyGateTest, ThePlannersOwnActionsPass) {
  EXPECT_FALSE(refusal(action(ActionKind::kUpdate, "EMP-1", {replace("title", Json("Lead"))})));
  EXPECT_FALSE(refusal(action(ActionKind::kSuspend, "EMP-2", {replace("active", Json(false))})));
  EXPECT_FALSE(refusal(action(ActionKind::kSuspend, "EMP-3", {replace("active", Json(false))})));
  EXPECT_FALSE(refusal(action(ActionKind::kDelete, "EMP-2")));
  // Removed from the desired state but in scope: suspended and, later, deleted.
  EXPECT_FALSE(refusal(action(ActionKind::kSuspend, "EMP-9", {replace("active", Json(false))})));
  EXPECT_FALSE(refusal(action(ActionKind::kDelete, "EMP-9")));
  Action adopt = action(ActionKind::kUpdate, "EMP-1", {replace("externalId", Json("EMP-1"))});
  adopt.adopt = true;
  EXPECT_FALSE(refusal(adopt));
  Action create = action(ActionKind::kCreate, "EMP-1");
  create.user_id.clear();
  create.body = Json(Json::Object{{"schemas", Json::array()},
                                  {"userName", "EMP-1@corp.example"},
                                  {"externalId", "EMP-1"},
                                  {"displayName", "One"},
                                  {kEnterpriseUserSchema, Json(Json::Object{{"department", "X"}})}});
  EXPECT_FALSE(refusal(create));
}

TEST_F(PolicyGateTest, ProtectedUsersAreNeverWritten) {
  Action a = action(ActionKind::kUpdate, "EMP-1", {replace("title", Json("pwned"))});
  a.user_name = "Admin@corp.example";  // userName matches case-insensitively
  auto why = refusal(a);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("protected"), std::string::npos) << *why;
}

TEST_F(PolicyGateTest, UsersOutsideScopeAreNeitherPatchedNorSuspended) {
  EXPECT_TRUE(refusal(action(ActionKind::kUpdate, "CONTRACTOR-1", {replace("title", Json("x"))})));
  EXPECT_TRUE(refusal(action(ActionKind::kSuspend, "CONTRACTOR-1", {replace("active", Json(false))})));
  EXPECT_TRUE(refusal(action(ActionKind::kDelete, "CONTRACTOR-1")));
  // Unless policy.unmanaged is suspend: then suspending them is the policy.
  state_.policy.unmanaged = UnmanagedPolicy::kSuspend;
  EXPECT_FALSE(refusal(action(ActionKind::kSuspend, "CONTRACTOR-1", {replace("active", Json(false))})));
  EXPECT_TRUE(refusal(action(ActionKind::kDelete, "CONTRACTOR-1")));
}

TEST_F(PolicyGateTest, OnlyManagedAttributesAreWritten) {
  state_.policy.managed_attributes = {Attribute::kDisplayName, Attribute::kActive};
  EXPECT_FALSE(refusal(action(ActionKind::kUpdate, "EMP-1", {replace("displayName", Json("A"))})));
  EXPECT_TRUE(refusal(action(ActionKind::kUpdate, "EMP-1", {replace("title", Json("A"))})));
  EXPECT_TRUE(refusal(action(ActionKind::kUpdate, "EMP-1",
                             {replace(std::string(kEnterpriseUserSchema) + ":department", Json("X"))})));
  EXPECT_TRUE(refusal(action(ActionKind::kUpdate, "EMP-1", {replace("nickName", Json("x"))})));
  // externalId only when adopting.
  EXPECT_TRUE(refusal(action(ActionKind::kUpdate, "EMP-1", {replace("externalId", Json("EMP-7"))})));
}

TEST_F(PolicyGateTest, ASuspendOrDeleteMustAgreeWithTheDesiredState) {
  auto why = refusal(action(ActionKind::kSuspend, "EMP-1", {replace("active", Json(false))}));
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("keeps EMP-1 active"), std::string::npos) << *why;
  EXPECT_TRUE(refusal(action(ActionKind::kDelete, "EMP-1")));
  EXPECT_TRUE(refusal(action(ActionKind::kDelete, "EMP-3")));  // on leave: suspended, not deleted
  EXPECT_TRUE(refusal(action(ActionKind::kReactivate, "EMP-2", {replace("active", Json(true))})));
}

TEST_F(PolicyGateTest, GroupChangesLoseTheMembersTheGateRefuses) {
  Action g;
  g.kind = ActionKind::kGroupMembers;
  g.group_id = "g1";
  g.group_name = "Support";
  g.add_members = {{"id-EMP-1", "EMP-1", "EMP-1@corp.example"}};
  g.remove_members = {{"id-admin", "", "admin@corp.example"}, {"id-X", "CONTRACTOR-1", "x@corp.example"},
                      {"id-EMP-2", "EMP-2", "EMP-2@corp.example"}};
  std::vector<std::string> refused;
  const Action kept = PolicyGate(state_).members(g, &refused);
  ASSERT_EQ(kept.add_members.size(), 1u);
  ASSERT_EQ(kept.remove_members.size(), 1u);
  EXPECT_EQ(kept.remove_members[0].external_id, "EMP-2");
  EXPECT_EQ(refused.size(), 2u);
  state_.policy.managed_attributes = {Attribute::kDisplayName};
  EXPECT_TRUE(refusal(g));
}

}  // namespace
}  // namespace scim_agent
