#pragma once

// What the report builders (report_builders.cpp, report_builders_compliance.cpp) share: cells
// from stored values, and time arithmetic on the store's ISO-8601 strings.

#include <optional>
#include <string>

#include "agent/base/json.h"
#include "agent/report/report_builders.h"

namespace scim_agent::report_internal {

// A cell for an ISO-8601 time: null when "".
Json timeCell(const std::string& at);
// A cell for a value stored as JSON text: the string for a JSON string, null for null or "",
// compact JSON for anything else, the text itself when it is not JSON.
Json jsonTextCell(const std::string& json_text);
// Seconds from `from` to `to` (ISO-8601 both); nullopt when either cannot be read.
std::optional<double> secondsBetween(const std::string& from, const std::string& to);
// formatIso8601(t).
std::string iso(ReportTime t);
// The `--since` ISO time normalised to the store's form (so string comparisons hold); the text
// as given when it cannot be read.
std::string normalisedTime(const std::string& text);

}  // namespace scim_agent::report_internal
