#include "agent/notify/webhook_notifier.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <optional>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>

#include "agent/base/clock.h"
#include "agent/base/host.h"
#include "agent/codec/hmac_sha256.h"
#include "agent/notify/notification.h"
#include "state/state_store.h"

namespace scim_agent {
namespace {

constexpr size_t kMaxAnswerSnippet = 200;
constexpr std::streamsize kMaxAnswerBytes = 64 * 1024;

Poco::Timespan toTimespan(std::chrono::milliseconds ms) {
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
}

struct Target {
  std::string scheme;
  std::string host;
  uint16_t port = 0;
  std::string path_etc;
  std::string where;  // "webhook https://host:port": errors never show the path, which may
                      // carry a receiver's token (many webhook URLs do)
};

Result<Target> parseTarget(const std::string& url) {
  Target t;
  try {
    Poco::URI uri(url);
    t.scheme = uri.getScheme();
    t.host = uri.getHost();
    t.port = uri.getPort();
    t.path_etc = uri.getPathEtc();
  } catch (const Poco::Exception& e) {
    return Error(ErrorCode::kInvalidInput, "notify.webhook.url: malformed URL: " + e.displayText());
  }
  if (t.path_etc.empty()) t.path_etc = "/";
  if (t.host.empty() || (t.scheme != "http" && t.scheme != "https")) {
    return Error(ErrorCode::kInvalidInput,
                 "notify.webhook.url: must be https://host[:port]/path (or http:// to loopback)");
  }
  if (t.scheme == "http" && !isLoopbackHost(t.host)) {
    return Error(ErrorCode::kInvalidInput,
                 "notify.webhook.url: plain http is allowed only to a loopback host; use https");
  }
  t.where = "webhook " + t.scheme + "://" + t.host + ":" + std::to_string(t.port);
  return t;
}

// The start of a receiver's answer, printable, for last_error.
std::string snippet(const std::string& body) {
  std::string out;
  for (char c : body) {
    if (out.size() >= kMaxAnswerSnippet) {
      out += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    out += (std::isprint(u) != 0) ? c : ' ';
  }
  return out;
}

std::optional<int> retryAfterSeconds(const Poco::Net::HTTPResponse& res) {
  if (!res.has("Retry-After")) return std::nullopt;
  const std::string& value = res.get("Retry-After");
  if (value.empty() || value.size() > 9 ||
      !std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::nullopt;  // an HTTP date: the backoff decides instead
  }
  return std::stoi(value);
}

// The result of one try.
struct Try {
  bool delivered = false;
  bool answered = false;   // an HTTP answer came (false: connection failure or timeout)
  bool retryable = false;  // worth another try within this pass
  std::string reason;
  std::optional<int> retry_after;  // seconds, from a non-2xx answer
};

bool isRetryableStatus(int status) {
  return status >= 500 || status == 408 || status == 425 || status == 429;
}

}  // namespace

std::string webhookSignature(const std::string& secret, const std::string& timestamp,
                             const std::string& body) {
  return timestampedSignature(secret, timestamp, body);
}

WallClockFn systemWallClock() {
  return [] { return std::chrono::system_clock::now(); };
}

SleepFn systemSleepFn() {
  return [](std::chrono::milliseconds d) {
    if (d.count() > 0) std::this_thread::sleep_for(d);
  };
}


class WebhookNotifier::Impl {
 public:
  Impl(StateStore& store, WebhookOptions options, std::string secret, WallClockFn now,
       SleepFn sleep)
      : store_(store),
        options_(std::move(options)),
        secret_(std::move(secret)),
        now_(std::move(now)),
        sleep_(std::move(sleep)) {}

