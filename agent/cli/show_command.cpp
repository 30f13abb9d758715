// `scim-agent show RUN [--format text|json|markdown|csv|html] [--out FILE]` (SPEC §11): what
// one run did: its plan summary, each action with its outcome and why, its discrepancies and
// the drift it saw. Reads the state database only (no writer lock).

#include <ostream>
#include <string>

#include <Poco/Util/Option.h>

#include "agent/cli/clock.h"
#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/report_options.h"
#include "agent/report/report_builders.h"

namespace scim_agent {

int runShow(const Args& args, std::ostream& out, std::ostream& err) {
  constexpr const char* kUsage =
      "usage: scim-agent show RUN [--config FILE] [--format text|json|markdown|csv|html] "
      "[--out FILE]\n";
  if (args.positional.size() != 1) {
    err << "error: show takes one run id\n" << kUsage;
    return kExitUsage;
  }
  const std::string text = args.positional.front();
  int64_t run_id = 0;
  try {
    size_t used = 0;
    run_id = std::stoll(text, &used);
    if (used != text.size()) run_id = 0;
  } catch (const std::exception&) {
    run_id = 0;
  }
  if (run_id <= 0) {
    err << "error: \"" << text << "\" is not a run id (a positive number; see scim-agent history)\n"
        << kUsage;
    return kExitUsage;
  }
  auto format = reportFormatOption(args, err);
  if (!format) return kExitUsage;
  std::unique_ptr<StateStore> store;
  if (int code = openStateForReading(args, store, err); code != kExitOk) return code;
  Result<ReportDoc> doc = runReport(*store, run_id, cliClock().now());
  if (!doc.ok()) return printError(doc.error(), err);
  return emitReport(*doc, *format, args, out, err);
}

void addShowOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(
      Option("format", "f", "text, json, markdown, csv or html (default text)").argument("FORMAT"));
  set.addOption(Option("out", "o", "write the report to FILE (atomically) instead of stdout")
                    .argument("FILE"));
}

}  // namespace scim_agent
