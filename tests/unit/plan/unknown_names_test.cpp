#include "agent/plan/unknown_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace scim_agent {
namespace {

using ::testing::ElementsAre;

DesiredUser user(const std::string& external_id, std::vector<std::string> groups, int line) {
  DesiredUser d;
  d.external_id = external_id;
  d.user_name = external_id + "@corp.example";
  d.groups = std::move(groups);
  d.source = SourcePos{"users.yaml", line, 5};
  return d;
}

TEST(UnknownNamesTest, ClosestNamesIgnoreCaseThenDistanceThenContainment) {
  const std::vector<std::string> groups = {"Support EU", "Support US", "Sales", "support eu2",
                                           "Billing"};
  EXPECT_THAT(closestNames("support eu", groups),
              ElementsAre("Support EU", "support eu2", "Support US"));
  EXPECT_THAT(closestNames("Suport EU", groups),
              ElementsAre("Support EU", "support eu2", "Support US"));
  EXPECT_THAT(closestNames("Billing", groups), ElementsAre());  // itself is no suggestion
  EXPECT_THAT(closestNames("Bill", groups), ElementsAre("Billing"));
  EXPECT_THAT(closestNames("Night Shift", groups), ElementsAre());
}

TEST(UnknownNamesTest, UnknownGroupNamesItsUsersAndTheClosestGroups) {
  Policy policy;
  const std::vector<DesiredUser> users = {user("EMP-2", {"Suport EU"}, 20),
                                          user("EMP-1", {"Sales", "Suport EU"}, 10),
                                          user("EMP-3", {"Sales"}, 30)};
  const std::vector<Group> groups = {{"g1", "Support EU", "1"}, {"g2", "Sales", "1"}};
  const std::vector<UnknownName> unknown = findUnknownGroups(users, policy, groups);
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].name, "Suport EU");
  const Diagnostic d = unknownNameDiagnostic(unknown[0], "Genesys");
  EXPECT_EQ(d.toString(),
            "users.yaml:10:5: group \"Suport EU\" does not exist in Genesys (did you mean "
            "\"Support EU\"?); named by EMP-1, EMP-2 (users.yaml:20:5)");
  EXPECT_EQ(unknownGroupSkipMessage(unknown[0], "Genesys"),
            "group \"Suport EU\" does not exist in Genesys (did you mean \"Support EU\"?): the "
            "group memberships of EMP-1 (users.yaml:10:5), EMP-2 (users.yaml:20:5) were left "
            "unchanged");
  // Only the event's user.
  EXPECT_EQ(findUnknownGroups(users, policy, groups, "EMP-3").size(), 0u);
  // Not managed: not checked.
  policy.managed_attributes = {Attribute::kTitle};
  EXPECT_TRUE(findUnknownGroups(users, policy, groups).empty());
}

TEST(UnknownNamesTest, OtherKindsAndManyUsers) {
  std::vector<DesiredUser> users;
  for (int i = 1; i <= 7; ++i) {
    DesiredUser d = user("EMP-" + std::to_string(i), {}, i);
    d.routing_skills = std::vector<Proficiency>{{"Frnech", 3}};
    users.push_back(d);
  }
  const auto unknown =
      findUnknownNames(users, NamedAttribute::kRoutingSkills, {"French", "German"});
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknownNameDiagnostic(unknown[0], "Genesys").message,
            "routing skill \"Frnech\" does not exist in Genesys (did you mean \"French\"?); named "
            "by EMP-1, EMP-2 (users.yaml:2:5), EMP-3 (users.yaml:3:5), EMP-4 (users.yaml:4:5), "
            "EMP-5 (users.yaml:5:5) and 2 more");
}

}  // namespace
}  // namespace scim_agent

namespace scim_agent {
namespace {

TEST(UnknownNamesTest, LeaversAndProtectedUsersAreNotHeldToTheirGroupNames) {
  // A user not to be active loses every membership, and a protected one is never written: an
  // unknown group in their entries changes nothing, so it fails no plan.
  Policy policy;
  policy.protected_users = {{"", "EMP-3", {}}};
  DesiredUser leaver;
  leaver.external_id = "EMP-1";
  leaver.user_name = "one@corp.example";
  leaver.groups = std::vector<std::string>{"Gone"};
  leaver.status = UserStatus::kTerminated;
  DesiredUser suspended = leaver;
  suspended.external_id = "EMP-2";
  suspended.status = UserStatus::kSuspended;
  DesiredUser kept = leaver;
  kept.external_id = "EMP-3";
  kept.status = UserStatus::kActive;
  DesiredUser active = kept;
  active.external_id = "EMP-4";
  const std::vector<Group> groups = {{"g1", "Sales", "1"}};
  const std::vector<DesiredUser> users = {leaver, suspended, kept, active};
  const std::vector<UnknownName> unknown = findUnknownGroups(users, policy, groups);
  ASSERT_EQ(unknown.size(), 1u);
  ASSERT_EQ(unknown[0].users.size(), 1u);
  EXPECT_EQ(unknown[0].users[0]->external_id, "EMP-4");
}

}  // namespace
}  // namespace scim_agent
