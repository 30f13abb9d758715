#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "agent/cli/cli.h"
#include "agent/cli/clock.h"
#include "agent/cli/exit_code.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Read once, here: every command takes its time from cliClock().
  if (!scim_agent::initCliClock(std::getenv("SCIM_AGENT_NOW"))) {
    std::cerr << "scim-agent: SCIM_AGENT_NOW must be an ISO-8601 time such as "
                 "2026-12-24T09:00:00Z\n";
    return scim_agent::kExitUsage;
  }
  try {
    return scim_agent::runCli(args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // Last resort: every expected failure is handled below this; this is a bug.
    std::cerr << "scim-agent: internal error: " << e.what() << "\n";
    return scim_agent::kExitError;
  }
}
