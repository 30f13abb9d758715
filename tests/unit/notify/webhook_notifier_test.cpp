#include "agent/notify/webhook_notifier.h"

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include "agent/base/clock.h"
#include "agent/notify/notification.h"
#include "state/state_store.h"
#include "tests/support/webhook_receiver.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using namespace std::chrono_literals;
using testing::ReceivedWebhook;
using testing::WebhookReceiver;

constexpr const char* kSecret = "whsec-test-secret";

// A wall clock that moves only when told to, or when the notifier sleeps (the sleeps are
// recorded, not waited for).
struct FakeClock {
  std::chrono::system_clock::time_point now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1714557600));  // 2024-05-01 10:00
  std::vector<std::chrono::milliseconds> sleeps;

  WallClockFn nowFn() {
    return [this] { return now; };
  }
  SleepFn sleepFn() {
    return [this](std::chrono::milliseconds d) {
      sleeps.push_back(d);
      now += d;
    };
  }
  std::string iso() const { return formatIso8601(now); }
  std::string isoAfter(std::chrono::seconds d) const { return formatIso8601(now + d); }
  int64_t unixSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  }
};

class WebhookNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<StateStore>> opened = StateStore::open(dir_.file("state.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
  }

  WebhookOptions options(const std::string& url) const {
    WebhookOptions o;
    o.url = url;
    o.connect_timeout = 2s;
    o.receive_timeout = 2s;
    return o;
  }

  WebhookNotifier notifier(const WebhookOptions& o, const std::string& secret = kSecret) {
    return WebhookNotifier(*store_, o, secret, clock_.nowFn(), clock_.sleepFn());
  }

  // Enqueues a user.suspended notice for user `user_id`; returns its payload.
  std::string enqueue(const std::string& user_id) {
    Notification n;
    n.event = "user.suspended";
    n.external_id = "EMP-" + user_id;
    n.user_name = user_id + "@example.com";
    n.user_id = user_id;
    n.run_id = 1;
    n.at = clock_.iso();
    EXPECT_TRUE(*enqueueNotification(*store_, n, clock_.iso()));
    return *notificationPayload(n);
  }

  std::vector<OutboxMessage> messages() { return *store_->outboxMessages(false); }

  NotifySummary pass(WebhookNotifier& n) {
    Result<NotifySummary> summary = n.deliverDue();
    EXPECT_TRUE(summary.ok()) << summary.error().message;
    return summary.ok() ? *summary : NotifySummary{};
  }

  ::scim_agent::testing::TempDir dir_;
  std::unique_ptr<StateStore> store_;
  FakeClock clock_;
};

std::vector<std::string> deliveryIds(const std::vector<ReceivedWebhook>& requests) {
  std::vector<std::string> ids;
  for (const ReceivedWebhook& r : requests) ids.push_back(r.deliveryId());
  return ids;
}

// ---- The signature ----

TEST(WebhookSignatureTest, IsHmacSha256OfTimestampDotBodyInLowercaseHex) {
  // Expected values computed with Python's hmac module.
  EXPECT_EQ(webhookSignature("whsec-1", "1714557600", R"({"event":"user.deleted"})"),
            "sha256=c9917c1b492c23b3a7a312d8b22a44ff05161f141e9532b3f9a1c46d6d0ead91");
  EXPECT_EQ(webhookSignature("s", "1700000000", ""),
            "sha256=b24b50ecc2eed7dcb199629e32fdcd28a813bca432fe1c8ce9e5341dd6d48743");
  // A key longer than SHA-256's block is hashed first (RFC 2104).
  EXPECT_EQ(webhookSignature(std::string(100, 'k'), "1700000000", "body"),
            "sha256=2defc100e3c9242d415387665cef3b691aba8f4600bb534d82dc474f16dd5a25");
  // The test receiver's independent HMAC agrees.
  EXPECT_EQ(
      testing::expectedWebhookSignature("whsec-1", "1714557600", R"({"event":"user.deleted"})"),
      "sha256=c9917c1b492c23b3a7a312d8b22a44ff05161f141e9532b3f9a1c46d6d0ead91");
}

