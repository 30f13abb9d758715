#include "agent/scim/genesys_client.h"

#include <algorithm>
#include <cmath>

#include <Poco/URI.h>

#include "agent/codec/json_parse.h"
#include "agent/log/log.h"
#include "agent/log/waiting.h"
#include "agent/scim/scim_errors.h"

namespace scim_agent {

namespace {

bool isSuccess(int status) { return status >= 200 && status <= 299; }

}  // namespace

std::string ApiCall::route() const {
  std::string out = path;
  char sep = '?';
  for (const auto& [k, v] : query) {
    out += sep + k + "=" + v;
    sep = '&';
  }
  return out;
}

GenesysClient::GenesysClient(HttpTransport& transport, TokenSource& tokens,
                             GenesysClientOptions options)
    : transport_(transport),
      tokens_(tokens),
      options_(std::move(options)),
      api_base_(options_.api_base),
      pacer_(options_.requests_per_minute, options_.burst, options_.now,
             [this](std::chrono::milliseconds d) { sleepFor(d); }) {
  while (!api_base_.empty() && api_base_.back() == '/') api_base_.pop_back();
  if (options_.max_tries < 1) options_.max_tries = 1;
}

std::string GenesysClient::encode(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "!#$&'()*+,/:;=?@[]\"%<>\\^`{|} ", out);
  return out;
}

Result<Json> GenesysClient::parseBody(const ApiCall& call, const HttpResponse& response) {
  Result<Json> json = parseJson(response.body);
  if (!json.ok()) {
    return Error(ErrorCode::kInvalidInput, call.method + " " + call.route() + " → " +
                                               std::to_string(response.status) + ": " +
                                               json.error().message);
  }
  return json;
}

GenesysCounters GenesysClient::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

void GenesysClient::resetCounters() {
  std::lock_guard<std::mutex> lock(mu_);
  counters_ = GenesysCounters{};
}

void GenesysClient::count(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.requests[key];
  ++counters_.total;
}

void GenesysClient::sleepFor(std::chrono::milliseconds d) {
  if (d.count() <= 0) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    counters_.waited += d;
  }
  options_.sleep(d);
}

// Waits before try number tries + 1; false when the budget is spent or the wait is too long.
bool GenesysClient::backoff(const Error& error, int tries) {
  if (tries >= options_.max_tries) return false;
  std::chrono::milliseconds wait;
  if (error.code == ErrorCode::kRateLimited) {
    const int retry_after = error.retry_after_seconds >= 0
                                ? error.retry_after_seconds
                                : static_cast<int>(options_.default_retry_after.count());
    if (retry_after > options_.max_retry_after.count()) return false;
    wait = std::chrono::seconds(retry_after) +
           std::chrono::milliseconds(static_cast<int64_t>(options_.random() * 500));
  } else {
    const double base_ms = static_cast<double>(options_.first_backoff.count()) *
                           std::pow(options_.backoff_factor, tries - 1);
    wait =
        std::chrono::milliseconds(static_cast<int64_t>(base_ms * (0.75 + 0.5 * options_.random())));
    if (error.retry_after_seconds > 0) {
      if (error.retry_after_seconds > options_.max_retry_after.count()) return false;
      wait = std::max<std::chrono::milliseconds>(wait,
                                                 std::chrono::seconds(error.retry_after_seconds));
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++counters_.retries;
  }
  if (wait >= kWaitNoteAfter) {
    // "…: connection refused; retry 1 of 3 in 3 s": what failed, and how long until the next
    // try (agent/log/waiting.h; one line per host even when requests fail side by side).
    const int64_t secs = (wait.count() + 500) / 1000;
    noteWaiting((error.code == ErrorCode::kRateLimited ? "rate limited: " : "") + error.message +
                    "; retry " + std::to_string(tries) + " of " +
                    std::to_string(options_.max_tries - 1) + " in " + std::to_string(secs) + " s",
                api_base_);
  }
  sleepFor(wait);
  return true;
}

Result<HttpResponse> GenesysClient::send(const ApiCall& call) {
  HttpRequest request;
  request.method = call.method;
  request.url = api_base_ + call.prefix + call.path;
  char sep = '?';
  for (const auto& [k, v] : call.query) {
    request.url += sep + k + "=" + encode(v);
    sep = '&';
  }
  request.headers.set("Accept", call.media_type);
  if (call.body) {
    request.headers.set("Content-Type", call.media_type);
    request.body = *call.body;
  }
  if (!call.if_match.empty()) request.headers.set("If-Match", call.if_match);

  const std::string counter_key = call.method + " " + call.route_template;
  bool refreshed = false;
  bool elevated = false;
  int tries = 0;
  auto annotate = [&](Error e) {
    if (tries > 1) e.message += " (after " + std::to_string(tries) + " tries)";
    return e;
  };

  for (;;) {
    ++tries;
    pacer_.acquire();

    TokenSource& source = elevated ? *options_.elevated_tokens : tokens_;
    Result<std::string> token = source.token();
    if (!token.ok()) {
      // Nothing was sent, so even a POST may try again when the token endpoint was busy.
      Error e = token.error();
      e.message = call.method + " " + call.route() + ": " + e.message;
      if ((e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kRateLimited) &&
          backoff(e, tries)) {
        continue;
      }
      return annotate(e);
    }
    request.headers.set("Authorization", "Bearer " + *token);

    count(counter_key);
    const auto sent_at = std::chrono::steady_clock::now();
    Result<HttpResponse> response = transport_.send(request);
    if (logEnabled(LogLevel::kDebug)) {
      // The route template only: no headers, no body, no ids or query values (a filter may
      // carry a userName; nothing here may carry a token).
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - sent_at)
                          .count();
      logDebug("api request", {{"method", call.method},
                               {"route", call.prefix + call.route_template},
                               {"status", response.ok() ? response->status : 0},
                               {"ms", static_cast<int64_t>(ms)},
                               {"try", tries}});
    }
    if (!response.ok()) {
      Error e = response.error();  // its message names the method and URL already
      if (e.code == ErrorCode::kUnavailable) {
        if (call.retryable && backoff(e, tries)) continue;
        if (call.method == "POST")
          e.message += " (outcome unknown: the request may have been applied)";
      }
      return annotate(e);
    }
    if (isSuccess(response->status)) return std::move(response).value();

    if (response->status == 401 && !refreshed) {
      // Expired or revoked token: a fresh one, once (genesys-api.md §1.4). The request was
      // refused, so re-sending is safe for every method.
      refreshed = true;
      source.invalidate(*token);
      std::lock_guard<std::mutex> lock(mu_);
      ++counters_.token_refreshes;
      --tries;
      continue;
    }
    if (response->status == 403 && !elevated && options_.elevated_tokens != nullptr) {
      elevated = true;
      refreshed = false;
      std::lock_guard<std::mutex> lock(mu_);
      ++counters_.elevated;
      --tries;
      continue;
    }

    Error e = errorFromResponse(call.method, call.route(), *response);
    if (e.code == ErrorCode::kUnauthorized) e.message += " (with a freshly issued token)";
    // A 429 was refused by the rate limiter before anything was done ("Retry the request in [N]
    // seconds", genesys-api.md §7), so it is re-sent for every method, a POST included. A 5xx
    // may have been applied: only calls safe to repeat are re-sent here.
    if (response->status == 429 && backoff(e, tries)) continue;
    const bool transient =
        response->status == 502 || response->status == 503 || response->status == 504;
    if (transient && call.retryable && backoff(e, tries)) continue;
    return annotate(e);
  }
}

}  // namespace scim_agent
