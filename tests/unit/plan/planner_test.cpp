#include "agent/plan/planner.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/plan/plan_json.h"
#include "builders.h"

namespace scim_agent::testing {
namespace {

const std::string kEnt = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:";
const std::string kGen = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:";

Json obj(Json::Object o) { return Json(std::move(o)); }
Json arr(Json::Array a) { return Json(std::move(a)); }

// ---- create -----------------------------------------------------------------------------------

TEST(PlannerTest, CreatesNewUserWithScimDocument) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1001")
                   .userName("jdoe@corp.example")
                   .displayName("John Doe")
                   .title("Support Engineer")
                   .workEmail("j.doe@corp.example")
                   .phones({{"+15550101", "mobile"}, {"+15550100", "work"}})
                   .department("SUPPORT")
                   .division("Home")
                   .employeeNumber("1001")
                   .dateHire("2024-03-01")
                   .manager("EMP-1000")
                   .roles({"agent"})
                   .skills({{"Billing", 3}})
                   .languages({{"English", 5}})
                   .at(12),
               aDesiredUser("EMP-1000")};
  s.live = {aLiveUser("EMP-1000").id("u-boss")};
  const Plan plan = s.plan();

  ASSERT_EQ(plan.actions.size(), 1u);
  const Action& a = plan.actions[0];
  EXPECT_EQ(a.kind, ActionKind::kCreate);
  EXPECT_EQ(a.external_id, "EMP-1001");
  EXPECT_EQ(a.user_name, "jdoe@corp.example");
  EXPECT_EQ(a.rule, "new in desired state");
  EXPECT_EQ(a.source, (SourcePos{"users.yaml", 12, 5}));
  EXPECT_TRUE(a.manager_external_id.empty());
  EXPECT_TRUE(a.ops.empty());

  Json expected = Json::object();
  expected["schemas"] = arr({"urn:ietf:params:scim:schemas:core:2.0:User",
                             "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                             "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User"});
  expected["externalId"] = "EMP-1001";
  expected["userName"] = "jdoe@corp.example";
  expected["displayName"] = "John Doe";
  expected["active"] = true;
  expected["title"] = "Support Engineer";
  expected["emails"] = arr({obj({{"type", "work"}, {"value", "j.doe@corp.example"}})});
  expected["phoneNumbers"] = arr({obj({{"type", "mobile"}, {"value", "+15550101"}}),
                                  obj({{"type", "work"}, {"value", "+15550100"}})});
  expected["roles"] = arr({obj({{"value", "agent"}})});
  expected["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
      obj({{"department", "SUPPORT"},
           {"division", "Home"},
           {"employeeNumber", "1001"},
           {"dateHire", "2024-03-01"},
           {"manager", obj({{"value", "u-boss"}})}});
  expected["urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User"] =
      obj({{"routingSkills", arr({obj({{"name", "Billing"}, {"proficiency", 3}})})},
           {"routingLanguages", arr({obj({{"name", "English"}, {"proficiency", 5}})})}});
  EXPECT_EQ(a.body.pretty(), expected.pretty());

  std::vector<std::string> attributes;
  for (const AttributeChange& c : a.changes) {
    attributes.push_back(c.attribute);
    EXPECT_TRUE(c.before.isNull()) << c.attribute;
  }
  EXPECT_EQ(attributes,
            (std::vector<std::string>{"displayName", "title", "emails", "phoneNumbers", "roles",
                                      "department", "division", "employeeNumber", "dateHire",
                                      "manager", "routingSkills", "routingLanguages"}));
  EXPECT_EQ(plan.cost.calls, (std::map<std::string, int>{{"POST /Users", 1}}));
}

TEST(PlannerTest, CreateWritesOnlyManagedDeclaredNonEmptyAttributes) {
  Scenario s;
  s.policy.managed_attributes = {Attribute::kDisplayName, Attribute::kActive};
  s.desired = {aDesiredUser("EMP-1").displayName("One").title("Lead").department("")};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].body.dump(),
            R"({"active":true,"displayName":"One","externalId":"EMP-1","schemas":)"
            R"(["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"emp-1@corp.example"})");
}

TEST(PlannerTest, TargetKindScimWritesNoGenesysExtension) {
  Scenario s;
  s.options.target_kind = "scim";
  s.desired = {aDesiredUser("EMP-1").skills({{"Billing", 3}})};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_FALSE(plan.actions[0].body.has(
      "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User"));
}

TEST(PlannerTest, InactiveDesiredUserThatIsNotLiveIsNotCreated) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").status(UserStatus::kTerminated),
               aDesiredUser("EMP-2").status(UserStatus::kSuspended)};
  const Plan plan = s.plan();
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_TRUE(plan.notices.empty());
}

TEST(PlannerTest, AUserReadAtTwoVersionsIsLeftAloneThisRun) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1"), aDesiredUser("EMP-2")};
  LiveState live = s.liveState();
  live.unsettled.push_back(
      UnsettledLiveUser{"u1", {"\"3\"", "\"4\""}, {"EMP-1"}, {defaultUserName("EMP-1")}, "active"});
  const Plan plan = makePlan(s.desiredState(), live, s.options);
  ASSERT_EQ(plan.actions.size(), 1u);  // EMP-2's create only: no second EMP-1
  EXPECT_EQ(plan.actions[0].external_id, "EMP-2");
  const auto conflicts = noticesOf(plan, NoticeKind::kConflict);
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_NE(conflicts[0]->message.find("read at two versions"), std::string::npos);
}

