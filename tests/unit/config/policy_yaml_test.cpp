#include "agent/config/policy_yaml.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/config/yaml_reader.h"

namespace scim_agent {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> messages(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags.items()) out.push_back(d.toString());
  return out;
}

// Reads `text` (a document with a top-level `policy:` key) onto `policy`.
void read(const std::string& text, Policy& policy, Diagnostics& diags) {
  YamlDocument doc = parseYamlText(text, "p.yaml", diags);
  ASSERT_TRUE(doc.ok);
  YamlMap top("p.yaml", doc.root, "the file", SourcePos{"p.yaml", 1, 1}, {"policy"}, diags);
  const YamlEntry* entry = top.find("policy");
  ASSERT_NE(entry, nullptr);
  readPolicy(*entry, policy, diags);
}

TEST(PolicyYamlTest, ReadsEverySetting) {
  Policy policy;
  Diagnostics diags;
  read(
      "policy:\n"
      "  scope: { externalIdPattern: \"^EMP-\" }\n"
      "  unmanaged: suspend\n"
      "  onRemoval: delete\n"
      "  deleteAfter: 12h\n"
      "  protected: [ { userName: admin@corp.example }, { externalId: BREAKGLASS-1 } ]\n"
      "  managedAttributes: [title, displayName, title]\n"
      "  maxDestructive: { count: 3, percent: 2.5 }\n"
      "  roles: { SUPPORT: [supervisor, agent], ENG: [] }\n"
      "  maxSourceShrink: 15%\n"
      "  restoreDeleted: false\n",
      policy, diags);
  EXPECT_TRUE(diags.empty()) << ::testing::PrintToString(messages(diags));
  EXPECT_EQ(policy.scope_external_id_pattern, "^EMP-");
  EXPECT_EQ(policy.unmanaged, UnmanagedPolicy::kSuspend);
  EXPECT_EQ(policy.on_removal, RemovalPolicy::kDelete);
  EXPECT_EQ(policy.delete_after_days, 1);
  ASSERT_EQ(policy.protected_users.size(), 2u);
  EXPECT_EQ(policy.protected_users[0].user_name, "admin@corp.example");
  EXPECT_EQ(policy.protected_users[0].source, (SourcePos{"p.yaml", 6, 16}));
  EXPECT_EQ(policy.protected_users[1].external_id, "BREAKGLASS-1");
  EXPECT_EQ(policy.managed_attributes,
            (std::vector<Attribute>{Attribute::kDisplayName, Attribute::kTitle}));
  EXPECT_EQ(policy.max_destructive_count, 3);
  EXPECT_EQ(policy.max_destructive_percent, 2.5);
  EXPECT_EQ(policy.roles_by_department.at("SUPPORT"),
            (std::vector<std::string>{"agent", "supervisor"}));
  EXPECT_TRUE(policy.roles_by_department.at("ENG").empty());
  EXPECT_EQ(policy.max_source_shrink_percent, 15);
  EXPECT_FALSE(policy.restore_deleted);
}

TEST(PolicyYamlTest, AbsentKeysKeepTheBaseValue) {
  Policy policy;
  policy.on_removal = RemovalPolicy::kDelete;
  policy.max_destructive_count = 9;
  policy.max_destructive_percent = 7;
  Diagnostics diags;
  read("policy:\n  maxDestructive: { percent: 1 }\n  unmanaged: report\n", policy, diags);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(policy.on_removal, RemovalPolicy::kDelete);
  EXPECT_EQ(policy.max_destructive_count, 9);
  EXPECT_EQ(policy.max_destructive_percent, 1);
  EXPECT_EQ(policy.unmanaged, UnmanagedPolicy::kReport);
}

