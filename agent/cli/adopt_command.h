#pragma once

#include <iosfwd>
#include <string>

namespace scim_agent {

// `scim-agent adopt --report`: the first-run report (SPEC §8, plan/adopt_report.h).
struct AdoptCommandArgs {
  bool report = false;          // --report; without it the command is a usage error
  std::string config_path;      // --config, already defaulted
  std::string desired_path;     // --desired; "" keeps agent.yaml's desired:
  std::string format = "text";  // text | json | markdown
  std::string out_path;         // --out: write the report there instead of stdout
  bool quiet = false;
  bool color = false;  // ANSI colours in text on stdout
};

// Loads the config and desired state, reads the live users exactly as `plan` does (recording a
// run of kind "plan" with its snapshots and plan in the state DB, like `plan`), and prints the
// report. Writes nothing to Genesys. Returns kExitOk when the first apply would suspend or delete
// nobody and meets no ambiguous user, kExitChanges (2) when it would, kExitError on failure,
// kExitBusy when another run holds the state lock, kExitUsage for bad arguments.
int runAdoptCommand(const AdoptCommandArgs& args, std::ostream& out, std::ostream& err);

// The --report option's help, which documents the exit codes.
extern const char* const kAdoptReportHelp;

}  // namespace scim_agent
