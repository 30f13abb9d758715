#pragma once

// policy.maxRejectedRecords (SPEC §6): the most HR records one source may reject before the run
// fails — a count ("50") or a percentage of the source's records ("1%").

#include "agent/model/policy.h"
#include "agent/model/source_outcome.h"

namespace scim_agent {

// Marks `source` over its limit (over_reject_limit, and reject_limit saying "3 of 100 records
// rejected, more than policy.maxRejectedRecords 1%") when its rejects exceed what `policy`
// allows. Called by the loader, and again when records are rejected later in a cycle (a group
// the org does not have, known once its groups are read).
void checkRejectLimit(SourceOutcome& source, const Policy& policy);

}  // namespace scim_agent
