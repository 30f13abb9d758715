// deliverNow(): one signed notification at once, without the outbox or the state DB (the report
// timer's report.compliance, issue 12), against a loopback receiver.

#include "agent/notify/direct_delivery.h"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/base/clock.h"
#include "agent/codec/json_parse.h"
#include "tests/support/webhook_receiver.h"

namespace scim_agent {
namespace {

using namespace std::chrono_literals;
using testing::ReceivedWebhook;
using testing::WebhookReceiver;

constexpr const char* kSecret = "whsec-report-secret";

struct FakeClock {
  std::chrono::system_clock::time_point now =
      std::chrono::system_clock::time_point(std::chrono::seconds(1764576000));  // 2025-12-01
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
};

WebhookOptions optionsFor(const WebhookReceiver& receiver) {
  WebhookOptions o;
  o.url = receiver.url("/hooks/reports?token=abc");
  o.connect_timeout = 2s;
  o.receive_timeout = 2s;
  return o;
}

Json report() { return Json(Json::Object{{"kind", "compliance"}, {"weeks", 12}, {"overSla", 1}}); }

TEST(DirectDeliveryTest, SignsLikeTheOutboxAndRetriesAFirst500) {
  WebhookReceiver receiver;
  receiver.scriptStatuses({500});  // the first try fails, the next gets the default 200
  FakeClock clock;
  auto done = deliverNow(optionsFor(receiver), kSecret, "report.compliance", report(), 3,
                         clock.nowFn(), clock.sleepFn());
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->tries, 2);
  const std::vector<ReceivedWebhook> got = receiver.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].answered_status, 500);
  EXPECT_EQ(got[1].answered_status, 200);
  ASSERT_EQ(clock.sleeps.size(), 1u);
  EXPECT_EQ(clock.sleeps[0], WebhookOptions{}.retry_delays[0]);
  for (const ReceivedWebhook& r : got) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.uri, "/hooks/reports?token=abc");
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_TRUE(testing::verifyWebhookSignature(r, kSecret)) << r.header(kSignatureHeader);
    EXPECT_FALSE(testing::verifyWebhookSignature(r, "another-secret"));
    EXPECT_EQ(r.deliveryId(), done->delivery_id) << "the same id on every try";
    EXPECT_EQ(r.body, done->body);
  }
  EXPECT_EQ(done->delivery_id.rfind("direct-", 0), 0u) << done->delivery_id;
  auto body = parseJson(got[1].body);
  ASSERT_TRUE(body.ok()) << got[1].body;
  EXPECT_EQ(body->getString("event"), "report.compliance");
  EXPECT_EQ(body->getString("at"), formatIso8601(FakeClock{}.now));
  EXPECT_EQ(body->get("detail").getNumber("overSla"), 1);
  EXPECT_EQ(got[1].body.find("\"at\""), 1u) << "keys sorted: " << got[1].body;
  // The timestamp header is the try's own (the clock moved by the backoff).
  EXPECT_EQ(got[0].header(kTimestampHeader), "1764576000");
}

TEST(DirectDeliveryTest, GivesUpAfterTheAttemptsAndNamesTheReceiverNotThePath) {
  WebhookReceiver receiver;
  receiver.setStatus(503, "down for maintenance");
  FakeClock clock;
  auto done = deliverNow(optionsFor(receiver), kSecret, "report.compliance", report(), 4,
                         clock.nowFn(), clock.sleepFn());
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(done.error().http_status, 503);
  EXPECT_NE(done.error().message.find("HTTP 503"), std::string::npos) << done.error().message;
  EXPECT_NE(done.error().message.find("(4 tries)"), std::string::npos) << done.error().message;
  EXPECT_EQ(done.error().message.find("token=abc"), std::string::npos) << done.error().message;
  EXPECT_EQ(done.error().message.find(kSecret), std::string::npos);
  EXPECT_EQ(receiver.count(), 4u);
  // 0.5 s, 1 s, then the last delay doubled.
  EXPECT_EQ(clock.sleeps, (std::vector<std::chrono::milliseconds>{500ms, 1000ms, 2000ms}));
}

TEST(DirectDeliveryTest, ARefusalIsNotRetriedAndBadArgumentsSendNothing) {
  WebhookReceiver receiver;
  receiver.setStatus(400, "bad payload");
  FakeClock clock;
  auto refused = deliverNow(optionsFor(receiver), kSecret, "report.compliance", report(), 5,
                            clock.nowFn(), clock.sleepFn());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(receiver.count(), 1u) << "a 400 would be answered the same a second later";
  EXPECT_NE(refused.error().message.find("(1 try)"), std::string::npos) << refused.error().message;

  receiver.clear();
  EXPECT_EQ(deliverNow(optionsFor(receiver), kSecret, "", report(), 1).error().code,
            ErrorCode::kInvalidInput);
  EXPECT_EQ(deliverNow(optionsFor(receiver), kSecret, "report.compliance", Json(3), 1).error().code,
            ErrorCode::kInvalidInput);
  EXPECT_EQ(
      deliverNow(optionsFor(receiver), kSecret, "report.compliance", report(), 0).error().code,
      ErrorCode::kInvalidInput);
  EXPECT_EQ(deliverNow(optionsFor(receiver), "", "report.compliance", report(), 1).error().code,
            ErrorCode::kInvalidInput);
  WebhookOptions remote_http = optionsFor(receiver);
  remote_http.url = "http://example.com/hook";
  EXPECT_EQ(deliverNow(remote_http, kSecret, "report.compliance", report(), 1).error().code,
            ErrorCode::kInvalidInput);
  EXPECT_EQ(receiver.count(), 0u);
}

}  // namespace
}  // namespace scim_agent
