#include "agent/plan/policy_rules.h"

#include "agent/plan/match.h"
#include "agent/plan/text_util.h"

namespace scim_agent {

Scope::Scope(const std::string& pattern) {
  if (pattern.empty()) {
    any_ = true;
    return;
  }
  try {
    re_ = std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    valid_ = false;
    error_ = e.what();
  }
}

bool Scope::contains(const std::string& external_id) const {
  if (external_id.empty() || !valid_) return false;
  if (any_) return true;
  try {
    return std::regex_search(external_id, re_);
  } catch (const std::regex_error&) {
    return false;
  }
}

bool isProtected(const Policy& policy, const std::string& user_name,
                 const std::string& external_id) {
  for (const ProtectedRule& r : policy.protected_users) {
    if (r.user_name.empty() && r.external_id.empty()) continue;
    if (!r.user_name.empty() && lowerAscii(r.user_name) != lowerAscii(user_name)) continue;
    if (!r.external_id.empty() && r.external_id != external_id) continue;
    return true;
  }
  return false;
}

std::string notManagedReason(const LiveUser& user, const std::string& pattern) {
  if (user.external_id.empty()) return "no externalId and no desired user with this userName";
  return "externalId " + quoted(user.external_id) + " is outside policy scope " + quoted(pattern);
}

}  // namespace scim_agent
