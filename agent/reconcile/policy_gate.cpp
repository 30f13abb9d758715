#include "agent/reconcile/policy_gate.h"

#include <string_view>

#include "agent/plan/user_diff.h"

namespace scim_agent {

namespace {

// The managed attribute a PatchOp path or a create-body key writes: the schema URN prefix of
// the enterprise and Genesys extensions stripped, then the name up to a filter or sub-attribute
// ("emails[type eq \"work\"].value" → emails). nullopt for what no attribute names.
std::optional<Attribute> attributeOf(std::string_view path) {
  for (std::string_view schema : {std::string_view(kEnterpriseUserSchema),
                                  std::string_view(kGenesysUserSchema)}) {
    if (path.size() > schema.size() && path.substr(0, schema.size()) == schema &&
        path[schema.size()] == ':') {
      path.remove_prefix(schema.size() + 1);
    }
  }
  const size_t end = path.find_first_of("[.");
  return attributeFromName(std::string(path.substr(0, end)));
}

std::string who(const Action& a) {
  return a.external_id.empty() ? a.user_name : a.external_id;
}

}  // namespace

PolicyGate::PolicyGate(const DesiredState& desired)
    : desired_(desired), scope_(desired.policy.scope_external_id_pattern) {}

const DesiredUser* PolicyGate::entry(const std::string& external_id) const {
  if (external_id.empty()) return nullptr;
  for (const DesiredUser& d : desired_.users) {
    if (d.external_id == external_id) return &d;
  }
  return nullptr;
}

bool PolicyGate::inScope(const std::string& external_id) const {
  return entry(external_id) != nullptr || (!external_id.empty() && scope_.contains(external_id));
}

std::optional<std::string> PolicyGate::userRefusal(const std::string& external_id,
                                                   const std::string& user_name,
                                                   bool suspending) const {
  const Policy& policy = desired_.policy;
  if (isProtected(policy, user_name, external_id)) {
    return "protected by policy.protected: never written";
  }
  if (!inScope(external_id) && !(suspending && policy.unmanaged == UnmanagedPolicy::kSuspend)) {
    return "outside policy.scope: not managed by this agent";
  }
  return std::nullopt;
}

std::optional<std::string> PolicyGate::attributeRefusal(const Action& a) const {
  const Policy& policy = desired_.policy;
  auto check = [&](std::string_view name) -> std::optional<std::string> {
    if (name == "externalId") {
      if (a.kind == ActionKind::kCreate || a.kind == ActionKind::kRestore || a.adopt) {
        return std::nullopt;
      }
      return "writes externalId, which only a create, a restore or an adoption may";
    }
    const bool creating = a.kind == ActionKind::kCreate || a.kind == ActionKind::kRestore;
    if (creating && (name == "userName" || name == "schemas")) return std::nullopt;
    const std::optional<Attribute> attribute = attributeOf(name);
    if (!attribute) return "writes \"" + std::string(name) + "\", which is no managed attribute";
    if (!policy.manages(*attribute)) {
      return "writes " + std::string(attributeName(*attribute)) +
             ", which is not in policy.managedAttributes";
    }
    return std::nullopt;
  };
  for (const PatchOp& op : a.ops) {
    if (auto refused = check(op.path)) return refused;
  }
  if (a.kind == ActionKind::kCreate && a.body.isObject()) {
    for (const auto& [key, value] : a.body.asObject()) {
      const bool extension = key == kEnterpriseUserSchema || key == kGenesysUserSchema;
      if (!extension) {
        if (auto refused = check(key)) return refused;
        continue;
      }
      if (!value.isObject()) continue;
      for (const auto& [sub, ignored] : value.asObject()) {
        if (auto refused = check(sub)) return refused;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> PolicyGate::agreement(const Action& a) const {
  const DesiredUser* d = entry(a.external_id);
  switch (a.kind) {
    case ActionKind::kSuspend:
      if (d && d->status == UserStatus::kActive) {
        return "the desired state keeps " + who(a) + " active (" + d->source.toString() + ")";
      }
      return std::nullopt;
    case ActionKind::kDelete:
      if (d && d->status != UserStatus::kTerminated) {
        return "the desired state keeps " + who(a) + " (" + d->source.toString() +
               "): only a removed or terminated user is deleted";
      }
      return std::nullopt;
    case ActionKind::kReactivate:
    case ActionKind::kCreate:
    case ActionKind::kRestore:
      if (!d || d->status != UserStatus::kActive) {
        return "the desired state has no active entry for " + who(a);
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<std::string> PolicyGate::refusal(const Action& a) const {
  if (a.kind == ActionKind::kGroupMembers) {
    if (!desired_.policy.manages(Attribute::kGroups)) {
      return "group memberships are not in policy.managedAttributes";
    }
    return std::nullopt;
  }
  const bool suspending = a.kind == ActionKind::kSuspend;
  if (a.kind != ActionKind::kCreate && a.kind != ActionKind::kRestore) {
    if (auto refused = userRefusal(a.external_id, a.user_name, suspending)) return refused;
  } else if (isProtected(desired_.policy, a.user_name, a.external_id)) {
    return "protected by policy.protected: never written";
  }
  if (auto refused = attributeRefusal(a)) return refused;
  return agreement(a);
}

Action PolicyGate::members(const Action& group, std::vector<std::string>* refused) const {
  Action out = group;
  auto keep = [&](std::vector<MemberRef>& members, bool removing) {
    std::erase_if(members, [&](const MemberRef& m) {
      auto why = userRefusal(m.external_id, m.user_name, false);
      if (!why) return false;
      if (refused) {
        refused->push_back(std::string(removing ? "removing " : "adding ") +
                           (m.external_id.empty() ? m.user_name : m.external_id) +
                           (removing ? " from" : " to") + " group \"" + group.group_name +
                           "\": " + *why);
      }
      return true;
    });
  };
  keep(out.add_members, false);
  keep(out.remove_members, true);
  return out;
}

}  // namespace scim_agent
