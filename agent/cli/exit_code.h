#pragma once

namespace scim_agent {

// The process exit codes, in one place (SPEC §8, STYLE §4).
enum ExitCode : int {
  kExitOk = 0,        // success; with --detailed-exitcode: no changes
  kExitError = 1,     // an error, invalid input, or an apply with failed or stale actions
  kExitChanges = 2,   // --detailed-exitcode: the plan has changes
  kExitBlocked = 3,   // a guardrail blocked the plan or its destructive part
  kExitBusy = 4,      // another run holds the state lock
  kExitUsage = 64,    // bad command line (sysexits EX_USAGE)
};

}  // namespace scim_agent
