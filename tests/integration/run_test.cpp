// `scim-agent run` against the real genesys-sim (issue #5): one unattended cycle applies and is
// then a no-op, a guardrail block exits 3 with nothing destructive applied, the node_exporter
// textfile parses as Prometheus exposition format and agrees with the simulator's counters, and
// `run --loop` cycles until SIGTERM.
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "tests/support/harness.h"
#include "tests/support/org.h"
#include "tests/unit/metrics/exposition_validator.h"

namespace scim_agent::testing {
namespace {

// EMP-n as EMP-n@corp.example with a title, in no group.
std::vector<Person> staff(const std::vector<std::pair<std::string, std::string>>& users) {
  std::vector<Person> out;
  for (const auto& [ext, title] : users) {
    out.push_back(
        {.external_id = ext, .user_name = ext + "@corp.example", .title = title, .groups = {}});
  }
  return out;
}

std::vector<ExpositionSample> validTextfile(const std::string& dir) {
  const std::string text = readFile(dir + "/scim_agent.prom");
  EXPECT_FALSE(text.empty()) << "no textfile in " << dir;
  const auto problems = validateExposition(text);
  EXPECT_TRUE(problems.empty()) << joinProblems(problems) << text;
  return parseExposition(text);
}

TEST(RunTest, AppliesChangesThenIsANoOpAndWritesTheTextfile) {
  SimProcess sim;
  sim.seed(seedOrg(staff({{"EMP-1", "Agent"}, {"EMP-2", "Agent"}})));
  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(staff({{"EMP-1", "Agent"},
                                                   {"EMP-2", "Lead"},
                                                   {"EMP-3", "Agent"},
                                                   {"EMP-4", "Agent"}})));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));
  const std::string metrics = dir.file("metrics");
  dir.write("metrics/.keep", "");
  sim.resetCounters();

  RunResult first = runAgent({"run", "--config", config, "--metrics-textfile", metrics});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  // Off a terminal (journald) stdout is one JSON object per line (SPEC §12).
  std::istringstream lines(first.out);
  int logged = 0;
  for (std::string line; std::getline(lines, line); ++logged) {
    EXPECT_TRUE(parseJson(line).ok()) << line;
  }
  EXPECT_GT(logged, 0);
  const Json c1 = sim.counters();
  const int creates = sim.count("POST /scim/v2/users");
  const int patches = sim.count("PATCH /scim/v2/users/{id}");
  EXPECT_EQ(creates, 2);
  EXPECT_EQ(patches, 1);
  const auto users = sim.usersByExternalId();
  EXPECT_EQ(users.at("EMP-2").getString("title"), "Lead");
  EXPECT_TRUE(users.count("EMP-4"));

  auto samples = validTextfile(metrics);
  EXPECT_EQ(sampleValue(samples, "scim_agent_runs_total", {{"outcome", "ok"}}), 1);
  EXPECT_EQ(
      sampleValue(samples, "scim_agent_actions_total", {{"kind", "create"}, {"outcome", "done"}}),
      creates);
  EXPECT_EQ(
      sampleValue(samples, "scim_agent_actions_total", {{"kind", "update"}, {"outcome", "done"}}),
      patches);
  EXPECT_EQ(sampleValue(samples, "scim_agent_drift_users"), 3);
  EXPECT_EQ(sumSamples(samples, "scim_agent_api_requests_total"), c1.getNumber("total"));
  EXPECT_EQ(sampleValue(samples, "scim_agent_api_requests_total", {{"status_class", "2xx"}}),
            c1.getNumber("total"));
  EXPECT_GT(sampleValue(samples, "scim_agent_last_success_timestamp_seconds"), 1.7e9);
  EXPECT_TRUE(findSample(samples, "scim_agent_run_duration_seconds").has_value());

  sim.resetCounters();
  RunResult second = runAgent({"run", "--config", config, "--metrics-textfile", metrics});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(sim.writes(), 0);
  samples = validTextfile(metrics);
  // Counters continue across the timer's processes; the gauges are this run's.
  EXPECT_EQ(sampleValue(samples, "scim_agent_runs_total", {{"outcome", "ok"}}), 2);
  EXPECT_EQ(
      sampleValue(samples, "scim_agent_actions_total", {{"kind", "create"}, {"outcome", "done"}}),
      creates);
  EXPECT_EQ(sampleValue(samples, "scim_agent_drift_users"), 0);

  RunResult history = runAgent({"history", "--config", config, "--format", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  auto runs = parseJson(history.out);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->asArray().size(), 2u);
  for (const auto& r : runs->asArray()) {
    EXPECT_EQ(r.getString("kind"), "run");
    EXPECT_EQ(r.getString("outcome"), "ok");
  }
}

