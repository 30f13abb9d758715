#pragma once

// The agent's log: leveled lines with structured fields (SPEC §12 "Logs").
//
//   logInfo("applied actions", {{"run", 12}, {"done", 3}});
//
// Two renderings of the same line:
//   JSON (the stream is not a terminal: journald, a pipe, a file): one object per line,
//     {"ts":"2026-11-23T12:00:01.250Z","level":"info","msg":"applied actions","run":12,"done":3}
//     keys in a fixed order: ts, level, msg, then the fields in the order given. Always valid
//     JSON: control characters escaped, invalid UTF-8 replaced by U+FFFD.
//   text (a terminal): "12:00:01 info  applied actions run=12 done=3", the level coloured unless
//     NO_COLOR is set.
//
// Secret hygiene: a field whose name looks secret-bearing (isSecretFieldName) is always written
// as "[redacted]", and "Bearer <token>" inside any message or string value is cut to
// "Bearer [redacted]". Never pass request headers or bodies as fields.
//
// Where lines go is chosen once per process by the command (configureLog): stderr for the
// interactive commands, so stdout stays the plan/report document; stdout for `run` and `serve`
// under systemd (journald reads it). Until configured, lines go to stderr at level info.
//
// Thread safety: every function here may be called from any thread; a line is written whole.

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scim_agent {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };
const char* logLevelName(LogLevel level);

// One field's value: a string, an integer, a number or a boolean (rendered unquoted in JSON).
class LogValue {
 public:
  enum class Kind { kString, kInteger, kNumber, kBool };
  LogValue(const char* s) : kind_(Kind::kString), text_(s ? s : "") {}   // NOLINT
  LogValue(std::string s) : kind_(Kind::kString), text_(std::move(s)) {} // NOLINT
  LogValue(std::string_view s) : kind_(Kind::kString), text_(s) {}       // NOLINT
  LogValue(bool b) : kind_(Kind::kBool), text_(b ? "true" : "false") {}  // NOLINT
  LogValue(int i) : kind_(Kind::kInteger), text_(std::to_string(i)) {}   // NOLINT
  LogValue(long i) : kind_(Kind::kInteger), text_(std::to_string(i)) {}  // NOLINT
  LogValue(long long i) : kind_(Kind::kInteger), text_(std::to_string(i)) {}  // NOLINT
  LogValue(unsigned i) : kind_(Kind::kInteger), text_(std::to_string(i)) {}   // NOLINT
  LogValue(unsigned long i) : kind_(Kind::kInteger), text_(std::to_string(i)) {}  // NOLINT
  LogValue(unsigned long long i) : kind_(Kind::kInteger), text_(std::to_string(i)) {}  // NOLINT
  LogValue(double d);                                                    // NOLINT

  Kind kind() const { return kind_; }
  // The value as text (numbers and booleans in their JSON spelling).
  const std::string& text() const { return text_; }

 private:
  Kind kind_;
  std::string text_;
};

struct LogField {
  std::string key;
  LogValue value;
};
using LogFields = std::vector<LogField>;

// True for names that may carry a secret: containing (case-insensitively) "secret", "token",
// "password", "passwd", "authorization", "signature", "credential", "cookie" or "apikey".
bool isSecretFieldName(std::string_view key);
// `text` with every "Bearer <token>" cut to "Bearer [redacted]".
std::string redactBearer(std::string_view text);

// A logger writing to one stream. The process-wide one is behind configureLog()/logInfo(); tests
// build their own over a std::ostringstream.
class Logger {
 public:
  struct Options {
    LogLevel level = LogLevel::kInfo;  // lines above this level are dropped
    bool json = true;                  // false: the text rendering
    bool color = false;                // text rendering only
    // The time stamped on each line; the system clock when empty.
    std::function<std::chrono::system_clock::time_point()> now;
    // Text rendering: the clock time in UTC instead of local time (tests).
    bool utc = false;
  };
  // `out` must outlive the logger.
  Logger(std::ostream& out, Options options);

