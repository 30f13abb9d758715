#pragma once

// Time and chance as injectable functions, so token expiry, pacing and backoff are tested
// without sleeping (STYLE §8: no sleeps in tests).

#include <chrono>
#include <functional>

namespace scim_agent {

// The current time on a monotonic clock.
using NowFn = std::function<std::chrono::steady_clock::time_point()>;
// Blocks the calling thread for the duration (a fake records it and returns at once).
using SleepFn = std::function<void(std::chrono::milliseconds)>;
// A number uniformly drawn from [0, 1), for jitter.
using RandomFn = std::function<double()>;

// The real ones: steady_clock::now, std::this_thread::sleep_for, and a thread-safe PRNG.
NowFn systemNow();
SleepFn systemSleep();
RandomFn systemRandom();

}  // namespace scim_agent
