// `scim-agent validate`: every problem of the desired state at once, as file:line:column.

#include <ostream>

#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"

namespace scim_agent {

namespace {

}  // namespace

int runValidate(const Args& args, std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  auto agent = Agent::load(args.configPath(), args.get("desired"), diags);
  DesiredState desired;
  if (agent) desired = loadDesiredState(agent->settings(), diags);
  if (!agent || !diags.empty()) {
    printDiagnostics(diags, err);
    err << diags.size() << (diags.size() == 1 ? " error" : " errors") << " found.\n";
    return kExitError;
  }
  if (!args.has("quiet")) {
    out << "The desired state is valid: " << desired.users.size() << " users from "
        << agent->settings().desired_path << " (digest " << desired.digest.substr(0, 12)
        << ").\n";
  }
  return kExitOk;
}

}  // namespace scim_agent
