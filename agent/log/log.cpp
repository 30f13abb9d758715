#include "agent/log/log.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include "agent/base/ansi.h"
#include "agent/base/clock.h"
#include "agent/base/json.h"

// Hand-written rather than Poco::Logger: POCO 1.11 has no JSON formatter, its Message carries
// fields only as an unordered string map (no numbers, no field order), and its channels know
// nothing of terminals, NO_COLOR, redaction or a progress line sharing stderr. What is needed
// here is ~200 lines of standard C++, which also keeps POCO out of agent/apply and agent/live
// (STYLE §6), which log through this module.

namespace scim_agent {

namespace {

// Text rendering: the value as is, quoted only when it has spaces, quotes, '=' or control
// characters (escaped the JSON way then), so a line stays one line.
void appendTextValue(std::string& out, const LogValue& value) {
  const std::string& t = value.text();
  const bool plain =
      value.kind() != LogValue::Kind::kString ||
      (!t.empty() && std::none_of(t.begin(), t.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c <= 0x20 || c == '"' || c == '=' || c == 0x7f;
      }));
  if (plain) {
    out += t;
    return;
  }
  out += '"';
  appendJsonEscaped(out, t, JsonEscaping::kSafeText);
  out += '"';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr const char* kRedacted = "[redacted]";

bool isTerminal(int fd) { return ::isatty(fd) == 1; }

// ---- process-wide state ----
// One mutex for the global logger and the progress bar: both may write to the same terminal,
// and a log line must clear the bar before it is written.
std::mutex g_mu;
std::unique_ptr<Logger> g_logger;  // guarded by g_mu
LogConfig g_config;                // guarded by g_mu
bool g_progress_shown = false;     // a bar is on the terminal now; guarded by g_mu
bool g_progress_owned = false;     // a ProgressBar is active; guarded by g_mu
int g_log_fd = STDERR_FILENO;      // guarded by g_mu

// REQUIRES: g_mu held.
Logger& globalLogger() {
  if (!g_logger) {
    Logger::Options options;
    options.level = g_config.level;
    g_log_fd = g_config.target == LogTarget::kStdout ? STDOUT_FILENO : STDERR_FILENO;
    const bool tty = isTerminal(g_log_fd);
    options.json = !tty;
    options.color = tty && std::getenv("NO_COLOR") == nullptr;
    g_logger = std::make_unique<Logger>(
        g_config.target == LogTarget::kStdout ? std::cout : std::cerr, options);
  }
  return *g_logger;
}

bool progressAllowed() {
  return g_config.progress && g_config.level > LogLevel::kError && isTerminal(STDERR_FILENO);
}

// REQUIRES: g_mu held.
void clearProgressLine() {
  if (!g_progress_shown) return;
  std::cerr << ansi(Ansi::kClearLine) << std::flush;
  g_progress_shown = false;
}

}  // namespace

const char* logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "info";
}

LogValue::LogValue(double d) : kind_(Kind::kNumber) {
  if (!std::isfinite(d)) {
    // JSON has no NaN or infinity: written as a string instead.
    kind_ = Kind::kString;
    text_ = std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", d);
  text_ = buf;
}

bool isSecretFieldName(std::string_view key) {
  const std::string k = lower(key);
  for (const char* word : {"secret", "token", "password", "passwd", "authorization", "signature",
                           "credential", "cookie", "apikey", "api_key"}) {
    if (k.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string redactBearer(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const std::string_view rest = text.substr(i);
    if (rest.size() > 7 && lower(rest.substr(0, 7)) == "bearer " &&
        rest[7] != ' ' && (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])))) {
      out += text.substr(i, 7);
      out += kRedacted;
      i += 7;
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])) &&
             text[i] != '"' && text[i] != ',') {
        ++i;
      }
      continue;
    }
    out += text[i];
    ++i;
  }
  return out;
}

Logger::Logger(std::ostream& out, Options options) : out_(out), options_(std::move(options)) {}

