// `scim-agent run`: one unattended reconcile cycle for the systemd timer (SPEC §12), or one every
// --interval with --loop.
//
// Each cycle loads agent.yaml and the desired state again (edits are picked up), reads every live
// user, snapshots, plans, checks the guardrails, applies without asking (non-interactive by
// design), records the run (kind "run") with an applying run's housekeeping, and writes the
// metrics textfile when a directory is set. Held suspends and deletes stay held. A guardrail that
// blocks stops the suspends and deletes only: the rest is applied, and the run is "blocked".
//
// Exit codes: 0 ok, 1 error or any failed or stale action, 3 blocked by a guardrail, 4 another
// process holds the state lock, 64 bad arguments. With --loop: until SIGTERM or SIGINT, which end
// the current cycle first, then exit 0; a failing cycle does not end the loop.

#include <cerrno>
#include <chrono>
#include <fstream>
#include <ostream>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <Poco/Util/Option.h>

#include "agent/base/duration.h"
#include "agent/cli/clock.h"
#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/report_options.h"
#include "agent/cli/wiring.h"
#include "agent/log/log.h"
#include "agent/metrics/agent_metrics.h"
#include "agent/metrics/metrics.h"
#include "agent/report/report_builders.h"

namespace scim_agent {

namespace {

// ---- Stopping the loop: SIGTERM/SIGINT end the sleep at once, and the loop after the cycle.
// A self-pipe, because a signal handler may only do async-signal-safe things (write(2)).

volatile sig_atomic_t g_stop = 0;
int g_wake_pipe[2] = {-1, -1};

extern "C" void onStopSignal(int) {
  g_stop = 1;
  const int saved = errno;
  if (g_wake_pipe[1] >= 0) {
    const char byte = 1;
    // A full pipe already holds a wake-up, so a failed write loses nothing.
    (void)!::write(g_wake_pipe[1], &byte, 1);
  }
  errno = saved;
}

bool installStopHandlers() {
  if (g_wake_pipe[0] < 0) {
    if (::pipe(g_wake_pipe) != 0) return false;
    for (int fd : g_wake_pipe) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a cycle's blocking calls carry on; the loop checks g_stop
  return ::sigaction(SIGTERM, &action, nullptr) == 0 && ::sigaction(SIGINT, &action, nullptr) == 0;
}

// Sleeps until `deadline` or a stop signal, whichever comes first.
void sleepUntil(std::chrono::steady_clock::time_point deadline) {
  while (!g_stop) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd wake{g_wake_pipe[0], POLLIN, 0};
    const int ready = ::poll(&wake, 1, static_cast<int>(std::min<long long>(left.count(), 60'000)));
    if (ready > 0) {
      char drain[16];
      while (::read(g_wake_pipe[0], drain, sizeof drain) > 0) {
      }
    }
  }
}

// ---- One cycle ----

// report.dir (or --report-dir): the run's discrepancy report as JSON and HTML beside the earlier
// ones (SPEC §16), for an auditor who reads files rather than the state DB. A failure is a
// warning: the run itself went as it went.
void saveRunReport(const Args& args, Agent& agent, int64_t run_id, std::ostream& err) {
  const std::string dir = reportDirOption(args, agent.config());
  if (dir.empty() || run_id == 0) return;
  auto doc = discrepancyReport(agent.store(), ReportSelection{run_id, ""}, cliClock().now());
  if (!doc.ok()) {
    err << "warning: building the report of run " << run_id << " failed: " << doc.error().message
        << "\n";
    return;
  }
  auto saved = saveReportFiles(*doc, dir, "run-" + std::to_string(run_id) + "-discrepancy");
  if (!saved.ok()) {
    err << "warning: saving the report of run " << run_id << " failed: " << saved.error().message
        << "\n";
    return;
  }
  logInfo("report saved", {{"command", "run"}, {"run", run_id}, {"json", saved->front()},
                           {"html", saved->back()}});
}

struct CycleResult {
  int exit_code = kExitOk;
  std::string outcome;      // runs_total's label: ok | failed | blocked | busy
  std::string metrics_dir;  // where this cycle's textfile goes ("" = none)
};

CycleResult runCycle(const Args& args, MetricsRegistry& metrics, SourceCache& sources,
                     std::ostream& err) {
  const std::string metrics_option = args.get("metrics-textfile");
  std::unique_ptr<Agent> agent;
  const int opened = openAgent(
      args, err, agent, [&metrics](int status) { countApiRequest(metrics, status); }, &sources);
  const std::string metrics_dir =
      !metrics_option.empty() || !agent ? metrics_option : agent->config().metrics_textfile_dir;
  if (opened != kExitOk) {
    return {opened, opened == kExitBusy ? "busy" : "failed", metrics_dir};
  }
  CycleOptions options;
  options.kind = RunKind::kRun;
  options.allow_destructive = args.has("allow-destructive");
  options.on_plan = [](const CycleReport& r) {
    logInfo("plan", {{"command", "run"},
                     {"run", r.run_id},
                     {"actions", r.plan.actions.size()},
                     {"blocked", r.guardrail.blocked}});
  };
  const CycleReport report = agent->reconciler().cycle(options);
  if (report.error) {
    const int code = report.run_id == 0 ? printCycleError(report, err) : printError(*report.error, err);
    printSourceReport(report.sources, err, 10, /*problems_only=*/true);
    printWarnings(report.warnings, err);
    return {code, code == kExitBusy ? "busy" : "failed", metrics_dir};
  }
  setDriftGauges(metrics, report.summary.getNumber("driftUsers", 0),
                 report.summary.getNumber("driftedUsers", 0));
  if (report.destructive_skipped) err << "blocked: " << report.guardrail.message << "\n";
  for (const ActionResult& r : report.report.results) {
    countAction(metrics, actionKindName(report.holds.now.actions[r.index].kind),
                actionOutcomeName(r.outcome));
  }
  for (const std::string& w : report.warnings) err << "warning: " << w << "\n";
  const ApplyReport& results = report.report;
  logInfo("run finished", {{"command", "run"},
                           {"run", report.run_id},
                           {"outcome", runOutcomeName(report.outcome)},
                           {"done", results.count(ActionOutcome::kDone)},
                           {"stale", results.count(ActionOutcome::kStale)},
                           {"failed", results.count(ActionOutcome::kFailed)},
                           {"skipped", results.count(ActionOutcome::kSkipped)},
                           {"held", report.holds.held_actions.size()}});
  saveRunReport(args, *agent, report.run_id, err);
  const std::string incomplete = report.incompleteSource();
  if (!incomplete.empty()) err << "error: " << incomplete << "\n";
  const int code = report.failedCount() > 0 ? kExitError
                   : report.destructive_skipped ? kExitBlocked
                   : !incomplete.empty()        ? kExitError
                                                : kExitOk;
  return {code, runOutcomeName(report.outcome), metrics_dir};
}

std::string readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  return text.str();
}

// `out` is unused: run reports through the service log (stdout), errors go to `err`.
}  // namespace

int runRun(const Args& args, std::ostream& /*out*/, std::ostream& err) {
  const bool loop = args.has("loop");
  if (args.has("interval") && !loop) {
    err << "scim-agent run: --interval needs --loop\n";
    return kExitUsage;
  }
  const auto interval = parseDuration(args.get("interval", "15m"));
  if (!interval || interval->count() <= 0) {
    err << "scim-agent run: --interval must be a whole number with a unit (90s, 15m, 1h, 1d), "
           "not \""
        << args.get("interval") << "\"\n";
    return kExitUsage;
  }
  if (loop && !installStopHandlers()) {
    err << "error: cannot install the SIGTERM/SIGINT handlers\n";
    return kExitError;
  }
  // One JSON object per line on stdout off a terminal (journald, SPEC §12); errors stay on stderr.
  useServiceLog(args.has("quiet"), args.has("verbose"));
  MetricsRegistry metrics;
  addAgentMetrics(metrics);
  std::string restored_from;  // the textfile whose counters this process continues
  int code = kExitOk;
  SourceCache sources;  // an HR export unchanged since the last cycle is not parsed again
  do {
    const auto started = std::chrono::steady_clock::now();
    logInfo("run started", {{"command", "run"}, {"config", args.configPath()}});
    CycleResult cycle;
    try {
      cycle = runCycle(args, metrics, sources, err);
    } catch (const std::exception& e) {
      // A bug below must not end a daemon loop silently; the cycle counts as failed.
      err << "error: internal error in the run: " << e.what() << "\n";
      cycle = {kExitError, "failed", args.get("metrics-textfile")};
    }
    code = cycle.exit_code;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!cycle.metrics_dir.empty() && restored_from != cycle.metrics_dir) {
      // Counters continue from the previous textfile, so they only go up across the timer's
      // one-shot processes (as Prometheus expects of a counter); the last success time too.
      restored_from = cycle.metrics_dir;
      metrics.restore(readFile(metricsTextfilePath(cycle.metrics_dir)),
                      {kLastSuccessTimestampSeconds});
    }
    metrics.increment(kRunsTotal, {{"outcome", cycle.outcome}});
    metrics.set(kRunDurationSeconds, {}, seconds);
    if (cycle.outcome == "ok") {
      metrics.set(kLastSuccessTimestampSeconds, {},
                  std::chrono::duration<double>(cliClock().now().time_since_epoch()).count());
    }
    if (!cycle.metrics_dir.empty()) {
      Status written = writeMetricsTextfile(cycle.metrics_dir, metrics.render());
      if (!written.ok()) {
        err << "warning: " << written.error().message << "\n";
        if (code == kExitOk) code = kExitError;
      }
    }
    if (loop && !g_stop) sleepUntil(started + *interval);
  } while (loop && !g_stop);
  // The loop ends only on a signal: its cycles' failures were reported as they happened.
  return loop ? kExitOk : code;
}

void addRunOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(Option("allow-destructive", "",
                       "apply suspends and deletes even beyond policy.maxDestructive"));
  set.addOption(Option("loop", "", "repeat every --interval until SIGTERM or SIGINT"));
  set.addOption(Option("interval", "i", "with --loop: 15m (default), 90s, 1h").argument("DURATION"));
  set.addOption(Option("metrics-textfile", "",
                       "write metrics for node_exporter's textfile collector to "
                       "DIR/scim_agent.prom after each cycle (overrides metrics.textfileDir)")
                    .argument("DIR"));
  set.addOption(Option("report-dir", "",
                       "write each run's discrepancy report (JSON and HTML) to DIR "
                       "(overrides report.dir)")
                    .argument("DIR"));
}

}  // namespace scim_agent
