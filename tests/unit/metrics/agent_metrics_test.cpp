// The scim_agent_* families run and serve share (agent_metrics.h): the drift gauges and the
// action counter helpers, rendered as valid exposition text.

#include "agent/metrics/agent_metrics.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/unit/metrics/exposition_validator.h"

namespace scim_agent {
namespace {

TEST(AgentMetricsTest, DriftedUsersIsAGaugeWithHelpBesideDriftUsers) {
  MetricsRegistry metrics;
  addAgentMetrics(metrics);
  std::string text = metrics.render();
  EXPECT_NE(text.find("# HELP scim_agent_drifted_users Users with drift in the last run"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE scim_agent_drifted_users gauge\n"), std::string::npos);
  EXPECT_NE(text.find("scim_agent_drifted_users 0\n"), std::string::npos) << "visible at 0";

  setDriftGauges(metrics, 5, 2);
  setDriftGauges(metrics, 4, 1);  // a gauge: the last run's value
  text = metrics.render();
  const auto problems = testing::validateExposition(text);
  EXPECT_TRUE(problems.empty()) << testing::joinProblems(problems) << text;
  const auto samples = testing::parseExposition(text);
  EXPECT_EQ(testing::sampleValue(samples, kDriftUsers), 4);
  EXPECT_EQ(testing::sampleValue(samples, kDriftedUsers), 1);
}

TEST(AgentMetricsTest, ActionsAreCountedByKindAndOutcome) {
  MetricsRegistry metrics;
  addAgentMetrics(metrics);
  countAction(metrics, "create", "done");
  countAction(metrics, "create", "done");
  countAction(metrics, "suspend", "failed");
  const auto samples = testing::parseExposition(metrics.render());
  EXPECT_EQ(testing::sampleValue(samples, kActionsTotal, {{"kind", "create"}, {"outcome", "done"}}),
            2);
  EXPECT_EQ(
      testing::sampleValue(samples, kActionsTotal, {{"kind", "suspend"}, {"outcome", "failed"}}),
      1);
  EXPECT_EQ(metrics.value(kActionsTotal, {{"kind", "suspend"}, {"outcome", "done"}}), 0);
}

}  // namespace
}  // namespace scim_agent
