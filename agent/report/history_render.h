#pragma once

// `scim-agent history`: past runs and what each did, as JSON and as a table.

#include <string>
#include <vector>

#include "agent/base/json.h"
#include "state/state_store.h"

namespace scim_agent {

// [{"id","kind","startedAt","endedAt","outcome","desiredDigest","summary"}…], newest first as
// given; "summary" is the run record's counts as text ("3 create, 1 to suspend").
Json historyJson(const std::vector<RunRecord>& runs);

// The runs of historyJson as a table, or "No runs yet.".
std::string renderHistoryText(const Json& history);

}  // namespace scim_agent
