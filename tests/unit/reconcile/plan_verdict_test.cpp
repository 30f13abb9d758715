// Issue 14: the verdict a plan states matches what apply would do (held by the hold split,
// blocked by the guardrail), and termination holds that the plan cannot act on are scheduled,
// never silently dropped.
#include "agent/reconcile/plan_verdict.h"

#include <gtest/gtest.h>

namespace scim_agent {
namespace {

Action action(ActionKind kind, const std::string& id) {
  Action a;
  a.kind = kind;
  a.external_id = id;
  a.user_id = "u-" + id;
  return a;
}

Plan threeActions() {
  Plan plan;
  plan.actions = {action(ActionKind::kUpdate, "EMP-1"), action(ActionKind::kSuspend, "EMP-2"),
                  action(ActionKind::kSuspend, "EMP-3")};
  return plan;
}

GuardrailVerdict blocked() {
  return {true, "too many", "maxDestructive", "at most 1 of 4 managed users", "raise it"};
}

TEST(PlanVerdictTest, HeldActionsAreHeldAndTheRestOfTheDestructiveOnesBlocked) {
  Plan plan = threeActions();
  statePlanVerdict(plan, blocked(), {plan.actions[1]}, false, "");
  EXPECT_FALSE(plan.actions[0].blocked || plan.actions[0].held) << "an update is never blocked";
  EXPECT_TRUE(plan.actions[1].held);
  EXPECT_FALSE(plan.actions[1].blocked);
  EXPECT_TRUE(plan.actions[2].blocked);
  EXPECT_EQ(plan.blockedCount(), 1);
  EXPECT_EQ(plan.heldCount(), 1);
  EXPECT_TRUE(plan.verdict.blocked);
  EXPECT_EQ(plan.verdict.rule, "maxDestructive");
  EXPECT_EQ(plan.verdict.limit, "at most 1 of 4 managed users");
  EXPECT_EQ(plan.verdict.proceed, "raise it");
}

TEST(PlanVerdictTest, AllowDestructiveBlocksNothing) {
  Plan plan = threeActions();
  statePlanVerdict(plan, blocked(), {}, true, "");
  EXPECT_EQ(plan.blockedCount(), 0);
  EXPECT_TRUE(plan.verdict.blocked) << "the guardrail still tripped; the plan says so";
  EXPECT_NE(plan.verdict.proceed.find("--allow-destructive was given"), std::string::npos);
}

TEST(PlanVerdictTest, AnUnblockedPlanIsClearedOfOldMarks) {
  Plan plan = threeActions();
  plan.actions[2].blocked = true;
  plan.verdict.blocked = true;
  statePlanVerdict(plan, {}, {}, false, "");
  EXPECT_EQ(plan.blockedCount(), 0);
  EXPECT_FALSE(plan.verdict.blocked);
}

TEST(PlanVerdictTest, ASourceNotReadWholeIsABlockOfItsOwn) {
  Plan plan = threeActions();
  statePlanVerdict(plan, {}, {}, false, "source hr.csv could not be read whole: 404");
  EXPECT_TRUE(plan.verdict.blocked);
  EXPECT_EQ(plan.verdict.rule, "sourceNotWhole");
  EXPECT_NE(plan.verdict.message.find("hr.csv"), std::string::npos);
  EXPECT_EQ(plan.blockedCount(), 0) << "its removals are not planned at all";
}

TEST(PlanVerdictTest, RejectedRecordsVerdictNamesTheRuleAndTheWayOut) {
  const PlanVerdict v = rejectedRecordsVerdict("hr.csv: 5 of 10 records rejected");
  EXPECT_TRUE(v.blocked);
  EXPECT_EQ(v.rule, "maxRejectedRecords");
  EXPECT_EQ(v.message, "hr.csv: 5 of 10 records rejected");
  EXPECT_NE(v.proceed.find("raise policy.maxRejectedRecords"), std::string::npos);
}

DesiredUser desired(const std::string& id) {
  DesiredUser d;
  d.external_id = id;
  d.user_name = id + "@corp.example";
  return d;
}

LiveUser live(const std::string& id) {
  LiveUser l;
  l.id = "u-" + id;
  l.external_id = id;
  l.user_name = id + "@corp.example";
  return l;
}

TerminationRecord event(const std::string& id) {
  TerminationRecord t;
  t.external_id = id;
  t.event_id = 3;
  t.occurred_at = "2026-11-20T09:00:00Z";
  return t;
}

TEST(PlanVerdictTest, TerminationsThePlanCannotActOnAreScheduled) {
  DesiredState state;
  state.users = {desired("EMP-1"), desired("EMP-2"), desired("EMP-8")};
  LiveState org;
  org.users = {live("EMP-1"), live("EMP-2")};
  TerminationRecord future;
  future.external_id = "EMP-2";
  future.effective_at = "2026-12-24T00:00:00Z";
  future.origin = "leavers.json:2";
  const std::vector<TerminationRecord> records = {event("EMP-1"), future, event("EMP-8"),
                                                  event("EMP-9")};
  // EMP-1 is live (the plan suspends it): nothing to schedule.
  const auto items =
      scheduledTerminations(records, state, org, {"EMP-1", "EMP-8"}, "2026-11-23T00:00:00Z");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].kind, ScheduledKind::kTermination);
  EXPECT_EQ(items[0].external_id, "EMP-2");
  EXPECT_EQ(items[0].due, "2026-12-24T00:00:00Z");
  EXPECT_EQ(items[0].message, "the termination manifest leavers.json:2");
  // The bug of issue 14: a person added after their termination was silently absent.
  EXPECT_EQ(items[1].kind, ScheduledKind::kHeldTermination);
  EXPECT_EQ(items[1].external_id, "EMP-8");
  EXPECT_EQ(items[1].user_name, "EMP-8@corp.example");
  EXPECT_EQ(items[1].message,
            "HR termination event 3 of 2026-11-20T09:00:00Z holds over the desired entry, so it "
            "is not created; `scim-agent terminations` to review it, `scim-agent terminations "
            "--clear EMP-8` to clear it");
  EXPECT_EQ(items[2].kind, ScheduledKind::kHeldTermination);
  EXPECT_EQ(items[2].external_id, "EMP-9");
  EXPECT_NE(items[2].message.find("waits for a user with this externalId"), std::string::npos);
}

}  // namespace
}  // namespace scim_agent
