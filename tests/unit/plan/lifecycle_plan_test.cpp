// The planner's user lifecycle rules (SPEC §7, §8): deleteAfter since the recorded suspension,
// grace periods that start when a removed user is first seen inactive, restore of deleted
// Genesys users, and creates whose deleted-user check failed.
#include <gtest/gtest.h>

#include "agent/plan/plan_json.h"
#include "agent/plan/planner.h"
#include "builders.h"

namespace scim_agent::testing {
namespace {

Scenario removedInactive(const std::string& suspended_at, const std::string& now) {
  Scenario s;
  s.policy.delete_after_days = 30;
  s.desired = {aDesiredUser("EMP-1")};
  s.live = {aLiveUser("EMP-1"), aLiveUser("EMP-2").active(false).groupIds({"g1"})};
  s.groups = {aGroup("g1", "Support")};
  s.options.now = now;
  if (!suspended_at.empty()) s.options.suspended_at["EMP-2"] = suspended_at;
  return s;
}

TEST(LifecyclePlanTest, RemovedUserIsDeletedOnceTheGracePeriodIsOver) {
  const Plan plan =
      removedInactive("2026-01-01T10:00:00.000000Z", "2026-01-31T10:00:00.000000Z").plan();
  const auto deletes = actionsOf(plan, ActionKind::kDelete);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0]->external_id, "EMP-2");
  EXPECT_EQ(deletes[0]->user_id, "id-EMP-2");
  EXPECT_EQ(deletes[0]->version, "\"1\"");
  EXPECT_EQ(deletes[0]->rule,
            "removed from desired state; grace period over: suspended since "
            "2026-01-01T10:00:00.000000Z, policy.deleteAfter 30d");
  // The plan records that the user was inactive (the applier refuses if it is active again).
  ASSERT_FALSE(deletes[0]->changes.empty());
  EXPECT_FALSE(deletes[0]->changes[0].before.getBool("active", true));
  EXPECT_TRUE(plan.grace_starts.empty());
  // Memberships end with the user: no group PATCH before a delete.
  EXPECT_TRUE(actionsOf(plan, ActionKind::kGroupMembers).empty());
}

TEST(LifecyclePlanTest, WithinTheGracePeriodNothingHappens) {
  const Plan plan =
      removedInactive("2026-01-01T10:00:00.000000Z", "2026-01-31T09:59:59.000000Z").plan();
  EXPECT_FALSE(plan.hasChanges());
  EXPECT_TRUE(plan.grace_starts.empty());
}

TEST(LifecyclePlanTest, AnInactiveRemovedUserWithoutARecordStartsItsGracePeriodNow) {
  const Plan plan = removedInactive("", "2027-01-01T00:00:00Z").plan();
  EXPECT_FALSE(plan.hasChanges()) << "never deleted on the first sight of it";
  EXPECT_EQ(plan.grace_starts, (std::vector<std::string>{"EMP-2"}));
  // And the plan file keeps it.
  auto back = planFromJson(planToJson(plan));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->grace_starts, plan.grace_starts);
}

