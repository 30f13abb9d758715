#pragma once
// TEMPORARY stand-in until the wt-vocab branch lands (same API).
#include <string>
namespace scim_agent {
inline constexpr const char* kAgentActor = "scim-agent";
inline std::string operatorActor(const char* user) {
  return user && *user ? std::string("operator:") + user : "operator";
}
}  // namespace scim_agent
