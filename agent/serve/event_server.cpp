#include "agent/serve/event_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <istream>
#include <limits>
#include <list>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include <openssl/ssl.h>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>

#include "agent/base/clock.h"
#include "agent/base/host.h"
#include "agent/base/json.h"
#include "agent/metrics/agent_metrics.h"
#include "agent/metrics/metrics.h"
#include "agent/serve/event_intake.h"

namespace scim_agent {
namespace {

using Steady = std::chrono::steady_clock;

constexpr int64_t kMaxDrainBytes = 1024 * 1024;
constexpr int kListenBacklog = 64;
constexpr int kMaxKeepAliveRequests = 100;
constexpr const char* kHttpResponses = "scim_agent_serve_http_responses_total";
constexpr const char* kEvents = "scim_agent_events_total";
constexpr const char* kDropped = "scim_agent_serve_connections_dropped_total";

// The scim_agent_* families (agent/metrics) and serve's own three.
void addServeMetrics(MetricsRegistry& metrics) {
  addAgentMetrics(metrics);
  metrics.addCounter(kHttpResponses, "Responses of serve's HTTP endpoint, by status.");
  metrics.addCounter(kEvents, "HR events acted on, by type and state (processed, failed, ignored).");
  metrics.addCounter(kDropped,
                     "Connections serve closed without reading a whole request: over "
                     "serve.maxConnections (limit) or past serve.requestTimeout (deadline).");
}

// The deadlines of the open connections, and the thread that enforces them. A connection is cut
// by shutting down the reading side of its socket (for TLS too: the descriptor under the SSL
// layer), which wakes a read blocked on it with end-of-file; writing still works, so a 408 can be
// sent over plain HTTP. Per-read timeouts alone cannot bound a request that trickles in a byte at
// a time, and the header of a request is read before any handler runs, so the deadline is kept
// here, outside the reads. Thread-safe.
class ConnectionGuard {
 public:
  struct Entry {
    Poco::Net::StreamSocket socket;  // holds the descriptor open while the entry exists
    Steady::time_point deadline = Steady::time_point::max();
    bool expired = false;
  };
  using Slot = std::list<Entry>::iterator;

  explicit ConnectionGuard(std::function<void()> on_expired)
      : on_expired_(std::move(on_expired)), reaper_([this] { reap(); }) {}
  ~ConnectionGuard() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    reaper_.join();
  }
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;

  // A new connection; nullopt once stopAll() was called (the connection is to end at once).
  std::optional<Slot> open(const Poco::Net::StreamSocket& socket) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return std::nullopt;
    entries_.push_back(Entry{socket});
    return std::prev(entries_.end());
  }
  void close(Slot slot) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.erase(slot);
  }
  void arm(Slot slot, Steady::time_point deadline) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      slot->deadline = deadline;
    }
    cv_.notify_all();
  }
  void disarm(Slot slot) {
    std::lock_guard<std::mutex> lock(mu_);
    slot->deadline = Steady::time_point::max();
  }
  bool expired(Slot slot) const {
    std::lock_guard<std::mutex> lock(mu_);
    return slot->expired;
  }
  bool stopping() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }
  // Refuses new connections and cuts the reading side of every open one: a connection waiting
  // for (or reading) a request ends; a response being written is finished.
  void stopAll() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (Entry& e : entries_) cut(e.socket);
  }

 private:
  static void cut(const Poco::Net::StreamSocket& socket) {
    ::shutdown(socket.impl()->sockfd(), SHUT_RD);  // fails harmlessly on a closed connection
  }

  void reap() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!quit_) {
      const Steady::time_point now = Steady::now();
      Steady::time_point next = now + std::chrono::hours(1);
      int cut_now = 0;
      for (Entry& e : entries_) {
        if (e.deadline <= now) {
          e.deadline = Steady::time_point::max();
          e.expired = true;
          cut(e.socket);
          ++cut_now;
        } else {
          next = std::min(next, e.deadline);
        }
      }
      if (cut_now > 0) {
        lock.unlock();
        for (int i = 0; i < cut_now; ++i) on_expired_();
        lock.lock();
        continue;
      }
      cv_.wait_until(lock, next);
    }
  }

  std::function<void()> on_expired_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::list<Entry> entries_;
  bool stopping_ = false;
  bool quit_ = false;
  std::thread reaper_;  // last: starts after every other member is ready
};

}  // namespace

