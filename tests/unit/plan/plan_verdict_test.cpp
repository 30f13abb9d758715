// Issue 14: the plan states its verdict (blocked by a guardrail, with the effective limit) and
// what is scheduled (deletes due after policy.deleteAfter), and the plan document keeps both.
#include <gtest/gtest.h>

#include "agent/plan/guardrail.h"
#include "agent/plan/plan_json.h"
#include "agent/plan/planner.h"
#include "builders.h"

namespace scim_agent::testing {
namespace {

Plan destructive(int suspends) {
  Plan plan;
  for (int i = 0; i < suspends; ++i) {
    Action a;
    a.kind = ActionKind::kSuspend;
    a.external_id = "EMP-" + std::to_string(i);
    plan.actions.push_back(a);
  }
  return plan;
}

TEST(PlanVerdictTest, GuardrailStatesTheEffectiveLimitInNumbers) {
  Policy policy;  // count 25, percent 5
  GuardrailVerdict v = checkDestructive(destructive(2), 4, policy);
  ASSERT_TRUE(v.blocked);
  EXPECT_EQ(v.rule, "maxDestructive");
  EXPECT_EQ(v.limit, "at most 1 of 4 managed users: 5%, never less than one");
  EXPECT_NE(v.proceed.find("--allow-destructive"), std::string::npos) << v.proceed;
  EXPECT_NE(v.proceed.find("--hold-destructive"), std::string::npos) << v.proceed;
  EXPECT_NE(v.proceed.find("raise policy.maxDestructive"), std::string::npos) << v.proceed;

  v = checkDestructive(destructive(6), 100, policy);
  EXPECT_EQ(v.limit, "at most 5 of 100 managed users: 5%, never less than one");

  // The count binds when it is the smaller of the two.
  policy.max_destructive_count = 3;
  v = checkDestructive(destructive(4), 1000, policy);
  ASSERT_TRUE(v.blocked);
  EXPECT_EQ(v.limit, "at most 3 destructive actions (policy.maxDestructive.count)");

  EXPECT_EQ(checkDestructive(destructive(1), 4, Policy{}).limit, "") << "not blocked: no limit";
}

Scenario removedInactive(const std::string& suspended_at, const std::string& now) {
  Scenario s;
  s.policy.delete_after_days = 30;
  s.desired = {aDesiredUser("EMP-1")};
  s.live = {aLiveUser("EMP-1"), aLiveUser("EMP-2").active(false)};
  s.options.now = now;
  if (!suspended_at.empty()) s.options.suspended_at["EMP-2"] = suspended_at;
  return s;
}

TEST(PlanVerdictTest, ASuspendedLeaverIsScheduledForDeleteWithItsDate) {
  const Plan plan =
      removedInactive("2026-01-01T10:00:00.000000Z", "2026-01-20T09:00:00Z").plan();
  EXPECT_FALSE(plan.hasChanges()) << "scheduled items are not changes";
  ASSERT_EQ(plan.scheduled.size(), 1u);
  const ScheduledItem& item = plan.scheduled[0];
  EXPECT_EQ(item.kind, ScheduledKind::kDelete);
  EXPECT_EQ(item.external_id, "EMP-2");
  EXPECT_EQ(item.user_name, "emp-2@corp.example");
  EXPECT_EQ(item.due, "2026-01-31T10:00:00Z");
  EXPECT_EQ(item.message,
            "policy.deleteAfter 30d; suspended since 2026-01-01T10:00:00Z");
}

TEST(PlanVerdictTest, AGracePeriodStartingNowIsScheduledFromNow) {
  const Plan plan = removedInactive("", "2026-12-31T23:00:00Z").plan();
  ASSERT_EQ(plan.scheduled.size(), 1u);
  EXPECT_EQ(plan.scheduled[0].due, "2027-01-30T23:00:00Z");  // across a year's end
  EXPECT_NE(plan.scheduled[0].message.find("starts with this run"), std::string::npos);
}

TEST(PlanVerdictTest, ADueDeleteIsAnActionNotScheduled) {
  const Plan plan =
      removedInactive("2026-01-01T10:00:00.000000Z", "2026-02-01T00:00:00Z").plan();
  EXPECT_EQ(plan.count(ActionKind::kDelete), 1);
  EXPECT_TRUE(plan.scheduled.empty());
}

TEST(PlanVerdictTest, DeleteAfterNeverSchedulesNothing) {
  Scenario s = removedInactive("2026-01-01T10:00:00.000000Z", "2026-01-20T09:00:00Z");
  s.policy.delete_after_days = -1;
  EXPECT_TRUE(s.plan().scheduled.empty());
}

TEST(PlanVerdictTest, ScheduledItemsSortByDateThenUndatedLast) {
  ScheduledItem undated{ScheduledKind::kHeldTermination, "EMP-0", "", "", "waits", {}};
  ScheduledItem early{ScheduledKind::kDelete, "EMP-9", "", "2026-01-01T00:00:00Z", "d", {}};
  ScheduledItem late{ScheduledKind::kTermination, "EMP-1", "", "2026-02-01T00:00:00Z", "t", {}};
  std::vector<ScheduledItem> items = {undated, late, early};
  std::sort(items.begin(), items.end(), scheduledLess);
  EXPECT_EQ(items, (std::vector<ScheduledItem>{early, late, undated}));
}

TEST(PlanVerdictTest, JsonKeepsTheVerdictTheMarksAndTheScheduledItems) {
  Plan plan = destructive(2);
  plan.actions[0].blocked = true;
  plan.actions[1].held = true;
  plan.verdict = {true, "maxDestructive", "the plan would suspend 2", "at most 1 of 4 managed users",
                  "raise it"};
  plan.scheduled.push_back(ScheduledItem{ScheduledKind::kDelete, "EMP-7", "e7@x",
                                         "2026-02-01T00:00:00Z", "policy.deleteAfter 30d; x",
                                         SourcePos{"users.yaml", 3, 5}});
  const Json doc = planToJson(plan);
  const Json& verdict = doc.get("verdict");
  EXPECT_TRUE(verdict.getBool("blocked"));
  EXPECT_EQ(verdict.getString("rule"), "maxDestructive");
  EXPECT_EQ(verdict.getString("limit"), "at most 1 of 4 managed users");
  EXPECT_EQ(verdict.getNumber("blockedActions"), 1);
  EXPECT_EQ(verdict.getNumber("heldActions"), 1);
  EXPECT_TRUE(doc.get("actions").asArray()[0].getBool("blocked"));
  EXPECT_TRUE(doc.get("actions").asArray()[1].getBool("held"));
  EXPECT_EQ(doc.get("scheduled").asArray()[0].getString("due"), "2026-02-01T00:00:00Z");

  auto back = planFromJson(doc);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->verdict.blocked);
  EXPECT_EQ(back->verdict.proceed, "raise it");
  EXPECT_TRUE(back->actions[0].blocked);
  EXPECT_TRUE(back->actions[1].held);
  EXPECT_EQ(back->scheduled, plan.scheduled);
  EXPECT_EQ(planToJson(*back).dump(), doc.dump());
}

TEST(PlanVerdictTest, AnUnblockedPlanStillStatesItsVerdict) {
  const Json doc = planToJson(Plan{});
  EXPECT_FALSE(doc.get("verdict").getBool("blocked", true));
  EXPECT_EQ(doc.get("verdict").getNumber("blockedActions", -1), 0);
  EXPECT_FALSE(doc.has("scheduled"));
}

TEST(PlanVerdictTest, AnUnknownScheduledKindIsRefusedByName) {
  Json doc = planToJson(Plan{});
  Json item = Json::object();
  item["kind"] = "someday";
  item["message"] = "m";
  Json list = Json::array();
  list.push(item);
  doc["scheduled"] = list;
  auto back = planFromJson(doc);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message.find("scheduled[0].kind"), std::string::npos)
      << back.error().message;
}

}  // namespace
}  // namespace scim_agent::testing
