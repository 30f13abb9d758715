#pragma once

#include <chrono>
#include <string>

namespace scim_agent {

// The CLI's clock. SCIM_AGENT_NOW (ISO-8601 UTC, e.g. "2026-12-24T09:00:00Z") fixes it: the
// deleteAfter grace period and the archive windows can then be exercised (and past decisions
// replayed) without waiting a month. Unset: the system clock.
std::chrono::system_clock::time_point cliNow();
// cliNow() as ISO-8601 UTC with microseconds: "2026-11-23T12:00:00.123456Z".
std::string cliNowIso();

}  // namespace scim_agent
