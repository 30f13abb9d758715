// What a saved plan records of its desired inputs, how they are found unchanged or changed, and
// the desired state rebuilt from them (agent/reconcile/saved_inputs.h; issue 13 item 4).

#include "agent/reconcile/saved_inputs.h"

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "agent/desired/desired_json.h"
#include "agent/desired/desired_loader.h"
#include "agent/reconcile/policy_gate.h"
#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

DesiredUser user(const std::string& external_id, UserStatus status, int line) {
  DesiredUser d;
  d.external_id = external_id;
  d.user_name = external_id + "@corp.example";
  d.status = status;
  d.source = SourcePos{"desired/org.yaml", line, 5};
  return d;
}

Action action(ActionKind kind, const std::string& external_id) {
  Action a;
  a.kind = kind;
  a.external_id = external_id;
  a.user_name = external_id + "@corp.example";
  a.user_id = "id-" + external_id;
  return a;
}

constexpr const char* kSpec =
    "apiVersion: scim-agent/v1\n"
    "users:\n"
    "  - externalId: EMP-1\n"
    "    userName: one@corp.example\n"
    "    displayName: One\n";

TEST(SavedInputsTest, RecordsTheUsersTheActionsNameWithTheirOwnStatus) {
  DesiredState desired;
  desired.files = {{"desired/org.yaml", std::string(64, '0')}};
  desired.policy.on_removal = RemovalPolicy::kDelete;
  // EMP-2 is terminated by an HR termination hold this cycle: its own entry says active.
  desired.users = {user("EMP-1", UserStatus::kActive, 3), user("EMP-2", UserStatus::kTerminated, 6),
                   user("EMP-3", UserStatus::kActive, 9), user("EMP-4", UserStatus::kSuspended, 12)};
  Plan plan;
  plan.actions = {action(ActionKind::kUpdate, "EMP-1"), action(ActionKind::kSuspend, "EMP-2"),
                  action(ActionKind::kSuspend, "EMP-9")};
  Action group;
  group.kind = ActionKind::kGroupMembers;
  group.add_members = {{"", "EMP-4", "four@corp.example"}};
  group.remove_members = {{"id-x", "", "nobody@corp.example"}};
  plan.actions.push_back(group);

  const auto inputs = planInputs(desired, plan, {"EMP-2"}, "settings");
  ASSERT_TRUE(inputs.has_value());
  EXPECT_EQ(inputs->files, desired.files);
  EXPECT_EQ(inputs->settings, "settings");
  EXPECT_EQ(inputs->desired_users, 4);
  EXPECT_EQ(inputs->policy.dump(), policyJson(desired.policy).dump());
  const std::vector<PlanInputUser> expected = {
      {"EMP-1", UserStatus::kActive, SourcePos{"desired/org.yaml", 3, 5}},
      {"EMP-2", UserStatus::kActive, SourcePos{"desired/org.yaml", 6, 5}},  // before the hold
      {"EMP-4", UserStatus::kSuspended, SourcePos{"desired/org.yaml", 12, 5}}};
  EXPECT_EQ(inputs->users, expected) << "EMP-3 is named by no action, EMP-9 has no entry";

  DesiredState with_sources = desired;
  with_sources.sources.push_back(SourceOutcome{});
  EXPECT_FALSE(planInputs(with_sources, plan, {}, "s").has_value()) << "HR sources: parse at apply";
  DesiredState no_files = desired;
  no_files.files.clear();
  EXPECT_FALSE(planInputs(no_files, plan, {}, "s").has_value());
}

