#pragma once

// ScimDirectory over the Genesys Cloud SCIM v2 API (genesys-api.md §2–§7).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/scim/genesys_client.h"
#include "agent/scim/http_transport.h"
#include "agent/scim/scim_directory.h"
#include "agent/scim/token_source.h"

namespace scim_agent {

// The request engine's options and counters (genesys_client.h), under the names this class had
// before the engine was shared with GenesysPlatform.
using DirectoryOptions = GenesysClientOptions;
using DirectoryCounters = GenesysCounters;

// The SCIM client for Genesys Cloud. Sends `Accept: application/scim+json`, a bearer token from
// `tokens` (a 401 invalidates it and the request is re-sent once with a fresh one), and
// `Content-Type: application/scim+json` on bodies. Maps statuses once (scim_errors.h).
// Requests go through a GenesysClient (genesys_client.h): pacing, retries, token refresh,
// elevated client, counters. Retried after 5xx and dropped connections (safe to repeat): GET,
// DELETE, PATCH /Users with If-Match, PATCH /Groups members. POST /Users only after a 429.
//
// Thread-safe when `transport` and `tokens` are (PocoTransport and OAuthTokenSource are): the
// only mutable state is the client's counters and pacer, both locked.
class GenesysDirectory final : public ScimDirectory {
 public:
  // A directory with its own GenesysClient. `transport` and `tokens` must outlive it.
  GenesysDirectory(HttpTransport& transport, TokenSource& tokens, DirectoryOptions options);
  // A directory sending through `client`, which other clients (GenesysPlatform) may share: the
  // pacer and the counters are then common to all of them.
  explicit GenesysDirectory(std::shared_ptr<GenesysClient> client);

  Result<std::vector<LiveUser>> listUsers(const ListOptions& options) override;
  Result<std::vector<Group>> listGroups() override;
  Result<std::optional<LiveUser>> findUserByUserName(const std::string& user_name) override;
  Result<std::optional<LiveUser>> findUserByExternalId(const std::string& external_id) override;
  Result<LiveUser> getUser(const std::string& id) override;
  Result<LiveUser> createUser(const Json& body) override;
  Result<LiveUser> patchUser(const std::string& id, const std::string& if_match,
                             const std::vector<PatchOp>& ops) override;
  Status deleteUser(const std::string& id, const std::string& if_match) override;
  Status patchGroupMembers(const std::string& group_id, const std::vector<std::string>& add_ids,
                           const std::vector<std::string>& remove_ids) override;

  // A copy of the client's counters so far: this directory's requests, and those of every
  // other client sharing its GenesysClient.
  DirectoryCounters counters() const { return client_->counters(); }
  void resetCounters() { client_->resetCounters(); }

  // The request engine, to share with a GenesysPlatform on the same token:
  // `GenesysPlatform platform(directory.client());`.
  const std::shared_ptr<GenesysClient>& client() const { return client_; }

  // The SCIM base URL: api_base + "/api/v2/scim/v2".
  const std::string& baseUrl() const { return base_url_; }

 private:
  Result<HttpResponse> execute(const ApiCall& call) { return client_->send(call); }
  // GET `call` (retried as it says): the body as a JSON object; kInvalidInput when it is not one.
  Result<Json> getList(const ApiCall& call);
  // The first user of `filter=<attribute> eq "<value>"` for which `matches` holds; nullopt when
  // none does.
  Result<std::optional<LiveUser>> findUser(const std::string& attribute, const std::string& value,
                                           const std::function<bool(const Json&)>& matches);
  Result<LiveUser> parseUser(const ApiCall& call, const HttpResponse& response,
                             const std::vector<std::string>& excluded = {});

  std::shared_ptr<GenesysClient> client_;
  std::string base_url_;
};

}  // namespace scim_agent
