// Names the org does not have (issue 14): an unknown group fails `plan` and is skipped by `run`
// (the rest applied); `validate --online` checks groups, roles, divisions, skills and languages;
// a YAML syntax error shows its line, a caret and a hint.
#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "tests/support/harness.h"
#include "tests/support/temp_dir.h"

namespace scim_agent::testing {
namespace {

constexpr const char* kDesired =
    "apiVersion: scim-agent/v1\n"
    "policy:\n"
    "  managedAttributes: [displayName, title, groups, active, routingSkills]\n"
    "users:\n"
    "  - externalId: EMP-1\n"
    "    userName: one@corp.example\n"
    "    displayName: One\n"
    "    groups: [Suport EU]\n"
    "  - externalId: EMP-2\n"
    "    userName: two@corp.example\n"
    "    displayName: Two\n"
    "    groups: [Support EU]\n";

class UnknownNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto seed = parseJson(
        R"({"groups":[{"displayName":"Support EU","id":"g1"},{"displayName":"Sales","id":"g2"}],
            "skills":["French","German"],"languages":["English"]})");
    ASSERT_TRUE(seed.ok());
    sim_.seed(*seed);
  }
  RunResult agent(std::vector<std::string> args, const std::string& desired) {
    const std::string path = dir_.write("users.yaml", desired);
    args.push_back("--config");
    args.push_back(writeAgentConfig(dir_, sim_, path));
    return runAgent(args);
  }
  std::string spec() const { return dir_.file("users.yaml"); }

  SimProcess sim_;
  TempDir dir_;
};

TEST_F(UnknownNamesTest, PlanFailsNamingTheUserAndTheClosestGroup) {
  const RunResult r = agent({"plan"}, kDesired);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(spec() + ":5:5: group \"Suport EU\" does not exist in Genesys (did you "
                                "mean \"Support EU\"?); named by EMP-1"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("No changes"), std::string::npos) << r.out;
  EXPECT_EQ(sim_.writes(), 0);
}

TEST_F(UnknownNamesTest, RunSkipsOnlyThatUsersGroupChangeAndExitsOne) {
  const RunResult r = agent({"run"}, kDesired);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("group \"Suport EU\" does not exist in Genesys (did you mean \"Support "
                       "EU\"?): the group memberships of EMP-1 (" +
                       spec() + ":5:5) were left unchanged"),
            std::string::npos)
      << r.err;
  // Both users were created; EMP-2 joined its group, EMP-1 joined none.
  const Json one = sim_.userByExternalId("EMP-1");
  const Json two = sim_.userByExternalId("EMP-2");
  ASSERT_FALSE(one.isNull());
  ASSERT_FALSE(two.isNull());
  EXPECT_FALSE(one.get("groups").isArray() && !one.get("groups").asArray().empty()) << one.dump();
  ASSERT_TRUE(two.get("groups").isArray()) << two.dump();
  ASSERT_EQ(two.get("groups").asArray().size(), 1u) << two.dump();
  EXPECT_EQ(two.get("groups").asArray()[0].getString("display"), "Support EU");
  // History says why a run whose actions were all done failed.
  const RunResult history = agent({"history"}, kDesired);
  EXPECT_NE(history.out.find("failed"), std::string::npos) << history.out;
  EXPECT_NE(history.out.find("1 group change skipped (unknown group)"), std::string::npos)
      << history.out;
}

TEST_F(UnknownNamesTest, ValidateOnlineChecksGroupsAndSkills) {
  const std::string desired = std::string(kDesired) + "    routingSkills: [{name: Frnech, proficiency: 3}]\n";
  const RunResult offline = agent({"validate"}, desired);
  EXPECT_EQ(offline.exit_code, 0) << offline.out << offline.err;
  const RunResult r = agent({"validate", "--online"}, desired);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(spec() + ":5:5: group \"Suport EU\" does not exist in Genesys"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(spec() + ":9:5: routing skill \"Frnech\" does not exist in Genesys (did "
                                "you mean \"French\"?); named by EMP-2"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("2 errors found."), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("valid"), std::string::npos) << r.out;
  EXPECT_EQ(sim_.count("GET /api/v2/routing/skills"), 1);
}

TEST_F(UnknownNamesTest, ValidateOnlineAcceptsKnownNames) {
  std::string desired = kDesired;
  desired.replace(desired.find("Suport EU"), 9, "Sales");
  const RunResult r = agent({"validate", "--online"}, desired);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Every name the desired state uses exists in Genesys"), std::string::npos)
      << r.out;
}

TEST_F(UnknownNamesTest, ValidateShowsAYamlMistakeWithACaretAndAHint) {
  const RunResult r = agent({"validate"},
                            "apiVersion: scim-agent/v1\n"
                            "users:\n"
                            "  - externalId: EMP-1\n"
                            "    userName one@corp.example\n"
                            "    displayName: One\n");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(spec() + ":5:16: YAML syntax error: illegal map value\n"
                                "  4 |     userName one@corp.example\n"
                                "    |             ^\n"
                                "  hint: a key without ':'?\n"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace scim_agent::testing
