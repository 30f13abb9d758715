// EventServer's use of its clock: the timestamp window of POST /v1/events and the times it
// journals come from ServeOptions::clock, not from the system time.

#include "agent/serve/event_server.h"

#include <chrono>
#include <memory>
#include <sstream>
#include <thread>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include "agent/base/clock.h"
#include "agent/codec/hmac_sha256.h"
#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

constexpr const char* kSecret = "event-secret";

class ProcessEverything final : public EventProcessor {
 public:
  EventOutcome process(const EventRecord&) override { return {"processed", 0, "done", false, ""}; }
  std::string fullCycle() override { return "ok"; }
};

class EventServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = StateStore::open(dir_.file("state.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    ServeOptions options;
    options.listen = "127.0.0.1:0";
    options.secret = kSecret;
    options.interval = std::chrono::seconds(0);
    options.clock = &clock_;
    server_ = std::make_unique<EventServer>(*store_, processor_, options);
    Status started = server_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  // POSTs `body` signed with `timestamp`; the HTTP status.
  int post(const std::string& body, const std::string& timestamp) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server_->port()));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/v1/events",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.set("X-Scim-Agent-Timestamp", timestamp);
    request.set("X-Scim-Agent-Signature", timestampedSignature(kSecret, timestamp, body));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::ostringstream ignored;
    Poco::StreamCopier::copyStream(in, ignored);
    return static_cast<int>(response.getStatus());
  }

  static std::string unixSeconds(std::chrono::system_clock::time_point t) {
    return std::to_string(
        std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
  }

  static std::string event(const std::string& id) {
    return R"({"type":"termination","externalId":"EMP-1","occurredAt":"2031-01-01","eventId":")" +
           id + R"("})";
  }

  // The event journaled under `id`, once the worker settled it.
  EventRecord settled(const std::string& key) {
    for (int i = 0; i < 200; ++i) {
      auto events = store_->events(0);
      EXPECT_TRUE(events.ok());
      for (const EventRecord& e : events.ok() ? *events : std::vector<EventRecord>{}) {
        if (e.event_key == key && e.state != "received") return e;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "event " << key << " was not settled";
    return {};
  }

  ::scim_agent::testing::TempDir dir_;
  FixedClock clock_{*parseIso8601("2031-01-01T00:00:00.25Z")};
  ProcessEverything processor_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<EventServer> server_;
};

TEST_F(EventServerTest, TheTimestampWindowIsTheClocks) {
  EXPECT_EQ(post(event("a"), unixSeconds(clock_.now())), 202);
  EXPECT_EQ(post(event("b"), unixSeconds(clock_.now() + std::chrono::seconds(300))), 202);
  EXPECT_EQ(post(event("c"), unixSeconds(clock_.now() + std::chrono::seconds(301))), 401);
  // The system time is years away from the server's clock: stale.
  EXPECT_EQ(post(event("d"), unixSeconds(std::chrono::system_clock::now())), 401);
}

TEST_F(EventServerTest, RecordedTimesAreTheClocks) {
  ASSERT_EQ(post(event("a"), unixSeconds(clock_.now())), 202);
  const EventRecord first = settled("id:a");
  EXPECT_EQ(first.received_at, "2031-01-01T00:00:00.250000Z");
  EXPECT_EQ(first.processed_at, "2031-01-01T00:00:00.250000Z");
  clock_.advance(std::chrono::minutes(5));
  ASSERT_EQ(post(event("b"), unixSeconds(clock_.now())), 202);
  EXPECT_EQ(settled("id:b").received_at, "2031-01-01T00:05:00.250000Z");
}

}  // namespace
}  // namespace scim_agent
