#pragma once

#include <string>
#include <vector>

#include "agent/base/json.h"
#include "agent/model/plan.h"

namespace scim_agent {

inline constexpr const char* kPatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

// The body of a SCIM PATCH (genesys-api.md §5.1):
// {"schemas":[PatchOp URN],"Operations":[{"op","path","value"},…]}, operations in the given
// order; a "remove" operation (or any operation whose value is null) has no "value" key.
Json patchRequestBody(const std::vector<PatchOp>& ops);

// The body of a group membership PATCH (genesys-api.md §5.2): an "add" operation on path
// "members" with [{"value":id},…] when `add_ids` is not empty, then a "remove" operation on path
// "members" with [{"value":id},…] when `remove_ids` is not empty. Ids in the given order.
Json groupPatchBody(const std::vector<std::string>& add_ids,
                    const std::vector<std::string>& remove_ids);

}  // namespace scim_agent
