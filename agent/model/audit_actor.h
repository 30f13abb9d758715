#pragma once

// Who an audit row says acted (state's audit_log.actor): the agent itself, or an operator by
// login name. One format, so reports and the audit chain read the same everywhere.

#include <string>

namespace scim_agent {

// The agent acting on its own (apply, run, serve).
inline constexpr const char* kAgentActor = "scim-agent";

// An operator's action (approve, terminations --clear): "operator:NAME", or "operator" when
// `user` (typically $USER) is null or empty.
inline std::string operatorActor(const char* user) {
  if (user == nullptr || *user == '\0') return "operator";
  return std::string("operator:") + user;
}

}  // namespace scim_agent
