#pragma once

// A webhook receiver for tests: a POCO HTTPServer on 127.0.0.1 that records every request and
// answers with a status the test chooses. It can be stopped ("the receiver is down": connections
// are refused) and started again on the same port, so the URL in the agent's config stays valid.
//
// It checks signatures with its own HMAC (POCO's HMACEngine over SHA-256), not with the agent's
// webhookSignature(), so a test that verifies with it checks the agent against the contract in
// agent/notify/webhook_notifier.h rather than against itself.
//
// Thread-safe: the server's threads record requests while the test reads them.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace scim_agent::testing {

// One request as the receiver saw it.
struct ReceivedWebhook {
  std::string method;
  std::string uri;                                           // path and query
  std::vector<std::pair<std::string, std::string>> headers;  // as sent, in order
  std::string body;
  int answered_status = 0;  // the status the receiver answered with

  // The first header named `name`, case-insensitively; "" when absent.
  std::string header(const std::string& name) const;
  // X-Scim-Agent-Delivery (the outbox message id), "" when absent.
  std::string deliveryId() const;
};

// "sha256=" + lowercase hex HMAC-SHA256(secret, timestamp + "." + body), independently computed.
std::string expectedWebhookSignature(const std::string& secret, const std::string& timestamp,
                                     const std::string& body);

// True when `request` carries X-Scim-Agent-Timestamp and an X-Scim-Agent-Signature equal to
// expectedWebhookSignature(secret, timestamp, body).
bool verifyWebhookSignature(const ReceivedWebhook& request, const std::string& secret);

class WebhookReceiver {
 public:
  // Starts at once on 127.0.0.1:`port`; 0 picks a free port (read it back with port()).
  explicit WebhookReceiver(uint16_t port = 0);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  // Stops listening and aborts open (kept-alive) connections: from now on connections to port()
  // are refused. Requests being delayed (setDelay) are answered at once. Idempotent.
  void stop();
  // Listens again on the same port() (after stop()); no-op when running.
  void start();
  bool running() const;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port><path>".
  std::string url(const std::string& path = "/hook") const;

  // The status every request is answered with (default 200), with `body` and, when > 0, a
  // Retry-After header.
  void setStatus(int status, std::string body = "", int retry_after_seconds = 0);
  // The next requests get these statuses, one each, in order; then the setStatus one again.
  void scriptStatuses(std::vector<int> statuses);
  // Holds every answer this long (to make a client time out); 0 = answer at once. The request is
  // recorded (with the status it will get) before the wait, so a client that gave up meanwhile
  // still shows in received() and accepted(): what a real receiver would have processed.
  void setDelay(std::chrono::milliseconds delay);

  // Every request received, oldest first (also those answered with an error status).
  std::vector<ReceivedWebhook> received() const;
  // Only those answered 2xx: the deliveries that succeeded.
  std::vector<ReceivedWebhook> accepted() const;
  size_t count() const;
  void clear();
  // Waits until at least `n` requests arrived; false on timeout.
  bool waitFor(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  class Handler;
  class Factory;
  struct Server;

  // Called by the server's threads.
  ReceivedWebhook answer(ReceivedWebhook request, std::string& body, int& retry_after);

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<ReceivedWebhook> received_;
  int status_ = 200;
  std::string status_body_;
  int retry_after_ = 0;
  std::deque<int> script_;
  std::chrono::milliseconds delay_{0};
  bool stopping_ = false;

  uint16_t port_ = 0;
  std::unique_ptr<Server> server_;
};

}  // namespace scim_agent::testing
