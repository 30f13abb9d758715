#pragma once

// One command of the scim-agent command line: its name, usage line, summary, options and
// handler. cli.cpp keeps the table of every command and generates --help and usage errors from
// it, so a new command is one new file (its handler and options) and one row in that table.

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include <Poco/Util/OptionSet.h>

namespace scim_agent {

// The parsed command line of one command.
struct Args {
  std::string command;
  std::map<std::string, std::string> options;                // long name → value ("" for flags)
  std::map<std::string, std::vector<std::string>> repeated;  // every value of each option
  std::vector<std::string> positional;

  bool has(const std::string& name) const { return options.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
  // --config, else $SCIM_AGENT_CONFIG, else /etc/scim-agent/agent.yaml.
  std::string configPath() const;
};

// Which of the options every command shares a command takes (--help always).
enum CommonOptions : unsigned {
  kNoCommon = 0,
  kConfigOption = 1,   // --config, --quiet, --verbose
  kDesiredOption = 2,  // --desired
};

struct Command {
  const char* name;
  const char* usage;    // after "scim-agent "
  const char* summary;  // one line for the command list, and the head of --help
  unsigned common;      // CommonOptions
  void (*add_options)(Poco::Util::OptionSet& options);  // the command's own; may be null
  int (*run)(const Args& args, std::ostream& out, std::ostream& err);
};

// The commands' handlers and options, one file per command (cli/<name>_command.cpp); cli.cpp
// holds the table that names them.
int runValidate(const Args& args, std::ostream& out, std::ostream& err);
void addValidateOptions(Poco::Util::OptionSet& set);
int runPlan(const Args& args, std::ostream& out, std::ostream& err);
int runApply(const Args& args, std::ostream& out, std::ostream& err);
int runApprove(const Args& args, std::ostream& out, std::ostream& err);
int runAdopt(const Args& args, std::ostream& out, std::ostream& err);
int runServe(const Args& args, std::ostream& out, std::ostream& err);
int runRun(const Args& args, std::ostream& out, std::ostream& err);
int runTerminations(const Args& args, std::ostream& out, std::ostream& err);
int runHistory(const Args& args, std::ostream& out, std::ostream& err);
int runAudit(const Args& args, std::ostream& out, std::ostream& err);
int runReportCommand(const Args& args, std::ostream& out, std::ostream& err);
int runShow(const Args& args, std::ostream& out, std::ostream& err);
void addPlanOptions(Poco::Util::OptionSet& options);
void addApplyOptions(Poco::Util::OptionSet& options);
void addApproveOptions(Poco::Util::OptionSet& options);
void addAdoptOptions(Poco::Util::OptionSet& options);
void addServeOptions(Poco::Util::OptionSet& options);
void addRunOptions(Poco::Util::OptionSet& options);
void addTerminationsOptions(Poco::Util::OptionSet& options);
void addHistoryOptions(Poco::Util::OptionSet& options);
void addAuditOptions(Poco::Util::OptionSet& options);
void addReportOptions(Poco::Util::OptionSet& options);
void addShowOptions(Poco::Util::OptionSet& options);
// --format (with the formats `formats` names), --dry-run and --allow-destructive: plan's and
// apply's.
void addPlanningOptions(Poco::Util::OptionSet& options, const char* formats);

}  // namespace scim_agent
