#pragma once

// Pacing requests to stay under Genesys' per-token request rate (genesys-api.md §7: 300 per
// minute per client-credentials token).

#include <chrono>
#include <mutex>

#include "agent/scim/timing.h"

namespace scim_agent {

// A token bucket: `requests_per_minute` tokens per minute, holding at most `burst` (at least 1).
// acquire() takes one token, sleeping (through `sleep`) until one is due. Callers reserve in
// arrival order: the bucket may go negative, and each caller sleeps for its own reservation
// outside the lock, so concurrent callers are spaced evenly rather than woken together.
// A rate of 0 or less disables pacing. Thread-safe.
class RateLimiter {
 public:
  RateLimiter(double requests_per_minute, double burst, NowFn now = systemNow(),
              SleepFn sleep = systemSleep());

  // Blocks until this request may be sent; returns how long it waited.
  std::chrono::milliseconds acquire();

  double requestsPerMinute() const { return per_minute_; }

 private:
  double per_minute_;
  double burst_;
  NowFn now_;
  SleepFn sleep_;
  std::mutex mu_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
  bool started_ = false;
};

}  // namespace scim_agent
