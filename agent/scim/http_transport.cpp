#include "agent/scim/http_transport.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>

#include "agent/base/duration.h"
#include "agent/base/text.h"
#include "agent/log/waiting.h"

namespace scim_agent {

namespace {

// Methods a stale keep-alive connection may be retried for: repeating them cannot do a second,
// different thing. A PATCH with If-Match is refused by version if the first one took effect.
bool isIdempotent(const HttpRequest& request) {
  const std::string& m = request.method;
  return m == "GET" || m == "HEAD" || m == "PUT" || m == "DELETE" || m == "OPTIONS" ||
         (m == "PATCH" && request.headers.has("If-Match"));
}

Poco::Timespan toTimespan(std::chrono::milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

// Where in the round trip an exception happened: it decides whether the request may have been
// processed, and what the message says.
enum class Phase { kSending, kAwaitingResponse, kReadingBody };

// One attempt at a request: its deadline, and how far it got.
struct Exchange {
  std::chrono::steady_clock::time_point deadline;
  Phase phase = Phase::kSending;
  int64_t body_bytes = 0;
  WaitWatch* watch = nullptr;  // says what the request waits for when it takes long

  std::chrono::milliseconds timeLeft() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
  }
  // With a little slack: a socket wait cut to the time left may end a hair early.
  bool pastDeadline() const { return timeLeft() < std::chrono::milliseconds(100); }
};

struct Target {
  std::string scheme;  // "http" or "https"
  std::string host;
  uint16_t port = 0;
  std::string path_etc;  // path, query and fragment, encoded
  std::string key;       // scheme://host:port

  std::string hostPort() const { return host + ":" + std::to_string(port); }
};

// The server refused to prove who it is (an unknown CA, a wrong name, an expired certificate):
// the same on every try, so not worth retrying.
bool isCertificateRejection(const Poco::Exception& e) {
  if (dynamic_cast<const Poco::Net::CertificateValidationException*>(&e) != nullptr ||
      dynamic_cast<const Poco::Net::InvalidCertificateException*>(&e) != nullptr) {
    return true;
  }
  if (dynamic_cast<const Poco::Net::SSLException*>(&e) == nullptr) return false;
  const std::string text = e.displayText();
  return text.find("certificate verify failed") != std::string::npos ||
         text.find("Unacceptable certificate") != std::string::npos;
}

}  // namespace

void HttpHeaders::set(const std::string& name, std::string value) {
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const auto& f) { return equalsIgnoreCase(f.first, name); }),
                fields_.end());
  fields_.emplace_back(name, std::move(value));
}

