#pragma once

// Rendering of users and groups as Genesys Cloud's SCIM API returns them, and the
// `attributes` / `excludedAttributes` projections (genesys-api.md §2.3, §3).
//
// A user renders as
//   {"schemas":[core, enterprise, genesys], "id", "externalId"?, "userName", "displayName",
//    "title"?, "active", "emails":[{"value":userName,"type":"other","primary":true},
//    {"value":…,"type":"work"}?], "phoneNumbers"?, "roles"?, "groups"?,
//    "<enterprise URN>":{"department"?,"division","employeeNumber"?,"dateHire"?,"manager"?},
//    "<genesys URN>"?:{"routingSkills"?,"routingLanguages"?,"externalIds"?},
//    "meta":{"resourceType":"User","lastModified","location","version":"\"<n>\""}}
// Unset attributes and empty lists are omitted.
//
// Thread safety: pure functions over the store; callers hold the service mutex.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/sim/scim_model.h"
#include "tests/sim/sim_json.h"
#include "tests/sim/sim_store.h"

namespace scim_agent::sim {

// One bit per projectable user attribute.
enum UserAttr : uint32_t {
  kAttrId = 1u << 0,
  kAttrExternalId = 1u << 1,
  kAttrUserName = 1u << 2,
  kAttrDisplayName = 1u << 3,
  kAttrTitle = 1u << 4,
  kAttrActive = 1u << 5,
  kAttrEmails = 1u << 6,
  kAttrPhoneNumbers = 1u << 7,
  kAttrRoles = 1u << 8,
  kAttrGroups = 1u << 9,
  kAttrMeta = 1u << 10,
  kAttrDepartment = 1u << 11,
  kAttrDivision = 1u << 12,
  kAttrEmployeeNumber = 1u << 13,
  kAttrDateHire = 1u << 14,
  kAttrManager = 1u << 15,
  kAttrRoutingSkills = 1u << 16,
  kAttrRoutingLanguages = 1u << 17,
  kAttrExternalIds = 1u << 18,
};
inline constexpr uint32_t kAllUserAttrs = (1u << 19) - 1;
// Returned whatever the projection says (genesys-api.md §2.3).
inline constexpr uint32_t kAlwaysUserAttrs = kAttrId | kAttrUserName | kAttrActive | kAttrMeta;
// The "secondary lookups" that make pages over 25 fail with 429 (genesys-api.md §2.3, §9 #10).
inline constexpr uint32_t kExpensiveUserAttrs =
    kAttrExternalId | kAttrRoles | kAttrRoutingSkills | kAttrRoutingLanguages;

struct UserProjection {
  uint32_t mask = kAllUserAttrs;
  bool has(uint32_t attrs) const { return (mask & attrs) != 0; }
};

// Builds a projection from the (already comma-split) query values. Names are case-insensitive
// and may be short ("department", "routingSkills") or URN-prefixed
// ("urn:…:enterprise:2.0:User:department", "urn:…:purecloud:2.0:User:routingSkills", a whole
// extension URN, "urn:…:core:2.0:User:title"); sub-attributes ("meta.version", "manager.value")
// select their parent. Unknown names are ignored. When `attributes` is non-empty it wins and the
// always-returned set is added; `excluded` then removes anything but the always-returned set.
UserProjection userProjection(const std::vector<std::string>& attributes,
                              const std::vector<std::string>& excluded);

struct GroupProjection {
  bool display_name = true;
  bool external_id = true;
  bool members = true;
};
// Same rules for groups; id and meta are always returned.
GroupProjection groupProjection(const std::vector<std::string>& attributes,
                                const std::vector<std::string>& excluded);

struct RenderOptions {
  // "http://127.0.0.1:PORT": prefix of meta.location and every $ref.
  std::string base_url;
  // Leave out meta.lastModified, meta.location and $ref so a dump does not depend on the port.
  bool stable = false;
  // Add "deleted":true to deleted users (only /sim/state renders deleted users).
  bool mark_deleted = false;
  // When set, called after "meta" to add members to the user object (/sim/state adds the
  // simulator-only view: state, queues, grants, tokensRevoked).
  std::function<void(JsonWriter&, const SimUser&)> user_extra;
};

void writeUser(JsonWriter& out, const SimUser& user, const SimStore& store,
               const UserProjection& projection, const RenderOptions& options);
void writeGroup(JsonWriter& out, const SimGroup& group, const SimStore& store,
                const GroupProjection& projection, const RenderOptions& options);

// ISO-8601 with milliseconds, UTC: "2026-01-01T00:00:01.000Z".
std::string formatTimestamp(int64_t epoch_ms);
// The ETag header and meta.version value: the version in double quotes ("\"3\"").
std::string formatVersion(int64_t version);
// Lenient If-Match / If-None-Match parsing: "3", 3, W/"3" all give 3. Returns -1 when the value
// holds no integer, which never matches a version.
int64_t parseVersion(std::string_view header);

std::string userLocation(const RenderOptions& options, std::string_view id);
std::string groupLocation(const RenderOptions& options, std::string_view id);

}  // namespace scim_agent::sim
