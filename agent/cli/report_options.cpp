#include "agent/cli/report_options.h"

#include <filesystem>
#include <ostream>

#include <sys/stat.h>

#include "agent/base/clock.h"
#include "agent/base/diagnostics.h"
#include "agent/base/duration.h"
#include "agent/cli/clock.h"
#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/files.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"

namespace scim_agent {

std::optional<std::chrono::system_clock::time_point> parseSinceOption(const std::string& text) {
  if (auto d = parseDuration(text)) return cliClock().now() - *d;
  return parseIso8601(text);
}

bool readSinceOption(const Args& args, std::optional<std::chrono::system_clock::time_point>& since,
                     std::ostream& err) {
  since.reset();
  if (!args.has("since")) return true;
  since = parseSinceOption(args.get("since"));
  if (since) return true;
  err << "error: --since \"" << args.get("since")
      << "\" is neither a duration (7d, 12h, 90m) nor an ISO-8601 time\n";
  return false;
}

int openStateForReading(const Args& args, std::unique_ptr<StateStore>& store, std::ostream& err,
                        Config* config_out) {
  Diagnostics diags;
  auto config = loadAgentConfig(args.configPath(), diags);
  if (!config) {
    printDiagnostics(diags, err);
    return kExitError;
  }
  // Opening would create a missing database: say it is missing instead.
  std::error_code ec;
  if (!std::filesystem::exists(config->state_path, ec)) {
    err << "error: state database " << config->state_path << " does not exist\n";
    return kExitError;
  }
  // A plain open: no writer lock (serve may hold it).
  auto opened = StateStore::open(config->state_path);
  if (!opened.ok()) return printError(opened.error(), err);
  store = std::move(*opened);
  store->showDeadRunsAsInterrupted();  // a killed run reads "interrupted", nothing written
  if (config_out) *config_out = std::move(*config);
  return kExitOk;
}

std::optional<ReportFormat> reportFormatOption(const Args& args, std::ostream& err) {
  const std::string name = args.get("format", "text");
  if (auto format = reportFormatFromName(name)) return format;
  err << "error: --format must be text, json, markdown, csv or html for " << args.command
      << ", not \"" << name << "\"\n";
  return std::nullopt;
}

int writeReportOutput(const std::string& text, const Args& args, std::ostream& out,
                      std::ostream& err) {
  const std::string out_file = args.get("out");
  if (out_file.empty()) {
    out << text;
    return kExitOk;
  }
  Status written = writeFileAtomically(out_file, text);
  if (!written.ok()) return printError(written.error(), err);
  // A report is for readers other than the agent's user (a web server, a reviewer).
  (void)::chmod(out_file.c_str(), 0644);  // best effort: the report is written either way
  return kExitOk;
}

int emitReport(const ReportDoc& doc, ReportFormat format, const Args& args, std::ostream& out,
               std::ostream& err) {
  const bool color = format == ReportFormat::kText && !args.has("out") && colorWanted();
  return writeReportOutput(renderReport(doc, format, color), args, out, err);
}

std::string reportDirOption(const Args& args, const Config& config) {
  return args.has("report-dir") ? args.get("report-dir") : config.report_dir;
}

Result<std::vector<std::string>> saveReportFiles(const ReportDoc& doc, const std::string& dir,
                                                 const std::string& name) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Error(ErrorCode::kIo, "report directory " + dir + " cannot be made: " + ec.message());
    }
    (void)::chmod(dir.c_str(), 0750);  // best effort: the files are written either way
  }
  std::vector<std::string> paths;
  for (const auto& [extension, format] :
       {std::pair{".json", ReportFormat::kJson}, std::pair{".html", ReportFormat::kHtml}}) {
    const std::string path = (std::filesystem::path(dir) / (name + extension)).string();
    Status written = writeFileAtomically(path, renderReport(doc, format, false));
    if (!written.ok()) return written.error();
    (void)::chmod(path.c_str(), 0644);
    paths.push_back(path);
  }
  return paths;
}

}  // namespace scim_agent
