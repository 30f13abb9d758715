#include "agent/model/run.h"

#include <string>

#include <gtest/gtest.h>

#include "agent/model/audit_actor.h"

namespace scim_agent {
namespace {

// Every name of a table, in enumerator order, round trips; nothing else parses.
template <typename E>
void expectRoundTrips(const std::vector<std::string>& names, const char* (*name)(E),
                      std::optional<E> (*parse)(std::string_view)) {
  for (size_t i = 0; i < names.size(); ++i) {
    const E value = static_cast<E>(i);
    EXPECT_EQ(name(value), names[i]);
    EXPECT_EQ(parse(names[i]), value) << names[i];
  }
  for (const char* other : {"", "OK", "Pending", " ok", "ok ", "unknown", "dry_run"}) {
    EXPECT_EQ(parse(other), std::nullopt) << '"' << other << '"';
  }
}

TEST(RunTest, RunKinds) {
  expectRoundTrips<RunKind>({"plan", "apply", "run"}, runKindName, parseRunKind);
  EXPECT_EQ(parseRunKind("validate"), std::nullopt);
}

TEST(RunTest, RunOutcomes) {
  expectRoundTrips<RunOutcome>(
      {"running", "ok", "changes", "failed", "blocked", "dry-run", "cancelled", "interrupted"},
      runOutcomeName, parseRunOutcome);
  EXPECT_STREQ(runOutcomeName(RunOutcome::kDryRun), "dry-run");
}

TEST(RunTest, HeldStates) {
  expectRoundTrips<HeldState>({"pending", "applied", "stale", "failed", "discarded"},
                              heldStateName, parseHeldState);
}

TEST(AuditActorTest, AgentAndOperator) {
  EXPECT_STREQ(kAgentActor, "scim-agent");
  EXPECT_EQ(operatorActor("alice"), "operator:alice");
  EXPECT_EQ(operatorActor(""), "operator");
  EXPECT_EQ(operatorActor(nullptr), "operator");
}

}  // namespace
}  // namespace scim_agent
