#include "agent/plan/adopt_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "agent/plan/policy_rules.h"
#include "agent/plan/text_util.h"

namespace scim_agent {

namespace {

int classRank(AdoptClass c) { return static_cast<int>(c); }

using UserKey = std::pair<std::string, std::string>;  // externalId, lower-cased userName

UserKey keyOf(const std::string& external_id, const std::string& user_name) {
  return {external_id, lowerAscii(user_name)};
}

std::vector<std::string> attributesOf(const Action& a) {
  std::vector<std::string> out;
  for (const AttributeChange& c : a.changes) out.push_back(c.attribute);
  return out;
}

class Classifier {
 public:
  Classifier(const DesiredState& desired, const LiveState& live, const Plan& plan,
             const GuardrailVerdict& guardrail)
      : desired_(desired),
        live_(live),
        policy_(desired.policy),
        guardrail_(guardrail),
        scope_(desired.policy.scope_external_id_pattern),
        matching_(matchUsers(desired.users, live.users)) {
    std::unordered_map<std::string_view, size_t> live_ids;
    for (size_t i = 0; i < live.users.size(); ++i) live_ids.emplace(live.users[i].id, i);
    for (const Action& a : plan.actions) {
      if (a.kind == ActionKind::kGroupMembers) continue;
      // Creates (and restores of deleted users) name no listed live user: key them by the
      // desired externalId.
      if (!a.user_id.empty() && live_ids.count(a.user_id)) {
        by_live_id_.emplace(a.user_id, &a);
      } else {
        by_external_id_.emplace(a.external_id, &a);
      }
    }
    for (const Notice& n : plan.notices) {
      if (n.kind == NoticeKind::kProtected) {
        protected_notices_.emplace(keyOf(n.external_id, n.user_name), n.message);
      } else if (n.kind == NoticeKind::kConflict && n.source.file.empty()) {
        live_conflicts_.emplace(n.external_id, n.message);
      } else if (n.kind == NoticeKind::kWarning) {
        report_.warnings.push_back(n);
      }
    }
    report_.desired_digest = desired.digest;
    report_.desired_users = static_cast<int>(desired.users.size());
    report_.live_users = static_cast<int>(live.users.size());
    report_.unmanaged_policy = policy_.unmanaged;
    report_.scope_pattern = policy_.scope_external_id_pattern;
    report_.guardrail = guardrail;
    report_.scheduled = plan.scheduled;
  }

  AdoptReport run() {
    size_t next_conflict = 0;
    for (size_t di = 0; di < desired_.users.size(); ++di) {
      const DesiredUser& d = desired_.users[di];
      const DesiredMatch& m = matching_.desired[di];
      AdoptEntry e;
      e.external_id = d.external_id;
      e.user_name = d.user_name;
      e.source = d.source;
      e.match = m.kind;
      if (m.kind == MatchKind::kConflict) {
        // matchUsers adds one conflict per conflicted desired user, in desired order.
        const Notice* n = nullptr;
        if (next_conflict < matching_.conflicts.size()) n = &matching_.conflicts[next_conflict++];
        classifyDesiredConflict(d, n, e);
      } else if (m.kind == MatchKind::kNone) {
        classifyUnmatchedDesired(d, e);
      } else {
        classifyMatched(d, live_.users[m.live], m.kind, e);
      }
      report_.entries.push_back(std::move(e));
    }
    for (size_t li = 0; li < live_.users.size(); ++li) {
      if (matching_.live_claimed[li]) continue;  // matched, or held by a desired conflict
      report_.entries.push_back(classifyUnclaimed(live_.users[li]));
    }
    std::sort(report_.entries.begin(), report_.entries.end(),
              [](const AdoptEntry& a, const AdoptEntry& b) {
                return std::make_tuple(classRank(a.kind), std::cref(a.external_id),
                                       std::cref(a.user_name), std::cref(a.live_id)) <
                       std::make_tuple(classRank(b.kind), std::cref(b.external_id),
                                       std::cref(b.user_name), std::cref(b.live_id));
              });
    return std::move(report_);
  }

