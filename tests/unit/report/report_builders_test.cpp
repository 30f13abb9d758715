// The report builders (issue 12; SPEC §11) over a state database filled through the StateStore
// API with known times: the ReportDoc's summary values, tables and rows, charts, and the pieces
// they are made of (nearest-rank statistics, ISO weeks).

#include "agent/report/report_builders.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/base/clock.h"
#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::TempDir;

ReportTime at(const std::string& iso) {
  auto t = parseIso8601(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(ReportTime{});
}

const ReportTable* table(const ReportDoc& doc, const std::string& id) {
  for (const ReportTable& t : doc.tables) {
    if (t.id == id) return &t;
  }
  ADD_FAILURE() << "no table " << id << " in the " << doc.kind << " report";
  return nullptr;
}

const ReportChart* chart(const ReportDoc& doc, const std::string& id) {
  for (const ReportChart& c : doc.charts) {
    if (c.id == id) return &c;
  }
  ADD_FAILURE() << "no chart " << id << " in the " << doc.kind << " report";
  return nullptr;
}

// The summary value of `key`; null (and a failure) when absent.
Json summary(const ReportDoc& doc, const std::string& key) {
  for (const auto& [k, v] : doc.summary) {
    if (k == key) return v;
  }
  ADD_FAILURE() << "no summary " << key << " in the " << doc.kind << " report";
  return Json();
}

bool hasSummary(const ReportDoc& doc, const std::string& key) {
  for (const auto& [k, v] : doc.summary) {
    if (k == key) return true;
  }
  return false;
}

std::string meta(const ReportDoc& doc, const std::string& key) {
  for (const auto& [k, v] : doc.meta) {
    if (k == key) return v;
  }
  return "";
}

// The cell of `row` in column `key`.
Json cell(const ReportTable& t, size_t row, const std::string& key) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i].key == key) return row < t.rows.size() ? t.rows[row][i] : Json();
  }
  ADD_FAILURE() << "no column " << key << " in table " << t.id;
  return Json();
}

void expectRowsWellFormed(const ReportDoc& doc) {
  for (const ReportTable& t : doc.tables) {
    for (const auto& row : t.rows) EXPECT_EQ(row.size(), t.columns.size()) << t.id;
  }
  for (const ReportChart& c : doc.charts) {
    for (const auto& s : c.series) EXPECT_EQ(s.values.size(), c.categories.size()) << c.id;
  }
}

RunActionRecord act(int64_t seq, const std::string& kind, const std::string& ext,
                    const std::string& outcome, const std::string& when,
                    const std::string& message = "") {
  RunActionRecord a;
  a.seq = seq;
  a.kind = kind;
  a.external_id = ext;
  a.user_name = ext + "@corp.example";
  a.outcome = outcome;
  a.message = message;
  a.at = when;
  return a;
}

class ReportBuildersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::openStore(dir_.file("state.db"));
    ASSERT_NE(store_, nullptr);
  }

  int64_t run(const std::string& started, const std::string& ended,
              const std::string& summary_json = "{}", const std::string& outcome = "ok",
              const std::string& kind = "run") {
    auto id = store_->beginRun(kind, started, "digest");
    EXPECT_TRUE(id.ok());
    if (!id.ok()) return 0;
    if (!ended.empty()) {
      EXPECT_TRUE(store_->finishRun(*id, outcome, summary_json, ended).ok());
    }
    return *id;
  }

  void actions(int64_t run_id, const std::vector<RunActionRecord>& list,
               const std::vector<DiscrepancyRecord>& found = {}) {
    Status s = store_->recordRunActions(run_id, list, found);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  // A termination case known at `known`, suspended at `suspended` ("" = left open).
  void termination(const std::string& ext, const std::string& cause, const std::string& known,
                   const std::string& suspended) {
    auto opened = store_->openTerminationCase(ext, cause, "origin of " + ext, known, 1);
    ASSERT_TRUE(opened.ok() && *opened) << ext;
    if (suspended.empty()) return;
    auto closed = store_->closeTerminationCase(ext, "suspended", suspended, 1, "");
    ASSERT_TRUE(closed.ok() && *closed) << ext;
  }

  TempDir dir_;
  std::unique_ptr<StateStore> store_;
};

// ---- statistics and weeks ----

TEST(ReportStatisticsTest, MedianOfOddAndEvenCounts) {
  EXPECT_EQ(medianOf({}), 0);
  EXPECT_EQ(medianOf({5}), 5);
  EXPECT_EQ(medianOf({2, 1}), 1.5);
  EXPECT_EQ(medianOf({3, 1, 2}), 2);
  std::vector<double> twenty;
  for (int i = 20; i >= 1; --i) twenty.push_back(i);
  EXPECT_EQ(medianOf(twenty), 10.5);
  std::vector<double> twenty_one = twenty;
  twenty_one.push_back(21);
  EXPECT_EQ(medianOf(twenty_one), 11);
}

