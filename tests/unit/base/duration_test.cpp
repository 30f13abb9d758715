#include "agent/base/duration.h"

#include <gtest/gtest.h>

namespace scim_agent {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, ParsesEachUnit) {
  EXPECT_EQ(parseDuration("90s"), 90s);
  EXPECT_EQ(parseDuration("15m"), 15min);
  EXPECT_EQ(parseDuration("1h"), 1h);
  EXPECT_EQ(parseDuration("30d"), 30 * 24h);
  EXPECT_EQ(parseDuration("2w"), 14 * 24h);
  EXPECT_EQ(parseDuration("0s"), 0s);
  EXPECT_EQ(parseDuration("0d"), 0s);
  EXPECT_EQ(parseDuration("0"), 0s);
  EXPECT_EQ(parseDuration("007m"), 7min);
}

TEST(DurationTest, RejectsAnythingElse) {
  for (const char* text : {"", "s", "d", "90", "1", "-5m", "+5m", " 5m", "5m ", "5 m", "1.5h",
                           "5M", "5H", "5x", "5ms", "1h30m", "m5", "00", "0x10s", "5min"}) {
    EXPECT_EQ(parseDuration(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(DurationTest, RejectsMoreThanAHundredYears) {
  EXPECT_EQ(parseDuration("36600d"), 36600 * 24h);
  EXPECT_EQ(parseDuration("36601d"), std::nullopt);
  EXPECT_EQ(parseDuration("5300w"), std::nullopt);
  EXPECT_EQ(parseDuration("99999999999999999999999s"), std::nullopt);  // would overflow int64
  EXPECT_EQ(parseDuration("9223372036854775807h"), std::nullopt);
}

TEST(DurationTest, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(formatDuration(0s), "0");
  EXPECT_EQ(formatDuration(90s), "90s");
  EXPECT_EQ(formatDuration(5400s), "90m");
  EXPECT_EQ(formatDuration(15min), "15m");
  EXPECT_EQ(formatDuration(2h), "2h");
  EXPECT_EQ(formatDuration(36h), "36h");
  EXPECT_EQ(formatDuration(48h), "2d");
  EXPECT_EQ(formatDuration(14 * 24h), "14d");
  EXPECT_EQ(formatDuration(-90s), "-90s");
}

TEST(DurationTest, RoundTrips) {
  for (const char* text : {"0", "1s", "59s", "61s", "1m", "90m", "1h", "25h", "1d", "30d", "365d"}) {
    auto d = parseDuration(text);
    ASSERT_TRUE(d) << text;
    EXPECT_EQ(formatDuration(*d), text);
  }
  for (auto d : {1s, 60s, 3600s, 86399s, 86400s, 604800s}) {
    EXPECT_EQ(parseDuration(formatDuration(d)), d);
  }
}

}  // namespace
}  // namespace scim_agent
