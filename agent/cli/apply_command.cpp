// `scim-agent apply [PLAN.json]`: a saved plan applied exactly, or a fresh plan shown, confirmed
// and applied. Split-risk apply: --hold-destructive (agent/reconcile/holds.h).

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include <Poco/Util/Option.h>

#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/held_output.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/codec/json_parse.h"
#include "agent/log/log.h"
#include "agent/report/plan_render.h"

namespace scim_agent {

const char* const kHoldDestructiveHelp =
    "apply creates, restores, updates, reactivates and group adds now; hold every suspend and "
    "delete (with its group removals) for 'scim-agent approve'. Exit 0 when everything not held "
    "was done";

namespace {

// The largest plan file read: an initial import of 100,000 users is about 100 MB of plan (create
// bodies and their MACs); a file beyond this is not a plan this agent made, and is refused before
// it is read into memory.
constexpr std::uintmax_t kMaxPlanFileBytes = 256u << 20;

// The plan document of `path`, parsed; its signature and content are checked by the cycle.
Result<Json> readPlanFile(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxPlanFileBytes) {
    return Error(ErrorCode::kInvalidInput, "plan file " + path + " is " + std::to_string(size >> 20) +
                                               " MiB, more than the " +
                                               std::to_string(kMaxPlanFileBytes >> 20) +
                                               " MiB a plan may be");
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error(ErrorCode::kIo, "cannot read plan file " + path);
  std::stringstream text;
  text << f.rdbuf();
  auto json = parseJson(text.str());
  if (!json.ok()) return Error(ErrorCode::kInvalidInput, path + ": " + json.error().message);
  return json;
}

bool confirm(std::ostream& out) {
  out << "\nDo you want to apply this plan? Only 'yes' will be accepted: " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "yes";
}

void printResult(const Action& a, const ActionResult& r, std::ostream& out) {
  const std::string who = a.kind == ActionKind::kGroupMembers
                              ? "\"" + a.group_name + "\""
                              : a.external_id + " (" + a.user_name + ")";
  out << "  " << actionKindName(a.kind) << " " << who << ": " << actionOutcomeName(r.outcome);
  if (!r.message.empty()) out << " — " << r.message;
  out << "\n";
}

// An HR source that could not be read whole: the rest was applied, nothing destructive for the
// users it governs; the run still failed at its input (exit 1), so a timer or pipeline shows it.
int incompleteSourceExit(const CycleReport& report, std::ostream& err) {
  const std::string incomplete = report.incompleteSource();
  if (incomplete.empty()) return kExitOk;
  err << "error: " << incomplete << "\n";
  return kExitError;
}

}  // namespace

int runApply(const Args& args, std::ostream& out, std::ostream& err) {
  const auto format_option = formatOption(args, {"text", "json"}, err);
  if (!format_option) return kExitUsage;
  const std::string format = *format_option;
  if (args.positional.size() > 1) {
    err << "error: apply takes at most one plan file\n";
    return kExitUsage;
  }
  if (args.has("hold-destructive") && args.has("allow-destructive")) {
    err << "error: --hold-destructive and --allow-destructive contradict each other\n";
    return kExitUsage;
  }
  const bool saved = !args.positional.empty();
  const bool quiet = args.has("quiet");
  const bool text = format == "text";
  CycleOptions options;
  options.kind = RunKind::kApply;
  options.dry_run = args.has("dry-run");
  options.hold_destructive = args.has("hold-destructive");
  options.allow_destructive = args.has("allow-destructive");
  if (saved) {
    auto plan = readPlanFile(args.positional[0]);
    if (!plan.ok()) return printError(plan.error(), err);
    options.saved_plan = std::move(plan.value());
    options.saved_plan_path = args.positional[0];
  }
  std::unique_ptr<Agent> agent;
  if (int code = openAgent(args, err, agent); code != kExitOk) return code;
  logInfo("run started", {{"command", "apply"}, {"config", args.configPath()}});

  options.on_plan = [&](const CycleReport& r) {
    logPlan("apply", r.run_id, r.plan, r.guardrail);
    if (text && !(saved && quiet)) out << renderPlanText(r.plan, colorWanted());
  };
  if (!quiet && text) {
    options.on_result = [&out](const Action& a, const ActionResult& r) { printResult(a, r, out); };
  }
  options.before_apply = [&](const CycleReport& r) {
    if (r.destructive_skipped) {
      err << "blocked: " << r.guardrail.message << "\n"
          << "(apply --hold-destructive holds the suspends and deletes for 'scim-agent approve')\n";
    }
    if (!r.holds.held_actions.empty() && text) {
      out << "\nHeld for approval, not applied now: " << r.holds.held_actions.size()
          << (r.holds.held_actions.size() == 1 ? " suspend or delete" : " suspends and deletes")
          << ".\n";
    }
    if (!saved && !args.has("auto-approve")) {
      if (!stdinIsTty()) {
        err << "error: refusing to apply without confirmation: stdin is not a terminal; "
               "use --auto-approve or apply a saved plan\n";
        return false;
      }
      if (!confirm(out)) {
        out << "Apply cancelled.\n";
        return false;
      }
    }
    const size_t applying = r.holds.now.actions.size();
    if (!quiet && text) out << "\nApplying " << applying << " actions:\n";
    logInfo("applying", {{"run", r.run_id}, {"actions", applying},
                         {"held", r.holds.held_actions.size()}});
    return true;
  };

  const CycleReport report = agent->reconciler().cycle(options);
  if (report.error && report.run_id == 0) return printCycleError(report, err);
  if (report.error) {
    printError(*report.error, err);
    printSourceReport(report.sources, err, 10, /*problems_only=*/true);
    printWarnings(report.warnings, err);
    return kExitError;
  }
  if (report.outcome == RunOutcome::kCancelled) return kExitError;
  if (report.outcome == RunOutcome::kDryRun) {
    if (format == "json") out << renderPlanJson(report.plan);
    if (text) out << "Dry run: nothing was written to Genesys Cloud.\n";
    logInfo("run finished", {{"command", "apply"}, {"run", report.run_id}, {"outcome", "dry-run"}});
    return kExitOk;
  }
  printSourceReport(report.sources, err, 10, /*problems_only=*/true);
  printWarnings(report.warnings, err);
  const ApplyReport& results = report.report;
  logInfo("run finished", {{"command", "apply"},
                           {"run", report.run_id},
                           {"outcome", runOutcomeName(report.outcome)},
                           {"done", results.count(ActionOutcome::kDone)},
                           {"stale", results.count(ActionOutcome::kStale)},
                           {"failed", results.count(ActionOutcome::kFailed)},
                           {"skipped", results.count(ActionOutcome::kSkipped)}});
  if (!report.plan.hasChanges()) {
    if (text && !quiet) out << renderHeld(report.holds, args.configPath());
    if (format == "json") out << "{\"counts\":{},\"actions\":[]}\n";
    // Blocked with nothing planned: what the guardrail kept out of the plan (a leavers manifest
    // beyond maxDestructive) was never planned, so the plan is empty but the run is not fine.
    if (report.destructive_skipped) {
      err << "blocked: " << report.guardrail.message << "\n";
      return kExitBlocked;
    }
    return incompleteSourceExit(report, err);
  }
  if (format == "json") {
    out << report.summary.pretty() << "\n";
  } else {
    out << "\nApply complete: " << results.count(ActionOutcome::kDone) << " done, "
        << results.count(ActionOutcome::kStale) << " stale, "
        << results.count(ActionOutcome::kFailed) << " failed, "
        << results.count(ActionOutcome::kSkipped) << " skipped.\n";
    if (results.count(ActionOutcome::kStale) > 0) {
      out << "Stale actions were not forced: those users changed in Genesys after the plan was "
             "made. Run plan again.\n";
    }
    out << renderHeld(report.holds, args.configPath());
  }
  if (report.failedCount() > 0) return kExitError;
  return report.destructive_skipped ? kExitBlocked : incompleteSourceExit(report, err);
}

void addApplyOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  addPlanningOptions(set, "text or json");
  set.addOption(Option("auto-approve", "y", "apply without asking for confirmation"));
  set.addOption(Option("hold-destructive", "", kHoldDestructiveHelp));
}

}  // namespace scim_agent
