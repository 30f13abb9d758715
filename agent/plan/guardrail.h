#pragma once

#include <cstddef>
#include <string>

#include "agent/model/plan.h"
#include "agent/model/policy.h"

namespace scim_agent {

// Whether a plan's destructive actions (suspends + deletes) stay within policy.maxDestructive
// (SPEC §7). Pure; the CLI applies the verdict (exit 3 unless --allow-destructive).
struct GuardrailVerdict {
  bool blocked = false;
  std::string message;  // empty when not blocked; else names the numbers and --allow-destructive
};

// Blocked when the plan's destructive count is greater than policy.max_destructive_count, or
// greater than policy.max_destructive_percent percent of `managed_live_count` (the live users in
// scope: see countManagedLiveUsers in planner.h). A plan with no destructive action is never
// blocked.
GuardrailVerdict checkDestructive(const Plan& plan, size_t managed_live_count,
                                  const Policy& policy);

}  // namespace scim_agent