void HttpHeaders::add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> HttpHeaders::get(const std::string& name) const {
  for (const auto& [key, value] : fields_) {
    if (equalsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::string describeRequest(const HttpRequest& request) {
  const auto q = request.url.find('?');
  return request.method + " " + (q == std::string::npos ? request.url : request.url.substr(0, q));
}

class PocoTransport::Impl {
 public:
  explicit Impl(TransportOptions options) : options_(std::move(options)) {
    if (options_.concurrency < 1) options_.concurrency = 1;
    if (options_.max_response_bytes < 0) options_.max_response_bytes = 0;
  }

  Result<HttpResponse> send(const HttpRequest& request) {
    Result<Target> target = parseTarget(request);
    if (!target.ok()) return target.error();
    if (target->scheme == "https") {
      Status tls = ensureContext(request);
      if (!tls.ok()) return tls.error();
    }
    // At most two attempts: the second only after a stale kept-alive connection (see header).
    for (int attempt = 0;; ++attempt) {
      Lease lease = acquire(*target);
      // The deadline counts from when this request has a connection of its own: waiting for a
      // free session is waiting on our own other requests, each bounded in turn.
      WaitWatch watch(lease.reused ? "sending " + describeRequest(request) + " to " +
                                         target->hostPort()
                                   : "connecting to " + target->hostPort(),
                      target->hostPort(),
                      std::min(options_.connect_timeout, options_.request_deadline));
      Exchange exchange{std::chrono::steady_clock::now() + options_.request_deadline,
                        Phase::kSending, 0, &watch};
      try {
        Result<HttpResponse> response = roundTrip(*lease.session, *target, request, exchange);
        // A response refused over a bound was not read to the end: the session cannot be reused.
        release(*target, std::move(lease.session), response.ok());
        return response;
      } catch (const Poco::Exception& e) {
        release(*target, std::move(lease.session), false);
        if (dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr && exchange.pastDeadline()) {
          return deadlineError(request, exchange);
        }
        if (dynamic_cast<const Poco::Net::HostNotFoundException*>(&e) != nullptr ||
            dynamic_cast<const Poco::Net::NoAddressFoundException*>(&e) != nullptr) {
          // The name does not exist (getaddrinfo EAI_NONAME / EAI_NODATA): asking again cannot
          // help, so this is not kUnavailable, which callers retry.
          return Error(ErrorCode::kInvalidInput, describeRequest(request) + ": host not found (" +
                                                     e.displayText() +
                                                     "): check target.region or apiBase/loginBase");
        }
        if (isCertificateRejection(e)) {
          // kInvalidInput: callers retry kUnavailable, and this fails the same way every time.
          return Error(ErrorCode::kInvalidInput,
                       describeRequest(request) + ": TLS: the certificate of " + target->host +
                           " was rejected (" + e.displayText() +
                           "): check that target.region or apiBase/loginBase name the right "
                           "host, and target.tls.caFile when it is signed by your own CA");
        }
        const bool stale = lease.reused && exchange.phase != Phase::kReadingBody &&
                           dynamic_cast<const Poco::TimeoutException*>(&e) == nullptr &&
                           dynamic_cast<const Poco::Net::SSLException*>(&e) == nullptr;
        if (stale && attempt == 0 && isIdempotent(request)) continue;
        return Error(ErrorCode::kUnavailable, describe(request, e, exchange.phase));
      } catch (const std::exception& e) {
        release(*target, std::move(lease.session), false);
        return Error(ErrorCode::kUnavailable, describeRequest(request) + ": " + e.what());
      }
    }
  }

  int connectionsOpened() const { return opened_.load(); }

  void closeAll() {
    std::lock_guard<std::mutex> lock(mu_);
    pools_.clear();
  }

 private:
  using SessionPtr = std::unique_ptr<Poco::Net::HTTPClientSession>;

  struct Lease {
    SessionPtr session;
    bool reused = false;
  };

  struct HostPool {
    std::vector<SessionPtr> idle;  // most recently used last
    int open = 0;                  // idle + leased
  };

  Result<Target> parseTarget(const HttpRequest& request) const {
    Target t;
    try {
      Poco::URI uri(request.url);
      t.scheme = uri.getScheme();
      t.host = uri.getHost();
      t.port = uri.getPort();
      t.path_etc = uri.getPathEtc();
    } catch (const Poco::Exception& e) {
      return Error(ErrorCode::kInvalidInput,
                   describeRequest(request) + ": malformed URL: " + e.displayText());
    }
    if (t.path_etc.empty()) t.path_etc = "/";
    if (t.host.empty() || (t.scheme != "http" && t.scheme != "https")) {
      return Error(ErrorCode::kInvalidInput,
                   describeRequest(request) + ": URL must be http(s)://host[:port]/path");
    }
    const bool loopback = isLoopbackHost(t.host);
    if (t.scheme == "http" && !loopback) {
      return Error(ErrorCode::kInvalidInput,
                   describeRequest(request) + ": plain http is allowed only to a loopback host; "
                                              "use https");
    }
    if (t.scheme == "https" && !options_.verify && !loopback) {
      return Error(ErrorCode::kInvalidInput,
                   describeRequest(request) +
                       ": TLS verification may be turned off only for a loopback host");
    }
    t.key = t.scheme + "://" + t.host + ":" + std::to_string(t.port);
    return t;
  }

  Status ensureContext(const HttpRequest& request) {
    std::lock_guard<std::mutex> lock(mu_);
    if (context_) return Status::success();
    static std::once_flag ssl_once;
    std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
    try {
      // VERIFY_STRICT also checks the host name for localhost, where VERIFY_RELAXED skips it.
      const auto mode =
          options_.verify ? Poco::Net::Context::VERIFY_STRICT : Poco::Net::Context::VERIFY_NONE;
      context_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, options_.ca_file, mode,
                                        9, options_.ca_file.empty());
      context_->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                 Poco::Net::Context::PROTO_TLSV1 |
                                 Poco::Net::Context::PROTO_TLSV1_1);
    } catch (const Poco::Exception& e) {
      return Error(ErrorCode::kInvalidInput,
                   describeRequest(request) + ": TLS setup failed (caFile \"" + options_.ca_file +
                       "\"): " + e.displayText());
    }
    return Status::success();
  }

  Lease acquire(const Target& target) {
    std::unique_lock<std::mutex> lock(mu_);
    HostPool& pool = pools_[target.key];
    cv_.wait(lock, [&] { return !pool.idle.empty() || pool.open < options_.concurrency; });
    if (!pool.idle.empty()) {
      Lease lease{std::move(pool.idle.back()), true};
      pool.idle.pop_back();
      return lease;
    }
    ++pool.open;
    Poco::Net::Context::Ptr context = context_;
    lock.unlock();
    SessionPtr session;
    if (target.scheme == "https") {
      session = std::make_unique<Poco::Net::HTTPSClientSession>(target.host, target.port, context);
    } else {
      session = std::make_unique<Poco::Net::HTTPClientSession>(target.host, target.port);
    }
    session->setTimeout(toTimespan(options_.connect_timeout), toTimespan(options_.receive_timeout),
                        toTimespan(options_.receive_timeout));
    session->setKeepAlive(true);
    session->setKeepAliveTimeout(toTimespan(options_.keep_alive_idle));
    opened_.fetch_add(1);
    return Lease{std::move(session), false};
  }

  void release(const Target& target, SessionPtr session, bool reusable) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      HostPool& pool = pools_[target.key];
      if (reusable && session) {
        pool.idle.push_back(std::move(session));
      } else {
        --pool.open;
      }
    }
    cv_.notify_all();  // waiters may be waiting on another host's pool
  }

  // Sets the session's socket to wait at most the per-read timeout, and never past the
  // deadline; throws TimeoutException when the deadline has passed.
  void boundNextRead(Poco::Net::HTTPClientSession& session, const Exchange& exchange) const {
    const auto left = exchange.timeLeft();
    if (left.count() <= 0) throw Poco::TimeoutException("request deadline passed");
    const auto wait = std::min(left, options_.receive_timeout);
    // The session keeps these for the connection it opens (or re-opens after a keep-alive
    // timeout); a connection already open gets them directly.
    session.setTimeout(toTimespan(std::min(left, options_.connect_timeout)), toTimespan(wait),
                       toTimespan(wait));
    if (session.connected()) {
      session.socket().setReceiveTimeout(toTimespan(wait));
      session.socket().setSendTimeout(toTimespan(wait));
    }
  }

  Result<HttpResponse> roundTrip(Poco::Net::HTTPClientSession& session, const Target& target,
                                 const HttpRequest& request, Exchange& exchange) const {
    Poco::Net::HTTPRequest req(request.method, target.path_etc, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    for (const auto& [name, value] : request.headers.fields()) req.add(name, value);
    const bool has_body = !request.body.empty() || request.method == "POST" ||
                          request.method == "PUT" || request.method == "PATCH";
    if (has_body) req.setContentLength(static_cast<std::streamsize>(request.body.size()));

    exchange.phase = Phase::kSending;
    boundNextRead(session, exchange);
    std::ostream& out = session.sendRequest(req);
    if (has_body) out.write(request.body.data(), static_cast<std::streamsize>(request.body.size()));
    out.flush();

    exchange.phase = Phase::kAwaitingResponse;
    boundNextRead(session, exchange);
    if (exchange.watch != nullptr) {
      // The path without the query (a filter may carry a userName).
      exchange.watch->describe("waiting for " + target.hostPort() + " to answer " +
                                   request.method + " " +
                                   target.path_etc.substr(0, target.path_etc.find('?')),
                               std::min(options_.receive_timeout, exchange.timeLeft()));
    }
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);

    exchange.phase = Phase::kReadingBody;
    HttpResponse response;
    response.status = static_cast<int>(res.getStatus());
    for (const auto& [name, value] : res) response.headers.add(name, value);
    const auto length = res.getContentLength64();
    const bool known_length = length != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH;
    if (known_length && length > options_.max_response_bytes) {
      return Error(ErrorCode::kInvalidInput,
                   describeRequest(request) + " → " + std::to_string(response.status) +
                       ": response body of " + std::to_string(length) + " bytes is larger than " +
                       sizeLimit() + "; not read");
    }
    // The body in pieces as they arrive: peek() makes at most one read of the socket (so one
    // wait of at most the time left), readsome() takes what that read brought. A body read
    // with one istream::read would wait for its whole size, past any deadline.
    if (known_length) response.body.reserve(static_cast<size_t>(length));
    // std::istream turns an exception of the stream buffer (POCO's socket errors) into badbit;
    // have it rethrown, so a timeout stays a timeout.
    in.exceptions(std::ios::badbit);
    char buffer[16 * 1024];
    for (;;) {
      boundNextRead(session, exchange);
      if (in.peek() == std::char_traits<char>::eof()) break;
      // Never more than one byte past the cap: that byte proves the body is too large.
      const int64_t room =
          options_.max_response_bytes + 1 - static_cast<int64_t>(response.body.size());
      const std::streamsize n =
          in.readsome(buffer, static_cast<std::streamsize>(
                                  std::min<int64_t>(room, static_cast<int64_t>(sizeof buffer))));
      response.body.append(buffer, static_cast<size_t>(n));
      exchange.body_bytes = static_cast<int64_t>(response.body.size());
      if (exchange.watch != nullptr) exchange.watch->progress();
      if (exchange.body_bytes > options_.max_response_bytes) {
        return Error(ErrorCode::kInvalidInput,
                     describeRequest(request) + " → " + std::to_string(response.status) +
                         ": response body is larger than " + sizeLimit() +
                         "; stopped reading after " + std::to_string(exchange.body_bytes) +
                         " bytes");
      }
    }
    if (in.bad()) throw Poco::IOException("response body truncated");
    if (known_length && static_cast<Poco::Int64>(response.body.size()) != length) {
      throw Poco::IOException("response body truncated (" + std::to_string(response.body.size()) +
                              " of " + std::to_string(length) + " bytes)");
    }
    return response;
  }

  std::string sizeLimit() const {
    return "the " + std::to_string(options_.max_response_bytes) +
           "-byte limit (target.maxResponseBytes)";
  }

  Error deadlineError(const HttpRequest& request, const Exchange& exchange) const {
    const auto ms = options_.request_deadline;
    const std::string deadline =
        ms.count() % 1000 == 0
            ? formatDuration(std::chrono::duration_cast<std::chrono::seconds>(ms))
            : std::to_string(ms.count()) + " ms";
    std::string where;
    switch (exchange.phase) {
      case Phase::kSending: where = "while connecting or sending"; break;
      case Phase::kAwaitingResponse: where = "while waiting for the response headers"; break;
      case Phase::kReadingBody:
        where = "after " + std::to_string(exchange.body_bytes) + " bytes of the body";
        break;
    }
    return Error(ErrorCode::kInvalidInput,
                 describeRequest(request) + ": no complete response within the " + deadline +
                     " request deadline (target.requestDeadline); gave up " + where);
  }

  std::string describe(const HttpRequest& request, const Poco::Exception& e, Phase phase) const {
    const std::string where = describeRequest(request) + ": ";
    if (dynamic_cast<const Poco::TimeoutException*>(&e)) {
      if (phase == Phase::kSending) {
        return where + "timed out connecting or sending (connect timeout " +
               std::to_string(options_.connect_timeout.count()) + " ms)";
      }
      return where + "timed out after " + std::to_string(options_.receive_timeout.count()) +
             " ms waiting for the response";
    }
    if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e)) {
      return where + "connection refused";
    }
    if (phase == Phase::kReadingBody) {
      return where + "connection dropped while reading the response body (" + e.displayText() +
             ")";
    }
    if (dynamic_cast<const Poco::Net::ConnectionResetException*>(&e)) {
      return where + "connection reset by the server";
    }
    if (dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&e)) {
      return where + "connection aborted";
    }
    if (dynamic_cast<const Poco::Net::NoMessageException*>(&e)) {
      return where + "connection closed before a response";
    }
    if (dynamic_cast<const Poco::Net::DNSException*>(&e)) {
      return where + "temporary DNS failure (" + e.displayText() + ")";
    }
    if (dynamic_cast<const Poco::Net::SSLException*>(&e)) {
      return where + "TLS: " + e.displayText();
    }
    if (dynamic_cast<const Poco::Net::MessageException*>(&e)) {
      return where + "malformed response: " + e.displayText();
    }
    return where + e.displayText();
  }

  TransportOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, HostPool> pools_;
  Poco::Net::Context::Ptr context_;
  std::atomic<int> opened_{0};
};

PocoTransport::PocoTransport(TransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

PocoTransport::~PocoTransport() { impl_->closeAll(); }

Result<HttpResponse> PocoTransport::send(const HttpRequest& request) {
  return impl_->send(request);
}

int PocoTransport::connectionsOpened() const { return impl_->connectionsOpened(); }

}  // namespace scim_agent
