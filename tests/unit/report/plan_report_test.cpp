// planReport: the plan as a report document (plan --format html).

#include <gtest/gtest.h>

#include "agent/report/plan_render.h"
#include "unit/plan/builders.h"

namespace scim_agent::testing {
namespace {

Scenario reviewOrg() {
  Scenario s;
  s.policy.scope_external_id_pattern = "^EMP-";
  s.groups = {aGroup("g1", "Support Agents")};
  s.desired = {
      aDesiredUser("EMP-1001")
          .userName("jdoe@corp.example")
          .title("Support Engineer")
          .groups({"Support Agents"})
          .source({"specs/users.yaml", 3, 5}),
      aDesiredUser("EMP-1002")
          .userName("asmith@corp.example")
          .title("Lead")
          .groups({"Night Shift"})
          .source({"specs/users.yaml", 20, 5}),
  };
  s.live = {aLiveUser("EMP-1002").id("u1002").userName("asmith@corp.example").title("Agent"),
            aLiveUser("EMP-1003").id("u1003").userName("gone@corp.example").groupIds({"g1"})};
  return s;
}

const ReportTable& table(const ReportDoc& doc, const std::string& id) {
  for (const ReportTable& t : doc.tables) {
    if (t.id == id) return t;
  }
  static const ReportTable kNone;
  ADD_FAILURE() << "no table " << id;
  return kNone;
}

Json summary(const ReportDoc& doc, const std::string& key) {
  for (const auto& [k, v] : doc.summary) {
    if (k == key) return v;
  }
  return Json();
}

TEST(PlanReport, HoldsEveryActionWithItsChangesAndWhy) {
  const Plan plan = reviewOrg().plan();
  const ReportDoc doc = planReport(plan);
  EXPECT_EQ(doc.kind, "plan");
  EXPECT_EQ(doc.csv_table, "actions");
  EXPECT_EQ(summary(doc, "create"), Json(1));
  EXPECT_EQ(summary(doc, "update"), Json(1));
  EXPECT_EQ(summary(doc, "suspend"), Json(1));
  EXPECT_EQ(summary(doc, "apiCalls"), Json(plan.cost.total_calls));
  const ReportTable& actions = table(doc, "actions");
  ASSERT_EQ(actions.rows.size(), plan.actions.size());
  ASSERT_EQ(actions.columns.size(), 5u);
  EXPECT_EQ(actions.columns[1].key, "externalId");
  bool saw_update = false;
  bool saw_group = false;
  for (const auto& row : actions.rows) {
    ASSERT_EQ(row.size(), 5u);
    if (row[0] == Json("update")) {
      saw_update = true;
      EXPECT_EQ(row[1], Json("EMP-1002"));
      EXPECT_EQ(row[3], Json("title: \"Agent\" \u2192 \"Lead\""));
      EXPECT_EQ(row[4], Json("attributes differ (specs/users.yaml:20:5)"));
    }
    if (row[0] == Json("group Support Agents")) {
      saw_group = true;
      EXPECT_NE(row[3].asString().find("+ EMP-1001 (jdoe@corp.example)"), std::string::npos);
      EXPECT_NE(row[3].asString().find("- EMP-1003 (gone@corp.example)"), std::string::npos);
    }
  }
  EXPECT_TRUE(saw_update);
  EXPECT_TRUE(saw_group);
  // The suspend is called out above the tables.
  ASSERT_FALSE(doc.blocks.empty());
  EXPECT_EQ(doc.blocks[0].level, ReportBlock::Level::kWarning);
  EXPECT_EQ(doc.blocks[0].title, "1 destructive action");
  // The unknown group is a notice row with its place.
  const ReportTable& notices = table(doc, "notices");
  ASSERT_EQ(notices.rows.size(), plan.notices.size());
  ASSERT_FALSE(notices.rows.empty());
  EXPECT_EQ(notices.rows[0][4], Json("specs/users.yaml:20:5"));
}

TEST(PlanReport, NoChangesSaysSo) {
  const ReportDoc doc = planReport(Plan{});
  EXPECT_TRUE(table(doc, "actions").rows.empty());
  EXPECT_TRUE(doc.blocks.empty());
  ASSERT_FALSE(doc.meta.empty());
  EXPECT_EQ(doc.meta[0].second, "No changes. Genesys Cloud matches the desired state.");
  const std::string html = renderPlanHtml(Plan{});
  EXPECT_NE(html.find("<table id=\"t-actions\" data-rows=\"0\">"), std::string::npos);
  EXPECT_NE(html.find("No changes. Genesys Cloud matches the desired state."), std::string::npos);
}

TEST(PlanReport, HtmlEscapesNamesFromTheDesiredState) {
  Plan plan;
  Action a;
  a.kind = ActionKind::kCreate;
  a.external_id = "EMP-<script>alert(1)</script>";
  a.user_name = "\"onmouseover=alert(1)";
  a.rule = "new in desired state";
  plan.actions.push_back(a);
  const std::string html = renderPlanHtml(plan);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("EMP-&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&quot;onmouseover=alert(1)"), std::string::npos);
}

}  // namespace
}  // namespace scim_agent::testing