TEST(WebhookSignatureTest, OutboxTimeIsIsoUtcWithMicroseconds) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1714557600)) +
                 std::chrono::microseconds(123456);
  EXPECT_EQ(formatIso8601(t), "2024-05-01T10:00:00.123456Z");
  EXPECT_EQ(formatIso8601(std::chrono::system_clock::time_point(std::chrono::seconds(1714557600))),
            "2024-05-01T10:00:00.000000Z");
}

// ---- Delivery ----

TEST_F(WebhookNotifierTest, DeliversDueMessagesSignedInOrderAndMarksThemDelivered) {
  WebhookReceiver receiver;
  const std::string p1 = enqueue("u1");
  const std::string p2 = enqueue("u2");
  const std::string p3 = enqueue("u3");
  WebhookNotifier n = notifier(options(receiver.url("/hooks/scim")));

  const NotifySummary summary = pass(n);
  EXPECT_EQ(summary.delivered, 3);
  EXPECT_EQ(summary.failed, 0);
  EXPECT_EQ(summary.pending, 0);
  EXPECT_EQ(summary.stopped, "");

  const std::vector<OutboxMessage> stored = messages();
  const std::vector<ReceivedWebhook> got = receiver.received();
  ASSERT_EQ(got.size(), 3u);
  const std::vector<std::string> payloads = {p1, p2, p3};
  for (size_t i = 0; i < got.size(); ++i) {
    const ReceivedWebhook& r = got[i];
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.uri, "/hooks/scim");
    EXPECT_EQ(r.body, payloads[i]);
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_EQ(r.header("X-Scim-Agent-Timestamp"), std::to_string(clock_.unixSeconds()));
    EXPECT_EQ(r.deliveryId(), std::to_string(stored[i].id));
    EXPECT_TRUE(testing::verifyWebhookSignature(r, kSecret)) << r.header("X-Scim-Agent-Signature");
    EXPECT_FALSE(testing::verifyWebhookSignature(r, "another-secret"));
    ReceivedWebhook tampered = r;
    tampered.body += " ";
    EXPECT_FALSE(testing::verifyWebhookSignature(tampered, kSecret));
  }
  for (const OutboxMessage& m : stored) {
    EXPECT_EQ(m.delivered_at, clock_.iso());
    EXPECT_EQ(m.attempts, 1);
    EXPECT_EQ(m.last_error, "");
  }
  EXPECT_TRUE(clock_.sleeps.empty());

  // Nothing is sent twice.
  const NotifySummary again = pass(n);
  EXPECT_EQ(again.delivered, 0);
  EXPECT_EQ(receiver.count(), 3u);
}

