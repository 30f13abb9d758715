// The discrepancy, drift, history and run reports (issue 12; SPEC §11). The compliance report
// and the statistics are in report_builders_compliance.cpp.

#include "agent/report/report_builders.h"

#include <algorithm>
#include <exception>
#include <map>
#include <set>

#include "agent/base/clock.h"
#include "agent/codec/json_parse.h"
#include "agent/report/history_render.h"
#include "agent/report/report_builders_internal.h"

namespace scim_agent {

namespace report_internal {

Json timeCell(const std::string& at) { return at.empty() ? Json() : Json(at); }

Json jsonTextCell(const std::string& json_text) {
  if (json_text.empty()) return Json();
  // Wrapped in an array: Poco's parser takes no bare scalar ("\"Lead\"", "null") at the top.
  Result<Json> parsed = parseJson("[" + json_text + "]");
  if (!parsed.ok() || !parsed->isArray() || parsed->asArray().size() != 1) return Json(json_text);
  const Json& value = parsed->asArray().front();
  if (value.isNull()) return Json();
  if (value.isString()) return Json(value.asString());
  return Json(value.dump());
}

std::optional<double> secondsBetween(const std::string& from, const std::string& to) {
  auto a = parseIso8601(from);
  auto b = parseIso8601(to);
  if (!a || !b) return std::nullopt;
  return std::chrono::duration<double>(*b - *a).count();
}

std::string iso(ReportTime t) { return formatIso8601(t); }

std::string normalisedTime(const std::string& text) {
  auto t = parseIso8601(text);
  return t ? formatIso8601(*t) : text;
}

}  // namespace report_internal

using namespace report_internal;  // NOLINT(google-build-using-namespace): this file's helpers

namespace {

constexpr const char* kOutcomes[] = {"done", "failed", "stale", "skipped", "held", "blocked"};

// kNotFound naming the newest run, so an operator sees which ids exist.
Error runNotFound(StateStore& store, int64_t run_id) {
  std::string newest = "no runs yet";
  auto runs = store.listRuns(1);
  if (runs.ok() && !runs->empty()) newest = "newest is " + std::to_string(runs->front().id);
  return Error(ErrorCode::kNotFound,
               "run " + std::to_string(run_id) + " not found (" + newest + ")");
}

Result<RunRecord> findRun(StateStore& store, int64_t run_id) {
  Result<RunRecord> run = store.getRun(run_id);
  if (!run.ok() && run.error().code == ErrorCode::kNotFound) return runNotFound(store, run_id);
  return run;
}

Json summaryOf(const RunRecord& run) {
  Result<Json> parsed = parseJson(run.summary_json.empty() ? "{}" : run.summary_json);
  return parsed.ok() && parsed->isObject() ? *parsed : Json::object();
}

std::string runLabel(int64_t id) { return "#" + std::to_string(id); }

// "#3 to #41" for the runs the facts came from; "" when none.
std::string runRange(const std::set<int64_t>& runs) {
  if (runs.empty()) return "";
  if (runs.size() == 1) return runLabel(*runs.begin());
  return runLabel(*runs.begin()) + " to " + runLabel(*runs.rbegin());
}

ReportDoc newDoc(const std::string& kind, StateStore& store, ReportTime now) {
  ReportDoc doc;
  doc.kind = kind;
  doc.generated_at = iso(now);
  doc.meta.push_back({"state", store.path()});
  return doc;
}

void addRunMeta(ReportDoc& doc, const RunRecord& run) {
  doc.meta.push_back({"run", runLabel(run.id)});
  doc.meta.push_back({"kind", run.kind});
  doc.meta.push_back({"startedAt", run.started_at});
  doc.meta.push_back({"endedAt", run.ended_at.empty() ? "(running)" : run.ended_at});
  doc.meta.push_back({"outcome", run.outcome});
}

ReportTable discrepancyTable(const std::vector<DiscrepancyRecord>& found) {
  ReportTable table;
  table.id = "discrepancies";
  table.title = "Discrepancies: sent versus what Genesys answered";
  table.columns = {{"run", "Run", ColumnType::kInteger},
                   {"externalId", "externalId", ColumnType::kText},
                   {"attribute", "Attribute", ColumnType::kText},
                   {"expected", "Expected", ColumnType::kText},
                   {"actual", "Actual", ColumnType::kText},
                   {"action", "Action", ColumnType::kText},
                   {"at", "At", ColumnType::kTime}};
  for (const DiscrepancyRecord& d : found) {
    table.rows.push_back({Json(d.run_id), Json(d.external_id), Json(d.attribute),
                          jsonTextCell(d.expected_json), jsonTextCell(d.actual_json),
                          Json(d.action), timeCell(d.at)});
  }
  table.empty_text = "No discrepancies: every write's answer held what was sent.";
  return table;
}

ReportTable driftTable(const std::vector<DriftRecord>& drift) {
  ReportTable table;
  table.id = "drift";
  table.title = "Drift: changed in Genesys, not by this agent";
  table.columns = {{"run", "Run", ColumnType::kInteger},
                   {"sinceRun", "Since run", ColumnType::kInteger},
                   {"externalId", "externalId", ColumnType::kText},
                   {"attribute", "Attribute", ColumnType::kText},
                   {"before", "Before", ColumnType::kText},
                   {"after", "After", ColumnType::kText},
                   {"at", "At", ColumnType::kTime}};
  for (const DriftRecord& d : drift) {
    table.rows.push_back({Json(d.run_id), Json(d.since_run_id), Json(d.external_id),
                          Json(d.attribute), jsonTextCell(d.before_json),
                          jsonTextCell(d.after_json), timeCell(d.at)});
  }
  table.empty_text = "No drift.";
  return table;
}

std::map<std::string, int64_t> countOutcomes(const std::vector<RunActionRecord>& actions) {
  std::map<std::string, int64_t> counts;
  for (const char* o : kOutcomes) counts[o] = 0;
  for (const RunActionRecord& a : actions) ++counts[a.outcome];
  return counts;
}

void addOutcomeSummary(ReportDoc& doc, int64_t actions,
                       const std::map<std::string, int64_t>& counts) {
  doc.summary.push_back({"actions", actions});
  for (const char* o : kOutcomes) {
    auto it = counts.find(o);
    doc.summary.push_back({o, it == counts.end() ? int64_t{0} : it->second});
  }
}

// The newest run that recorded actions, 0 when none did.
Result<int64_t> newestRunWithActions(StateStore& store) {
  auto runs = store.listRuns(0);
  if (!runs.ok()) return runs.error();
  for (const RunRecord& run : *runs) {
    auto actions = store.runActions(run.id);
    if (!actions.ok()) return actions.error();
    if (!actions->empty()) return run.id;
  }
  return int64_t{0};
}

Result<ReportDoc> buildDiscrepancy(StateStore& store, const ReportSelection& selection,
                                   ReportTime now) {
  ReportDoc doc = newDoc("discrepancy", store, now);
  std::vector<RunActionRecord> actions;
  std::vector<DiscrepancyRecord> found;
  if (!selection.since.empty() && selection.run_id <= 0) {
    const std::string since = normalisedTime(selection.since);
    auto a = store.actionsSince(since);
    if (!a.ok()) return a.error();
    auto d = store.discrepancies(0, since);
    if (!d.ok()) return d.error();
    actions = std::move(*a);
    found = std::move(*d);
    std::set<int64_t> runs;
    for (const auto& x : actions) runs.insert(x.run_id);
    for (const auto& x : found) runs.insert(x.run_id);
    doc.title = "Discrepancies since " + since;
    doc.meta.push_back({"since", since});
    doc.meta.push_back({"runs", runs.empty() ? "none" : runRange(runs)});
  } else {
    int64_t run_id = selection.run_id;
    if (run_id <= 0) {
      auto newest = newestRunWithActions(store);
      if (!newest.ok()) return newest.error();
      run_id = *newest;
    }
    if (run_id > 0) {
      auto run = findRun(store, run_id);
      if (!run.ok()) return run.error();
      auto a = store.runActions(run_id);
      if (!a.ok()) return a.error();
      auto d = store.discrepancies(run_id, "");
      if (!d.ok()) return d.error();
      actions = std::move(*a);
      found = std::move(*d);
      doc.title = "Discrepancies of run #" + std::to_string(run_id);
      addRunMeta(doc, *run);
    } else {
      doc.title = "Discrepancies";
      doc.blocks.push_back({ReportBlock::Level::kInfo,
                            "No actions recorded",
                            {"No run has recorded what its actions came to yet."}});
    }
  }
  const auto counts = countOutcomes(actions);
  addOutcomeSummary(doc, static_cast<int64_t>(actions.size()), counts);
  doc.summary.push_back({"discrepancies", static_cast<int64_t>(found.size())});
  const int64_t failing = counts.at("failed") + counts.at("stale");
  if (failing > 0) {
    doc.blocks.push_back({ReportBlock::Level::kError,
                          std::to_string(failing) + " action(s) failed or went stale",
                          {"The actions table lists each with its error."}});
  }
  if (!found.empty()) {
    doc.blocks.push_back(
        {ReportBlock::Level::kWarning,
         std::to_string(found.size()) + " attribute(s) differ from what was sent",
         {"Genesys answered these writes with other values than the agent sent."}});
  }

  ReportTable table;
  table.id = "actions";
  table.title = "Actions not done";
  table.columns = {
      {"run", "Run", ColumnType::kInteger},        {"seq", "Seq", ColumnType::kInteger},
      {"kind", "Kind", ColumnType::kText},         {"externalId", "externalId", ColumnType::kText},
      {"userName", "userName", ColumnType::kText}, {"outcome", "Outcome", ColumnType::kText},
      {"message", "Message", ColumnType::kText},   {"at", "At", ColumnType::kTime}};
  for (const RunActionRecord& a : actions) {
    if (a.outcome == "done") continue;
    table.rows.push_back({Json(a.run_id), Json(a.seq), Json(a.kind), Json(a.external_id),
                          Json(a.user_name), Json(a.outcome), Json(a.message), timeCell(a.at)});
  }
  table.empty_text = "Every action was done.";
  doc.tables.push_back(std::move(table));
  doc.tables.push_back(discrepancyTable(found));
  doc.csv_table = "discrepancies";
  return doc;
}

Result<ReportDoc> buildDrift(StateStore& store, const ReportSelection& selection, ReportTime now) {
  ReportDoc doc = newDoc("drift", store, now);
  std::vector<DriftRecord> drift;
  std::vector<RunRecord> runs;
  if (selection.run_id > 0) {
    auto run = findRun(store, selection.run_id);
    if (!run.ok()) return run.error();
    auto d = store.drift(selection.run_id, "");
    if (!d.ok()) return d.error();
    drift = std::move(*d);
    runs.push_back(*run);
    doc.title = "Drift seen by run #" + std::to_string(selection.run_id);
    addRunMeta(doc, *run);
  } else {
    const std::string since = selection.since.empty() ? iso(now - std::chrono::hours(24 * 7))
                                                      : normalisedTime(selection.since);
    auto d = store.drift(0, since);
    if (!d.ok()) return d.error();
    auto r = store.runsSince(since);
    if (!r.ok()) return r.error();
    drift = std::move(*d);
    runs = std::move(*r);
    doc.title = "Drift since " + since;
    doc.meta.push_back({"since", since});
    std::set<int64_t> ids;
    for (const RunRecord& run : runs) ids.insert(run.id);
    doc.meta.push_back({"runs", ids.empty() ? "none" : runRange(ids)});
  }
  std::set<std::string> users;
  std::set<std::string> gone;
  for (const DriftRecord& d : drift) {
    users.insert(d.external_id);
    if (d.attribute == "user" && jsonTextCell(d.after_json).isNull()) gone.insert(d.external_id);
  }
  doc.summary.push_back({"usersWithDrift", static_cast<int64_t>(users.size())});
  doc.summary.push_back({"attributeChanges", static_cast<int64_t>(drift.size())});
  doc.summary.push_back({"usersGone", static_cast<int64_t>(gone.size())});
  doc.summary.push_back({"runs", static_cast<int64_t>(runs.size())});
  if (!users.empty()) {
    doc.blocks.push_back({ReportBlock::Level::kWarning,
                          std::to_string(users.size()) + " user(s) changed outside the agent",
                          {"The next apply sets managed attributes back to the desired state."}});
  }

  ReportChart chart;
  chart.kind = ReportChart::Kind::kBars;
  chart.id = "driftPerRun";
  chart.title = "Users with drift per run";
  chart.unit = "users";
  ReportChart::Series series{"drifted users", {}};
  for (const RunRecord& run : runs) {
    const Json summary = summaryOf(run);  // held: get() returns a reference into it
    const Json& drifted = summary.get("driftedUsers");
    if (!drifted.isNumber()) continue;
    chart.categories.push_back(runLabel(run.id));
    series.values.push_back(drifted.asNumber());
  }
  chart.series.push_back(std::move(series));
  doc.charts.push_back(std::move(chart));
  doc.tables.push_back(driftTable(drift));
  doc.csv_table = "drift";
  return doc;
}

Result<ReportDoc> buildHistory(StateStore& store, const std::string& since, int limit,
                               ReportTime now) {
  ReportDoc doc = newDoc("history", store, now);
  std::vector<RunRecord> runs;
  if (since.empty()) {
    auto r = store.listRuns(limit);
    if (!r.ok()) return r.error();
    runs = std::move(*r);
  } else {
    const std::string from = normalisedTime(since);
    auto r = store.runsSince(from);
    if (!r.ok()) return r.error();
    runs.assign(r->rbegin(), r->rend());  // newest first, like listRuns
    if (limit > 0 && runs.size() > static_cast<size_t>(limit)) runs.resize(limit);
    doc.meta.push_back({"since", from});
  }
  doc.title = "Run history";
  std::set<int64_t> ids;
  std::map<std::string, int64_t> outcomes;
  for (const RunRecord& run : runs) {
    ids.insert(run.id);
    ++outcomes[run.outcome];
  }
  doc.meta.push_back({"runs", ids.empty() ? "none" : runRange(ids)});
  doc.summary.push_back({"runs", static_cast<int64_t>(runs.size())});
  for (const auto& [outcome, n] : outcomes) doc.summary.push_back({outcome, n});

  ReportTable table;
  table.id = "runs";
  table.title = "Runs";
  table.columns = {
      {"id", "Run", ColumnType::kInteger},         {"kind", "Kind", ColumnType::kText},
      {"startedAt", "Started", ColumnType::kTime}, {"endedAt", "Ended", ColumnType::kTime},
      {"seconds", "Took", ColumnType::kDuration},  {"outcome", "Outcome", ColumnType::kText},
      {"summary", "Summary", ColumnType::kText}};
  for (const RunRecord& run : runs) {
    auto took = run.ended_at.empty() ? std::nullopt : secondsBetween(run.started_at, run.ended_at);
    table.rows.push_back({Json(run.id), Json(run.kind), timeCell(run.started_at),
                          timeCell(run.ended_at), took ? Json(*took) : Json(), Json(run.outcome),
                          Json(runSummaryText(run.summary_json))});
  }
  table.empty_text = "No runs yet.";
  doc.tables.push_back(std::move(table));
  doc.csv_table = "runs";
  return doc;
}

// "plannedCreate": a plan count's summary key.
std::string plannedKey(const std::string& kind) {
  std::string key = "planned" + kind;
  if (key.size() > 7) key[7] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[7])));
  return key;
}