TEST(ReportStatisticsTest, P95IsTheNearestRank) {
  EXPECT_EQ(nearestRankPercentile({}, 95), 0);
  EXPECT_EQ(nearestRankPercentile({5}, 95), 5);        // ⌈0.95⌉ = 1st
  EXPECT_EQ(nearestRankPercentile({2, 1}, 95), 2);     // ⌈1.9⌉ = 2nd
  EXPECT_EQ(nearestRankPercentile({3, 1, 2}, 95), 3);  // ⌈2.85⌉ = 3rd
  std::vector<double> twenty;
  for (int i = 20; i >= 1; --i) twenty.push_back(i * 10);
  EXPECT_EQ(nearestRankPercentile(twenty, 95), 190);  // ⌈19⌉ = 19th, not the 20th
  std::vector<double> twenty_one = twenty;
  twenty_one.push_back(210);
  EXPECT_EQ(nearestRankPercentile(twenty_one, 95), 200);  // ⌈19.95⌉ = 20th
  EXPECT_EQ(nearestRankPercentile(twenty_one, 100), 210);
  EXPECT_EQ(nearestRankPercentile({7, 3, 9, 1}, 50), 3);  // ⌈2⌉ = 2nd
}

TEST(ReportStatisticsTest, IsoWeeksAtTheYearsEdges) {
  EXPECT_EQ(isoWeekLabel(at("2026-12-07T00:00:00Z")), "2026-W50");
  EXPECT_EQ(isoWeekLabel(at("2026-12-06T23:59:59Z")), "2026-W49");  // a Sunday ends its week
  EXPECT_EQ(isoWeekLabel(at("2026-12-31T12:00:00Z")), "2026-W53");
  EXPECT_EQ(isoWeekLabel(at("2027-01-01T00:00:00Z")), "2026-W53");
  EXPECT_EQ(isoWeekLabel(at("2027-01-03T23:59:59Z")), "2026-W53");
  EXPECT_EQ(isoWeekLabel(at("2027-01-04T00:00:00Z")), "2027-W01");
  EXPECT_EQ(isoWeekLabel(at("2024-12-30T08:00:00Z")), "2025-W01");  // a year's week 1 in December
  EXPECT_EQ(isoWeekLabel(at("2026-01-01T00:00:00Z")), "2026-W01");
  EXPECT_EQ(isoWeekLabel(at("2021-01-03T00:00:00Z")), "2020-W53");
  // UTC: a local evening in another zone is the next UTC day.
  EXPECT_EQ(isoWeekLabel(at("2027-01-03T23:30:00-02:00")), "2027-W01");
  EXPECT_EQ(formatIso8601(isoWeekStart(at("2027-01-01T15:00:00Z"))), "2026-12-28T00:00:00.000000Z");
  EXPECT_EQ(formatIso8601(isoWeekStart(at("2026-12-07T00:00:00Z"))), "2026-12-07T00:00:00.000000Z");
}

TEST(ReportStatisticsTest, ChangesAsText) {
  EXPECT_EQ(changesText(R"([{"attribute":"title","before":"Agent","after":"Lead"},)"
                        R"({"attribute":"phoneNumbers","before":null,"after":["+1 555"]}])"),
            "title: Agent → Lead; phoneNumbers: (none) → [\"+1 555\"]");
  EXPECT_EQ(changesText("[]"), "");
  EXPECT_EQ(changesText(""), "");
}

// ---- compliance ----

