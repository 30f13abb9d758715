// A whole-org plan reads the live users while the desired state loads (issue 13): a desired state
// that does not load stops the read, a spec that manages more than agent.yaml gets its extra
// attributes, and the plan is the one a read after the load gives.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/harness.h"
#include "tests/support/org.h"

namespace scim_agent::testing {
namespace {

std::vector<Person> staff(int n) {
  std::vector<Person> people;
  for (int i = 1; i <= n; ++i) people.push_back({employeeId(i), employeeMail(i)});
  return people;
}

// 3,000 users are 120 list pages of 25; every response 20 ms late, so a whole read takes more than
// 2.4 s. The desired file breaks on its second line.
TEST(LivePrefetchTest, ADesiredStateThatDoesNotLoadStopsTheLiveRead) {
  TempDir dir;
  SimProcess sim;
  const std::vector<Person> people = staff(3000);
  sim.seed(seedOrg(people));
  Json latency = Json::object();
  latency["latencyMs"] = 20;
  sim.configure(latency);
  const std::string broken = "apiVersion: scim-agent/v1\nusers: [ {externalId: EMP-0001\n";
  dir.write("desired/org.yaml", broken);
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));
  sim.resetCounters();

  RunResult plan = runAgent({"plan", "--config", config, "--detailed-exitcode"});
  EXPECT_EQ(plan.exit_code, 1) << plan.out << plan.err;
  EXPECT_NE(plan.err.find("org.yaml:"), std::string::npos) << plan.err;
  EXPECT_EQ(plan.err.find("reading the live users failed"), std::string::npos) << plan.err;
  // The read started, and stopped after at most the pages in flight: far from 120.
  const int pages = sim.count("GET /scim/v2/users");
  EXPECT_LE(pages, 5) << "the live read went on after the desired state failed to load";
  EXPECT_EQ(sim.count("GET /scim/v2/groups"), 0);
  EXPECT_EQ(sim.writes(), 0);
  // The process joined the read before exiting: nothing arrives later.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(sim.count("GET /scim/v2/users"), pages);

  // The same file fixed: the whole read and a plan.
  dir.write("desired/org.yaml", desiredYaml(people));
  latency["latencyMs"] = 0;
  sim.configure(latency);
  sim.resetCounters();
  RunResult fixed = runAgent({"plan", "--config", config, "--detailed-exitcode"});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  EXPECT_EQ(sim.count("GET /scim/v2/users"), 120 + 1);  // active pages, one inactive page
}

// agent.yaml's policy leaves roles alone, the spec's own `policy:` manages them: the read started
// before the spec was loaded projected roles out, so the plan needs a read with them.
TEST(LivePrefetchTest, ASpecManagingRolesGetsThemReadThoughAgentYamlDoesNot) {
  TempDir dir;
  SimProcess sim;
  std::vector<Person> people = staff(40);
  sim.seed(seedOrg(people, {.roles = {"agent", "supervisor"}}));
  DesiredOptions desired;
  desired.policy =
      "  managedAttributes: [displayName, title, groups, active, roles]\n";
  std::string yaml = desiredYaml(people, desired);
  // EMP-0007 keeps only the agent role; everyone else keeps both.
  const std::string seventh = "userName: " + employeeMail(7) + "\n";
  yaml.insert(yaml.find(seventh) + seventh.size(), "    roles: [agent]\n");
  for (int i = 1; i <= 40; ++i) {
    if (i == 7) continue;
    const std::string line = "userName: " + employeeMail(i) + "\n";
    yaml.insert(yaml.find(line) + line.size(), "    roles: [agent, supervisor]\n");
  }
  dir.write("desired/org.yaml", yaml);
  writeAgentConfig(dir, sim, dir.file("desired"));
  const std::string config = dir.append(
      "agent.yaml", "policy:\n  managedAttributes: [displayName, title, groups, active]\n");
  sim.resetCounters();

  RunResult plan = runAgent({"plan", "--config", config, "--out", dir.file("plan.json"),
                             "--detailed-exitcode"});
  ASSERT_EQ(plan.exit_code, 2) << plan.out << plan.err;
  EXPECT_NE(plan.out.find("1 to update"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find(employeeId(7)), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("supervisor"), std::string::npos) << plan.out;
  // A read with roles (2 active pages, 1 inactive) after whatever the early read, without them,
  // had sent when the spec turned out to manage roles (the simulator does not record queries).
  const int listings = sim.count("GET /scim/v2/users");
  EXPECT_GE(listings, 3);
  EXPECT_LE(listings, 6);

  // Applied, the next plan has nothing left to do.
  RunResult apply = runAgent({"apply", dir.file("plan.json"), "--config", config});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  RunResult again = runAgent({"plan", "--config", config, "--detailed-exitcode"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

// agent.yaml manages roles, the spec does not: the read made early with roles is narrowed to what
// the spec manages, so the plan is that of a read without roles: no role change is planned, and
// no second read is made.
TEST(LivePrefetchTest, ASpecManagingLessThanAgentYamlPlansAsBefore) {
  TempDir dir;
  SimProcess sim;
  std::vector<Person> people = staff(30);
  sim.seed(seedOrg(people, {.roles = {"agent", "supervisor"}}));
  DesiredOptions desired;
  desired.policy = "  managedAttributes: [displayName, title, groups, active]\n";
  std::string yaml = desiredYaml(people, desired);
  const std::string third = "userName: " + employeeMail(3) + "\n";
  yaml.insert(yaml.find(third) + third.size(), "    roles: [agent]\n    title: Lead\n");
  dir.write("desired/org.yaml", yaml);
  writeAgentConfig(dir, sim, dir.file("desired"));
  const std::string config = dir.file("agent.yaml");  // every attribute managed by default
  sim.resetCounters();

  RunResult plan = runAgent({"plan", "--config", config, "--detailed-exitcode"});
  ASSERT_EQ(plan.exit_code, 2) << plan.out << plan.err;
  EXPECT_NE(plan.out.find("1 to update"), std::string::npos) << plan.out;
  EXPECT_EQ(plan.out.find("supervisor"), std::string::npos) << plan.out;
  // One read: the early one fetched roles, more than needed, and was narrowed.
  EXPECT_EQ(sim.count("GET /scim/v2/users"), 3);  // 2 active pages, 1 inactive
}

}  // namespace
}  // namespace scim_agent::testing
