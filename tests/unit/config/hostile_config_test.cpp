// agent.yaml is input text too (issue 10, item 2): valid UTF-8, no control characters.

#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/config/config.h"
#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> messages(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags.items()) out.push_back(d.toString());
  return out;
}

class HostileConfigTest : public ::testing::Test {
 protected:
  std::optional<Config> load(const std::string& yaml,
                             const std::map<std::string, std::string>& env = {}) {
    dir_.write("client-secret", "s3cret\n");
    path_ = dir_.write("agent.yaml", yaml);
    diags_ = Diagnostics();
    return loadConfig(path_, env, diags_);
  }
  std::string at(int line, int column) const {
    return path_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  }

  TempDir dir_;
  std::string path_;
  Diagnostics diags_;
};

const std::string kTarget =
    "target:\n  region: us-east-1\n  clientId: abc\n  clientSecretFile: client-secret\n";

TEST_F(HostileConfigTest, InvalidUtf8IsRefusedAtItsPlace) {
  EXPECT_FALSE(load(kTarget + "state: /var/lib/\xFE/state.db\n"));
  EXPECT_THAT(messages(diags_),
              ::testing::ElementsAre(at(5, 17) + "invalid UTF-8 at byte 94 (0xFE)"));
}

TEST_F(HostileConfigTest, EscapedControlCharacterInAValueIsRefused) {
  EXPECT_FALSE(load(kTarget + "state: \"/var/lib/\\0state.db\"\n"));
  EXPECT_THAT(messages(diags_),
              ::testing::ElementsAre(at(5, 1) + "control character U+0000 in state"));
}

TEST_F(HostileConfigTest, ControlCharacterFromTheEnvironmentIsRefused) {
  EXPECT_FALSE(load(kTarget, {{"SCIM_AGENT_STATE", std::string("/tmp/a\x1b" "b")}}));
  EXPECT_THAT(messages(diags_), ::testing::ElementsAre(
                                    "SCIM_AGENT_STATE: control character U+001B in state"));
}

TEST_F(HostileConfigTest, ManyBadBytesAreListedUpToALimit) {
  EXPECT_FALSE(load(kTarget + "# " + std::string(5000, '\x01') + "\n"));
  ASSERT_EQ(diags_.size(), 21u);
  EXPECT_EQ(messages(diags_).back(),
            path_ + ": … and 4980 more invalid bytes or control characters in this file (5000 in "
                    "all)");
}

TEST_F(HostileConfigTest, PolicyMaxAttributeLengthIsReadFromAgentYaml) {
  auto config = load(kTarget + "policy:\n  maxAttributeLength: { displayName: 100, title: 80 }\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->policy.max_attribute_length.at("displayName"), 100);
  EXPECT_EQ(config->policy.max_attribute_length.at("title"), 80);
  EXPECT_EQ(config->policy.max_attribute_length.at("employeeNumber"), 64);  // default kept
}

}  // namespace
}  // namespace scim_agent
