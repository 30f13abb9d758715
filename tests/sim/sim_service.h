#pragma once

// SimService: the transport-free core of genesys-sim. It turns one HTTP request (SimRequest)
// into one response (SimResponse); SimServer only moves bytes. Behaviour follows
// shared/genesys-api.md; section numbers below refer to it.
//
// Routes (resource segments case-insensitive; both /api/v2/scim/v2 and /api/v2/scim prefixes):
//   POST   /oauth/token                        client credentials (§1.2, §1.3)
//   GET    /api/v2/scim/v2/Users               list: startIndex, count, filter, attributes,
//                                              excludedAttributes (§2.3, §2.4)
//   POST   /api/v2/scim/v2/Users               create / revive a deleted userName (§3.6)
//   GET|PUT|PATCH|DELETE /api/v2/scim/v2/Users/{id}
//   GET    /api/v2/scim/v2/Groups, GET|PATCH|PUT /api/v2/scim/v2/Groups/{id}
//                                              (POST /Groups and DELETE /Groups/{id}: 405)
//   GET    /api/v2/scim/v2/ServiceProviderConfig, /ResourceTypes[/{name}]
//   POST   /api/v2/users/search                Platform search incl. deleted users (§8.5)
//   GET|PATCH /api/v2/users/{id}               Platform user; PATCH {"state","version"} (§3.6)
//   the Platform clean-up calls of platform_routes.h (§8): /api/v2/users/{userId}/queues|roles,
//   /api/v2/routing/queues[/{queueId}/members[/{memberId}]], /api/v2/authorization/subjects/…,
//   /api/v2/authorization/roles|divisions, DELETE /api/v2/tokens/{userId}|me,
//   POST /api/v2/analytics/conversations/details/query. tests/sim/README.md has every shape.
// SCIM DELETE /Users/{id} of a user still in a queue: 409 while deleteRequiresQueueCleanup.
// Every API route needs "Authorization: Bearer <token>" (else 401 bad.credentials, §1.4).
// SCIM success bodies are application/scim+json; SCIM errors are SCIM Error documents with a
// string status (§6.1); 401, 413 and 429 use the Platform ErrorBody (§6.2, §7).
//
// Control routes (no auth, not counted, never subject to faults or latency):
//   POST /sim/seed            {"users":[…],"groups":[…],"roles":[…],"divisions":[…],
//                              "skills":[…],"languages":[…]} -> {"users":[{"id","userName"}],
//                              "groups":[{"id","displayName"}]}; all-or-nothing
//   GET  /sim/state[?stable=true]  {"users":[…incl. inactive and deleted ("deleted":true)],
//                              "groups":[…]} in creation order; stable drops lastModified,
//                              location and $ref
//   GET  /sim/counters        {"total":N,"routes":{"GET /scim/v2/users":n,…},
//                              "statuses":{"200":n,…,"429":n,"500":n,"502":n,"503":n,"504":n,
//                              "dropped":n},"faults":{"errors":n,"drops":n,"conflicts":n,
//                              "rateLimited":n}}; the 429/5xx/dropped keys are always present
//   POST /sim/counters/reset  zeroes all of it and clears the request log
//   POST /sim/reset           empty org, ids and clock restart, counters, scripted faults and
//                             rewrites cleared, the fault generator restarts from faultSeed
//                             (tokens and config survive)
//   GET|POST /sim/config      {"versionConflictStatus","enforcePageLimit","tokenTtlSeconds",
//                              "newIdOnRecreate","rateLimitPerMinute","rateLimitBurst",
//                              "latencyMs","latencyJitterMs","errorRate","dropRate",
//                              "dropAfterWrite","conflictRate","faultSeed",
//                              "faultTokenEndpoint"}; POST takes any subset (unknown key or bad
//                              value: 400, nothing changes); "faultSeed" always re-seeds, even
//                              with the current value; tokenTtlSeconds applies to tokens issued
//                              afterwards; a new rate or burst refills every token's bucket
//   POST /sim/touch           {"id"|"userName", optional "title","displayName","active",
//                              "department","division","externalId"}: out-of-band edit,
//                              bumps the version
//   POST /sim/faults          {"route"?,"status"?,"drop"?,"retryAfter"?,"delayMs"?,"count"?,
//                              "after"?} or {"faults":[…]}: the next matching API requests
//                              fail; GET lists, POST /sim/faults/clear empties
//   POST /sim/rewrites        {"attribute","value","count"?}: the next `count` (1) SCIM POST
//                             /Users or PATCH /Users/{id} that set the attribute store and
//                             answer `value` instead (sim_rewrites.h); GET lists pending ones
//   POST /sim/tokens/revoke   every issued token becomes invalid (next API call: 401)
//   GET  /sim/requests[?since=N]  [{"seq","method","path","route","status"}] of every API
//                             request since the last counters reset (control calls excluded)
//   (seed also takes "queues", "conversations", user "grants" and the conversation generator;
//   /sim/faults also takes {"failNext":[…]}; see tests/sim/README.md)
//   GET  /sim/health
//
// Order of checks for an API request: unknown route (404) → scripted /sim/faults rule → method
// (405) → bearer token (401) → rate limit (429; not for /oauth/token) → random drop (unless
// dropAfterWrite) → random 5xx → 413 / 415 → random conflict bump → the request itself → random
// drop when dropAfterWrite (the write stays applied). Rate limit (SimOptions): a token bucket
// per access token holding rateLimitBurst tokens, refilled at rateLimitPerMinute/60 per second;
// a 429 does not take a token; Retry-After is the whole seconds until one is available (>= 1).
// Random faults: every non-control request (faultable or not, whatever the rates) takes five
// draws from the seeded std::mt19937_64 (drop, error, which 5xx, conflict, jitter), so one
// request order always meets the same faults; rates are compared when the fault would apply.
//
// Counter route keys are METHOD + a normalised template: "POST /oauth/token",
// "GET /scim/v2/users", "PATCH /scim/v2/users/{id}", "PATCH /scim/v2/groups/{id}",
// "POST /platform/users/search", "PATCH /platform/users/{id}", …; unknown paths count as
// "<METHOD> (unmatched)".
//
// Thread safety: handle() and the control methods are safe to call concurrently; they serialise
// on one mutex. A SimResponse's `delay` is to be applied by the caller, outside that mutex.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/sim/sim_server.h"

namespace scim_agent::sim {

struct SimRequest {
  std::string method;  // "GET", "POST", … (upper-case)
  std::string target;  // request target as sent: "/api/v2/scim/v2/Users?count=5"
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;

  // First header with this name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

struct SimResponse {
  int status = 200;
  std::string content_type;  // empty: no body
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Fault injection: close the connection without answering.
  bool drop_connection = false;
  // Fault injection / latency: wait this long before answering.
  std::chrono::milliseconds delay{0};
};

class SimService {
 public:
  explicit SimService(const SimOptions& options);
  ~SimService();
  SimService(const SimService&) = delete;
  SimService& operator=(const SimService&) = delete;

  // "http://127.0.0.1:PORT": prefix for meta.location and $ref. Set once the port is known.
  void setBaseUrl(std::string base_url);

  SimResponse handle(const SimRequest& request);

  // Control operations, as the /sim/ endpoints. seed() throws std::invalid_argument.
  std::string seed(const std::string& json);
  std::string stateJson(bool stable);
  std::string countersJson();
  void resetCounters();
  void reset();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace scim_agent::sim
