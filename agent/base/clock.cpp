#include "agent/base/clock.h"

#include <cstdio>

// g++ 12's <chrono> has the C++20 calendar types (year_month_day, sys_days) but neither
// std::chrono::parse nor a std::format for time points, and agent/base links nothing (no POCO).
// So the text is read and written by hand here, and only the civil-date arithmetic is std's.

namespace scim_agent {

namespace chr = std::chrono;

Clock::~Clock() = default;

chr::system_clock::time_point SystemClock::now() const { return chr::system_clock::now(); }

chr::system_clock::time_point FixedClock::now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

void FixedClock::set(chr::system_clock::time_point t) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = t;
}

void FixedClock::advance(chr::system_clock::duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ += d;
}

std::string formatIso8601(chr::system_clock::time_point t) {
  const auto micros = chr::floor<chr::microseconds>(t);
  const auto day = chr::floor<chr::days>(micros);
  const chr::year_month_day date(day);
  const chr::hh_mm_ss<chr::microseconds> time(micros - day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<long long>(time.subseconds().count()));
  return buf;
}

namespace {

// Reads exactly `width` digits at `pos` into `value`; advances `pos`.
bool readDigits(std::string_view s, size_t& pos, size_t width, int& value) {
  if (pos + width > s.size()) return false;
  value = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<chr::system_clock::time_point> parseIso8601(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!readDigits(text, pos, 4, year) || !expect(text, pos, '-') ||
      !readDigits(text, pos, 2, month) || !expect(text, pos, '-') ||
      !readDigits(text, pos, 2, day) || !expect(text, pos, 'T') ||
      !readDigits(text, pos, 2, hour) || !expect(text, pos, ':') ||
      !readDigits(text, pos, 2, minute) || !expect(text, pos, ':') ||
      !readDigits(text, pos, 2, second)) {
    return std::nullopt;
  }
  const chr::year_month_day date{chr::year(year), chr::month(static_cast<unsigned>(month)),
                                 chr::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;

  chr::nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    long long nanos = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 9) return std::nullopt;
      nanos = nanos * 10 + (text[pos++] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (size_t i = digits; i < 9; ++i) nanos *= 10;
    fraction = chr::nanoseconds(nanos);
  }

  chr::minutes offset{0};
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool east = text[pos++] == '+';
    int oh = 0, om = 0;
    if (!readDigits(text, pos, 2, oh) || !expect(text, pos, ':') || !readDigits(text, pos, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = chr::hours(oh) + chr::minutes(om);
    if (!east) offset = -offset;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  // In seconds first: system_clock counts nanoseconds in 64 bits (years 1678–2261), so a date
  // outside that range is refused rather than overflowed.
  const chr::sys_seconds utc = chr::sys_days(date) + chr::hours(hour) + chr::minutes(minute) +
                               chr::seconds(second) - offset;
  constexpr auto kMin = chr::ceil<chr::seconds>(chr::system_clock::time_point::min());
  constexpr auto kMax =
      chr::floor<chr::seconds>(chr::system_clock::time_point::max()) - chr::seconds(1);
  if (utc < kMin || utc > kMax) return std::nullopt;
  return chr::system_clock::time_point(utc) +
         chr::duration_cast<chr::system_clock::duration>(fraction);
}

}  // namespace scim_agent
