#pragma once

// SCIM schema URNs (RFC 7643, RFC 7644; genesys-api.md §3), shared by the planner (the
// documents it builds) and the SCIM client (what it sends and reads).

namespace scim_agent {

inline constexpr const char* kScimUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
inline constexpr const char* kCoreUserSchema = kScimUserSchema;
inline constexpr const char* kScimGroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";
inline constexpr const char* kEnterpriseUserSchema =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
inline constexpr const char* kGenesysUserSchema =
    "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";
inline constexpr const char* kPatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
inline constexpr const char* kListResponseSchema =
    "urn:ietf:params:scim:api:messages:2.0:ListResponse";

}  // namespace scim_agent
