#include "agent/scim/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace scim_agent {

RateLimiter::RateLimiter(double requests_per_minute, double burst, NowFn now, SleepFn sleep)
    : per_minute_(requests_per_minute),
      burst_(std::max(1.0, burst)),
      now_(std::move(now)),
      sleep_(std::move(sleep)),
      tokens_(burst_) {}

std::chrono::milliseconds RateLimiter::acquire() {
  if (per_minute_ <= 0) return std::chrono::milliseconds(0);
  std::chrono::milliseconds wait(0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = now_();
    if (!started_) {
      started_ = true;
      last_ = now;
    }
    const double elapsed_s = std::chrono::duration<double>(now - last_).count();
    if (elapsed_s > 0) {
      tokens_ = std::min(burst_, tokens_ + elapsed_s * per_minute_ / 60.0);
      last_ = now;
    }
    tokens_ -= 1.0;
    if (tokens_ < 0) {
      wait = std::chrono::milliseconds(
          static_cast<int64_t>(std::ceil(-tokens_ * 60'000.0 / per_minute_)));
    }
  }
  if (wait.count() > 0) sleep_(wait);
  return wait;
}

}  // namespace scim_agent
