#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/model/policy.h"
#include "agent/model/user.h"

namespace scim_agent {

// Canonical JSON forms of the desired state, for the digest a saved plan is bound to (SPEC §8)
// and for snapshots. Object keys are sorted (Json), lists come in the model's canonical order,
// source positions are left out: the same content in another file layout gives the same JSON.

// A desired user: spec key names (externalId, userName, displayName, title, workEmail,
// phoneNumbers [{type, value}], department, division, employeeNumber, dateHire, manager, groups,
// roles, routingSkills / routingLanguages [{name, proficiency}]) plus "status". An attribute that
// is not declared (nullopt) is absent; a declared empty one is "" or [].
Json desiredUserJson(const DesiredUser& user);

// The effective policy, every setting (protected rules without their source positions).
Json policyJson(const Policy& policy);

// Inverse of policyJson (a saved plan's facts, agent/model/plan.h PlanInputs): every key must be
// there with its type. Protected rules come back without source positions and
// maxAttributeLength with its defaults (policyJson leaves both out: neither counts at apply).
Result<Policy> policyFromJson(const Json& json);

// sha256 hex of {"groupsByDepartment", "policy", "users" (sorted by externalId)}.
std::string desiredDigest(
    const std::vector<DesiredUser>& users, const Policy& policy,
    const std::map<std::string, std::vector<std::string>>& groups_by_department);

}  // namespace scim_agent