TEST(LifecyclePlanTest, DeleteAfterNeverKeepsSuspendedUsers) {
  Scenario s = removedInactive("2020-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
  s.policy.delete_after_days = -1;
  const Plan plan = s.plan();
  EXPECT_FALSE(plan.hasChanges());
  EXPECT_TRUE(plan.grace_starts.empty());
}

TEST(LifecyclePlanTest, NoClockNoDeleteAndAnUnreadableTimeIsAWarning) {
  Plan plan = removedInactive("2020-01-01T00:00:00Z", "").plan();
  EXPECT_FALSE(plan.hasChanges());
  plan = removedInactive("last tuesday", "2027-01-01T00:00:00Z").plan();
  EXPECT_FALSE(plan.hasChanges());
  ASSERT_EQ(plan.notices.size(), 1u);
  EXPECT_NE(plan.notices[0].message.find("\"last tuesday\""), std::string::npos);
}

TEST(LifecyclePlanTest, ProtectedUserIsNeverDeleted) {
  Scenario s = removedInactive("2020-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
  s.policy.protected_users = {ProtectedRule{"", "EMP-2", {}}};
  EXPECT_TRUE(actionsOf(s.plan(), ActionKind::kDelete).empty());
}

TEST(LifecyclePlanTest, AnActiveRemovedUserIsSuspendedFirstWhateverItsRecord) {
  Scenario s = removedInactive("2020-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
  s.live[1] = aLiveUser("EMP-2").active(true);
  const Plan plan = s.plan();
  EXPECT_EQ(actionsOf(plan, ActionKind::kSuspend).size(), 1u);
  EXPECT_TRUE(actionsOf(plan, ActionKind::kDelete).empty());
}

TEST(LifecyclePlanTest, TerminatedInactiveUserIsDeletedAfterTheGracePeriod) {
  Scenario s;
  s.policy.delete_after_days = 14;
  s.desired = {aDesiredUser("EMP-3").status(UserStatus::kTerminated).at(12)};
  s.live = {aLiveUser("EMP-3").active(false)};
  s.options.now = "2026-03-01T00:00:00Z";
  s.options.suspended_at["EMP-3"] = "2026-02-01T00:00:00Z";
  const Plan plan = s.plan();
  const auto deletes = actionsOf(plan, ActionKind::kDelete);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0]->rule.rfind("status terminated; grace period over", 0), 0u)
      << deletes[0]->rule;
  EXPECT_EQ(deletes[0]->source.line, 12);

  // A suspended (on leave) user is not a leaver: never deleted for that.
  s.desired = {aDesiredUser("EMP-3").status(UserStatus::kSuspended)};
  EXPECT_FALSE(s.plan().hasChanges());
}

TEST(LifecyclePlanTest, DeletedUserWithTheDesiredUserNameIsRestored) {
  Scenario s;
  s.groups = {aGroup("g1", "Support")};
  s.desired = {aDesiredUser("EMP-9").userName("Back@Corp.Example").title("Lead").groups({"Support"})};
  s.deleted = {DeletedLiveUser{"old-9", "back@corp.example", 7},
               DeletedLiveUser{"older-9", "back@corp.example", 3}};
  const Plan plan = s.plan();
  EXPECT_TRUE(actionsOf(plan, ActionKind::kCreate).empty());
  const auto restores = actionsOf(plan, ActionKind::kRestore);
  ASSERT_EQ(restores.size(), 1u);
  const Action& r = *restores[0];
  EXPECT_EQ(r.user_id, "old-9") << "the deleted record with the greatest version";
  EXPECT_EQ(r.version, "7");
  ASSERT_FALSE(r.ops.empty());
  EXPECT_EQ(r.ops[0], (PatchOp{"replace", "externalId", Json("EMP-9")}));
  bool title = false;
  for (const PatchOp& op : r.ops) title = title || (op.path == "title" && op.value == Json("Lead"));
  EXPECT_TRUE(title);
  // Its groups are added once it is restored.
  const auto groups = actionsOf(plan, ActionKind::kGroupMembers);
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_EQ(groups[0]->add_members.size(), 1u);
  EXPECT_EQ(groups[0]->add_members[0].user_id, "") << "resolved once the restore succeeded";
  EXPECT_EQ(groups[0]->add_members[0].external_id, "EMP-9");
  EXPECT_EQ(plan.cost.calls.at("PATCH /api/v2/users"), 1);
  // Round trip through the plan file.
  auto back = planFromJson(planToJson(plan));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(planToJson(*back).dump(), planToJson(plan).dump());
}

TEST(LifecyclePlanTest, RestoreOnlyWhenPolicyAndTargetAllowIt) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-9")};
  s.deleted = {DeletedLiveUser{"old-9", "emp-9@corp.example", 7}};
  s.policy.restore_deleted = false;
  EXPECT_EQ(actionsOf(s.plan(), ActionKind::kCreate).size(), 1u);
  s.policy.restore_deleted = true;
  s.options.target_kind = "scim";
  EXPECT_EQ(actionsOf(s.plan(), ActionKind::kCreate).size(), 1u);
}

TEST(LifecyclePlanTest, CreateWhoseDeletedCheckFailedIsCheckedAgainAtApply) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-5")};
  s.options.unchecked_creates["emp-5@corp.example"] = "503 Service Unavailable";
  const Plan plan = s.plan();
  const auto creates = actionsOf(plan, ActionKind::kCreate);
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_TRUE(creates[0]->check_deleted);
  ASSERT_EQ(plan.notices.size(), 1u);
  EXPECT_NE(plan.notices[0].message.find("503 Service Unavailable"), std::string::npos);
  auto back = planFromJson(planToJson(plan));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->actions[0].check_deleted);
}

TEST(LifecyclePlanTest, SuspendCostsATokenRevocationOnGenesysOnly) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").status(UserStatus::kTerminated)};
  s.live = {aLiveUser("EMP-1")};
  EXPECT_EQ(s.plan().cost.calls.at("DELETE /api/v2/tokens"), 1);
  s.options.target_kind = "scim";
  EXPECT_EQ(s.plan().cost.calls.count("DELETE /api/v2/tokens"), 0u);
}

}  // namespace
}  // namespace scim_agent::testing
