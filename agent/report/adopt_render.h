#pragma once

// Renderings of the adopt report (agent/plan/adopt_report.h): text, markdown, JSON.

#include <string>

#include "agent/plan/adopt_report.h"

namespace scim_agent {

// Text for a terminal: one section per non-empty class with a line per user, the warnings, the
// guardrail, a summary line ("Adopt: 40 matched, 3 to adopt, …") and the verdict line. ANSI
// colours only when `color` is true.
std::string renderAdoptText(const AdoptReport& report, bool color);

// Markdown for a pull-request comment: summary, then a table per non-empty class (long tables
// are cut, with a line saying how many rows were left out).
std::string renderAdoptMarkdown(const AdoptReport& report);

// The report document, indented, with a trailing newline:
//   {"formatVersion":1, "desiredDigest", "desiredUsers", "liveUsers", "clean",
//    "policy":{"unmanaged","scope"}, "guardrail":{"blocked","message"},
//    "summary":{<class>: n, …, "held": n},
//    "users":{<class>: [{"externalId","userName","source","liveId","liveExternalId",
//                        "liveActive","liveIds","match","action","rule","changes","held",
//                        "detail"}, …], …},   every class present, empty keys left out
//    "warnings":[{"externalId","userName","message","source"}]}
std::string renderAdoptJson(const AdoptReport& report);

}  // namespace scim_agent
