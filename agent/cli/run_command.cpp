#include "agent/cli/run_command.h"

#include <cerrno>
#include <chrono>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "agent/base/diagnostics.h"
#include "agent/cli/approve_command.h"
#include "agent/cli/clock.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/session.h"
#include "agent/log/log.h"
#include "agent/metrics/agent_metrics.h"
#include "agent/metrics/metrics.h"

namespace scim_agent {

const char* const kMetricsTextfileHelp =
    "write metrics for node_exporter's textfile collector to DIR/scim_agent.prom after each "
    "cycle (overrides metrics.textfileDir)";

namespace {

std::string nowIso() { return cliNowIso(); }

// ---- Stopping the loop: SIGTERM/SIGINT end the sleep at once, and the loop after the cycle.
// A self-pipe, because a signal handler may only do async-signal-safe things (write(2)).

volatile sig_atomic_t g_stop = 0;
int g_wake_pipe[2] = {-1, -1};

extern "C" void onStopSignal(int) {
  g_stop = 1;
  const int saved = errno;
  if (g_wake_pipe[1] >= 0) {
    const char byte = 1;
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

struct CycleResult {
  int exit_code = kExitOk;
  std::string outcome;      // runs_total's label: ok | failed | blocked | busy
  std::string metrics_dir;  // where this cycle's textfile goes ("" = none)
};

// Distinct users the plan would change (group-only changes are not a user's drift).
size_t driftUsers(const Plan& plan) {
  std::set<std::string> users;
  for (const Action& a : plan.actions) {
    if (a.kind == ActionKind::kGroupMembers) continue;
    users.insert(a.external_id.empty() ? "id:" + a.user_id : a.external_id);
  }
  return users.size();
}

CycleResult failCycle(int code, const std::string& outcome, std::string metrics_dir) {
  return {code, outcome, std::move(metrics_dir)};
}

CycleResult runCycle(const RunCommandArgs& args, MetricsRegistry& metrics, std::ostream& err) {
  Diagnostics diags;
  auto session = Session::load(args.config_path, args.desired_path, diags);
  if (!session) {
    for (const auto& d : diags.sorted()) err << d.toString() << "\n";
    return failCycle(kExitError, "failed", args.metrics_dir);
  }
  const std::string metrics_dir =
      args.metrics_dir.empty() ? session->config().metrics_textfile_dir : args.metrics_dir;
  session->setHttpObserver([&metrics](int status) { countApiRequest(metrics, status); });

  auto planned = session->plan("run", nowIso());
  if (!planned.ok()) {
    err << "error: " << planned.error().message << "\n";
    const bool busy = planned.error().code == ErrorCode::kBusy;
    return failCycle(busy ? kExitBusy : kExitError, busy ? "busy" : "failed", metrics_dir);
  }
  const int64_t run_id = planned->run_id;
  const Plan& plan = planned->plan;
  GuardrailVerdict guardrail = planned->guardrail;
  metrics.set(kDriftUsers, {}, static_cast<double>(driftUsers(plan)));
  logInfo("plan", {{"command", "run"},
                   {"run", run_id},
                   {"actions", plan.actions.size()},
                   {"driftUsers", driftUsers(plan)},
                   {"blocked", guardrail.blocked}});

  // The same split as `apply`: users whose suspend or delete waits for `approve` stay held.
  auto split = splitHeld(session->store(), plan, /*hold_all=*/false, args.allow_destructive,
                         /*fresh_plan=*/true, guardrail.blocked ? guardrail.message : "");
  if (!split.ok()) {
    err << "error: " << split.error().message << "\n";
    session->finishRun(run_id, "failed", Json::object(), nowIso());
    return failCycle(kExitError, "failed", metrics_dir);
  }
  Status held = storeHolds(*session, run_id, *split, nowIso());
  if (!held.ok()) {
    err << "error: storing the held actions failed, so nothing was applied: "
        << held.error().message << "\n";
    session->finishRun(run_id, "failed", Json::object(), nowIso());
    return failCycle(kExitError, "failed", metrics_dir);
  }
  if (!split->held_actions.empty()) guardrail = session->guardrail(split->now);
  const bool hold_destructive = guardrail.blocked && !args.allow_destructive;
  if (hold_destructive) err << "blocked: " << guardrail.message << "\n";

  const Plan& now = split->now;
  ApplyReport report;
  if (now.hasChanges()) {
    ApplyOptions options;
    options.skip_destructive = hold_destructive;
    report = session->apply(run_id, now, options, /*replan_conflicts=*/true);
    resolveAllowed(*session, run_id, *split, report, nowIso());
  }
  for (const ActionResult& r : report.results) {
    metrics.increment(kActionsTotal, {{"kind", actionKindName(now.actions[r.index].kind)},
                                      {"outcome", actionOutcomeName(r.outcome)}});
  }
  const int failed = report.count(ActionOutcome::kFailed) + report.count(ActionOutcome::kStale);
  Json summary = report.toJson(now);
  if (!split->held_actions.empty()) summary["held"] = heldJson(*split);
  summary["driftUsers"] = static_cast<int64_t>(driftUsers(plan));
  const std::string outcome = failed > 0 ? "failed" : hold_destructive ? "blocked" : "ok";
  session->finishRun(run_id, outcome, summary, nowIso());
  for (const std::string& w : session->warnings()) err << "warning: " << w << "\n";
  logInfo("run finished", {{"command", "run"},
                           {"run", run_id},
                           {"outcome", outcome},
                           {"done", report.count(ActionOutcome::kDone)},
                           {"stale", report.count(ActionOutcome::kStale)},
                           {"failed", report.count(ActionOutcome::kFailed)},
                           {"skipped", report.count(ActionOutcome::kSkipped)},
                           {"held", split->held_actions.size()}});
  const int code = failed > 0 ? kExitError : hold_destructive ? kExitBlocked : kExitOk;
  return {code, outcome, metrics_dir};
}

std::string readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream text;
  text << f.rdbuf();
  return text.str();
}

}  // namespace

std::optional<std::chrono::seconds> parseRunInterval(const std::string& text) {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  const char unit = text.back();
  long long n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  if (n <= 0) return std::nullopt;
  switch (unit) {
    case 's':
      return std::chrono::seconds(n);
    case 'm':
      return std::chrono::seconds(n * 60);
    case 'h':
      return std::chrono::seconds(n * 3600);
    case 'd':
      return std::chrono::seconds(n * 86400);
    default:
      return std::nullopt;
  }
}

// `out` is unused: run reports through the service log (stdout), errors go to `err`.
int runRunCommand(const RunCommandArgs& args, std::ostream& /*out*/, std::ostream& err) {
  const auto interval = parseRunInterval(args.interval);
  if (!interval) {
    err << "scim-agent run: --interval must be a whole number with a unit (90s, 15m, 1h, 1d), "
           "not \""
        << args.interval << "\"\n";
    return kExitUsage;
  }
  if (args.loop && !installStopHandlers()) {
    err << "error: cannot install the SIGTERM/SIGINT handlers\n";
    return kExitError;
  }
  // One JSON object per line on stdout off a terminal (journald, SPEC §12); errors stay on stderr.
  useServiceLog(args.quiet, args.verbose);
  MetricsRegistry metrics;
  addAgentMetrics(metrics);
  std::string restored_from;  // the textfile whose counters this process continues
  int code = kExitOk;
  do {
    const auto started = std::chrono::steady_clock::now();
    logInfo("run started", {{"command", "run"}, {"config", args.config_path}});
    CycleResult cycle;
    try {
      cycle = runCycle(args, metrics, err);
    } catch (const std::exception& e) {
      // A bug below must not end a daemon loop silently; the cycle counts as failed.
      err << "error: internal error in the run: " << e.what() << "\n";
      cycle = {kExitError, "failed", args.metrics_dir};
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
                  std::chrono::duration<double>(cliNow().time_since_epoch()).count());
    }
    if (!cycle.metrics_dir.empty()) {
      Status written = writeMetricsTextfile(cycle.metrics_dir, metrics.render());
      if (!written.ok()) {
        err << "warning: " << written.error().message << "\n";
        if (code == kExitOk) code = kExitError;
      }
    }
    if (args.loop && !g_stop) sleepUntil(started + *interval);
  } while (args.loop && !g_stop);
  // The loop ends only on a signal: its cycles' failures were reported as they happened.
  return args.loop ? kExitOk : code;
}

}  // namespace scim_agent