  bool enabled(LogLevel level) const { return level <= options_.level; }
  LogLevel level() const { return options_.level; }
  bool json() const { return options_.json; }
  void log(LogLevel level, std::string_view msg, const LogFields& fields = {});

  // The rendered line (without the newline), as log() would write it.
  std::string format(LogLevel level, std::string_view msg, const LogFields& fields) const;

 private:
  std::ostream& out_;
  Options options_;
  std::mutex mu_;
};

// ---- The process-wide log ----------------------------------------------------------------------

enum class LogTarget {
  kStderr,  // interactive commands: stdout is the plan/report document
  kStdout,  // run and serve under systemd: "one JSON object per line to stdout (journald)"
};

// Where the process logs, at which level, and whether progress bars may be drawn. JSON or text
// is chosen by whether the target is a terminal; colour only on a terminal without NO_COLOR.
// Call early, before other threads log; later calls replace the configuration (safe, but lines
// being written concurrently may go to either).
// How a long wait is announced (agent/log/waiting.h): not at all, as a plain line on stderr
// (the interactive commands, terminal or not), or as an info log line (run and serve).
enum class WaitNotes { kOff, kStderr, kLog };

struct LogConfig {
  LogTarget target = LogTarget::kStderr;
  LogLevel level = LogLevel::kInfo;
  // Progress bars on stderr (only when stderr is a terminal and level > kError).
  bool progress = false;
  WaitNotes wait_notes = WaitNotes::kOff;
};
void configureLog(const LogConfig& config);

// The level the global --quiet / --verbose flags ask for: kError with --quiet, kDebug with
// --verbose, else `normal`.
LogLevel logLevelFor(bool quiet, bool verbose, LogLevel normal = LogLevel::kInfo);

// For run and serve: log to stdout (JSON for journald when not a terminal) at the level of the
// --quiet / --verbose flags, no progress bars, long waits as log lines unless --quiet.
// Equivalent to configureLog({kStdout, level, false, quiet ? kOff : kLog}).
void useServiceLog(bool quiet, bool verbose);

// The configuration configureLog() last set.
LogConfig currentLogConfig();

// Writes `line` and a newline to stderr in one piece, clearing a progress bar first: for notes
// that are not log lines (the interactive commands' waiting notes).
void writeStderrLine(std::string_view line);

bool logEnabled(LogLevel level);
void logLine(LogLevel level, std::string_view msg, const LogFields& fields = {});
inline void logError(std::string_view msg, const LogFields& fields = {}) {
  logLine(LogLevel::kError, msg, fields);
}
inline void logWarn(std::string_view msg, const LogFields& fields = {}) {
  logLine(LogLevel::kWarn, msg, fields);
}
inline void logInfo(std::string_view msg, const LogFields& fields = {}) {
  logLine(LogLevel::kInfo, msg, fields);
}
inline void logDebug(std::string_view msg, const LogFields& fields = {}) {
  logLine(LogLevel::kDebug, msg, fields);
}

// ---- Progress bars -----------------------------------------------------------------------------

// A redrawn line on stderr, "\r<label> [=====>    ] 120/300", while a long read or apply runs.
// Draws nothing unless configureLog() allowed progress and stderr is a terminal (so never under
// systemd, in a pipe, in tests, or with --quiet). A log line written to the terminal meanwhile
// clears the bar first and the bar is redrawn on the next update. The destructor (or done())
// clears the line. Thread-safe; one bar at a time per process (a second one draws nothing).
class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void setTotal(size_t total);
  void update(size_t done);
  void advance(size_t by = 1);
  void done();

  // The bar as drawn (without "\r"), for tests: "label [=====>    ] 120/300".
  static std::string render(const std::string& label, size_t done, size_t total, int width = 30);

 private:
  std::string label_;
  size_t total_ = 0;
  size_t done_ = 0;
  bool active_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace scim_agent