 private:
  void setLive(const LiveUser& l, AdoptEntry& e) const {
    e.live_id = l.id;
    e.live_external_id = l.external_id;
    e.live_active = l.active;
  }

  void setAction(const Action& a, AdoptEntry& e) const {
    e.action = a.kind;
    e.rule = a.rule;
    e.changed_attributes = attributesOf(a);
    e.held = a.isDestructive() && guardrail_.blocked && !a.held;  // a.held: waits for approve
  }

  const Action* actionFor(const std::unordered_map<std::string, const Action*>& index,
                          const std::string& key) const {
    auto it = index.find(key);
    return it == index.end() ? nullptr : it->second;
  }

  std::string protectedDetail(const std::string& external_id, const std::string& user_name) const {
    auto it = protected_notices_.find(keyOf(external_id, user_name));
    if (it != protected_notices_.end()) return it->second;
    return "protected: no change needed";
  }

  void classifyDesiredConflict(const DesiredUser& d, const Notice* n, AdoptEntry& e) const {
    e.kind = AdoptClass::kAmbiguous;
    std::set<std::string> ids;
    for (size_t li : matching_.live_by_external_id.find(d.external_id))
      ids.insert(live_.users[li].id);
    const std::string name_key = lowerAscii(d.user_name);
    for (size_t li : matching_.live_by_user_name.find(name_key)) ids.insert(live_.users[li].id);
    e.live_ids.assign(ids.begin(), ids.end());
    e.detail = n && n->external_id == d.external_id
                   ? n->message
                   : "the keys of this user are ambiguous; not touched";
  }

  void classifyUnmatchedDesired(const DesiredUser& d, AdoptEntry& e) const {
    if (const Action* a = actionFor(by_external_id_, d.external_id)) {
      setAction(*a, e);
      e.kind = AdoptClass::kCreated;
      return;
    }
    e.kind = AdoptClass::kLeftAlone;
    e.detail = d.active() ? "no live user and no create planned"
                          : std::string("status ") + userStatusName(d.status) +
                                " and no live user: nothing to create";
  }

  void classifyMatched(const DesiredUser& d, const LiveUser& l, MatchKind match,
                       AdoptEntry& e) const {
    setLive(l, e);
    if (const Action* a = actionFor(by_live_id_, l.id)) {
      setAction(*a, e);
      if (a->isDestructive()) {
        e.kind = AdoptClass::kDestroyed;
      } else if (a->adopt || match == MatchKind::kUserName) {
        e.kind = AdoptClass::kAdopted;
      } else {
        e.kind = AdoptClass::kMatched;
      }
      return;
    }
    if (isProtected(policy_, l.user_name, l.external_id) ||
        isProtected(policy_, d.user_name, d.external_id)) {
      e.kind = AdoptClass::kProtected;
      e.detail = protectedDetail(d.external_id, d.user_name);
      return;
    }
    e.kind = AdoptClass::kMatched;
    e.detail = "no change";
  }

