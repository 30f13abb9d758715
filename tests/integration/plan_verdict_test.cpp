// Issue 14, points 1 and 2, with the real binary against genesys-sim: the plan document states its
// verdict in every format (blocked by a guardrail with the limit in numbers, exit 3; held with
// --hold-destructive), a suspended user's coming delete is scheduled while the plan still says
// "No changes" (exit 0), and a held termination for a person added later is shown, not dropped.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "agent/codec/json_parse.h"
#include "tests/support/harness.h"
#include "tests/support/org.h"
#include "tests/support/temp_dir.h"

namespace scim_agent::testing {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// policy.maxDestructive as shipped: count 25, 5% of the managed users.
std::string fivePercent(std::string yaml) {
  const std::string from = "count: 25, percent: 100";
  const size_t at = yaml.find(from);
  if (at != std::string::npos) yaml.replace(at, from.size(), "count: 25, percent: 5");
  return yaml;
}

Person person(int n) {
  Person p;
  p.external_id = "EMP-" + std::to_string(n);
  p.user_name = "emp-" + std::to_string(n) + "@corp.example";
  return p;
}

std::vector<Person> fourPeople() { return {person(1), person(2), person(3), person(4)}; }

Json parsedOrNull(const std::string& text) {
  auto doc = parseJson(text);
  return doc.ok() ? *doc : Json();
}

TEST(PlanVerdictTest, ASmallOrgsFirstPlanIsBlockedAndSaysSoInEveryFormat) {
  SimProcess sim;
  std::vector<Person> people = fourPeople();
  sim.seed(seedOrg(people));
  people[2].status = "";  // EMP-3 and EMP-4 left HR
  people[3].status = "";
  TempDir dir;
  dir.write("desired.yaml", fivePercent(desiredYaml(people, {.max_destructive = 25})));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired.yaml"));

  RunResult r = runAgent({"plan", "--detailed-exitcode", "--config", config});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("Blocked by policy.maxDestructive: the plan would suspend 2", 0), 0u)
      << r.out;
  EXPECT_TRUE(contains(r.out, "Limit: at most 1 of 4 managed users: 5%, never less than one."))
      << r.out;
  EXPECT_TRUE(contains(r.out, "--hold-destructive")) << r.out;
  EXPECT_TRUE(contains(r.out, "! suspend EMP-3 (emp-3@corp.example)  [blocked]")) << r.out;
  EXPECT_TRUE(contains(r.out, "! suspend EMP-4 (emp-4@corp.example)  [blocked]")) << r.out;
  EXPECT_TRUE(contains(r.out, "2 to suspend, 0 to delete, 1 group change (2 blocked).")) << r.out;

  r = runAgent({"plan", "--format", "markdown", "--config", config});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "> **Blocked by policy.maxDestructive:")) << r.out;
  EXPECT_TRUE(contains(r.out, "at most 1 of 4 managed users: 5%, never less than one")) << r.out;
  EXPECT_TRUE(contains(r.out, "| suspend **blocked** | `EMP-3` |")) << r.out;

  r = runAgent({"plan", "--format", "html", "--config", config});
  EXPECT_TRUE(contains(r.out, "Blocked by policy.maxDestructive")) << r.err;

  // JSON, saved and signed: the verdict is in the document and apply still takes it.
  r = runAgent({"plan", "--format", "json", "--out", dir.file("plan.json"), "--config", config});
  const Json doc = parsedOrNull(r.out);
  const Json& verdict = doc.get("verdict");
  EXPECT_TRUE(verdict.getBool("blocked")) << r.out;
  EXPECT_EQ(verdict.getString("rule"), "maxDestructive");
  EXPECT_EQ(verdict.getString("limit"), "at most 1 of 4 managed users: 5%, never less than one");
  EXPECT_EQ(verdict.getNumber("blockedActions"), 2);
  int blocked = 0;
  for (const Json& a : doc.get("actions").asArray()) blocked += a.getBool("blocked") ? 1 : 0;
  EXPECT_EQ(blocked, 2) << r.out;
  r = runAgent({"apply", dir.file("plan.json"), "--config", config});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_FALSE(contains(r.err, "changed after it was made")) << r.err;
  EXPECT_TRUE(sim.userByExternalId("EMP-3").getBool("active")) << "blocked: nothing suspended";

  // --hold-destructive: the same suspends are held for approve, not blocked.
  r = runAgent({"plan", "--hold-destructive", "--detailed-exitcode", "--config", config});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "Blocked")) << r.out;
  EXPECT_TRUE(contains(r.out, "! suspend EMP-3 (emp-3@corp.example)  [held for approval]"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "group change (2 held).")) << r.out;
  r = runAgent({"plan", "--hold-destructive", "--format", "json", "--config", config});
  EXPECT_EQ(parsedOrNull(r.out).get("verdict").getNumber("heldActions"), 2) << r.out;
  EXPECT_EQ(sim.writes(), 0) << "plan writes nothing";
}

