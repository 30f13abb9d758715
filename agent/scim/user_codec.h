#pragma once

// The Genesys SCIM wire shapes (genesys-api.md §3, §5) ↔ the model (agent/model/user.h).
// Pure functions over Json; no network.

#include <string>
#include <vector>

#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/model/plan.h"
#include "agent/model/scim_schemas.h"
#include "agent/model/user.h"

namespace scim_agent {

// The authority prefix of the externalIds entry that mirrors SCIM externalId (§3.3).
inline constexpr const char* kScimExternalIdAuthority = "x-pc:scimv2:v1";

// Excluded-attribute names (for ListOptions::excluded_attributes) of the attributes Genesys calls
// expensive (genesys-api.md §2.3).
inline constexpr const char* kAttrExternalId = "externalId";
inline constexpr const char* kAttrRoles = "roles";
// The routing attributes are named with their schema (a bare name would be ambiguous).
inline const std::string kAttrRoutingSkills = std::string(kGenesysUserSchema) + ":routingSkills";
inline const std::string kAttrRoutingLanguages =
    std::string(kGenesysUserSchema) + ":routingLanguages";

// A Genesys SCIM user resource → LiveUser.
//   - externalId: the `externalId` member, else the value of the genesys-extension `externalIds`
//     entry whose authority starts with "x-pc:scimv2:v1", else "".
//   - emails: only the `work` entry is kept (`other` mirrors userName and is read-only, §3.1).
//   - phoneNumbers sorted by type (then value); roles, group ids sorted; routing skills and
//     languages sorted by name; dateHire reduced to its date part (YYYY-MM-DD).
//   - meta.version kept verbatim (quotes included) for If-Match.
//   - roles_known / routing_skills_known / routing_languages_known are false when
//     `excluded_attributes` (as sent on the request that returned this resource) projected the
//     attribute out: by its short name, its schema-qualified name, or the whole extension. An
//     attribute merely absent from the resource (Genesys omits empty lists) is known and empty.
// Fails with kInvalidInput when `resource` is not an object or lacks `id` or `userName`.
Result<LiveUser> liveUserFromScim(const Json& resource,
                                  const std::vector<std::string>& excluded_attributes = {});

// Which of roles / routingSkills / routingLanguages are known after a read that sent
// `excluded_attributes` (see liveUserFromScim).
struct LiveUserKnown {
  bool roles = true;
  bool routing_skills = true;
  bool routing_languages = true;
};
LiveUserKnown knownAttributes(const std::vector<std::string>& excluded_attributes);

// The last steps of liveUserFromScim, shared with the page decoder (scim_page.h) so that both
// read a user alike. `user` holds the members as read (dateHire whole, lists in page order):
// this sorts the lists, keeps dateHire's date part, sets the *_known flags from `known`, and
// fails as liveUserFromScim does when the id or the userName is empty.
Status finishLiveUser(LiveUser& user, const LiveUserKnown& known);

// A proficiency sent as a string ("3.5"): its leading number (std::stod), 0 when it has none.
double proficiencyFromText(const std::string& text);

// A SCIM group resource → Group (id, displayName, meta.version verbatim). Members are not read:
// listings ask for excludedAttributes=members. Absent members give empty strings.
Group groupFromScim(const Json& resource);

// A LiveUser as canonical JSON (keys sorted, every field present), for snapshots and reports:
// {"active","dateHire","department","displayName","division","employeeNumber","externalId",
//  "groupIds","id","managerId","phoneNumbers":[{"type","value"}],"roles","rolesKnown",
//  "routingLanguages":[{"name","proficiency"}],"routingLanguagesKnown","routingSkills",
//  "routingSkillsKnown","title","userName","version","workEmail"}
Json liveUserToCanonicalJson(const LiveUser& user);

// {"schemas":[PatchOp URN],"Operations":[{"op","path","value"}…]}; `value` is left out when it
// is null (remove), `path` when it is empty (a path-less replace).
Json patchRequestBody(const std::vector<PatchOp>& ops);

// The Groups PATCH for membership changes: an `add` op on path "members" with
// [{"value":id}…] when `add_ids` is non-empty, then a `remove` op likewise for `remove_ids`.
Json groupMembersPatchBody(const std::vector<std::string>& add_ids,
                           const std::vector<std::string>& remove_ids);

}  // namespace scim_agent
