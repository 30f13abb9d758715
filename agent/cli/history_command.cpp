// `scim-agent history [--limit N] [--since 7d|ISO-TIME] [--format text|json|markdown|csv|html]
// [--out FILE]`: past runs and what each did, newest first. Reads the state database only (no
// writer lock). `--format json` keeps the array it always wrote (historyJson), for the scripts
// that read it; the other formats render the history report (report_builders.h).

#include <algorithm>
#include <ostream>

#include <Poco/Util/Option.h>

#include "agent/base/clock.h"
#include "agent/cli/clock.h"
#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/report_options.h"
#include "agent/report/history_render.h"
#include "agent/report/report_builders.h"
#include "state/state_store.h"

namespace scim_agent {

int runHistory(const Args& args, std::ostream& out, std::ostream& err) {
  // Without --since the newest 20; with it every run since, unless --limit says otherwise.
  int limit = args.has("since") ? 0 : 20;
  if (args.has("limit")) {
    const std::string text = args.get("limit");
    try {
      size_t used = 0;
      limit = std::stoi(text, &used);
      if (used != text.size() || limit <= 0) limit = -1;
    } catch (const std::exception&) {
      limit = -1;
    }
    if (limit < 0) {
      err << "error: --limit must be a positive number, not \"" << text << "\"\n";
      return kExitUsage;
    }
  }
  std::optional<std::chrono::system_clock::time_point> since;
  if (!readSinceOption(args, since, err)) return kExitUsage;
  auto format = reportFormatOption(args, err);
  if (!format) return kExitUsage;

  std::unique_ptr<StateStore> store;
  if (int code = openStateForReading(args, store, err); code != kExitOk) return code;
  const std::string since_iso = since ? formatIso8601(*since) : "";
  if (*format == ReportFormat::kJson) {
    Result<std::vector<RunRecord>> runs = Error(ErrorCode::kInternal, "no runs read");
    if (since_iso.empty()) {
      runs = store->listRuns(limit);
    } else {
      runs = store->runsSince(since_iso);
      if (runs.ok()) {
        std::reverse(runs->begin(), runs->end());  // newest first, like listRuns
        if (limit > 0 && runs->size() > static_cast<size_t>(limit)) runs->resize(limit);
      }
    }
    if (!runs.ok()) return printError(runs.error(), err);
    return writeReportOutput(historyJson(*runs).pretty() + "\n", args, out, err);
  }
  Result<ReportDoc> doc = historyReport(*store, since_iso, limit, cliClock().now());
  if (!doc.ok()) return printError(doc.error(), err);
  return emitReport(*doc, *format, args, out, err);
}

void addHistoryOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(
      Option("limit", "n", "how many runs to list, newest first (default 20; with --since all)")
          .argument("N"));
  set.addOption(Option("since", "s",
                       "only runs started from this time on: a duration back from now (7d, 12h) "
                       "or an ISO-8601 time")
                    .argument("SINCE"));
  set.addOption(Option("format", "f",
                       "text, json (the run list as an array), markdown, csv or html (default "
                       "text)")
                    .argument("FORMAT"));
  set.addOption(
      Option("out", "o", "write the list to FILE (atomically) instead of stdout").argument("FILE"));
}

}  // namespace scim_agent
