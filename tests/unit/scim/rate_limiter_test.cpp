#include "agent/scim/rate_limiter.h"

#include <gtest/gtest.h>

#include "tests/unit/scim/scripted_transport.h"

namespace scim_agent {
namespace {

using std::chrono::milliseconds;
using testing::ManualClock;

TEST(RateLimiterTest, BurstPassesThenRequestsAreSpacedAtTheRate) {
  ManualClock clock;
  RateLimiter limiter(300, 3, clock.nowFn(), clock.sleepFn());  // one per 200 ms
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire(), milliseconds(0));
  EXPECT_EQ(limiter.acquire(), milliseconds(200));
  EXPECT_EQ(limiter.acquire(), milliseconds(200));
  EXPECT_EQ(clock.sleeps.size(), 2u);
}

TEST(RateLimiterTest, IdleTimeRefillsUpToTheBurst) {
  ManualClock clock;
  RateLimiter limiter(60, 2, clock.nowFn(), clock.sleepFn());
  limiter.acquire();
  limiter.acquire();
  clock.advance(milliseconds(60'000));  // would be 60 tokens, capped at 2
  EXPECT_EQ(limiter.acquire(), milliseconds(0));
  EXPECT_EQ(limiter.acquire(), milliseconds(0));
  EXPECT_EQ(limiter.acquire(), milliseconds(1000));
}

TEST(RateLimiterTest, ConcurrentCallersReserveInTurn) {
  // Callers that do not sleep for real (the clock is not advanced) still get growing waits.
  ManualClock clock;
  std::vector<milliseconds> waits;
  RateLimiter limiter(60, 1, clock.nowFn(), [&](milliseconds d) { waits.push_back(d); });
  limiter.acquire();
  limiter.acquire();
  limiter.acquire();
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000)}));
}

TEST(RateLimiterTest, ZeroRateDisablesPacing) {
  ManualClock clock;
  RateLimiter limiter(0, 1, clock.nowFn(), clock.sleepFn());
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limiter.acquire(), milliseconds(0));
  EXPECT_TRUE(clock.sleeps.empty());
}

}  // namespace
}  // namespace scim_agent
