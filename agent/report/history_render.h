#pragma once

// `scim-agent history`: past runs and what each did, as JSON and as a table.

#include <string>
#include <vector>

#include "agent/base/json.h"
#include "state/state_store.h"

namespace scim_agent {

// A run record's summary_json as text: its counts ("3 done, 1 failed") and plan counts
// ("3 to create"); "" when it holds none or is not JSON.
std::string runSummaryText(const std::string& summary_json);

// `history --format json` (kept as it was before the report formats, for the scripts that read
// it): [{"id","kind","startedAt","endedAt","outcome","desiredDigest","summary"}…], newest first as
// given; "summary" is the run record's counts as text ("3 create, 1 to suspend").
Json historyJson(const std::vector<RunRecord>& runs);

// The runs of historyJson as a table, or "No runs yet.".
std::string renderHistoryText(const Json& history);

}  // namespace scim_agent
