// `scim-agent plan`: read the live users, compare, show what apply would do.

#include <ostream>

#include <Poco/Util/Option.h>

#include "agent/cli/clock.h"
#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/files.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/log/log.h"
#include "agent/reconcile/plan_verdict.h"
#include "agent/report/plan_render.h"

namespace scim_agent {

namespace {

// What stdout gets: the signed document for json (the one --out saves), one self-contained page
// for html, else the text or Markdown rendering.
std::string planOutput(const Plan& plan, const std::string& format,
                       const std::string& signed_json) {
  if (format == "json") return signed_json;
  if (format == "html") {
    ReportDoc doc = planReport(plan);
    doc.generated_at = cliNowIso();
    return renderReportHtml(doc);
  }
  return renderPlan(plan, format);
}

}  // namespace

int runPlan(const Args& args, std::ostream& out, std::ostream& err) {
  const auto format_option = formatOption(args, {"text", "json", "markdown", "html"}, err);
  if (!format_option) return kExitUsage;
  const std::string format = *format_option;
  if (args.has("hold-destructive") && args.has("allow-destructive")) {
    err << "error: --hold-destructive and --allow-destructive contradict each other\n";
    return kExitUsage;
  }
  std::unique_ptr<Agent> agent;
  if (int code = openAgent(args, err, agent); code != kExitOk) return code;
  logInfo("run started", {{"command", "plan"}, {"config", args.configPath()}});
  CycleOptions options;
  options.kind = RunKind::kPlan;
  options.plan_only = true;
  // The plan shows what apply with the same options would hold and block.
  options.hold_destructive = args.has("hold-destructive");
  options.allow_destructive = args.has("allow-destructive");
  const CycleReport report = agent->reconciler().cycle(options);
  if (report.error && report.rejects_over_limit) {
    // No plan was made, but the document still states why (unsigned: nothing to apply).
    Plan blocked;
    blocked.verdict = rejectedRecordsVerdict(report.error->message);
    out << (format == "json" ? renderPlanJson(blocked) : planOutput(blocked, format, ""));
  }
  if (report.error) return printCycleError(report, err);
  const Plan& plan = report.plan;
  logPlan("plan", report.run_id, plan, report.guardrail);
  // The JSON document is signed (SPEC §16): apply refuses one changed after it was made.
  auto document = agent->reconciler().signedPlanDocument(plan);
  if (!document.ok()) return printError(document.error(), err);
  const std::string signed_json = document->pretty() + "\n";
  out << planOutput(plan, format, signed_json);
  int code = kExitOk;
  if (args.has("out")) {
    Status saved = writeFileAtomically(args.get("out"), signed_json);
    if (!saved.ok()) {
      code = printError(saved.error(), err);
    } else if (format == "text" && !args.has("quiet")) {
      out << "Saved the plan to " << args.get("out") << ".\n";
    }
  }
  if (report.guardrail.blocked) err << "blocked: " << report.guardrail.message << "\n";
  printSourceReport(report.sources, err, 10, /*problems_only=*/true);
  printWarnings(report.warnings, err);
  logInfo("run finished", {{"command", "plan"},
                           {"run", report.run_id},
                           {"outcome", runOutcomeName(report.outcome)}});
  if (code != kExitOk || !args.has("detailed-exitcode")) return code;
  if (report.guardrail.blocked || plan.verdict.blocked) return kExitBlocked;
  return plan.hasChanges() ? kExitChanges : kExitOk;
}

void addPlanningOptions(Poco::Util::OptionSet& set, const char* formats) {
  using Poco::Util::Option;
  set.addOption(Option("format", "f", std::string("output format: ") + formats).argument("FORMAT"));
  set.addOption(Option("dry-run", "", "plan and print; write nothing remote"));
  set.addOption(Option("allow-destructive", "",
                       "apply suspends and deletes even beyond policy.maxDestructive"));
}

void addPlanOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  addPlanningOptions(set, "text, json, markdown or html");
  set.addOption(Option("out", "o", "save the plan document (JSON) to FILE").argument("FILE"));
  set.addOption(Option("hold-destructive", "",
                       "show the suspends and deletes as held, as apply --hold-destructive would "
                       "hold them for 'scim-agent approve'"));
  set.addOption(Option("detailed-exitcode", "",
                       "exit 0 with no changes, 2 with changes, 3 when a guardrail blocks, 1 on "
                       "error"));
}

}  // namespace scim_agent
