#pragma once
// The scim_agent_* metric families that `run` and `serve` report (SPEC §12), declared in one
// place so the textfile of a timer run and serve's GET /metrics carry the same names, help and
// buckets. Label values are the ones listed here; nothing else (no user ids, no externalIds:
// unbounded label values would explode the series count).
#include <string>
#include <vector>

#include "agent/metrics/metrics.h"

namespace scim_agent {

// Runs (a `run` cycle, or serve's periodic cycle), by outcome: "ok" (changes applied, or none
// needed), "failed" (an action failed or was stale, or the run itself failed: unreadable
// desired state, Genesys unreachable), "blocked" (a guardrail held the destructive part back),
// "busy" (another process held the state lock).
inline constexpr const char* kRunsTotal = "scim_agent_runs_total";
// Actions applied, by kind (create, update, reactivate, suspend, delete, group: actionKindName)
// and outcome (done, stale, failed, skipped: actionOutcomeName).
inline constexpr const char* kActionsTotal = "scim_agent_actions_total";
// HTTP requests to Genesys (the token endpoint included), by status_class: "2xx", "3xx", "4xx",
// "5xx", or "dropped" (no response: refused, reset, timed out). Retries count each time.
inline constexpr const char* kApiRequestsTotal = "scim_agent_api_requests_total";
// The 429 answers among them (also counted in status_class="4xx").
inline constexpr const char* kApiRateLimitedTotal = "scim_agent_api_rate_limited_total";
// Gauge: wall-clock seconds of the last run, from the lock to the run record.
inline constexpr const char* kRunDurationSeconds = "scim_agent_run_duration_seconds";
// Gauge: users the last run's plan would change (distinct users with an action; group-only
// changes are not counted), before it applied anything.
inline constexpr const char* kDriftUsers = "scim_agent_drift_users";
// Gauge: users with drift in the last run: managed users whose attributes changed in Genesys
// since the previous snapshot without a write of this agent explaining it (someone edited them
// in the admin UI). Read from the run record's summary ("driftedUsers"); 0 when it has none.
inline constexpr const char* kDriftedUsers = "scim_agent_drifted_users";
// Gauge: Unix time (seconds) at which the last run with outcome "ok" finished.
inline constexpr const char* kLastSuccessTimestampSeconds =
    "scim_agent_last_success_timestamp_seconds";
// Histogram: seconds from an HR event's receipt (serve's POST /v1/events) to the end of the
// action it caused, labelled by event type (termination, hire, update).
inline constexpr const char* kEventToActionSeconds = "scim_agent_event_to_action_seconds";

// The event-to-action buckets: 0.05 s … 10 s (the target is under 1 s, SPEC §12).
const std::vector<double>& eventToActionBuckets();

// Adds every family above (idempotent).
void addAgentMetrics(MetricsRegistry& metrics);

// Counts one applied action in kActionsTotal: `kind` an actionKindName, `outcome` an
// actionOutcomeName.
void countAction(MetricsRegistry& metrics, const std::string& kind, const std::string& outcome);

// Sets the two drift gauges of a whole-org run: kDriftUsers (the plan's users) and
// kDriftedUsers (users edited outside the agent).
void setDriftGauges(MetricsRegistry& metrics, double drift_users, double drifted_users);

// "2xx", "3xx", "4xx", "5xx" for an HTTP status; "dropped" for 0 (no response) or anything else.
std::string statusClass(int http_status);

// Counts one HTTP exchange in kApiRequestsTotal (and kApiRateLimitedTotal for a 429).
// `http_status` 0 = no response.
void countApiRequest(MetricsRegistry& metrics, int http_status);

}  // namespace scim_agent