struct EventServer::Impl {
  Impl(StateStore& s, EventServer& e, const ServeOptions& o)
      : store(s),
        server(e),
        options(o),
        clock(o.clock ? *o.clock : system_clock),
        metrics(o.metrics ? *o.metrics : own_metrics),
        guard([this] {
          metrics.increment(kDropped, {{"reason", "deadline"}});
        }) {}

  // The wall clock as ISO-8601 (journal columns) and as Unix seconds (signatures, metrics).
  std::string nowIso() const { return formatIso8601(clock.now()); }
  int64_t nowUnix() const {
    return std::chrono::floor<std::chrono::seconds>(clock.now().time_since_epoch()).count();
  }

  StateStore& store;
  EventServer& server;
  const ServeOptions& options;
  SystemClock system_clock;
  const Clock& clock;
  MetricsRegistry own_metrics;
  MetricsRegistry& metrics;  // options.metrics or own_metrics
  // The HTTP side: every open connection has a worker thread of `pool`, a slot in `guard`, and
  // is counted in `open_connections` from its accept to its end (over the cap: closed at once).
  ConnectionGuard guard;
  std::atomic<int> open_connections{0};
  Poco::Net::HTTPServerParams::Ptr params;
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::TCPServer> tcp;
  int port = 0;
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  bool pending = true;  // events may wait in the journal: look at start
  // When each event was accepted by this process (event-to-action latency).
  std::map<int64_t, std::chrono::steady_clock::time_point> accepted;
};

namespace {

class Handler {
 public:
  Handler(EventServer::Impl& impl, ConnectionGuard::Slot slot) : impl_(impl), slot_(slot) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) {
    int status = 500;
    try {
      status = route(request, response);
    } catch (const Poco::Exception& e) {
      if (response.sent()) throw;  // the connection failed while answering: nothing to add
      status = answer(response, 500, error(500, "internal error: " + e.displayText()));
    } catch (const std::exception& e) {
      if (response.sent()) throw;
      status = answer(response, 500, error(500, std::string("internal error: ") + e.what()));
    }
    impl_.metrics.increment(kHttpResponses, {{"status", std::to_string(status)}});
  }

  static Json error(int status, const std::string& message) {
    Json j = Json::object();
    j["error"] = message;
    j["status"] = status;
    return j;
  }

  // Every answer carries its status's reason phrase (413 Request Entity Too Large, not 413 OK).
  static int answer(Poco::Net::HTTPServerResponse& response, int status, const Json& body,
                    const std::string& type = "application/json") {
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType(type);
    const std::string text = body.isString() ? body.asString() : body.dump() + "\n";
    response.setContentLength(static_cast<std::streamsize>(text.size()));
    response.send() << text;
    return status;
  }

 private:
  std::string deadlineText() const {
    return std::to_string(impl_.options.request_timeout.count()) + " ms";
  }

