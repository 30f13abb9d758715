// `scim-agent serve` (SPEC §12): the HR event endpoint and the periodic full cycle in one
// long-running process. It holds the state DB's writer lock for its whole life, so a timer `run`
// (or `apply`) started meanwhile waits SCIM_AGENT_LOCK_TIMEOUT_SECONDS (default 10) and exits 4;
// it never writes beside serve. Runs until SIGTERM or SIGINT: stops accepting, lets the current
// event finish, exits 0.

#include <pthread.h>
#include <signal.h>

#include <iostream>

#include <Poco/Util/Option.h>

#include "agent/base/duration.h"
#include "agent/config/secret_file.h"
#include "agent/cli/clock.h"
#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/serve/event_server.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

// Acts on events and runs the periodic cycle through the Reconciler: the worker thread is its
// only user.
class ReconcileProcessor final : public EventProcessor {
 public:
  ReconcileProcessor(Reconciler& reconciler, std::ostream& err)
      : reconciler_(reconciler), err_(err) {}

  EventOutcome process(const EventRecord& event) override {
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
    err_ << "serve: event " << event.id << " (" << event.type << " " << event.external_id
         << "): " << (outcome.retry ? "will retry: " : outcome.state + ": ") << outcome.note
         << "\n";
    for (const std::string& w : r.warnings) err_ << "serve: warning: " << w << "\n";
    return outcome;
  }

  std::string fullCycle() override {
    CycleOptions options;
    options.kind = RunKind::kApply;
    const CycleReport r = reconciler_.cycle(options);
    if (r.error) {
      err_ << "serve: cycle " << (r.diagnostics.empty() ? "failed: " : "skipped: ")
           << r.error->message << "\n";
      return r.error->code == ErrorCode::kBusy ? "busy" : "failed";
    }
    if (r.destructive_skipped) err_ << "serve: cycle blocked: " << r.guardrail.message << "\n";
    for (const std::string& w : r.warnings) err_ << "serve: warning: " << w << "\n";
    err_ << "serve: cycle run " << r.run_id << ": " << runOutcomeName(r.outcome) << ", "
         << r.report.count(ActionOutcome::kDone) << " done\n";
    return runOutcomeName(r.outcome);
  }

 private:
  Reconciler& reconciler_;
  std::ostream& err_;
};

}  // namespace

int runServe(const Args& args, std::ostream& out, std::ostream& err) {
  const auto interval = parseDuration(args.get("interval", "15m"));
  if (!interval) {
    err << "error: --interval must look like 15m, 30s or 1h (0: no periodic cycle), not \""
        << args.get("interval") << "\"\n";
    return kExitUsage;
  }
  std::unique_ptr<Agent> agent;
  SourceCache sources;  // an HR export unchanged since the last cycle is not parsed again
  if (int code = openAgent(args, err, agent, nullptr, &sources); code != kExitOk) return code;
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

  ReconcileProcessor processor(agent->reconciler(), err);
  EventServer server(agent->store(), processor, options);
  Status started = server.start();
  if (!started.ok()) return printError(started.error(), err);
  if (!args.has("quiet")) {
    out << "serve: listening on " << (options.tls_cert_file.empty() ? "http://" : "https://")
        << options.listen.substr(0, options.listen.rfind(':')) << ":" << server.port()
        << " (POST /v1/events, GET /healthz, GET /metrics)" << std::endl;
  }
  int received = 0;
  sigwait(&signals, &received);
  err << "serve: " << (received == SIGTERM ? "SIGTERM" : "SIGINT")
      << ": stopping after the current event\n";
  server.stop();
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
