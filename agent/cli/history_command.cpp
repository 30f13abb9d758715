// `scim-agent history`: past runs and what each did.

#include <ostream>

#include <Poco/Util/Option.h>

#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/report/history_render.h"
#include "state/state_store.h"

namespace scim_agent {

int runHistory(const Args& args, std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  auto config = loadAgentConfig(args.configPath(), diags);
  if (!config) {
    printDiagnostics(diags, err);
    return kExitError;
  }
  int limit = 20;
  try {
    limit = std::stoi(args.get("limit", "20"));
  } catch (const std::exception&) {
    err << "error: --limit must be a number\n";
    return kExitUsage;
  }
  auto store = StateStore::open(config->state_path);
  if (!store.ok()) return printError(store.error(), err);
  auto runs = (*store)->listRuns(limit);
  if (!runs.ok()) return printError(runs.error(), err);
  const Json history = historyJson(*runs);
  if (args.get("format", "text") == "json") {
    out << history.pretty() << "\n";
    return kExitOk;
  }
  out << renderHistoryText(history);
  return kExitOk;
}

void addHistoryOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(Option("limit", "n", "how many runs to list (default 20)").argument("N"));
  set.addOption(Option("format", "f", "text or json").argument("FORMAT"));
}

}  // namespace scim_agent
