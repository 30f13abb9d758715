#include "agent/scim/timing.h"

#include <mutex>
#include <random>
#include <thread>

namespace scim_agent {

NowFn systemNow() {
  return [] { return std::chrono::steady_clock::now(); };
}

SleepFn systemSleep() {
  return [](std::chrono::milliseconds d) {
    if (d.count() > 0) std::this_thread::sleep_for(d);
  };
}

RandomFn systemRandom() {
  return [] {
    static std::mutex mu;
    static std::mt19937_64 engine{std::random_device{}()};
    std::lock_guard<std::mutex> lock(mu);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  };
}

}  // namespace scim_agent
