// HR sources merged into the desired state (SPEC §6): duplicates across YAML and sources name
// both places, cross-checks reject records instead of failing the load, the reject limit.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/desired/desired_loader.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using ::testing::HasSubstr;
using scim_agent::testing::TempDir;

constexpr const char* kSpec = R"(apiVersion: scim-agent/v1
groupsByDepartment:
  SUPPORT: [Support Agents]
policy:
  roles: { SUPPORT: [agent] }
users:
  - externalId: EMP-1
    userName: one@corp.example
    displayName: One
sources:
  - type: csv
    location: hr.csv
    mapping:
      externalId: "EMP-{id}"
      userName: "{email}"
      displayName: "{name}"
      department: "{dept}"
      roles: ["{role}"]
      manager:
        - when: "boss is not empty"
          value: "EMP-{boss}"
)";

class HrMergeTest : public ::testing::Test {
 protected:
  DesiredState load(const std::string& csv, const std::string& spec = kSpec) {
    dir_.write("hr.csv", csv);
    const std::string path = dir_.write("users.yaml", spec);
    diags_ = Diagnostics();
    return loadDesired(path, LoadOptions{}, diags_);
  }
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags_.sorted()) out.push_back(d.toString());
    return out;
  }
  TempDir dir_;
  Diagnostics diags_;
};

constexpr const char* kHeader = "id,email,name,dept,role,boss\n";

TEST_F(HrMergeTest, SourceUsersAreMergedWithTheYamlOnesAndKeepTheirRow) {
  const DesiredState d = load(std::string(kHeader) +
                              "2,two@corp.example,Two,SUPPORT,agent,1\n"
                              "3,three@corp.example,Three,SUPPORT,agent,\n");
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(errors());
  ASSERT_EQ(d.users.size(), 3u);
  EXPECT_EQ(d.users[1].external_id, "EMP-2");
  EXPECT_EQ(d.users[1].source.toString(), "hr.csv:2");
  EXPECT_EQ(d.users[1].manager, "EMP-1");
  // groupsByDepartment seeds a source user's groups like a YAML user's.
  EXPECT_EQ(d.users[1].groups, std::vector<std::string>{"Support Agents"});
  ASSERT_EQ(d.sources.size(), 1u);
  EXPECT_EQ(d.sources[0].records, 2u);
  EXPECT_EQ(d.sources[0].mapped, 2u);
  EXPECT_EQ(d.sources[0].users, 2u);
  EXPECT_TRUE(d.sources[0].whole);
}

TEST_F(HrMergeTest, AUserInTheYamlAndTheCsvIsAnErrorNamingBothPlaces) {
  load(std::string(kHeader) + "3,three@corp.example,Three,SUPPORT,agent,\n"
                              "1,other@corp.example,One again,SUPPORT,agent,\n");
  ASSERT_EQ(diags_.size(), 1u) << ::testing::PrintToString(errors());
  EXPECT_EQ(errors()[0], "hr.csv:3: duplicate externalId \"EMP-1\" (first at users.yaml:7:5)");
}

TEST_F(HrMergeTest, CrossChecksRejectTheRecordInsteadOfFailingTheLoad) {
  const DesiredState d =
      load(std::string(kHeader) + "2,two@corp.example,Two,SUPPORT,agent,\n"
                                  "3,three@corp.example,Three,NOPE,agent,\n"
                                  "4,four@corp.example,Four,SUPPORT,admin,\n"
                                  "5,five@corp.example,Five,SUPPORT,agent,99\n");
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(errors());
  ASSERT_EQ(d.users.size(), 2u);  // EMP-1 (YAML) and EMP-2
  const auto& rejects = d.sources[0].rejects;
  ASSERT_EQ(rejects.size(), 3u);
  EXPECT_EQ(rejects[0].where.toString(), "hr.csv:3");
  EXPECT_EQ(rejects[0].external_id, "EMP-3");
  EXPECT_THAT(rejects[0].message, HasSubstr("unknown department \"NOPE\""));
  EXPECT_THAT(rejects[1].message, HasSubstr("role \"admin\" is not allowed for department SUPPORT"));
  EXPECT_THAT(rejects[2].message, HasSubstr("manager \"EMP-99\" is not the externalId"));
  EXPECT_EQ(d.sources[0].mapped, 1u);
  EXPECT_TRUE(d.sources[0].over_reject_limit);  // 3 of 4 > 1%
  EXPECT_EQ(d.sources[0].reject_limit,
            "3 of 4 records rejected, more than policy.maxRejectedRecords 1%");
}

TEST_F(HrMergeTest, AManagerWhoseRecordWasRejectedIsLeftAloneNotCascaded) {
  const DesiredState d =
      load(std::string(kHeader) + "2,not-an-email,Two,SUPPORT,agent,\n"
                                  "3,three@corp.example,Three,SUPPORT,agent,2\n");
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(errors());
  ASSERT_EQ(d.sources[0].rejects.size(), 1u);
  EXPECT_EQ(d.sources[0].rejects[0].external_id, "EMP-2");
  ASSERT_EQ(d.users.size(), 2u);
  EXPECT_EQ(d.users[1].external_id, "EMP-3");
  EXPECT_FALSE(d.users[1].manager.has_value());
}

TEST_F(HrMergeTest, RejectsWithinACountLimitAreNotOverIt) {
  std::string spec = kSpec;
  spec.replace(spec.find("policy:\n"), 8, "policy:\n  maxRejectedRecords: 1\n");
  const DesiredState d =
      load(std::string(kHeader) + "2,not-an-email,Two,SUPPORT,agent,\n", spec);
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(errors());
  EXPECT_EQ(d.sources[0].rejects.size(), 1u);
  EXPECT_FALSE(d.sources[0].over_reject_limit);
}

TEST_F(HrMergeTest, SourcesInAgentYamlAndASpecFileAreAnError) {
  LoadOptions options;
  YamlEntry entry;
  entry.key = "sources";
  entry.pos = SourcePos{"agent.yaml", 9, 1};
  options.sources = entry;
  dir_.write("hr.csv", std::string(kHeader));
  const std::string path = dir_.write("users.yaml", kSpec);
  loadDesired(path, options, diags_);
  EXPECT_THAT(errors(), ::testing::Contains(HasSubstr(
                            "\"sources\" is in agent.yaml already (at agent.yaml:9:1)")));
}

TEST_F(HrMergeTest, AnUnknownColumnIsAnErrorAtItsPlaceInTheConfig) {
  std::string spec = kSpec;
  spec.replace(spec.find("\"{name}\""), 8, "\"{nmae}\"");
  load(std::string(kHeader) + "2,two@corp.example,Two,SUPPORT,agent,\n", spec);
  ASSERT_FALSE(diags_.empty());
  EXPECT_THAT(errors()[0], HasSubstr("users.yaml:16:"));
  EXPECT_THAT(errors()[0], HasSubstr("unknown column \"nmae\" in hr.csv"));
}

}  // namespace
}  // namespace scim_agent
