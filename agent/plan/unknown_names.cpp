#include "agent/plan/unknown_names.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "agent/base/text.h"
#include "agent/plan/policy_rules.h"
#include "agent/plan/text_util.h"

namespace scim_agent {

namespace {

constexpr size_t kUsersNamed = 5;

std::string lower(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}


void addNames(const DesiredUser& d, NamedAttribute attribute, std::vector<std::string>& out) {
  switch (attribute) {
    case NamedAttribute::kGroups:
      if (d.groups) out.insert(out.end(), d.groups->begin(), d.groups->end());
      break;
    case NamedAttribute::kRoles:
      if (d.roles) out.insert(out.end(), d.roles->begin(), d.roles->end());
      break;
    case NamedAttribute::kDivision:
      if (d.division && !d.division->empty()) out.push_back(*d.division);
      break;
    case NamedAttribute::kRoutingSkills:
      if (d.routing_skills) {
        for (const Proficiency& p : *d.routing_skills) out.push_back(p.name);
      }
      break;
    case NamedAttribute::kRoutingLanguages:
      if (d.routing_languages) {
        for (const Proficiency& p : *d.routing_languages) out.push_back(p.name);
      }
      break;
  }
}

const char* kindOf(NamedAttribute attribute) {
  switch (attribute) {
    case NamedAttribute::kGroups:
      return "group";
    case NamedAttribute::kRoles:
      return "role";
    case NamedAttribute::kDivision:
      return "division";
    case NamedAttribute::kRoutingSkills:
      return "routing skill";
    case NamedAttribute::kRoutingLanguages:
      return "routing language";
  }
  return "name";
}

std::string firstPart(const UnknownName& unknown, const std::string& service) {
  std::string out = unknown.kind + " " + quoted(unknown.name) + " does not exist in " + service;
  if (!unknown.suggestions.empty()) {
    std::vector<std::string> q;
    for (const std::string& s : unknown.suggestions) q.push_back(quoted(s));
    std::string options = q.back();
    if (q.size() > 1) {
      q.pop_back();
      options = join(q, ", ") + " or " + options;
    }
    out += " (did you mean " + options + "?)";
  }
  return out;
}

std::string usersPart(const UnknownName& unknown) {
  std::vector<std::string> named;
  for (size_t i = 0; i < unknown.users.size() && i < kUsersNamed; ++i) {
    const DesiredUser& d = *unknown.users[i];
    std::string who = d.external_id.empty() ? d.user_name : d.external_id;
    if (i > 0 && !d.source.file.empty()) who += " (" + d.source.toString() + ")";
    named.push_back(who);
  }
  std::string out = join(named, ", ");
  if (unknown.users.size() > kUsersNamed) {
    out += " and " + std::to_string(unknown.users.size() - kUsersNamed) + " more";
  }
  return out;
}

}  // namespace

std::vector<std::string> closestNames(const std::string& word,
                                      const std::vector<std::string>& candidates, size_t max) {
  const std::string w = lower(word);
  const size_t limit = std::max<size_t>(2, w.size() / 3);
  // (rank, distance, name): rank 0 equal ignoring case, 1 near, 2 containing or contained.
  std::set<std::tuple<int, size_t, std::string>> ranked;
  for (const std::string& c : candidates) {
    if (c == word) continue;
    const std::string lc = lower(c);
    const size_t d = editDistance(w, lc);
    if (lc == w) {
      ranked.emplace(0, 0, c);
    } else if (d <= limit) {
      ranked.emplace(1, d, c);
    } else if (!w.empty() && (lc.find(w) != std::string::npos || w.find(lc) != std::string::npos) &&
               !lc.empty()) {
      ranked.emplace(2, d, c);
    }
  }
  std::vector<std::string> out;
  for (const auto& entry : ranked) {
    if (out.size() >= max) break;
    if (std::find(out.begin(), out.end(), std::get<2>(entry)) == out.end()) {
      out.push_back(std::get<2>(entry));
    }
  }
  return out;
}

namespace {

// findUnknownNames over the users `include` accepts.
std::vector<UnknownName> unknownNamesOf(const std::vector<DesiredUser>& users,
                                        NamedAttribute attribute,
                                        const std::vector<std::string>& existing,
                                        const std::function<bool(const DesiredUser&)>& include) {
  const std::set<std::string> known(existing.begin(), existing.end());
  std::map<std::string, std::vector<const DesiredUser*>> unknown;
  std::vector<std::string> names;
  for (const DesiredUser& d : users) {
    if (!include(d)) continue;
    names.clear();
    addNames(d, attribute, names);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (const std::string& name : names) {
      if (known.count(name) == 0) unknown[name].push_back(&d);
    }
  }
  std::vector<UnknownName> out;
  for (auto& [name, who] : unknown) {
    std::sort(who.begin(), who.end(), [](const DesiredUser* a, const DesiredUser* b) {
      return std::tie(a->external_id, a->user_name) < std::tie(b->external_id, b->user_name);
    });
    out.push_back(UnknownName{kindOf(attribute), name, std::move(who), closestNames(name, existing)});
  }
  return out;
}

}  // namespace

std::vector<UnknownName> findUnknownNames(const std::vector<DesiredUser>& users,
                                          NamedAttribute attribute,
                                          const std::vector<std::string>& existing,
                                          const std::string& only_external_id) {
  return unknownNamesOf(users, attribute, existing, [&](const DesiredUser& d) {
    return only_external_id.empty() || d.external_id == only_external_id;
  });
}

std::vector<UnknownName> findUnknownGroups(const std::vector<DesiredUser>& users,
                                           const Policy& policy, const std::vector<Group>& groups,
                                           const std::string& only_external_id) {
  if (!policy.manages(Attribute::kGroups)) return {};
  std::vector<std::string> names;
  names.reserve(groups.size());
  for (const Group& g : groups) names.push_back(g.display_name);
  // A user not to be active loses every membership whatever its groups say, and a protected
  // user's memberships are never written: neither depends on the names existing.
  return unknownNamesOf(users, NamedAttribute::kGroups, names, [&](const DesiredUser& d) {
    return (only_external_id.empty() || d.external_id == only_external_id) &&
           d.status == UserStatus::kActive && !isProtected(policy, d.user_name, d.external_id);
  });
}

std::string unknownNameText(const UnknownName& unknown, const std::string& service) {
  return firstPart(unknown, service);
}

Diagnostic unknownNameDiagnostic(const UnknownName& unknown, const std::string& service) {
  return Diagnostic{unknown.users.front()->source,
                    firstPart(unknown, service) + "; named by " + usersPart(unknown)};
}

std::string unknownGroupSkipMessage(const UnknownName& unknown, const std::string& service) {
  const DesiredUser& first = *unknown.users.front();
  std::string where = first.source.file.empty() ? "" : " (" + first.source.toString() + ")";
  std::string who = usersPart(unknown);
  // usersPart gives the first user's place only through the diagnostic; say it here.
  const size_t cut = (first.external_id.empty() ? first.user_name : first.external_id).size();
  who.insert(cut, where);
  return firstPart(unknown, service) + ": the group memberships of " + who +
         " were left unchanged";
}

}  // namespace scim_agent
