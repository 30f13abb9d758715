// Hostile desired-state text (issue 10, item 2): invalid UTF-8, control characters (raw or from
// YAML escapes), oversized values, and floods of problems.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/desired/desired_loader.h"
#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

using ::testing::HasSubstr;

std::vector<std::string> messages(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags.items()) out.push_back(d.toString());
  return out;
}

constexpr const char* kHeader = "apiVersion: scim-agent/v1\nusers:\n";

class HostileDesiredTest : public ::testing::Test {
 protected:
  HostileDesiredTest() : path_(dir_.file("users.yaml")) {}
  DesiredState load(const std::string& yaml, const LoadOptions& options = {}) {
    path_ = dir_.write("users.yaml", yaml);
    diags_ = Diagnostics();
    return loadDesired(path_, options, diags_);
  }
  // The one diagnostic of `yaml` (fails the test when there is not exactly one).
  std::string onlyError(const std::string& yaml, const LoadOptions& options = {}) {
    load(yaml, options);
    EXPECT_EQ(diags_.size(), 1u) << ::testing::PrintToString(messages(diags_));
    return diags_.empty() ? "" : diags_.items()[0].toString();
  }
  std::string at(int line, int column) const {
    return path_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  }

  TempDir dir_;
  std::string path_;
  Diagnostics diags_;
};

std::string userWith(const std::string& line) {
  return std::string(kHeader) +
         "  - externalId: EMP-1\n    userName: a@corp.example\n    displayName: A\n" + line;
}

TEST_F(HostileDesiredTest, InvalidUtf8IsAnErrorAtItsPlace) {
  // Line 6, column 16: "    title: Lead" is 15 characters.
  EXPECT_EQ(onlyError(userWith("    title: Lead\xFF\n")),
            at(6, 16) + "invalid UTF-8 at byte 118 (0xFF)");
}

TEST_F(HostileDesiredTest, ColumnsCountCharactersNotBytes) {
  EXPECT_EQ(onlyError(userWith("    title: \xC3\xA9\xC3\xA9\xC0\n")),
            at(6, 14) + "invalid UTF-8 at byte 118 (0xC0)");
}

TEST_F(HostileDesiredTest, RawControlCharacterInTheFileIsAnError) {
  EXPECT_EQ(onlyError(userWith("    title: a\x1B[31mred\n")),
            at(6, 13) +
                "control character U+001B at byte 115 (only tab, CR and LF may appear unescaped "
                "in a file)");
  // NUL too, even inside a comment.
  const std::string nul = userWith(std::string("    # a\0comment\n", 16));
  EXPECT_THAT(onlyError(nul), HasSubstr("control character U+0000"));
}

TEST_F(HostileDesiredTest, TabsAndCrlfLineEndsAreFine) {
  load(std::string(kHeader) +
       "  - externalId: EMP-1\r\n    userName: a@corp.example\r\n    displayName: A\t# tab\r\n");
  EXPECT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
}

TEST_F(HostileDesiredTest, EscapedNulInAQuotedValueIsRefused) {
  // Before: written to Genesys as a NUL inside the title.
  EXPECT_EQ(onlyError(userWith("    title: \"Lead\\0\"\n")),
            at(6, 5) + "control character U+0000 in title");
  EXPECT_EQ(onlyError(userWith("    title: \"\\x01\"\n")),
            at(6, 5) + "control character U+0001 in title");
  EXPECT_EQ(onlyError(userWith("    department: \"a\\tb\"\n")),
            at(6, 5) + "control character U+0009 in department");
  EXPECT_EQ(onlyError(userWith("    title: \"\\u0085\"\n")),
            at(6, 5) + "control character U+0085 in title");
}

TEST_F(HostileDesiredTest, ControlCharacterInDisplayNameAndListsIsRefused) {
  EXPECT_EQ(onlyError(std::string(kHeader) +
                      "  - externalId: EMP-1\n    userName: a@corp.example\n"
                      "    displayName: \"A\\0B\"\n"),
            at(5, 5) + "control character U+0000 in displayName");
  EXPECT_EQ(onlyError(userWith("    groups: [\"Sales\\e\"]\n")),
            at(6, 14) + "control character U+001B in groups");
}

TEST_F(HostileDesiredTest, BlockScalarNewlinesAreControlCharacters) {
  EXPECT_EQ(onlyError(userWith("    title: |\n      two\n      lines\n")),
            at(6, 5) + "control character U+000A in title");
}

TEST_F(HostileDesiredTest, ControlCharacterInAKeyIsRefused) {
  EXPECT_THAT(onlyError(userWith("    \"title\\0\": Lead\n")),
              HasSubstr("control character U+0000 in a key"));
}

TEST_F(HostileDesiredTest, MessagesNeverCarryControlCharactersOrHugeValues) {
  load(userWith("    active: \"\\e[2J\"\n"));
  ASSERT_EQ(diags_.size(), 1u);
  const std::string message = diags_.items()[0].message;
  EXPECT_EQ(message.find('\x1B'), std::string::npos) << message;
  EXPECT_THAT(message, HasSubstr("\\u001B[2J"));

  load(userWith("    status: " + std::string(100000, 'x') + "\n"));
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_LT(diags_.items()[0].message.size(), 300u);
  EXPECT_THAT(diags_.items()[0].message, HasSubstr("xxx…\""));
}