TEST(PlannerTest, CreatesManagerBeforeReportsAndDefersTheManagerLink) {
  Scenario s;
  // The reports sort before their managers by externalId; the chain is EMP-9 → EMP-5 → EMP-1.
  s.desired = {aDesiredUser("EMP-1").manager("EMP-5"), aDesiredUser("EMP-2").manager("EMP-9"),
               aDesiredUser("EMP-5").manager("EMP-9"), aDesiredUser("EMP-9")};
  const Plan plan = s.plan();
  std::vector<std::string> order;
  for (const Action& a : plan.actions) order.push_back(a.external_id);
  EXPECT_EQ(order, (std::vector<std::string>{"EMP-9", "EMP-2", "EMP-5", "EMP-1"}));

  const Action& report = plan.actions[3];
  EXPECT_EQ(report.manager_external_id, "EMP-5");
  EXPECT_FALSE(report.body.has("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
  EXPECT_EQ(plan.cost.calls, (std::map<std::string, int>{{"PATCH /Users", 3}, {"POST /Users", 4}}));
  EXPECT_EQ(plan.cost.total_calls, 7);
}

TEST(PlannerTest, ManagerCycleAmongCreatesStillPlansEveryCreate) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-2").manager("EMP-1"), aDesiredUser("EMP-1").manager("EMP-2")};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 2u);
  EXPECT_EQ(plan.actions[0].external_id, "EMP-1");
  EXPECT_EQ(plan.actions[1].external_id, "EMP-2");
}

TEST(PlannerTest, UnresolvableManagerIsAWarningAndLeftAlone) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").manager("EMP-404"), aDesiredUser("EMP-2").manager("EMP-404")};
  s.live = {aLiveUser("EMP-2").managerId("u-old")};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);  // the create; EMP-2 keeps its manager
  EXPECT_FALSE(
      plan.actions[0].body.has("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
  EXPECT_EQ(noticesOf(plan, NoticeKind::kWarning).size(), 2u);
}

TEST(PlannerTest, UpdateSetsManagerCreatedInThisPlanThroughManagerExternalId) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").manager("EMP-2"), aDesiredUser("EMP-2")};
  s.live = {aLiveUser("EMP-1").managerId("id-EMP-0"), aLiveUser("EMP-0")};
  s.policy.scope_external_id_pattern = "^NONE";  // keep EMP-0 out of the picture
  const Plan plan = s.plan();
  const auto updates = actionsOf(plan, ActionKind::kUpdate);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_TRUE(updates[0]->ops.empty());
  EXPECT_EQ(updates[0]->manager_external_id, "EMP-2");
  EXPECT_EQ(updates[0]->changes,
            (std::vector<AttributeChange>{{"manager", Json("EMP-0"), Json("EMP-2")}}));
}

// ---- update: minimal operations ----------------------------------------------------------------

struct UpdateCase {
  std::string name;
  DesiredUser desired;
  LiveUser live;
  std::vector<PatchOp> ops;  // empty: no action at all
  std::vector<Attribute> managed = defaultManagedAttributes();
};

std::vector<UpdateCase> updateCases() {
  using D = DesiredUserBuilder;
  using L = LiveUserBuilder;
  const std::vector<Proficiency> billing3{{"Billing", 3}};
  return {
      {"title differs", D("E").title("Lead"), L("E").title("Agent"), {replaceOp("title", "Lead")}},
      {"title equal", D("E").title("Agent"), L("E").title("Agent"), {}},
      {"title not declared", D("E"), L("E").title("Agent"), {}},
      {"title declared empty clears", D("E").title(""), L("E").title("Agent"), {removeOp("title")}},
      {"title empty and absent", D("E").title(""), L("E"), {}},
      {"title set where absent", D("E").title("Lead"), L("E"), {replaceOp("title", "Lead")}},
      {"displayName",
       D("E").displayName("New"),
       L("E").displayName("Old"),
       {replaceOp("displayName", "New")}},
      {"work email",
       D("E").workEmail("a@x.example"),
       L("E").workEmail("b@x.example"),
       {replaceOp("emails[type eq \"work\"].value", "a@x.example")}},
      {"work email cleared",
       D("E").workEmail(""),
       L("E").workEmail("b@x.example"),
       {removeOp("emails[type eq \"work\"]")}},
      {"phones: change, add, drop",
       D("E").phones({{"+1002", "work"}, {"+1003", "mobile"}}),
       L("E").phones({{"+1009", "home"}, {"+1001", "work"}}),
       {removeOp("phoneNumbers[type eq \"home\"]"),
        replaceOp("phoneNumbers[type eq \"mobile\"].value", "+1003"),
        replaceOp("phoneNumbers[type eq \"work\"].value", "+1002")}},
      {"phones equal in another order",
       D("E").phones({{"+1", "work"}, {"+2", "home"}}),
       L("E").phones({{"+2", "home"}, {"+1", "work"}}),
       {}},
      {"phones cleared",
       D("E").phones({}),
       L("E").phones({{"+1", "work"}}),
       {removeOp("phoneNumbers[type eq \"work\"]")}},
      {"roles replaced with the full list",
       D("E").roles({"agent", "supervisor"}),
       L("E").roles({"agent"}),
       {replaceOp("roles", arr({obj({{"value", "agent"}}), obj({{"value", "supervisor"}})}))}},
      {"roles equal", D("E").roles({"agent"}), L("E").roles({"agent"}), {}},
      {"roles cleared", D("E").roles({}), L("E").roles({"agent"}), {removeOp("roles")}},
      {"roles unknown are skipped", D("E").roles({"admin"}), L("E").rolesUnknown(), {}},
      {"department",
       D("E").department("SUPPORT"),
       L("E").department("SALES"),
       {replaceOp(kEnt + "department", "SUPPORT")}},
      {"division",
       D("E").division("EU"),
       L("E").division("Home"),
       {replaceOp(kEnt + "division", "EU")}},
      {"employeeNumber cleared",
       D("E").employeeNumber(""),
       L("E").employeeNumber("7"),
       {removeOp(kEnt + "employeeNumber")}},
      {"dateHire",
       D("E").dateHire("2024-03-01"),
       L("E").dateHire("2024-02-01"),
       {replaceOp(kEnt + "dateHire", "2024-03-01")}},
      {"manager cleared", D("E").manager(""), L("E").managerId("u9"), {removeOp(kEnt + "manager")}},
      {"manager not declared", D("E"), L("E").managerId("u9"), {}},
      {"skills equal numerically",
       D("E").skills({{"Billing", 3.0}}),
       L("E").skills({{"Billing", 3}}),
       {}},
      {"skills replaced whole",
       D("E").skills({{"Billing", 4}, {"Sales", 1.5}}),
       L("E").skills(billing3),
       {replaceOp(kGen + "routingSkills", arr({obj({{"name", "Billing"}, {"proficiency", 4}}),
                                               obj({{"name", "Sales"}, {"proficiency", 1.5}})}))}},
      {"skills unknown are skipped", D("E").skills({{"Billing", 4}}), L("E").skillsUnknown(), {}},
      {"languages cleared",
       D("E").languages({}),
       L("E").languages({{"English", 5}}),
       {removeOp(kGen + "routingLanguages")}},
      {"userName unmanaged by default",
       D("E").userName("new@corp.example"),
       L("E").userName("old@corp.example"),
       {}},
      {"userName managed",
       D("E").userName("new@corp.example"),
       L("E").userName("old@corp.example"),
       {replaceOp("userName", "new@corp.example")},
       {Attribute::kUserName}},
      {"userName differs only in case",
       D("E").userName("New@corp.example"),
       L("E").userName("new@corp.example"),
       {},
       {Attribute::kUserName}},
      {"unmanaged attribute is never written",
       D("E").title("Lead").department("X"),
       L("E").title("Agent").department("Y"),
       {replaceOp(kEnt + "department", "X")},
       {Attribute::kDepartment}},
      {"several attributes, fixed order",
       D("E").department("D2").title("T2").displayName("N2"),
       L("E").department("D1").title("T1").displayName("N1"),
       {replaceOp("displayName", "N2"), replaceOp("title", "T2"),
        replaceOp(kEnt + "department", "D2")}},
  };
}