TEST(SavedInputsTest, TheGateJudgesFromTheFactsAsFromTheWholeState) {
  DesiredState whole;
  whole.files = {{"desired/org.yaml", std::string(64, '0')}};
  whole.policy.scope_external_id_pattern = "^EMP-";
  whole.users = {user("EMP-1", UserStatus::kActive, 3), user("EMP-2", UserStatus::kSuspended, 6),
                 user("EMP-3", UserStatus::kActive, 9)};
  for (int i = 10; i < 200; ++i) whole.users.push_back(user("EMP-" + std::to_string(i), UserStatus::kActive, i * 3));
  whole.digest = "digest";
  Plan plan;
  plan.actions = {action(ActionKind::kSuspend, "EMP-1"), action(ActionKind::kSuspend, "EMP-2"),
                  action(ActionKind::kSuspend, "EMP-7"), action(ActionKind::kSuspend, "X-1"),
                  action(ActionKind::kDelete, "EMP-3"), action(ActionKind::kReactivate, "EMP-2")};
  const auto inputs = planInputs(whole, plan, {}, "s");
  ASSERT_TRUE(inputs.has_value());
  const Result<DesiredState> facts = desiredFromInputs(*inputs, whole.digest);
  ASSERT_TRUE(facts.ok()) << facts.error().toString();
  EXPECT_EQ(facts->digest, "digest");
  EXPECT_EQ(facts->users.size(), 3u) << "EMP-1, EMP-2 and EMP-3: not the 190 others";
  const PolicyGate from_whole(whole);
  const PolicyGate from_facts(*facts);
  for (const Action& a : plan.actions) {
    EXPECT_EQ(from_facts.refusal(a), from_whole.refusal(a)) << actionKindName(a.kind) << " " << a.external_id;
  }
  // The refusals are real ones: EMP-1 is kept active (with its place), X-1 is out of scope.
  EXPECT_EQ(from_facts.refusal(plan.actions[0]).value_or(""),
            "the desired state keeps EMP-1 active (desired/org.yaml:3:5)");
  EXPECT_TRUE(from_facts.refusal(plan.actions[3]).has_value());

  PlanInputs bad = *inputs;
  bad.policy = Json("policy");
  EXPECT_FALSE(desiredFromInputs(bad, "d").ok());
}

TEST(SavedInputsTest, AnyChangedInputIsFound) {
  TempDir dir;
  const std::string file = dir.write("desired/org.yaml", kSpec);
  Diagnostics diags;
  const DesiredState loaded = loadDesired(dir.path() + "/desired", LoadOptions{}, diags);
  ASSERT_TRUE(diags.empty()) << diags.sorted().front().toString();
  ASSERT_EQ(loaded.files.size(), 1u);
  EXPECT_EQ(loaded.files[0].path, file);
  EXPECT_EQ(loaded.files[0].sha256, sha256Hex(kSpec));
  PlanInputs inputs;
  inputs.files = loaded.files;
  inputs.settings = desiredSettingsDigest(Policy{}, "genesys", false);
  const std::string folder = dir.path() + "/desired";

  EXPECT_EQ(inputsChange(inputs, folder, inputs.settings), "");
  Policy lower;
  lower.max_attribute_length["title"] = 10;
  for (const std::string& other : {desiredSettingsDigest(Policy{}, "scim", false),
                                   desiredSettingsDigest(Policy{}, "genesys", true),
                                   desiredSettingsDigest(lower, "genesys", false)}) {
    EXPECT_EQ(inputsChange(inputs, folder, other), "agent.yaml's policy, target kind or sources changed");
  }
  EXPECT_EQ(inputsChange(inputs, file, inputs.settings), "") << "the file itself as the desired path";
  dir.write("desired/org.yaml", std::string(kSpec) + "# a comment\n");
  EXPECT_EQ(inputsChange(inputs, folder, inputs.settings), file + " changed");
  dir.write("desired/org.yaml", kSpec);
  dir.write("desired/more.yml", "apiVersion: scim-agent/v1\n");
  EXPECT_EQ(inputsChange(inputs, folder, inputs.settings),
            "the desired files are 2, not the 1 the plan was made from");
  EXPECT_EQ(inputsChange(inputs, dir.path() + "/gone", inputs.settings),
            "the desired files are 0, not the 1 the plan was made from");
}

TEST(SavedInputsTest, FileHashReadsInPieces) {
  TempDir dir;
  std::string big;
  for (int i = 0; i < 30000; ++i) big += "line " + std::to_string(i) + "\n";  // > 64 KiB
  const std::string path = dir.write("big.txt", big);
  EXPECT_EQ(sha256FileHex(path), sha256Hex(big));
  EXPECT_EQ(sha256FileHex(dir.write("empty", "")), sha256Hex(""));
  EXPECT_FALSE(sha256FileHex(dir.path() + "/none").has_value());
}

}  // namespace
}  // namespace scim_agent