  int route(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const std::string& uri = request.getURI();
    const std::string path = uri.substr(0, uri.find('?'));
    const std::string& method = request.getMethod();
    if (path == "/healthz") {
      if (method != "GET") return answer(response, 405, error(405, "use GET"));
      auto runs = impl_.store.listRuns(1);  // the state DB answers
      if (!runs.ok()) return answer(response, 503, error(503, runs.error().message));
      return answer(response, 200, Json(Json::Object{{"status", "ok"}}));
    }
    if (path == "/metrics") {
      if (method != "GET") return answer(response, 405, error(405, "use GET"));
      return answer(response, 200, Json(impl_.server.metricsText()), kExpositionContentType);
    }
    if (path != "/v1/events") return answer(response, 404, error(404, "no such endpoint: " + path));
    if (method != "POST") return answer(response, 405, error(405, "use POST"));
    std::string type = request.getContentType();
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    if (type != "application/json") {
      response.setKeepAlive(false);
      return answer(response, 415, error(415, "Content-Type must be application/json"));
    }
    if (request.hasContentLength() &&
        request.getContentLength64() > static_cast<int64_t>(kMaxEventBodyBytes)) {
      // Refused on the header alone. A body up to 1 MiB is discarded unparsed, so a client still
      // sending it reads the 413 rather than a reset; a larger one is cut off with the connection.
      if (request.getContentLength64() <= kMaxDrainBytes) {
        request.stream().ignore(std::numeric_limits<std::streamsize>::max());
      }
      response.setKeepAlive(false);
      return answer(response, 413, error(413, "body larger than 65536 bytes"));
    }
    if (request.getExpectContinue()) response.sendContinue();
    // The body, within the request's deadline: the guard cuts the reading side when it passes,
    // which ends a read blocked here with end-of-file.
    std::string body;
    bool stalled = false;
    try {
      std::istream& in = request.stream();
      char buf[8192];
      while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        body.append(buf, static_cast<size_t>(in.gcount()));
        if (body.size() > kMaxEventBodyBytes) {
          response.setKeepAlive(false);
          return answer(response, 413, error(413, "body larger than 65536 bytes"));
        }
      }
      stalled = in.bad();
    } catch (const Poco::TimeoutException&) {
      stalled = true;  // one read waited longer than the idle timeout
    }
    if (impl_.guard.expired(slot_) || stalled) {
      response.setKeepAlive(false);
      return answer(response, 408,
                    error(408, "the request was not received within " + deadlineText()));
    }
    if (request.hasContentLength() &&
        static_cast<int64_t>(body.size()) < request.getContentLength64()) {
      response.setKeepAlive(false);
      return answer(response, 400,
                    error(400, "the body ended after " + std::to_string(body.size()) + " of " +
                                   std::to_string(request.getContentLength64()) + " bytes"));
    }
    impl_.guard.disarm(slot_);  // whole: journaling and answering are ours, not the client's
    const IntakeVerdict verdict =
        checkEvent(impl_.options.secret, request.get("X-Scim-Agent-Timestamp", ""),
                   request.get("X-Scim-Agent-Signature", ""), body, impl_.nowUnix());
    if (verdict.status != 0) {
      return answer(response, verdict.status, error(verdict.status, verdict.error));
    }
    const IntakeEvent& e = verdict.event;
    auto id = impl_.store.journalEvent(e.key, e.type, e.external_id, e.occurred_at, body,
                                       impl_.nowIso());
    if (!id.ok()) {
      return answer(response, 503, error(503, "could not journal the event: " + id.error().message));
    }
    if (!id->has_value()) {
      return answer(response, 409, error(409, "replayed event: " + e.key.substr(0, 4) +
                                                  " already received"));
    }
    {
      std::lock_guard<std::mutex> lock(impl_.mu);
      impl_.accepted[**id] = Steady::now();
      impl_.pending = true;
    }
    impl_.wake.notify_one();
    Json ok = Json::object();
    ok["id"] = static_cast<int64_t>(**id);
    ok["status"] = "accepted";
    return answer(response, 202, ok);
  }

  EventServer::Impl& impl_;
  ConnectionGuard::Slot slot_;
};

// One client connection: its requests in turn, each under the whole-request deadline (armed
// before the request line is read, so a header that trickles in is cut too). The loop is
// POCO's HTTPServerConnection::run with the deadline added and our handler called directly.
class GuardedConnection final : public Poco::Net::TCPServerConnection {
 public:
  GuardedConnection(const Poco::Net::StreamSocket& socket, EventServer::Impl& impl)
      : Poco::Net::TCPServerConnection(socket), impl_(impl) {}
  ~GuardedConnection() override { impl_.open_connections.fetch_sub(1); }

