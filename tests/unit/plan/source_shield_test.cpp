// The planner's side of HR source integrity (SPEC §6, §16): shielded people and stopped removals.

#include <gtest/gtest.h>

#include "agent/plan/planner.h"
#include "builders.h"

namespace scim_agent::testing {
namespace {

TEST(SourceShieldTest, ARemovedUserWhoseRecordWasRejectedIsNotSuspended) {
  Scenario s;
  s.live = {aLiveUser("EMP-1"), aLiveUser("EMP-2")};
  s.options.shielded["EMP-1"] = "its HR record hr.csv:7 was rejected (bad email)";
  const Plan plan = s.plan();
  const auto suspends = actionsOf(plan, ActionKind::kSuspend);
  ASSERT_EQ(suspends.size(), 1u);
  EXPECT_EQ(suspends[0]->external_id, "EMP-2");  // not shielded: removed as usual
  const auto warnings = noticesOf(plan, NoticeKind::kWarning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0]->external_id, "EMP-1");
  EXPECT_EQ(warnings[0]->message,
            "not suspended this run: its HR record hr.csv:7 was rejected (bad email)");
}

TEST(SourceShieldTest, AShieldedTerminatedUserIsNeitherSuspendedNorChanged) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").status(UserStatus::kTerminated).title("New")};
  s.live = {aLiveUser("EMP-1").title("Old")};
  s.options.shielded["EMP-1"] = "its source hr.csv could not be read whole";
  const Plan plan = s.plan();
  EXPECT_TRUE(plan.actions.empty());
  ASSERT_EQ(noticesOf(plan, NoticeKind::kWarning).size(), 1u);
}

TEST(SourceShieldTest, AShieldedActiveUserIsStillUpdated) {
  // The shield stops destructive actions only: a person whose record was read (from another
  // source) and stays active gets its changes.
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").title("New")};
  s.live = {aLiveUser("EMP-1").title("Old")};
  s.options.shielded["EMP-1"] = "its HR record hr.csv:3 was rejected (x)";
  const Plan plan = s.plan();
  EXPECT_EQ(actionsOf(plan, ActionKind::kUpdate).size(), 1u);
}

TEST(SourceShieldTest, StoppedRemovalsPlanNoSuspendOrDeleteAndSayWhyOnce) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1")};
  s.live = {aLiveUser("EMP-1"), aLiveUser("EMP-2"), aLiveUser("EMP-3").active(false)};
  s.policy.on_removal = RemovalPolicy::kDelete;
  s.options.removals_stopped = "source hr.csv could not be read whole (line 9: cut short)";
  const Plan plan = s.plan();
  EXPECT_EQ(plan.destructiveCount(), 0);
  const auto warnings = noticesOf(plan, NoticeKind::kWarning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0]->message,
            "2 managed user(s) missing from the desired state are not suspended or deleted this "
            "run: source hr.csv could not be read whole (line 9: cut short)");
}

}  // namespace
}  // namespace scim_agent::testing
