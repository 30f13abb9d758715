// Issue 13 item 4: `apply plan.json` does not parse the desired state again when the inputs the
// signed plan records are byte for byte the same (agent/reconcile/saved_inputs.h), and parses and
// compares the digest as before when any differs: a file edited (semantically or not), a file
// added to the desired folder, agent.yaml's policy changed. The real binary against genesys-sim;
// whether the desired state was parsed is in the run's record in the state DB.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/codec/json_parse.h"
#include "tests/support/harness.h"
#include "tests/support/org.h"
#include "tests/support/state_db.h"

namespace scim_agent::testing {
namespace {

// EMP-0001 … EMP-0006 live; the desired state retitles EMP-0001 and removes EMP-0006.
std::vector<Person> people() {
  std::vector<Person> out;
  for (int i = 1; i <= 6; ++i) out.push_back({employeeId(i), employeeMail(i)});
  out[0].title = "Lead";
  out[5].status = "";
  return out;
}

class SavedPlanInputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<Person> seeded = people();
    seeded[0].title = "Agent";
    sim_.seed(seedOrg(seeded));
    dir_.write("desired/org.yaml", desiredYaml(people()));
    config_ = writeAgentConfig(dir_, sim_, dir_.file("desired"));
    RunResult plan = agent({"plan", "--out", dir_.file("plan.json")});
    ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
    sim_.resetCounters();
  }

  RunResult agent(std::vector<std::string> args) {
    args.push_back("--config");
    args.push_back(config_);
    return runAgent(args);
  }

  Json planDocument() {
    std::ifstream f(dir_.file("plan.json"));
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto doc = parseJson(text);
    EXPECT_TRUE(doc.ok()) << text;
    return doc.ok() ? *doc : Json();
  }

  // Whether the newest run parsed the desired state: its record says when it did not.
  bool parsedAgain() {
    const std::string db = dir_.file("state.db");
    const std::string last = "(SELECT max(id) FROM runs)";
    EXPECT_EQ(queryInt(db, "SELECT json_extract(summary_json, '$.desiredUsers') FROM runs WHERE id = " + last), 5)
        << "the source-shrink baseline is the whole desired state's, parsed or not";
    return queryInt(db, "SELECT coalesce(json_extract(summary_json, '$.desiredInputsUnchanged'), 0) "
                        "FROM runs WHERE id = " + last) == 0;
  }

  void expectApplied(const RunResult& apply) {
    EXPECT_EQ(apply.exit_code, 0) << apply.out << apply.err;
    auto users = sim_.usersByExternalId();
    EXPECT_EQ(users[employeeId(1)].getString("title"), "Lead");
    EXPECT_FALSE(users[employeeId(6)].getBool("active")) << "the removed user is suspended";
  }

  TempDir dir_;
  SimProcess sim_;
  std::string config_;
};

TEST_F(SavedPlanInputsTest, ThePlanRecordsItsInputsAndTheFactsOfTheUsersItNames) {
  const Json inputs = planDocument().get("inputs");
  ASSERT_TRUE(inputs.isObject()) << planDocument().dump();
  ASSERT_EQ(inputs.get("files").asArray().size(), 1u);
  EXPECT_EQ(inputs.get("files").asArray()[0].getString("path"), dir_.file("desired/org.yaml"));
  EXPECT_EQ(inputs.get("files").asArray()[0].getString("sha256").size(), 64u);
  EXPECT_EQ(inputs.getNumber("desiredUsers"), 5);
  EXPECT_EQ(inputs.get("policy").getString("onRemoval"), "suspend");
  // EMP-0001 (its update) is named with its desired entry; EMP-0006 (suspended) has none.
  const std::string users = inputs.get("users").dump();
  EXPECT_NE(users.find("\"externalId\":\"EMP-0001\""), std::string::npos) << users;
  EXPECT_NE(users.find("\"status\":\"active\""), std::string::npos) << users;
  EXPECT_NE(users.find("\"line\":"), std::string::npos) << "the place, for the gate's messages";
  EXPECT_EQ(users.find("EMP-0006"), std::string::npos) << users;
}

TEST_F(SavedPlanInputsTest, UnchangedInputsAreNotParsedAgain) {
  expectApplied(agent({"apply", dir_.file("plan.json")}));
  EXPECT_FALSE(parsedAgain());
}

TEST_F(SavedPlanInputsTest, AFileWithOtherBytesButTheSameMeaningIsParsedAndApplied) {
  dir_.write("desired/org.yaml", desiredYaml(people()) + "# reviewed\n");
  expectApplied(agent({"apply", dir_.file("plan.json")}));
  EXPECT_TRUE(parsedAgain());
}

TEST_F(SavedPlanInputsTest, AFileAddedToTheDesiredFolderIsCaught) {
  dir_.write("desired/more.yaml", "apiVersion: scim-agent/v1\nusers:\n  - externalId: EMP-0006\n"
                                  "    userName: " + employeeMail(6) + "\n    displayName: Six\n");
  RunResult apply = agent({"apply", dir_.file("plan.json")});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_NE(apply.err.find("other desired inputs"), std::string::npos) << apply.err;
  EXPECT_EQ(sim_.writes(), 0);
}

TEST_F(SavedPlanInputsTest, APolicyAddedToAgentYamlIsCaught) {
  // The files are untouched, but agent.yaml now protects the user the plan suspends: the facts
  // recorded in the plan would not know it.
  std::ofstream(config_, std::ios::app) << "policy:\n  protected:\n    - externalId: EMP-0006\n";
  RunResult apply = agent({"apply", dir_.file("plan.json")});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_NE(apply.err.find("other desired inputs"), std::string::npos) << apply.err;
  EXPECT_EQ(sim_.writes(), 0);
  EXPECT_TRUE(sim_.usersByExternalId()[employeeId(6)].getBool("active"));
}

TEST_F(SavedPlanInputsTest, EditedFactsBreakTheSignature) {
  Json doc = planDocument();
  doc["inputs"]["desiredUsers"] = 500;
  dir_.write("plan.json", doc.dump());
  RunResult apply = agent({"apply", dir_.file("plan.json")});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_NE(apply.err.find("changed after it was made"), std::string::npos) << apply.err;
  EXPECT_EQ(sim_.writes(), 0);
}

TEST_F(SavedPlanInputsTest, APlanFileBeyondTheBoundIsRefusedUnread) {
  const std::string huge = dir_.write("huge.json", "{");
  std::filesystem::resize_file(huge, 300u << 20);  // sparse: nothing is written
  RunResult apply = agent({"apply", huge});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_NE(apply.err.find("huge.json is 300 MiB, more than the 256 MiB a plan may be"),
            std::string::npos)
      << apply.err;
  EXPECT_EQ(sim_.writes(), 0);
}

}  // namespace
}  // namespace scim_agent::testing
