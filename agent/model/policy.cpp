#include "agent/model/policy.h"

#include <algorithm>

namespace scim_agent {

bool Policy::manages(Attribute a) const {
  return std::find(managed_attributes.begin(), managed_attributes.end(), a) !=
         managed_attributes.end();
}

std::map<std::string, int> defaultMaxAttributeLengths() {
  return {{"externalId", 255},   {"userName", 254},     {"displayName", 255},
          {"title", 255},        {"emails", 254},       {"phoneNumbers", 32},
          {"department", 255},   {"division", 255},     {"employeeNumber", 64},
          {"manager", 255},      {"groups", 255},       {"roles", 255},
          {"routingSkills", 255}, {"routingLanguages", 255}};
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
