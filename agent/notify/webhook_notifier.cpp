#include "agent/notify/webhook_notifier.h"

#include <algorithm>
#include <thread>

#include "agent/base/clock.h"
#include "agent/codec/hmac_sha256.h"
#include "agent/notify/notification.h"
#include "agent/notify/webhook_post.h"
#include "state/state_store.h"

namespace scim_agent {

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
        now_(std::move(now)),
        sleep_(std::move(sleep)),
        poster_(options_, std::move(secret), now_) {}

  Result<NotifySummary> deliverDue() {
    Status ready = poster_.prepare();
    if (!ready.ok()) return ready.error();

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
      const WebhookTry outcome = deliver(message, started);
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
    poster_.close();

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
    poster_.close();
    return error;
  }

  bool budgetSpent(std::chrono::system_clock::time_point started) const {
    return now_() - started >= options_.pass_budget;
  }

  // Up to 1 + retry_delays.size() tries of one message; the reason says how many were made.
  WebhookTry deliver(const OutboxMessage& message, std::chrono::system_clock::time_point started) {
    WebhookTry last;
    int tries = 0;
    for (size_t i = 0;; ++i) {
      last = poster_.post(message.payload_json, std::to_string(message.id));
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

  StateStore& store_;
  WebhookOptions options_;
  WallClockFn now_;
  SleepFn sleep_;
  WebhookPoster poster_;
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
