#pragma once

// genesys-sim embedded: an in-process HTTP server that behaves like Genesys Cloud for the calls
// scim-agent makes (OAuth client credentials, SCIM Users/Groups, two Platform user endpoints),
// plus an unauthenticated control API under /sim/ for tests. The behaviour contract is
// shared/genesys-api.md; sim_service.h lists every route and its answers.
//
// Typical test use:
//
//   scim_agent::sim::SimServer server(scim_agent::sim::SimOptions{});
//   server.start();                       // binds 127.0.0.1 on an ephemeral port
//   server.seed(R"({"users":[{"userName":"a@corp.example","displayName":"A"}]})");
//   ... talk HTTP to server.baseUrl() ...
//   server.stop();                        // also done by the destructor
//
// Determinism: ids come from a counter (00000000-0000-4000-8000-000000000001, …), tokens from a
// seeded generator and meta.lastModified from a logical clock, so the same requests produce the
// same state. Probabilistic faults (error_rate, drop_rate, conflict_rate, latency jitter) come
// from a std::mt19937_64 seeded with fault_seed, drawn under the state mutex with a fixed number
// of draws per API request, so the same seed and the same request order give the same faults.
// Only token expiry, rate limiting and the duration of injected latency use the real clock.
//
// Thread safety: all public methods may be called from any thread; the simulated org sits
// behind one mutex, so requests are handled one at a time (HTTP I/O itself is concurrent).

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace scim_agent::sim {

struct SimOptions {
  // Address to bind. Only loopback addresses (127.0.0.0/8, ::1, "localhost") are accepted.
  std::string host = "127.0.0.1";
  // 0 picks an ephemeral port; read it back with SimServer::port().
  uint16_t port = 0;
  // OAuth clients (client id, secret) allowed to obtain tokens.
  std::vector<std::pair<std::string, std::string>> clients = {{"demo-client", "demo-secret"}};
  // `expires_in` of issued tokens; a token is refused once this many seconds have passed.
  int token_ttl_seconds = 86399;
  // Status for an If-Match mismatch: 400 (scimType invalidVers) or 409 (genesys-api.md §4).
  int version_conflict_status = 400;
  // Answer 429 to user list pages over 25 that include externalId, roles, routingSkills or
  // routingLanguages (genesys-api.md §2.3).
  bool enforce_page_limit = true;
  // SCIM POST of a deleted user's userName creates a new id instead of reviving the record.
  bool new_id_on_recreate = false;
  // HTTP worker threads (each keep-alive connection holds one while open).
  int threads = 8;
  // Token-bucket limit per access token, requests per minute; 0 disables (genesys-api.md §7).
  // Over the limit: 429, Retry-After and the Genesys body. /oauth/token and /sim/ are not limited.
  int rate_limit_per_minute = 0;
  // Bucket size of that limit: requests a fresh (or long idle) token may send at once; >= 1.
  int rate_limit_burst = 5;
  // Added to every API response (not /sim/ control calls).
  int latency_ms = 0;
  // Plus a uniform 0..latency_jitter_ms per API response (drawn from fault_seed).
  int latency_jitter_ms = 0;

  // Probabilistic faults (0.0-1.0 each), applied to SCIM and Platform requests (and to
  // /oauth/token only when fault_token_endpoint), never to /sim/ control calls.
  // error_rate: answer 500/502/503/504 (uniform) with the Platform ErrorBody; 503 also carries
  // Retry-After: 1.
  double error_rate = 0.0;
  // drop_rate: close the connection without an answer; before handling the request, or after it
  // (the write is applied, the client cannot know) when drop_after_write.
  double drop_rate = 0.0;
  bool drop_after_write = false;
  // conflict_rate: a SCIM PUT/PATCH/DELETE of a user whose If-Match matches finds the user's
  // version bumped first (an admin edit in between), so it fails as a version conflict
  // (version_conflict_status).
  double conflict_rate = 0.0;
  // Seed of the fault generator; /sim/reset and POST /sim/config {"faultSeed"} restart it.
  uint64_t fault_seed = 1;
  bool fault_token_endpoint = false;

  // Referential rule: SCIM DELETE /Users/{id} of a user who is still a member of a queue answers
  // 409 (tests/sim/README.md). POST /sim/config {"deleteRequiresQueueCleanup"} changes it.
  bool delete_requires_queue_cleanup = true;
};

class SimService;

class SimServer {
 public:
  explicit SimServer(SimOptions options);
  // Stops the server if it is running.
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Binds and starts serving. Throws std::invalid_argument for a non-loopback host and
  // std::runtime_error when the address cannot be bound or the server is already running.
  void start();
  // Stops accepting, aborts open connections and joins the worker threads. Idempotent.
  void stop();
  // The bound port. REQUIRES: start() succeeded.
  uint16_t port() const;
  // "http://127.0.0.1:PORT" (IPv6: "http://[::1]:PORT"). REQUIRES: start() succeeded.
  std::string baseUrl() const;

  // In-process equivalents of the control endpoints (see sim_service.h), usable before start().
  // seed() throws std::invalid_argument with the reason when the document is rejected; nothing
  // is added then.
  std::string seed(const std::string& json);
  std::string stateJson(bool stable = false);
  std::string countersJson();
  void resetCounters();
  void reset();

  SimService& service();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scim_agent::sim
