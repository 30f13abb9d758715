#pragma once

// ScimDirectory over the Genesys Cloud SCIM v2 API (genesys-api.md §2–§7).

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/scim/http_transport.h"
#include "agent/scim/rate_limiter.h"
#include "agent/scim/scim_directory.h"
#include "agent/scim/timing.h"
#include "agent/scim/token_source.h"

namespace scim_agent {

struct DirectoryOptions {
  // API host base, e.g. "https://api.mypurecloud.com" (or the simulator's
  // "http://127.0.0.1:<port>"). Requests go to api_base + "/api/v2/scim/v2" + "/Users…".
  std::string api_base;

  // Retries (SPEC §9). A request is sent at most `max_tries` times. Retried: GET, DELETE,
  // PATCH /Users with If-Match, PATCH /Groups members (all safe to repeat) on 429, 502, 503, 504
  // and on transport failures (timeout, dropped connection). POST is never retried.
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
  // with its token. Must outlive the directory; null when not configured.
  TokenSource* elevated_tokens = nullptr;

  NowFn now = systemNow();
  SleepFn sleep = systemSleep();
  RandomFn random = systemRandom();
};

// Requests sent, by "METHOD /Users" or "METHOD /Groups" (retries and 401 re-sends included),
// plus what the retry logic did.
struct DirectoryCounters {
  std::map<std::string, int> requests;  // e.g. {"GET /Users": 6, "PATCH /Groups": 2}
  int total = 0;
  int retries = 0;           // re-sends after 429 / 5xx / dropped connections
  int token_refreshes = 0;   // re-sends after a 401 with a fresh token
  int elevated = 0;          // re-sends after a 403 with the elevated client
  std::chrono::milliseconds waited{0};  // slept in backoff and pacing
};

// The SCIM client for Genesys Cloud. Sends `Accept: application/scim+json`, a bearer token from
// `tokens` (a 401 invalidates it and the request is re-sent once with a fresh one), and
// `Content-Type: application/scim+json` on bodies. Maps statuses once (scim_errors.h).
//
// Thread-safe when `transport` and `tokens` are (PocoTransport and OAuthTokenSource are): the
// only mutable state is the counters and the pacer, both locked. `transport` and `tokens` must
// outlive it.
class GenesysDirectory final : public ScimDirectory {
 public:
  GenesysDirectory(HttpTransport& transport, TokenSource& tokens, DirectoryOptions options);

  Result<std::vector<LiveUser>> listUsers(const ListOptions& options) override;
  Result<std::vector<Group>> listGroups() override;
  Result<std::optional<LiveUser>> findUserByUserName(const std::string& user_name) override;
  Result<LiveUser> getUser(const std::string& id) override;
  Result<LiveUser> createUser(const Json& body) override;
  Result<LiveUser> patchUser(const std::string& id, const std::string& if_match,
                             const std::vector<PatchOp>& ops) override;
  Status deleteUser(const std::string& id, const std::string& if_match) override;
  Status patchGroupMembers(const std::string& group_id, const std::vector<std::string>& add_ids,
                           const std::vector<std::string>& remove_ids) override;

  // A copy of the counters so far.
  DirectoryCounters counters() const;
  void resetCounters();

  // The SCIM base URL: api_base + "/api/v2/scim/v2".
  const std::string& baseUrl() const { return base_url_; }

 private:
  struct Call;
  Result<HttpResponse> execute(const Call& call);
  Result<std::vector<Json>> listResources(const std::string& collection,
                                          std::vector<std::pair<std::string, std::string>> query,
                                          int page_size);
  Result<LiveUser> parseUser(const Call& call, const HttpResponse& response,
                             const std::vector<std::string>& excluded = {});
  void count(const std::string& key);
  void sleepFor(std::chrono::milliseconds d);

  HttpTransport& transport_;
  TokenSource& tokens_;
  DirectoryOptions options_;
  std::string base_url_;
  RateLimiter pacer_;
  mutable std::mutex mu_;
  DirectoryCounters counters_;
};

}  // namespace scim_agent