  Result<NotifySummary> deliverDue() {
    if (secret_.empty()) {
      return Error(ErrorCode::kInvalidInput,
                   "notify.webhook: the secret is empty (notify.webhook.secretFile)");
    }
    Result<Target> target = parseTarget(options_.url);
    if (!target.ok()) return target.error();
    target_ = std::move(*target);
    if (target_.scheme == "https") {
      Status tls = ensureContext();
      if (!tls.ok()) return tls.error();
    }

    const auto started = now_();
    Result<std::vector<OutboxMessage>> due =
        store_.dueOutbox(formatIso8601(started), options_.batch_limit);
    if (!due.ok()) return due.error();

    NotifySummary summary;
    int failed_in_a_row = 0;
    for (const OutboxMessage& message : *due) {
      if (message.channel != kWebhookChannel) continue;
      if (budgetSpent(started)) {
        summary.stopped =
            "pass budget of " + std::to_string(options_.pass_budget.count()) + " s spent";
        break;
      }
      const Try outcome = deliver(message, started);
      if (outcome.delivered) {
        Status status = store_.markOutboxDelivered(message.id, formatIso8601(now_()));
        if (!status.ok()) return closeWith(status.error());
        ++summary.delivered;
        failed_in_a_row = 0;
        continue;
      }
      std::chrono::seconds wait = backoffAfter(message.attempts + 1);
      if (outcome.retry_after) {
        wait = std::min(std::max(wait, std::chrono::seconds(*outcome.retry_after)),
                        std::max(options_.backoff_cap, std::chrono::seconds(0)));
      }
      Status status =
          store_.markOutboxFailed(message.id, outcome.reason, formatIso8601(now_() + wait));
      if (!status.ok()) return closeWith(status.error());
      ++summary.failed;
      ++failed_in_a_row;
      if (!outcome.answered) {
        summary.stopped = "receiver unreachable: " + outcome.reason;
        break;
      }
      if (failed_in_a_row >= std::max(1, options_.max_consecutive_failures)) {
        summary.stopped =
            std::to_string(failed_in_a_row) + " messages in a row failed, last: " + outcome.reason;
        break;
      }
    }
    // A pass is short and passes are minutes apart: don't hold a connection in between.
    session_.reset();

    Result<std::vector<OutboxMessage>> pending = store_.outboxMessages(true);
    if (!pending.ok()) return pending.error();
    summary.pending = static_cast<int>(
        std::count_if(pending->begin(), pending->end(),
                      [](const OutboxMessage& m) { return m.channel == kWebhookChannel; }));
    return summary;
  }

  std::chrono::seconds backoffAfter(int failed_passes) const {
    const std::chrono::seconds cap = std::max(options_.backoff_cap, std::chrono::seconds(0));
    std::chrono::seconds wait = std::max(options_.backoff_base, std::chrono::seconds(0));
    for (int i = 1; i < failed_passes && wait < cap; ++i) wait *= 2;
    return std::min(wait, cap);
  }

 private:
  Error closeWith(Error error) {
    session_.reset();
    return error;
  }

  bool budgetSpent(std::chrono::system_clock::time_point started) const {
    return now_() - started >= options_.pass_budget;
  }

  Status ensureContext() {
    if (context_) return Status::success();
    static std::once_flag ssl_once;
    std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
    try {
      // As PocoTransport: VERIFY_STRICT checks the chain and the host name; the system CAs
      // unless a ca_file is given; nothing older than TLS 1.2.
      context_ =
          new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, options_.ca_file,
                                 Poco::Net::Context::VERIFY_STRICT, 9, options_.ca_file.empty());
      context_->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                 Poco::Net::Context::PROTO_TLSV1 |
                                 Poco::Net::Context::PROTO_TLSV1_1);
    } catch (const Poco::Exception& e) {
      return Error(ErrorCode::kInvalidInput, "notify.webhook: TLS setup failed (caFile \"" +
                                                 options_.ca_file + "\"): " + e.displayText());
    }
    return Status::success();
  }

  // Up to 1 + retry_delays.size() tries of one message; the reason says how many were made.
  Try deliver(const OutboxMessage& message, std::chrono::system_clock::time_point started) {
    Try last;
    int tries = 0;
    for (size_t i = 0;; ++i) {
      last = tryOnce(message);
      ++tries;
      if (last.delivered || !last.retryable || i >= options_.retry_delays.size()) break;
      const std::chrono::milliseconds delay = options_.retry_delays[i];
      // The receiver asked for more time than a short retry gives: leave it to the next pass.
      if (last.retry_after && std::chrono::seconds(*last.retry_after) > delay) break;
      if (budgetSpent(started)) break;
      sleep_(delay);
    }
    if (!last.delivered && tries > 1) last.reason += " (" + std::to_string(tries) + " tries)";
    return last;
  }