TEST(PlanVerdictTest, ASuspendedUsersDeleteIsScheduledAndThePlanStillHasNoChanges) {
  SimProcess sim;
  std::vector<Person> people = fourPeople();
  sim.seed(seedOrg(people));
  people[3].status = "";  // EMP-4 left: one suspend, within 5% (never less than one)
  TempDir dir;
  dir.write("desired.yaml", fivePercent(desiredYaml(people, {.max_destructive = 25})));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired.yaml"));
  RunResult r = runAgent({"apply", "--auto-approve", "--config", config},
                         {{"SCIM_AGENT_NOW", "2026-11-01T12:00:00Z"}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_FALSE(sim.userByExternalId("EMP-4").getBool("active", true));

  const std::map<std::string, std::string> later = {{"SCIM_AGENT_NOW", "2026-11-02T08:00:00Z"}};
  r = runAgent({"plan", "--detailed-exitcode", "--config", config}, later);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("No changes. Genesys Cloud matches the desired state.\n", 0), 0u) << r.out;
  EXPECT_TRUE(contains(r.out, "Scheduled (not part of this plan):\n  - delete EMP-4 "
                              "(emp-4@corp.example) on 2026-12-01T12:00:00Z (policy.deleteAfter "
                              "30d; suspended since 2026-11-01T12:00:00"))
      << r.out;

  r = runAgent({"plan", "--format", "markdown", "--config", config}, later);
  EXPECT_TRUE(contains(r.out, "| - delete | `EMP-4` | `emp-4@corp.example` | "
                              "2026-12-01T12:00:00Z |"))
      << r.out;
  r = runAgent({"plan", "--format", "json", "--config", config}, later);
  const Json doc = parsedOrNull(r.out);
  ASSERT_TRUE(doc.get("scheduled").isArray()) << r.out;
  EXPECT_EQ(doc.get("scheduled").asArray().at(0).getString("due"), "2026-12-01T12:00:00Z");
  EXPECT_TRUE(doc.get("actions").asArray().empty());

  r = runAgent({"adopt", "--report", "--config", config}, later);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Scheduled (1):\n  - delete EMP-4")) << r.out;
}

TEST(PlanVerdictTest, AHeldTerminationForAPersonAddedLaterIsShownNotDropped) {
  SimProcess sim;
  std::vector<Person> people = {person(1), person(2)};
  sim.seed(seedOrg(people));
  TempDir dir;
  // EMP-8 leaves before anyone added them; EMP-2 leaves at the end of the year.
  dir.write("leavers.json", R"([{"externalId":"EMP-8","terminationDate":"2026-11-20"},)"
                            R"({"externalId":"EMP-2","terminationDate":"2026-12-24"}])");
  const std::string config = writeSourcesConfig(
      dir, sim, desiredYaml(people, {.max_destructive = 25}),
      "  - type: json\n    location: leavers.json\n    role: terminations\n");
  const std::map<std::string, std::string> now = {{"SCIM_AGENT_NOW", "2026-11-23T12:00:00Z"}};
  RunResult r = runAgent({"apply", "--auto-approve", "--config", config}, now);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  r = runAgent({"plan", "--detailed-exitcode", "--config", config}, now);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "held EMP-8: the termination manifest")) << r.out;
  EXPECT_TRUE(contains(r.out, "waits for a user with this externalId")) << r.out;
  EXPECT_TRUE(contains(r.out, "! terminate EMP-2 (emp-2@corp.example) on 2026-12-24")) << r.out;

  // EMP-8 is then added to the desired state: no create (the termination holds), but shown.
  people.push_back(person(8));
  dir.write("desired/users.yaml", desiredYaml(people, {.max_destructive = 25}));
  r = runAgent({"plan", "--config", config}, now);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "+ create EMP-8")) << r.out;
  EXPECT_TRUE(contains(r.out, "held EMP-8 (emp-8@corp.example): the termination manifest"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "holds over the desired entry, so it is not created; "
                              "`scim-agent terminations` to review it, `scim-agent terminations "
                              "--clear EMP-8` to clear it"))
      << r.out;
}

}  // namespace
}  // namespace scim_agent::testing