TEST(PlannerTest, UpdatesWithMinimalOperations) {
  for (const UpdateCase& c : updateCases()) {
    SCOPED_TRACE(c.name);
    Scenario s;
    s.policy.managed_attributes = c.managed;
    s.desired = {c.desired};
    s.live = {c.live};
    const Plan plan = s.plan();
    if (c.ops.empty()) {
      EXPECT_TRUE(plan.actions.empty());
      continue;
    }
    ASSERT_EQ(plan.actions.size(), 1u);
    const Action& a = plan.actions[0];
    EXPECT_EQ(a.kind, ActionKind::kUpdate);
    EXPECT_EQ(a.ops, c.ops);
    EXPECT_EQ(a.rule, "attributes differ");
    EXPECT_EQ(a.user_id, "id-E");
    EXPECT_EQ(a.version, "\"1\"");
    EXPECT_FALSE(a.changes.empty());
    EXPECT_EQ(plan.cost.calls, (std::map<std::string, int>{{"PATCH /Users", 1}}));
  }
}

TEST(PlannerTest, UpdateRecordsBeforeAndAfter) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").title("Lead").phones({{"+2", "work"}}).manager("EMP-3")};
  s.live = {aLiveUser("EMP-1").title("Agent").phones({{"+1", "work"}}).managerId("id-EMP-2"),
            aLiveUser("EMP-2"), aLiveUser("EMP-3")};
  s.desired.push_back(aDesiredUser("EMP-2"));
  s.desired.push_back(aDesiredUser("EMP-3"));
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].changes,
            (std::vector<AttributeChange>{
                {"title", Json("Agent"), Json("Lead")},
                {"phoneNumbers", obj({{"work", "+1"}}), obj({{"work", "+2"}})},
                {"manager", Json("EMP-2"), Json("EMP-3")},
            }));
  EXPECT_EQ(plan.actions[0].ops.back(), replaceOp(kEnt + "manager", obj({{"value", "id-EMP-3"}})));
}

// ---- adoption and conflicts -----------------------------------------------------------------

TEST(PlannerTest, AdoptsLiveUserWithoutExternalIdByUserName) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-7").userName("jane@corp.example").title("Lead")};
  s.live = {aLiveUser("x").noExternalId().id("u7").userName("Jane@Corp.example").title("Lead")};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  const Action& a = plan.actions[0];
  EXPECT_EQ(a.kind, ActionKind::kUpdate);
  EXPECT_TRUE(a.adopt);
  EXPECT_EQ(a.rule, "adopted by userName");
  EXPECT_EQ(a.user_id, "u7");
  EXPECT_EQ(a.ops, (std::vector<PatchOp>{replaceOp("externalId", "EMP-7")}));
  EXPECT_TRUE(plan.notices.empty());
}

TEST(PlannerTest, AdoptionOfInactiveUserReactivatesInTheSamePatch) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-7")};
  s.live = {aLiveUser("EMP-7").noExternalId().active(false)};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::kReactivate);
  EXPECT_TRUE(plan.actions[0].adopt);
  EXPECT_EQ(plan.actions[0].rule, "status active; adopted by userName");
  EXPECT_EQ(plan.actions[0].ops,
            (std::vector<PatchOp>{replaceOp("active", true), replaceOp("externalId", "EMP-7")}));
}

