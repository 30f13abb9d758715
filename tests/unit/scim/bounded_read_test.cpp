// Bounded reads (SPEC §16, issue 10 item 3): the real transport, directory and live reader
// against a hostile server on loopback. Each case ends by itself, in bounded time and memory,
// as a failed read or a whole one.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include "agent/live/live_reader.h"
#include "agent/scim/genesys_directory.h"
#include "agent/scim/http_transport.h"
#include "agent/scim/token_source.h"
#include "tests/support/hostile_server.h"

namespace scim_agent {
namespace {

using testing::Hostility;
using testing::HostileOptions;
using testing::HostileServer;
using testing::hostileUserId;

constexpr int64_t kOneMiB = int64_t{1} << 20;

// The peak resident set of this process so far (VmHWM), in MiB.
int64_t peakRssMiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) / 1024;
  }
  return 0;
}

HostileOptions hostile(Hostility hostility) {
  HostileOptions o;
  o.hostility = hostility;
  return o;
}

// The agent's read path over a hostile server: PocoTransport with small bounds (1 MiB, 3 s),
// a fixed token, the Genesys directory with short backoffs.
struct Reader {
  explicit Reader(HostileOptions options) : server(options) {}

  Result<LiveState> read() {
    DirectoryOptions o;
    o.api_base = server.baseUrl();
    o.first_backoff = std::chrono::milliseconds(10);
    GenesysDirectory directory(transport, tokens, o);
    return readLive(directory);
  }

  static TransportOptions bounds() {
    TransportOptions t;
    t.max_response_bytes = kOneMiB;
    t.request_deadline = std::chrono::seconds(3);
    return t;
  }

  HostileServer server;
  PocoTransport transport{bounds()};
  StaticTokenSource tokens{"hostile-token"};
};

void expectContains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << text;
}

TEST(BoundedReadTest, OversizedBodyIsRefusedFromItsContentLength) {
  HostileOptions o = hostile(Hostility::kOversizedBody);  // 64 MiB announced
  Reader reader(o);
  Result<LiveState> live = reader.read();
  ASSERT_FALSE(live.ok());
  EXPECT_EQ(live.error().code, ErrorCode::kInvalidInput);
  expectContains(live.error().message,
                 "reading the active users failed: GET " + reader.server.baseUrl() +
                     "/api/v2/scim/v2/Users → 200: response body of 67108864 bytes is larger "
                     "than the 1048576-byte limit (target.maxResponseBytes); not read");
  EXPECT_EQ(reader.server.listPages(), 1) << "a bound hit is not retried";
  EXPECT_LT(peakRssMiB(), 200);
}

TEST(BoundedReadTest, OversizedBodyWithoutLengthIsReadNoFurtherThanTheCap) {
  Reader reader(hostile(Hostility::kOversizedChunked));
  Result<LiveState> live = reader.read();
  ASSERT_FALSE(live.ok());
  EXPECT_EQ(live.error().code, ErrorCode::kInvalidInput);
  expectContains(live.error().message,
                 "/api/v2/scim/v2/Users → 200: response body is larger than the 1048576-byte "
                 "limit (target.maxResponseBytes); stopped reading after 1048577 bytes");
  EXPECT_EQ(reader.server.listPages(), 1);
  // The server got far less than its 64 MiB onto the wire: the client stopped reading.
  EXPECT_LT(reader.server.bodyBytesSent(), 32 * kOneMiB);
  EXPECT_LT(peakRssMiB(), 200);
}

TEST(BoundedReadTest, SlowBodyEndsAtTheRequestDeadline) {
  HostileOptions o = hostile(Hostility::kSlowBody);
  o.body_bytes = 1000;  // one byte a second: 17 minutes without the deadline
  Reader reader(o);
  const auto began = std::chrono::steady_clock::now();
  Result<LiveState> live = reader.read();
  const auto took = std::chrono::steady_clock::now() - began;
  ASSERT_FALSE(live.ok());
  EXPECT_EQ(live.error().code, ErrorCode::kInvalidInput);
  expectContains(live.error().message,
                 "/api/v2/scim/v2/Users: no complete response within the 3s request deadline "
                 "(target.requestDeadline); gave up after ");
  expectContains(live.error().message, "bytes of the body");
  EXPECT_EQ(reader.server.listPages(), 1) << "a deadline hit is not retried";
  EXPECT_LT(took, std::chrono::seconds(3 + 10));  // bounded, not a timing assertion
}

TEST(BoundedReadTest, EndlessListingWithAbsurdTotalFailsAtOnce) {
  Reader reader(hostile(Hostility::kEndlessPage));  // totalResults 10^9, the same page forever
  Result<LiveState> live = reader.read();
  ASSERT_FALSE(live.ok());
  EXPECT_EQ(live.error().code, ErrorCode::kInvalidInput);
  expectContains(live.error().message,
                 "reading the active users failed: GET /Users?startIndex=1&count=25 (page 1): "
                 "totalResults 1000000000 is not believable (at most 1000000 are read)");
  EXPECT_EQ(reader.server.listPages(), 1);
}