Result<ReportDoc> buildRun(StateStore& store, int64_t run_id, ReportTime now) {
  auto run = findRun(store, run_id);
  if (!run.ok()) return run.error();
  auto actions = store.runActions(run_id);
  if (!actions.ok()) return actions.error();
  auto found = store.discrepancies(run_id, "");
  if (!found.ok()) return found.error();
  auto drift = store.drift(run_id, "");
  if (!drift.ok()) return drift.error();

  ReportDoc doc = newDoc("run", store, now);
  doc.title = "Run #" + std::to_string(run_id) + " (" + run->kind + ", " + run->outcome + ")";
  addRunMeta(doc, *run);
  const Json summary = summaryOf(*run);
  if (!actions->empty()) {
    addOutcomeSummary(doc, static_cast<int64_t>(actions->size()), countOutcomes(*actions));
  } else if (summary.get("counts").isObject()) {
    // A run recorded before its actions were (schema < 7): the counts its record holds.
    std::map<std::string, int64_t> counts;
    int64_t total = 0;
    for (const auto& [k, v] : summary.get("counts").asObject()) {
      if (!v.isNumber()) continue;
      counts[k] = static_cast<int64_t>(v.asNumber());
      total += counts[k];
    }
    addOutcomeSummary(doc, total, counts);
  } else {
    addOutcomeSummary(doc, 0, {});
  }
  if (summary.get("plan").isObject()) {
    for (const auto& [kind, n] : summary.get("plan").asObject()) {
      if (n.isNumber()) doc.summary.push_back({plannedKey(kind), n});
    }
  }
  if (summary.get("driftedUsers").isNumber()) {
    doc.summary.push_back({"driftedUsers", summary.get("driftedUsers")});
  }
  doc.summary.push_back({"discrepancies", static_cast<int64_t>(found->size())});
  doc.summary.push_back({"driftChanges", static_cast<int64_t>(drift->size())});
  if (summary.get("error").isString()) {
    doc.blocks.push_back(
        {ReportBlock::Level::kError, "The run stopped on an error", {summary.getString("error")}});
  }
  if (run->outcome == "blocked") {
    doc.blocks.push_back({ReportBlock::Level::kWarning,
                          "Blocked by a guardrail",
                          {"Its blocked actions were not applied."}});
  }

  ReportTable table;
  table.id = "actions";
  table.title = "Actions";
  table.columns = {{"seq", "Seq", ColumnType::kInteger},
                   {"kind", "Kind", ColumnType::kText},
                   {"externalId", "externalId", ColumnType::kText},
                   {"userName", "userName", ColumnType::kText},
                   {"outcome", "Outcome", ColumnType::kText},
                   {"message", "Message", ColumnType::kText},
                   {"why", "Why", ColumnType::kText},
                   {"changes", "Changes", ColumnType::kText}};
  for (const RunActionRecord& a : *actions) {
    table.rows.push_back({Json(a.seq), Json(a.kind), Json(a.external_id), Json(a.user_name),
                          Json(a.outcome), Json(a.message), Json(a.why),
                          Json(changesText(a.changes_json))});
  }
  table.empty_text = "No actions recorded for this run.";
  doc.tables.push_back(std::move(table));
  doc.tables.push_back(discrepancyTable(*found));
  doc.tables.push_back(driftTable(*drift));
  doc.csv_table = "actions";
  return doc;
}