TEST_F(ReportBuildersTest, ComplianceCountsEachWeekAndTheTerminationTimes) {
  // Before the range: neither its action nor its termination counts.
  const int64_t r0 = run("2026-11-20T10:00:00Z", "2026-11-20T10:05:00Z");
  actions(r0, {act(1, "create", "EMP-0", "done", "2026-11-20T10:00:01Z")});
  termination("EMP-OLD", "event", "2026-11-20T09:00:00Z", "2026-11-20T09:00:30Z");
  // Week 2026-W48.
  const int64_t r1 = run("2026-11-24T10:00:00Z", "2026-11-24T10:05:00Z");
  actions(r1, {act(1, "create", "EMP-1", "done", "2026-11-24T10:00:01Z"),
               act(2, "create", "EMP-2", "done", "2026-11-24T10:00:02Z"),
               act(3, "update", "EMP-3", "done", "2026-11-24T10:00:03Z"),
               act(4, "group", "Support", "done", "2026-11-24T10:00:04Z"),
               act(5, "update", "EMP-4", "failed", "2026-11-24T10:00:05Z", "500"),
               act(6, "create", "EMP-5", "stale", "2026-11-24T10:00:06Z"),
               act(7, "suspend", "EMP-6", "held", "2026-11-24T10:00:07Z")});
  termination("EMP-10", "event", "2026-11-25T08:00:00Z", "2026-11-25T08:02:00Z");  // 120 s
  // Week 2026-W49.
  const int64_t r2 = run("2026-12-02T10:00:00Z", "2026-12-02T10:05:00Z");
  actions(r2, {act(1, "suspend", "EMP-11", "done", "2026-12-02T10:00:01Z"),
               act(2, "suspend", "EMP-12", "done", "2026-12-02T10:00:02Z"),
               act(3, "delete", "EMP-13", "done", "2026-12-02T10:00:03Z"),
               act(4, "reactivate", "EMP-14", "done", "2026-12-02T10:00:04Z"),
               act(5, "restore", "EMP-15", "done", "2026-12-02T10:00:05Z"),
               act(6, "update", "EMP-16", "done", "2026-12-02T10:00:06Z")});
  termination("EMP-11", "event", "2026-12-02T10:00:00Z", "2026-12-02T10:01:00Z");     // 60 s
  termination("EMP-12", "manifest", "2026-12-02T09:50:00Z", "2026-12-02T10:00:00Z");  // 600 s
  termination("EMP-13", "removal", "2026-12-02T08:00:00Z", "2026-12-02T10:00:00Z");   // 7200 s
  termination("EMP-17", "status", "2026-12-03T10:00:30Z", "2026-12-03T10:00:00Z");    // -30 → 0
  // Cancelled: not a termination that took effect. Open: over the SLA when known > 1 h ago.
  termination("EMP-18", "status", "2026-12-03T11:00:00Z", "");
  ASSERT_TRUE(
      store_->closeTerminationCase("EMP-18", "cancelled", "2026-12-03T12:00:00Z", 1, "").ok());
  termination("EMP-20", "event", "2026-12-09T10:00:00Z", "");
  termination("EMP-21", "event", "2026-12-09T11:30:00Z", "");

  auto doc = complianceReport(*store_, at("2026-11-23T00:00:00Z"), at("2026-12-09T12:00:00Z"),
                              std::chrono::hours(1));
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  expectRowsWellFormed(*doc);
  EXPECT_EQ(doc->kind, "compliance");
  EXPECT_EQ(doc->title, "Compliance, 2026-W48 to 2026-W50");
  EXPECT_EQ(doc->csv_table, "weeks");

  const ReportTable* weeks = table(*doc, "weeks");
  ASSERT_NE(weeks, nullptr);
  ASSERT_EQ(weeks->rows.size(), 3u) << "every week a row, the empty one too";
  EXPECT_EQ(cell(*weeks, 0, "week"), Json("2026-W48"));
  EXPECT_EQ(cell(*weeks, 0, "weekStart"), Json("2026-11-23T00:00:00.000000Z"));
  EXPECT_EQ(cell(*weeks, 0, "created"), Json(2));
  EXPECT_EQ(cell(*weeks, 0, "updated"), Json(1));
  EXPECT_EQ(cell(*weeks, 0, "suspended"), Json(0)) << "a held suspend did not happen";
  EXPECT_EQ(cell(*weeks, 0, "failed"), Json(2)) << "failed and stale";
  EXPECT_EQ(cell(*weeks, 0, "terminations"), Json(1));
  EXPECT_EQ(cell(*weeks, 0, "medianSeconds"), Json(120.0));
  EXPECT_EQ(cell(*weeks, 0, "p95Seconds"), Json(120.0));
  EXPECT_EQ(cell(*weeks, 0, "maxSeconds"), Json(120.0));

  EXPECT_EQ(cell(*weeks, 1, "week"), Json("2026-W49"));
  EXPECT_EQ(cell(*weeks, 1, "created"), Json(0));
  EXPECT_EQ(cell(*weeks, 1, "updated"), Json(1));
  EXPECT_EQ(cell(*weeks, 1, "suspended"), Json(2));
  EXPECT_EQ(cell(*weeks, 1, "deleted"), Json(1));
  EXPECT_EQ(cell(*weeks, 1, "reactivated"), Json(1));
  EXPECT_EQ(cell(*weeks, 1, "restored"), Json(1));
  EXPECT_EQ(cell(*weeks, 1, "failed"), Json(0));
  EXPECT_EQ(cell(*weeks, 1, "terminations"), Json(4));
  // [0, 60, 600, 7200]: median (60 + 600) / 2, p95 the ⌈3.8⌉ = 4th.
  EXPECT_EQ(cell(*weeks, 1, "medianSeconds"), Json(330.0));
  EXPECT_EQ(cell(*weeks, 1, "p95Seconds"), Json(7200.0));
  EXPECT_EQ(cell(*weeks, 1, "maxSeconds"), Json(7200.0));

  EXPECT_EQ(cell(*weeks, 2, "week"), Json("2026-W50"));
  EXPECT_EQ(cell(*weeks, 2, "created"), Json(0));
  EXPECT_EQ(cell(*weeks, 2, "terminations"), Json(0));
  EXPECT_TRUE(cell(*weeks, 2, "medianSeconds").isNull()) << "no termination: no time";

  // Overall [0, 60, 120, 600, 7200]: median 120, p95 the ⌈4.75⌉ = 5th.
  EXPECT_EQ(summary(*doc, "created"), Json(2));
  EXPECT_EQ(summary(*doc, "updated"), Json(2));
  EXPECT_EQ(summary(*doc, "suspended"), Json(2));
  EXPECT_EQ(summary(*doc, "deleted"), Json(1));
  EXPECT_EQ(summary(*doc, "reactivated"), Json(1));
  EXPECT_EQ(summary(*doc, "restored"), Json(1));
  EXPECT_EQ(summary(*doc, "failed"), Json(2));
  EXPECT_EQ(summary(*doc, "terminations"), Json(5));
  EXPECT_EQ(summary(*doc, "medianSeconds"), Json(120.0));
  EXPECT_EQ(summary(*doc, "p95Seconds"), Json(7200.0));
  EXPECT_EQ(summary(*doc, "maxSeconds"), Json(7200.0));
  EXPECT_EQ(summary(*doc, "slaSeconds"), Json(3600));
  EXPECT_EQ(summary(*doc, "overSla"), Json(2));
  EXPECT_EQ(summary(*doc, "openOverSla"), Json(1));

  const ReportTable* terms = table(*doc, "terminations");
  ASSERT_NE(terms, nullptr);
  ASSERT_EQ(terms->rows.size(), 5u);
  std::vector<std::string> ids;
  for (size_t i = 0; i < terms->rows.size(); ++i)
    ids.push_back(cell(*terms, i, "externalId").asString());
  EXPECT_EQ(ids, (std::vector<std::string>{"EMP-10", "EMP-13", "EMP-12", "EMP-11", "EMP-17"}))
      << "by known time";
  EXPECT_EQ(cell(*terms, 1, "seconds"), Json(7200.0));
  EXPECT_EQ(cell(*terms, 1, "overSla"), Json(true));
  EXPECT_EQ(cell(*terms, 1, "cause"), Json("removal"));
  EXPECT_EQ(cell(*terms, 1, "origin"), Json("origin of EMP-13"));
  EXPECT_EQ(cell(*terms, 0, "overSla"), Json(false));
  EXPECT_EQ(cell(*terms, 4, "seconds"), Json(0.0)) << "a negative time is clamped";

  const ReportTable* late = table(*doc, "overSla");
  ASSERT_NE(late, nullptr);
  ASSERT_EQ(late->rows.size(), 2u);
  EXPECT_EQ(cell(*late, 0, "externalId"), Json("EMP-13"));
  EXPECT_EQ(cell(*late, 0, "state"), Json("suspended"));
  EXPECT_EQ(cell(*late, 1, "externalId"), Json("EMP-20"));
  EXPECT_EQ(cell(*late, 1, "state"), Json("still open"));
  EXPECT_EQ(cell(*late, 1, "seconds"), Json(7200.0)) << "open for 2 h at `now`";
  EXPECT_TRUE(cell(*late, 1, "suspendedAt").isNull());

  const ReportChart* per_week = chart(*doc, "actionsPerWeek");
  ASSERT_NE(per_week, nullptr);
  EXPECT_EQ(per_week->kind, ReportChart::Kind::kStackedBars);
  EXPECT_EQ(per_week->categories, (std::vector<std::string>{"2026-W48", "2026-W49", "2026-W50"}));
  ASSERT_EQ(per_week->series.size(), 7u);
  EXPECT_EQ(per_week->series[0].name, "created");
  EXPECT_EQ(per_week->series[0].values[0], 2.0);
  const ReportChart* times = chart(*doc, "terminationTime");
  ASSERT_NE(times, nullptr);
  EXPECT_EQ(times->kind, ReportChart::Kind::kLines);
  ASSERT_EQ(times->series.size(), 2u);
  EXPECT_EQ(times->series[0].name, "median");
  EXPECT_EQ(times->series[0].values[1], 330.0);
  EXPECT_EQ(times->series[1].name, "p95");
  EXPECT_EQ(times->series[1].values[1], 7200.0);
  EXPECT_FALSE(times->series[1].values[2].has_value()) << "no point for a week without any";
  EXPECT_EQ(times->threshold, 3600.0);
  EXPECT_EQ(times->threshold_label.rfind("SLA ", 0), 0u) << times->threshold_label;
  EXPECT_FALSE(doc->blocks.empty()) << "terminations over the SLA are called out";
}