  Try tryOnce(const OutboxMessage& message) {
    Try result;
    const std::string timestamp = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(now_().time_since_epoch()).count());
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, target_.path_etc,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(message.payload_json.size()));
    req.set(kTimestampHeader, timestamp);
    req.set(kSignatureHeader, webhookSignature(secret_, timestamp, message.payload_json));
    req.set(kDeliveryHeader, std::to_string(message.id));

    // A kept-alive connection the receiver closed meanwhile fails before any answer: that says
    // nothing about the receiver, so it gets one fresh connection at once.
    for (int connection = 0;; ++connection) {
      const bool reused = session_ != nullptr;
      Poco::Net::HTTPResponse res;
      try {
        Poco::Net::HTTPClientSession& session = ensureSession();
        std::ostream& out = session.sendRequest(req);
        out.write(message.payload_json.data(),
                  static_cast<std::streamsize>(message.payload_json.size()));
        out.flush();
        std::istream& in = session.receiveResponse(res);
        result.answered = true;
        const std::string answer = readAnswer(in);
        const int status = static_cast<int>(res.getStatus());
        // The status decides; a body that broke off afterwards changes nothing.
        if (status >= 200 && status < 300) {
          result.delivered = true;
          return result;
        }
        result.retryable = isRetryableStatus(status);
        result.retry_after = retryAfterSeconds(res);
        result.reason = target_.where + ": HTTP " + std::to_string(status);
        if (!res.getReason().empty()) result.reason += " " + res.getReason();
        if (status >= 300 && status < 400) result.reason += " (redirects are not followed)";
        const std::string text = snippet(answer);
        if (!text.empty()) result.reason += ": " + text;
        return result;
      } catch (const Poco::Exception& e) {
        session_.reset();
        const bool timeout = dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr;
        const bool tls = dynamic_cast<const Poco::Net::SSLException*>(&e) != nullptr;
        if (reused && !timeout && !tls && connection == 0) continue;
        result.retryable = !tls;  // a certificate that failed now fails a second later too
        result.reason = target_.where + ": " + describe(e);
        return result;
      } catch (const std::exception& e) {
        session_.reset();
        result.retryable = true;
        result.reason = target_.where + ": " + e.what();
        return result;
      }
    }
  }

  // Reads up to kMaxAnswerBytes of an answer's body. A longer body, or one that breaks off,
  // leaves the connection unusable: it is dropped rather than reused.
  std::string readAnswer(std::istream& in) {
    std::string answer(static_cast<size_t>(kMaxAnswerBytes), '\0');
    try {
      in.read(answer.data(), kMaxAnswerBytes);
      answer.resize(static_cast<size_t>(in.gcount()));
      if (in.gcount() == kMaxAnswerBytes || in.bad()) session_.reset();
    } catch (const std::exception&) {  // Poco::Exception derives from it
      answer.clear();
      session_.reset();
    }
    return answer;
  }

  std::string describe(const Poco::Exception& e) const {
    if (dynamic_cast<const Poco::TimeoutException*>(&e)) {
      return "timed out (connect " + std::to_string(options_.connect_timeout.count()) +
             " ms, answer " + std::to_string(options_.receive_timeout.count()) + " ms)";
    }
    if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e)) {
      return "connection refused";
    }
    if (dynamic_cast<const Poco::Net::ConnectionResetException*>(&e)) {
      return "connection reset by the receiver";
    }
    if (dynamic_cast<const Poco::Net::NoMessageException*>(&e)) {
      return "connection closed before an answer";
    }
    if (dynamic_cast<const Poco::Net::DNSException*>(&e)) {
      return "host not found (" + e.displayText() + ")";
    }
    if (dynamic_cast<const Poco::Net::SSLException*>(&e)) return "TLS: " + e.displayText();
    if (dynamic_cast<const Poco::Net::MessageException*>(&e)) {
      return "malformed answer: " + e.displayText();
    }
    return e.displayText();
  }

  Poco::Net::HTTPClientSession& ensureSession() {
    if (!session_) {
      if (target_.scheme == "https") {
        session_ =
            std::make_unique<Poco::Net::HTTPSClientSession>(target_.host, target_.port, context_);
      } else {
        session_ = std::make_unique<Poco::Net::HTTPClientSession>(target_.host, target_.port);
      }
      session_->setTimeout(toTimespan(options_.connect_timeout),
                           toTimespan(options_.receive_timeout),
                           toTimespan(options_.receive_timeout));
      session_->setKeepAlive(true);
    }
    return *session_;
  }

  StateStore& store_;
  WebhookOptions options_;
  std::string secret_;
  WallClockFn now_;
  SleepFn sleep_;
  Target target_;
  Poco::Net::Context::Ptr context_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

WebhookNotifier::WebhookNotifier(StateStore& store, WebhookOptions options, std::string secret,
                                 WallClockFn now, SleepFn sleep)
    : impl_(std::make_unique<Impl>(store, std::move(options), std::move(secret), std::move(now),
                                   std::move(sleep))) {}

WebhookNotifier::~WebhookNotifier() = default;

Result<NotifySummary> WebhookNotifier::deliverDue() { return impl_->deliverDue(); }

std::chrono::seconds WebhookNotifier::backoffAfter(int failed_passes) const {
  return impl_->backoffAfter(failed_passes);
}

}  // namespace scim_agent
