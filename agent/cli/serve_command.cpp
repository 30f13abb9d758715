// `scim-agent serve` (SPEC §12): the HR event endpoint and the periodic full cycle in one
// long-running process. It holds the state DB's writer lock for its whole life, so a timer `run`
// (or `apply`) started meanwhile waits SCIM_AGENT_LOCK_TIMEOUT_SECONDS (default 10) and exits 4;
// it never writes beside serve. Runs until SIGTERM or SIGINT: stops accepting, lets the current
// event finish, exits 0.
//
// It logs like `run` (SPEC §12 "Logs", agent/log/log.h): one JSON object per line on stdout
// when stdout is not a terminal (journald), human text on a TTY, --quiet / --verbose honoured.
// One record per event handled ("event handled": event, type, externalId, run, outcome, note,
// done, failed, durationMs), per periodic cycle ("cycle finished": run, outcome, counts, blocked;
// or "cycle failed"), and per warning. An error that stops serve before it listens goes to stderr.
//
// GET /metrics counts like run's textfile (agent/metrics/agent_metrics.h), over serve's life:
// API requests by status class and 429s (every HTTP response from Genesys), actions by kind and
// outcome (every event run and cycle), runs by outcome with the last duration and success time
// (EventServer), and the drift gauges of the last periodic cycle (an event's one-user run says
// nothing about the org's drift).

#include <chrono>
#include <iostream>

#include <Poco/Util/Option.h>
#include <pthread.h>
#include <signal.h>

#include "agent/base/duration.h"
#include "agent/cli/clock.h"
#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/config/secret_file.h"
#include "agent/log/log.h"
#include "agent/metrics/agent_metrics.h"
#include "agent/metrics/metrics.h"
#include "agent/serve/event_server.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

long long millisecondsSince(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started)
      .count();
}

// Acts on events and runs the periodic cycle through the Reconciler: the worker thread is its
// only user. Logs each and counts its actions in `metrics`.
class ReconcileProcessor final : public EventProcessor {
 public:
  ReconcileProcessor(Reconciler& reconciler, MetricsRegistry& metrics)
      : reconciler_(reconciler), metrics_(metrics) {}

  EventOutcome process(const EventRecord& event) override {
    const auto started = std::chrono::steady_clock::now();
    CycleOptions options;
    options.kind = RunKind::kApply;
    options.event = EventScope{event.external_id, event.type == "termination", event.id,
                               event.occurred_at};
    const CycleReport r = reconciler_.cycle(options);
    EventOutcome outcome;
    outcome.run_id = r.run_id;
    outcome.retry = r.retry;
    if (r.ignored) {
      outcome.state = "ignored";
      outcome.note = r.note;
    } else if (r.error) {
      outcome.state = "failed";
      outcome.note = r.error->message;
    } else {
      outcome.state = r.outcome == RunOutcome::kOk ? "processed" : "failed";
      outcome.note = r.note;
    }
    if (r.run_id > 0) outcome.run_outcome = r.error ? "failed" : runOutcomeName(r.outcome);
    countActions(r);
    const bool trouble = outcome.retry || outcome.state == "failed";
    logLine(trouble ? LogLevel::kWarn : LogLevel::kInfo, "event handled",
            {{"event", event.id},
             {"type", event.type},
             {"externalId", event.external_id},
             {"run", r.run_id},
             {"outcome", outcome.retry ? std::string("retry") : outcome.state},
             {"note", outcome.note},
             {"done", r.report.count(ActionOutcome::kDone)},
             {"failed", r.failedCount()},
             {"durationMs", millisecondsSince(started)}});
    logWarnings(r);
    return outcome;
  }

  std::string fullCycle() override {
    const auto started = std::chrono::steady_clock::now();
    CycleOptions options;
    options.kind = RunKind::kApply;
    const CycleReport r = reconciler_.cycle(options);
    if (r.error) {
      const bool busy = r.error->code == ErrorCode::kBusy;
      // A desired state that does not load skips the cycle; events keep the last good one.
      logError("cycle failed", {{"run", r.run_id},
                                {"outcome", busy ? "busy" : "failed"},
                                {"skipped", !r.diagnostics.empty()},
                                {"error", r.error->message},
                                {"durationMs", millisecondsSince(started)}});
      size_t shown = 0;
      for (const Diagnostic& d : r.diagnostics.items()) {
        if (++shown > kMaxLoggedProblems) break;
        logWarn("desired state problem", {{"problem", d.toString()}});
      }
      logWarnings(r);
      return busy ? "busy" : "failed";
    }
    countActions(r);
    setDriftGauges(metrics_, r.summary.getNumber("driftUsers", 0),
                   r.summary.getNumber("driftedUsers", 0));
    const ApplyReport& results = r.report;
    LogFields fields{{"run", r.run_id},
                     {"outcome", runOutcomeName(r.outcome)},
                     {"done", results.count(ActionOutcome::kDone)},
                     {"stale", results.count(ActionOutcome::kStale)},
                     {"failed", results.count(ActionOutcome::kFailed)},
                     {"skipped", results.count(ActionOutcome::kSkipped)},
                     {"held", r.holds.held_actions.size()},
                     {"blocked", r.destructive_skipped}};
    if (r.destructive_skipped) fields.push_back({"blockedBy", r.guardrail.message});
    fields.push_back({"durationMs", millisecondsSince(started)});
    const bool trouble = r.outcome != RunOutcome::kOk;
    logLine(trouble ? LogLevel::kWarn : LogLevel::kInfo, "cycle finished", fields);
    logWarnings(r);
    return runOutcomeName(r.outcome);
  }

