#pragma once

// Internal to agent/notify: one signed POST of a body to notify.webhook.url, shared by the
// outbox's WebhookNotifier and deliverNow() (direct_delivery.h), so both send the same wire
// contract (webhook_notifier.h): the timestamp and signature headers, the delivery id, TLS as
// PocoTransport does it, redirects not followed. No POCO type appears here.

#include <memory>
#include <optional>
#include <string>

#include "agent/base/result.h"
#include "agent/notify/webhook_notifier.h"

namespace scim_agent {

// The result of one try.
struct WebhookTry {
  bool delivered = false;  // a 2xx answer
  bool answered = false;   // an HTTP answer came (false: connection failure or timeout)
  bool retryable = false;  // worth another try: connection failure, timeout, 408, 425, 429, 5xx
  int status = 0;          // the HTTP status; 0 when none came
  // Why it failed: "webhook https://host:port: HTTP 500 …" or the connection failure; never the
  // URL's path or query, the secret or the body.
  std::string reason;
  std::optional<int> retry_after;  // seconds, from a non-2xx answer's Retry-After
};

// Keeps one keep-alive connection to the receiver between posts.
// Not thread-safe: one post at a time.
class WebhookPoster {
 public:
  // `options` (url, ca_file, timeouts) and `secret` are copied; `now` stamps each try.
  WebhookPoster(const WebhookOptions& options, std::string secret, WallClockFn now);
  ~WebhookPoster();
  WebhookPoster(const WebhookPoster&) = delete;
  WebhookPoster& operator=(const WebhookPoster&) = delete;

  // Checks the URL and the secret and builds the TLS context for https. kInvalidInput for a URL
  // that is malformed, not http(s), or plain http to a non-loopback host, an unusable ca_file,
  // or an empty secret. REQUIRES: called (and succeeded) before post().
  Status prepare();

  // One signed POST of `body` with X-Scim-Agent-Delivery `delivery_id`. A kept-alive connection
  // the receiver closed meanwhile is replaced once, at once, within the same try.
  WebhookTry post(const std::string& body, const std::string& delivery_id);

  // Drops the kept-alive connection.
  void close();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scim_agent
