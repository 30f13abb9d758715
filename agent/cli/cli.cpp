#include "agent/cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>
#include <Poco/Util/OptionSet.h>

#include "agent/apply/applier.h"
#include "agent/cli/adopt_command.h"
#include "agent/cli/approve_command.h"
#include "agent/cli/clock.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/files.h"
#include "agent/cli/run_command.h"
#include "agent/cli/session.h"
#include "agent/cli/terminations_command.h"
#include "agent/cli/serve_command.h"
#include "agent/codec/json_parse.h"
#include "agent/log/log.h"
#include "agent/plan/plan_json.h"
#include "agent/plan/planner.h"
#include "agent/plan/render.h"

namespace scim_agent {

namespace {

constexpr const char* kDefaultConfig = "/etc/scim-agent/agent.yaml";
constexpr const char* kVersion = "0.1.0";

// Parsed command line of one command.
struct Args {
  std::string command;
  std::map<std::string, std::string> options;  // long name → value ("" for flags)
  std::map<std::string, std::vector<std::string>> repeated;  // every value of each option
  std::vector<std::string> positional;

  bool has(const std::string& name) const { return options.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
};

struct CommandSpec {
  const char* name;
  const char* usage;
  const char* summary;
};

constexpr CommandSpec kCommands[] = {
    {"validate", "validate [--config FILE] [--desired PATH]",
     "Check the desired state and report every error as file:line:column: message."},
    {"plan", "plan [--config FILE] [--desired PATH] [--format text|json|markdown] [--out FILE] "
             "[--detailed-exitcode]",
     "Read the live users, compare them with the desired state and show what apply would do."},
    {"apply", "apply [PLAN.json] [--config FILE] [--desired PATH] [--auto-approve] [--dry-run] "
              "[--allow-destructive | --hold-destructive] [--format text|json]",
     "Apply a saved plan exactly, or make a plan, show it, ask, and apply it."},
    {"approve", "approve [--config FILE] [--externalId ID]... [--all] [--format text|json]",
     "Apply suspends and deletes that apply --hold-destructive held, after checking each again."},
    {"adopt", "adopt --report [--config FILE] [--desired PATH] [--format text|json|markdown] "
              "[--out FILE]",
     "First run against an org: report matched, ambiguous, unmanaged and to-be-destroyed users."},
    {"serve", "serve [--config FILE] [--desired PATH] [--listen HOST:PORT] [--interval 15m] "
              "[--port-file FILE]",
     "Take HR events on POST /v1/events (signed), act on each at once; also /healthz, /metrics "
     "and the full cycle every --interval."},
    {"run", "run [--config FILE] [--desired PATH] [--loop --interval 15m] "
            "[--metrics-textfile DIR] [--allow-destructive]",
     "One unattended cycle for the timer: plan, guardrails, apply, record, metrics "
     "(exit 0 ok, 1 error, 3 blocked, 4 busy)."},
    {"terminations", "terminations [--config FILE] [--clear EXTERNALID] [--format text|json]",
     "List the HR terminations that hold over the desired state; --clear one (audited)."},
    {"history", "history [--config FILE] [--limit N] [--format text|json]",
     "List past runs and what each did."},
    {"version", "version", "Print the version."},
};

// Every command's options. Declared with POCO's OptionSet so help and parsing come from one list.
Poco::Util::OptionSet optionsFor(const std::string& command) {
  using Poco::Util::Option;
  Poco::Util::OptionSet set;
  set.addOption(Option("help", "h", "show this help"));
  if (command == "version") return set;
  set.addOption(Option("config", "c", "agent.yaml to use (default /etc/scim-agent/agent.yaml)")
                    .argument("FILE"));
  set.addOption(Option("quiet", "q", "print only errors and the result"));
  set.addOption(Option("verbose", "v",
                       "also log info and debug lines (each API request: method, route, status, "
                       "duration) to stderr"));
  if (command == "terminations") {
    set.addOption(Option("clear", "", "forget the termination of this externalId (audited as "
                                      "$USER)")
                      .argument("EXTERNALID"));
    set.addOption(Option("format", "f", "text or json").argument("FORMAT"));
    return set;
  }
  if (command == "history") {
    set.addOption(Option("limit", "n", "how many runs to list (default 20)").argument("N"));
    set.addOption(Option("format", "f", "text or json").argument("FORMAT"));
    return set;
  }
  set.addOption(Option("desired", "d", "desired state file or directory (overrides desired:)")
                    .argument("PATH"));
  if (command == "plan" || command == "apply") {
    set.addOption(Option("format", "f", "output format: text, json or markdown").argument("FORMAT"));
    set.addOption(Option("dry-run", "", "plan and print; write nothing remote"));
    set.addOption(Option("allow-destructive", "",
                         "apply suspends and deletes even beyond policy.maxDestructive"));
  }
  if (command == "plan") {
    set.addOption(Option("out", "o", "save the plan document (JSON) to FILE").argument("FILE"));
    set.addOption(Option("detailed-exitcode", "",
                         "exit 0 with no changes, 2 with changes, 3 when a guardrail blocks, 1 on "
                         "error"));
  }
  if (command == "apply") {
    set.addOption(Option("auto-approve", "y", "apply without asking for confirmation"));
    set.addOption(Option("hold-destructive", "", kHoldDestructiveHelp));
  }
  if (command == "approve") {
    set.addOption(Option("externalId", "e",
                         "approve the held action of this user (repeatable, or comma-separated)")
                      .argument("ID")
                      .repeatable(true));
    set.addOption(Option("all", "a", kApproveAllHelp));
    set.addOption(Option("format", "f", "text or json").argument("FORMAT"));
  }
  if (command == "serve") {
    set.addOption(Option("listen", "l", "host:port to listen on (overrides serve.listen)")
                      .argument("HOST:PORT"));
    set.addOption(Option("interval", "i", "full cycle every 15m (default), 30s, 1h; 0: none")
                      .argument("DURATION"));
    set.addOption(Option("port-file", "", "write the bound port to FILE").argument("FILE"));
    set.addOption(Option("hold-events", "", "test only: journal events, do not act on them"));
  }
  if (command == "run") {
    set.addOption(Option("allow-destructive", "",
                         "apply suspends and deletes even beyond policy.maxDestructive"));
    set.addOption(Option("loop", "", "repeat every --interval until SIGTERM or SIGINT"));
    set.addOption(Option("interval", "i", "with --loop: 15m (default), 90s, 1h").argument("DURATION"));
    set.addOption(Option("metrics-textfile", "", kMetricsTextfileHelp).argument("DIR"));
  }
  if (command == "adopt") {
    set.addOption(Option("report", "", kAdoptReportHelp));
    set.addOption(Option("format", "f", "output format: text, json or markdown").argument("FORMAT"));
    set.addOption(Option("out", "o", "write the report to FILE instead of stdout").argument("FILE"));
  }
  return set;
}

void printUsage(std::ostream& out) {
  out << "usage: scim-agent COMMAND [--config FILE] [options]\n\n"
         "Keeps the users of a Genesys Cloud organization equal to a desired state.\n\n"
         "Commands:\n";
  size_t width = 0;  // the longest command name, so the summaries line up
  for (const auto& c : kCommands) width = std::max(width, std::string(c.name).size());
  for (const auto& c : kCommands) {
    out << "  " << c.name << std::string(width + 2 - std::string(c.name).size(), ' ') << c.summary
        << "\n";
  }
  out << "\nRun 'scim-agent COMMAND --help' for a command's options.\n";
}

void printCommandHelp(const CommandSpec& spec, std::ostream& out) {
  const Poco::Util::OptionSet options = optionsFor(spec.name);  // the formatter keeps a reference
  Poco::Util::HelpFormatter formatter(options);
  formatter.setUnixStyle(true);
  formatter.setCommand("scim-agent");
  out << "usage: scim-agent " << spec.usage << "\n\n" << spec.summary << "\n\n";
  formatter.setUsage("");
  formatter.setHeader("");
  std::ostringstream opts;
  formatter.format(opts);
  // HelpFormatter prints its own usage line first; keep only the option table.
  std::string text = opts.str();
  auto pos = text.find('\n');
  out << "options:\n" << (pos == std::string::npos ? text : text.substr(pos + 1));
}

const CommandSpec* findCommand(const std::string& name) {
  for (const auto& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// Parses argv after the command word. Throws Poco::Util::OptionException on bad options.
Args parseArgs(const std::string& command, const std::vector<std::string>& argv) {
  Args args;
  args.command = command;
  Poco::Util::OptionSet set = optionsFor(command);
  Poco::Util::OptionProcessor processor(set);
  processor.setUnixStyle(true);
  bool only_positional = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (only_positional) {
      args.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::string name;
    std::string value;
    if (processor.process(arg, name, value)) {
      if (!name.empty()) {
        args.options[name] = value;
        args.repeated[name].push_back(value);
      }
    } else {
      if (!arg.empty() && arg[0] == '-' && arg != "-") {
        throw Poco::Util::UnknownOptionException(arg);
      }
      args.positional.push_back(arg);
    }
  }
  processor.checkRequired();
  return args;
}

std::string nowIso() { return cliNowIso(); }

bool stdinIsTty() { return ::isatty(STDIN_FILENO) == 1; }
bool stdoutIsTty() { return ::isatty(STDOUT_FILENO) == 1; }
bool colorWanted() { return stdoutIsTty() && std::getenv("NO_COLOR") == nullptr; }

void printDiagnostics(const Diagnostics& diags, std::ostream& err) {
  for (const auto& d : diags.sorted()) err << d.toString() << "\n";
}

std::string configPath(const Args& args) {
  if (args.has("config")) return args.get("config");
  if (const char* env = std::getenv("SCIM_AGENT_CONFIG")) return env;
  return kDefaultConfig;
}

// The interactive commands log to stderr, so stdout stays the plan or report document. On a
// terminal their own report is the readable output, so log lines show only with --verbose (and
// errors); elsewhere (CI, cron, a pipe) info lines go out as JSON. run and serve switch to
// stdout (useServiceLog). Progress bars: stderr, terminal only, never with --quiet.
LogConfig interactiveLogConfig(bool quiet, bool verbose) {
  LogConfig config;
  config.target = LogTarget::kStderr;
  config.level = logLevelFor(quiet, verbose,
                             ::isatty(STDERR_FILENO) == 1 ? LogLevel::kError : LogLevel::kInfo);
  config.progress = !quiet;
  return config;
}

int exitFor(const Error& e) { return e.code == ErrorCode::kBusy ? kExitBusy : kExitError; }

// ---- validate -------------------------------------------------------------------------------

int cmdValidate(const Args& args, std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  auto session = Session::load(configPath(args), args.get("desired"), diags);
  if (!diags.empty() || !session) {
    printDiagnostics(diags, err);
    err << diags.size() << (diags.size() == 1 ? " error" : " errors") << " found.\n";
    return kExitError;
  }
  if (!args.has("quiet")) {
    out << "The desired state is valid: " << session->desired().users.size() << " users from "
        << session->desiredPath() << " (digest " << session->desired().digest.substr(0, 12)
        << ").\n";
  }
  return kExitOk;
}

// ---- plan ---------------------------------------------------------------------------------

// The run record's summary of a plan: action counts by kind.
Json planSummary(const Plan& plan) {
  Json counts = Json::object();
  for (ActionKind k : {ActionKind::kCreate, ActionKind::kUpdate, ActionKind::kReactivate,
                       ActionKind::kSuspend, ActionKind::kDelete, ActionKind::kGroupMembers}) {
    if (plan.count(k) > 0) counts[actionKindName(k)] = plan.count(k);
  }
  Json summary = Json::object();
  summary["plan"] = counts;
  return summary;
}

std::string render(const Plan& plan, const std::string& format) {
  if (format == "json") return renderPlanJson(plan);
  if (format == "markdown") return renderPlanMarkdown(plan);
  return renderPlanText(plan, colorWanted());
}

bool validFormat(const std::string& f, bool markdown_ok) {
  return f == "text" || f == "json" || (markdown_ok && f == "markdown");
}

// One info line summing up a plan: action counts by kind, and the guardrail's verdict.
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

int cmdPlan(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string format = args.get("format", "text");
  if (!validFormat(format, true)) {
    err << "error: --format must be text, json or markdown, not \"" << format << "\"\n";
    return kExitUsage;
  }
  Diagnostics diags;
  auto session = Session::load(configPath(args), args.get("desired"), diags);
  if (!session) {
    printDiagnostics(diags, err);
    return kExitError;
  }
  logInfo("run started", {{"command", "plan"}, {"config", configPath(args)}});
  auto planned = session->plan("plan", nowIso());
  if (!planned.ok()) {
    err << "error: " << planned.error().message << "\n";
    return exitFor(planned.error());
  }
  const Plan& plan = planned->plan;
  logPlan("plan", planned->run_id, plan, planned->guardrail);
  out << render(plan, format);
  if (args.has("out")) {
    Status saved = writeFileAtomically(args.get("out"), renderPlanJson(plan));
    if (!saved.ok()) {
      err << "error: " << saved.error().message << "\n";
      return kExitError;
    }
    if (format == "text" && !args.has("quiet")) out << "Saved the plan to " << args.get("out") << ".\n";
  }
  if (planned->guardrail.blocked) err << "blocked: " << planned->guardrail.message << "\n";
  const std::string plan_outcome = planned->guardrail.blocked ? "blocked"
                                   : plan.hasChanges()         ? "changes"
                                                               : "ok";
  session->finishRun(planned->run_id, plan_outcome, planSummary(plan), nowIso());
  for (const std::string& w : session->warnings()) logWarn(w);
  logInfo("run finished", {{"command", "plan"}, {"run", planned->run_id}, {"outcome", plan_outcome}});
  if (!args.has("detailed-exitcode")) return kExitOk;
  if (planned->guardrail.blocked) return kExitBlocked;
  return plan.hasChanges() ? kExitChanges : kExitOk;
}

// ---- apply ----------------------------------------------------------------------------------

bool confirm(std::ostream& out) {
  out << "\nDo you want to apply this plan? Only 'yes' will be accepted: " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "yes";
}

// What the run's housekeeping could not do (token revocations, notifications): on stderr, so a
// person or a journal sees it even when the run's own work succeeded.
void printWarnings(const Session& session, std::ostream& err) {
  for (const std::string& w : session.warnings()) {
    err << "warning: " << w << "\n";
    logWarn(w);
  }
}

void printResult(const Action& a, const ActionResult& r, std::ostream& out) {
  const std::string who = a.kind == ActionKind::kGroupMembers
                              ? "\"" + a.group_name + "\""
                              : a.external_id + " (" + a.user_name + ")";
  out << "  " << actionKindName(a.kind) << " " << who << ": " << actionOutcomeName(r.outcome);
  if (!r.message.empty()) out << " — " << r.message;
  out << "\n";
}

int cmdApply(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string format = args.get("format", "text");
  if (!validFormat(format, false)) {
    err << "error: --format must be text or json for apply, not \"" << format << "\"\n";
    return kExitUsage;
  }
  if (args.positional.size() > 1) {
    err << "error: apply takes at most one plan file\n";
    return kExitUsage;
  }
  if (args.has("hold-destructive") && args.has("allow-destructive")) {
    err << "error: --hold-destructive and --allow-destructive contradict each other\n";
    return kExitUsage;
  }
  Diagnostics diags;
  auto session = Session::load(configPath(args), args.get("desired"), diags);
  if (!session) {
    printDiagnostics(diags, err);
    return kExitError;
  }
  const bool quiet = args.has("quiet");
  logInfo("run started", {{"command", "apply"}, {"config", configPath(args)}});
  Plan plan;
  int64_t run_id = 0;
  GuardrailVerdict guardrail;
  if (!args.positional.empty()) {
    // A saved plan: applied exactly, and only against the desired inputs it was made from.
    const std::string& path = args.positional[0];
    auto loaded = Session::readPlanFile(path);
    if (!loaded.ok()) {
      err << "error: " << loaded.error().message << "\n";
      return kExitError;
    }
    plan = std::move(loaded.value());
    if (plan.desired_digest != session->desired().digest) {
      err << "error: " << path << " was made from other desired inputs (digest "
          << plan.desired_digest.substr(0, 12) << ", now " << session->desired().digest.substr(0, 12)
          << "); run plan again\n";
      return kExitError;
    }
    auto run = session->beginRun("apply", nowIso());
    if (!run.ok()) {
      err << "error: " << run.error().message << "\n";
      return exitFor(run.error());
    }
    run_id = *run;
    guardrail = session->guardrail(plan);
    logPlan("apply", run_id, plan, guardrail);
    if (!quiet && format == "text") out << renderPlanText(plan, colorWanted());
  } else {
    auto planned = session->plan("apply", nowIso());
    if (!planned.ok()) {
      err << "error: " << planned.error().message << "\n";
      return exitFor(planned.error());
    }
    plan = planned->plan;
    run_id = planned->run_id;
    guardrail = planned->guardrail;
    logPlan("apply", run_id, plan, guardrail);
    if (format == "text") out << renderPlanText(plan, colorWanted());
  }
  if (args.has("dry-run")) {
    if (format == "json") out << renderPlanJson(plan);
    out << (format == "text" ? "Dry run: nothing was written to Genesys Cloud.\n" : "");
    session->finishRun(run_id, "dry-run", planSummary(plan), nowIso());
    logInfo("run finished", {{"command", "apply"}, {"run", run_id}, {"outcome", "dry-run"}});
    return kExitOk;
  }
  // Split-risk apply (approve_command.h): the suspends and deletes held for `approve`, and what
  // is applied now.
  const bool allow_destructive = args.has("allow-destructive");
  auto split = splitHeld(session->store(), plan, args.has("hold-destructive"), allow_destructive,
                         /*fresh_plan=*/args.positional.empty(),
                         guardrail.blocked ? guardrail.message : "");
  if (!split.ok()) {
    err << "error: " << split.error().message << "\n";
    session->finishRun(run_id, "failed", Json::object(), nowIso());
    return kExitError;
  }
  if (!plan.hasChanges()) {
    Status discarded = storeHolds(*session, run_id, *split, nowIso());
    if (!discarded.ok()) err << "error: " << discarded.error().message << "\n";
    if (format == "text" && !quiet) out << renderHeld(*split, configPath(args));
    session->finishRun(run_id, "ok", Json::object(), nowIso());
    printWarnings(*session, err);
    logInfo("run finished", {{"command", "apply"}, {"run", run_id}, {"outcome", "ok"}, {"done", 0}});
    if (format == "json") out << "{\"counts\":{},\"actions\":[]}\n";
    return kExitOk;
  }
  const bool holding = !split->held_actions.empty();
  if (holding) guardrail = session->guardrail(split->now);  // what is left to apply now
  const bool hold_destructive = guardrail.blocked && !allow_destructive;
  if (hold_destructive) {
    err << "blocked: " << guardrail.message << "\n"
        << "(apply --hold-destructive holds the suspends and deletes for 'scim-agent approve')\n";
  }
  if (holding && format == "text") {
    out << "\nHeld for approval, not applied now: " << split->held_actions.size()
        << (split->held_actions.size() == 1 ? " suspend or delete" : " suspends and deletes")
        << ".\n";
  }
  if (args.positional.empty() && !args.has("auto-approve")) {
    if (!stdinIsTty()) {
      err << "error: refusing to apply without confirmation: stdin is not a terminal; "
             "use --auto-approve or apply a saved plan\n";
      session->finishRun(run_id, "cancelled", Json::object(), nowIso());
      return kExitError;
    }
    if (!confirm(out)) {
      out << "Apply cancelled.\n";
      session->finishRun(run_id, "cancelled", Json::object(), nowIso());
      return kExitError;
    }
  }
  // Stored before anything is applied: a held action is never lost, whatever happens next.
  Status held = storeHolds(*session, run_id, *split, nowIso());
  if (!held.ok()) {
    err << "error: storing the held actions failed, so nothing was applied: "
        << held.error().message << "\n";
    session->finishRun(run_id, "failed", Json::object(), nowIso());
    return kExitError;
  }
  const Plan& now = split->now;
  ApplyOptions options;
  options.skip_destructive = hold_destructive;
  if (!quiet && format == "text") {
    out << "\nApplying " << now.actions.size() << " actions:\n";
    options.on_result = [&out](const Action& a, const ActionResult& r) { printResult(a, r, out); };
  }
  logInfo("applying", {{"run", run_id}, {"actions", now.actions.size()},
                       {"held", split->held_actions.size()}});
  ApplyReport report =
      session->apply(run_id, now, options, /*replan_conflicts=*/args.positional.empty());
  resolveAllowed(*session, run_id, *split, report, nowIso());
  Json summary = report.toJson(now);
  if (holding) summary["held"] = heldJson(*split);
  const std::string outcome = report.allDone() ? "ok" : hold_destructive ? "blocked" : "failed";
  session->finishRun(run_id, outcome, summary, nowIso());
  printWarnings(*session, err);
  logInfo("run finished", {{"command", "apply"},
                           {"run", run_id},
                           {"outcome", outcome},
                           {"done", report.count(ActionOutcome::kDone)},
                           {"stale", report.count(ActionOutcome::kStale)},
                           {"failed", report.count(ActionOutcome::kFailed)},
                           {"skipped", report.count(ActionOutcome::kSkipped)}});
  if (format == "json") {
    out << summary.pretty() << "\n";
  } else {
    out << "\nApply complete: " << report.count(ActionOutcome::kDone) << " done, "
        << report.count(ActionOutcome::kStale) << " stale, " << report.count(ActionOutcome::kFailed)
        << " failed, " << report.count(ActionOutcome::kSkipped) << " skipped.\n";
    if (report.count(ActionOutcome::kStale) > 0) {
      out << "Stale actions were not forced: those users changed in Genesys after the plan was "
             "made. Run plan again.\n";
    }
    out << renderHeld(*split, configPath(args));
  }
  if (report.count(ActionOutcome::kFailed) > 0 || report.count(ActionOutcome::kStale) > 0) {
    return kExitError;
  }
  return hold_destructive ? kExitBlocked : kExitOk;
}

// ---- history --------------------------------------------------------------------------------

int cmdHistory(const Args& args, std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  auto config = Session::loadConfigOnly(configPath(args), diags);
  if (!config) {
    printDiagnostics(diags, err);
    return kExitError;
  }
  int limit = 20;
  try {
    limit = std::stoi(args.get("limit", "20"));
  } catch (const std::exception&) {
    err << "error: --limit must be a number\n";
    return kExitUsage;
  }
  auto runs = Session::history(*config, limit);
  if (!runs.ok()) {
    err << "error: " << runs.error().message << "\n";
    return kExitError;
  }
  if (args.get("format", "text") == "json") {
    out << runs->pretty() << "\n";
    return kExitOk;
  }
  if (runs->asArray().empty()) {
    out << "No runs yet.\n";
    return kExitOk;
  }
  out << "RUN   KIND      OUTCOME    STARTED                        SUMMARY\n";
  for (const auto& r : runs->asArray()) {
    std::string id = std::to_string(static_cast<long long>(r.getNumber("id")));
    std::string kind = r.getString("kind");
    std::string outcome = r.getString("outcome");
    out << id << std::string(id.size() < 6 ? 6 - id.size() : 1, ' ') << kind
        << std::string(kind.size() < 10 ? 10 - kind.size() : 1, ' ') << outcome
        << std::string(outcome.size() < 11 ? 11 - outcome.size() : 1, ' ')
        << r.getString("startedAt") << std::string(31 - std::min<size_t>(30, r.getString("startedAt").size()), ' ')
        << r.getString("summary") << "\n";
  }
  return kExitOk;
}

}  // namespace

int runCli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty() || argv[0] == "help" || argv[0] == "--help" || argv[0] == "-h") {
    if (argv.size() > 1) {
      if (const CommandSpec* spec = findCommand(argv[1])) {
        printCommandHelp(*spec, out);
        return kExitOk;
      }
    }
    printUsage(argv.empty() ? err : out);
    return argv.empty() ? kExitUsage : kExitOk;
  }
  if (argv[0] == "--version") {
    out << "scim-agent " << kVersion << "\n";
    return kExitOk;
  }
  const CommandSpec* spec = findCommand(argv[0]);
  if (!spec) {
    err << "scim-agent: unknown command \"" << argv[0] << "\"\n\n";
    printUsage(err);
    return kExitUsage;
  }
  Args args;
  try {
    args = parseArgs(spec->name, argv);
  } catch (const Poco::Util::OptionException& e) {
    err << "scim-agent " << spec->name << ": " << e.displayText() << "\n"
        << "usage: scim-agent " << spec->usage << "\n";
    return kExitUsage;
  }
  if (args.has("help")) {
    printCommandHelp(*spec, out);
    return kExitOk;
  }
  const std::string command = spec->name;
  if (command == "version") {
    out << "scim-agent " << kVersion << "\n";
    return kExitOk;
  }
  configureLog(interactiveLogConfig(args.has("quiet"), args.has("verbose")));
  if (command == "validate") return cmdValidate(args, out, err);
  if (command == "plan") return cmdPlan(args, out, err);
  if (command == "apply") return cmdApply(args, out, err);
  if (command == "history") return cmdHistory(args, out, err);
  if (command == "terminations") {
    return runTerminationsCommand(
        {configPath(args), args.get("clear"), args.get("format", "text")}, out, err);
  }
  if (command == "run") {
    if (args.has("interval") && !args.has("loop")) {
      err << "scim-agent run: --interval needs --loop\n";
      return kExitUsage;
    }
    return runRunCommand({configPath(args), args.get("desired"), args.has("allow-destructive"),
                          args.has("loop"), args.get("interval", "15m"),
                          args.get("metrics-textfile"), args.has("quiet"),
                          args.has("verbose")},
                         out, err);
  }
  if (command == "approve") {
    ApproveCommandArgs approve{configPath(args), args.get("desired"), {}, args.has("all"),
                               args.get("format", "text"), args.has("quiet")};
    for (const std::string& value : args.repeated["externalId"]) {
      std::stringstream ids(value);
      for (std::string id; std::getline(ids, id, ',');) {
        if (!id.empty()) approve.external_ids.push_back(id);
      }
    }
    return runApproveCommand(approve, out, err);
  }
  if (command == "serve") {
    return runServeCommand({configPath(args), args.get("desired"), args.get("listen"),
                            args.get("interval"), args.get("port-file"), args.has("hold-events"),
                            args.has("quiet")},
                           out, err);
  }
  if (command == "adopt") {
    return runAdoptCommand({args.has("report"), configPath(args), args.get("desired"),
                            args.get("format", "text"), args.get("out"), args.has("quiet"),
                            colorWanted()},
                           out, err);
  }
  return kExitUsage;
}

}  // namespace scim_agent
