// Issue 14: every plan format states the verdict — blocked (a guardrail: which rule, the limit in
// numbers, how to proceed; each blocked action marked) and held (awaiting approve) — with both
// counted apart in the summary, and a "Scheduled" section that alone is still "No changes".
#include <gtest/gtest.h>

#include "agent/report/adopt_render.h"
#include "agent/report/plan_render.h"
#include "agent/report/report_doc.h"

namespace scim_agent {
namespace {

Action suspend(const std::string& id, bool blocked, bool held) {
  Action a;
  a.kind = ActionKind::kSuspend;
  a.external_id = id;
  a.user_name = id + "@corp.example";
  a.user_id = "u-" + id;
  a.rule = "removed from desired state";
  a.changes = {{"active", Json(true), Json(false)}};
  a.blocked = blocked;
  a.held = held;
  return a;
}

ScheduledItem scheduledDelete() {
  return {ScheduledKind::kDelete, "EMP-5", "emp-5@corp.example", "2026-12-01T12:00:00Z",
          "policy.deleteAfter 30d; suspended since 2026-11-01T12:00:00Z", {}};
}

Plan blockedPlan() {
  Plan plan;
  plan.actions = {suspend("EMP-2", true, false), suspend("EMP-3", true, false),
                  suspend("EMP-4", false, true)};
  plan.verdict = {true, "maxDestructive",
                  "the plan would suspend 2 and delete 0 users (2 destructive actions), more than "
                  "policy.maxDestructive.percent 5% of 4 managed live users (1)",
                  "at most 1 of 4 managed users: 5%, never less than one",
                  "apply with --allow-destructive, --hold-destructive, or raise "
                  "policy.maxDestructive"};
  plan.scheduled = {scheduledDelete()};
  return plan;
}

TEST(PlanVerdictRenderTest, TextOpensWithTheBlockAndMarksEachAction) {
  const std::string text = renderPlanText(blockedPlan(), false);
  EXPECT_EQ(text.rfind("Blocked by policy.maxDestructive: the plan would suspend 2", 0), 0u) << text;
  EXPECT_NE(text.find("\n  Limit: at most 1 of 4 managed users: 5%, never less than one.\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n  To proceed: apply with --allow-destructive"), std::string::npos) << text;
  EXPECT_NE(text.find("! suspend EMP-2 (EMP-2@corp.example)  [blocked]\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("# blocked by policy.maxDestructive: not applied"), std::string::npos);
  EXPECT_NE(text.find("! suspend EMP-4 (EMP-4@corp.example)  [held for approval]\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# held: applied only by `scim-agent approve`"), std::string::npos);
  EXPECT_NE(text.find("Plan: 0 to create, 0 to update, 0 to reactivate, 3 to suspend, 0 to "
                      "delete, 0 group changes (2 blocked, 1 held).\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Scheduled (not part of this plan):\n  - delete EMP-5 (emp-5@corp.example) "
                      "on 2026-12-01T12:00:00Z (policy.deleteAfter 30d; suspended since "
                      "2026-11-01T12:00:00Z)\n"),
            std::string::npos)
      << text;
}

TEST(PlanVerdictRenderTest, NothingBlockedOrHeldKeepsTheSummaryAsItWas) {
  Plan plan;
  plan.actions = {suspend("EMP-2", false, false)};
  const std::string text = renderPlanText(plan, false);
  EXPECT_EQ(text.find("Blocked"), std::string::npos) << text;
  EXPECT_EQ(text.find("[held"), std::string::npos) << text;
  EXPECT_NE(text.find("0 group changes.\n"), std::string::npos) << text;
}

TEST(PlanVerdictRenderTest, ScheduledAloneIsStillNoChanges) {
  Plan plan;
  plan.scheduled = {scheduledDelete()};
  EXPECT_EQ(renderPlanText(plan, false),
            "No changes. Genesys Cloud matches the desired state.\n\n"
            "Scheduled (not part of this plan):\n"
            "  - delete EMP-5 (emp-5@corp.example) on 2026-12-01T12:00:00Z (policy.deleteAfter "
            "30d; suspended since 2026-11-01T12:00:00Z)\n\n");
  const std::string md = renderPlanMarkdown(plan);
  EXPECT_NE(md.find("No changes. Genesys Cloud matches the desired state.\n"), std::string::npos);
  EXPECT_NE(md.find("#### Scheduled (not part of this plan)"), std::string::npos) << md;
  EXPECT_NE(md.find("| - delete | `EMP-5` | `emp-5@corp.example` | 2026-12-01T12:00:00Z | "),
            std::string::npos)
      << md;
}

TEST(PlanVerdictRenderTest, HeldTerminationsReadAsHeldWithTheirReason) {
  Plan plan;
  plan.scheduled = {{ScheduledKind::kHeldTermination, "EMP-8", "emp-8@corp.example", "",
                     "HR termination event 3 of 2026-11-20T09:00:00Z holds over the desired "
                     "entry, so it is not created; `scim-agent terminations` to review it",
                     {}},
                    {ScheduledKind::kTermination, "EMP-9", "", "2026-12-24T00:00:00Z",
                     "the termination manifest leavers.json:2", {}}};
  const std::string text = renderPlanText(plan, false);
  EXPECT_NE(text.find("  held EMP-8 (emp-8@corp.example): HR termination event 3 of "
                      "2026-11-20T09:00:00Z holds over the desired entry"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  ! terminate EMP-9 on 2026-12-24T00:00:00Z (the termination manifest "
                      "leavers.json:2)"),
            std::string::npos)
      << text;
}

TEST(PlanVerdictRenderTest, MarkdownQuotesTheBlockAndMarksTheRows) {
  const std::string md = renderPlanMarkdown(blockedPlan());
  EXPECT_NE(md.find("> **Blocked by policy.maxDestructive: the plan would suspend 2"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("> Limit: at most 1 of 4 managed users: 5%, never less than one.<br>\n"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("(2 blocked, 1 held).**"), std::string::npos) << md;
  EXPECT_NE(md.find("| suspend **blocked** | `EMP-2` |"), std::string::npos) << md;
  EXPECT_NE(md.find("| suspend **held** | `EMP-4` |"), std::string::npos) << md;
  EXPECT_NE(md.find("#### Scheduled"), std::string::npos) << md;
}

TEST(PlanVerdictRenderTest, JsonCarriesTheVerdict) {
  const std::string json = renderPlanJson(blockedPlan());
  EXPECT_NE(json.find("\"verdict\""), std::string::npos);
  EXPECT_NE(json.find("\"blockedActions\": 2"), std::string::npos) << json;
  EXPECT_NE(json.find("\"heldActions\": 1"), std::string::npos) << json;
}

TEST(PlanVerdictRenderTest, HtmlReportHasTheBlockMarksAndScheduledTable) {
  const ReportDoc doc = planReport(blockedPlan());
  ASSERT_FALSE(doc.blocks.empty());
  EXPECT_EQ(doc.blocks.front().level, ReportBlock::Level::kError);
  EXPECT_EQ(doc.blocks.front().title, "Blocked by policy.maxDestructive");
  ASSERT_GE(doc.blocks.front().lines.size(), 3u);
  EXPECT_EQ(doc.blocks.front().lines[1],
            "Limit: at most 1 of 4 managed users: 5%, never less than one.");
  EXPECT_EQ(doc.tables[0].rows[0][0].asString(), "suspend (blocked)");
  EXPECT_EQ(doc.tables[0].rows[2][0].asString(), "suspend (held)");
  const ReportTable* scheduled = nullptr;
  for (const ReportTable& t : doc.tables) {
    if (t.id == "scheduled") scheduled = &t;
  }
  ASSERT_NE(scheduled, nullptr);
  ASSERT_EQ(scheduled->rows.size(), 1u);
  EXPECT_EQ(scheduled->rows[0][3].asString(), "2026-12-01T12:00:00Z");
  const std::string html = renderPlanHtml(blockedPlan());
  EXPECT_NE(html.find("Blocked by policy.maxDestructive"), std::string::npos);
}

TEST(PlanVerdictRenderTest, AdoptReportShowsWhatIsScheduled) {
  AdoptReport report;
  report.scheduled = {scheduledDelete()};
  EXPECT_TRUE(report.clean()) << "scheduled deletes are no surprise of the first apply";
  EXPECT_NE(renderAdoptText(report, false).find("Scheduled (1):\n  - delete EMP-5"),
            std::string::npos);
  EXPECT_NE(renderAdoptMarkdown(report).find("#### Scheduled (1)"), std::string::npos);
  EXPECT_NE(renderAdoptJson(report).find("\"due\": \"2026-12-01T12:00:00Z\""), std::string::npos);
}

}  // namespace
}  // namespace scim_agent
