#include "agent/model/policy.h"

#include <algorithm>

namespace scim_agent {

bool Policy::manages(Attribute a) const {
  return std::find(managed_attributes.begin(), managed_attributes.end(), a) !=
         managed_attributes.end();
}

const char* unmanagedPolicyName(UnmanagedPolicy p) {
  switch (p) {
    case UnmanagedPolicy::kIgnore: return "ignore";
    case UnmanagedPolicy::kReport: return "report";
    case UnmanagedPolicy::kSuspend: return "suspend";
  }
  return "?";
}

const char* removalPolicyName(RemovalPolicy p) {
  switch (p) {
    case RemovalPolicy::kSuspend: return "suspend";
    case RemovalPolicy::kDelete: return "delete";
  }
  return "?";
}

}  // namespace scim_agent
