#include "agent/desired/reject_limit.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace scim_agent {

void checkRejectLimit(SourceOutcome& source, const Policy& policy) {
  const double rejected = static_cast<double>(source.rejects.size());
  if (rejected == 0) return;
  const double records = static_cast<double>(std::max<size_t>(source.records, 1));
  const bool over = policy.max_rejected_is_percent
                        ? rejected * 100.0 > policy.max_rejected_records * records
                        : rejected > policy.max_rejected_records;
  if (!over) return;
  char limit[32];
  std::snprintf(limit, sizeof limit, policy.max_rejected_is_percent ? "%g%%" : "%g",
                policy.max_rejected_records);
  source.over_reject_limit = true;
  source.reject_limit = std::to_string(source.rejects.size()) + " of " +
                        std::to_string(source.records) + " records rejected, more than "
                        "policy.maxRejectedRecords " + limit;
}

}  // namespace scim_agent