  void run() override {
    const std::optional<ConnectionGuard::Slot> slot = impl_.guard.open(socket());
    if (!slot) return;  // serve is stopping
    struct Closer {
      ConnectionGuard& guard;
      ConnectionGuard::Slot slot;
      ~Closer() { guard.close(slot); }
    } closer{impl_.guard, *slot};
    Poco::Net::HTTPServerParams::Ptr params = impl_.params;
    Poco::Net::HTTPServerSession session(socket(), params);
    while (!impl_.guard.stopping() && session.hasMoreRequests()) {
      impl_.guard.arm(*slot, Steady::now() + impl_.options.request_timeout);
      try {
        Poco::Net::HTTPServerResponseImpl response(session);
        Poco::Net::HTTPServerRequestImpl request(response, session, params.get());
        if (impl_.guard.expired(*slot)) {
          // POCO takes end-of-file inside the header for its end: this request was cut short.
          answerBare(session, 408);
          break;
        }
        response.setDate(Poco::Timestamp());
        response.setVersion(request.getVersion());
        response.setKeepAlive(params->getKeepAlive() && request.getKeepAlive() &&
                              session.canKeepAlive());
        Handler(impl_, *slot).handleRequest(request, response);
        session.setKeepAlive(params->getKeepAlive() && response.getKeepAlive() &&
                             session.canKeepAlive() && !impl_.guard.expired(*slot));
      } catch (const Poco::Net::NoMessageException&) {
        break;  // closed (or cut) before a request began
      } catch (const Poco::Net::MessageException&) {
        // A request line or header that is malformed, or was cut at the deadline.
        answerBare(session, impl_.guard.expired(*slot) ? 408 : 400);
        break;
      } catch (const Poco::Exception&) {
        break;  // the connection failed (reset, timeout, TLS): nobody to answer
      }
      impl_.guard.disarm(*slot);
    }
  }

 private:
  void answerBare(Poco::Net::HTTPServerSession& session, int status) {
    try {
      Poco::Net::HTTPServerResponseImpl response(session);
      response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
      response.setKeepAlive(false);
      const std::string message =
          status == 408 ? "the request was not received within " +
                              std::to_string(impl_.options.request_timeout.count()) + " ms"
                        : "malformed request";
      Handler::answer(response, status, Handler::error(status, message));
      impl_.metrics.increment(kHttpResponses, {{"status", std::to_string(status)}});
    } catch (const Poco::Exception&) {
      // The client is gone (or TLS failed after the cut): the connection ends either way.
    }
    session.setKeepAlive(false);
  }

  EventServer::Impl& impl_;
};

class ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  explicit ConnectionFactory(EventServer::Impl& impl) : impl_(impl) {}
  Poco::Net::TCPServerConnection* createConnection(
      const Poco::Net::StreamSocket& socket) override {
    return new GuardedConnection(socket, impl_);
  }

 private:
  EventServer::Impl& impl_;
};

// The connection cap: counted from accept (queued for a worker or answered) to the end of the
// connection; one over serve.maxConnections is closed as soon as it is accepted.
class ConnectionCap final : public Poco::Net::TCPServerConnectionFilter {
 public:
  explicit ConnectionCap(EventServer::Impl& impl) : impl_(impl) {}
  bool accept(const Poco::Net::StreamSocket&) override {
    if (impl_.open_connections.fetch_add(1) >= impl_.options.max_connections) {
      impl_.open_connections.fetch_sub(1);
      impl_.metrics.increment(kDropped, {{"reason", "limit"}});
      return false;
    }
    return true;
  }

 private:
  EventServer::Impl& impl_;
};

