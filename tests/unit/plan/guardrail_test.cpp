#include "agent/plan/guardrail.h"

#include <gtest/gtest.h>

namespace scim_agent {
namespace {

Action actionOf(ActionKind kind) {
  Action a;
  a.kind = kind;
  return a;
}

Plan planWith(int suspends, int deletes, int updates) {
  Plan plan;
  for (int i = 0; i < suspends; ++i) plan.actions.push_back(actionOf(ActionKind::kSuspend));
  for (int i = 0; i < deletes; ++i) plan.actions.push_back(actionOf(ActionKind::kDelete));
  for (int i = 0; i < updates; ++i) plan.actions.push_back(actionOf(ActionKind::kUpdate));
  return plan;
}

struct GuardrailCase {
  int suspends;
  int deletes;
  size_t managed;
  bool blocked;
};

TEST(GuardrailTest, BlocksOverCountOrOverPercent) {
  Policy policy;  // count 25, percent 5
  const GuardrailCase cases[] = {
      {0, 0, 0, false},     {0, 0, 1000, false},
      {20, 5, 1000, false}, {20, 6, 1000, true},  // 26 > 25
      {5, 0, 100, false},                         // 5 = 5% of 100
      {6, 0, 100, true},                          // 6 > 5% of 100
      {1, 0, 15, false},  // 5% of 15 is 0.75: the percentage never forbids a single action
      {2, 0, 15, true},   // but two are over it
      {1, 0, 0, false},   // likewise with nothing managed
      {0, 2, 0, true},
  };
  for (const GuardrailCase& c : cases) {
    SCOPED_TRACE(std::to_string(c.suspends) + "+" + std::to_string(c.deletes) + " of " +
                 std::to_string(c.managed));
    const GuardrailVerdict v =
        checkDestructive(planWith(c.suspends, c.deletes, 50), c.managed, policy);
    EXPECT_EQ(v.blocked, c.blocked);
    EXPECT_EQ(v.message.empty(), !c.blocked);
  }
}

TEST(GuardrailTest, MessageNamesTheNumbersAndTheOverride) {
  Policy policy;
  policy.max_destructive_count = 25;
  policy.max_destructive_percent = 5;
  const GuardrailVerdict v = checkDestructive(planWith(27, 3, 0), 400, policy);
  ASSERT_TRUE(v.blocked);
  EXPECT_EQ(v.message,
            "the plan would suspend 27 and delete 3 users (30 destructive actions), more than "
            "policy.maxDestructive.count 25 and policy.maxDestructive.percent 5% of 400 managed "
            "live users (20); nothing destructive is applied unless --allow-destructive is given");
}

}  // namespace
}  // namespace scim_agent
