#pragma once

// SCIM PatchOp (RFC 7644 §3.5.2) as Genesys Cloud accepts it (genesys-api.md §5).
//
// Request envelope: {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
// "Operations":[{"op":"add|replace|remove","path":"…","value":…}]}. A missing PatchOp URN, a
// missing or empty Operations array, or an unknown op is 400 invalidSyntax. `op` is matched
// case-insensitively (Entra sends "Replace"). A path-less add/replace takes an object whose keys
// are paths; a path-less remove is 400 noTarget.
//
// User paths (attribute names case-insensitive, core URN prefix optional):
//   userName, displayName, active, title, externalId, password (accepted, ignored),
//   emails / emails[type eq "work"].value, phoneNumbers / phoneNumbers[type eq "<t>"].value,
//   roles / roles[value eq "<name>"],
//   urn:…:enterprise:2.0:User[:department|:division|:manager|:manager.value|:employeeNumber|
//     :dateHire] (short names accepted too),
//   urn:…:purecloud:2.0:User[:routingSkills|:routingLanguages|:externalIds], with
//     routingSkills[name eq "x"], externalIds[authority eq "x"].value.
// Errors: id, meta, groups, schemas and emails[type eq "other"] -> 400 mutability; removing
// userName/displayName/active -> 400 mutability; name.* and anything unknown -> 400 invalidPath;
// wrongly shaped values -> 400 invalidValue.
//
// Both functions work on copies: they either return the complete result or throw, so a failed
// request changes nothing.

#include <optional>
#include <string>
#include <vector>

#include "tests/sim/scim_model.h"
#include "tests/sim/sim_json.h"
#include "tests/sim/sim_store.h"

namespace scim_agent::sim {

// Applies every operation of `request` to `fields` in order.
void applyUserPatch(UserFields& fields, const JsonObject& request);

// The attributes of a group after a PATCH, computed without touching the store.
struct GroupChange {
  std::string display_name;
  std::optional<std::string> external_id;
  std::vector<size_t> members;  // user indexes, in order
};

// Evaluates a group PatchOp: `members` add/replace/remove (value [{"value":"<userId>"}]),
// `members[value eq "<userId>"]` remove, displayName and externalId. A member id that is not a
// non-deleted user is 400 invalidValue on add/replace and ignored on remove.
GroupChange applyGroupPatch(const SimGroup& group, SimStore& store, const JsonObject& request);

// Resolves [{"value":"<userId>"}] (or ["<userId>"]) to user indexes; unknown or deleted users
// throw 400 invalidValue.
std::vector<size_t> resolveMembers(SimStore& store, const Poco::Dynamic::Var& value);

}  // namespace scim_agent::sim