// The HTTPS context of serve.tls: the certificate (chain) and its key, TLS 1.2 or later, no
// client certificates.
Result<Poco::Net::Context::Ptr> serverContext(const ServeOptions& options) {
  static std::once_flag ssl_once;
  std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
  const std::string files = "serve.tls (certFile " + options.tls_cert_file + ", keyFile " +
                            options.tls_key_file + ")";
  try {
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_SERVER_USE, options.tls_key_file, options.tls_cert_file, "",
        Poco::Net::Context::VERIFY_NONE, 9, false);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    if (SSL_CTX_check_private_key(context->sslContext()) != 1) {
      return Error(ErrorCode::kInvalidInput,
                   "serve: " + files + ": the key does not belong to the certificate");
    }
    return context;
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kInvalidInput, "serve: cannot load " + files + ": " + e.displayText());
  }
}

}  // namespace

EventServer::EventServer(StateStore& store, EventProcessor& processor, ServeOptions options)
    : store_(store), processor_(processor), options_(std::move(options)),
      impl_(std::make_unique<Impl>(store_, *this, options_)) {
  addServeMetrics(impl_->metrics);
}

EventServer::~EventServer() { stop(); }

int EventServer::port() const { return impl_->port; }

std::string EventServer::metricsText() const { return impl_->metrics.render(); }

Status EventServer::start() {
  const bool tls = !options_.tls_cert_file.empty() || !options_.tls_key_file.empty();
  const std::string host = options_.listen.substr(0, options_.listen.rfind(':'));
  if (tls && (options_.tls_cert_file.empty() || options_.tls_key_file.empty())) {
    return Error(ErrorCode::kInvalidInput, "serve.tls needs both certFile and keyFile");
  }
  if (!tls && !isLoopbackHost(host)) {
    return Error(ErrorCode::kInvalidInput,
                 "serve: refusing to listen on " + options_.listen +
                     " with plain HTTP: events carry personnel data, so plain HTTP is only for "
                     "loopback (127.0.0.0/8, ::1, localhost); configure serve.tls (certFile, "
                     "keyFile) to listen there with HTTPS");
  }
  if (options_.max_connections < 1 || options_.request_timeout.count() <= 0 ||
      options_.idle_timeout.count() <= 0) {
    return Error(ErrorCode::kInvalidInput,
                 "serve: maxConnections, requestTimeout and the idle timeout must be positive");
  }
  try {
    Poco::Net::SocketAddress address(options_.listen);
    Poco::Net::ServerSocket socket;
    if (tls) {
      auto context = serverContext(options_);
      if (!context.ok()) return context.error();
      socket = Poco::Net::SecureServerSocket(address, kListenBacklog, *context);
    } else {
      socket = Poco::Net::ServerSocket(address, kListenBacklog);
    }
    impl_->port = socket.address().port();
    const Poco::Timespan idle(std::chrono::duration_cast<std::chrono::microseconds>(
                                  options_.idle_timeout).count());
    impl_->params = new Poco::Net::HTTPServerParams();
    // A worker per open connection, so connections held by slow clients (until their deadline)
    // leave the others theirs; the cap (ConnectionCap) keeps the queue from ever filling.
    impl_->params->setMaxThreads(options_.max_connections);
    impl_->params->setMaxQueued(options_.max_connections + 1);
    impl_->params->setThreadIdleTime(Poco::Timespan(1, 0));
    impl_->params->setTimeout(idle);  // the first request's wait, and every single read or write
    impl_->params->setKeepAlive(true);
    impl_->params->setKeepAliveTimeout(idle);
    impl_->params->setMaxKeepAliveRequests(kMaxKeepAliveRequests);
    impl_->pool = std::make_unique<Poco::ThreadPool>(2, options_.max_connections, 10);
    impl_->tcp = std::make_unique<Poco::Net::TCPServer>(new ConnectionFactory(*impl_),
                                                        *impl_->pool, socket, impl_->params);
    impl_->tcp->setConnectionFilter(new ConnectionCap(*impl_));
  } catch (const Poco::Exception& e) {
    impl_->tcp.reset();
    return Error(ErrorCode::kIo, "serve: cannot listen on " + options_.listen + ": " +
                                     e.displayText());
  }
  if (!options_.port_file.empty()) {
    const std::string tmp = options_.port_file + ".tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << impl_->port << "\n";
      if (!f) return Error(ErrorCode::kIo, "serve: cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), options_.port_file.c_str()) != 0) {
      return Error(ErrorCode::kIo, "serve: cannot write " + options_.port_file);
    }
  }
  worker_ = std::thread([this] { workerLoop(); });
  impl_->tcp->start();
  return Status::success();
}