TEST_F(ReportBuildersTest, ComplianceWeeksCrossTheYearAndAnEmptyDbHasEmptyWeeks) {
  auto doc = complianceReport(*store_, at("2026-12-20T00:00:00Z"), at("2027-01-06T00:00:00Z"),
                              std::chrono::hours(1));
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  const ReportTable* weeks = table(*doc, "weeks");
  ASSERT_NE(weeks, nullptr);
  std::vector<std::string> labels;
  for (size_t i = 0; i < weeks->rows.size(); ++i)
    labels.push_back(cell(*weeks, i, "week").asString());
  EXPECT_EQ(labels, (std::vector<std::string>{"2026-W51", "2026-W52", "2026-W53", "2027-W01"}));
  EXPECT_EQ(summary(*doc, "terminations"), Json(0));
  EXPECT_FALSE(hasSummary(*doc, "medianSeconds")) << "no termination, no statistics";
  EXPECT_EQ(summary(*doc, "overSla"), Json(0));
  EXPECT_TRUE(table(*doc, "terminations")->rows.empty());
  EXPECT_TRUE(doc->blocks.empty());
}

TEST_F(ReportBuildersTest, ComplianceSlaDecidesWhatIsLate) {
  termination("EMP-1", "event", "2026-12-02T10:00:00Z", "2026-12-02T10:30:00Z");  // 1800 s
  termination("EMP-2", "event", "2026-12-02T10:00:00Z", "2026-12-02T11:00:00Z");  // 3600 s
  auto doc = complianceReport(*store_, at("2026-12-01T00:00:00Z"), at("2026-12-04T00:00:00Z"),
                              std::chrono::minutes(20));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(summary(*doc, "overSla"), Json(2));
  auto hour = complianceReport(*store_, at("2026-12-01T00:00:00Z"), at("2026-12-04T00:00:00Z"),
                               std::chrono::hours(1));
  ASSERT_TRUE(hour.ok());
  EXPECT_EQ(summary(*hour, "overSla"), Json(0)) << "exactly the SLA is within it";
  EXPECT_EQ(summary(*hour, "medianSeconds"), Json(2700.0));
}

