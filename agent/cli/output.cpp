#include "agent/cli/output.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ostream>

#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/wiring.h"
#include "agent/log/log.h"
#include "agent/report/plan_render.h"

namespace scim_agent {

void printDiagnostics(const Diagnostics& diags, std::ostream& err, size_t limit) {
  const auto sorted = diags.sorted();
  for (size_t i = 0; i < sorted.size() && i < limit; ++i) err << sorted[i].toString() << "\n";
  if (sorted.size() > limit) {
    err << "… and " << sorted.size() - limit << " more (" << sorted.size() << " in all)\n";
  }
}

int printError(const Error& e, std::ostream& err) {
  err << "error: " << e.message << "\n";
  return e.code == ErrorCode::kBusy ? kExitBusy : kExitError;
}

void printWarnings(const std::vector<std::string>& warnings, std::ostream& err) {
  for (const std::string& w : warnings) {
    err << "warning: " << w << "\n";
    logWarn(w);
  }
}

int openAgent(const Args& args, std::ostream& err, std::unique_ptr<Agent>& agent,
              std::function<void(int)> http_observer, SourceCache* source_cache) {
  Diagnostics diags;
  agent = Agent::load(args.configPath(), args.get("desired"), diags);
  if (!agent) {
    printDiagnostics(diags, err);
    return kExitError;
  }
  if (source_cache) agent->useSourceCache(*source_cache);
  Status opened = agent->open(args.has("init-state"), std::move(http_observer));
  if (!opened.ok()) return printError(opened.error(), err);
  return kExitOk;
}

void printSourceReport(const std::vector<SourceOutcome>& sources, std::ostream& out,
                       size_t limit, bool problems_only) {
  for (const SourceOutcome& s : sources) {
    if (problems_only && s.whole && s.rejects.empty()) continue;
    out << "source " << s.name << " (" << s.role << "): " << s.records << " records, " << s.mapped
        << " mapped, " << s.rejects.size() << " rejected";
    if (s.unchanged) out << " (unchanged since the last read: not parsed again)";
    out << "\n";
    if (!s.whole) out << "  not read whole: " << s.problem << "\n";
    if (s.over_reject_limit) out << "  " << s.reject_limit << "\n";
    const size_t shown = std::min(limit, s.rejects.size());
    for (size_t i = 0; i < shown; ++i) {
      const SourceReject& r = s.rejects[i];
      out << "  " << r.where.toString() << ": rejected";
      if (!r.external_id.empty()) out << " (" << r.external_id << ")";
      out << ": " << r.message << "\n";
    }
    if (s.rejects.size() > shown) {
      out << "  … and " << (s.rejects.size() - shown) << " more rejected records\n";
    }
  }
}

int printCycleError(const CycleReport& report, std::ostream& err) {
  if (!report.diagnostics.empty()) {
    printDiagnostics(report.diagnostics, err);
    return kExitError;
  }
  if (report.rejects_over_limit) {
    printSourceReport(report.sources, err);
    err << "error: " << report.error->message << "\n";
    return kExitBlocked;
  }
  return printError(*report.error, err);
}

std::string renderPlan(const Plan& plan, const std::string& format) {
  if (format == "json") return renderPlanJson(plan);
  if (format == "markdown") return renderPlanMarkdown(plan);
  return renderPlanText(plan, colorWanted());
}

void logPlan(const char* command, int64_t run_id, const Plan& plan,
             const GuardrailVerdict& guardrail) {
  LogFields fields{{"command", command}, {"run", run_id}, {"actions", plan.actions.size()}};
  for (ActionKind k : {ActionKind::kCreate, ActionKind::kUpdate, ActionKind::kReactivate,
                       ActionKind::kRestore, ActionKind::kSuspend, ActionKind::kDelete,
                       ActionKind::kGroupMembers}) {
    if (plan.count(k) > 0) fields.push_back({actionKindName(k), plan.count(k)});
  }
  fields.push_back({"blocked", guardrail.blocked});
  if (guardrail.blocked) fields.push_back({"reason", guardrail.message});
  logInfo("plan made", fields);
}

std::optional<std::string> formatOption(const Args& args,
                                        std::initializer_list<std::string_view> allowed,
                                        std::ostream& err) {
  const std::string format = args.get("format", "text");
  std::string names;
  size_t i = 0;
  for (std::string_view name : allowed) {
    if (name == format) return format;
    names += std::string(i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + std::string(name);
    ++i;
  }
  err << "error: --format must be " << names << " for " << args.command << ", not \"" << format
      << "\"\n";
  return std::nullopt;
}

bool stdinIsTty() { return ::isatty(STDIN_FILENO) == 1; }

bool colorWanted() { return ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr; }

}  // namespace scim_agent
