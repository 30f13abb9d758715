// agent.yaml's `report:` section (issue 12): report.dir and report.terminationSla.

#include "agent/config/report_yaml.h"

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/config/config.h"
#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

using ::testing::ElementsAre;
using Env = std::map<std::string, std::string>;

constexpr const char* kTarget =
    "target:\n"
    "  region: us-east-1\n"
    "  clientId: abc\n"
    "  clientSecretFile: client-secret\n";

class ReportYamlTest : public ::testing::Test {
 protected:
  std::optional<Config> load(const std::string& report_yaml, const Env& env = {}) {
    dir_.write("client-secret", "s3cret\n");
    path_ = dir_.write("agent.yaml", std::string(kTarget) + report_yaml);
    diags_ = Diagnostics();
    return loadConfig(path_, env, diags_);
  }
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags_.items()) out.push_back(d.toString());
    return out;
  }
  std::string at(int line, int column) const {
    return path_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  }

  TempDir dir_;
  std::string path_;
  Diagnostics diags_;
};

TEST_F(ReportYamlTest, DefaultsWhenTheSectionIsAbsent) {
  auto config = load("");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages());
  EXPECT_EQ(config->report_dir, "");
  EXPECT_EQ(config->termination_sla, std::chrono::hours(1));
}

TEST_F(ReportYamlTest, ReadsDirRelativeToTheConfigFolderAndTheSla) {
  auto config = load("report:\n  dir: reports/weekly\n  terminationSla: 30m\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages());
  EXPECT_EQ(config->report_dir, dir_.path() + "/reports/weekly");
  EXPECT_EQ(config->termination_sla, std::chrono::minutes(30));

  config = load("report: { dir: /var/lib/scim-agent/reports }\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages());
  EXPECT_EQ(config->report_dir, "/var/lib/scim-agent/reports");
  EXPECT_EQ(config->termination_sla, std::chrono::hours(1)) << "the default stays";
}

TEST_F(ReportYamlTest, EnvironmentOverridesBothKeys) {
  auto config = load(
      "report: { dir: reports, terminationSla: 2h }\n",
      {{"SCIM_AGENT_REPORT_DIR", "/srv/reports"}, {"SCIM_AGENT_REPORT_TERMINATIONSLA", "15m"}});
  ASSERT_TRUE(config) << ::testing::PrintToString(messages());
  EXPECT_EQ(config->report_dir, "/srv/reports");
  EXPECT_EQ(config->termination_sla, std::chrono::minutes(15));

  config = load("", {{"SCIM_AGENT_REPORT_TERMINATIONSLA", "soon"}});
  EXPECT_FALSE(config);
  ASSERT_EQ(diags_.items().size(), 1u);
  EXPECT_NE(messages()[0].find("SCIM_AGENT_REPORT_TERMINATIONSLA"), std::string::npos)
      << messages()[0];
}

TEST_F(ReportYamlTest, BadValuesAndUnknownKeysNameTheirPlace) {
  auto config = load(
      "report:\n"
      "  dri: reports\n"
      "  terminationSla: 1.5h\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(),
              ElementsAre(at(6, 3) + "unknown key \"dri\" (did you mean \"dir\"?)",
                          at(7, 3) + "terminationSla must be a duration from 1s to 7d, like 1h "
                                     "or 30m, got \"1.5h\""));

  config = load("report:\n  dir: \"\"\n  terminationSla: 0\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(),
              ElementsAre(at(6, 3) + "dir must not be empty (leave it out to write no report "
                                     "files)",
                          at(7, 3) + "terminationSla must be a duration from 1s to 7d, like 1h "
                                     "or 30m, got \"0\""));

  config = load("report:\n  terminationSla: 8d\n");
  EXPECT_FALSE(config) << "longer than kMaxTerminationSla";

  config = load("report: weekly\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(),
              ElementsAre(at(5, 1) + "expected a mapping for \"report\", got \"weekly\""));
}

}  // namespace
}  // namespace scim_agent