  AdoptEntry classifyUnclaimed(const LiveUser& l) const {
    AdoptEntry e;
    e.external_id = l.external_id;
    e.user_name = l.user_name;
    setLive(l, e);
    if (const Action* a = actionFor(by_live_id_, l.id)) {
      setAction(*a, e);
      e.kind = a->isDestructive() ? AdoptClass::kDestroyed : AdoptClass::kMatched;
      if (!scope_.contains(l.external_id))
        e.detail = "not managed: " + notManagedReason(l, policy_.scope_external_id_pattern);
      return e;
    }
    const bool in_scope = scope_.contains(l.external_id);
    if (in_scope) {
      const std::span<const size_t> same = matching_.live_by_external_id.find(l.external_id);
      if (same.size() > 1) {
        e.kind = AdoptClass::kAmbiguous;
        for (size_t li : same) e.live_ids.push_back(live_.users[li].id);
        std::sort(e.live_ids.begin(), e.live_ids.end());
        auto it = live_conflicts_.find(l.external_id);
        e.detail = it != live_conflicts_.end()
                       ? it->second
                       : "externalId " + quoted(l.external_id) + " is held by " +
                             std::to_string(same.size()) + " live users (" +
                             join(e.live_ids, ", ") + "); not touched";
        return e;
      }
    }
    if (isProtected(policy_, l.user_name, l.external_id)) {
      e.kind = AdoptClass::kProtected;
      e.detail = protectedDetail(l.external_id, l.user_name);
      return e;
    }
    if (!scope_.valid()) {
      e.kind = AdoptClass::kLeftAlone;
      e.detail = "policy scope.externalIdPattern " + quoted(policy_.scope_external_id_pattern) +
                 " is not a valid regular expression: live users missing from the desired state "
                 "are left alone";
      return e;
    }
    if (!in_scope) {
      e.kind = AdoptClass::kUnmanaged;
      e.detail = "not managed: " + notManagedReason(l, policy_.scope_external_id_pattern) + "; ";
      switch (policy_.unmanaged) {
        case UnmanagedPolicy::kIgnore:
          e.detail += "policy.unmanaged ignore: left alone";
          break;
        case UnmanagedPolicy::kReport:
          e.detail += "policy.unmanaged report: listed in every plan, never changed";
          break;
        case UnmanagedPolicy::kSuspend:
          e.detail += !l.active ? "policy.unmanaged suspend: already inactive, nothing to do"
                                : "policy.unmanaged suspend, but active is not a managed "
                                  "attribute: left alone";
          break;
      }
      return e;
    }
    e.kind = AdoptClass::kLeftAlone;
    if (policy_.on_removal == RemovalPolicy::kSuspend && !l.active) {
      e.detail = "removed from desired state and already inactive: nothing to do";
    } else {
      e.detail =
          "removed from desired state; no action planned (active is not a managed "
          "attribute)";
    }
    return e;
  }

  const DesiredState& desired_;
  const LiveState& live_;
  const Policy& policy_;
  const GuardrailVerdict& guardrail_;
  const Scope scope_;
  const Matching matching_;

  std::unordered_map<std::string, const Action*> by_live_id_;
  std::unordered_map<std::string, const Action*> by_external_id_;
  std::map<UserKey, std::string> protected_notices_;
  std::map<std::string, std::string> live_conflicts_;  // live-only conflicts by externalId
  AdoptReport report_;
};

}  // namespace

const char* adoptClassName(AdoptClass c) {
  switch (c) {
    case AdoptClass::kAmbiguous:
      return "ambiguous";
    case AdoptClass::kDestroyed:
      return "destroyed";
    case AdoptClass::kProtected:
      return "protected";
    case AdoptClass::kAdopted:
      return "adopted";
    case AdoptClass::kCreated:
      return "created";
    case AdoptClass::kMatched:
      return "matched";
    case AdoptClass::kUnmanaged:
      return "unmanaged";
    case AdoptClass::kLeftAlone:
      return "leftAlone";
  }
  return "?";
}

const std::vector<AdoptClass>& allAdoptClasses() {
  static const std::vector<AdoptClass> kAll = {AdoptClass::kAmbiguous, AdoptClass::kDestroyed,
                                               AdoptClass::kProtected, AdoptClass::kAdopted,
                                               AdoptClass::kCreated,   AdoptClass::kMatched,
                                               AdoptClass::kUnmanaged, AdoptClass::kLeftAlone};
  return kAll;
}

int AdoptReport::count(AdoptClass c) const {
  return static_cast<int>(std::count_if(entries.begin(), entries.end(),
                                        [c](const AdoptEntry& e) { return e.kind == c; }));
}

int AdoptReport::heldCount() const {
  return static_cast<int>(
      std::count_if(entries.begin(), entries.end(), [](const AdoptEntry& e) { return e.held; }));
}

AdoptReport makeAdoptReport(const DesiredState& desired, const LiveState& live, const Plan& plan,
                            const GuardrailVerdict& guardrail) {
  return Classifier(desired, live, plan, guardrail).run();
}

}  // namespace scim_agent