TEST_F(WebhookNotifierTest, ReceiverDownFailsOneMessageStopsThePassThenDeliversEachOnceWhenBack) {
  WebhookReceiver receiver;
  const uint16_t port = receiver.port();
  receiver.stop();
  enqueue("u1");
  enqueue("u2");
  enqueue("u3");
  WebhookNotifier n = notifier(options(receiver.url("/hook/TOKEN-IN-PATH")));

  NotifySummary down = pass(n);
  EXPECT_EQ(down.delivered, 0);
  EXPECT_EQ(down.failed, 1);
  EXPECT_EQ(down.pending, 3);
  EXPECT_NE(down.stopped.find("unreachable"), std::string::npos) << down.stopped;
  // Tried three times with the short backoff between, then left for a later pass.
  EXPECT_EQ(clock_.sleeps, (std::vector<std::chrono::milliseconds>{500ms, 1000ms}));
  std::vector<OutboxMessage> stored = messages();
  EXPECT_EQ(stored[0].attempts, 1);
  EXPECT_NE(stored[0].last_error.find("connection refused"), std::string::npos)
      << stored[0].last_error;
  EXPECT_NE(stored[0].last_error.find("(3 tries)"), std::string::npos);
  EXPECT_NE(stored[0].last_error.find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  EXPECT_EQ(stored[0].last_error.find("TOKEN-IN-PATH"), std::string::npos);  // no URL path
  EXPECT_EQ(stored[0].last_error.find(kSecret), std::string::npos);
  EXPECT_EQ(stored[0].next_attempt_at, clock_.isoAfter(30s));  // 30 s after the last try
  EXPECT_EQ(stored[0].delivered_at, "");
  // The pass stopped: the others were not tried.
  EXPECT_EQ(stored[1].attempts, 0);
  EXPECT_EQ(stored[2].attempts, 0);
  EXPECT_EQ(stored[1].last_error, "");

  // The receiver comes back on the same port; once the first message is due again, all go.
  receiver.start();
  ASSERT_EQ(receiver.port(), port);
  clock_.now += 31s;
  NotifySummary back = pass(n);
  EXPECT_EQ(back.delivered, 3);
  EXPECT_EQ(back.failed, 0);
  EXPECT_EQ(back.pending, 0);
  stored = messages();
  EXPECT_EQ(deliveryIds(receiver.accepted()),
            (std::vector<std::string>{std::to_string(stored[0].id), std::to_string(stored[1].id),
                                      std::to_string(stored[2].id)}));
  for (const ReceivedWebhook& r : receiver.received()) {
    EXPECT_TRUE(testing::verifyWebhookSignature(r, kSecret));
  }
  EXPECT_EQ(stored[0].attempts, 2);
  EXPECT_EQ(stored[0].last_error, "");

  clock_.now += 1h;
  EXPECT_EQ(pass(n).delivered, 0);
  EXPECT_EQ(receiver.count(), 3u);
}

TEST_F(WebhookNotifierTest, ServerErrorsAreRetriedWithinThePassWithTheSameDeliveryId) {
  WebhookReceiver receiver;
  receiver.scriptStatuses({500, 503});
  enqueue("u1");
  WebhookNotifier n = notifier(options(receiver.url()));

  const NotifySummary summary = pass(n);
  EXPECT_EQ(summary.delivered, 1);
  EXPECT_EQ(summary.failed, 0);
  const std::vector<ReceivedWebhook> got = receiver.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].answered_status, 500);
  EXPECT_EQ(got[1].answered_status, 503);
  EXPECT_EQ(got[2].answered_status, 200);
  EXPECT_EQ(got[0].deliveryId(), got[2].deliveryId());
  EXPECT_EQ(receiver.accepted().size(), 1u);
  EXPECT_EQ(clock_.sleeps, (std::vector<std::chrono::milliseconds>{500ms, 1000ms}));
  // Each try is signed with its own timestamp.
  EXPECT_NE(got[0].header("X-Scim-Agent-Timestamp"), got[2].header("X-Scim-Agent-Timestamp"));
  for (const ReceivedWebhook& r : got) EXPECT_TRUE(testing::verifyWebhookSignature(r, kSecret));
  EXPECT_EQ(messages()[0].attempts, 1);
  EXPECT_NE(messages()[0].delivered_at, "");
}

TEST_F(WebhookNotifierTest, ClientErrorIsAFailedAttemptNotRetriedInThePass) {
  WebhookReceiver receiver;
  receiver.setStatus(400, "bad payload: missing field");
  enqueue("u1");
  enqueue("u2");
  WebhookOptions o = options(receiver.url());
  o.max_consecutive_failures = 5;
  WebhookNotifier n = notifier(o);

  const NotifySummary summary = pass(n);
  EXPECT_EQ(summary.delivered, 0);
  EXPECT_EQ(summary.failed, 2);  // the receiver is up: the pass goes on to the next message
  EXPECT_EQ(summary.pending, 2);
  EXPECT_EQ(summary.stopped, "");
  EXPECT_EQ(receiver.count(), 2u);  // one try each
  EXPECT_TRUE(clock_.sleeps.empty());
  const OutboxMessage m = messages()[0];
  EXPECT_EQ(m.attempts, 1);
  EXPECT_NE(m.last_error.find("HTTP 400"), std::string::npos) << m.last_error;
  EXPECT_NE(m.last_error.find("bad payload: missing field"), std::string::npos);
  EXPECT_EQ(m.next_attempt_at, clock_.isoAfter(30s));
}

TEST_F(WebhookNotifierTest, RedirectIsNotFollowed) {
  WebhookReceiver receiver;
  receiver.setStatus(302);
  enqueue("u1");
  WebhookNotifier n = notifier(options(receiver.url()));
  const NotifySummary summary = pass(n);
  EXPECT_EQ(summary.failed, 1);
  EXPECT_EQ(receiver.count(), 1u);
  EXPECT_NE(messages()[0].last_error.find("redirects are not followed"), std::string::npos);
}