void EventServer::stop() {
  if (impl_->tcp) {
    impl_->tcp->stop();          // stop accepting; connections waiting for a worker are closed
    impl_->guard.stopAll();      // cut every open connection's reading side
    impl_->pool->joinAll();      // each ends; a response being written is finished first
    impl_->tcp.reset();
  }
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (worker_.joinable()) worker_.join();
}

void EventServer::recordRun(const std::string& outcome,
                            std::chrono::steady_clock::time_point started) {
  impl_->metrics.increment(kRunsTotal, {{"outcome", outcome}});
  impl_->metrics.set(kRunDurationSeconds, {},
                     std::chrono::duration<double>(Steady::now() - started).count());
  if (outcome == "ok") {
    impl_->metrics.set(kLastSuccessTimestampSeconds, {}, static_cast<double>(impl_->nowUnix()));
  }
}

void EventServer::workerLoop() {
  const bool periodic = options_.interval.count() > 0;
  Steady::time_point next_cycle = Steady::now();
  Steady::time_point retry_at = Steady::time_point::min();
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(impl_->mu);
      if (impl_->stopping) return;
      impl_->pending = false;
    }
    bool retry = false;
    if (!options_.hold_events && Steady::now() >= retry_at) {
      auto events = store_.receivedEvents();
      for (const EventRecord& e : events.ok() ? *events : std::vector<EventRecord>{}) {
        {
          std::lock_guard<std::mutex> lock(impl_->mu);
          if (impl_->stopping) return;
        }
        const auto run_start = Steady::now();
        EventOutcome outcome = processor_.process(e);
        if (!outcome.run_outcome.empty()) recordRun(outcome.run_outcome, run_start);
        if (outcome.retry) {
          retry = true;  // keep the order: later events wait for this one
          break;
        }
        Status settled = store_.settleEvent(e.id, outcome.state, outcome.run_id, outcome.note,
                                            impl_->nowIso());
        if (!settled.ok()) std::fprintf(stderr, "serve: %s\n", settled.error().message.c_str());
        double seconds = 0;
        {
          std::lock_guard<std::mutex> lock(impl_->mu);
          auto it = impl_->accepted.find(e.id);
          if (it != impl_->accepted.end()) {
            seconds = std::chrono::duration<double>(Steady::now() - it->second).count();
            impl_->accepted.erase(it);
          }
        }
        impl_->metrics.increment(kEvents, {{"type", e.type}, {"state", outcome.state}});
        // Events accepted before a restart have no receipt time in this process: not observed.
        if (seconds > 0) impl_->metrics.observe(kEventToActionSeconds, {{"type", e.type}}, seconds);
      }
      retry_at = retry ? Steady::now() + std::chrono::seconds(2) : Steady::time_point::min();
    }
    if (periodic && Steady::now() >= next_cycle) {
      const auto cycle_start = Steady::now();
      recordRun(processor_.fullCycle(), cycle_start);
      next_cycle = Steady::now() + options_.interval;
      continue;
    }
    std::unique_lock<std::mutex> lock(impl_->mu);
    Steady::time_point until = Steady::now() + std::chrono::hours(24);
    if (periodic) until = std::min(until, next_cycle);
    if (retry) until = std::min(until, retry_at);
    impl_->wake.wait_until(lock, until, [this] { return impl_->stopping || impl_->pending; });
  }
}

}  // namespace scim_agent