// Runs `build`, turning an exception (a bug, or memory) into kInternal (STYLE §4).
template <typename Build>
Result<ReportDoc> guarded(const char* what, Build build) {
  try {
    return build();
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string(what) + ": " + e.what());
  }
}

}  // namespace

std::string changesText(const std::string& changes_json) {
  Result<Json> parsed = parseJson(changes_json.empty() ? "[]" : changes_json);
  if (!parsed.ok() || !parsed->isArray()) return changes_json;
  std::string text;
  for (const Json& change : parsed->asArray()) {
    if (!change.isObject()) continue;
    auto shown = [](const Json& v) {
      if (v.isNull()) return std::string("(none)");
      return v.isString() ? v.asString() : v.dump();
    };
    text += (text.empty() ? "" : "; ") + change.getString("attribute") + ": " +
            shown(change.get("before")) + " → " + shown(change.get("after"));
  }
  return text;
}

Result<ReportDoc> discrepancyReport(StateStore& store, const ReportSelection& selection,
                                    ReportTime now) {
  return guarded("discrepancy report", [&] { return buildDiscrepancy(store, selection, now); });
}

Result<ReportDoc> driftReport(StateStore& store, const ReportSelection& selection, ReportTime now) {
  return guarded("drift report", [&] { return buildDrift(store, selection, now); });
}

Result<ReportDoc> historyReport(StateStore& store, const std::string& since, int limit,
                                ReportTime now) {
  return guarded("history", [&] { return buildHistory(store, since, limit, now); });
}

Result<ReportDoc> runReport(StateStore& store, int64_t run_id, ReportTime now) {
  return guarded("show", [&] { return buildRun(store, run_id, now); });
}

}  // namespace scim_agent
