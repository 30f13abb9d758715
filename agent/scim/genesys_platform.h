#pragma once

// PlatformDirectory over the Genesys Cloud Platform API (genesys-api.md §8).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/scim/genesys_client.h"
#include "agent/scim/http_transport.h"
#include "agent/scim/platform_directory.h"
#include "agent/scim/token_source.h"

namespace scim_agent {

struct PlatformOptions {
  // pageSize of GET /api/v2/users/{userId}/queues (Genesys allows up to 100).
  int queue_page_size = 100;
  // Grants per POST …/bulkremove; more grants take several requests.
  int grants_per_request = 50;
};

// The Platform API client for Genesys Cloud. Sends JSON (`Accept` and `Content-Type:
// application/json`) through a GenesysClient (genesys_client.h), which does the pacing, the
// bearer token (one refresh on 401), the elevated client on 403, the retries and the counters.
// Share that client with the GenesysDirectory of the same OAuth client: Genesys limits requests
// per token (genesys-api.md §7), so both must draw from one pacer.
//
// Every call here is safe to repeat, so every one is retried after 502/503/504 and dropped
// connections as well as after 429: the GETs and the DELETE; the queue bulk delete and
// bulkremove (set semantics); the analytics query and users/search (POSTs that only read); the
// restore PATCH (it carries the version, so a repeat cannot apply twice — but see restoreUser).
//
// Counter keys (GenesysCounters::requests):
//   GET /api/v2/users/{userId}/queues
//   POST /api/v2/routing/queues/{queueId}/members
//   GET /api/v2/authorization/subjects/{subjectId}
//   POST /api/v2/authorization/subjects/{subjectId}/bulkremove
//   DELETE /api/v2/tokens/{userId}
//   POST /api/v2/analytics/conversations/details/query
//   POST /api/v2/users/search
//   GET /api/v2/users
//   PATCH /api/v2/users/{userId}
//
// Errors as PlatformDirectory says, from the Platform ErrorBody (`message`), e.g.
// "GET /api/v2/users/u1/queues?pageSize=100&pageNumber=1&joined=true → 403: missing permission";
// kInvalidInput for an empty id or a response that cannot be read.
//
// Thread-safe as its GenesysClient is.
class GenesysPlatform final : public PlatformDirectory {
 public:
  // Sends through `client`, typically GenesysDirectory::client() of the same OAuth client.
  explicit GenesysPlatform(std::shared_ptr<GenesysClient> client, PlatformOptions options = {});
  // With a GenesysClient of its own (and so a pacer of its own). `transport` and `tokens` must
  // outlive it.
  GenesysPlatform(HttpTransport& transport, TokenSource& tokens, GenesysClientOptions options,
                  PlatformOptions platform_options = {});

  bool available() const override { return true; }
  Result<std::vector<QueueMembership>> listUserQueues(const std::string& user_id) override;
  Status removeFromQueue(const std::string& queue_id, const std::string& user_id) override;
  Result<std::vector<RoleGrant>> listGrants(const std::string& user_id) override;
  Status removeGrants(const std::string& user_id, const std::vector<RoleGrant>& grants) override;
  Status revokeTokens(const std::string& user_id) override;
  Result<ConversationPage> queryConversations(const std::string& user_id,
                                              const std::string& interval, int page_number,
                                              int page_size) override;
  Result<std::optional<DeletedUser>> findDeletedUser(const std::string& user_name) override;
  // kInvalidInput for a page number below 1, a size outside 1..100, an entry without an id, or a
  // paging field that is not a number; entries whose `state` is there and not "deleted" are
  // counted in `entities` but not returned. The login is `email`, else `username`.
  Result<DeletedUserPage> listDeletedUsers(int page_number, int page_size) override;
  // A 409, or a 400 whose message speaks of the version, is kStale. When the first try's answer
  // was lost (dropped connection) and the retry is kStale, the first may have restored the
  // user: the caller looks again (findDeletedUser finds nothing once the user is active).
  Status restoreUser(const std::string& id, int64_t version) override;

  // The names of every entity of a Platform listing: `path` is one of
  // /api/v2/authorization/roles, /api/v2/authorization/divisions, /api/v2/routing/skills,
  // /api/v2/routing/languages (genesys-api.md §8.5), read page by page (pageSize 100) until
  // pageCount; sorted, unique. kInvalidInput for another path or an answer that cannot be read,
  // kInvalidInput too when the listing keeps going past 1,000 pages.
  Result<std::vector<std::string>> listNames(const std::string& path);

  // A copy of the shared client's counters (every client sharing it).
  GenesysCounters counters() const { return client_->counters(); }
  const std::shared_ptr<GenesysClient>& client() const { return client_; }

 private:
  // Every page of the listing with joined=`joined`, in the order read.
  Result<std::vector<QueueMembership>> listQueues(const std::string& user_id, bool joined);

  std::shared_ptr<GenesysClient> client_;
  PlatformOptions options_;
};

}  // namespace scim_agent
