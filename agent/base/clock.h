#pragma once
// TEMPORARY stand-in until the wt-vocab branch lands (same API).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
namespace scim_agent {
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};
class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point t) : t_(t) {}
  std::chrono::system_clock::time_point now() const override { return t_; }
  void set(std::chrono::system_clock::time_point t) { t_ = t; }
 private:
  std::chrono::system_clock::time_point t_;
};
std::string formatIso8601(std::chrono::system_clock::time_point t);
std::optional<std::chrono::system_clock::time_point> parseIso8601(std::string_view text);
}  // namespace scim_agent
