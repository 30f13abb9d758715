// `scim-agent plan`: read the live users, compare, show what apply would do.

#include <ostream>

#include <Poco/Util/Option.h>

#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/files.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/log/log.h"
#include "agent/report/plan_render.h"

namespace scim_agent {

namespace {

int runPlan(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string format = args.get("format", "text");
  if (format != "text" && format != "json" && format != "markdown") {
    err << "error: --format must be text, json or markdown, not \"" << format << "\"\n";
    return kExitUsage;
  }
  std::unique_ptr<Agent> agent;
  if (int code = openAgent(args, err, agent); code != kExitOk) return code;
  logInfo("run started", {{"command", "plan"}, {"config", args.configPath()}});
  CycleOptions options;
  options.kind = RunKind::kPlan;
  options.plan_only = true;
  const CycleReport report = agent->reconciler().cycle(options);
  if (report.error) return printCycleError(report, err);
  const Plan& plan = report.plan;
  logPlan("plan", report.run_id, plan, report.guardrail);
  out << renderPlan(plan, format);
  int code = kExitOk;
  if (args.has("out")) {
    Status saved = writeFileAtomically(args.get("out"), renderPlanJson(plan));
    if (!saved.ok()) {
      code = printError(saved.error(), err);
    } else if (format == "text" && !args.has("quiet")) {
      out << "Saved the plan to " << args.get("out") << ".\n";
    }
  }
  if (report.guardrail.blocked) err << "blocked: " << report.guardrail.message << "\n";
  printWarnings(report.warnings, err);
  logInfo("run finished", {{"command", "plan"},
                           {"run", report.run_id},
                           {"outcome", runOutcomeName(report.outcome)}});
  if (code != kExitOk || !args.has("detailed-exitcode")) return code;
  if (report.guardrail.blocked) return kExitBlocked;
  return plan.hasChanges() ? kExitChanges : kExitOk;
}

void planOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(Option("format", "f", "output format: text, json or markdown").argument("FORMAT"));
  set.addOption(Option("dry-run", "", "plan and print; write nothing remote"));
  set.addOption(Option("allow-destructive", "",
                       "apply suspends and deletes even beyond policy.maxDestructive"));
  set.addOption(Option("out", "o", "save the plan document (JSON) to FILE").argument("FILE"));
  set.addOption(Option("detailed-exitcode", "",
                       "exit 0 with no changes, 2 with changes, 3 when a guardrail blocks, 1 on "
                       "error"));
}

}  // namespace

const Command kPlanCommand{
    "plan",
    "plan [--config FILE] [--desired PATH] [--format text|json|markdown] [--out FILE] "
    "[--detailed-exitcode]",
    "Read the live users, compare them with the desired state and show what apply would do.",
    kConfigOption | kDesiredOption, planOptions, runPlan};

}  // namespace scim_agent