TEST_F(WebhookNotifierTest, PassStopsAfterConsecutiveFailuresOfAReachableReceiver) {
  WebhookReceiver receiver;
  receiver.setStatus(500, "database down");
  for (int i = 1; i <= 5; ++i) enqueue("u" + std::to_string(i));
  WebhookOptions o = options(receiver.url());
  o.retry_delays = {};
  WebhookNotifier n = notifier(o);

  const NotifySummary summary = pass(n);
  EXPECT_EQ(summary.failed, 3);
  EXPECT_EQ(summary.pending, 5);
  EXPECT_NE(summary.stopped.find("3 messages in a row failed"), std::string::npos)
      << summary.stopped;
  EXPECT_EQ(receiver.count(), 3u);
  EXPECT_EQ(messages()[3].attempts, 0);
}

TEST_F(WebhookNotifierTest, ReceiverThatDoesNotAnswerInTimeCountsAsUnreachable) {
  WebhookReceiver receiver;
  receiver.setDelay(5s);
  enqueue("u1");
  enqueue("u2");
  WebhookOptions o = options(receiver.url());
  o.receive_timeout = 200ms;
  o.retry_delays = {};
  WebhookNotifier n = notifier(o);

  const NotifySummary summary = pass(n);
  EXPECT_EQ(summary.delivered, 0);
  EXPECT_EQ(summary.failed, 1);
  EXPECT_EQ(summary.pending, 2);
  EXPECT_NE(summary.stopped.find("unreachable"), std::string::npos);
  EXPECT_NE(messages()[0].last_error.find("timed out"), std::string::npos)
      << messages()[0].last_error;
  EXPECT_EQ(messages()[1].attempts, 0);
  receiver.stop();  // releases the delayed answer at once
}

TEST_F(WebhookNotifierTest, RetryAfterDefersTheNextAttempt) {
  WebhookReceiver receiver;
  receiver.setStatus(429, "slow down", 600);
  enqueue("u1");
  WebhookNotifier n = notifier(options(receiver.url()));
  const NotifySummary summary = pass(n);
  EXPECT_EQ(summary.failed, 1);
  // Asked to wait 10 minutes: no short retry in this pass.
  EXPECT_EQ(receiver.count(), 1u);
  EXPECT_TRUE(clock_.sleeps.empty());
  EXPECT_EQ(messages()[0].next_attempt_at, clock_.isoAfter(600s));
}

TEST_F(WebhookNotifierTest, BackoffDoublesPerFailedPassAndIsCapped) {
  WebhookNotifier n = notifier(options("http://127.0.0.1:1/"));
  EXPECT_EQ(n.backoffAfter(1), 30s);
  EXPECT_EQ(n.backoffAfter(2), 60s);
  EXPECT_EQ(n.backoffAfter(3), 120s);
  EXPECT_EQ(n.backoffAfter(7), 1920s);
  EXPECT_EQ(n.backoffAfter(8), 3600s);  // 3840 s capped at an hour
  EXPECT_EQ(n.backoffAfter(1000), 3600s);

  // Through the store: each failed pass pushes the next attempt further out.
  WebhookReceiver receiver;
  receiver.setStatus(503);
  enqueue("u1");
  WebhookOptions o = options(receiver.url());
  o.retry_delays = {};
  WebhookNotifier failing = notifier(o);
  std::vector<std::chrono::seconds> waits;
  for (int i = 0; i < 9; ++i) {
    ASSERT_EQ(pass(failing).failed, 1) << "pass " << i;
    const OutboxMessage m = messages()[0];
    EXPECT_EQ(m.attempts, i + 1);
    // Due exactly at next_attempt_at, not a microsecond before.
    waits.push_back(std::chrono::seconds(0));
    for (std::chrono::seconds s : {30s, 60s, 120s, 240s, 480s, 960s, 1920s, 3600s}) {
      if (m.next_attempt_at == clock_.isoAfter(s)) waits.back() = s;
    }
    clock_.now += waits.back() - 1s;
    EXPECT_EQ(pass(failing).failed, 0);  // not due yet
    clock_.now += 1s;
  }
  EXPECT_EQ(waits, (std::vector<std::chrono::seconds>{30s, 60s, 120s, 240s, 480s, 960s, 1920s,
                                                      3600s, 3600s}));
}