// ---- discrepancy ----

TEST_F(ReportBuildersTest, DiscrepancyReportOfTheNewestRunWithActions) {
  const int64_t r1 = run("2026-12-01T09:00:00Z", "2026-12-01T09:01:00Z");
  actions(
      r1, {act(1, "update", "EMP-1", "done", "2026-12-01T09:00:10Z")},
      {{0, "EMP-1", "u-1", "update", "title", R"("Lead")", R"("Agent")", "2026-12-01T09:00:10Z"}});
  const int64_t r2 = run("2026-12-02T09:00:00Z", "2026-12-02T09:01:00Z", "{}", "failed");
  actions(r2,
          {act(1, "create", "EMP-2", "done", "2026-12-02T09:00:01Z"),
           act(2, "update", "EMP-3", "failed", "2026-12-02T09:00:02Z", "PATCH answered 500"),
           act(3, "update", "EMP-4", "stale", "2026-12-02T09:00:03Z", "changed meanwhile"),
           act(4, "delete", "EMP-5", "held", "2026-12-02T09:00:04Z"),
           act(5, "suspend", "EMP-6", "blocked", "2026-12-02T09:00:05Z")},
          {{0, "EMP-2", "u-2", "create", "phoneNumbers", R"([{"type":"work","value":"+1"}])", "[]",
            "2026-12-02T09:00:01Z"},
           {0, "EMP-2", "u-2", "create", "title", R"("Agent")", "null", "2026-12-02T09:00:01Z"}});
  run("2026-12-03T09:00:00Z", "2026-12-03T09:01:00Z");  // recorded no actions

  auto doc = discrepancyReport(*store_, {}, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  expectRowsWellFormed(*doc);
  EXPECT_EQ(doc->kind, "discrepancy");
  EXPECT_EQ(meta(*doc, "run"), "#" + std::to_string(r2));
  EXPECT_EQ(meta(*doc, "outcome"), "failed");
  EXPECT_EQ(doc->csv_table, "discrepancies");
  EXPECT_EQ(summary(*doc, "actions"), Json(5));
  EXPECT_EQ(summary(*doc, "done"), Json(1));
  EXPECT_EQ(summary(*doc, "failed"), Json(1));
  EXPECT_EQ(summary(*doc, "stale"), Json(1));
  EXPECT_EQ(summary(*doc, "skipped"), Json(0));
  EXPECT_EQ(summary(*doc, "held"), Json(1));
  EXPECT_EQ(summary(*doc, "blocked"), Json(1));
  EXPECT_EQ(summary(*doc, "discrepancies"), Json(2));

  const ReportTable* not_done = table(*doc, "actions");
  ASSERT_NE(not_done, nullptr);
  ASSERT_EQ(not_done->rows.size(), 4u) << "every action but the done one";
  EXPECT_EQ(cell(*not_done, 0, "externalId"), Json("EMP-3"));
  EXPECT_EQ(cell(*not_done, 0, "outcome"), Json("failed"));
  EXPECT_EQ(cell(*not_done, 0, "message"), Json("PATCH answered 500"));
  EXPECT_EQ(cell(*not_done, 1, "outcome"), Json("stale"));
  EXPECT_EQ(cell(*not_done, 0, "run"), Json(r2));

  const ReportTable* found = table(*doc, "discrepancies");
  ASSERT_NE(found, nullptr);
  ASSERT_EQ(found->rows.size(), 2u);
  EXPECT_EQ(cell(*found, 0, "attribute"), Json("phoneNumbers"));
  EXPECT_EQ(cell(*found, 0, "expected"), Json(R"([{"type":"work","value":"+1"}])"));
  EXPECT_EQ(cell(*found, 0, "actual"), Json("[]"));
  EXPECT_EQ(cell(*found, 0, "action"), Json("create"));
  EXPECT_EQ(cell(*found, 1, "expected"), Json("Agent")) << "a string shown without quotes";
  EXPECT_TRUE(cell(*found, 1, "actual").isNull()) << "null shown empty";
  EXPECT_EQ(cell(*found, 1, "at"), Json("2026-12-02T09:00:01Z"));

  // --run N picks that run; --since every run from then on.
  auto first = discrepancyReport(*store_, {r1, ""}, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(summary(*first, "discrepancies"), Json(1));
  EXPECT_EQ(summary(*first, "done"), Json(1));
  EXPECT_TRUE(table(*first, "actions")->rows.empty());
  auto since = discrepancyReport(*store_, {0, "2026-12-01T00:00:00Z"}, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(summary(*since, "actions"), Json(6));
  EXPECT_EQ(summary(*since, "discrepancies"), Json(3));
  EXPECT_EQ(meta(*since, "runs"), "#" + std::to_string(r1) + " to #" + std::to_string(r2));
  auto later =
      discrepancyReport(*store_, {0, "2026-12-02T00:00:00+00:00"}, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(summary(*later, "discrepancies"), Json(2)) << "an offset time is normalised";
}

TEST_F(ReportBuildersTest, UnknownRunIsNotFoundNamingTheNewest) {
  run("2026-12-01T09:00:00Z", "2026-12-01T09:01:00Z");
  const int64_t newest = run("2026-12-02T09:00:00Z", "2026-12-02T09:01:00Z");
  const std::string expected = "run 99 not found (newest is " + std::to_string(newest) + ")";
  auto d = discrepancyReport(*store_, {99, ""}, at("2026-12-04T00:00:00Z"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(d.error().message, expected);
  auto drift = driftReport(*store_, {99, ""}, at("2026-12-04T00:00:00Z"));
  ASSERT_FALSE(drift.ok());
  EXPECT_EQ(drift.error().message, expected);
  auto show = runReport(*store_, 99, at("2026-12-04T00:00:00Z"));
  ASSERT_FALSE(show.ok());
  EXPECT_EQ(show.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(show.error().message, expected);
}

TEST_F(ReportBuildersTest, DiscrepancyWithoutAnyRecordedActionSaysSo) {
  run("2026-12-01T09:00:00Z", "2026-12-01T09:01:00Z");
  auto doc = discrepancyReport(*store_, {}, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(summary(*doc, "actions"), Json(0));
  ASSERT_EQ(doc->blocks.size(), 1u);
  EXPECT_EQ(doc->blocks[0].title, "No actions recorded");
  EXPECT_TRUE(table(*doc, "discrepancies")->rows.empty());
}

// ---- drift ----

TEST_F(ReportBuildersTest, DriftPerUserAndAttributeAndPerRun) {
  const int64_t r1 = run("2026-12-01T09:00:00Z", "2026-12-01T09:01:00Z", R"({"driftedUsers":0})");
  const int64_t r2 = run("2026-12-02T09:00:00Z", "2026-12-02T09:01:00Z", R"({"driftedUsers":2})");
  const int64_t r3 = run("2026-12-02T12:00:00Z", "2026-12-02T12:00:05Z", R"({"event":"EMP-1"})");
  const int64_t r4 = run("2026-12-03T09:00:00Z", "2026-12-03T09:01:00Z", R"({"driftedUsers":1})");
  ASSERT_TRUE(
      store_
          ->recordDrift(
              r2,
              {{0, r1, "EMP-1", "u-1", "title", R"("Agent")", R"("Boss")", "2026-12-02T09:00:01Z"},
               {0, r1, "EMP-1", "u-1", "department", "null", R"("Sales")", "2026-12-02T09:00:01Z"},
               {0, r1, "EMP-2", "u-2", "user", R"({"userName":"b"})", "null",
                "2026-12-02T09:00:01Z"}})
          .ok());
  ASSERT_TRUE(store_
                  ->recordDrift(r4, {{0, r2, "EMP-1", "u-1", "title", R"("Boss")", R"("Agent")",
                                      "2026-12-03T09:00:01Z"}})
                  .ok());

  auto doc = driftReport(*store_, {0, "2026-12-01T00:00:00Z"}, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  expectRowsWellFormed(*doc);
  EXPECT_EQ(doc->csv_table, "drift");
  EXPECT_EQ(summary(*doc, "usersWithDrift"), Json(2));
  EXPECT_EQ(summary(*doc, "attributeChanges"), Json(4));
  EXPECT_EQ(summary(*doc, "usersGone"), Json(1));
  EXPECT_EQ(summary(*doc, "runs"), Json(4));
  const ReportTable* drift = table(*doc, "drift");
  ASSERT_NE(drift, nullptr);
  ASSERT_EQ(drift->rows.size(), 4u);
  EXPECT_EQ(cell(*drift, 0, "run"), Json(r2));
  EXPECT_EQ(cell(*drift, 0, "sinceRun"), Json(r1));
  EXPECT_EQ(cell(*drift, 0, "externalId"), Json("EMP-1"));
  EXPECT_EQ(cell(*drift, 0, "attribute"), Json("title"));
  EXPECT_EQ(cell(*drift, 0, "before"), Json("Agent"));
  EXPECT_EQ(cell(*drift, 0, "after"), Json("Boss"));
  EXPECT_TRUE(cell(*drift, 1, "before").isNull());
  EXPECT_EQ(cell(*drift, 2, "before"), Json(R"({"userName":"b"})"));
  EXPECT_TRUE(cell(*drift, 2, "after").isNull());
  EXPECT_EQ(cell(*drift, 3, "run"), Json(r4));

  const ReportChart* per_run = chart(*doc, "driftPerRun");
  ASSERT_NE(per_run, nullptr);
  EXPECT_EQ(per_run->kind, ReportChart::Kind::kBars);
  // The event run r3 records no driftedUsers (not a whole-org read): no bar.
  EXPECT_EQ(per_run->categories,
            (std::vector<std::string>{"#" + std::to_string(r1), "#" + std::to_string(r2),
                                      "#" + std::to_string(r4)}));
  ASSERT_EQ(per_run->series.size(), 1u);
  EXPECT_EQ(per_run->series[0].values, (std::vector<std::optional<double>>{0.0, 2.0, 1.0}));
  (void)r3;

  auto one = driftReport(*store_, {r4, ""}, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(table(*one, "drift")->rows.size(), 1u);
  EXPECT_EQ(summary(*one, "usersWithDrift"), Json(1));
  EXPECT_EQ(chart(*one, "driftPerRun")->categories.size(), 1u);

  // The default: the last 7 days before `now`.
  auto recent = driftReport(*store_, {}, at("2026-12-09T12:00:00Z"));
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(summary(*recent, "attributeChanges"), Json(1)) << "only r4's is within 7 days";
  EXPECT_EQ(meta(*recent, "since"), "2026-12-02T12:00:00.000000Z");
}

// ---- history and show ----

TEST_F(ReportBuildersTest, HistoryListsRunsNewestFirstWithDurations) {
  const int64_t r1 = run("2026-12-01T09:00:00Z", "2026-12-01T09:01:30Z",
                         R"({"plan":{"create":3,"suspend":1}})", "ok", "plan");
  const int64_t r2 =
      run("2026-12-02T09:00:00Z", "2026-12-02T09:00:10Z",
          R"({"counts":{"done":2,"failed":1,"stale":0,"skipped":0}})", "failed", "apply");
  const int64_t r3 = run("2026-12-03T09:00:00Z", "");  // still running

  auto all = historyReport(*store_, "", 20, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(all.ok()) << all.error().message;
  expectRowsWellFormed(*all);
  EXPECT_EQ(all->csv_table, "runs");
  const ReportTable* runs = table(*all, "runs");
  ASSERT_NE(runs, nullptr);
  ASSERT_EQ(runs->rows.size(), 3u);
  EXPECT_EQ(cell(*runs, 0, "id"), Json(r3));
  EXPECT_EQ(cell(*runs, 0, "outcome"), Json("running"));
  EXPECT_TRUE(cell(*runs, 0, "endedAt").isNull());
  EXPECT_TRUE(cell(*runs, 0, "seconds").isNull());
  EXPECT_EQ(cell(*runs, 1, "id"), Json(r2));
  EXPECT_EQ(cell(*runs, 1, "kind"), Json("apply"));
  EXPECT_EQ(cell(*runs, 1, "seconds"), Json(10.0));
  EXPECT_EQ(cell(*runs, 1, "summary"), Json("2 done, 1 failed"));
  EXPECT_EQ(cell(*runs, 2, "id"), Json(r1));
  EXPECT_EQ(cell(*runs, 2, "seconds"), Json(90.0));
  EXPECT_EQ(cell(*runs, 2, "summary"), Json("3 to create, 1 to suspend"));
  EXPECT_EQ(summary(*all, "runs"), Json(3));
  EXPECT_EQ(summary(*all, "failed"), Json(1));
  EXPECT_EQ(summary(*all, "ok"), Json(1));

  auto limited = historyReport(*store_, "", 2, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(table(*limited, "runs")->rows.size(), 2u);
  auto since = historyReport(*store_, "2026-12-02T00:00:00Z", 0, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(since.ok());
  const ReportTable* recent = table(*since, "runs");
  ASSERT_EQ(recent->rows.size(), 2u);
  EXPECT_EQ(cell(*recent, 0, "id"), Json(r3)) << "newest first";
  EXPECT_EQ(cell(*recent, 1, "id"), Json(r2));

  TempDir empty_dir;
  auto empty_store = testing::openStore(empty_dir.file("state.db"));
  ASSERT_NE(empty_store, nullptr);
  auto none = historyReport(*empty_store, "", 20, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(table(*none, "runs")->rows.empty());
  EXPECT_EQ(summary(*none, "runs"), Json(0));
}

TEST_F(ReportBuildersTest, ShowRunHasItsActionsWhyAndChanges) {
  const int64_t r = run("2026-12-02T09:00:00Z", "2026-12-02T09:01:00Z",
                        R"({"plan":{"create":1,"update":1},"driftedUsers":1,)"
                        R"("counts":{"done":2,"failed":0}})",
                        "changes");
  RunActionRecord update = act(2, "update", "EMP-2", "done", "2026-12-02T09:00:02Z");
  update.why = "users.yaml:12:3";
  update.changes_json = R"([{"attribute":"title","before":"Agent","after":"Lead"},)"
                        R"({"attribute":"active","before":true,"after":false}])";
  actions(
      r, {act(1, "create", "EMP-1", "done", "2026-12-02T09:00:01Z"), update},
      {{0, "EMP-2", "u-2", "update", "title", R"("Lead")", R"("lead")", "2026-12-02T09:00:02Z"}});
  ASSERT_TRUE(store_
                  ->recordDrift(r, {{0, r - 1, "EMP-3", "u-3", "title", R"("A")", R"("B")",
                                     "2026-12-02T09:00:00Z"}})
                  .ok());

  auto doc = runReport(*store_, r, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  expectRowsWellFormed(*doc);
  EXPECT_EQ(doc->kind, "run");
  EXPECT_EQ(meta(*doc, "kind"), "run");
  EXPECT_EQ(meta(*doc, "startedAt"), "2026-12-02T09:00:00Z");
  EXPECT_EQ(meta(*doc, "endedAt"), "2026-12-02T09:01:00Z");
  EXPECT_EQ(meta(*doc, "outcome"), "changes");
  EXPECT_EQ(summary(*doc, "actions"), Json(2));
  EXPECT_EQ(summary(*doc, "done"), Json(2));
  EXPECT_EQ(summary(*doc, "plannedCreate"), Json(1));
  EXPECT_EQ(summary(*doc, "plannedUpdate"), Json(1));
  EXPECT_EQ(summary(*doc, "driftedUsers"), Json(1));
  EXPECT_EQ(summary(*doc, "discrepancies"), Json(1));
  EXPECT_EQ(summary(*doc, "driftChanges"), Json(1));

  const ReportTable* acts = table(*doc, "actions");
  ASSERT_NE(acts, nullptr);
  ASSERT_EQ(acts->rows.size(), 2u);
  EXPECT_EQ(cell(*acts, 1, "seq"), Json(2));
  EXPECT_EQ(cell(*acts, 1, "userName"), Json("EMP-2@corp.example"));
  EXPECT_EQ(cell(*acts, 1, "why"), Json("users.yaml:12:3"));
  EXPECT_EQ(cell(*acts, 1, "changes"), Json("title: Agent → Lead; active: true → false"));
  EXPECT_EQ(table(*doc, "discrepancies")->rows.size(), 1u);
  EXPECT_EQ(table(*doc, "drift")->rows.size(), 1u);
}

TEST_F(ReportBuildersTest, ShowAnOlderRunFallsBackToItsRecordedCountsAndError) {
  const int64_t r =
      run("2026-12-02T09:00:00Z", "2026-12-02T09:01:00Z",
          R"({"counts":{"done":3,"failed":1},"error":"Genesys answered 503"})", "failed", "apply");
  auto doc = runReport(*store_, r, at("2026-12-04T00:00:00Z"));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(summary(*doc, "actions"), Json(4));
  EXPECT_EQ(summary(*doc, "done"), Json(3));
  EXPECT_EQ(summary(*doc, "failed"), Json(1));
  ASSERT_FALSE(doc->blocks.empty());
  EXPECT_EQ(doc->blocks[0].level, ReportBlock::Level::kError);
  EXPECT_EQ(doc->blocks[0].lines, (std::vector<std::string>{"Genesys answered 503"}));
  EXPECT_TRUE(table(*doc, "actions")->rows.empty());
}

}  // namespace
}  // namespace scim_agent
