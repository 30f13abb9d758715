#pragma once

// `scim-agent serve` (SPEC §12): the HR event endpoint, the worker that acts on journaled events
// in order, GET /healthz and /metrics, and the periodic full cycle. The acting is the caller's
// (EventProcessor, implemented over the CLI's Session in cli/serve_command.cpp), so this module
// knows HTTP, the event journal and the schedule, not plans.
//
// Durability: an event is journaled (StateStore::journalEvent, synchronous=FULL) before its 202;
// the worker settles it after acting. On start the worker first takes every event still
// "received", so an event accepted by a process that died (even SIGKILL) is acted on after the
// restart.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/base/result.h"
#include "state/state_store.h"

namespace scim_agent {

class Clock;
class MetricsRegistry;

// What acting on one event came to (StateStore::settleEvent).
struct EventOutcome {
  std::string state;  // processed | failed | ignored
  int64_t run_id = 0;
  std::string note;
  bool retry = false;  // leave it "received" and try again later (Genesys unreachable)
  // The recorded run's outcome for scim_agent_runs_total (ok | failed | blocked), counted with
  // the run's duration like a periodic cycle; "" when the event recorded no run (ignored).
  std::string run_outcome;
};

// The acting side. Called from the worker thread only, one call at a time.
class EventProcessor {
 public:
  virtual ~EventProcessor() = default;
  virtual EventOutcome process(const EventRecord& event) = 0;
  // One full reconcile cycle (plan and apply everything); its problems are its own to report.
  // Returns the outcome for scim_agent_runs_total: ok | failed | blocked | busy.
  virtual std::string fullCycle() = 0;
};

struct ServeOptions {
  // host:port; port 0 picks a free one. Without TLS only a loopback host (127.0.0.0/8, ::1,
  // localhost) is accepted: start() refuses any other with kInvalidInput.
  std::string listen = "127.0.0.1:8443";
  // serve.tls: both set (absolute paths, PEM) → HTTPS only, TLS 1.2 or later; both empty → plain
  // HTTP, loopback only.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Connections open at once (serve.maxConnections), each answered by its own worker thread; one
  // more is closed as soon as it is accepted. Sized so that /healthz and events are still
  // answered while a few dozen slow clients hold connections until their deadline.
  int max_connections = 64;
  // The whole-request deadline (serve.requestTimeout): from a request's first byte to the last
  // byte of its body, however slowly it trickles in. A request past it is answered 408 (plain
  // HTTP; over TLS the connection is only closed) and its connection closed.
  std::chrono::milliseconds request_timeout{10'000};
  // How long a connection may sit idle before its first request and between keep-alive requests;
  // also the bound on any single read or write.
  std::chrono::milliseconds idle_timeout{5'000};
  std::string secret;                     // serve.eventSecretFile's content
  std::chrono::seconds interval{15 * 60};  // the periodic full cycle; 0: none
  std::string port_file;                   // the bound port is written here when not empty
  // The wall clock for the timestamp window of POST /v1/events and every time the server records
  // (events' received and settled times, the last-success metric); null: a SystemClock. Must
  // outlive the server; read from the HTTP threads and the worker, so thread-safe (every Clock
  // is). Intervals (the periodic cycle, retries, latency) run on std::chrono::steady_clock.
  const Clock* clock = nullptr;
  // The registry GET /metrics renders, when the caller feeds it too (serve's API request and
  // action counters); null: the server's own. Must outlive the server; thread-safe.
  MetricsRegistry* metrics = nullptr;
  // Test-only: journal events but do not act on them (the crash-recovery test kills serve while
  // an accepted event waits).
  bool hold_events = false;
};

class EventServer {
 public:
  // `store` and `processor` must outlive the server.
  EventServer(StateStore& store, EventProcessor& processor, ServeOptions options);
  ~EventServer();
  EventServer(const EventServer&) = delete;
  EventServer& operator=(const EventServer&) = delete;

  // Binds serve.listen, starts the HTTP threads and the worker. kInvalidInput for a bad listen
  // address, a non-loopback one without TLS, or a certificate or key that does not load; kIo
  // when it cannot bind or write the port file.
  Status start();
  // Stops accepting, cuts every connection still reading (a response being written is
  // finished), lets the worker finish the event it is acting on, joins. Idempotent.
  void stop();
  int port() const;

  // GET /metrics: Prometheus text exposition (agent/metrics' scim_agent_* families, plus
  // scim_agent_serve_http_responses_total{status} and scim_agent_events_total{type,state}).
  // The server counts its HTTP responses, events and dropped connections, and per recorded run
  // (each periodic cycle, and each event that recorded one) scim_agent_runs_total, the run
  // duration and the last success time; the rest (API requests, actions, drift) is the
  // registry owner's to count (ServeOptions::metrics).
  std::string metricsText() const;

  struct Impl;

 private:
  void workerLoop();
  // Counts one recorded run (scim_agent_runs_total, its duration, the last success time).
  void recordRun(const std::string& outcome, std::chrono::steady_clock::time_point started);

  StateStore& store_;
  EventProcessor& processor_;
  ServeOptions options_;
  std::unique_ptr<Impl> impl_;
  std::thread worker_;
};

}  // namespace scim_agent