TEST_F(WebhookNotifierTest, SecondPassSkipsMessagesNotDueYet) {
  WebhookReceiver receiver;
  receiver.scriptStatuses({503, 503, 503});  // u1's three tries; then 200
  enqueue("u1");
  enqueue("u2");
  WebhookNotifier n = notifier(options(receiver.url()));

  NotifySummary first = pass(n);
  EXPECT_EQ(first.delivered, 1);
  EXPECT_EQ(first.failed, 1);
  EXPECT_EQ(first.pending, 1);
  EXPECT_EQ(receiver.count(), 4u);

  clock_.now += 10s;
  NotifySummary second = pass(n);
  EXPECT_EQ(second.delivered, 0);
  EXPECT_EQ(second.failed, 0);
  EXPECT_EQ(second.pending, 1);
  EXPECT_EQ(receiver.count(), 4u);  // u1 waits until 30 s after its failure

  clock_.now += 21s;
  NotifySummary third = pass(n);
  EXPECT_EQ(third.delivered, 1);
  EXPECT_EQ(third.pending, 0);
  const std::vector<OutboxMessage> stored = messages();
  EXPECT_EQ(deliveryIds(receiver.accepted()),
            (std::vector<std::string>{std::to_string(stored[1].id), std::to_string(stored[0].id)}));
}

TEST_F(WebhookNotifierTest, PassBudgetStopsStartingNewTries) {
  WebhookReceiver receiver;
  receiver.setStatus(500);
  enqueue("u1");
  enqueue("u2");
  WebhookOptions o = options(receiver.url());
  o.pass_budget = 1s;
  o.max_consecutive_failures = 10;
  WebhookNotifier n = notifier(o);

  const NotifySummary summary = pass(n);
  // u1: try, 0.5 s, try, 1 s, try (1.5 s spent); u2 is not started.
  EXPECT_EQ(summary.failed, 1);
  EXPECT_EQ(receiver.count(), 3u);
  EXPECT_NE(summary.stopped.find("pass budget"), std::string::npos) << summary.stopped;
  EXPECT_EQ(messages()[1].attempts, 0);
}

TEST_F(WebhookNotifierTest, RefusesBadUrlsAndAnEmptySecretBeforeSendingAnything) {
  enqueue("u1");
  for (const char* url : {"http://hooks.example.com/x", "ftp://127.0.0.1/x", "not a url", ""}) {
    WebhookNotifier n = notifier(options(url));
    Result<NotifySummary> result = n.deliverDue();
    ASSERT_FALSE(result.ok()) << url;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidInput) << url;
  }
  WebhookReceiver receiver;
  WebhookNotifier no_secret = notifier(options(receiver.url()), "");
  Result<NotifySummary> result = no_secret.deliverDue();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(receiver.count(), 0u);
  EXPECT_EQ(messages()[0].attempts, 0);
}

// A "receiver" that answers a plaintext 200 to whatever arrives: an https:// URL must not be
// satisfied by a server that does not speak TLS.
TEST_F(WebhookNotifierTest, HttpsIsNotSatisfiedByAPlaintextAnswer) {
  Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
  std::thread server([&listener] {
    try {
      Poco::Net::StreamSocket peer = listener.acceptConnection();
      peer.setReceiveTimeout(Poco::Timespan(2, 0));
      char buffer[512];
      (void)peer.receiveBytes(buffer, sizeof buffer);  // the ClientHello
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
      peer.sendBytes(answer.data(), static_cast<int>(answer.size()));
      peer.shutdown();
    } catch (const Poco::Exception&) {
      // The client may have gone already; the assertions below are about the client.
    }
  });
  enqueue("u1");
  WebhookOptions o =
      options("https://127.0.0.1:" + std::to_string(listener.address().port()) + "/hook");
  o.retry_delays = {};
  WebhookNotifier n = notifier(o);
  const NotifySummary summary = pass(n);
  server.join();
  EXPECT_EQ(summary.delivered, 0);
  EXPECT_EQ(summary.failed, 1);
  EXPECT_NE(summary.stopped, "");
  EXPECT_EQ(messages()[0].delivered_at, "");
  EXPECT_NE(messages()[0].last_error.find("TLS"), std::string::npos) << messages()[0].last_error;
}

}  // namespace
}  // namespace scim_agent