struct ConflictCase {
  std::string name;
  std::vector<DesiredUser> desired;
  std::vector<LiveUser> live;
  std::vector<std::string> ids_named;
};

TEST(PlannerTest, RenumberedUserIsHeldNotSuspended) {
  // HR renumbered jdoe from EMP-9 to EMP-1: the live EMP-9 holds the desired userName. It is a
  // conflict to resolve by hand, never a removal, even though EMP-9 is in scope.
  Scenario s;
  s.policy.scope_external_id_pattern = "^EMP-";
  s.desired = {aDesiredUser("EMP-1")};
  s.live = {aLiveUser("EMP-9").id("u9").userName("emp-1@corp.example")};
  const Plan plan = s.plan();
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_EQ(noticesOf(plan, NoticeKind::kConflict).size(), 1u);
}

TEST(PlannerTest, ConflictsAreReportedAndNotTouched) {
  const std::vector<ConflictCase> cases = {
      {"two live users with one externalId",
       {aDesiredUser("EMP-1").title("Lead")},
       {aLiveUser("EMP-1").id("u1"), aLiveUser("EMP-1").id("u2").userName("other@corp.example")},
       {"u1", "u2"}},
      {"two live users without externalId with the adopted userName",
       {aDesiredUser("EMP-1")},
       {aLiveUser("a").noExternalId().id("u1").userName("emp-1@corp.example"),
        aLiveUser("b").noExternalId().id("u2").userName("EMP-1@corp.example")},
       {"u1", "u2"}},
      {"externalId on one live user, userName on another with another externalId",
       {aDesiredUser("EMP-1").title("Lead")},
       {aLiveUser("EMP-1").id("u1").userName("old@corp.example"),
        aLiveUser("EMP-9").id("u9").userName("emp-1@corp.example")},
       {"u1", "u9"}},
      {"externalId on one live user, userName on one without externalId",
       {aDesiredUser("EMP-1").title("Lead")},
       {aLiveUser("EMP-1").id("u1").userName("old@corp.example"),
        aLiveUser("x").noExternalId().id("u9").userName("emp-1@corp.example")},
       {"u1", "u9"}},
      {"userName held by a live user with another externalId (a create would fail)",
       {aDesiredUser("EMP-1")},
       {aLiveUser("EMP-9").id("u9").userName("emp-1@corp.example")},
       {"u9"}},
  };
  for (const ConflictCase& c : cases) {
    SCOPED_TRACE(c.name);
    Scenario s;
    s.policy.scope_external_id_pattern = "^NOPE";  // nothing is removed by scope
    s.desired = c.desired;
    s.live = c.live;
    const Plan plan = s.plan();
    EXPECT_TRUE(plan.actions.empty());
    const auto conflicts = noticesOf(plan, NoticeKind::kConflict);
    ASSERT_EQ(conflicts.size(), 1u);
    EXPECT_EQ(conflicts[0]->external_id, "EMP-1");
    EXPECT_EQ(conflicts[0]->source, c.desired[0].source);
    for (const std::string& id : c.ids_named) {
      EXPECT_NE(conflicts[0]->message.find(id), std::string::npos) << conflicts[0]->message;
    }
  }
}

TEST(PlannerTest, DuplicateExternalIdInScopeIsNotSuspended) {
  Scenario s;
  s.live = {aLiveUser("EMP-1").id("u1"), aLiveUser("EMP-1").id("u2").userName("b@corp.example")};
  const Plan plan = s.plan();
  EXPECT_TRUE(plan.actions.empty());
  const auto conflicts = noticesOf(plan, NoticeKind::kConflict);
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0]->message,
            "externalId \"EMP-1\" is held by 2 live users (u1, u2); not touched");
}

// ---- status: suspend, reactivate, removal -------------------------------------------------------

TEST(PlannerTest, TerminatedUserIsSuspendedWithOtherChangesInTheSamePatch) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").status(UserStatus::kTerminated).title("Former")};
  s.live = {aLiveUser("EMP-1").title("Agent")};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  const Action& a = plan.actions[0];
  EXPECT_EQ(a.kind, ActionKind::kSuspend);
  EXPECT_EQ(a.rule, "status terminated");
  EXPECT_EQ(a.ops,
            (std::vector<PatchOp>{replaceOp("active", false), replaceOp("title", "Former")}));
  EXPECT_EQ(a.source, s.desired[0].source);
}

TEST(PlannerTest, SuspendedStatusHasItsOwnRule) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").status(UserStatus::kSuspended)};
  s.live = {aLiveUser("EMP-1")};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].rule, "status suspended");
}

TEST(PlannerTest, InactiveLiveUserDesiredActiveIsReactivated) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").title("Lead")};
  s.live = {aLiveUser("EMP-1").active(false).title("Agent")};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::kReactivate);
  EXPECT_EQ(plan.actions[0].ops,
            (std::vector<PatchOp>{replaceOp("active", true), replaceOp("title", "Lead")}));
}

TEST(PlannerTest, WithoutActiveManagedStatusIsNotWritten) {
  Scenario s;
  s.policy.managed_attributes = {Attribute::kTitle};
  s.desired = {aDesiredUser("EMP-1").status(UserStatus::kTerminated).title("Former"),
               aDesiredUser("EMP-2")};
  s.live = {aLiveUser("EMP-1").title("Agent"), aLiveUser("EMP-2").active(false),
            aLiveUser("EMP-3")};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::kUpdate);
  EXPECT_EQ(plan.actions[0].ops, (std::vector<PatchOp>{replaceOp("title", "Former")}));
}

