#include "agent/base/duration.h"

#include <cstdint>

namespace scim_agent {

namespace {

constexpr int64_t kMinute = 60;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kMaxSeconds = 100 * 366 * kDay;  // 100 years, leap days included

}  // namespace

std::optional<std::chrono::seconds> parseDuration(std::string_view text) {
  if (text == "0") return std::chrono::seconds(0);
  if (text.size() < 2) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = kMinute; break;
    case 'h': unit = kHour; break;
    case 'd': unit = kDay; break;
    case 'w': unit = 7 * kDay; break;
    default: return std::nullopt;
  }
  int64_t n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
    if (n > kMaxSeconds) return std::nullopt;  // before n * unit can overflow
  }
  if (n * unit > kMaxSeconds) return std::nullopt;
  return std::chrono::seconds(n * unit);
}

std::string formatDuration(std::chrono::seconds d) {
  int64_t n = d.count();
  if (n == 0) return "0";
  std::string sign;
  if (n < 0) {
    sign = "-";
    n = -n;
  }
  for (const auto& [size, unit] : {std::pair<int64_t, char>{kDay, 'd'}, {kHour, 'h'},
                                   {kMinute, 'm'}}) {
    if (n % size == 0) return sign + std::to_string(n / size) + unit;
  }
  return sign + std::to_string(n) + 's';
}

}  // namespace scim_agent
