#pragma once

#include <string>

#include "agent/base/clock.h"

namespace scim_agent {

// The CLI's clock, set once by main: SCIM_AGENT_NOW (ISO-8601 UTC, e.g.
// "2026-12-24T09:00:00Z") fixes it, so the deleteAfter grace period and the archive windows can
// be exercised (and past decisions replayed) without waiting a month; unset, the system clock.
// Returns false (and leaves the system clock) when the value is not an ISO-8601 time.
bool initCliClock(const char* scim_agent_now);
const Clock& cliClock();
// cliClock().now() as ISO-8601 UTC with microseconds: "2026-11-23T12:00:00.123456Z".
std::string cliNowIso();

}  // namespace scim_agent
