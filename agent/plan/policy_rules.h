#pragma once

#include <regex>
#include <string>

#include "agent/model/policy.h"
#include "agent/model/user.h"

namespace scim_agent {

// The policy rules that decide which live users the agent may touch, in one place for the
// planner, countManagedLiveUsers and the adopt report, so the report cannot drift from the plan.
// Internal to agent/plan.

// policy.scope (Policy::scope_external_id_pattern's contract): a live user is in scope when it has
// an externalId the ECMAScript pattern finds (search); an empty pattern takes any externalId; an
// invalid pattern takes none. Never throws: std::regex's errors (a bad pattern, or pathological
// input) become "not in scope".
class Scope {
 public:
  explicit Scope(const std::string& pattern);

  // False when the pattern does not compile; error() then says why.
  bool valid() const { return valid_; }
  const std::string& error() const { return error_; }
  bool contains(const std::string& external_id) const;

 private:
  bool any_ = false;
  bool valid_ = true;
  std::regex re_;
  std::string error_;
};

// ProtectedRule's contract: true when a rule of policy.protected_users matches these keys, that
// is every key the rule sets matches (userName case-insensitively, externalId exactly). A rule
// that sets no key matches nobody.
bool isProtected(const Policy& policy, const std::string& user_name,
                 const std::string& external_id);

// Why an unclaimed live user is not managed, for notices and reports: it has no externalId, or
// its externalId is outside `pattern` (policy.scope.externalIdPattern).
std::string notManagedReason(const LiveUser& user, const std::string& pattern);

}  // namespace scim_agent
