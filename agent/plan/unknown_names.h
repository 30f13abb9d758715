#pragma once

// Names in the desired state that the org does not have: groups (checked by every plan), and for
// `validate --online` roles, divisions, routing skills and languages too. Pure: data in, data
// out; the caller reads the org's names.

#include <string>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/model/policy.h"
#include "agent/model/user.h"

namespace scim_agent {

// One unknown name and who names it.
struct UnknownName {
  std::string kind;  // "group", "role", "division", "routing skill", "routing language"
  std::string name;
  std::vector<const DesiredUser*> users;  // by externalId, then userName; never empty
  std::vector<std::string> suggestions;   // the existing names closest to it (closestNames)
};

// Up to `max` of `candidates` closest to `word`, best first: one equal ignoring case, then those
// within an edit distance (ignoring case) of a third of the word's length (at least 2), then
// those containing it or contained in it (ignoring case); ties by name. Empty when none is close.
std::vector<std::string> closestNames(const std::string& word,
                                      const std::vector<std::string>& candidates, size_t max = 3);

// The attribute of `users` the names are read from, for findUnknownNames.
enum class NamedAttribute { kGroups, kRoles, kDivision, kRoutingSkills, kRoutingLanguages };

// The names of attribute `attribute` that `users` declare and `existing` lacks (exact match, as
// the planner and Genesys compare them), sorted by name; `existing` also gives the suggestions.
// Only users for whom `only_external_id` is empty or equal to their externalId are read.
std::vector<UnknownName> findUnknownNames(const std::vector<DesiredUser>& users,
                                          NamedAttribute attribute,
                                          const std::vector<std::string>& existing,
                                          const std::string& only_external_id = "");

// The groups (when policy manages groups) that no live group is called.
std::vector<UnknownName> findUnknownGroups(const std::vector<DesiredUser>& users,
                                           const Policy& policy, const std::vector<Group>& groups,
                                           const std::string& only_external_id = "");

// `group "Suport EU" does not exist in Genesys (did you mean "Support EU"?)`
std::string unknownNameText(const UnknownName& unknown, const std::string& service);

// The diagnostic of one unknown name, at the first user's place:
//   group "Suport EU" does not exist in Genesys (did you mean "Support EU"?); named by EMP-1,
//   EMP-2 (users.yaml:20:5)
// (at most 5 users named, then "and N more"). `service`: "Genesys" or "the SCIM service".
Diagnostic unknownNameDiagnostic(const UnknownName& unknown, const std::string& service);

// What an applying run says of an unknown group: the diagnostic's text, then that these users'
// group memberships were left unchanged.
std::string unknownGroupSkipMessage(const UnknownName& unknown, const std::string& service);

}  // namespace scim_agent