 private:
  static constexpr size_t kMaxLoggedProblems = 20;

  void countActions(const CycleReport& r) {
    for (const ActionResult& result : r.report.results) {
      countAction(metrics_, actionKindName(r.holds.now.actions[result.index].kind),
                  actionOutcomeName(result.outcome));
    }
  }

  static void logWarnings(const CycleReport& r) {
    for (const std::string& w : r.warnings) logWarn("warning", {{"run", r.run_id}, {"message", w}});
    const std::string incomplete = r.incompleteSource();
    if (!incomplete.empty()) logWarn("warning", {{"run", r.run_id}, {"message", incomplete}});
  }

  Reconciler& reconciler_;
  MetricsRegistry& metrics_;
};

}  // namespace

// `out` is unused: serve reports through the service log (stdout); start-up errors go to `err`.
int runServe(const Args& args, std::ostream& /*out*/, std::ostream& err) {
  const auto interval = parseDuration(args.get("interval", "15m"));
  if (!interval) {
    err << "error: --interval must look like 15m, 30s or 1h (0: no periodic cycle), not \""
        << args.get("interval") << "\"\n";
    return kExitUsage;
  }
  // One JSON object per line on stdout off a terminal (journald, SPEC §12), as `run` does.
  useServiceLog(args.has("quiet"), args.has("verbose"));
  MetricsRegistry metrics;  // GET /metrics; outlives the agent, whose HTTP observer feeds it
  addAgentMetrics(metrics);
  std::unique_ptr<Agent> agent;
  SourceCache sources;  // an HR export unchanged since the last cycle is not parsed again
  const int opened = openAgent(
      args, err, agent, [&metrics](int status) { countApiRequest(metrics, status); }, &sources);
  if (opened != kExitOk) return opened;
  {
    // A desired state that does not load stops serve at start; later cycles report it and keep
    // the last good one for events.
    Diagnostics diags;
    loadDesiredState(agent->settings(), diags);
    if (!diags.empty()) {
      printDiagnostics(diags, err);
      return kExitError;
    }
  }
  const Config& config = agent->config();
  ServeOptions options;
  options.listen = args.get("listen", config.serve_listen);
  options.interval = *interval;
  options.port_file = args.get("port-file");
  options.hold_events = args.has("hold-events");
  options.tls_cert_file = config.serve_tls_cert_file;
  options.tls_key_file = config.serve_tls_key_file;
  if (config.serve_max_connections) options.max_connections = *config.serve_max_connections;
  if (config.serve_request_timeout) options.request_timeout = *config.serve_request_timeout;
  if (config.serve_event_secret_file.empty()) {
    err << "error: serve.eventSecretFile is not set: serve refuses unsigned events\n";
    return kExitError;
  }
  auto secret = readSecretFile(config.serve_event_secret_file, "serve.eventSecretFile");
  if (!secret.ok()) return printError(secret.error(), err);
  options.secret = std::move(secret.value());
  options.clock = &cliClock();
  options.metrics = &metrics;
  // The writer lock for serve's whole life (SPEC §10): a concurrent run exits 4.
  Status locked = agent->reconciler().lock();
  if (!locked.ok()) return printError(locked.error(), err);
  // SIGTERM/SIGINT are taken by sigwait below, not by a handler: blocked before any thread starts,
  // so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ReconcileProcessor processor(agent->reconciler(), metrics);
  EventServer server(agent->store(), processor, options);
  Status started = server.start();
  if (!started.ok()) return printError(started.error(), err);
  logInfo("listening", {{"command", "serve"},
                        {"url", (options.tls_cert_file.empty() ? "http://" : "https://") +
                                    options.listen.substr(0, options.listen.rfind(':')) + ":" +
                                    std::to_string(server.port())},
                        {"routes", "POST /v1/events, GET /healthz, GET /metrics"}});
  int received = 0;
  sigwait(&signals, &received);
  logInfo("stopping after the current event",
          {{"command", "serve"}, {"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server.stop();
  logInfo("stopped", {{"command", "serve"}});
  return kExitOk;
}

void addServeOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(Option("listen", "l", "host:port to listen on (overrides serve.listen)")
                    .argument("HOST:PORT"));
  set.addOption(Option("interval", "i", "full cycle every 15m (default), 30s, 1h; 0: none")
                    .argument("DURATION"));
  set.addOption(Option("port-file", "", "write the bound port to FILE").argument("FILE"));
  set.addOption(Option("hold-events", "", "test only: journal events, do not act on them"));
}

}  // namespace scim_agent
