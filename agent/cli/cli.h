#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace scim_agent {

// The scim-agent command line: `scim-agent COMMAND [--config FILE] [options] [args]`.
// Commands: validate, plan, apply, history, version, help. Returns the process exit code
// (cli/exit_code.h). Output goes to `out`, diagnostics and errors to `err`.
int runCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace scim_agent
