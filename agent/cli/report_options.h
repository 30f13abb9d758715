#pragma once

// What the commands that read the state database share (report, show, history, audit): the
// --since grammar, opening the database without creating it or taking the writer lock, and
// writing a report to stdout or --out.

#include <chrono>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/result.h"
#include "agent/config/config.h"
#include "agent/report/report_doc.h"
#include "state/state_store.h"

namespace scim_agent {

struct Args;

// --since: a duration back from the CLI clock ("7d", "12h") or an ISO-8601 time. nullopt for
// anything else.
std::optional<std::chrono::system_clock::time_point> parseSinceOption(const std::string& text);
// --since when given: false (after saying why on `err`) when it is neither form; `since` stays
// nullopt when the option is absent.
bool readSinceOption(const Args& args, std::optional<std::chrono::system_clock::time_point>& since,
                     std::ostream& err);

// Loads agent.yaml and opens the state database it names, read-only in spirit: no writer lock
// (serve or run may hold it) and never creating a missing database ("error: state database
// PATH does not exist"). Returns kExitOk with `store` set, else the exit code after printing
// the problem.
// `config_out`, when given, receives the loaded agent.yaml.
int openStateForReading(const Args& args, std::unique_ptr<StateStore>& store, std::ostream& err,
                        Config* config_out = nullptr);

// --format's report format (default text); nullopt after a usage message on `err`.
std::optional<ReportFormat> reportFormatOption(const Args& args, std::ostream& err);

// Writes `text` to --out (atomically, mode 0644, nothing printed) or to `out`. Returns the exit
// code.
int writeReportOutput(const std::string& text, const Args& args, std::ostream& out,
                      std::ostream& err);

// Renders `doc` and writes it to --out (atomically, mode 0644, nothing printed) or to `out`
// (text in colour on a terminal unless NO_COLOR). Returns the exit code.
int emitReport(const ReportDoc& doc, ReportFormat format, const Args& args, std::ostream& out,
               std::ostream& err);

// The report directory a command writes to: --report-dir, else agent.yaml's report.dir ("" when
// neither is set).
std::string reportDirOption(const Args& args, const Config& config);

// Writes `doc` into `dir` as <name>.json and <name>.html (atomically, mode 0644), creating `dir`
// (mode 0750) when missing, for report.dir (SPEC §16): what a timer's run and the weekly
// compliance unit leave for auditors. Returns the two paths; kIo naming the file that failed.
Result<std::vector<std::string>> saveReportFiles(const ReportDoc& doc, const std::string& dir,
                                                 const std::string& name);

}  // namespace scim_agent
