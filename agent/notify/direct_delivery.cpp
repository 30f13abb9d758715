#include "agent/notify/direct_delivery.h"

#include <algorithm>

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include "agent/base/clock.h"
#include "agent/notify/webhook_post.h"

namespace scim_agent {
namespace {

std::string deliveryId(const std::string& body) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(body);
  return "direct-" + Poco::DigestEngine::digestToHex(sha.digest()).substr(0, 16);
}

// The wait before try `next` (2, 3, …): retry_delays in order, the last one doubled after that.
std::chrono::milliseconds delayBefore(const WebhookOptions& options, int next) {
  const std::vector<std::chrono::milliseconds>& delays = options.retry_delays;
  const auto cap = std::chrono::duration_cast<std::chrono::milliseconds>(kMaxDirectRetryDelay);
  if (delays.empty()) return std::chrono::milliseconds(0);
  const size_t i = static_cast<size_t>(next - 2);
  if (i < delays.size()) return std::min(delays[i], cap);
  std::chrono::milliseconds wait = delays.back();
  for (size_t k = delays.size(); k <= i && wait < cap; ++k) wait *= 2;
  return std::min(wait, cap);
}

}  // namespace

Result<DirectDelivery> deliverNow(const WebhookOptions& options, const std::string& secret,
                                  const std::string& event, const Json& payload, int attempts,
                                  WallClockFn now, SleepFn sleep) {
  if (event.empty()) return Error(ErrorCode::kInvalidInput, "notification: the event is empty");
  if (!payload.isObject()) {
    return Error(ErrorCode::kInvalidInput,
                 "notification " + event + ": the payload must be a JSON object");
  }
  if (attempts < 1) {
    return Error(ErrorCode::kInvalidInput,
                 "notification " + event + ": attempts must be at least 1");
  }
  WebhookPoster poster(options, secret, now);
  Status ready = poster.prepare();
  if (!ready.ok()) return ready.error();

  DirectDelivery done;
  done.body =
      Json(Json::Object{{"at", formatIso8601(now())}, {"detail", payload}, {"event", event}})
          .dump();
  done.delivery_id = deliveryId(done.body);
  WebhookTry last;
  for (int attempt = 1;; ++attempt) {
    last = poster.post(done.body, done.delivery_id);
    done.tries = attempt;
    if (last.delivered) return done;
    if (!last.retryable || attempt >= attempts) break;
    std::chrono::milliseconds wait = delayBefore(options, attempt + 1);
    if (last.retry_after) {
      wait = std::max(wait, std::chrono::milliseconds(std::chrono::seconds(*last.retry_after)));
      wait = std::min(wait, std::chrono::milliseconds(kMaxDirectRetryDelay));
    }
    sleep(wait);
  }
  Error e(ErrorCode::kUnavailable, "notification " + event + " not delivered: " + last.reason +
                                       " (" + std::to_string(done.tries) +
                                       (done.tries == 1 ? " try)" : " tries)"));
  if (last.status > 0) e.http_status = last.status;
  return e;
}

}  // namespace scim_agent
