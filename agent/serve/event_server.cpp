#include "agent/serve/event_server.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <istream>
#include <limits>
#include <map>
#include <sstream>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include "agent/base/clock.h"
#include "agent/base/json.h"
#include "agent/metrics/agent_metrics.h"
#include "agent/metrics/metrics.h"
#include "agent/serve/event_intake.h"

namespace scim_agent {
namespace {

constexpr int64_t kMaxDrainBytes = 1024 * 1024;
constexpr const char* kHttpResponses = "scim_agent_serve_http_responses_total";
constexpr const char* kEvents = "scim_agent_events_total";

// The scim_agent_* families (agent/metrics) and serve's own two.
void addServeMetrics(MetricsRegistry& metrics) {
  addAgentMetrics(metrics);
  metrics.addCounter(kHttpResponses, "Responses of serve's HTTP endpoint, by status.");
  metrics.addCounter(kEvents, "HR events acted on, by type and state (processed, failed, ignored).");
}

}  // namespace

struct EventServer::Impl {
  explicit Impl(const Clock* c) : clock(c ? *c : system_clock) {}

  // The wall clock as ISO-8601 (journal columns) and as Unix seconds (signatures, metrics).
  std::string nowIso() const { return formatIso8601(clock.now()); }
  int64_t nowUnix() const {
    return std::chrono::floor<std::chrono::seconds>(clock.now().time_since_epoch()).count();
  }

  SystemClock system_clock;
  const Clock& clock;
  std::unique_ptr<Poco::Net::HTTPServer> http;
  int port = 0;
  MetricsRegistry metrics;
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  bool pending = true;  // events may wait in the journal: look at start
  // When each event was accepted by this process (event-to-action latency).
  std::map<int64_t, std::chrono::steady_clock::time_point> accepted;
};

namespace {

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(StateStore& store, EventServer& server, EventServer::Impl& impl, const ServeOptions& o)
      : store_(store), server_(server), impl_(impl), options_(o) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    int status = 500;
    try {
      status = route(request, response);
    } catch (const Poco::Exception& e) {
      status = answer(response, 500, error(500, "internal error: " + e.displayText()));
    } catch (const std::exception& e) {
      status = answer(response, 500, error(500, std::string("internal error: ") + e.what()));
    }
    impl_.metrics.increment(kHttpResponses, {{"status", std::to_string(status)}});
  }

 private:
  static Json error(int status, const std::string& message) {
    Json j = Json::object();
    j["error"] = message;
    j["status"] = status;
    return j;
  }

  static int answer(Poco::Net::HTTPServerResponse& response, int status, const Json& body,
                    const std::string& type = "application/json") {
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType(type);
    const std::string text = body.isString() ? body.asString() : body.dump() + "\n";
    response.setContentLength(static_cast<std::streamsize>(text.size()));
    response.send() << text;
    return status;
  }

  int route(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const std::string& uri = request.getURI();
    const std::string path = uri.substr(0, uri.find('?'));
    const std::string& method = request.getMethod();
    if (path == "/healthz") {
      if (method != "GET") return answer(response, 405, error(405, "use GET"));
      auto runs = store_.listRuns(1);  // the state DB answers
      if (!runs.ok()) return answer(response, 503, error(503, runs.error().message));
      return answer(response, 200, Json(Json::Object{{"status", "ok"}}));
    }
    if (path == "/metrics") {
      if (method != "GET") return answer(response, 405, error(405, "use GET"));
      return answer(response, 200, Json(server_.metricsText()), kExpositionContentType);
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
    std::string body;
    std::istream& in = request.stream();
    char buf[8192];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      body.append(buf, static_cast<size_t>(in.gcount()));
      if (body.size() > kMaxEventBodyBytes) {
        response.setKeepAlive(false);
        return answer(response, 413, error(413, "body larger than 65536 bytes"));
      }
    }
    const IntakeVerdict verdict =
        checkEvent(options_.secret, request.get("X-Scim-Agent-Timestamp", ""),
                   request.get("X-Scim-Agent-Signature", ""), body, impl_.nowUnix());
    if (verdict.status != 0) {
      return answer(response, verdict.status, error(verdict.status, verdict.error));
    }
    const IntakeEvent& e = verdict.event;
    auto id = store_.journalEvent(e.key, e.type, e.external_id, e.occurred_at, body,
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
      impl_.accepted[**id] = std::chrono::steady_clock::now();
      impl_.pending = true;
    }
    impl_.wake.notify_one();
    Json ok = Json::object();
    ok["id"] = static_cast<int64_t>(**id);
    ok["status"] = "accepted";
    return answer(response, 202, ok);
  }

  StateStore& store_;
  EventServer& server_;
  EventServer::Impl& impl_;
  const ServeOptions& options_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(StateStore& store, EventServer& server, EventServer::Impl& impl, const ServeOptions& o)
      : store_(store), server_(server), impl_(impl), options_(o) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(store_, server_, impl_, options_);
  }

 private:
  StateStore& store_;
  EventServer& server_;
  EventServer::Impl& impl_;
  const ServeOptions& options_;
};

}  // namespace

EventServer::EventServer(StateStore& store, EventProcessor& processor, ServeOptions options)
    : store_(store), processor_(processor), options_(std::move(options)),
      impl_(std::make_unique<Impl>(options_.clock)) {
  addServeMetrics(impl_->metrics);
}

EventServer::~EventServer() { stop(); }

int EventServer::port() const { return impl_->port; }

std::string EventServer::metricsText() const { return impl_->metrics.render(); }

Status EventServer::start() {
  try {
    Poco::Net::SocketAddress address(options_.listen);
    Poco::Net::ServerSocket socket(address, 64);
    impl_->port = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams();
    params->setMaxThreads(8);
    params->setKeepAlive(true);
    params->setTimeout(Poco::Timespan(10, 0));
    impl_->http = std::make_unique<Poco::Net::HTTPServer>(
        new Factory(store_, *this, *impl_, options_), socket, params);
  } catch (const Poco::Exception& e) {
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
  impl_->http->start();
  return Status::success();
}

void EventServer::stop() {
  if (impl_->http) {
    impl_->http->stopAll(false);  // stop accepting; requests being answered finish
    impl_->http.reset();
  }
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (worker_.joinable()) worker_.join();
}

void EventServer::workerLoop() {
  using Steady = std::chrono::steady_clock;
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
        EventOutcome outcome = processor_.process(e);
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
      const std::string outcome = processor_.fullCycle();
      impl_->metrics.increment(kRunsTotal, {{"outcome", outcome}});
      impl_->metrics.set(kRunDurationSeconds, {},
                         std::chrono::duration<double>(Steady::now() - cycle_start).count());
      if (outcome == "ok") {
        impl_->metrics.set(kLastSuccessTimestampSeconds, {}, static_cast<double>(impl_->nowUnix()));
      }
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