TEST(PlannerTest, ManagedUserMissingFromDesiredIsSuspended) {
  Scenario s;
  s.live = {aLiveUser("EMP-1").id("u1").version("\"4\""), aLiveUser("EMP-2").active(false)};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);  // EMP-2 is already inactive: nothing
  const Action& a = plan.actions[0];
  EXPECT_EQ(a.kind, ActionKind::kSuspend);
  EXPECT_EQ(a.rule, "removed from desired state");
  EXPECT_EQ(a.user_id, "u1");
  EXPECT_EQ(a.version, "\"4\"");
  EXPECT_EQ(a.source, SourcePos{});
  EXPECT_EQ(a.ops, (std::vector<PatchOp>{replaceOp("active", false)}));
  EXPECT_EQ(a.changes, (std::vector<AttributeChange>{{"active", Json(true), Json(false)}}));
}

TEST(PlannerTest, OnRemovalDeleteDeletesActiveAndInactiveUsers) {
  Scenario s;
  s.policy.on_removal = RemovalPolicy::kDelete;
  s.live = {aLiveUser("EMP-2").active(false), aLiveUser("EMP-1").groupIds({"g1"})};
  s.groups = {aGroup("g1", "Support")};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 2u);  // no group action: memberships end with the user
  EXPECT_EQ(plan.actions[0].kind, ActionKind::kDelete);
  EXPECT_EQ(plan.actions[0].external_id, "EMP-1");
  EXPECT_EQ(plan.actions[1].external_id, "EMP-2");
  EXPECT_EQ(plan.actions[1].rule, "removed from desired state");
  EXPECT_FALSE(plan.actions[1].changes.empty());
  // Each delete: the DELETE, a re-read, and the least its clean-up reads and writes (archive
  // windows of 31 days back to policy.archiveDays 365: 12 queries).
  EXPECT_EQ(plan.cost.calls,
            (std::map<std::string, int>{{"DELETE /Users", 2},
                                        {"GET /Users", 2},
                                        {"POST /api/v2/analytics/conversations/details/query", 24},
                                        {"GET /api/v2/users/queues", 4},
                                        {"GET /api/v2/authorization/subjects", 2},
                                        {"DELETE /api/v2/tokens", 2}}));
}

// ---- scope and unmanaged users ------------------------------------------------------------------

struct UnmanagedCase {
  UnmanagedPolicy policy;
  size_t suspends;
  size_t unmanaged_notices;
};

TEST(PlannerTest, UnmanagedUsersFollowThePolicy) {
  const std::vector<UnmanagedCase> cases = {
      {UnmanagedPolicy::kIgnore, 0, 0},
      {UnmanagedPolicy::kReport, 0, 3},
      {UnmanagedPolicy::kSuspend, 2, 0},  // the inactive one needs nothing
  };
  for (const UnmanagedCase& c : cases) {
    SCOPED_TRACE(unmanagedPolicyName(c.policy));
    Scenario s;
    s.policy.scope_external_id_pattern = "^EMP-";
    s.policy.unmanaged = c.policy;
    s.desired = {aDesiredUser("EMP-1")};
    s.live = {aLiveUser("EMP-1"), aLiveUser("CONTRACTOR-1").groupIds({"g1"}),
              aLiveUser("x").noExternalId().userName("robot@corp.example"),
              aLiveUser("CONTRACTOR-2").active(false)};
    s.groups = {aGroup("g1", "Support")};
    const Plan plan = s.plan();
    const auto suspends = actionsOf(plan, ActionKind::kSuspend);
    EXPECT_EQ(suspends.size(), c.suspends);
    for (const Action* a : suspends) EXPECT_EQ(a->rule, "unmanaged policy");
    EXPECT_EQ(noticesOf(plan, NoticeKind::kUnmanaged).size(), c.unmanaged_notices);
    EXPECT_TRUE(actionsOf(plan, ActionKind::kGroupMembers).empty());  // never their memberships
  }
}

TEST(PlannerTest, ScopePatternSelectsWhichMissingUsersAreRemoved) {
  Scenario s;
  s.policy.scope_external_id_pattern = "^EMP-\\d+$";
  s.live = {aLiveUser("EMP-12"), aLiveUser("EMP-12X"), aLiveUser("VENDOR-EMP-1"),
            aLiveUser("x").noExternalId()};
  const Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].external_id, "EMP-12");

  s.policy.scope_external_id_pattern = "";  // any externalId
  EXPECT_EQ(s.plan().actions.size(), 3u);
  EXPECT_EQ(countManagedLiveUsers(s.desiredState(), s.liveState()), 3u);
  EXPECT_EQ(s.plan().managed_live_users, 3);
}

TEST(PlannerTest, InvalidScopePatternTouchesNoUnmatchedUser) {
  Scenario s;
  s.policy.scope_external_id_pattern = "^EMP-(";
  s.policy.unmanaged = UnmanagedPolicy::kSuspend;
  s.live = {aLiveUser("EMP-1"), aLiveUser("x").noExternalId()};
  const Plan plan = s.plan();
  EXPECT_TRUE(plan.actions.empty());
  ASSERT_EQ(noticesOf(plan, NoticeKind::kWarning).size(), 1u);
}

// ---- protected users ----------------------------------------------------------------------------

