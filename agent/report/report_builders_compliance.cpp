// The compliance report (issue 12 point 3; SPEC §11): per ISO week, the users created, updated,
// suspended … and the time from a termination being known to its suspension, with the nearest-
// rank statistics it is summed up by.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>

#include "agent/base/clock.h"
#include "agent/report/report_builders.h"
#include "agent/report/report_builders_internal.h"

namespace scim_agent {

using namespace report_internal;  // NOLINT(google-build-using-namespace): this file's helpers

namespace {

using Days = std::chrono::sys_days;

Days dayOf(ReportTime t) { return std::chrono::floor<std::chrono::days>(t); }

Days mondayOf(Days d) {
  const unsigned iso = std::chrono::weekday(d).iso_encoding();  // Monday 1 … Sunday 7
  return d - std::chrono::days(iso - 1);
}

// The counted action kinds: (run_actions kind, weeks column), in column order.
constexpr std::array<std::pair<const char*, const char*>, 6> kKinds = {{
    {"create", "created"},
    {"update", "updated"},
    {"reactivate", "reactivated"},
    {"suspend", "suspended"},
    {"delete", "deleted"},
    {"restore", "restored"},
}};
constexpr size_t kFailedColumn = kKinds.size();  // failed + stale, any kind

struct Week {
  Days monday;
  std::array<int64_t, kKinds.size() + 1> counts{};
  std::vector<double> seconds;  // of the terminations suspended that week
};

struct Termination {
  const TerminationCase* c = nullptr;
  double seconds = 0;
  bool open = false;
};

std::string slaLabel(std::chrono::seconds sla) {
  return "SLA " + formatDurationSeconds(static_cast<double>(sla.count()));
}

Result<ReportDoc> buildCompliance(StateStore& store, ReportTime since, ReportTime now,
                                  std::chrono::seconds sla) {
  const std::string since_iso = iso(since);
  const std::string now_iso = iso(now);
  auto actions = store.actionsSince(since_iso);
  if (!actions.ok()) return actions.error();
  auto cases = store.terminationCases(since_iso);
  if (!cases.ok()) return cases.error();
  auto open = store.openTerminationCases();
  if (!open.ok()) return open.error();

  // Every week from the week of `since` to the week of `now`, empty or not.
  std::vector<Week> weeks;
  const Days first = mondayOf(dayOf(since));
  const Days last = mondayOf(dayOf(now));
  for (Days d = first; d <= last; d += std::chrono::days(7)) weeks.push_back(Week{d, {}, {}});
  // The week of a fact at `at` when it lies between `since` and `now`, else null. Times are
  // compared parsed: the store's strings and a caller's may differ in their fraction.
  auto weekOf = [&](const std::string& at) -> Week* {
    auto t = parseIso8601(at);
    if (!t || *t < since || *t > now || weeks.empty()) return nullptr;
    const Days monday = mondayOf(dayOf(*t));
    if (monday < first || monday > last) return nullptr;
    return &weeks[static_cast<size_t>((monday - first).count() / 7)];
  };

  for (const RunActionRecord& a : *actions) {
    Week* week = weekOf(a.at);
    if (week == nullptr) continue;
    if (a.outcome == "failed" || a.outcome == "stale") {
      ++week->counts[kFailedColumn];
      continue;
    }
    if (a.outcome != "done") continue;
    for (size_t i = 0; i < kKinds.size(); ++i) {
      if (a.kind == kKinds[i].first) ++week->counts[i];
    }
  }

  std::vector<Termination> done;  // suspended in range, by known time (the store's order)
  for (const TerminationCase& c : *cases) {
    if (c.state != "suspended") continue;
    Week* week = weekOf(c.suspended_at);
    auto seconds = secondsBetween(c.known_at, c.suspended_at);
    if (week == nullptr || !seconds) continue;
    const double s = std::max(0.0, *seconds);
    week->seconds.push_back(s);
    done.push_back({&c, s, false});
  }
  std::vector<Termination> late;
  for (const Termination& t : done) {
    if (t.seconds > static_cast<double>(sla.count())) late.push_back(t);
  }
  int64_t open_late = 0;
  for (const TerminationCase& c : *open) {
    auto seconds = secondsBetween(c.known_at, now_iso);
    if (!seconds || *seconds <= static_cast<double>(sla.count())) continue;
    late.push_back({&c, *seconds, true});
    ++open_late;
  }

  ReportDoc doc;
  doc.kind = "compliance";
  doc.generated_at = now_iso;
  doc.title = "Compliance, " + isoWeekLabel(since) + " to " + isoWeekLabel(now);
  doc.meta = {{"since", since_iso},
              {"until", now_iso},
              {"weeks", std::to_string(weeks.size())},
              {"terminationSla", formatDurationSeconds(static_cast<double>(sla.count()))},
              {"state", store.path()}};

  std::array<int64_t, kKinds.size() + 1> totals{};
  std::vector<double> all_seconds;
  for (const Week& w : weeks) {
    for (size_t i = 0; i < totals.size(); ++i) totals[i] += w.counts[i];
  }
  for (const Termination& t : done) all_seconds.push_back(t.seconds);
  for (size_t i = 0; i < kKinds.size(); ++i) doc.summary.push_back({kKinds[i].second, totals[i]});
  doc.summary.push_back({"failed", totals[kFailedColumn]});
  doc.summary.push_back({"terminations", static_cast<int64_t>(done.size())});
  if (!all_seconds.empty()) {
    doc.summary.push_back({"medianSeconds", medianOf(all_seconds)});
    doc.summary.push_back({"p95Seconds", nearestRankPercentile(all_seconds, 95)});
    doc.summary.push_back(
        {"maxSeconds", *std::max_element(all_seconds.begin(), all_seconds.end())});
  }
  doc.summary.push_back({"slaSeconds", static_cast<int64_t>(sla.count())});
  doc.summary.push_back({"overSla", static_cast<int64_t>(late.size())});
  doc.summary.push_back({"openOverSla", open_late});
  if (!late.empty()) {
    doc.blocks.push_back(
        {ReportBlock::Level::kError,
         std::to_string(late.size()) + " termination(s) over the " + slaLabel(sla),
         {std::to_string(late.size() - open_late) + " suspended late, " +
          std::to_string(open_late) + " still open; the overSla table names them."}});
  }

  ReportTable week_table;
  week_table.id = "weeks";
  week_table.title = "Per ISO week";
  week_table.columns = {{"week", "Week", ColumnType::kText},
                        {"weekStart", "Starts", ColumnType::kTime}};
  for (const auto& [kind, column] : kKinds) {
    week_table.columns.push_back({column, column, ColumnType::kInteger});
  }
  week_table.columns.push_back({"failed", "failed", ColumnType::kInteger});
  week_table.columns.push_back({"terminations", "terminations", ColumnType::kInteger});
  week_table.columns.push_back({"medianSeconds", "median", ColumnType::kDuration});
  week_table.columns.push_back({"p95Seconds", "p95", ColumnType::kDuration});
  week_table.columns.push_back({"maxSeconds", "max", ColumnType::kDuration});

  ReportChart per_week;
  per_week.kind = ReportChart::Kind::kStackedBars;
  per_week.id = "actionsPerWeek";
  per_week.title = "Actions per week by kind";
  per_week.unit = "actions";
  for (const auto& [kind, column] : kKinds) per_week.series.push_back({column, {}});
  per_week.series.push_back({"failed", {}});
  ReportChart times;
  times.kind = ReportChart::Kind::kLines;
  times.id = "terminationTime";
  times.title = "Termination to suspension, per week";
  times.unit = "seconds";
  times.series = {{"median", {}}, {"p95", {}}};
  times.threshold = static_cast<double>(sla.count());
  times.threshold_label = slaLabel(sla);

  for (const Week& w : weeks) {
    const ReportTime monday = std::chrono::time_point_cast<ReportTime::duration>(
        std::chrono::sys_time<std::chrono::days>(w.monday));
    const std::string label = isoWeekLabel(monday);
    std::vector<Json> row = {Json(label), Json(iso(monday))};
    for (size_t i = 0; i < w.counts.size(); ++i) {
      row.push_back(Json(w.counts[i]));
      per_week.series[i].values.push_back(static_cast<double>(w.counts[i]));
    }
    row.push_back(Json(static_cast<int64_t>(w.seconds.size())));
    std::optional<double> median;
    std::optional<double> p95;
    if (!w.seconds.empty()) {
      median = medianOf(w.seconds);
      p95 = nearestRankPercentile(w.seconds, 95);
      row.push_back(Json(*median));
      row.push_back(Json(*p95));
      row.push_back(Json(*std::max_element(w.seconds.begin(), w.seconds.end())));
    } else {
      row.insert(row.end(), 3, Json());
    }
    week_table.rows.push_back(std::move(row));
    per_week.categories.push_back(label);
    times.categories.push_back(label);
    times.series[0].values.push_back(median);
    times.series[1].values.push_back(p95);
  }

  const std::vector<Column> case_columns = {
      {"externalId", "externalId", ColumnType::kText}, {"cause", "Cause", ColumnType::kText},
      {"origin", "Origin", ColumnType::kText},         {"knownAt", "Known", ColumnType::kTime},
      {"suspendedAt", "Suspended", ColumnType::kTime}, {"seconds", "Took", ColumnType::kDuration}};
  ReportTable term_table;
  term_table.id = "terminations";
  term_table.title = "Terminations suspended";
  term_table.columns = case_columns;
  term_table.columns.push_back({"overSla", "Over SLA", ColumnType::kText});
  for (const Termination& t : done) {
    term_table.rows.push_back({Json(t.c->external_id), Json(t.c->cause), Json(t.c->origin),
                               timeCell(t.c->known_at), timeCell(t.c->suspended_at),
                               Json(t.seconds),
                               Json(t.seconds > static_cast<double>(sla.count()))});
  }
  term_table.empty_text = "No termination was suspended in this period.";

  ReportTable late_table;
  late_table.id = "overSla";
  late_table.title = "Over the " + slaLabel(sla);
  late_table.columns = case_columns;
  late_table.columns.push_back({"state", "State", ColumnType::kText});
  for (const Termination& t : late) {
    late_table.rows.push_back({Json(t.c->external_id), Json(t.c->cause), Json(t.c->origin),
                               timeCell(t.c->known_at),
                               t.open ? Json() : timeCell(t.c->suspended_at), Json(t.seconds),
                               Json(t.open ? "still open" : "suspended")});
  }
  late_table.empty_text = "Every termination was suspended within the SLA.";

  doc.charts.push_back(std::move(per_week));
  doc.charts.push_back(std::move(times));
  doc.tables.push_back(std::move(week_table));
  doc.tables.push_back(std::move(term_table));
  doc.tables.push_back(std::move(late_table));
  doc.csv_table = "weeks";
  return doc;
}

}  // namespace

double medianOf(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double nearestRankPercentile(std::vector<double> values, int percent) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  // ⌈percent · n / 100⌉ in integers (0.95 · 20 is not exactly 19 in binary).
  size_t rank = (static_cast<size_t>(std::clamp(percent, 1, 100)) * n + 99) / 100;
  rank = std::clamp<size_t>(rank, 1, n);
  return values[rank - 1];
}

ReportTime isoWeekStart(ReportTime t) {
  return std::chrono::time_point_cast<ReportTime::duration>(
      std::chrono::sys_time<std::chrono::days>(mondayOf(dayOf(t))));
}

std::string isoWeekLabel(ReportTime t) {
  // An ISO week belongs to the year of its Thursday; week 1 holds that year's first Thursday.
  const Days thursday = mondayOf(dayOf(t)) + std::chrono::days(3);
  const std::chrono::year year = std::chrono::year_month_day(thursday).year();
  const Days january_first = Days(year / std::chrono::January / 1);
  const int64_t week = (thursday - january_first).count() / 7 + 1;
  char label[16];
  std::snprintf(label, sizeof label, "%04d-W%02d", static_cast<int>(year), static_cast<int>(week));
  return label;
}

Result<ReportDoc> complianceReport(StateStore& store, ReportTime since, ReportTime now,
                                   std::chrono::seconds sla) {
  try {
    if (since > now) since = now;
    return buildCompliance(store, since, now, sla);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("compliance report: ") + e.what());
  }
}

}  // namespace scim_agent
