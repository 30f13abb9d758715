#pragma once

// What several commands print the same way.

#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/base/result.h"
#include "agent/model/plan.h"
#include "agent/model/source_outcome.h"
#include "agent/plan/guardrail.h"

namespace scim_agent {

// Every diagnostic as file:line:column: message, sorted; at most `limit` lines, then a count of
// the rest.
void printDiagnostics(const Diagnostics& diags, std::ostream& err, size_t limit = 200);
// "error: MESSAGE"; returns the exit code for it (kExitBusy for kBusy, else kExitError).
int printError(const Error& e, std::ostream& err);
// What housekeeping could not do: "warning: …" on stderr and a warn log line each.
void printWarnings(const std::vector<std::string>& warnings, std::ostream& err);
// Per HR source (SPEC §6): records read, mapped and rejected, whether it was read whole, and
// its first `limit` rejects as "hr.csv:1042: rejected: …".
// `problems_only`: only sources with rejects or not read whole (a run's warnings).
void printSourceReport(const std::vector<SourceOutcome>& sources, std::ostream& out,
                       size_t limit = 20, bool problems_only = false);

struct Args;
class Agent;
class SourceCache;
struct CycleReport;

// Loads agent.yaml (--config, --desired) and opens the state DB and the edges into `agent`.
// Prints what went wrong and returns its exit code; kExitOk when `agent` is ready.
// `source_cache`: HR sources read by earlier cycles of this process (run --loop), so an
// unchanged source is not parsed again; null: the Reconciler's own.
int openAgent(const Args& args, std::ostream& err, std::unique_ptr<Agent>& agent,
              std::function<void(int)> http_observer = nullptr,
              SourceCache* source_cache = nullptr);
// A cycle that stopped on an error: the desired state's diagnostics, or "error: …". Returns the
// exit code (kExitBusy when another process holds the state lock).
int printCycleError(const CycleReport& report, std::ostream& err);

// The plan as text (colours on a terminal), json or markdown.
std::string renderPlan(const Plan& plan, const std::string& format);
// One info line summing up a plan: action counts by kind, and the guardrail's verdict.
void logPlan(const char* command, int64_t run_id, const Plan& plan,
             const GuardrailVerdict& guardrail);

// --format's value (default "text") when it is one of `allowed`; else says so on `err`.
std::optional<std::string> formatOption(const Args& args,
                                        std::initializer_list<std::string_view> allowed,
                                        std::ostream& err);

bool stdinIsTty();
// ANSI colours on stdout: a terminal, and NO_COLOR unset.
bool colorWanted();

}  // namespace scim_agent
