#pragma once

// The Platform API calls of the deprovisioning clean-up (genesys-api.md §8): queues and queue
// members, roles / divisions / grants, token revocation and the analytics conversation-detail
// query. SimService (sim_service.cpp) authenticates, rate-limits, injects faults, counts and logs;
// this file only matches the paths and answers the admitted requests. tests/sim/README.md
// documents every shape.
//
// Errors: handlers throw SimError with a Platform code; SimService renders it as the Platform
// ErrorBody {"message","code","status"} (genesys-api.md §6.2).
//
// Thread safety: none; SimService calls in under its mutex.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/sim/sim_json.h"
#include "tests/sim/sim_service.h"
#include "tests/sim/sim_store.h"

namespace scim_agent::sim {

enum class PlatformKind {
  kUserQueues,         // GET  /api/v2/users/{userId}/queues
  kUserRoles,          // GET|PUT /api/v2/users/{userId}/roles
  kQueues,             // GET  /api/v2/routing/queues
  kQueueMembers,       // GET|POST /api/v2/routing/queues/{queueId}/members
  kQueueMember,        // DELETE /api/v2/routing/queues/{queueId}/members/{memberId}
  kSubject,            // GET  /api/v2/authorization/subjects/{subjectId}
  kSubjectBulkRemove,  // POST /api/v2/authorization/subjects/{subjectId}/bulkremove
  kSubjectGrant,       // DELETE /api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}
  kRoles,              // GET  /api/v2/authorization/roles
  kDivisions,          // GET  /api/v2/authorization/divisions
  kSkills,             // GET  /api/v2/routing/skills (the catalog's skills)
  kLanguages,          // GET  /api/v2/routing/languages (the catalog's languages)
  kTokensMe,           // DELETE /api/v2/tokens/me (answered by SimService: it owns the tokens)
  kTokens,             // DELETE /api/v2/tokens/{userId}
  kConversationQuery,  // POST /api/v2/analytics/conversations/details/query
  kUsers,              // GET  /api/v2/users?state=active|inactive|deleted|any
};

struct PlatformRoute {
  PlatformKind kind = PlatformKind::kQueues;
  std::string path_template;        // "/api/v2/users/{userId}/queues"
  std::vector<std::string> params;  // path parameters in template order, as sent
};

using QueryList = std::vector<std::pair<std::string, std::string>>;

// `segments`: the non-empty path segments as sent ("api","v2","users","<id>","queues").
// Literal segments compare case-insensitively.
std::optional<PlatformRoute> matchPlatformRoute(const std::vector<std::string>& segments);
bool platformMethodAllowed(PlatformKind kind, std::string_view method);
std::string platformAllowedMethods(PlatformKind kind);

// Route templates compare equal when they differ only in the names of their {placeholders}:
// "POST /api/v2/authorization/subjects/{id}/bulkremove" names the same route as
// "POST /api/v2/authorization/subjects/{subjectId}/bulkremove". Case-insensitive.
bool sameRouteKey(std::string_view a, std::string_view b);

// Answers one admitted request. REQUIRES: platformMethodAllowed(route.kind, method) and
// route.kind != kTokensMe. Throws SimError.
SimResponse handlePlatform(SimStore& store, const PlatformRoute& route, const std::string& method,
                           const QueryList& query, const std::string& body);

// The Platform User of users/search, GET /api/v2/users and PATCH /api/v2/users/{id}:
// {"id","name","division":{"name"},"email","username","state","version","selfUri"}.
void writePlatformUser(JsonWriter& out, const SimUser& user);

// "2026-01-01T00:00:00.000Z", "…T00:00:00Z", "…T01:00:00+01:00" (a missing zone means UTC) ->
// epoch milliseconds; std::nullopt when malformed.
std::optional<int64_t> parseIsoTimestamp(std::string_view text);

}  // namespace scim_agent::sim
