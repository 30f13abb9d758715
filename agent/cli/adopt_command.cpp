#include "agent/cli/adopt_command.h"

#include <cstdio>
#include <fstream>
#include <ostream>

#include "agent/base/diagnostics.h"
#include "agent/cli/clock.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/files.h"
#include "agent/cli/session.h"
#include "agent/plan/adopt_report.h"

namespace scim_agent {

const char* const kAdoptReportHelp =
    "required: report what the first apply would do to every user (matched, adopted, "
    "ambiguous, unmanaged, protected, to create, to suspend or delete) and write nothing to "
    "Genesys. Exit 0 when that apply would suspend or delete nobody and meets no ambiguous user, "
    "2 when it would, 1 on error. Adoption itself happens in apply";

namespace {

std::string nowIso() { return cliNowIso(); }

// The run record's summary: the plan's action counts (as `plan` records them, so `history` and
// the source-shrink baseline read it the same way) and the report's class counts.
Json runSummary(const Plan& plan, const AdoptReport& report) {
  Json counts = Json::object();
  for (const Action& a : plan.actions) {
    const std::string name = actionKindName(a.kind);
    counts[name] = Json(counts.get(name).isNumber() ? counts.get(name).asNumber() + 1 : 1.0);
  }
  Json adopt = Json::object();
  for (AdoptClass c : allAdoptClasses()) adopt[adoptClassName(c)] = report.count(c);
  Json summary = Json::object();
  summary["plan"] = std::move(counts);
  summary["adopt"] = std::move(adopt);
  return summary;
}

}  // namespace

int runAdoptCommand(const AdoptCommandArgs& args, std::ostream& out, std::ostream& err) {
  if (!args.report) {
    err << "scim-agent adopt: --report is required: adopt only reports (matched, ambiguous, "
           "unmanaged and would-be-destroyed users) and writes nothing; adoption itself "
           "happens in apply\n"
           "usage: scim-agent adopt --report [--config FILE] [--desired PATH] "
           "[--format text|json|markdown] [--out FILE]\n";
    return kExitUsage;
  }
  if (args.format != "text" && args.format != "json" && args.format != "markdown") {
    err << "error: --format must be text, json or markdown, not \"" << args.format << "\"\n";
    return kExitUsage;
  }
  Diagnostics diags;
  auto session = Session::load(args.config_path, args.desired_path, diags);
  if (!session) {
    for (const auto& d : diags.sorted()) err << d.toString() << "\n";
    return kExitError;
  }
  // The same read, snapshot and plan as `plan`: what the report says is what apply would meet.
  auto planned = session->plan("plan", nowIso());
  if (!planned.ok()) {
    err << "error: " << planned.error().message << "\n";
    return planned.error().code == ErrorCode::kBusy ? kExitBusy : kExitError;
  }
  const Plan& plan = planned->plan;
  const AdoptReport report =
      makeAdoptReport(session->desired(), session->live(), plan, planned->guardrail);

  std::string text;
  if (args.format == "json") {
    text = renderAdoptJson(report);
  } else if (args.format == "markdown") {
    text = renderAdoptMarkdown(report);
  } else {
    text = renderAdoptText(report, args.color && args.out_path.empty());
  }
  int code = report.clean() ? kExitOk : kExitChanges;
  if (args.out_path.empty()) {
    out << text;
  } else {
    Status saved = writeFileAtomically(args.out_path, text);
    if (!saved.ok()) {
      err << "error: " << saved.error().message << "\n";
      code = kExitError;
    } else if (!args.quiet) {
      out << "Saved the adopt report to " << args.out_path << ".\n";
    }
  }
  session->finishRun(planned->run_id,
                     planned->guardrail.blocked ? "blocked"
                     : plan.hasChanges()        ? "changes"
                                                : "ok",
                     runSummary(plan, report), nowIso());
  return code;
}

}  // namespace scim_agent
