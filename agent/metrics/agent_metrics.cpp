#include "agent/metrics/agent_metrics.h"

namespace scim_agent {

const std::vector<double>& eventToActionBuckets() {
  static const std::vector<double> buckets = {0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10};
  return buckets;
}

void addAgentMetrics(MetricsRegistry& metrics) {
  metrics.addCounter(kRunsTotal, "Reconcile runs, by outcome (ok, failed, blocked, busy).");
  metrics.addCounter(kActionsTotal,
                     "Actions applied to Genesys Cloud, by kind and outcome (done, stale, "
                     "failed, skipped).");
  metrics.addCounter(kApiRequestsTotal,
                     "HTTP requests to Genesys Cloud, by status class (2xx, 3xx, 4xx, 5xx, "
                     "dropped); retries included.");
  metrics.addCounter(kApiRateLimitedTotal, "HTTP 429 answers from Genesys Cloud.");
  metrics.addGauge(kRunDurationSeconds, "Duration of the last run in seconds.");
  metrics.addGauge(kDriftUsers,
                   "Users the last run's plan would change (drift from the desired state).");
  metrics.addGauge(kDriftedUsers,
                   "Users with drift in the last run: managed users edited in Genesys Cloud "
                   "outside the agent since the previous snapshot.");
  metrics.addGauge(kLastSuccessTimestampSeconds,
                   "Unix time of the end of the last run with outcome ok.");
  metrics.addHistogram(kEventToActionSeconds,
                       "Seconds from an HR event's receipt to the end of the action it caused.",
                       eventToActionBuckets());
}

std::string statusClass(int http_status) {
  if (http_status >= 200 && http_status < 300) return "2xx";
  if (http_status >= 300 && http_status < 400) return "3xx";
  if (http_status >= 400 && http_status < 500) return "4xx";
  if (http_status >= 500 && http_status < 600) return "5xx";
  return "dropped";
}

void countApiRequest(MetricsRegistry& metrics, int http_status) {
  metrics.increment(kApiRequestsTotal, {{"status_class", statusClass(http_status)}});
  if (http_status == 429) metrics.increment(kApiRateLimitedTotal);
}

void countAction(MetricsRegistry& metrics, const std::string& kind, const std::string& outcome) {
  metrics.increment(kActionsTotal, {{"kind", kind}, {"outcome", outcome}});
}

void setDriftGauges(MetricsRegistry& metrics, double drift_users, double drifted_users) {
  metrics.set(kDriftUsers, {}, drift_users);
  metrics.set(kDriftedUsers, {}, drifted_users);
}

}  // namespace scim_agent
