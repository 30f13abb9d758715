#pragma once

// The one policy gate every remote write passes, whatever made the action (a fresh plan, a saved
// plan, an approval, an HR event, housekeeping): SPEC §16. The planner follows the same rules; the
// gate does not trust that it did, because a saved plan comes back from a file, a held action
// from the state DB, and the desired state and termination holds may have changed since the
// action was planned. The gate judges each action against the cycle's effective desired state
// (termination holds applied) at the time of the write:
//  - protected users (policy.protected) are never written, nor added to or removed from groups;
//  - users outside policy.scope (no desired entry, externalId outside the pattern) are never
//    suspended, deleted or patched — except the suspend of policy.unmanaged: suspend;
//  - only policy.managedAttributes are written (plus externalId when adopting a user, and
//    userName and externalId in a create's body);
//  - a suspend or delete must agree with the desired state: the user is absent from it, or it
//    says suspended/terminated, or an HR termination holds over it; a reactivate needs an active
//    desired entry.

#include <optional>
#include <string>
#include <vector>

#include "agent/model/plan.h"
#include "agent/model/policy.h"
#include "agent/plan/policy_rules.h"

namespace scim_agent {

class PolicyGate {
 public:
  // `desired` is the cycle's effective desired state; it must outlive the gate.
  explicit PolicyGate(const DesiredState& desired);

  // Why `action` may not be written; nullopt when it may. For a group action, only whether the
  // group may be written at all (groups managed); its members are judged by members().
  std::optional<std::string> refusal(const Action& action) const;

  // A group action without the members the gate refuses (protected or outside scope); each one
  // refused is described in `refused`.
  Action members(const Action& group, std::vector<std::string>* refused) const;

  // Whether the user with these keys may be written at all (protected and scope rules only):
  // for housekeeping writes that are not plan actions (token revocation retries).
  std::optional<std::string> userRefusal(const std::string& external_id,
                                         const std::string& user_name, bool suspending) const;

 private:
  const DesiredUser* entry(const std::string& external_id) const;
  bool inScope(const std::string& external_id) const;
  std::optional<std::string> attributeRefusal(const Action& action) const;
  std::optional<std::string> agreement(const Action& action) const;

  const DesiredState& desired_;
  Scope scope_;
};

}  // namespace scim_agent
