#pragma once

// The request engine shared by the Genesys Cloud clients: GenesysDirectory (SCIM v2) and
// GenesysPlatform (Platform API). Genesys limits requests per token (genesys-api.md §7), so every
// client that sends with the same token must go through one GenesysClient: one pacer, one retry
// policy, one set of counters.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/scim/http_transport.h"
#include "agent/scim/rate_limiter.h"
#include "agent/scim/timing.h"
#include "agent/scim/token_source.h"

namespace scim_agent {

struct GenesysClientOptions {
  // API host base, e.g. "https://api.mypurecloud.com" (or the simulator's
  // "http://127.0.0.1:<port>"). A trailing '/' is dropped. SCIM requests go to
  // api_base + "/api/v2/scim/v2" + "/Users…", Platform requests to api_base + "/api/v2/…".
  std::string api_base;

  // Retries (SPEC §9). A request is sent at most `max_tries` times. 429 is retried for every
  // call (the rate limiter refused it before anything was done, genesys-api.md §7); 502, 503,
  // 504 and transport failures (timeout, dropped connection) only for calls marked retryable
  // (safe to repeat). 500 is never retried.
  int max_tries = 4;
  // 429: wait Retry-After (or `default_retry_after` when absent) plus up to 0.5 s of jitter.
  // A Retry-After longer than `max_retry_after` is not waited for: the call fails kRateLimited.
  std::chrono::seconds default_retry_after{3};
  std::chrono::seconds max_retry_after{120};
  // 5xx and dropped connections: first_backoff × backoff_factor^(n-1) for the n-th retry, times
  // a jitter factor in [0.75, 1.25) — 3 s, 9 s, 27 s by default (genesys-api.md §7). A 503 with
  // Retry-After waits that instead when it is longer.
  std::chrono::milliseconds first_backoff{3'000};
  double backoff_factor = 3.0;

  // Token-bucket pacing of every request sent (retries included); 0 = unpaced. Genesys allows
  // 300 per minute per token (genesys-api.md §7).
  double requests_per_minute = 0;
  double burst = 5;

  // A second OAuth client with more permissions (SPEC §9): on 403 the request is sent once more
  // with its token. Must outlive the client; null when not configured.
  TokenSource* elevated_tokens = nullptr;

  NowFn now = systemNow();
  SleepFn sleep = systemSleep();
  RandomFn random = systemRandom();
};

// Requests sent, by "METHOD /route-template" (retries and 401/403 re-sends included), plus what
// the retry logic did. SCIM routes are named below the SCIM base ("GET /Users", "PATCH
// /Groups"); Platform routes in full with their parameters as in genesys-api.md §8
// ("GET /api/v2/users/{userId}/queues").
struct GenesysCounters {
  std::map<std::string, int> requests;
  int total = 0;
  int retries = 0;                      // re-sends after 429 / 5xx / dropped connections
  int token_refreshes = 0;              // re-sends after a 401 with a fresh token
  int elevated = 0;                     // re-sends after a 403 with the elevated client
  std::chrono::milliseconds waited{0};  // slept in backoff and pacing
};

// One logical API call; GenesysClient::send may send it several times.
struct ApiCall {
  std::string method;
  // The counter key after the method: "/Users", "/api/v2/tokens/{userId}".
  std::string route_template;
  // Between api_base and `path`, left out of messages: "/api/v2/scim/v2" for SCIM, "" for the
  // Platform API.
  std::string prefix;
  // The encoded path as messages show it: "/Users/9f0c…", "/api/v2/users/9f0c…/queues".
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;  // unencoded; encoded when sent
  std::optional<std::string> body;
  // Sent as Accept, and as Content-Type when there is a body.
  std::string media_type = "application/json";
  std::string if_match;  // no If-Match header when empty
  // Safe to repeat after a 5xx or a dropped connection whose outcome is unknown.
  bool retryable = false;

  // `path` and the unencoded query, for messages: "/Users?startIndex=26&count=25".
  std::string route() const;
};

// Sends ApiCalls with a bearer token from `tokens`: a 401 invalidates the token and re-sends
// once with a fresh one (genesys-api.md §1.4); a 403 re-sends once with the elevated client when
// one is configured; 429 / 5xx / dropped connections are retried per GenesysClientOptions. Every
// request sent (retries included) first takes a token from the one pacer. A retry's wait of 2 s
// or more is said first (noteWaiting, agent/log/waiting.h): "<error>; retry 1 of 3 in 3 s".
//
// Failures: a non-2xx answer becomes errorFromResponse(method, route, response) (scim_errors.h),
// "(after N tries)" appended when it was sent more than once, "(with a freshly issued token)"
// on a final 401; a transport failure keeps the transport's message, plus "(outcome unknown:
// the request may have been applied)" for a POST.
//
// Thread-safe when `transport` and `tokens` are (PocoTransport and OAuthTokenSource are): the
// counters and the pacer are locked. `transport`, `tokens` and the elevated client must outlive
// it. Not copyable: clients share it through a std::shared_ptr.
class GenesysClient {
 public:
  GenesysClient(HttpTransport& transport, TokenSource& tokens, GenesysClientOptions options);
  GenesysClient(const GenesysClient&) = delete;
  GenesysClient& operator=(const GenesysClient&) = delete;

  // The 2xx response to `call`, or the Error described above.
  Result<HttpResponse> send(const ApiCall& call);

  // The JSON body of a 2xx `response` to `call`; kInvalidInput "GET /route → 200: <why>" when
  // it is not JSON.
  static Result<Json> parseBody(const ApiCall& call, const HttpResponse& response);

  // `s` percent-encoded for a path segment or query value.
  static std::string encode(const std::string& s);

  // A copy of the counters so far, of every client sharing this one.
  GenesysCounters counters() const;
  void resetCounters();

  // api_base without a trailing '/'.
  const std::string& apiBase() const { return api_base_; }
  const GenesysClientOptions& options() const { return options_; }

 private:
  bool backoff(const Error& error, int tries);
  void count(const std::string& key);
  void sleepFor(std::chrono::milliseconds d);

  HttpTransport& transport_;
  TokenSource& tokens_;
  GenesysClientOptions options_;
  std::string api_base_;
  RateLimiter pacer_;
  mutable std::mutex mu_;
  GenesysCounters counters_;
};

}  // namespace scim_agent
