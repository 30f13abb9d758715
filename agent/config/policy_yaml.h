#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/config/yaml_reader.h"
#include "agent/model/policy.h"

namespace scim_agent {

// The `policy:` section (SPEC §7), read the same way from agent.yaml and from the desired-state
// specs.
//
// Reads the mapping in `entry` onto `policy`: every key present replaces that setting (nested
// mappings such as maxDestructive key by key), every absent key keeps what `policy` already holds.
// So the loader starts from Policy{} (SPEC defaults) for agent.yaml, and from agent.yaml's policy
// for a spec: the spec overrides agent.yaml key by key. Every problem goes to `diags` at the key's
// place; a bad key leaves its setting unchanged.
void readPolicy(const YamlEntry& entry, Policy& policy, Diagnostics& diags);

// The highest policy.maxAttributeLength accepted: Genesys Cloud refuses requests above 512,000
// bytes, and a value of 100,000 characters may take 400,000 of them.
inline constexpr long long kMaxAttributeLengthCeiling = 100000;

// The keys of `policy:`, in SPEC order.
const std::vector<std::string>& policyKeys();

// deleteAfter: a duration of agent/base/duration.h in hours, days or weeks, as whole days:
// "30d" → 30, "2w" → 14, "12h" → 1 (hours round up to whole days, so a grace period is never
// shortened), "0d" and "0" → 0. nullopt when malformed, in minutes or seconds ("3m" could be
// meant as months), or above 100 years.
std::optional<int> parseDurationDays(const std::string& text);

// maxSourceShrink and friends: "10%" or "10" → 10; nullopt when malformed or outside 0–100.
std::optional<double> parsePercent(const std::string& text);

}  // namespace scim_agent
