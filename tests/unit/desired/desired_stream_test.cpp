// Spec users are read while the file streams (issue 13 item 1): what that must not change.
// Each case is one the streaming reader handles on a path of its own: limits that come after
// the users, the rest of the file read without the users, and the cases where it reads the
// whole file instead.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/desired/desired_loader.h"
#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

using ::testing::ElementsAre;
using Strings = std::vector<std::string>;

std::vector<std::string> messages(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags.items()) out.push_back(d.toString());
  return out;
}

constexpr const char* kHeader = "apiVersion: scim-agent/v1\n";

std::string user(const std::string& id, const std::string& extra = "") {
  return "  - externalId: " + id + "\n    userName: " + id + "@corp.example\n    displayName: " +
         id + "\n" + extra;
}

class DesiredStreamTest : public ::testing::Test {
 protected:
  DesiredState load(const std::string& yaml) {
    path_ = dir_.write("org.yaml", yaml);
    diags_ = Diagnostics();
    return loadDesired(path_, LoadOptions{}, diags_);
  }
  std::string at(int line, int column) const {
    return path_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  }

  TempDir dir_;
  std::string path_;
  Diagnostics diags_;
};

TEST_F(DesiredStreamTest, LimitsOfAPolicyAfterTheUsersApply) {
  const std::string users =
      std::string(kHeader) + "users:\n" + user("E1", "    title: Senior Engineer\n") + user("E2");
  load(users + "policy:\n  maxAttributeLength: { title: 6 }\n");
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(6, 5) + "title is 15 characters long; the limit is 6 "
                                     "(policy.maxAttributeLength.title)"));

  // A higher limit than the default, after the users, lets a longer value through.
  const DesiredState state = load(std::string(kHeader) + "users:\n" +
                                  user("E1", "    title: " + std::string(300, 't') + "\n") +
                                  "policy:\n  maxAttributeLength: { title: 400 }\n");
  EXPECT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
  ASSERT_EQ(state.users.size(), 1u);
  EXPECT_EQ(state.users[0].title, std::string(300, 't'));
}

TEST_F(DesiredStreamTest, LimitsOfAPolicyInALaterFileApply) {
  const std::string a = dir_.write("a.yaml", std::string(kHeader) + "users:\n" +
                                                 user("E1", "    title: Senior Engineer\n"));
  dir_.write("b.yaml", std::string(kHeader) + "policy:\n  maxAttributeLength: { title: 6 }\n");
  Diagnostics diags;
  const DesiredState state = loadDesired(dir_.path(), LoadOptions{}, diags);
  EXPECT_THAT(messages(diags), ElementsAre(a + ":6:5: title is 15 characters long; the limit is "
                                               "6 (policy.maxAttributeLength.title)"));
  ASSERT_EQ(state.users.size(), 1u);
  EXPECT_EQ(state.users[0].title, std::nullopt);
}

TEST_F(DesiredStreamTest, DefaultsAfterTheUsersAreMergedAndCheckedAtTheirPlace) {
  const DesiredState state =
      load(std::string(kHeader) + "users:\n" + user("E1") + user("E2", "    department: ENG\n") +
           "defaults:\n  department: NOPE\n  title: Agent\n"
           "groupsByDepartment:\n  ENG: [Engineering]\n");
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(11, 3) + "unknown department \"NOPE\" (not in groupsByDepartment or "
                                      "policy.roles)"));
  ASSERT_EQ(state.users.size(), 2u);
  EXPECT_EQ(state.users[0].title, "Agent");
  EXPECT_EQ(state.users[1].department, "ENG");
  EXPECT_EQ(state.users[1].groups, Strings{"Engineering"});
}

TEST_F(DesiredStreamTest, AnchorsAndAliasesReachAcrossUsersAndSections) {
  const DesiredState state = load(std::string(kHeader) + "defaults: &d\n  title: Agent\n" +
                                  "users:\n" + user("E1", "    groups: &g [b, a]\n") +
                                  user("E2", "    groups: *g\n") + "  - *d\n");
  // The alias item is the defaults mapping, read as a user at its place (its anchor's).
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(2, 11) + "missing required key \"externalId\"",
                          at(2, 11) + "missing required key \"userName\"",
                          at(2, 11) + "missing required key \"displayName\" (Genesys Cloud "
                                      "requires it)"));
  ASSERT_EQ(state.users.size(), 2u);
  EXPECT_EQ(state.users[0].groups, (Strings{"a", "b"}));
  EXPECT_EQ(state.users[1].groups, (Strings{"a", "b"}));
}

TEST_F(DesiredStreamTest, AnAliasAfterTheUsersIntoThemStillResolves) {
  // `defaults: *one` refers into the users: the rest of the file cannot be read without them.
  load(std::string(kHeader) +
       "users:\n  - &one {externalId: E1, userName: a@corp.example, displayName: A}\n"
       "defaults: *one\n");
  EXPECT_THAT(messages(diags_),
              ElementsAre(
                  at(3, 11) + "externalId identifies one user and cannot be set in defaults",
                  at(3, 27) + "userName identifies one user and cannot be set in defaults"));
}

TEST_F(DesiredStreamTest, FlowStyleFileIsReadWhole) {
  const DesiredState state = load(
      "{apiVersion: scim-agent/v1, users: [{externalId: E1, userName: a@corp.example, "
      "displayName: A}, {externalId: E1, userName: b@corp.example, displayName: B}], "
      "defaults: {title: T}}\n");
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(1, 97) + "duplicate externalId \"E1\" (first at " + path_ + ":1:37)"));
  ASSERT_EQ(state.users.size(), 2u);
  EXPECT_EQ(state.users[1].title, "T");
}

TEST_F(DesiredStreamTest, AFileWithASyntaxErrorAfterItsUsersDeclaresNone) {
  const DesiredState state =
      load(std::string(kHeader) + "users:\n" + user("E1", "    title: x\n") + "policy: {\n");
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_THAT(diags_.items()[0].message, ::testing::HasSubstr("YAML syntax error"));
  EXPECT_TRUE(state.users.empty());

  load(std::string(kHeader) + "users:\n" + user("E1") + "---\napiVersion: scim-agent/v1\n");
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(7, 1) +
                          "a file holds one YAML document; split the others into their own files"));
}

TEST_F(DesiredStreamTest, AKeyAfterTheUsersKeepsItsPlaceAndMeaning) {
  // After an explicit `? users`, a line starting with ":" is a key of its own (null): the text
  // read without the users must not join it to `users`.
  load(std::string(kHeader) + "? users\n:\n" + user("E1") + ": {maxAttributeLength: {title: 3}}\n");
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(7, 1) + "expected a string key in \"the file\", got null"));

  // Comments, blank lines and a zero-indented sequence before the next key.
  const DesiredState state =
      load(std::string(kHeader) +
           "users: # all\n- externalId: E1\n  userName: a@corp.example\n  displayName: A\n"
           "\n# the end\n\ndefaults:\n  titel: X\n");
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(10, 3) + "unknown key \"titel\" (did you mean \"title\"?)"));
  EXPECT_EQ(state.users.size(), 1u);
}

}  // namespace
}  // namespace scim_agent