TEST_F(HostileDesiredTest, OneMegabyteDisplayNameIsAnError) {
  EXPECT_EQ(onlyError(std::string(kHeader) +
                      "  - externalId: EMP-1\n    userName: a@corp.example\n"
                      "    displayName: " +
                      std::string(1 << 20, 'x') + "\n"),
            at(5, 5) +
                "displayName is 1048576 characters long; the limit is 255 "
                "(policy.maxAttributeLength.displayName)");
}

TEST_F(HostileDesiredTest, LengthsCountCharacters) {
  std::string name;
  for (int i = 0; i < 255; ++i) name += "\xC3\xA9";  // 255 × é: 510 bytes
  load(std::string(kHeader) + "  - externalId: EMP-1\n    userName: a@corp.example\n" +
       "    displayName: " + name + "\n");
  EXPECT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
  load(std::string(kHeader) + "  - externalId: EMP-1\n    userName: a@corp.example\n" +
       "    displayName: " + name + "\xC3\xA9\n");
  EXPECT_EQ(diags_.size(), 1u);
}

TEST_F(HostileDesiredTest, EveryLimitedAttributeHasADefault) {
  const std::string long64(65, '7');
  EXPECT_EQ(onlyError(userWith("    employeeNumber: \"" + long64 + "\"\n")),
            at(6, 5) +
                "employeeNumber is 65 characters long; the limit is 64 "
                "(policy.maxAttributeLength.employeeNumber)");
  EXPECT_THAT(onlyError(userWith("    phoneNumbers: [{ type: work, value: \"+1" +
                                 std::string(40, '5') + "\" }]\n")),
              HasSubstr("phoneNumbers is 42 characters long; the limit is 32"));
  EXPECT_THAT(onlyError(userWith("    groups: [" + std::string(256, 'g') + "]\n")),
              HasSubstr("groups is 256 characters long; the limit is 255"));
  EXPECT_THAT(
      onlyError(userWith("    routingSkills: [{ name: " + std::string(300, 's') +
                         ", proficiency: 2 }]\n")),
      HasSubstr("routingSkills is 300 characters long; the limit is 255"));
  EXPECT_THAT(onlyError(std::string(kHeader) + "  - externalId: " + std::string(256, 'E') +
                        "\n    userName: a@corp.example\n    displayName: A\n"),
              HasSubstr("externalId is 256 characters long; the limit is 255"));
}

TEST_F(HostileDesiredTest, LimitsAreConfigurableInThePolicy) {
  const std::string yaml = std::string(kHeader) +
                           "  - externalId: EMP-1\n    userName: a@corp.example\n"
                           "    displayName: A\n    title: Senior Engineer\n";
  LoadOptions options;
  options.base_policy.max_attribute_length["title"] = 6;  // as agent.yaml's policy would set it
  EXPECT_THAT(onlyError(yaml, options),
              HasSubstr("title is 15 characters long; the limit is 6"));
  // The spec's policy overrides agent.yaml's, key by key.
  load(yaml + "policy:\n  maxAttributeLength: { title: 20 }\n", options);
  EXPECT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
  load(yaml + "policy:\n  maxAttributeLength: { title: 0, nickName: 3 }\n");
  EXPECT_THAT(messages(diags_),
              ::testing::UnorderedElementsAre(
                  HasSubstr("maxAttributeLength.title must be between 1 and 100000, got 0"),
                  HasSubstr("unknown key \"nickName\"")));
}

TEST_F(HostileDesiredTest, ManyAliasesOfOneUserAreOneMessage) {
  std::string yaml = std::string(kHeader) +
                     "  - &u\n    externalId: EMP-1\n    userName: a@corp.example\n"
                     "    displayName: A\n";
  for (int i = 0; i < 200000; ++i) yaml += "  - *u\n";
  const DesiredState state = load(yaml);
  ASSERT_EQ(diags_.size(), 1u) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(diags_.items()[0].toString(),
            at(3, 5) + "the user here is listed 200001 times (YAML aliases of it): one entry per "
                       "user");
  EXPECT_EQ(state.users.size(), 1u);
}

TEST_F(HostileDesiredTest, ProblemsAreKeptUpToABoundAndCounted) {
  std::string yaml = kHeader;
  for (int i = 0; i < 5000; ++i) {
    yaml += "  - externalId: EMP-1\n    userName: a@corp.example\n    displayName: A\n";
  }
  load(yaml);
  // 4999 duplicate externalIds and 4999 duplicate userNames: 1000 kept, then one count.
  ASSERT_EQ(diags_.size(), 1001u);
  EXPECT_EQ(diags_.items().back().toString(),
            "9998 problems found; only the first 1000 were kept and are counted below");
}

}  // namespace
}  // namespace scim_agent