TEST(PlannerTest, ProtectedUsersGetANoticeInsteadOfEachActionKind) {
  Scenario s;
  s.policy.protected_users = {{"ADMIN@corp.example", "", {}},
                              {"", "BREAKGLASS-1", {}},
                              {"", "EMP-3", {}},
                              {"", "EMP-4", {}}};
  s.policy.scope_external_id_pattern = "";
  s.desired = {
      aDesiredUser("EMP-1").userName("admin@corp.example").title("Boss"),  // would update
      aDesiredUser("EMP-3").status(UserStatus::kTerminated),               // would suspend
      aDesiredUser("EMP-4").groups({"Support"}),                           // would change groups
  };
  s.live = {aLiveUser("EMP-1").userName("admin@corp.example").title("Agent"), aLiveUser("EMP-3"),
            aLiveUser("EMP-4"), aLiveUser("BREAKGLASS-1")};  // removed: would suspend
  s.groups = {aGroup("g1", "Support")};
  Plan plan = s.plan();
  EXPECT_TRUE(plan.actions.empty());
  auto notices = noticesOf(plan, NoticeKind::kProtected);
  ASSERT_EQ(notices.size(), 4u);
  EXPECT_EQ(notices[0]->external_id, "BREAKGLASS-1");
  EXPECT_EQ(notices[0]->message, "protected: would suspend (removed from desired state)");
  EXPECT_EQ(notices[1]->message, "protected: would update (attributes differ): title");
  EXPECT_EQ(notices[2]->message, "protected: would suspend (status terminated): active");
  EXPECT_EQ(notices[3]->message, "protected: would add to group \"Support\"");

  s.policy.on_removal = RemovalPolicy::kDelete;
  plan = s.plan();
  EXPECT_TRUE(plan.actions.empty());
  notices = noticesOf(plan, NoticeKind::kProtected);
  ASSERT_EQ(notices.size(), 4u);
  EXPECT_EQ(notices[0]->message, "protected: would delete (removed from desired state)");
}

TEST(PlannerTest, ProtectedRuleWithBothKeysNeedsBoth) {
  Scenario s;
  s.policy.protected_users = {{"admin@corp.example", "EMP-1", {}}};
  s.live = {aLiveUser("EMP-1")};  // userName emp-1@corp.example: not this rule
  EXPECT_EQ(s.plan().actions.size(), 1u);
}

TEST(PlannerTest, NothingToDoForProtectedUserMeansNoNotice) {
  Scenario s;
  s.policy.protected_users = {{"", "EMP-1", {}}};
  s.desired = {aDesiredUser("EMP-1").title("Same")};
  s.live = {aLiveUser("EMP-1").title("Same")};
  EXPECT_TRUE(s.plan().notices.empty());
}

// ---- groups -------------------------------------------------------------------------------------

TEST(PlannerTest, MembershipChangesAreBatchedPerGroup) {
  Scenario s;
  s.groups = {aGroup("g1", "Support Agents"), aGroup("g2", "Billing")};
  s.desired = {aDesiredUser("EMP-2").groups({"Support Agents"}),
               aDesiredUser("EMP-1").groups({"Billing", "Support Agents"}),
               aDesiredUser("EMP-3").groups({"Billing"})};
  s.live = {aLiveUser("EMP-1").id("u1"), aLiveUser("EMP-3").id("u3").groupIds({"g1", "g2"})};
  const Plan plan = s.plan();
  const auto groups = actionsOf(plan, ActionKind::kGroupMembers);
  ASSERT_EQ(groups.size(), 2u);
  const Action& billing = *groups[0];
  EXPECT_EQ(billing.group_name, "Billing");
  EXPECT_EQ(billing.group_id, "g2");
  EXPECT_EQ(billing.group_version, "\"7\"");
  EXPECT_EQ(billing.add_members, (std::vector<MemberRef>{{"u1", "EMP-1", "emp-1@corp.example"}}));
  EXPECT_TRUE(billing.remove_members.empty());
  const Action& support = *groups[1];
  EXPECT_EQ(support.group_name, "Support Agents");
  EXPECT_EQ(support.add_members,
            (std::vector<MemberRef>{{"u1", "EMP-1", "emp-1@corp.example"},
                                    {"", "EMP-2", "emp-2@corp.example"}}));  // created: no id
  EXPECT_EQ(support.remove_members,
            (std::vector<MemberRef>{{"u3", "EMP-3", "emp-3@corp.example"}}));
  EXPECT_EQ(support.rule, "membership differs from desired groups");
  EXPECT_EQ(plan.cost.calls.at("PATCH /Groups"), 2);
  EXPECT_EQ(plan.actions.back().group_name, "Support Agents");  // groups last, by name
}

TEST(PlannerTest, UndeclaredGroupsOrUnmanagedGroupsLeaveMembershipsAlone) {
  Scenario s;
  s.groups = {aGroup("g1", "Support")};
  s.desired = {aDesiredUser("EMP-1"), aDesiredUser("EMP-2").groups({})};
  s.live = {aLiveUser("EMP-1").groupIds({"g1"}), aLiveUser("EMP-2").groupIds({"g1"})};
  Plan plan = s.plan();
  ASSERT_EQ(plan.actions.size(), 1u);  // EMP-2 declared no groups: removed from g1
  EXPECT_EQ(plan.actions[0].remove_members.size(), 1u);
  EXPECT_EQ(plan.actions[0].remove_members[0].external_id, "EMP-2");

  s.policy.managed_attributes = {Attribute::kTitle, Attribute::kActive};
  EXPECT_TRUE(s.plan().actions.empty());
}

