#include "agent/notify/webhook_post.h"

#include <algorithm>
#include <cctype>
#include <mutex>

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

#include "agent/base/host.h"

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

// The start of a receiver's answer, printable, for messages.
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

bool isRetryableStatus(int status) {
  return status >= 500 || status == 408 || status == 425 || status == 429;
}

}  // namespace

class WebhookPoster::Impl {
 public:
  Impl(const WebhookOptions& options, std::string secret, WallClockFn now)
      : options_(options), secret_(std::move(secret)), now_(std::move(now)) {}

  Status prepare() {
    if (secret_.empty()) {
      return Error(ErrorCode::kInvalidInput,
                   "notify.webhook: the secret is empty (notify.webhook.secretFile)");
    }
    Result<Target> target = parseTarget(options_.url);
    if (!target.ok()) return target.error();
    target_ = std::move(*target);
    if (target_.scheme == "https") return ensureContext();
    return Status::success();
  }

  WebhookTry post(const std::string& body, const std::string& delivery_id) {
    WebhookTry result;
    const std::string timestamp = std::to_string(
        std::chrono::duration_cast<std::chrono::seconds>(now_().time_since_epoch()).count());
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, target_.path_etc,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    req.set(kTimestampHeader, timestamp);
    req.set(kSignatureHeader, webhookSignature(secret_, timestamp, body));
    req.set(kDeliveryHeader, delivery_id);

    // A kept-alive connection the receiver closed meanwhile fails before any answer: that says
    // nothing about the receiver, so it gets one fresh connection at once.
    for (int connection = 0;; ++connection) {
      const bool reused = session_ != nullptr;
      Poco::Net::HTTPResponse res;
      try {
        Poco::Net::HTTPClientSession& session = ensureSession();
        std::ostream& out = session.sendRequest(req);
        out.write(body.data(), static_cast<std::streamsize>(body.size()));
        out.flush();
        std::istream& in = session.receiveResponse(res);
        result.answered = true;
        const std::string answer = readAnswer(in);
        const int status = static_cast<int>(res.getStatus());
        result.status = status;
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

  void close() { session_.reset(); }

 private:
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

  WebhookOptions options_;
  std::string secret_;
  WallClockFn now_;
  Target target_;
  Poco::Net::Context::Ptr context_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

WebhookPoster::WebhookPoster(const WebhookOptions& options, std::string secret, WallClockFn now)
    : impl_(std::make_unique<Impl>(options, std::move(secret), std::move(now))) {}

WebhookPoster::~WebhookPoster() = default;

Status WebhookPoster::prepare() { return impl_->prepare(); }

WebhookTry WebhookPoster::post(const std::string& body, const std::string& delivery_id) {
  return impl_->post(body, delivery_id);
}

void WebhookPoster::close() { impl_->close(); }

}  // namespace scim_agent
