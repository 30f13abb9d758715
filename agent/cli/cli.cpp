#include "agent/cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string_view>

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>

#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/config/yaml_reader.h"
#include "agent/log/log.h"

namespace scim_agent {

namespace {

constexpr const char* kDefaultConfig = "/etc/scim-agent/agent.yaml";
constexpr const char* kVersion = "0.1.0";

int printVersion(const Args&, std::ostream& out, std::ostream&) {
  out << "scim-agent " << kVersion << "\n";
  return kExitOk;
}

// The table of commands, in the order `--help` lists them.
const Command kCommands[] = {
    {"validate", "validate [--config FILE] [--desired PATH] [--explain EXTERNALID]",
     "Check the desired state and HR sources; report every error as file:line:column: message.",
     kConfigOption | kDesiredOption, addValidateOptions, runValidate},
    {"plan",
     "plan [--config FILE] [--desired PATH] [--format text|json|markdown|html] [--out FILE] "
     "[--detailed-exitcode]",
     "Read the live users, compare them with the desired state and show what apply would do.",
     kConfigOption | kDesiredOption, addPlanOptions, runPlan},
    {"apply",
     "apply [PLAN.json] [--config FILE] [--desired PATH] [--auto-approve] [--dry-run] "
     "[--allow-destructive | --hold-destructive] [--format text|json]",
     "Apply a saved plan exactly, or make a plan, show it, ask, and apply it.",
     kConfigOption | kDesiredOption, addApplyOptions, runApply},
    {"approve", "approve [--config FILE] [--externalId ID]... [--all] [--format text|json]",
     "Apply suspends and deletes that apply --hold-destructive held, after checking each again.",
     kConfigOption | kDesiredOption, addApproveOptions, runApprove},
    {"adopt",
     "adopt --report [--config FILE] [--desired PATH] [--format text|json|markdown] [--out FILE]",
     "First run against an org: report matched, ambiguous, unmanaged and to-be-destroyed users.",
     kConfigOption | kDesiredOption, addAdoptOptions, runAdopt},
    {"serve",
     "serve [--config FILE] [--desired PATH] [--listen HOST:PORT] [--interval 15m] "
     "[--port-file FILE]",
     "Take HR events on POST /v1/events (signed), act on each at once; also /healthz, /metrics "
     "and the full cycle every --interval.",
     kConfigOption | kDesiredOption, addServeOptions, runServe},
    {"run",
     "run [--config FILE] [--desired PATH] [--loop --interval 15m] [--metrics-textfile DIR] "
     "[--report-dir DIR] [--allow-destructive]",
     "One unattended cycle for the timer: plan, guardrails, apply, record, metrics "
     "(exit 0 ok, 1 error, 3 blocked, 4 busy).",
     kConfigOption | kDesiredOption, addRunOptions, runRun},
    {"terminations", "terminations [--config FILE] [--clear EXTERNALID] [--format text|json]",
     "List the HR terminations that hold over the desired state; --clear one (audited).",
     kConfigOption, addTerminationsOptions, runTerminations},
    {"history",
     "history [--config FILE] [--limit N] [--since 7d|ISO-TIME] "
     "[--format text|json|markdown|csv|html] [--out FILE]",
     "List past runs and what each did.", kConfigOption, addHistoryOptions, runHistory},
    {"show", "show RUN [--config FILE] [--format text|json|markdown|csv|html] [--out FILE]",
     "Show what one run did: its plan summary, each action with outcome and why, its "
     "discrepancies and drift.",
     kConfigOption, addShowOptions, runShow},
    {"report",
     "report discrepancy|drift|compliance [--config FILE] [--run N | --since 7d|ISO-TIME] "
     "[--format text|json|markdown|csv|html] [--out FILE] [--sla DURATION] "
     "[--save [--report-dir DIR]] [--notify]",
     "Report from the state DB: discrepancies after writes, drift made outside the agent, or "
     "weekly compliance.",
     kConfigOption, addReportOptions, runReportCommand},
    {"audit", "audit verify|export [--config FILE] [--since 7d|ISO-TIME] [--out FILE]",
     "Check the audit chain (exit 1 naming the first broken row), or export it as JSON lines.",
     kConfigOption, addAuditOptions, runAudit},
    {"version", "version", "Print the version.", kNoCommon, nullptr, printVersion},
};

const Command* findCommand(const std::string& name) {
  for (const Command& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// "; did you mean \"plan\"?" for a misspelt command (`plann`, `aply`) or the start of one
// (`valid`), else "".
std::string commandSuggestion(const std::string& word) {
  std::vector<std::string> names;
  for (const Command& c : kCommands) names.emplace_back(c.name);
  std::string best = closestName(word, names);
  if (best.empty() && word.size() >= 3) {
    for (const std::string& name : names) {
      if (name.compare(0, word.size(), word) != 0) continue;
      if (!best.empty()) return "";  // the start of two commands: no single guess
      best = name;
    }
  }
  return best.empty() ? "" : "; did you mean \"" + best + "\"?";
}

// Every option of `command`: the shared ones it takes, then its own. One list for parsing and
// for help.
Poco::Util::OptionSet optionsFor(const Command& command) {
  using Poco::Util::Option;
  Poco::Util::OptionSet set;
  set.addOption(Option("help", "h", "show this help"));
  if (command.common & kConfigOption) {
    set.addOption(Option("config", "c", "agent.yaml to use (default /etc/scim-agent/agent.yaml)")
                      .argument("FILE"));
    set.addOption(Option("quiet", "q",
                         "print only errors and the result (no notes of what a slow step "
                         "waits for)"));
    set.addOption(Option("verbose", "v",
                         "also log info and debug lines (each API request: method, route, "
                         "status, duration) to stderr"));
  }
  if (command.common & kDesiredOption) {
    set.addOption(Option("desired", "d", "desired state file or directory (overrides desired:)")
                      .argument("PATH"));
    // The commands that open the state DB (validate does not).
    if (std::string_view(command.name) != "validate") {
      set.addOption(Option("init-state", "",
                           "when the state DB is empty or was made for another org, move it "
                           "aside (state.db.TIME.bak) and start a new one"));
    }
  }
  if (command.add_options) command.add_options(set);
  return set;
}

void printUsage(std::ostream& out) {
  out << "usage: scim-agent COMMAND [--config FILE] [options]\n\n"
         "Keeps the users of a Genesys Cloud organization equal to a desired state.\n\n"
         "Commands:\n";
  size_t width = 0;  // the longest command name, so the summaries line up
  for (const Command& c : kCommands) width = std::max(width, std::string(c.name).size());
  for (const Command& c : kCommands) {
    out << "  " << c.name << std::string(width + 2 - std::string(c.name).size(), ' ')
        << c.summary << "\n";
  }
  out << "\nRun 'scim-agent COMMAND --help' for a command's options.\n";
}

void printCommandHelp(const Command& command, std::ostream& out) {
  const Poco::Util::OptionSet options = optionsFor(command);  // the formatter keeps a reference
  Poco::Util::HelpFormatter formatter(options);
  formatter.setUnixStyle(true);
  formatter.setCommand("scim-agent");
  out << "usage: scim-agent " << command.usage << "\n\n" << command.summary << "\n\n";
  formatter.setUsage("");
  formatter.setHeader("");
  std::ostringstream opts;
  formatter.format(opts);
  // HelpFormatter prints its own usage line first; keep only the option table.
  std::string text = opts.str();
  auto pos = text.find('\n');
  out << "options:\n" << (pos == std::string::npos ? text : text.substr(pos + 1));
}

// Parses argv after the command word. Throws Poco::Util::OptionException on bad options.
Args parseArgs(const Command& command, const std::vector<std::string>& argv) {
  Args args;
  args.command = command.name;
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

// The interactive commands log to stderr, so stdout stays the plan or report document. On a
// terminal their own report is the readable output, so log lines show only with --verbose (and
// errors); elsewhere (CI, cron, a pipe) info lines go out as JSON. run and serve switch to
// stdout (useServiceLog). Progress bars: stderr, terminal only, never with --quiet. A wait of
// more than 2 s (a retry's backoff, a host that does not answer) is said in a plain line on
// stderr, terminal or not, unless --quiet (agent/log/waiting.h).
LogConfig interactiveLogConfig(bool quiet, bool verbose) {
  LogConfig config;
  config.target = LogTarget::kStderr;
  config.level = logLevelFor(quiet, verbose,
                             ::isatty(STDERR_FILENO) == 1 ? LogLevel::kError : LogLevel::kInfo);
  config.progress = !quiet;
  config.wait_notes = quiet ? WaitNotes::kOff : WaitNotes::kStderr;
  return config;
}

}  // namespace

std::string Args::configPath() const {
  if (has("config")) return get("config");
  if (const char* env = std::getenv("SCIM_AGENT_CONFIG")) return env;
  return kDefaultConfig;
}

int runCli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty() || argv[0] == "help" || argv[0] == "--help" || argv[0] == "-h") {
    if (argv.size() > 1) {
      if (const Command* command = findCommand(argv[1])) {
        printCommandHelp(*command, out);
        return kExitOk;
      }
    }
    printUsage(argv.empty() ? err : out);
    return argv.empty() ? kExitUsage : kExitOk;
  }
  if (argv[0] == "--version") return printVersion(Args(), out, err);
  const Command* command = findCommand(argv[0]);
  if (!command) {
    err << "scim-agent: unknown command \"" << argv[0] << "\"" << commandSuggestion(argv[0])
        << "\n\n";
    printUsage(err);
    return kExitUsage;
  }
  Args args;
  try {
    args = parseArgs(*command, argv);
  } catch (const Poco::Util::OptionException& e) {
    err << "scim-agent " << command->name << ": " << e.displayText() << "\n"
        << "usage: scim-agent " << command->usage << "\n";
    return kExitUsage;
  }
  if (args.has("help")) {
    printCommandHelp(*command, out);
    return kExitOk;
  }
  configureLog(interactiveLogConfig(args.has("quiet"), args.has("verbose")));
  return command->run(args, out, err);
}

}  // namespace scim_agent
