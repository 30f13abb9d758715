#pragma once

// One notification delivered at once, outside the outbox: for `scim-agent report compliance
// --notify` (issue 12), which must not write the state DB (report commands only read it, and
// run while serve holds the writer lock).
//
// The request is the outbox's wire contract (webhook_notifier.h) byte for byte in its shape:
//   POST <notify.webhook.url>
//   Content-Type: application/json
//   X-Scim-Agent-Timestamp: <unix seconds of this try>
//   X-Scim-Agent-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//   X-Scim-Agent-Delivery: direct-<16 hex digits of SHA-256(body)>, the same on every try, so a
//                          receiver deduplicates a retried delivery as it does an outbox one
//   body: {"at":"<ISO-8601 UTC, when deliverNow was called>","detail":<payload>,
//          "event":"<event>"}  (keys sorted, compact, like notificationPayload's)

#include <chrono>
#include <string>

#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/notify/webhook_notifier.h"

namespace scim_agent {

// What a delivery that succeeded did.
struct DirectDelivery {
  int tries = 0;            // 1 when the first try was answered 2xx
  std::string delivery_id;  // the X-Scim-Agent-Delivery value
  std::string body;         // what was sent (and signed)
};

// The longest wait between two tries (a receiver's Retry-After is honoured up to this).
inline constexpr std::chrono::seconds kMaxDirectRetryDelay{60};

// Sends `event` (e.g. "report.compliance") with `payload` (a JSON object) to options.url, signed
// with `secret`, making up to `attempts` (>= 1) tries. Between tries it waits
// options.retry_delays[i] (the last one doubled for each further try), or the receiver's
// Retry-After when longer, at most kMaxDirectRetryDelay. Only failures that may pass are tried
// again (connection failure, timeout, 408, 425, 429, 5xx); 3xx and other 4xx end at once.
// Errors: kInvalidInput for an empty event, a payload that is not an object, attempts < 1, or
// what WebhookPoster::prepare refuses (URL, TLS, empty secret); kUnavailable when every try
// failed or the receiver refused it, the message naming the receiver (never the URL's path),
// the last status and the number of tries. `secret` is never logged or put into an error.
// Never writes the state DB (it has none).
Result<DirectDelivery> deliverNow(const WebhookOptions& options, const std::string& secret,
                                  const std::string& event, const Json& payload, int attempts,
                                  WallClockFn now = systemWallClock(),
                                  SleepFn sleep = systemSleepFn());

}  // namespace scim_agent
