#pragma once

// The reports of SPEC §11 built from the state database (issue 12): `report discrepancy`,
// `report drift`, `report compliance`, `history` and `show RUN`. Each builder reads the report
// facts the runs recorded (StateStore "Report facts") and returns a format-neutral ReportDoc
// (report_doc.h); it writes nothing and makes no API call. Times are compared as the ISO-8601
// UTC strings the store keeps (formatIso8601: fixed width, so string order is time order).
//
// Errors: kNotFound for an unknown run ("run 99 not found (newest is 41)"), else what the store
// returned (kIo, kCorrupt, kBusy). No exception escapes.
//
// Tables and their columns (the JSON keys and CSV headers; README "Report commands"):
//   discrepancy  actions        run, seq, kind, externalId, userName, outcome, message, at
//                               (every action not done: failed, stale, skipped, held, blocked)
//                discrepancies  run, externalId, attribute, expected, actual, action, at (CSV)
//   drift        drift          run, sinceRun, externalId, attribute, before, after, at (CSV)
//   compliance   weeks          week, weekStart, created, updated, reactivated, suspended,
//                               deleted, restored, failed, terminations, medianSeconds,
//                               p95Seconds, maxSeconds (CSV)
//                terminations   externalId, cause, origin, knownAt, suspendedAt, seconds, overSla
//                overSla        externalId, cause, origin, knownAt, suspendedAt, seconds, state
//   history      runs           id, kind, startedAt, endedAt, seconds, outcome, summary (CSV)
//   run          actions        seq, kind, externalId, userName, outcome, message, why, changes
//                discrepancies  as discrepancy's;  drift  as drift's
// Values stored as JSON text (expected, actual, before, after) are shown as the string itself
// for a JSON string, empty for null, and as compact JSON for anything else.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/base/result.h"
#include "agent/report/report_doc.h"
#include "state/state_store.h"

namespace scim_agent {

using ReportTime = std::chrono::system_clock::time_point;

// Which facts a discrepancy or drift report covers: one run (--run N) or every run since a time
// (--since). Both empty: the builder's default (see each).
struct ReportSelection {
  int64_t run_id = 0;  // > 0: this run only
  std::string since;   // ISO-8601 UTC (formatIso8601); "" when not given
};

// The discrepancy report: what the actions came to and every attribute whose value in
// Genesys's answer to a write differs from what was sent. Default selection: the newest run
// that recorded actions (none: an empty report saying so).
// Summary: actions, done, failed, stale, skipped, held, blocked, discrepancies.
Result<ReportDoc> discrepancyReport(StateStore& store, const ReportSelection& selection,
                                    ReportTime now);

// The drift report: attributes of managed users changed in Genesys by someone else, between
// the snapshot of `sinceRun` and the live read of `run`. Default selection: the last 7 days.
// Summary: usersWithDrift, attributeChanges, usersGone (managed users that vanished: attribute
// "user", after null), runs. Chart driftPerRun: the drifted users of each run in range whose
// summary records "driftedUsers" (whole-org runs).
Result<ReportDoc> driftReport(StateStore& store, const ReportSelection& selection, ReportTime now);

// The compliance report per ISO week (UTC), from the week of `since` to the week of `now`,
// every week a row even when empty: users created, updated, reactivated, suspended, deleted,
// restored (actions done), failed (failed or stale), and the terminations whose suspension
// took effect that week with the median, p95 and max of the time from when the termination was
// known to the suspension (negative times count as 0). The overSla table lists the suspensions
// that took longer than `sla` and the cases still open whose known time + `sla` is before
// `now`. Summary: the totals, terminations, medianSeconds, p95Seconds, maxSeconds (absent when
// no termination), slaSeconds, overSla, openOverSla.
Result<ReportDoc> complianceReport(StateStore& store, ReportTime since, ReportTime now,
                                   std::chrono::seconds sla);

// Past runs, newest first: those started at or after `since` (ISO-8601; "" = any), at most
// `limit` (<= 0: all). Summary: runs, and per outcome its count.
Result<ReportDoc> historyReport(StateStore& store, const std::string& since, int limit,
                                ReportTime now);

// What one run did (`show RUN`): meta kind, startedAt, endedAt, outcome; summary the action
// outcomes (from its recorded actions, else its record's counts), its plan counts
// (plannedCreate …), driftedUsers when recorded, discrepancies and driftChanges; tables actions,
// discrepancies, drift. kNotFound "run 99 not found (newest is 41)" for an unknown run.
Result<ReportDoc> runReport(StateStore& store, int64_t run_id, ReportTime now);

// ---- Pieces, public for their tests ----

// The median of `values`: the middle one, or the mean of the two middle ones for an even
// count. 0 for none.
double medianOf(std::vector<double> values);
// The nearest-rank percentile: the ⌈percent/100 · n⌉-th smallest (at least the first). 0 for
// none. REQUIRES: 0 < percent <= 100.
double nearestRankPercentile(std::vector<double> values, int percent);

// The ISO 8601 week of `t` (UTC) as "2026-W49": weeks start on Monday and belong to the year
// of their Thursday (2026-12-31 and 2027-01-01 are in 2026-W53).
std::string isoWeekLabel(ReportTime t);
// The Monday 00:00 UTC starting the ISO week of `t`.
ReportTime isoWeekStart(ReportTime t);

// "title: Agent → Lead; phoneNumbers: [] → […]": a run action's changes_json as text.
std::string changesText(const std::string& changes_json);

}  // namespace scim_agent
