#include "agent/cli/serve_command.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "agent/base/diagnostics.h"
#include "agent/cli/clock.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/session.h"
#include "agent/serve/event_server.h"
#include "state/state_store.h"

namespace scim_agent {
namespace {

// "15m", "30s", "1h", "90" (seconds); nullopt when unreadable.
std::optional<std::chrono::seconds> parseInterval(const std::string& text) {
  if (text.empty()) return std::chrono::minutes(15);
  size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
  if (n < 0) return std::nullopt;
  if (unit.empty() || unit == "s") return std::chrono::seconds(n);
  if (unit == "m") return std::chrono::minutes(n);
  if (unit == "h") return std::chrono::hours(n);
  return std::nullopt;
}

// Acts through the Session: the worker thread is its only user.
class SessionProcessor final : public EventProcessor {
 public:
  SessionProcessor(Session& session, std::ostream& err) : session_(session), err_(err) {}

  EventOutcome process(const EventRecord& event) override {
    const bool terminate = event.type == "termination";
    if (terminate) {
      // Recorded before acting: it holds over the desired state from now on (SPEC §12).
      Status held = session_.store().recordTermination(event.external_id, event.id,
                                                        event.occurred_at, cliNowIso());
      if (!held.ok()) {
        err_ << "serve: event " << event.id << ": will retry: " << held.error().message << "\n";
        return {"failed", 0, held.error().message, true};
      }
    }
    Session::UserReconcile r = session_.reconcileUser(event.external_id, terminate, cliNowIso());
    err_ << "serve: event " << event.id << " (" << event.type << " " << event.external_id
         << "): " << (r.retry ? "will retry: " : r.state + ": ") << r.note << "\n";
    return {r.state, r.run_id, r.note, r.retry};
  }

  std::string fullCycle() override {
    Diagnostics diags;
    if (!session_.reloadDesired(diags)) {
      err_ << "serve: cycle skipped: the desired state has " << diags.size()
           << " problem(s); the first: " << diags.items().front().toString() << "\n";
      return "failed";
    }
    auto planned = session_.plan("apply", cliNowIso());
    if (!planned.ok()) {
      err_ << "serve: cycle failed: " << planned.error().message << "\n";
      return planned.error().code == ErrorCode::kBusy ? "busy" : "failed";
    }
    ApplyOptions options;
    options.skip_destructive = planned->guardrail.blocked;
    if (planned->guardrail.blocked) err_ << "serve: cycle blocked: " << planned->guardrail.message << "\n";
    ApplyReport report = session_.apply(planned->run_id, planned->plan, options, true);
    const std::string outcome =
        report.allDone() ? (planned->guardrail.blocked ? "blocked" : "ok") : "failed";
    session_.finishRun(planned->run_id, outcome, report.toJson(planned->plan), cliNowIso());
    err_ << "serve: cycle run " << planned->run_id << ": " << outcome << ", "
         << report.count(ActionOutcome::kDone) << " done\n";
    return outcome;
  }

 private:
  Session& session_;
  std::ostream& err_;
};

}  // namespace

int runServeCommand(const ServeCommandArgs& args, std::ostream& out, std::ostream& err) {
  const auto interval = parseInterval(args.interval);
  if (!interval) {
    err << "error: --interval must look like 15m, 30s or 1h, not \"" << args.interval << "\"\n";
    return kExitUsage;
  }
  Diagnostics diags;
  auto session = Session::load(args.config_path, args.desired_path, diags);
  if (!session) {
    for (const auto& d : diags.sorted()) err << d.toString() << "\n";
    return kExitError;
  }
  const Config& config = session->config();
  ServeOptions options;
  options.listen = args.listen.empty() ? config.serve_listen : args.listen;
  options.interval = *interval;
  options.port_file = args.port_file;
  options.hold_events = args.hold_events;
  {
    std::ifstream f(config.serve_event_secret_file, std::ios::binary);
    std::stringstream text;
    text << f.rdbuf();
    options.secret = text.str();
    while (!options.secret.empty() &&
           (options.secret.back() == '\n' || options.secret.back() == '\r')) {
      options.secret.pop_back();
    }
    if (config.serve_event_secret_file.empty() || !f || options.secret.empty()) {
      err << "error: serve.eventSecretFile " << config.serve_event_secret_file
          << " is not set, cannot be read or is empty\n";
      return kExitError;
    }
  }
  // The writer lock for serve's whole life (SPEC §10): a concurrent run exits 4.
  Status locked = session->lockState();
  if (!locked.ok()) {
    err << "error: " << locked.error().message << "\n";
    return locked.error().code == ErrorCode::kBusy ? kExitBusy : kExitError;
  }
  // SIGTERM/SIGINT are taken by sigwait below, not by a handler: blocked before any thread starts,
  // so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  SessionProcessor processor(*session, err);
  EventServer server(session->store(), processor, options);
  Status started = server.start();
  if (!started.ok()) {
    err << "error: " << started.error().message << "\n";
    return kExitError;
  }
  if (!args.quiet) {
    out << "serve: listening on " << options.listen.substr(0, options.listen.rfind(':')) << ":"
        << server.port() << " (POST /v1/events, GET /healthz, GET /metrics)" << std::endl;
  }
  int received = 0;
  sigwait(&signals, &received);
  err << "serve: " << (received == SIGTERM ? "SIGTERM" : "SIGINT")
      << ": stopping after the current event\n";
  server.stop();
  return kExitOk;
}

}  // namespace scim_agent