TEST(RunTest, BlockedRunExits3AndAppliesNothingDestructive) {
  SimProcess sim;
  sim.seed(seedOrg(
      staff({{"EMP-1", "Agent"}, {"EMP-2", "Agent"}, {"EMP-3", "Agent"}, {"EMP-4", "Agent"}})));
  TempDir dir;
  // Three users removed (3 suspends) against maxDestructive 1; one title change goes through.
  dir.write("desired/org.yaml", desiredYaml(staff({{"EMP-1", "Lead"}}), {.max_destructive = 1}));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));
  dir.write("metrics/.keep", "");

  RunResult r = runAgent({"run", "--config", config, "--metrics-textfile", dir.file("metrics")});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("blocked"), std::string::npos) << r.err;
  const auto users = sim.usersByExternalId();
  for (const std::string ext : {"EMP-2", "EMP-3", "EMP-4"}) {
    EXPECT_TRUE(users.at(ext).getBool("active")) << ext;
  }
  EXPECT_EQ(users.at("EMP-1").getString("title"), "Lead");
  const auto samples = validTextfile(dir.file("metrics"));
  EXPECT_EQ(sampleValue(samples, "scim_agent_runs_total", {{"outcome", "blocked"}}), 1);
  EXPECT_EQ(
      sampleValue(samples, "scim_agent_actions_total", {{"kind", "suspend"}, {"outcome", "done"}}),
      0);
  EXPECT_EQ(
      sampleValue(samples, "scim_agent_actions_total", {{"kind", "update"}, {"outcome", "done"}}),
      1);
  // No success yet: the last success time stays absent (0).
  EXPECT_EQ(sampleValue(samples, "scim_agent_last_success_timestamp_seconds"), 0);

  // --allow-destructive is the explicit decision: the suspends go through.
  RunResult allowed = runAgent({"run", "--config", config, "--allow-destructive"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_FALSE(sim.usersByExternalId().at("EMP-2").getBool("active"));
}

TEST(RunTest, LoopCyclesUntilSigtermThenExits0) {
  SimProcess sim;
  sim.seed(seedOrg(staff({{"EMP-1", "Agent"}})));
  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(staff({{"EMP-1", "Lead"}})));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));
  dir.write("metrics/.keep", "");

  AgentProcess agent({"run", "--config", config, "--loop", "--interval", "1s", "--metrics-textfile",
                      dir.file("metrics")});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  double cycles = 0;
  while (std::chrono::steady_clock::now() < deadline && agent.running()) {
    const std::string text = readFile(dir.file("metrics/scim_agent.prom"));
    cycles = sumSamples(parseExposition(text), "scim_agent_runs_total");
    if (cycles >= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(cycles, 2) << "the loop did not cycle twice";
  agent.terminate();
  RunResult r = agent.wait();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim.usersByExternalId().at("EMP-1").getString("title"), "Lead");

  RunResult history = runAgent({"history", "--config", config, "--format", "json"});
  auto runs = parseJson(history.out);
  ASSERT_TRUE(runs.ok()) << history.out;
  EXPECT_GE(runs->asArray().size(), 2u);
  for (const auto& run : runs->asArray()) {
    EXPECT_EQ(run.getString("kind"), "run");
    EXPECT_NE(run.getString("outcome"), "running");  // every cycle finished its run record
  }
}

TEST(RunTest, IntervalWithoutLoopOrMalformedIsAUsageError) {
  EXPECT_EQ(runAgent({"run", "--interval", "1s"}).exit_code, 64);
  EXPECT_EQ(runAgent({"run", "--loop", "--interval", "soon"}).exit_code, 64);
}

}  // namespace
}  // namespace scim_agent::testing
