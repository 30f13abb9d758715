#include "agent/report/plan_render.h"

#include <gtest/gtest.h>

#include "agent/plan/plan_json.h"
#include "unit/plan/builders.h"

namespace scim_agent::testing {
namespace {

Scenario smallOrg() {
  Scenario s;
  s.policy.scope_external_id_pattern = "^EMP-";
  s.groups = {aGroup("g1", "Support Agents")};
  s.desired = {
      aDesiredUser("EMP-1001")
          .userName("jdoe@corp.example")
          .displayName("John Doe")
          .title("Support Engineer")
          .phones({{"+15550100", "work"}})
          .manager("EMP-1000")
          .groups({"Support Agents"})
          .source({"specs/users.yaml", 3, 5}),
      aDesiredUser("EMP-1000").userName("boss@corp.example").source({"specs/users.yaml", 14, 5}),
      aDesiredUser("EMP-1002")
          .userName("asmith@corp.example")
          .title("Lead")
          .roles({"agent", "supervisor"})
          .groups({"Support Agents", "Night Shift"})
          .source({"specs/users.yaml", 20, 5}),
      aDesiredUser("EMP-1004").userName("back@corp.example").source({"specs/users.yaml", 30, 5}),
  };
  s.live = {aLiveUser("EMP-1000").id("u1000").userName("boss@corp.example"),
            aLiveUser("EMP-1002")
                .id("u1002")
                .userName("asmith@corp.example")
                .title("Agent")
                .roles({"agent"})
                .groupIds({"g1"}),
            aLiveUser("EMP-1003").id("u1003").userName("gone@corp.example").groupIds({"g1"}),
            aLiveUser("EMP-1004").id("u1004").userName("back@corp.example").active(false)};
  return s;
}

// The checked-in expected rendering of smallOrg(); review changes to it like a UI change.
const char* const kGoldenText = R"(+ create EMP-1001 (jdoe@corp.example)
    + displayName: "John Doe"
    + title: "Support Engineer"
    + phoneNumbers: {"work":"+15550100"}
    + manager: "EMP-1000"
    # why: new in desired state (specs/users.yaml:3:5)

~ update EMP-1002 (asmith@corp.example)
    ~ title: "Agent" → "Lead"
    ~ roles: ["agent"] → ["agent","supervisor"]
    # why: attributes differ (specs/users.yaml:20:5)

> reactivate EMP-1004 (back@corp.example)
    ~ active: false → true
    # why: status active (specs/users.yaml:30:5)

! suspend EMP-1003 (gone@corp.example)
    ~ active: true → false
    # why: removed from desired state

~ group "Support Agents": +1 -1
    + EMP-1001 (jdoe@corp.example)
    - EMP-1003 (gone@corp.example)
    # why: membership differs from desired groups; suspended users lose their memberships (specs/users.yaml:3:5)

Notices:
  [warning] EMP-1002 (asmith@corp.example): group "Night Shift" does not exist in Genesys (groups cannot be created over SCIM) (specs/users.yaml:20:5)

Plan: 1 to create, 1 to update, 1 to reactivate, 1 to suspend, 0 to delete, 1 group change.
Cost: 6 API calls (POST /Users 1, PATCH /Users 3, PATCH /Groups 1, DELETE /api/v2/tokens 1), at least 1.2 s at 300 requests/min.
)";

TEST(RenderTest, TextMatchesGolden) {
  EXPECT_EQ(renderPlanText(smallOrg().plan(), false), kGoldenText);
}

TEST(RenderTest, ColorOnlyWhenAsked) {
  const Plan plan = smallOrg().plan();
  EXPECT_EQ(renderPlanText(plan, false).find('\x1b'), std::string::npos);
  const std::string colored = renderPlanText(plan, true);
  EXPECT_NE(colored.find("\x1b[32m+ create EMP-1001"), std::string::npos);
  EXPECT_NE(colored.find("\x1b[31m! suspend EMP-1003"), std::string::npos);
  EXPECT_NE(colored.find("\x1b[33m~ update EMP-1002"), std::string::npos);
}

TEST(RenderTest, NoChanges) {
  Scenario s;
  s.desired = {aDesiredUser("EMP-1")};
  s.live = {aLiveUser("EMP-1")};
  EXPECT_EQ(renderPlanText(s.plan(), false),
            "No changes. Genesys Cloud matches the desired state.\n");

  s.desired[0].groups = std::vector<std::string>{"Ghosts"};
  EXPECT_EQ(renderPlanText(s.plan(), false),
            "No changes. Genesys Cloud matches the desired state.\n"
            "\n"
            "Notices:\n"
            "  [warning] EMP-1 (emp-1@corp.example): group \"Ghosts\" does not exist in Genesys "
            "(groups cannot be created over SCIM) (users.yaml:1:5)\n"
            "\n");
}

TEST(RenderTest, MarkdownHasSummaryActionTableAndNotices) {
  const std::string md = renderPlanMarkdown(smallOrg().plan());
  EXPECT_EQ(md.rfind("### scim-agent plan\n", 0), 0u) << md;
  EXPECT_NE(md.find("**Plan: 1 to create, 1 to update, 1 to reactivate, 1 to suspend, 0 to delete, "
                    "1 group change.**"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| Action | externalId | userName | Changes | Why |"), std::string::npos);
  EXPECT_NE(md.find("| update | `EMP-1002` | `asmith@corp.example` | `~ title: \"Agent\" \u2192 "
                    "\"Lead\"`<br>"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| group `Support Agents` |"), std::string::npos) << md;
  EXPECT_NE(md.find("#### Notices"), std::string::npos) << md;
}

TEST(RenderTest, MarkdownEscapesTableCells) {
  Plan plan;
  Action a;
  a.kind = ActionKind::kUpdate;
  a.external_id = "EMP|1";
  a.rule = "a <b> | c";
  a.changes = {{"title", Json("x|y"), Json("`z`")}};
  plan.actions.push_back(a);
  const std::string md = renderPlanMarkdown(plan);
  EXPECT_NE(md.find("`EMP\\|1`"), std::string::npos) << md;
  EXPECT_NE(md.find("a &lt;b&gt; \\| c"), std::string::npos) << md;
  EXPECT_NE(md.find("`` ~ title: \"x\\|y\" \u2192 \"`z`\" ``"), std::string::npos) << md;
}

TEST(RenderTest, NoChangesMarkdown) {
  EXPECT_EQ(renderPlanMarkdown(Plan{}),
            "### scim-agent plan\n\nNo changes. Genesys Cloud matches the desired state.\n");
}

TEST(RenderTest, JsonIsThePrettyPlanDocument) {
  const Plan plan = smallOrg().plan();
  const std::string json = renderPlanJson(plan);
  EXPECT_EQ(json, planToJson(plan).pretty() + "\n");
  EXPECT_EQ(json.back(), '\n');
}

TEST(RenderTest, CostLineForLargePlans) {
  Plan plan;
  for (int i = 0; i < 1000; ++i) plan.actions.push_back(Action{});
  plan.cost.calls = {{"PATCH /Users", 1000}};
  plan.cost.total_calls = 1000;
  plan.cost.min_seconds = 1000 * 60.0 / 300;
  const std::string text = renderPlanText(plan, false);
  EXPECT_NE(text.find("Cost: 1000 API calls (PATCH /Users 1000), at least 200 s (3.3 min) at 300 "
                      "requests/min."),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace scim_agent::testing
