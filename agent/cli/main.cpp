#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "agent/cli/cli.h"
#include "agent/cli/exit_code.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return scim_agent::runCli(args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    // Last resort: every expected failure is handled below this; this is a bug.
    std::cerr << "scim-agent: internal error: " << e.what() << "\n";
    return scim_agent::kExitError;
  }
}
