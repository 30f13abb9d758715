#pragma once

// Delivers the outbox's webhook messages (SPEC §4 notify.webhook, §10 outbox: at least once,
// retried across runs).
//
// The wire contract, for receivers:
//   POST <notify.webhook.url>
//   Content-Type: application/json
//   X-Scim-Agent-Timestamp: <unix seconds when this try was sent>
//   X-Scim-Agent-Signature: sha256=<lowercase hex HMAC-SHA256(secret, timestamp + "." + body)>
//   X-Scim-Agent-Delivery: <outbox message id>
//   <body: the message's payload_json, byte for byte>
// Any 2xx answer means delivered. Delivery is at least once: a receiver that answered 2xx but
// whose answer was lost gets the message again, with the same X-Scim-Agent-Delivery, and should
// deduplicate on it. The timestamp is signed so a receiver can refuse replays of old requests.
//
// No POCO type appears here: the HTTP session lives in the source file.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/base/result.h"

namespace scim_agent {

class StateStore;

inline constexpr const char* kTimestampHeader = "X-Scim-Agent-Timestamp";
inline constexpr const char* kSignatureHeader = "X-Scim-Agent-Signature";
inline constexpr const char* kDeliveryHeader = "X-Scim-Agent-Delivery";

// "sha256=" + lowercase hex HMAC-SHA256 keyed with `secret` over `timestamp + "." + body`: the
// X-Scim-Agent-Signature value.
std::string webhookSignature(const std::string& secret, const std::string& timestamp,
                             const std::string& body);

// The wall clock (timestamps, next_attempt_at, the pass budget) and a sleep, injectable so tests
// run without waiting (STYLE §8). Same shape as agent/scim/timing.h's SleepFn.
using WallClockFn = std::function<std::chrono::system_clock::time_point()>;
using SleepFn = std::function<void(std::chrono::milliseconds)>;
WallClockFn systemWallClock();
SleepFn systemSleepFn();

// The outbox's time columns are written with formatIso8601 (agent/base/clock.h): ISO-8601 UTC
// with microseconds, fixed width, so that the store's string comparisons order them correctly.

struct WebhookOptions {
  // https://host[:port]/path, or http:// to a loopback host only (as the config requires).
  std::string url;
  // PEM CA certificates for https; "" = the system's default CAs. Certificates and host names are
  // always verified.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds receive_timeout{10'000};  // also the send timeout
  // Waits between tries of one message within a pass; tries per message = 1 + its size.
  std::vector<std::chrono::milliseconds> retry_delays{std::chrono::milliseconds(500),
                                                      std::chrono::milliseconds(1'000)};
  // After a failed pass a message waits backoff_base × 2^(earlier failed passes), at most
  // backoff_cap, before it is due again.
  std::chrono::seconds backoff_base{30};
  std::chrono::seconds backoff_cap{3'600};
  // No new try starts after the pass has run this long; the rest waits for the next pass.
  std::chrono::seconds pass_budget{60};
  // The pass stops after this many messages in a row failed (the receiver is up but broken).
  int max_consecutive_failures = 3;
  // Most messages one pass takes from the outbox; <= 0: every due one.
  int batch_limit = 0;
};

// What one pass did. `pending` counts every undelivered webhook message left afterwards: the
// ones that failed, the ones the pass did not reach, and the ones not due yet.
struct NotifySummary {
  int delivered = 0;
  int failed = 0;
  int pending = 0;
  // Why the pass stopped before the end of the due list; "" when it went through it.
  std::string stopped;
};

// Sends due outbox messages of channel "webhook" to one URL, oldest first, and records each
// outcome in the store: markOutboxDelivered on a 2xx; otherwise markOutboxFailed with the reason
// (status and the start of the answer, or the connection failure; never the secret, the URL's
// path or query, nor the payload) and a next attempt after the backoff.
//
// Within a pass each message is tried up to 1 + retry_delays.size() times when the failure may
// pass (connection failure, timeout, 408, 425, 429, 5xx); other answers (3xx, 4xx) are not tried
// again in the same pass, since the same request would get the same answer a second later. The
// pass stops early, leaving the remaining messages due and untouched, when the receiver proves
// unreachable (a message's last try failed to connect or timed out: the next one would wait as
// long), after max_consecutive_failures failed messages in a row, or when pass_budget is spent.
//
// `secret` is held in memory only: never logged, stored or put into an error.
// Not thread-safe: one deliverDue() at a time. The store must outlive the notifier.
class WebhookNotifier {
 public:
  WebhookNotifier(StateStore& store, WebhookOptions options, std::string secret,
                  WallClockFn now = systemWallClock(), SleepFn sleep = systemSleepFn());
  ~WebhookNotifier();
  WebhookNotifier(const WebhookNotifier&) = delete;
  WebhookNotifier& operator=(const WebhookNotifier&) = delete;

  // One pass over the due messages. Fails only when nothing could be attempted or recorded:
  // kInvalidInput for a URL that is malformed, not http(s), plain http to a non-loopback host, or
  // an unusable ca_file, or an empty secret; the store's error when reading or recording fails
  // (the pass stops there; an answer already received but not recorded is sent again next pass).
  // Receiver failures are not errors: they are counted in the summary and kept in the outbox.
  Result<NotifySummary> deliverDue();

  // The delay before the next pass may retry a message that has now failed `failed_passes`
  // times (>= 1): backoff_base × 2^(failed_passes − 1), at most backoff_cap.
  std::chrono::seconds backoffAfter(int failed_passes) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scim_agent
