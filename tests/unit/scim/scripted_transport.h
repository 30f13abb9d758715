#pragma once

// Test doubles for the scim area: a scripted HttpTransport and a manual clock.

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "agent/scim/http_transport.h"
#include "agent/scim/timing.h"

namespace scim_agent::testing {

inline HttpResponse response(int status, std::string body = "",
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  for (auto& [k, v] : headers) r.headers.add(k, v);
  return r;
}

// Answers requests from a handler, or else from a queue of canned results; records every
// request it was given.
class ScriptedTransport final : public HttpTransport {
 public:
  using Handler = std::function<Result<HttpResponse>(const HttpRequest&)>;

  ScriptedTransport() = default;
  explicit ScriptedTransport(Handler handler) : handler_(std::move(handler)) {}

  void push(Result<HttpResponse> r) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(r));
  }
  void push(int status, std::string body = "",
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    push(Result<HttpResponse>(response(status, std::move(body), std::move(headers))));
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    if (handler_) return handler_(request);
    if (queue_.empty()) {
      return Error(ErrorCode::kInternal, "ScriptedTransport: no response scripted for " +
                                             describeRequest(request));
    }
    Result<HttpResponse> r = queue_.front();
    queue_.pop_front();
    return r;
  }

  std::vector<HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }
  size_t remaining() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

 private:
  mutable std::mutex mu_;
  Handler handler_;
  std::deque<Result<HttpResponse>> queue_;
  std::vector<HttpRequest> requests_;
};

// Time that moves only when told to; sleeping advances it and is recorded.
class ManualClock {
 public:
  std::chrono::steady_clock::time_point now() const { return now_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }
  NowFn nowFn() {
    return [this] { return now_; };
  }
  SleepFn sleepFn() {
    return [this](std::chrono::milliseconds d) {
      sleeps.push_back(d);
      now_ += d;
    };
  }
  std::vector<std::chrono::milliseconds> sleeps;

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1000)};
};

inline Error dropped(const std::string& what = "GET http://x/: connection reset by the server") {
  return Error(ErrorCode::kUnavailable, what);
}

}  // namespace scim_agent::testing
