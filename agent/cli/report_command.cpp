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
#include "agent/config/secret_file.h"
#include "agent/notify/direct_delivery.h"
#include "agent/report/report_builders.h"

namespace scim_agent {

namespace {

constexpr const char* kUsage =
    "usage: scim-agent report discrepancy|drift|compliance [--config FILE] "
    "[--run N | --since 7d|ISO-TIME] [--format text|json|markdown|csv|html] [--out FILE] "
    "[--sla DURATION] [--save [--report-dir DIR]] [--notify]\n";
constexpr auto kComplianceWeeks = std::chrono::hours(24 * 7 * 12);

int usageError(const std::string& message, std::ostream& err) {
  err << "error: " << message << "\n" << kUsage;
  return kExitUsage;
}

// The file name of a saved report: "compliance-2026-W49", "drift-20261205T060000Z".
std::string savedName(const ReportDoc& doc, const std::string& kind) {
  if (kind == "compliance") return kind + "-" + isoWeekLabel(cliClock().now());
  std::string stamp = doc.generated_at.substr(0, 19);
  std::erase(stamp, '-');
  std::erase(stamp, ':');
  return kind + "-" + stamp + "Z";
}

// --save: the report as JSON and HTML in report.dir (the paths printed); --notify: one signed
// "report.<kind>" notification to notify.webhook with the report's summary and those paths,
// delivered now with retries (the state DB is not written: no outbox).
int saveAndNotify(const ReportDoc& doc, const std::string& kind, const Config& config,
                  const Args& args, std::ostream& out, std::ostream& err) {
  Json paths = Json::array();
  if (args.has("save")) {
    const std::string dir = reportDirOption(args, config);
    if (dir.empty()) {
      err << "error: --save needs a report directory: set report.dir in " << args.configPath()
          << " or pass --report-dir DIR\n";
      return kExitUsage;
    }
    auto saved = saveReportFiles(doc, dir, savedName(doc, kind));
    if (!saved.ok()) return printError(saved.error(), err);
    for (const std::string& p : *saved) {
      out << p << "\n";
      paths.push(p);
    }
  }
  if (!args.has("notify")) return kExitOk;
  if (config.notify_webhook_url.empty()) {
    err << "error: --notify needs notify.webhook in " << args.configPath() << "\n";
    return kExitUsage;
  }
  auto secret = readSecretFile(config.notify_webhook_secret_file, "notify.webhook.secretFile");
  if (!secret.ok()) return printError(secret.error(), err);
  Json summary = Json::object();
  for (const auto& [key, value] : doc.summary) summary[key] = value;
  Json meta = Json::object();
  for (const auto& [key, value] : doc.meta) meta[key] = value;
  Json payload = Json::object();
  payload["report"] = kind;
  payload["title"] = doc.title;
  payload["generatedAt"] = doc.generated_at;
  payload["meta"] = meta;
  payload["summary"] = summary;
  payload["files"] = paths;
  WebhookOptions webhook;
  webhook.url = config.notify_webhook_url;
  webhook.ca_file = config.target.ca_file;
  constexpr int kAttempts = 4;
  auto delivered = deliverNow(webhook, *secret, "report." + kind, payload, kAttempts);
  if (!delivered.ok()) return printError(delivered.error(), err);
  err << "notified " << config.notify_webhook_url.substr(0, config.notify_webhook_url.find('/', 8))
      << " (report." << kind << ", delivery " << delivered->delivery_id << ", "
      << delivered->tries << (delivered->tries == 1 ? " try" : " tries") << ")\n";
  return kExitOk;
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
  std::optional<std::chrono::seconds> sla;
  if (args.has("sla")) {
    auto parsed = parseDuration(args.get("sla"));
    if (!parsed || parsed->count() <= 0) {
      return usageError("--sla \"" + args.get("sla") + "\" is not a duration (1h, 90m, 4h)", err);
    }
    sla = *parsed;
  }
  auto format = reportFormatOption(args, err);
  if (!format) return kExitUsage;

  if ((args.has("save") || args.has("notify")) && args.has("out")) {
    return usageError("--save writes into report.dir: give it or --out, not both", err);
  }
  std::unique_ptr<StateStore> store;
  Config config;
  if (int code = openStateForReading(args, store, err, &config); code != kExitOk) return code;
  if (!sla) sla = config.termination_sla;  // report.terminationSla, default 1h
  const auto now = cliClock().now();
  if (since) selection.since = formatIso8601(*since);
  Result<ReportDoc> doc = Error(ErrorCode::kInternal, "no report");
  if (kind == "discrepancy") {
    doc = discrepancyReport(*store, selection, now);
  } else if (kind == "drift") {
    doc = driftReport(*store, selection, now);
  } else {
    doc = complianceReport(*store, since.value_or(now - kComplianceWeeks), now, *sla);
  }
  if (!doc.ok()) return printError(doc.error(), err);
  if (!args.has("save") && !args.has("notify")) return emitReport(*doc, *format, args, out, err);
  return saveAndNotify(*doc, kind, config, args, out, err);
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
  set.addOption(Option("sla", "",
                       "compliance: the termination-to-suspension target (default "
                       "report.terminationSla, 1h)")
                    .argument("DURATION"));
  set.addOption(Option("save", "",
                       "write the report as JSON and HTML into report.dir (or --report-dir) and "
                       "print their paths"));
  set.addOption(Option("report-dir", "", "the directory --save writes to (default report.dir)")
                    .argument("DIR"));
  set.addOption(Option("notify", "",
                       "send one signed report.<kind> notification to notify.webhook with the "
                       "summary (and the saved files)"));
}

}  // namespace scim_agent
