#pragma once

// Headless Chromium for the HTML report tests: the DOM of a page after its scripts ran
// (--dump-dom) and a PNG of it (--screenshot), with the console messages the page logged.
// Debian's `chromium` package; `./setup.sh test` installs it.

#include <string>
#include <vector>

namespace scim_agent::testing {

// The Chromium binary: $SCIM_AGENT_CHROMIUM when set (even when it does not exist, so a wrong
// override fails loudly), else the first of chromium, chromium-browser found on $PATH. "" when
// there is none.
std::string findChromium();

// "file:///abs/path.html#fragment" (the path's characters outside [A-Za-z0-9/._~-] escaped as
// %XX; the fragment as given, after '#', when not empty).
std::string fileUrl(const std::string& absolute_path, const std::string& fragment = "");

struct ChromiumRun {
  int exit_code = -1;      // -1 when it could not be started
  bool timed_out = false;  // killed (with its process group) after the time limit
  std::string out;         // stdout: the serialised DOM for dumpDom
  std::string err;         // stderr (Chromium's own log lines included)
  // The page's console messages, as Chromium logs them to stderr with --enable-logging:
  // "\"Uncaught ReferenceError: x is not defined\", source: file:///… (12)". A page that logs
  // nothing has none; an uncaught exception and a CSP refusal are console messages too.
  std::vector<std::string> console;

  bool ok() const { return exit_code == 0 && !timed_out; }
  // One paragraph for a failed assertion: the exit, and the last lines of stderr.
  std::string describe() const;
};

class Chromium {
 public:
  // `binary` from findChromium(); `work_dir` an existing directory (a test's TempDir) where each
  // run gets a throw-away profile (--user-data-dir) and its output files.
  Chromium(std::string binary, std::string work_dir);

  // The DOM of `url` after its scripts ran (--dump-dom, with --virtual-time-budget so timers and
  // load handlers finish first).
  ChromiumRun dumpDom(const std::string& url) const;
  // A PNG of `url` at `width`×`height` CSS pixels written to `png_path`.
  ChromiumRun screenshot(const std::string& url, const std::string& png_path, int width,
                         int height) const;

  // Each run is killed, with every process it started, after this many seconds (a safety net
  // for a hung browser, not an assertion on speed).
  void setTimeLimitSeconds(int seconds) { time_limit_seconds_ = seconds; }

 private:
  ChromiumRun run(const std::vector<std::string>& page_args) const;

  std::string binary_;
  std::string work_dir_;
  int time_limit_seconds_ = 90;
};

}  // namespace scim_agent::testing
