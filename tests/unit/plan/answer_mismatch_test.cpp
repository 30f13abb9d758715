// answerMismatches: what a write's answer holds otherwise than the plan meant to write (the
// discrepancy report's facts, issue 12), and reviewValue, the live side of that comparison.

#include <gtest/gtest.h>

#include "agent/plan/user_diff.h"

namespace scim_agent {
namespace {

LiveUser answerUser() {
  LiveUser u;
  u.id = "u-1";
  u.user_name = "Ann@Corp.Example";
  u.title = "Lead";
  u.display_name = "Ann";
  u.phone_numbers = {{"+1 555 0100", "work"}};
  u.manager_id = "m-9";
  u.routing_skills = {{"Billing", 3.0000000001}};
  return u;
}

Action update(std::vector<AttributeChange> changes) {
  Action a;
  a.kind = ActionKind::kUpdate;
  a.external_id = "EMP-1";
  a.user_id = "u-1";
  a.changes = std::move(changes);
  return a;
}

TEST(AnswerMismatchTest, AnAnswerAsSentHasNone) {
  const Action a = update({{"title", Json("Team lead"), Json("Lead")},
                           {"userName", Json("x"), Json("ann@corp.example")},
                           {"phoneNumbers", Json(), Json(Json::Object{{"work", "+1 555 0100"}})},
                           {"routingSkills", Json(), Json(Json::Object{{"Billing", 3.0}})}});
  EXPECT_TRUE(answerMismatches(a, {}, answerUser()).empty())
      << "userName compares case-insensitively, proficiencies within rounding";
}

TEST(AnswerMismatchTest, ADifferentValueIsOneMismatchWithBothValues) {
  const Action a = update({{"title", Json("Agent"), Json("Senior lead")},
                           {"displayName", Json("A"), Json("Ann")}});
  const auto found = answerMismatches(a, {}, answerUser());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].attribute, "title");
  EXPECT_EQ(found[0].expected, Json("Senior lead"));
  EXPECT_EQ(found[0].actual, Json("Lead"));
}

TEST(AnswerMismatchTest, TheManagerIsComparedByTheIdSent) {
  const std::vector<PatchOp> sent = {
      {"replace", enterprisePath("manager"), Json(Json::Object{{"value", "m-9"}})}};
  const Action same = update({{"manager", Json("EMP-0"), Json("EMP-9")}});
  EXPECT_TRUE(answerMismatches(same, sent, answerUser()).empty());
  const std::vector<PatchOp> other = {
      {"replace", enterprisePath("manager"), Json(Json::Object{{"value", "m-7"}})}};
  const auto found = answerMismatches(same, other, answerUser());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].expected, Json("m-7"));
  EXPECT_EQ(found[0].actual, Json("m-9"));
  // Not in what was sent (a manager this plan creates, set by a later write): not compared.
  EXPECT_TRUE(answerMismatches(same, {}, answerUser()).empty());
}

TEST(AnswerMismatchTest, AClearedValueStillPresentIsAMismatch) {
  const auto found = answerMismatches(update({{"title", Json("Lead"), Json()}}), {}, answerUser());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].expected.isNull());
  EXPECT_EQ(found[0].actual, Json("Lead"));
}

TEST(AnswerMismatchTest, WhatTheAnswerCannotTellIsNotCompared) {
  LiveUser projected = answerUser();
  projected.roles_known = false;
  const Action a = update({{"roles", Json(), Json(Json::Array{Json("Agent")})},
                           {"state", Json("deleted"), Json("active")},
                           {"groups", Json(), Json(Json::Array{Json("Everyone")})}});
  EXPECT_TRUE(answerMismatches(a, {}, projected).empty());
}

TEST(AnswerMismatchTest, ASuspendThatLeftTheUserActiveIsAMismatch) {
  Action a = update({{"active", Json(true), Json(false)}});
  a.kind = ActionKind::kSuspend;
  const auto found = answerMismatches(a, {}, answerUser());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].attribute, "active");
  EXPECT_EQ(found[0].actual, Json(true));
}

TEST(ReviewValueTest, ShowsLiveValuesAsPlansDo) {
  LiveUser u = answerUser();
  u.roles = {"b", "a", "a"};
  EXPECT_EQ(*reviewValue(u, Attribute::kRoles), Json(Json::Array{Json("a"), Json("b")}));
  EXPECT_EQ(*reviewValue(u, Attribute::kPhoneNumbers), Json(Json::Object{{"work", "+1 555 0100"}}));
  EXPECT_TRUE(reviewValue(u, Attribute::kDepartment)->isNull());
  u.routing_languages_known = false;
  EXPECT_FALSE(reviewValue(u, Attribute::kRoutingLanguages).has_value());
}

}  // namespace
}  // namespace scim_agent