std::string Logger::format(LogLevel level, std::string_view msg, const LogFields& fields) const {
  const auto now = options_.now ? options_.now() : std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  std::string line;
  if (options_.json) {
    // The agent's ISO-8601 UTC, to the millisecond: "2026-11-23T12:00:01.250Z".
    std::string ts = formatIso8601(now);
    ts.erase(ts.size() - 4, 3);
    line += "{\"ts\":\"";
    line += ts;
    line += "\",\"level\":\"";
    line += logLevelName(level);
    line += "\",\"msg\":\"";
    appendJsonEscaped(line, redactBearer(msg), JsonEscaping::kSafeText);
    line += '"';
    for (const LogField& f : fields) {
      line += ",\"";
      // A field may not shadow the fixed keys; it is kept under a prefixed name.
      if (f.key == "ts" || f.key == "level" || f.key == "msg") line += "field.";
      appendJsonEscaped(line, f.key, JsonEscaping::kSafeText);
      line += "\":";
      if (isSecretFieldName(f.key)) {
        line += "\"[redacted]\"";
      } else if (f.value.kind() == LogValue::Kind::kString) {
        line += '"';
        appendJsonEscaped(line, redactBearer(f.value.text()), JsonEscaping::kSafeText);
        line += '"';
      } else {
        line += f.value.text();
      }
    }
    line += '}';
    return line;
  }
  if (options_.utc) {
    gmtime_r(&secs, &tm);
  } else {
    localtime_r(&secs, &tm);
  }
  char ts[48];
  std::snprintf(ts, sizeof ts, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
  line += ts;
  line += ' ';
  std::string name = logLevelName(level);
  name.resize(5, ' ');  // "info " / "debug": the messages line up
  if (options_.color) {
    static constexpr Ansi kColors[] = {Ansi::kRed, Ansi::kYellow, Ansi::kGreen, Ansi::kDim};
    line += ansi(kColors[static_cast<int>(level)]);
    line += logLevelName(level);
    line += ansi(Ansi::kReset);
    line += name.substr(std::string(logLevelName(level)).size());
  } else {
    line += name;
  }
  line += ' ';
  // The message is written escaped the way a JSON string is (without quotes) only where it has
  // control characters, so a line never spans two.
  const std::string m = redactBearer(msg);
  if (std::any_of(m.begin(), m.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    appendJsonEscaped(line, m, JsonEscaping::kSafeText);
  } else {
    line += m;
  }
  for (const LogField& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    if (isSecretFieldName(f.key)) {
      line += kRedacted;
    } else if (f.value.kind() == LogValue::Kind::kString) {
      appendTextValue(line, LogValue(redactBearer(f.value.text())));
    } else {
      appendTextValue(line, f.value);
    }
  }
  return line;
}

void Logger::log(LogLevel level, std::string_view msg, const LogFields& fields) {
  if (!enabled(level)) return;
  std::string line = format(level, msg, fields);
  line += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  out_ << line << std::flush;
}

// ---- process-wide -------------------------------------------------------------------------------

void configureLog(const LogConfig& config) {
  std::lock_guard<std::mutex> lock(g_mu);
  clearProgressLine();
  g_config = config;
  g_logger.reset();
  globalLogger();
}

LogLevel logLevelFor(bool quiet, bool verbose, LogLevel normal) {
  if (quiet) return LogLevel::kError;
  if (verbose) return LogLevel::kDebug;
  return normal;
}

void useServiceLog(bool quiet, bool verbose) {
  LogConfig config;
  config.target = LogTarget::kStdout;
  config.level = logLevelFor(quiet, verbose);
  config.progress = false;
  config.wait_notes = quiet ? WaitNotes::kOff : WaitNotes::kLog;
  configureLog(config);
}

LogConfig currentLogConfig() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_config;
}

void writeStderrLine(std::string_view line) {
  std::string whole(line);
  whole += '\n';
  std::lock_guard<std::mutex> lock(g_mu);
  clearProgressLine();
  std::cerr << whole << std::flush;
}

bool logEnabled(LogLevel level) {
  std::lock_guard<std::mutex> lock(g_mu);
  return globalLogger().enabled(level);
}

void logLine(LogLevel level, std::string_view msg, const LogFields& fields) {
  std::lock_guard<std::mutex> lock(g_mu);
  Logger& logger = globalLogger();
  if (!logger.enabled(level)) return;
  // The bar lives on stderr; a line for the same terminal clears it first.
  if (g_log_fd == STDERR_FILENO || isTerminal(STDOUT_FILENO)) clearProgressLine();
  logger.log(level, msg, fields);
}

// ---- ProgressBar ----------------------------------------------------------------------------------

ProgressBar::ProgressBar(std::string label, size_t total) : label_(std::move(label)), total_(total) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (!g_progress_owned && progressAllowed()) {
    g_progress_owned = true;
    active_ = true;
  }
}

ProgressBar::~ProgressBar() { done(); }

std::string ProgressBar::render(const std::string& label, size_t done, size_t total, int width) {
  const size_t w = static_cast<size_t>(std::max(width, 1));
  const size_t filled = total == 0 ? 0 : std::min(w, done * w / total);
  std::string bar = label.empty() ? "[" : label + " [";
  bar += std::string(filled, '=');
  if (filled < w) {
    bar += filled > 0 || done > 0 ? ">" : " ";
    bar += std::string(w - filled - 1, ' ');
  }
  bar += "] " + std::to_string(done) + "/" + std::to_string(total);
  return bar;
}

void ProgressBar::setTotal(size_t total) {
  std::lock_guard<std::mutex> lock(g_mu);
  total_ = total;
}

void ProgressBar::advance(size_t by) {
  size_t next;
  {
    std::lock_guard<std::mutex> lock(g_mu);
    next = done_ + by;
  }
  update(next);
}

void ProgressBar::update(size_t done) {
  std::lock_guard<std::mutex> lock(g_mu);
  done_ = done;
  if (!active_) return;
  // At most ~20 redraws a second, but always the last one.
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(50)) return;
  last_draw_ = now;
  std::cerr << ansi(Ansi::kClearLine) << render(label_, done_, total_) << std::flush;
  g_progress_shown = true;
}

void ProgressBar::done() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (!active_) return;
  active_ = false;
  g_progress_owned = false;
  clearProgressLine();
}

}  // namespace scim_agent
