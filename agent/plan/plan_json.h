#pragma once

#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/model/plan.h"

namespace scim_agent {

// The plan document version this build writes and reads.
inline constexpr int kPlanFormatVersion = 1;

// The plan document (`plan --format json`, `--out plan.json`, the state DB's stored plans):
//   {"formatVersion":1,"desiredDigest":"…","managedLiveUsers":n,"actions":[…],"notices":[…],
//    "cost":{"calls":{"POST /Users":3,…},"totalCalls":n,"minSeconds":s}}
// An action: {"kind":"create|update|suspend|reactivate|delete|group","rule":…} plus, when not
// empty/false/null: externalId, userName, userId, version, ops [{op,path,value}], body,
// managerExternalId, adopt, groupId, groupName, groupVersion, addMembers / removeMembers
// [{userId,externalId,userName}], source {file,line,column}, changes [{attribute,before,after}].
// A notice: {"kind","message"} plus externalId, userName, source when set. Keys are camelCase
// like the SCIM wire names; object keys come out sorted, so the text is deterministic.
// "verdict" (always): {"blocked","blockedActions","heldActions"} plus rule, message, limit and
// proceed when set; an action the verdict stops or holds has "blocked": true / "held": true.
// "scheduled" (when any): [{"kind":"delete|termination|heldTermination","message"} plus
// externalId, userName, due, source].
Json planToJson(const Plan& plan);

// The inverse of planToJson; absent members take their defaults, unknown members are ignored.
// Fails with kInvalidInput when formatVersion is not kPlanFormatVersion, and with kCorrupt
// naming the member (e.g. "plan: actions[3].ops[0].op: expected a string") when the document
// is malformed. planToJson(planFromJson(planToJson(p))) == planToJson(p).
Result<Plan> planFromJson(const Json& json);

}  // namespace scim_agent
