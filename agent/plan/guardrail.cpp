#include "agent/plan/guardrail.h"

#include <algorithm>
#include <cstdio>

namespace scim_agent {

namespace {
// 5 → "5", 2.5 → "2.5".
std::string formatNumber(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}
}  // namespace

const char* const kMaxDestructiveProceed =
    "review the suspends and deletes, then apply with --allow-destructive to apply them anyway, "
    "with --hold-destructive to hold them for `scim-agent approve`, or raise "
    "policy.maxDestructive";

GuardrailVerdict checkDestructive(const Plan& plan, size_t managed_live_count,
                                  const Policy& policy) {
  const int destructive = plan.destructiveCount();
  if (destructive == 0) return {};
  // The percentage never forbids a single destructive action: with 5% of a 15-user org (0.75),
  // every termination would otherwise wait for an operator, and a timer run would stall on it.
  // Mass removals are still caught by both limits.
  const double percent_limit = std::max(
      1.0, policy.max_destructive_percent / 100.0 * static_cast<double>(managed_live_count));
  const bool over_count = destructive > policy.max_destructive_count;
  const bool over_percent = static_cast<double>(destructive) > percent_limit;
  if (!over_count && !over_percent) return {};

  std::string message = "the plan would suspend " +
                        std::to_string(plan.count(ActionKind::kSuspend)) + " and delete " +
                        std::to_string(plan.count(ActionKind::kDelete)) + " users (" +
                        std::to_string(destructive) + " destructive actions), more than ";
  if (over_count) {
    message += "policy.maxDestructive.count " + std::to_string(policy.max_destructive_count);
  }
  if (over_count && over_percent) message += " and ";
  if (over_percent) {
    message += "policy.maxDestructive.percent " + formatNumber(policy.max_destructive_percent) +
               "% of " + std::to_string(managed_live_count) + " managed live users (" +
               formatNumber(percent_limit) + ")";
  }
  message += "; nothing destructive is applied unless --allow-destructive is given";
  // The effective limit: the smaller of the two (the percentage never below one action).
  const long long by_percent = static_cast<long long>(percent_limit);
  std::string limit;
  if (by_percent <= policy.max_destructive_count) {
    limit = "at most " + std::to_string(by_percent) + " of " + std::to_string(managed_live_count) +
            " managed users: " + formatNumber(policy.max_destructive_percent) +
            "%, never less than one";
  } else {
    limit = "at most " + std::to_string(policy.max_destructive_count) +
            " destructive actions (policy.maxDestructive.count)";
  }
  return {true, message, "maxDestructive", limit, kMaxDestructiveProceed};
}

}  // namespace scim_agent
