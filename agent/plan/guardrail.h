#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include "agent/model/plan.h"
#include "agent/model/policy.h"

namespace scim_agent {

// Whether a plan's destructive actions (suspends + deletes) stay within policy.maxDestructive
// (SPEC §7). Pure; the CLI applies the verdict (exit 3 unless --allow-destructive).
struct GuardrailVerdict {
  GuardrailVerdict() = default;
  // {blocked, message} as the guardrails have always been written; rule, limit and proceed optional.
  GuardrailVerdict(bool is_blocked, std::string why, std::string rule_key = "",
                   std::string effective_limit = "", std::string how = "")
      : blocked(is_blocked),
        message(std::move(why)),
        rule(std::move(rule_key)),
        limit(std::move(effective_limit)),
        proceed(std::move(how)) {}

  bool blocked = false;
  std::string message;  // empty when not blocked; else names the numbers and --allow-destructive
  // When blocked, for the plan document (Plan::verdict): the policy key ("maxDestructive",
  // "maxSourceShrink", …; the caller fills it when empty), the effective limit in numbers, and
  // how to proceed. Empty when unknown.
  std::string rule;
  std::string limit;
  std::string proceed;
};

// How to go on past policy.maxDestructive: "--allow-destructive …, --hold-destructive …, or raise
// policy.maxDestructive".
extern const char* const kMaxDestructiveProceed;

// Blocked when the plan's destructive count is greater than policy.max_destructive_count, or
// greater than policy.max_destructive_percent percent of `managed_live_count` (the live users in
// scope: see countManagedLiveUsers in planner.h). A plan with no destructive action is never
// blocked. The verdict's limit reads "at most 1 of 4 managed users: 5%, never less than one" (the
// percentage binds) or "at most 25 destructive actions (policy.maxDestructive.count)".
GuardrailVerdict checkDestructive(const Plan& plan, size_t managed_live_count,
                                  const Policy& policy);

}  // namespace scim_agent
