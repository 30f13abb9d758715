// `scim-agent report discrepancy|drift|compliance [--run N | --since 7d|ISO-TIME]
// [--format text|json|markdown|csv|html] [--out FILE] [--sla DURATION]` (SPEC §11, issue 12):
// a report built from the state database alone. It makes no API call, writes nothing to the
// database and takes no writer lock, so it runs while serve or run holds it.

#include <ostream>
#include <string>

#include <Poco/Util/Option.h>

#include "agent/base/duration.h"
#include "agent/cli/clock.h"
#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/report_options.h"
#include "agent/report/report_builders.h"

namespace scim_agent {

namespace {

constexpr const char* kUsage =
    "usage: scim-agent report discrepancy|drift|compliance [--config FILE] "
    "[--run N | --since 7d|ISO-TIME] [--format text|json|markdown|csv|html] [--out FILE] "
    "[--sla DURATION]\n";
constexpr auto kComplianceWeeks = std::chrono::hours(24 * 7 * 12);
constexpr auto kDefaultSla = std::chrono::hours(1);

int usageError(const std::string& message, std::ostream& err) {
  err << "error: " << message << "\n" << kUsage;
  return kExitUsage;
}

}  // namespace

int runReportCommand(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string kind = args.positional.empty() ? "" : args.positional.front();
  if (kind != "discrepancy" && kind != "drift" && kind != "compliance") {
    return usageError(kind.empty() ? "report takes one of: discrepancy, drift, compliance"
                                   : "unknown report \"" + kind +
                                         "\": take one of discrepancy, drift, compliance",
                      err);
  }
  if (args.positional.size() > 1) {
    return usageError("report takes one kind, not \"" + args.positional[1] + "\" too", err);
  }
  if (args.has("run") && args.has("since")) {
    return usageError("--run and --since select differently: give one of them", err);
  }
  if (kind == "compliance" && args.has("run")) {
    return usageError("the compliance report covers weeks: use --since, not --run", err);
  }
  if (kind != "compliance" && args.has("sla")) {
    return usageError("--sla is the compliance report's option", err);
  }
  ReportSelection selection;
  if (args.has("run")) {
    const std::string text = args.get("run");
    try {
      size_t used = 0;
      selection.run_id = std::stoll(text, &used);
      if (used != text.size()) selection.run_id = 0;
    } catch (const std::exception&) {
      selection.run_id = 0;
    }
    if (selection.run_id <= 0) {
      return usageError("--run \"" + text + "\" is not a run id (a positive number)", err);
    }
  }
  std::optional<std::chrono::system_clock::time_point> since;
  if (!readSinceOption(args, since, err)) return kExitUsage;
  std::chrono::seconds sla = kDefaultSla;
  if (args.has("sla")) {
    auto parsed = parseDuration(args.get("sla"));
    if (!parsed || parsed->count() <= 0) {
      return usageError("--sla \"" + args.get("sla") + "\" is not a duration (1h, 90m, 4h)", err);
    }
    sla = *parsed;
  }
  auto format = reportFormatOption(args, err);
  if (!format) return kExitUsage;

  std::unique_ptr<StateStore> store;
  if (int code = openStateForReading(args, store, err); code != kExitOk) return code;
  const auto now = cliClock().now();
  if (since) selection.since = formatIso8601(*since);
  Result<ReportDoc> doc = Error(ErrorCode::kInternal, "no report");
  if (kind == "discrepancy") {
    doc = discrepancyReport(*store, selection, now);
  } else if (kind == "drift") {
    doc = driftReport(*store, selection, now);
  } else {
    doc = complianceReport(*store, since.value_or(now - kComplianceWeeks), now, sla);
  }
  if (!doc.ok()) return printError(doc.error(), err);
  return emitReport(*doc, *format, args, out, err);
}

void addReportOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(Option("run", "r",
                       "discrepancy, drift: this run only (default: discrepancy the newest run "
                       "that recorded actions, drift the last 7 days)")
                    .argument("N"));
  set.addOption(Option("since", "s",
                       "facts from this time on: a duration back from now (7d, 12h) or an "
                       "ISO-8601 time (compliance default: 12 weeks)")
                    .argument("SINCE"));
  set.addOption(
      Option("format", "f", "text, json, markdown, csv or html (default text)").argument("FORMAT"));
  set.addOption(Option("out", "o", "write the report to FILE (atomically) instead of stdout")
                    .argument("FILE"));
  set.addOption(Option("sla", "", "compliance: the termination-to-suspension target (default 1h)")
                    .argument("DURATION"));
}

}  // namespace scim_agent