TEST(PlannerTest, SuspendedUsersLoseEveryMembership) {
  Scenario s;
  s.groups = {aGroup("g1", "Support"), aGroup("g2", "Billing")};
  s.desired = {aDesiredUser("EMP-1").status(UserStatus::kTerminated).groups({"Support"})};
  s.live = {aLiveUser("EMP-1").groupIds({"g2", "g1"}), aLiveUser("EMP-2").groupIds({"g1"})};
  const Plan plan = s.plan();
  const auto suspends = actionsOf(plan, ActionKind::kSuspend);
  ASSERT_EQ(suspends.size(), 2u);  // EMP-1 terminated, EMP-2 removed
  const auto groups = actionsOf(plan, ActionKind::kGroupMembers);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0]->group_name, "Billing");
  EXPECT_EQ(groups[0]->remove_members.size(), 1u);
  EXPECT_EQ(groups[1]->group_name, "Support");
  EXPECT_EQ(groups[1]->remove_members.size(), 2u);
  for (const Action* g : groups) {
    EXPECT_NE(g->rule.find("suspended"), std::string::npos) << g->rule;
    EXPECT_TRUE(g->add_members.empty());
  }
  EXPECT_EQ(groups[0]->source, s.desired[0].source);
}

TEST(PlannerTest, UnknownGroupIsOneWarningPerName) {
  Scenario s;
  s.groups = {aGroup("g1", "Support")};
  s.desired = {aDesiredUser("EMP-2").groups({"Ghosts", "Support"}).at(20),
               aDesiredUser("EMP-1").groups({"Ghosts"}).at(10)};
  const Plan plan = s.plan();
  const auto warnings = noticesOf(plan, NoticeKind::kWarning);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0]->message,
            "group \"Ghosts\" does not exist in Genesys (groups cannot be created over SCIM)");
  EXPECT_EQ(warnings[0]->external_id, "EMP-1");
  EXPECT_EQ(warnings[0]->source.line, 10);
  // EMP-2 names an unknown group: none of its memberships change (not even Support's).
  EXPECT_TRUE(actionsOf(plan, ActionKind::kGroupMembers).empty());
  EXPECT_EQ(actionsOf(plan, ActionKind::kCreate).size(), 2u);
}

TEST(PlannerTest, UnknownGroupLeavesOnlyThatUsersMembershipsAlone) {
  Scenario s;
  s.groups = {aGroup("g1", "Support"), aGroup("g2", "Sales")};
  s.desired = {aDesiredUser("EMP-1").groups({"Suport", "Sales"}).title("Lead"),
               aDesiredUser("EMP-2").groups({"Sales"})};
  s.live = {aLiveUser("EMP-1").groupIds({"g1"}), aLiveUser("EMP-2").groupIds({"g1"})};
  const Plan plan = s.plan();
  // EMP-1: its title changes, its memberships do not (no removal from Support, no add to Sales).
  ASSERT_EQ(actionsOf(plan, ActionKind::kUpdate).size(), 1u);
  EXPECT_EQ(actionsOf(plan, ActionKind::kUpdate)[0]->external_id, "EMP-1");
  const auto groups = actionsOf(plan, ActionKind::kGroupMembers);
  ASSERT_EQ(groups.size(), 2u);
  for (const Action* g : groups) {
    for (const MemberRef& m : g->add_members) EXPECT_EQ(m.external_id, "EMP-2");
    for (const MemberRef& m : g->remove_members) EXPECT_EQ(m.external_id, "EMP-2");
  }
}

TEST(PlannerTest, AmbiguousGroupNameIsAWarningAndNotRemoved) {
  Scenario s;
  s.groups = {aGroup("g1", "Support"), aGroup("g2", "Support")};
  s.desired = {aDesiredUser("EMP-1").groups({"Support"})};
  s.live = {aLiveUser("EMP-1").groupIds({"g1"})};
  const Plan plan = s.plan();
  EXPECT_TRUE(plan.actions.empty());
  EXPECT_EQ(noticesOf(plan, NoticeKind::kWarning).size(), 1u);
}

// ---- ordering, determinism, cost, scale ---------------------------------------------------------

TEST(PlannerTest, ActionsComeInKindOrderThenByExternalId) {
  Scenario s;
  s.groups = {aGroup("g1", "A")};
  s.desired = {aDesiredUser("EMP-5").title("x"), aDesiredUser("EMP-4").groups({"A"}),
               aDesiredUser("EMP-3"), aDesiredUser("EMP-2").title("x")};
  s.live = {aLiveUser("EMP-5"), aLiveUser("EMP-3").active(false), aLiveUser("EMP-2"),
            aLiveUser("EMP-1"), aLiveUser("EMP-0")};
  const Plan plan = s.plan();
  std::vector<std::string> got;
  for (const Action& a : plan.actions) {
    got.push_back(std::string(actionKindName(a.kind)) + " " +
                  (a.kind == ActionKind::kGroupMembers ? a.group_name : a.external_id));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"create EMP-4", "update EMP-2", "update EMP-5",
                                           "reactivate EMP-3", "suspend EMP-0", "suspend EMP-1",
                                           "group A"}));
}

