#pragma once

#include <ostream>
#include <string>

namespace scim_agent {

// `scim-agent terminations [--clear EXTERNALID] [--format text|json]`: the HR terminations that
// hold over the desired state (SPEC §12: until the desired state marks the user inactive or an
// operator clears it). --clear forgets one, with an audit row naming the operator ($USER); the
// next cycle then follows the desired state for that user again.
struct TerminationsCommandArgs {
  std::string config_path;
  std::string clear;   // externalId to clear; "" lists
  std::string format;  // text | json
};

int runTerminationsCommand(const TerminationsCommandArgs& args, std::ostream& out,
                           std::ostream& err);

}  // namespace scim_agent