TEST(PolicyYamlTest, ReportsEveryBadSetting) {
  Policy policy;
  Diagnostics diags;
  read(
      "policy:\n"
      "  scope: { externalIdPattern: \"(EMP\" }\n"
      "  unmanaged: delete\n"
      "  onRemoval: archive\n"
      "  deleteAfter: 30\n"
      "  protected: [ { } ]\n"
      "  managedAttributes: [titel]\n"
      "  maxDestructive: { count: -1, percent: 200 }\n"
      "  maxSourceShrink: lots\n"
      "  restoreDeleted: yes\n"
      "  onRemovel: suspend\n",
      policy, diags);
  const std::vector<std::string> got = messages(diags);
  ASSERT_EQ(got.size(), 11u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], "p.yaml:11:3: unknown key \"onRemovel\" (did you mean \"onRemoval\"?)");
  EXPECT_THAT(got[1], ::testing::StartsWith(
                          "p.yaml:2:12: externalIdPattern \"(EMP\" is not a valid regular "
                          "expression: "));
  EXPECT_EQ(got[2], "p.yaml:3:3: unmanaged must be ignore, report or suspend, got \"delete\"");
  EXPECT_EQ(got[3], "p.yaml:4:3: onRemoval must be suspend or delete, got \"archive\"");
  EXPECT_EQ(got[4], "p.yaml:5:3: deleteAfter must be a duration like 30d, 2w or 12h, or never, got \"30\"");
  EXPECT_EQ(got[5], "p.yaml:6:16: a protected entry needs a userName or an externalId");
  EXPECT_EQ(got[6],
            "p.yaml:7:23: unknown attribute \"titel\" in managedAttributes (did you "
            "mean \"title\"?)");
  EXPECT_EQ(got[7], "p.yaml:8:21: maxDestructive.count must be between 0 and 1000000");
  EXPECT_EQ(got[8],
            "p.yaml:8:32: maxDestructive.percent must be a percentage between 0 and "
            "100, got \"200\"");
  EXPECT_EQ(got[9], "p.yaml:9:3: maxSourceShrink must be a percentage like 10%, got \"lots\"");
  EXPECT_EQ(got[10],
            "p.yaml:10:3: expected a boolean (true or false) for \"restoreDeleted\", "
            "got \"yes\"");
  // Nothing bad was taken.
  EXPECT_EQ(policy.unmanaged, UnmanagedPolicy::kIgnore);
  EXPECT_EQ(policy.delete_after_days, 30);
  EXPECT_EQ(policy.managed_attributes, defaultManagedAttributes());
}

TEST(PolicyYamlTest, DurationsAndPercentages) {
  EXPECT_EQ(parseDurationDays("30d"), 30);
  EXPECT_EQ(parseDurationDays("0d"), 0);
  EXPECT_EQ(parseDurationDays("2w"), 14);
  EXPECT_EQ(parseDurationDays("12h"), 1);
  EXPECT_EQ(parseDurationDays("48h"), 2);
  EXPECT_EQ(parseDurationDays("49h"), 3);
  EXPECT_EQ(parseDurationDays("d"), std::nullopt);
  EXPECT_EQ(parseDurationDays("30"), std::nullopt);
  EXPECT_EQ(parseDurationDays("-3d"), std::nullopt);
  EXPECT_EQ(parseDurationDays("3m"), std::nullopt);
  EXPECT_EQ(parseDurationDays("90s"), std::nullopt);
  EXPECT_EQ(parseDurationDays("0"), 0);
  EXPECT_EQ(parseDurationDays("36600d"), 36600);
  EXPECT_EQ(parseDurationDays("36601d"), std::nullopt);  // over 100 years
  EXPECT_EQ(parseDurationDays("1.5d"), std::nullopt);
  EXPECT_EQ(parsePercent("10%"), 10);
  EXPECT_EQ(parsePercent("2.5"), 2.5);
  EXPECT_EQ(parsePercent("100%"), 100);
  EXPECT_EQ(parsePercent("101%"), std::nullopt);
  EXPECT_EQ(parsePercent("%"), std::nullopt);
  EXPECT_EQ(parsePercent("ten"), std::nullopt);
}

}  // namespace
}  // namespace scim_agent
