#pragma once

// The `report:` section of agent.yaml (issue 12, SPEC §16):
//
//   report:
//     dir: /var/lib/scim-agent/reports   # every `run` writes its discrepancy report here (JSON
//                                        # and HTML); the report timer its compliance report
//     terminationSla: 1h                 # a termination suspended later than this is listed
//
// Both keys are optional; an absent section leaves Config's defaults (no report dir, 1 h).

#include <chrono>
#include <string>

#include "agent/base/diagnostics.h"
#include "agent/config/yaml_reader.h"

namespace scim_agent {

struct Config;

// The longest terminationSla accepted: a week (an SLA longer than that measures nothing useful).
inline constexpr std::chrono::seconds kMaxTerminationSla{7 * 24 * 3600};

// Reads the mapping in `entry` onto config.report_dir (resolved against `base_dir`, the folder of
// agent.yaml, when relative) and config.termination_sla (the duration grammar of
// agent/base/duration.h, from 1s to kMaxTerminationSla). Unknown keys, an empty dir and a bad
// duration are added to `diags` at their place; the setting they name keeps its value.
void readReport(const YamlEntry& entry, const std::string& base_dir, Config& config,
                Diagnostics& diags);

}  // namespace scim_agent
