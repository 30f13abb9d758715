// EventServer under hostile clients (issue 10, item 4): requests that trickle in a byte at a time
// are cut at the whole-request deadline, and until then /healthz and a signed event are still
// answered; a connection over the cap is closed at once; every error carries its reason phrase;
// a body that is not valid UTF-8 is a 400 and journals nothing.

#include <atomic>
#include <ctime>
#include <map>
#include <chrono>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include "agent/codec/hmac_sha256.h"
#include "agent/serve/event_server.h"
#include "state/state_store.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/metrics/exposition_validator.h"

namespace scim_agent {
namespace {

using Steady = std::chrono::steady_clock;
constexpr const char* kSecret = "event-secret";

// Counts what it acts on, so "acted on" can be waited for.
class CountingProcessor final : public EventProcessor {
 public:
  EventOutcome process(const EventRecord& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(event.external_id);
    return {"processed", 0, "done", false, ""};
  }
  std::string fullCycle() override { return "ok"; }
  std::vector<std::string> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> seen_;
};

struct Answer {
  int status = 0;
  std::string reason;
  std::string body;
};

// A client that opens a connection and then sends one byte every `every`, never finishing: in
// kBody mode after a complete header announcing a 1000-byte body, in kHeader mode inside an
// endless header line. It notes when the server ended the connection and what it answered.
class SlowClient {
 public:
  enum class Mode { kBody, kHeader };

  SlowClient(int port, Mode mode, std::chrono::milliseconds every)
      : thread_([this, port, mode, every] { run(port, mode, every); }) {}
  ~SlowClient() {
    quit_ = true;
    thread_.join();
  }

  bool started() const { return started_; }
  bool ended() const { return ended_; }
  std::chrono::milliseconds lasted() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(end_ - begin_);
  }
  // The first bytes the server sent, if any (read after `ended()`).
  const std::string& answer() const { return answer_; }

 private:
  void run(int port, Mode mode, std::chrono::milliseconds every) {
    begin_ = Steady::now();
    try {
      Poco::Net::StreamSocket socket(
          Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
      const std::string head =
          mode == Mode::kBody
              ? "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 1000\r\n\r\n{"
              : "POST /v1/events HTTP/1.1\r\nHost: x\r\nX-Pad: a";
      socket.sendBytes(head.data(), static_cast<int>(head.size()));
      started_ = true;
      while (!quit_) {
        if (socket.poll(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(
                                           every).count()),
                        Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
          char buf[512];
          const int n = socket.receiveBytes(buf, sizeof buf);
          if (n > 0) answer_.assign(buf, static_cast<size_t>(n));
          break;
        }
        socket.sendBytes("a", 1);
      }
    } catch (const Poco::Exception&) {
      // Reset by the server: ended too.
    }
    end_ = Steady::now();
    started_ = true;
    ended_ = !quit_;
  }

  std::atomic<bool> quit_{false};
  std::atomic<bool> started_{false};
  std::atomic<bool> ended_{false};
  Steady::time_point begin_;
  Steady::time_point end_;
  std::string answer_;
  std::thread thread_;
};

class EventServerLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = StateStore::open(dir_.file("state.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  void start(ServeOptions options) {
    options.listen = "127.0.0.1:0";
    options.secret = kSecret;
    options.interval = std::chrono::seconds(0);
    server_ = std::make_unique<EventServer>(*store_, processor_, options);
    Status started = server_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  Answer request(const std::string& method, const std::string& path, const std::string& body = "",
                 bool sign = false) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server_->port()));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (method == "POST") {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    if (sign) {
      const std::string ts = std::to_string(std::time(nullptr));
      request.set("X-Scim-Agent-Timestamp", ts);
      request.set("X-Scim-Agent-Signature", timestampedSignature(kSecret, ts, body));
    }
    Answer a;
    try {
      session.sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      std::istream& in = session.receiveResponse(response);
      Poco::StreamCopier::copyToString(in, a.body);
      a.status = static_cast<int>(response.getStatus());
      a.reason = response.getReason();
    } catch (const Poco::Exception& e) {
      a.body = e.displayText();
    }
    return a;
  }

