#include "agent/base/clock.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace scim_agent {
namespace {

using std::chrono::system_clock;
using namespace std::chrono_literals;

system_clock::time_point at(std::chrono::sys_days day, system_clock::duration since_midnight = {}) {
  return system_clock::time_point(day) + since_midnight;
}

std::optional<std::string> reformat(std::string_view text) {
  auto t = parseIso8601(text);
  if (!t) return std::nullopt;
  return formatIso8601(*t);
}

TEST(ClockTest, FormatsUtcWithMicroseconds) {
  using std::chrono::year;
  EXPECT_EQ(formatIso8601(at(year(2026) / 11 / 23, 12h + 123456us)),
            "2026-11-23T12:00:00.123456Z");
  EXPECT_EQ(formatIso8601(system_clock::time_point{}), "1970-01-01T00:00:00.000000Z");
  // Truncated, not rounded; before the epoch too.
  EXPECT_EQ(formatIso8601(at(year(2026) / 1 / 1, 999999999ns)), "2026-01-01T00:00:00.999999Z");
  EXPECT_EQ(formatIso8601(system_clock::time_point{} - 1us), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(formatIso8601(at(year(2024) / 2 / 29, 23h + 59min + 59s)),
            "2024-02-29T23:59:59.000000Z");
}

TEST(ClockTest, ParsesWholeSecondsAndFractions) {
  using std::chrono::year;
  EXPECT_EQ(parseIso8601("2026-11-23T12:00:00Z"), at(year(2026) / 11 / 23, 12h));
  EXPECT_EQ(parseIso8601("2026-11-23T12:00:00.5Z"), at(year(2026) / 11 / 23, 12h + 500ms));
  EXPECT_EQ(parseIso8601("2026-11-23T12:00:00.123456789Z"),
            at(year(2026) / 11 / 23, 12h + 123456789ns));
  EXPECT_EQ(parseIso8601("1969-07-20T20:17:40Z"), at(year(1969) / 7 / 20, 20h + 17min + 40s));
}

TEST(ClockTest, RoundTrips) {
  for (const char* text :
       {"2026-11-23T12:00:00.123456Z", "2000-02-29T00:00:00.000000Z", "1999-12-31T23:59:59.999999Z",
        "2100-03-01T00:00:00.000001Z", "1970-01-01T00:00:00.000000Z", "1901-12-13T20:45:52.000000Z"}) {
    EXPECT_EQ(reformat(text), text);
  }
  const auto now = std::chrono::floor<std::chrono::microseconds>(system_clock::now());
  EXPECT_EQ(parseIso8601(formatIso8601(now)), system_clock::time_point(now));
}

TEST(ClockTest, LeapYears) {
  EXPECT_TRUE(parseIso8601("2024-02-29T00:00:00Z"));
  EXPECT_TRUE(parseIso8601("2000-02-29T00:00:00Z"));  // divisible by 400
  EXPECT_FALSE(parseIso8601("1900-02-29T00:00:00Z"));  // by 100, not 400
  EXPECT_FALSE(parseIso8601("2026-02-29T00:00:00Z"));
  EXPECT_EQ(reformat("2024-02-28T12:00:00+00:00"), "2024-02-28T12:00:00.000000Z");
  EXPECT_EQ(reformat("2024-02-28T23:30:00-01:00"), "2024-02-29T00:30:00.000000Z");
  EXPECT_EQ(reformat("2023-02-28T23:30:00-01:00"), "2023-03-01T00:30:00.000000Z");
}

TEST(ClockTest, Offsets) {
  EXPECT_EQ(reformat("2026-11-23T13:00:00+01:00"), "2026-11-23T12:00:00.000000Z");
  EXPECT_EQ(reformat("2026-11-23T06:30:00-05:30"), "2026-11-23T12:00:00.000000Z");
  EXPECT_EQ(reformat("2026-01-01T00:15:00.25+00:30"), "2025-12-31T23:45:00.250000Z");
  EXPECT_EQ(reformat("2026-12-31T23:00:00-02:00"), "2027-01-01T01:00:00.000000Z");
  EXPECT_EQ(parseIso8601("2026-11-23T12:00:00-00:00"), parseIso8601("2026-11-23T12:00:00Z"));
}

TEST(ClockTest, RejectsAnythingElse) {
  for (const char* text : {
           "",
           "2026-13-01T00:00:00Z",        // month 13
           "2026-00-01T00:00:00Z",        // month 0
           "2026-01-32T00:00:00Z",        // day 32
           "2026-04-31T00:00:00Z",        // April has 30
           "2026-01-00T00:00:00Z",        // day 0
           "2026-01-01T24:00:00Z",        // hour 24
           "2026-01-01T00:60:00Z",        // minute 60
           "2026-01-01T00:00:60Z",        // second 60
           "2026-01-01T00:00:00",         // no zone
           "2026-01-01T00:00:00Zjunk",    // trailing garbage
           "2026-01-01T00:00:00Z ",       // trailing space
           " 2026-01-01T00:00:00Z",       // leading space
           "2026-01-01t00:00:00Z",        // lower-case t
           "2026-01-01T00:00:00z",        // lower-case z
           "2026-01-01 00:00:00Z",        // space for T
           "2026-1-01T00:00:00Z",         // one-digit month
           "26-01-01T00:00:00Z",          // two-digit year
           "2026-01-01T00:00Z",           // no seconds
           "2026-01-01T00:00:00.Z",       // empty fraction
           "2026-01-01T00:00:00.1234567890Z",  // ten digits
           "2026-01-01T00:00:00+0100",    // offset without colon
           "2026-01-01T00:00:00+01",      // offset without minutes
           "2026-01-01T00:00:00+24:00",   // offset hour 24
           "2026-01-01T00:00:00+01:60",   // offset minute 60
           "2026-01-01T00:00:00+01:00Z",  // two zones
           "2026-01-01",                  // a date alone
           "9999-12-31T23:59:59Z",        // beyond system_clock's range
           "0001-01-01T00:00:00Z",
       }) {
    EXPECT_FALSE(parseIso8601(text)) << text;
  }
}

TEST(ClockTest, FixedClockIsSetAndAdvanced) {
  const auto start = *parseIso8601("2026-11-23T12:00:00Z");
  FixedClock clock(start);
  EXPECT_EQ(clock.now(), start);
  EXPECT_EQ(clock.now(), start);  // stands still
  clock.advance(90s);
  EXPECT_EQ(formatIso8601(clock.now()), "2026-11-23T12:01:30.000000Z");
  clock.set(start - 24h);
  EXPECT_EQ(formatIso8601(clock.now()), "2026-11-22T12:00:00.000000Z");

  // Thread-safe: concurrent advances all land.
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&clock] {
      for (int k = 0; k < 1000; ++k) clock.advance(1ms);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(clock.now(), start - 24h + 4s);
}

TEST(ClockTest, SystemClockFollowsTheSystemTime) {
  const Clock& clock = SystemClock();
  const auto before = system_clock::now();
  const auto now = clock.now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, system_clock::now());
}

}  // namespace
}  // namespace scim_agent
