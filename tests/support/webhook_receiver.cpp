#include "tests/support/webhook_receiver.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/SHA2Engine.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

namespace scim_agent::testing {
namespace {

// POCO 1.11's SHA2Engine lacks the BLOCK_SIZE/DIGEST_SIZE that HMACEngine needs.
class Sha256 : public Poco::SHA2Engine {
 public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

bool equalsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// Constant time, as a real receiver should compare signatures.
bool sameBytes(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

}  // namespace

std::string ReceivedWebhook::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoreCase(key, name)) return value;
  }
  return "";
}

std::string ReceivedWebhook::deliveryId() const { return header("X-Scim-Agent-Delivery"); }

std::string expectedWebhookSignature(const std::string& secret, const std::string& timestamp,
                                     const std::string& body) {
  Poco::HMACEngine<Sha256> hmac(secret);
  const std::string text = timestamp + "." + body;
  hmac.update(text.data(), text.size());
  return "sha256=" + Poco::DigestEngine::digestToHex(hmac.digest());
}

bool verifyWebhookSignature(const ReceivedWebhook& request, const std::string& secret) {
  const std::string timestamp = request.header("X-Scim-Agent-Timestamp");
  const std::string signature = request.header("X-Scim-Agent-Signature");
  if (timestamp.empty() || signature.empty()) return false;
  return sameBytes(signature, expectedWebhookSignature(secret, timestamp, request.body));
}

class WebhookReceiver::Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(WebhookReceiver& owner) : owner_(owner) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& res) override {
    ReceivedWebhook request;
    request.method = req.getMethod();
    request.uri = req.getURI();
    for (const auto& [name, value] : req) request.headers.emplace_back(name, value);
    Poco::StreamCopier::copyToString(req.stream(), request.body);
    std::string body;
    int retry_after = 0;
    const ReceivedWebhook recorded = owner_.answer(std::move(request), body, retry_after);
    res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(recorded.answered_status));
    if (retry_after > 0) res.set("Retry-After", std::to_string(retry_after));
    res.setContentType("text/plain");
    res.setContentLength(static_cast<std::streamsize>(body.size()));
    res.send() << body;
  }

 private:
  WebhookReceiver& owner_;
};

class WebhookReceiver::Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(WebhookReceiver& owner) : owner_(owner) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(owner_);
  }

 private:
  WebhookReceiver& owner_;
};

// Its own thread pool, so stop() can wait for every handler to finish.
struct WebhookReceiver::Server {
  Poco::ThreadPool pool{2, 16};
  std::unique_ptr<Poco::Net::HTTPServer> http;
};

WebhookReceiver::WebhookReceiver(uint16_t port) : port_(port) { start(); }

WebhookReceiver::~WebhookReceiver() { stop(); }

void WebhookReceiver::start() {
  if (server_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  Poco::Net::ServerSocket socket;
  // reuseAddress: the port comes back while connections of the last run are in TIME_WAIT.
  socket.bind(Poco::Net::SocketAddress("127.0.0.1", port_), true);
  socket.listen(64);
  port_ = socket.address().port();
  auto params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(true);
  auto server = std::make_unique<Server>();
  server->http =
      std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), server->pool, socket, params);
  server->http->start();
  server_ = std::move(server);
}

void WebhookReceiver::stop() {
  if (!server_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  server_->http->stopAll(true);  // closes the listening socket and aborts open connections
  server_->pool.joinAll();
  server_.reset();
}

bool WebhookReceiver::running() const { return server_ != nullptr; }

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void WebhookReceiver::setStatus(int status, std::string body, int retry_after_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  status_ = status;
  status_body_ = std::move(body);
  retry_after_ = retry_after_seconds;
}

void WebhookReceiver::scriptStatuses(std::vector<int> statuses) {
  std::lock_guard<std::mutex> lock(mu_);
  script_.assign(statuses.begin(), statuses.end());
}

void WebhookReceiver::setDelay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(mu_);
  delay_ = delay;
}

ReceivedWebhook WebhookReceiver::answer(ReceivedWebhook request, std::string& body,
                                        int& retry_after) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!script_.empty()) {
    request.answered_status = script_.front();
    script_.pop_front();
    body.clear();
    retry_after = 0;
  } else {
    request.answered_status = status_;
    body = status_body_;
    retry_after = retry_after_;
  }
  received_.push_back(request);
  cv_.notify_all();
  if (delay_.count() > 0) {
    cv_.wait_for(lock, delay_, [this] { return stopping_; });
  }
  return request;
}

std::vector<ReceivedWebhook> WebhookReceiver::received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

std::vector<ReceivedWebhook> WebhookReceiver::accepted() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ReceivedWebhook> out;
  for (const ReceivedWebhook& r : received_) {
    if (r.answered_status >= 200 && r.answered_status < 300) out.push_back(r);
  }
  return out;
}

size_t WebhookReceiver::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_.size();
}

void WebhookReceiver::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  received_.clear();
}

bool WebhookReceiver::waitFor(size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
}

}  // namespace scim_agent::testing
