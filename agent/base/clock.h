#pragma once

// Time, in one place: the Clock interface (so tests and SCIM_AGENT_NOW can fix the time) and the
// one ISO-8601 format the agent writes and reads.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace scim_agent {

// The wall clock. Implementations: SystemClock (the real one) and FixedClock (tests, and a
// time fixed by SCIM_AGENT_NOW). Both are thread-safe; a new one must be too, since serve reads
// the clock from its HTTP threads and its worker.
class Clock {
 public:
  virtual ~Clock();
  virtual std::chrono::system_clock::time_point now() const = 0;
};

// std::chrono::system_clock.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override;
};

// A clock that stands still until told otherwise.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point t) : now_(t) {}
  std::chrono::system_clock::time_point now() const override;
  void set(std::chrono::system_clock::time_point t);
  void advance(std::chrono::system_clock::duration d);

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point now_;  // guarded by mu_
};

// `t` as ISO-8601 UTC with microseconds (truncated): "2026-11-23T12:00:00.123456Z". Fixed width
// for years 0000–9999, so stored times compare correctly as strings.
std::string formatIso8601(std::chrono::system_clock::time_point t);

// "YYYY-MM-DDTHH:MM:SS", an optional fraction of 1–9 digits after '.', then "Z" or an offset
// "+hh:mm" / "-hh:mm", e.g. "2026-11-23T12:00:00Z", "2026-11-23T13:00:00.5+01:00". nullopt for
// anything else: an impossible date (month 13, day 32, 29 February outside a leap year), hour
// 24, a lower-case 't' or 'z', a missing zone, trailing characters.
std::optional<std::chrono::system_clock::time_point> parseIso8601(std::string_view text);

}  // namespace scim_agent