TEST(BoundedReadTest, RepeatedPageFailsAtTheSecondPage) {
  HostileOptions o = hostile(Hostility::kEndlessPage);
  o.endless_total = 5000;  // believable, but the same 25 users on every page
  Reader reader(o);
  Result<LiveState> live = reader.read();
  ASSERT_FALSE(live.ok());
  expectContains(live.error().message,
                 "GET /Users?startIndex=26&count=25 (page 2): the page repeats the previous page "
                 "(the same 25 ids): the listing cannot be read whole");
  EXPECT_EQ(reader.server.listPages(), 2);
}

TEST(BoundedReadTest, ShortPageBeforeTheEndFailsTheRead) {
  Reader reader(hostile(Hostility::kShortPage));
  Result<LiveState> live = reader.read();
  ASSERT_FALSE(live.ok());
  expectContains(live.error().message,
                 "(page 2): a short page: 10 resources where itemsPerPage says 25, before the "
                 "end (startIndex 26, totalResults 60)");
}

TEST(BoundedReadTest, NullResourcesFailTheRead) {
  Reader reader(hostile(Hostility::kNullResources));
  Result<LiveState> live = reader.read();
  ASSERT_FALSE(live.ok());
  expectContains(live.error().message,
                 "(page 1): Resources is null or absent while totalResults 60 says users from 1 "
                 "on are there");
}

TEST(BoundedReadTest, ExactDuplicateAcrossPagesIsReadOnce) {
  Reader reader(hostile(Hostility::kExactDuplicates));
  Result<LiveState> live = reader.read();
  ASSERT_TRUE(live.ok()) << live.error().message;
  // The 50 there when the read began, user 25 once (the one created at the front mid-read came
  // after the read passed it: the next run sees it).
  EXPECT_EQ(live->users.size(), 50u);
  EXPECT_TRUE(live->unsettled.empty());
  EXPECT_EQ(reader.server.listPages(), 3);
}

TEST(BoundedReadTest, UserReadAtTwoVersionsIsLeftOutAndReported) {
  Reader reader(hostile(Hostility::kTwoVersions));
  Result<LiveState> live = reader.read();
  ASSERT_TRUE(live.ok()) << live.error().message;
  EXPECT_EQ(live->users.size(), 49u);
  for (const LiveUser& user : live->users) EXPECT_NE(user.id, hostileUserId(25));
  ASSERT_EQ(live->unsettled.size(), 1u);
  const UnsettledLiveUser& u = live->unsettled[0];
  EXPECT_EQ(u.id, hostileUserId(25));
  EXPECT_EQ(u.versions, (std::vector<std::string>{"\"1\"", "\"2\""}));
  EXPECT_EQ(u.external_ids, (std::vector<std::string>{"EMP-25"}));
  EXPECT_EQ(u.user_names, (std::vector<std::string>{"user25@example.com"}));
  EXPECT_EQ(u.listing, "active");
}

TEST(BoundedReadTest, NormalTrafficIsUntouchedByTheDefaultBounds) {
  HostileServer server(hostile(Hostility::kExactDuplicates));  // a whole, well-formed listing
  PocoTransport transport;                                     // default bounds
  StaticTokenSource tokens("t");
  DirectoryOptions o;
  o.api_base = server.baseUrl();
  GenesysDirectory directory(transport, tokens, o);
  Result<LiveState> live = readLive(directory);
  ASSERT_TRUE(live.ok()) << live.error().message;
  EXPECT_EQ(live->users.size(), 50u);
  EXPECT_EQ(transport.connectionsOpened(), 1) << "the session is kept alive between pages";
}

// A name that does not exist is not worth asking again (issue 10 item 3): one try, at once.
TEST(BoundedReadTest, HostNotFoundFailsAtOnceWithoutRetries) {
  PocoTransport transport;
  StaticTokenSource tokens("t");
  DirectoryOptions o;
  o.api_base = "https://no-such-host.invalid";
  GenesysDirectory directory(transport, tokens, o);
  const auto began = std::chrono::steady_clock::now();
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  if (users.error().message.find("temporary DNS failure") != std::string::npos) {
    GTEST_SKIP() << "this host's resolver cannot say the name does not exist: "
                 << users.error().message;
  }
  EXPECT_EQ(users.error().code, ErrorCode::kInvalidInput);
  expectContains(users.error().message,
                 "GET https://no-such-host.invalid/api/v2/scim/v2/Users: host not found");
  expectContains(users.error().message, "check target.region or apiBase/loginBase");
  EXPECT_EQ(directory.counters().total, 1);
  EXPECT_EQ(directory.counters().retries, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(30));
}

TEST(BoundedReadTest, TokenHostNotFoundFailsAtOnceWithoutRetries) {
  PocoTransport transport;
  OAuthTokenSource tokens(transport, {"https://no-such-host.invalid", "client", "secret"});
  DirectoryOptions o;
  o.api_base = "https://no-such-host.invalid";
  GenesysDirectory directory(transport, tokens, o);
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  if (users.error().message.find("temporary DNS failure") != std::string::npos) {
    GTEST_SKIP() << users.error().message;
  }
  EXPECT_EQ(users.error().code, ErrorCode::kInvalidInput);
  expectContains(users.error().message, "POST https://no-such-host.invalid/oauth/token: host not "
                                        "found");
  EXPECT_EQ(tokens.fetchCount(), 1);
  EXPECT_EQ(directory.counters().retries, 0);
}

}  // namespace
}  // namespace scim_agent
