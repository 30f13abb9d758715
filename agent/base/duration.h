#pragma once

// The one duration grammar of the agent: `--interval` (run, serve) and policy.deleteAfter.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace scim_agent {

// A whole number followed by one unit: s (seconds), m (minutes), h (hours), d (days) or w
// (weeks, 7 days; deleteAfter's "2w" of SPEC §7): "90s", "15m", "1h", "30d", "2w". "0" alone is
// zero. nullopt for anything else: no sign, no spaces, no fraction, no upper-case unit, no
// bare number other than "0", nothing above 100 years (so arithmetic on the result never
// overflows).
std::optional<std::chrono::seconds> parseDuration(std::string_view text);

// The inverse, in the largest unit among s, m, h, d that is exact: 5400 s → "90m",
// 86400 s → "1d", 0 → "0". Weeks are not used ("14d", not "2w"). A negative duration is written
// with a leading '-' (not parseable: durations in agent.yaml and on the command line are never
// negative).
std::string formatDuration(std::chrono::seconds d);

}  // namespace scim_agent
