// `scim-agent adopt --report`: the first-run report (SPEC §8, plan/adopt_report.h). The same
// read, snapshot and plan as `plan` (a run of kind "plan"): what the report says is what the
// first apply would meet. Writes nothing to Genesys.

#include <ostream>

#include <Poco/Util/Option.h>

#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/files.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/plan/adopt_report.h"
#include "agent/report/adopt_render.h"

namespace scim_agent {

namespace {

constexpr const char* kAdoptReportHelp =
    "required: report what the first apply would do to every user (matched, adopted, "
    "ambiguous, unmanaged, protected, to create, to suspend or delete) and write nothing to "
    "Genesys. Exit 0 when that apply would suspend or delete nobody and meets no ambiguous user, "
    "2 when it would, 1 on error. Adoption itself happens in apply";

}  // namespace

int runAdopt(const Args& args, std::ostream& out, std::ostream& err) {
  if (!args.has("report")) {
    err << "scim-agent adopt: --report is required: adopt only reports (matched, ambiguous, "
           "unmanaged and would-be-destroyed users) and writes nothing; adoption itself "
           "happens in apply\n"
           "usage: scim-agent adopt --report [--config FILE] [--desired PATH] "
           "[--format text|json|markdown] [--out FILE]\n";
    return kExitUsage;
  }
  const auto format_option = formatOption(args, {"text", "json", "markdown"}, err);
  if (!format_option) return kExitUsage;
  const std::string format = *format_option;
  std::unique_ptr<Agent> agent;
  if (int code = openAgent(args, err, agent); code != kExitOk) return code;
  Reconciler& reconciler = agent->reconciler();
  AdoptReport report;
  CycleOptions options;
  options.kind = RunKind::kPlan;
  options.plan_only = true;
  // The run record: the plan's action counts (every kind) and the report's class counts.
  options.summarize = [&](const CycleReport& r, Json& summary) {
    report = makeAdoptReport(reconciler.desired(), reconciler.live(), r.plan, r.guardrail);
    Json counts = Json::object();
    for (const Action& a : r.plan.actions) {
      const std::string name = actionKindName(a.kind);
      counts[name] = Json(counts.get(name).isNumber() ? counts.get(name).asNumber() + 1 : 1.0);
    }
    Json adopt = Json::object();
    for (AdoptClass c : allAdoptClasses()) adopt[adoptClassName(c)] = report.count(c);
    summary["plan"] = std::move(counts);
    summary["adopt"] = std::move(adopt);
  };
  const CycleReport cycle = reconciler.cycle(options);
  if (cycle.error) return printCycleError(cycle, err);

  const std::string out_path = args.get("out");
  std::string text;
  if (format == "json") {
    text = renderAdoptJson(report);
  } else if (format == "markdown") {
    text = renderAdoptMarkdown(report);
  } else {
    text = renderAdoptText(report, colorWanted() && out_path.empty());
  }
  if (out_path.empty()) {
    out << text;
    return report.clean() ? kExitOk : kExitChanges;
  }
  Status saved = writeFileAtomically(out_path, text);
  if (!saved.ok()) return printError(saved.error(), err);
  if (!args.has("quiet")) out << "Saved the adopt report to " << out_path << ".\n";
  return report.clean() ? kExitOk : kExitChanges;
}

void addAdoptOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(Option("report", "", kAdoptReportHelp));
  set.addOption(Option("format", "f", "output format: text, json or markdown").argument("FORMAT"));
  set.addOption(Option("out", "o", "write the report to FILE instead of stdout").argument("FILE"));
}

}  // namespace scim_agent
