// target.maxResponseBytes and target.requestDeadline (SPEC §16): bounds on what a server may
// send, read from agent.yaml or the environment.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Env = std::map<std::string, std::string>;

constexpr const char* kMinimal =
    "target:\n"
    "  region: us-east-1\n"
    "  clientId: abc\n"
    "  clientSecretFile: client-secret\n";

class TargetBoundsTest : public ::testing::Test {
 protected:
  std::optional<Config> load(const std::string& yaml, const Env& env = {}) {
    dir_.write("client-secret", "s3cret\n");
    path_ = dir_.write("agent.yaml", yaml);
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

TEST_F(TargetBoundsTest, DefaultsAre16MiBAnd120Seconds) {
  auto config = load(kMinimal);
  ASSERT_TRUE(config) << ::testing::PrintToString(messages());
  EXPECT_EQ(config->target.max_response_bytes, int64_t{16} << 20);
  EXPECT_EQ(config->target.request_deadline, std::chrono::seconds(120));
}

TEST_F(TargetBoundsTest, BytesOrBinaryUnitsAndTheDurationGrammarAreRead) {
  auto config = load(std::string(kMinimal) +
                     "  maxResponseBytes: 1MiB\n"
                     "  requestDeadline: 3s\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages());
  EXPECT_EQ(config->target.max_response_bytes, int64_t{1} << 20);
  EXPECT_EQ(config->target.request_deadline, std::chrono::seconds(3));

  config = load(std::string(kMinimal) +
                "  maxResponseBytes: 2097152\n"
                "  requestDeadline: 2m\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages());
  EXPECT_EQ(config->target.max_response_bytes, 2097152);
  EXPECT_EQ(config->target.request_deadline, std::chrono::seconds(120));
}

TEST_F(TargetBoundsTest, BadValuesAreErrorsAtTheirPlace) {
  auto config = load(std::string(kMinimal) +
                     "  maxResponseBytes: 16MB\n"
                     "  requestDeadline: 0\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(),
              ElementsAre(at(5, 3) +
                              "maxResponseBytes must be a byte count between 1KiB and 1GiB, such "
                              "as 16777216 or 16MiB (units KiB, MiB, GiB), got \"16MB\"",
                          at(6, 3) +
                              "requestDeadline must be a duration between 1s and 1h such as 120s "
                              "or 2m, got \"0\""));
}

TEST_F(TargetBoundsTest, OutOfRangeValuesAreErrors) {
  auto config = load(std::string(kMinimal) +
                     "  maxResponseBytes: 2GiB\n"
                     "  requestDeadline: 2h\n");
  EXPECT_FALSE(config);
  ASSERT_EQ(diags_.items().size(), 2u) << ::testing::PrintToString(messages());
  EXPECT_THAT(messages()[0], HasSubstr("got \"2GiB\""));
  EXPECT_THAT(messages()[1], HasSubstr("got \"2h\""));
  config = load(std::string(kMinimal) + "  maxResponseBytes: 99999999999999\n");
  EXPECT_FALSE(config);
}

TEST_F(TargetBoundsTest, EnvironmentOverridesTheFile) {
  auto config = load(std::string(kMinimal) + "  maxResponseBytes: 1MiB\n",
                     Env{{"SCIM_AGENT_TARGET_MAXRESPONSEBYTES", "4MiB"},
                         {"SCIM_AGENT_TARGET_REQUESTDEADLINE", "30s"}});
  ASSERT_TRUE(config) << ::testing::PrintToString(messages());
  EXPECT_EQ(config->target.max_response_bytes, int64_t{4} << 20);
  EXPECT_EQ(config->target.request_deadline, std::chrono::seconds(30));
}

TEST_F(TargetBoundsTest, BadEnvironmentValueNamesTheVariable) {
  auto config = load(kMinimal, Env{{"SCIM_AGENT_TARGET_REQUESTDEADLINE", "soon"}});
  EXPECT_FALSE(config);
  ASSERT_EQ(diags_.items().size(), 1u);
  EXPECT_THAT(messages()[0], HasSubstr("SCIM_AGENT_TARGET_REQUESTDEADLINE"));
  EXPECT_THAT(messages()[0], HasSubstr("got \"soon\""));
}

TEST_F(TargetBoundsTest, TheNewKeysAreListedAsOverrides) {
  std::vector<std::string> variables;
  for (const ConfigEnvVariable& v : configEnvironmentVariables()) variables.push_back(v.variable);
  EXPECT_THAT(variables, ::testing::Contains("SCIM_AGENT_TARGET_MAXRESPONSEBYTES"));
  EXPECT_THAT(variables, ::testing::Contains("SCIM_AGENT_TARGET_REQUESTDEADLINE"));
}

}  // namespace
}  // namespace scim_agent