Scenario bigScenario(int n) {
  Scenario s;
  s.policy.scope_external_id_pattern = "^EMP-";
  s.policy.unmanaged = UnmanagedPolicy::kReport;
  s.policy.protected_users = {{"", "EMP-00007", {}}};
  for (int i = 0; i < 10; ++i)
    s.groups.push_back(aGroup("g" + std::to_string(i), "Group " + std::to_string(i)));
  s.groups.push_back(aGroup("gx", "Group 1"));  // an ambiguous name
  for (int i = 0; i < n; ++i) {
    char ext[16];
    std::snprintf(ext, sizeof ext, "EMP-%05d", i);
    const std::string g = "Group " + std::to_string(i % 10);
    DesiredUserBuilder d(ext);
    d.displayName("User " + std::to_string(i)).title(i % 7 == 0 ? "Lead" : "Agent").groups({g});
    if (i % 11 == 0) d.manager("EMP-00001");
    if (i % 13 == 0) d.status(UserStatus::kTerminated);
    if (i % 17 == 0) d.groups({"Missing " + std::to_string(i % 3)});
    if (i % 5 != 4) s.desired.push_back(d);  // every 5th is removed from desired
    if (i % 9 == 8) continue;                // every 9th is new
    LiveUserBuilder l(ext);
    l.displayName("User " + std::to_string(i))
        .title("Agent")
        .groupIds({"g" + std::to_string(i % 4)});
    if (i % 19 == 0) l.noExternalId();
    if (i % 23 == 0) l.active(false);
    s.live.push_back(l);
  }
  s.live.push_back(aLiveUser("EMP-00003").id("dup"));
  s.live.push_back(aLiveUser("OTHER-1"));
  return s;
}

TEST(PlannerTest, ShuffledInputsGiveByteIdenticalPlans) {
  Scenario s = bigScenario(200);
  const std::string expected = planToJson(s.plan()).dump();
  EXPECT_EQ(static_cast<size_t>(s.plan().managed_live_users),
            countManagedLiveUsers(s.desiredState(), s.liveState()));
  std::mt19937 rng(42);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(s.desired.begin(), s.desired.end(), rng);
    std::shuffle(s.live.begin(), s.live.end(), rng);
    std::shuffle(s.groups.begin(), s.groups.end(), rng);
    ASSERT_EQ(planToJson(s.plan()).dump(), expected) << "round " << round;
  }
  // The scenario exercises every action kind and every notice kind.
  const Plan plan = s.plan();
  for (ActionKind k : {ActionKind::kCreate, ActionKind::kUpdate, ActionKind::kReactivate,
                       ActionKind::kSuspend, ActionKind::kGroupMembers}) {
    EXPECT_GT(plan.count(k), 0) << actionKindName(k);
  }
  for (NoticeKind k : {NoticeKind::kConflict, NoticeKind::kProtected, NoticeKind::kUnmanaged,
                       NoticeKind::kWarning}) {
    EXPECT_FALSE(noticesOf(plan, k).empty()) << noticeKindName(k);
  }
}

TEST(PlannerTest, CostCountsCallsByKindAndMinimumTime) {
  Scenario s;
  s.options.requests_per_minute = 300;
  s.groups = {aGroup("g1", "A"), aGroup("g2", "B")};
  s.desired = {aDesiredUser("EMP-1").groups({"A"}), aDesiredUser("EMP-2").groups({"B"}),
               aDesiredUser("EMP-3").manager("EMP-1"), aDesiredUser("EMP-4").title("t")};
  s.live = {aLiveUser("EMP-4"), aLiveUser("EMP-5")};
  const Plan plan = s.plan();
  // EMP-5's suspend also revokes its tokens.
  EXPECT_EQ(plan.cost.calls,
            (std::map<std::string, int>{{"POST /Users", 3},
                                        {"PATCH /Users", 3},
                                        {"PATCH /Groups", 2},
                                        {"DELETE /api/v2/tokens", 1}}));
  EXPECT_EQ(plan.cost.total_calls, 9);
  EXPECT_DOUBLE_EQ(plan.cost.min_seconds, 1.8);
  EXPECT_EQ(plan.desired_digest, "sha256:test");
}

TEST(PlannerTest, NoChangesMeansEmptyPlanAndZeroCost) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1").title("A")};
  s.live = {aLiveUser("EMP-1").title("A")};
  const Plan plan = s.plan();
  EXPECT_FALSE(plan.hasChanges());
  EXPECT_EQ(plan.cost.total_calls, 0);
  EXPECT_EQ(plan.cost.min_seconds, 0);
  EXPECT_TRUE(plan.cost.calls.empty());
}

// A sanity run at SPEC §14's size (50,000 vs 50,000, 1% drift); the timing is a benchmark's job.
TEST(PlannerTest, PlansFiftyThousandUsersWithOnePercentDrift) {
  Scenario s;
  s.policy.scope_external_id_pattern = "^EMP-";
  s.groups = {aGroup("g1", "Support"), aGroup("g2", "Sales")};
  const int n = 50000;
  s.desired.reserve(n);
  s.live.reserve(n);
  for (int i = 0; i < n; ++i) {
    const std::string ext = "EMP-" + std::to_string(100000 + i);
    const bool drift = i % 100 == 0;
    s.desired.push_back(aDesiredUser(ext)
                            .displayName("User " + std::to_string(i))
                            .title(drift ? "Lead" : "Agent")
                            .department("SUPPORT")
                            .phones({{"+1555" + std::to_string(i), "work"}})
                            .roles({"agent"})
                            .skills({{"Billing", 3}})
                            .groups({i % 2 ? "Support" : "Sales"}));
    s.live.push_back(aLiveUser(ext)
                         .displayName("User " + std::to_string(i))
                         .title("Agent")
                         .department("SUPPORT")
                         .phones({{"+1555" + std::to_string(i), "work"}})
                         .roles({"agent"})
                         .skills({{"Billing", 3}})
                         .groupIds({i % 2 ? "g1" : "g2"}));
  }
  const Plan plan = s.plan();
  EXPECT_EQ(plan.count(ActionKind::kUpdate), n / 100);
  EXPECT_EQ(plan.actions.size(), static_cast<size_t>(n / 100));
  EXPECT_TRUE(plan.notices.empty());
}

}  // namespace
}  // namespace scim_agent::testing