  static std::string event(const std::string& external_id, const std::string& id) {
    return R"({"type":"termination","externalId":")" + external_id +
           R"(","occurredAt":"2031-01-01T00:00:00Z","eventId":")" + id + R"("})";
  }

  template <typename F>
  static bool eventually(F done, std::chrono::seconds limit = std::chrono::seconds(20)) {
    const Steady::time_point until = Steady::now() + limit;
    while (Steady::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  double metric(const std::string& name, const std::map<std::string, std::string>& labels) {
    return scim_agent::testing::sampleValue(
        scim_agent::testing::parseExposition(server_->metricsText()), name, labels);
  }

  ::scim_agent::testing::TempDir dir_;
  CountingProcessor processor_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<EventServer> server_;
};

TEST_F(EventServerLimitsTest, SlowClientsDoNotStarveHealthzOrEventsAndAreCutAtTheirDeadline) {
  ServeOptions options;
  options.request_timeout = std::chrono::seconds(6);  // long enough for the checks on a busy box
  start(options);
  constexpr int kSlow = 40;
  std::vector<std::unique_ptr<SlowClient>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<SlowClient>(
        server_->port(), i % 4 == 0 ? SlowClient::Mode::kHeader : SlowClient::Mode::kBody,
        std::chrono::milliseconds(300)));
  }
  ASSERT_TRUE(eventually([&] {
    for (const auto& c : slow) {
      if (!c->started()) return false;
    }
    return true;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // each has trickled a byte or two

  const Answer health = request("GET", "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  const Answer accepted = request("POST", "/v1/events", event("EMP-7", "slow-1"), true);
  EXPECT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_TRUE(eventually([&] { return processor_.seen() == std::vector<std::string>{"EMP-7"}; }))
      << "the event is acted on";
  int still_held = 0;
  for (const auto& c : slow) still_held += c->ended() ? 0 : 1;
  EXPECT_EQ(still_held, kSlow) << "the slow clients held their connections meanwhile";

  // Each slow connection is ended by the server at its deadline (bounded, not timed exactly).
  EXPECT_TRUE(eventually(
      [&] {
        for (const auto& c : slow) {
          if (!c->ended()) return false;
        }
        return true;
      },
      std::chrono::seconds(30)));
  int answered_408 = 0;
  for (const auto& c : slow) {
    EXPECT_GE(c->lasted(), std::chrono::seconds(3)) << "not cut long before the deadline";
    EXPECT_LE(c->lasted(), std::chrono::seconds(30));
    if (!c->answer().empty()) {
      EXPECT_EQ(c->answer().rfind("HTTP/1.1 408 ", 0), 0u) << c->answer();
      ++answered_408;
    }
  }
  EXPECT_GT(answered_408, 0) << "plain HTTP: a request cut at its deadline is answered 408";
  EXPECT_EQ(metric("scim_agent_serve_connections_dropped_total", {{"reason", "deadline"}}), kSlow);
  // The server is whole afterwards.
  EXPECT_EQ(request("GET", "/healthz").status, 200);
}

TEST_F(EventServerLimitsTest, AConnectionOverTheCapIsClosedAtOnce) {
  ServeOptions options;
  options.max_connections = 3;
  options.request_timeout = std::chrono::seconds(4);
  start(options);
  std::vector<std::unique_ptr<SlowClient>> holders;
  for (int i = 0; i < 3; ++i) {
    holders.push_back(std::make_unique<SlowClient>(server_->port(), SlowClient::Mode::kBody,
                                                   std::chrono::milliseconds(300)));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  SlowClient over(server_->port(), SlowClient::Mode::kBody, std::chrono::milliseconds(300));
  EXPECT_TRUE(eventually([&] { return over.ended(); }, std::chrono::seconds(3)))
      << "refused, not queued until a holder's deadline";
  EXPECT_TRUE(over.answer().empty()) << over.answer();
  EXPECT_GE(metric("scim_agent_serve_connections_dropped_total", {{"reason", "limit"}}), 1);
  for (const auto& h : holders) EXPECT_FALSE(h->ended()) << "the holders keep their connections";
  // Once the holders are cut, new connections are served again.
  EXPECT_TRUE(eventually([&] {
    for (const auto& h : holders) {
      if (!h->ended()) return false;
    }
    return true;
  }));
  EXPECT_EQ(request("GET", "/healthz").status, 200);
}

TEST_F(EventServerLimitsTest, ErrorsCarryTheirReasonPhrase) {
  start(ServeOptions{});
  const std::string big = R"({"type":"termination","pad":")" + std::string(70 * 1024, 'x') + "\"}";
  const Answer too_large = request("POST", "/v1/events", big, true);
  EXPECT_EQ(too_large.status, 413);
  EXPECT_EQ(too_large.reason, "Request Entity Too Large");
  const Answer missing = request("GET", "/nowhere");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.reason, "Not Found");
  const Answer method = request("POST", "/healthz", "{}");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.reason, "Method Not Allowed");
  const Answer unsigned_event = request("POST", "/v1/events", event("EMP-1", "u-1"));
  EXPECT_EQ(unsigned_event.status, 401);
  EXPECT_EQ(unsigned_event.reason, "Unauthorized");
  EXPECT_EQ(request("GET", "/healthz").reason, "OK");
}

TEST_F(EventServerLimitsTest, AnEventThatIsNotUtf8OrHoldsAControlCharacterIsA400AndNotJournaled) {
  start(ServeOptions{});
  const Answer latin1 = request("POST", "/v1/events", event("Jos\xe9", "e-1"), true);
  EXPECT_EQ(latin1.status, 400);
  EXPECT_EQ(latin1.reason, "Bad Request");
  EXPECT_NE(latin1.body.find("not valid UTF-8"), std::string::npos) << latin1.body;
  const Answer nul = request("POST", "/v1/events", event("EMP-\\u0000", "e-2"), true);
  EXPECT_EQ(nul.status, 400);
  EXPECT_NE(nul.body.find("control character U+0000"), std::string::npos) << nul.body;
  auto events = store_->events(0);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty()) << "nothing journaled";
  EXPECT_TRUE(processor_.seen().empty());
}

TEST_F(EventServerLimitsTest, PlainHttpBeyondLoopbackIsRefusedAtStart) {
  for (const std::string listen : {"0.0.0.0:0", "192.0.2.1:8443", ":8443"}) {
    ServeOptions options;
    options.listen = listen;
    options.secret = kSecret;
    EventServer server(*store_, processor_, options);
    Status started = server.start();
    ASSERT_FALSE(started.ok()) << listen;
    EXPECT_EQ(started.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(started.error().message.find("configure serve.tls"), std::string::npos)
        << started.error().message;
  }
  for (const std::string listen : {"127.0.0.1:0", "localhost:0", "127.1.2.3:0"}) {
    ServeOptions options;
    options.listen = listen;
    options.secret = kSecret;
    options.interval = std::chrono::seconds(0);
    EventServer server(*store_, processor_, options);
    Status started = server.start();
    EXPECT_TRUE(started.ok()) << listen << ": " << started.error().message;
    server.stop();
  }
}

}  // namespace
}  // namespace scim_agent
