#include "agent/plan/plan_json.h"

#include <gtest/gtest.h>

#include "builders.h"

namespace scim_agent::testing {
namespace {

// Every field of every type set to something that is not its default.
Plan everyFieldPlan() {
  Plan plan;
  plan.desired_digest = "abc123";
  plan.managed_live_users = 40;
  Action create;
  create.kind = ActionKind::kCreate;
  create.external_id = "EMP-1";
  create.user_name = "a@corp.example";
  create.body = Json(Json::Object{{"userName", "a@corp.example"}, {"active", true}});
  create.manager_external_id = "EMP-0";
  create.rule = "new in desired state";
  create.source = {"users.yaml", 3, 5};
  create.changes = {{"title", Json(), Json("Lead")}};
  create.ops = {{"replace", "x", Json(1.5)}};
  plan.actions.push_back(create);

  Action update;
  update.kind = ActionKind::kUpdate;
  update.external_id = "EMP-2";
  update.user_name = "b@corp.example";
  update.user_id = "u2";
  update.version = "\"42\"";
  update.ops = {{"replace", "externalId", Json("EMP-2")}, {"remove", "title", Json()}};
  update.adopt = true;
  update.rule = "adopted by userName";
  update.source = {"hr.csv", 17, 0};
  update.changes = {{"title", Json("Agent"), Json()}, {"externalId", Json(), Json("EMP-2")}};
  plan.actions.push_back(update);

  Action group;
  group.kind = ActionKind::kGroupMembers;
  group.group_id = "g1";
  group.group_name = "Support";
  group.group_version = "\"3\"";
  group.add_members = {{"", "EMP-1", "a@corp.example"}};
  group.remove_members = {{"u9", "EMP-9", "z@corp.example"}};
  group.rule = "membership differs from desired groups";
  group.changes = {{"members", Json(), Json(Json::Object{{"add", Json(Json::Array{"EMP-1"})}})}};
  plan.actions.push_back(group);

  for (ActionKind k : {ActionKind::kSuspend, ActionKind::kReactivate, ActionKind::kDelete}) {
    Action a;
    a.kind = k;
    a.external_id = "EMP-3";
    a.rule = "r";
    plan.actions.push_back(a);
  }

  plan.notices = {{NoticeKind::kConflict, "EMP-4", "c@corp.example", "two", {"users.yaml", 9, 1}},
                  {NoticeKind::kProtected, "EMP-5", "", "protected: …", {}},
                  {NoticeKind::kUnmanaged, "", "d@corp.example", "not managed", {}},
                  {NoticeKind::kWarning, "", "", "w", {"users.yaml", 0, 0}}};
  plan.cost.calls = {{"POST /Users", 1}, {"PATCH /Users", 3}};
  plan.cost.total_calls = 4;
  plan.cost.min_seconds = 0.8;
  plan.cost.deleted_lookup = "1 listing of 5,000 (50 pages) instead of 10,000 searches";
  return plan;
}

void expectSamePlan(const Plan& a, const Plan& b) {
  EXPECT_EQ(a.format_version, b.format_version);
  EXPECT_EQ(a.desired_digest, b.desired_digest);
  EXPECT_EQ(a.managed_live_users, b.managed_live_users);
  ASSERT_EQ(a.actions.size(), b.actions.size());
  for (size_t i = 0; i < a.actions.size(); ++i) {
    const Action& x = a.actions[i];
    const Action& y = b.actions[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.external_id, y.external_id);
    EXPECT_EQ(x.user_name, y.user_name);
    EXPECT_EQ(x.user_id, y.user_id);
    EXPECT_EQ(x.version, y.version);
    EXPECT_EQ(x.ops, y.ops);
    EXPECT_EQ(x.body, y.body);
    EXPECT_EQ(x.manager_external_id, y.manager_external_id);
    EXPECT_EQ(x.adopt, y.adopt);
    EXPECT_EQ(x.group_id, y.group_id);
    EXPECT_EQ(x.group_name, y.group_name);
    EXPECT_EQ(x.group_version, y.group_version);
    EXPECT_EQ(x.add_members, y.add_members);
    EXPECT_EQ(x.remove_members, y.remove_members);
    EXPECT_EQ(x.rule, y.rule);
    EXPECT_EQ(x.source, y.source);
    EXPECT_EQ(x.changes, y.changes);
  }
  EXPECT_EQ(a.notices, b.notices);
  EXPECT_EQ(a.cost.calls, b.cost.calls);
  EXPECT_EQ(a.cost.total_calls, b.cost.total_calls);
  EXPECT_EQ(a.cost.min_seconds, b.cost.min_seconds);
  EXPECT_EQ(a.cost.deleted_lookup, b.cost.deleted_lookup);
}

TEST(PlanJsonTest, RoundTripKeepsEveryField) {
  const Plan plan = everyFieldPlan();
  const Json encoded = planToJson(plan);
  const Result<Plan> decoded = planFromJson(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  expectSamePlan(plan, *decoded);
  EXPECT_EQ(planToJson(*decoded).dump(), encoded.dump());
}

TEST(PlanJsonTest, RoundTripOfAPlannedPlan) {
  Scenario s;
  s.groups = {aGroup("g1", "Support")};
  s.policy.unmanaged = UnmanagedPolicy::kReport;
  s.policy.scope_external_id_pattern = "^EMP-";
  s.desired = {
      aDesiredUser("EMP-1").displayName("One").groups({"Support", "Nope"}).manager("EMP-2"),
      aDesiredUser("EMP-2").phones({{"+1", "work"}}).skills({{"Billing", 2.5}}),
      aDesiredUser("EMP-3").status(UserStatus::kTerminated)};
  s.live = {aLiveUser("EMP-2").noExternalId(), aLiveUser("EMP-3").groupIds({"g1"}),
            aLiveUser("EMP-4"), aLiveUser("X-1")};
  const Plan plan = s.plan();
  const std::string once = planToJson(plan).dump();
  const Result<Plan> decoded = planFromJson(planToJson(plan));
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  expectSamePlan(plan, *decoded);
  EXPECT_EQ(planToJson(*decoded).dump(), once);
}

TEST(PlanJsonTest, DocumentShape) {
  Plan plan;
  plan.desired_digest = "d";
  Action a;
  a.kind = ActionKind::kSuspend;
  a.external_id = "EMP-1";
  a.user_id = "u1";
  a.version = "\"2\"";
  a.ops = {{"replace", "active", Json(false)}};
  a.rule = "removed from desired state";
  plan.actions.push_back(a);
  plan.cost.calls = {{"PATCH /Users", 1}};
  plan.cost.total_calls = 1;
  plan.cost.min_seconds = 0.2;
  plan.managed_live_users = 12;
  EXPECT_EQ(planToJson(plan).dump(),
            R"({"actions":[{"externalId":"EMP-1","kind":"suspend","ops":[{"op":"replace",)"
            R"("path":"active","value":false}],"rule":"removed from desired state",)"
            R"("userId":"u1","version":"\"2\""}],"cost":{"calls":{"PATCH /Users":1},)"
            R"("minSeconds":0.20000000000000001,"totalCalls":1},"desiredDigest":"d",)"
            R"("formatVersion":1,"managedLiveUsers":12,"notices":[],)"
            R"("verdict":{"blocked":false,"blockedActions":0,"heldActions":0}})");
}

TEST(PlanJsonTest, DeletedLookupIsKeptInTheCostOnlyWhenThere) {
  Plan plan;
  plan.cost.deleted_lookup = "12 searches, one per create: 50 creates or fewer";
  const Json encoded = planToJson(plan);
  EXPECT_EQ(encoded.get("cost").getString("deletedLookup"), plan.cost.deleted_lookup);
  const Result<Plan> decoded = planFromJson(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  EXPECT_EQ(decoded->cost.deleted_lookup, plan.cost.deleted_lookup);
  // A plan that looked up nothing keeps the document it had before the field existed.
  EXPECT_FALSE(planToJson(Plan{}).get("cost").has("deletedLookup"));
}

TEST(PlanJsonTest, RejectsAnotherFormatVersion) {
  Json doc = planToJson(Plan{});
  doc["formatVersion"] = 2;
  const Result<Plan> r = planFromJson(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("format version 2"), std::string::npos) << r.error().message;

  Json missing = planToJson(Plan{});
  missing.asObject().erase("formatVersion");
  EXPECT_EQ(planFromJson(missing).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(planFromJson(Json("plan")).error().code, ErrorCode::kCorrupt);
}

TEST(PlanJsonTest, MalformedMembersNameTheirPlace) {
  struct Case {
    std::string name;
    void (*mutate)(Json&);
    std::string message;
  };
  const Case cases[] = {
      {"unknown kind", [](Json& d) { d["actions"].asArray()[0]["kind"] = "explode"; },
       "plan: actions[0].kind: unknown action kind \"explode\""},
      {"op not a string", [](Json& d) { d["actions"].asArray()[0]["ops"].asArray()[0]["op"] = 3; },
       "plan: actions[0].ops[0].op: expected a string"},
      {"actions not an array", [](Json& d) { d["actions"] = "x"; },
       "plan: actions: expected an array"},
      {"line not an integer", [](Json& d) { d["actions"].asArray()[0]["source"]["line"] = 1.5; },
       "plan: actions[0].source.line: expected an integer"},
      {"notice kind",
       [](Json& d) {
         d["notices"].push(Json(Json::Object{{"kind", "meh"}}));
       },
       "plan: notices[0].kind: unknown notice kind \"meh\""},
      {"cost calls", [](Json& d) { d["cost"]["calls"]["POST /Users"] = "many"; },
       "plan: cost.calls.POST /Users: expected a number"},
      {"deleted lookup", [](Json& d) { d["cost"]["deletedLookup"] = 3; },
       "plan: cost.deletedLookup: expected a string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Plan plan;
    Action a;
    a.kind = ActionKind::kUpdate;
    a.ops = {{"replace", "title", Json("x")}};
    a.rule = "r";
    plan.actions.push_back(a);
    Json doc = planToJson(plan);
    c.mutate(doc);
    const Result<Plan> r = planFromJson(doc);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
    EXPECT_EQ(r.error().message, c.message);
  }
}

}  // namespace
}  // namespace scim_agent::testing

namespace scim_agent {
namespace {

// A saved plan's inputs (issue 13 item 4): kept whole through a round trip, absent when unset,
// and their malformed members named.
TEST(PlanJsonTest, InputsRoundTripAndAreAbsentUnlessSet) {
  Plan plan;
  plan.desired_digest = "d";
  EXPECT_FALSE(planToJson(plan).has("inputs"));
  EXPECT_FALSE(planFromJson(planToJson(plan))->inputs.has_value());

  PlanInputs in;
  in.files = {{"desired/a.yaml", std::string(64, 'a')}, {"desired/b.yaml", std::string(64, 'b')}};
  in.settings = std::string(64, 'c');
  in.policy = Json(Json::Object{{"onRemoval", "delete"}});
  in.desired_users = 100000;
  in.users = {{"EMP-1", UserStatus::kActive, SourcePos{"desired/a.yaml", 4, 5}},
              {"EMP-2", UserStatus::kTerminated, SourcePos{"desired/b.yaml", 9, 5}}};
  plan.inputs = in;
  const Json encoded = planToJson(plan);
  const Result<Plan> decoded = planFromJson(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
  ASSERT_TRUE(decoded->inputs.has_value());
  EXPECT_EQ(decoded->inputs->files, in.files);
  EXPECT_EQ(decoded->inputs->settings, in.settings);
  EXPECT_EQ(decoded->inputs->policy.dump(), in.policy.dump());
  EXPECT_EQ(decoded->inputs->desired_users, 100000);
  EXPECT_EQ(decoded->inputs->users, in.users);
  EXPECT_EQ(planToJson(*decoded).dump(), encoded.dump());

  Json bad = encoded;
  bad["inputs"]["users"].asArray()[1]["status"] = "gone";
  EXPECT_EQ(planFromJson(bad).error().message,
            "plan: inputs.users[1].status: expected active, suspended or terminated");
  bad = encoded;
  bad["inputs"]["desiredUsers"] = -1;
  EXPECT_EQ(planFromJson(bad).error().message, "plan: inputs.desiredUsers: expected a count");
  bad = encoded;
  bad["inputs"]["files"] = Json(Json::Array{Json("x")});
  EXPECT_EQ(planFromJson(bad).error().message, "plan: inputs.files[0]: expected an object");
}

}  // namespace
}  // namespace scim_agent
