#include "tests/support/chromium.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/temp_dir.h"

extern char** environ;

namespace scim_agent::testing {

namespace {

bool executable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// Chromium logs a page's console message as
//   [pid:tid:MMDD/hhmmss.micros:INFO:CONSOLE:12] "text", source: file:///… (12)
// (older builds: "INFO:CONSOLE(12)"). What follows "] " is kept.
std::vector<std::string> consoleMessages(const std::string& err) {
  std::vector<std::string> out;
  for (const std::string& line : lines(err)) {
    const size_t tag = line.find(":CONSOLE");
    if (tag == std::string::npos || line.front() != '[') continue;
    const size_t end = line.find("] ", tag);
    out.push_back(end == std::string::npos ? line : line.substr(end + 2));
  }
  return out;
}

// posix_spawn in a new process group (Chromium starts a zygote, a GPU and a renderer process;
// the group lets the time limit kill them all), stdout and stderr to files.
pid_t spawnGroup(const std::string& binary, const std::vector<std::string>& args,
                 const std::string& out_path, const std::string& err_path) {
  std::vector<std::string> argv_s{binary};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
  ::posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  ::posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, binary.c_str(), &actions, &attr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  return rc == 0 ? pid : -1;
}

std::atomic<int> run_counter{0};

}  // namespace

std::string findChromium() {
  if (const char* forced = std::getenv("SCIM_AGENT_CHROMIUM"); forced != nullptr && *forced) {
    return forced;
  }
  const char* path_env = std::getenv("PATH");
  const std::string path = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  for (const char* name : {"chromium", "chromium-browser"}) {
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (dir.empty()) continue;
      const std::string candidate = dir + "/" + name;
      if (executable(candidate)) return candidate;
    }
  }
  return "";
}

std::string fileUrl(const std::string& absolute_path, const std::string& fragment) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string url = "file://";
  for (unsigned char c : absolute_path) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '/' || c == '.' || c == '_' || c == '~' || c == '-';
    if (plain) {
      url += static_cast<char>(c);
    } else {
      url += '%';
      url += kHex[c >> 4];
      url += kHex[c & 15];
    }
  }
  if (!fragment.empty()) url += "#" + fragment;
  return url;
}

std::string ChromiumRun::describe() const {
  std::string text = timed_out       ? "chromium was killed after its time limit"
                     : exit_code < 0 ? "chromium could not be started"
                                     : "chromium exited with " + std::to_string(exit_code);
  const std::vector<std::string> all = lines(err);
  const size_t from = all.size() > 15 ? all.size() - 15 : 0;
  if (from < all.size()) text += "; the end of its stderr:";
  for (size_t i = from; i < all.size(); ++i) text += "\n  " + all[i];
  return text;
}

Chromium::Chromium(std::string binary, std::string work_dir)
    : binary_(std::move(binary)), work_dir_(std::move(work_dir)) {}

ChromiumRun Chromium::dumpDom(const std::string& url) const {
  return run({"--virtual-time-budget=5000", "--dump-dom", url});
}

ChromiumRun Chromium::screenshot(const std::string& url, const std::string& png_path, int width,
                                 int height) const {
  return run({"--hide-scrollbars", "--virtual-time-budget=5000",
              "--window-size=" + std::to_string(width) + "," + std::to_string(height),
              "--screenshot=" + png_path, url});
}

ChromiumRun Chromium::run(const std::vector<std::string>& page_args) const {
  const int n = run_counter.fetch_add(1);
  const std::string base =
      work_dir_ + "/chromium-" + std::to_string(::getpid()) + "-" + std::to_string(n);
  ::mkdir(base.c_str(), 0700);
  std::vector<std::string> args{"--headless",
                                "--disable-gpu",
                                "--disable-dev-shm-usage",
                                "--no-first-run",
                                "--no-default-browser-check",
                                "--disable-extensions",
                                "--disable-background-networking",
                                "--disable-sync",
                                "--disable-component-update",
                                "--mute-audio",
                                "--enable-logging=stderr",
                                "--v=0",
                                "--user-data-dir=" + base + "/profile"};
  // Chromium refuses to run as root with its sandbox on.
  if (::geteuid() == 0) args.push_back("--no-sandbox");
  args.insert(args.end(), page_args.begin(), page_args.end());

  ChromiumRun r;
  const pid_t pid = spawnGroup(binary_, args, base + "/out", base + "/err");
  if (pid < 0) {
    r.err = "posix_spawn " + binary_ + " failed";
    return r;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(time_limit_seconds_);
  // Wait for the exit without reaping (WNOWAIT): while the leader is a zombie its pid, and so
  // the group id, cannot be reused, so killing the group afterwards reaches only what it started
  // (the crash handler it may leave behind).
  while (true) {
    siginfo_t info{};
    const int rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (rc != 0 || info.si_pid == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = readFile(base + "/out");
  r.err = readFile(base + "/err");
  r.console = consoleMessages(r.err);
  return r;
}

}  // namespace scim_agent::testing
