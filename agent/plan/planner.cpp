#include "agent/plan/planner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "agent/plan/match.h"
#include "agent/plan/policy_rules.h"
#include "agent/plan/text_util.h"
#include "agent/plan/user_diff.h"

namespace scim_agent {

namespace {

// "2026-11-01T12:00:00Z" for "2026-11-01T12:00:00.000000Z": an instant as a reader wants it.
std::string toTheSecond(const std::string& instant) {
  const size_t dot = instant.find('.');
  if (dot == std::string::npos || instant.empty() || instant.back() != 'Z') return instant;
  return instant.substr(0, dot) + "Z";
}

constexpr const char* kRuleNew = "new in desired state";
constexpr const char* kRuleUnmanaged = "unmanaged policy";
constexpr const char* kRuleAttributes = "attributes differ";
constexpr const char* kRuleAdopted = "adopted by userName";
constexpr const char* kRuleStatusActive = "status active";
constexpr const char* kRuleRestore = "restore deleted Genesys user with this userName";
constexpr const char* kReasonDesiredGroups = "membership differs from desired groups";
constexpr const char* kReasonSuspended = "suspended users lose their memberships";

// Group ids to add and remove for one user.
struct GroupDelta {
  std::vector<std::string> add_ids;
  std::vector<std::string> remove_ids;
  bool empty() const { return add_ids.empty() && remove_ids.empty(); }
};

struct MemberEntry {
  MemberRef ref;
  bool add = false;
  SourcePos source;
};

struct GroupChange {
  std::vector<MemberEntry> entries;
  std::set<std::string> reasons;
};

bool memberLess(const MemberRef& a, const MemberRef& b) {
  return std::tie(a.external_id, a.user_name, a.user_id) <
         std::tie(b.external_id, b.user_name, b.user_id);
}

int kindRank(ActionKind k) {
  switch (k) {
    case ActionKind::kCreate:
      return 0;
    case ActionKind::kRestore:
      return 1;
    case ActionKind::kUpdate:
      return 2;
    case ActionKind::kReactivate:
      return 3;
    case ActionKind::kSuspend:
      return 4;
    case ActionKind::kDelete:
      return 5;
    case ActionKind::kGroupMembers:
      return 6;
  }
  return 7;
}

// Seconds since the epoch of an ISO-8601 UTC time "YYYY-MM-DDTHH:MM:SS…" (fraction and zone
// ignored: the agent writes UTC), or nullopt. Hand-written: the planner links no date library,
// and std::chrono's parse is not in GCC 12.
std::optional<long long> epochSeconds(const std::string& iso) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) != 6) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                         std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) return std::nullopt;
  const long long days = std::chrono::sys_days(date).time_since_epoch().count();
  return days * 86400LL + h * 3600LL + mi * 60LL + se;
}

// The inverse of epochSeconds: "2026-12-01T12:00:00Z".
std::string isoFromEpoch(long long seconds) {
  const long long days = (seconds >= 0 ? seconds : seconds - 86399) / 86400;
  const long long rest = seconds - days * 86400;
  const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(days))};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), rest / 3600,
                rest / 60 % 60, rest % 60);
  return buf;
}

bool actionLess(const Action& a, const Action& b) {
  const int ra = kindRank(a.kind);
  const int rb = kindRank(b.kind);
  if (ra != rb) return ra < rb;
  if (a.kind == ActionKind::kGroupMembers) {
    return std::tie(a.group_name, a.group_id) < std::tie(b.group_name, b.group_id);
  }
  return std::tie(a.external_id, a.user_name, a.user_id) <
         std::tie(b.external_id, b.user_name, b.user_id);
}

bool noticeLess(const Notice& a, const Notice& b) {
  auto key = [](const Notice& n) {
    return std::tie(n.kind, n.external_id, n.user_name, n.message, n.source.file, n.source.line,
                    n.source.column);
  };
  return key(a) < key(b);
}

// Creates in dependency order: a manager created in this plan comes before its reports, ties
// (and cycles, which validation rejects) broken by externalId. `creates` is sorted on entry.
std::vector<Action> orderCreates(std::vector<Action> creates) {
  const size_t n = creates.size();
  std::unordered_map<std::string, size_t> by_external_id;
  for (size_t i = 0; i < n; ++i) by_external_id.emplace(creates[i].external_id, i);
  std::vector<std::vector<size_t>> reports(n);
  std::vector<int> waiting(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (creates[i].manager_external_id.empty()) continue;
    auto it = by_external_id.find(creates[i].manager_external_id);
    if (it == by_external_id.end() || it->second == i) continue;
    reports[it->second].push_back(i);
    ++waiting[i];
  }
  std::set<size_t> ready;
  for (size_t i = 0; i < n; ++i) {
    if (waiting[i] == 0) ready.insert(i);
  }
  std::vector<bool> done(n, false);
  std::vector<Action> out;
  out.reserve(n);
  size_t next_forced = 0;
  while (out.size() < n) {
    if (ready.empty()) {  // a cycle: release the smallest remaining externalId
      while (done[next_forced]) ++next_forced;
      ready.insert(next_forced);
    }
    const size_t i = *ready.begin();
    ready.erase(ready.begin());
    if (done[i]) continue;
    done[i] = true;
    out.push_back(std::move(creates[i]));
    for (size_t r : reports[i]) {
      if (!done[r] && --waiting[r] == 0) ready.insert(r);
    }
  }
  return out;
}

class Planner {
 public:
  Planner(const DesiredState& desired, const LiveState& live, const PlanOptions& options)
      : desired_(desired),
        live_(live),
        policy_(desired.policy),
        genesys_(options.target_kind == "genesys"),
        requests_per_minute_(options.requests_per_minute),
        options_(options),
        scope_(desired.policy.scope_external_id_pattern),
        matching_(matchUsers(desired.users, live.users)) {
    for (const Group& g : live.groups) {
      groups_by_id_.emplace(g.id, &g);
      groups_by_name_[g.display_name].push_back(&g);
    }
    for (auto& [name, list] : groups_by_name_) {
      std::sort(list.begin(), list.end(),
                [](const Group* a, const Group* b) { return a->id < b->id; });
    }
  }

  Plan run() {
    notices_ = matching_.conflicts;
    if (!scope_.valid()) {
      notices_.push_back(Notice{NoticeKind::kWarning,
                                "",
                                "",
                                "policy scope.externalIdPattern " +
                                    quoted(policy_.scope_external_id_pattern) +
                                    " is not a valid regular expression (" + scope_.error() +
                                    "); live users missing from the desired state are left alone",
                                {}});
    }
    for (size_t di = 0; di < desired_.users.size(); ++di) {
      const DesiredUser& d = desired_.users[di];
      const DesiredMatch& m = matching_.desired[di];
      noteUnknownGroups(d);
      if (const UnsettledLiveUser* u = unsettled(d)) {
        // Genesys answered this user at two versions in one read: what it is now is not known,
        // so it is neither matched nor created in this run.
        notices_.push_back(Notice{NoticeKind::kConflict, d.external_id, d.user_name,
                                  "read at two versions (" + join(u->versions, ", ") +
                                      ") in one listing of the " + u->listing + " users (id " +
                                      u->id + "): left alone this run",
                                  d.source});
        continue;
      }
      switch (m.kind) {
        case MatchKind::kNone:
          planCreate(d);
          break;
        case MatchKind::kExternalId:
          planMatched(d, live_.users[m.live], false);
          break;
        case MatchKind::kUserName:
          planMatched(d, live_.users[m.live], true);
          break;
        case MatchKind::kConflict:
          break;
      }
    }
    for (size_t li = 0; li < live_.users.size(); ++li) {
      if (matching_.live_claimed[li]) {
        ++managed_live_users_;
      } else {
        if (scope_.contains(live_.users[li].external_id)) ++managed_live_users_;
        planUnclaimed(li);
      }
    }
    if (removals_stopped_ > 0) {
      notices_.push_back(Notice{NoticeKind::kWarning, "", "",
                                std::to_string(removals_stopped_) +
                                    " managed user(s) missing from the desired state are not "
                                    "suspended or deleted this run: " + options_.removals_stopped,
                                {}});
    }
    return finish();
  }

 private:
  // ---- per desired user -------------------------------------------------------------------

  // The user read at two versions (live.unsettled) that `d` would match by externalId or
  // userName; null when none.
  const UnsettledLiveUser* unsettled(const DesiredUser& d) const {
    for (const UnsettledLiveUser& u : live_.unsettled) {
      for (const std::string& id : u.external_ids) {
        if (!d.external_id.empty() && id == d.external_id) return &u;
      }
      for (const std::string& name : u.user_names) {
        if (lowerAscii(name) == lowerAscii(d.user_name)) return &u;
      }
    }
    return nullptr;
  }

  void planCreate(const DesiredUser& d) {
    // A suspended or terminated user that does not exist live needs nothing.
    if (!d.active()) return;
    if (const DeletedLiveUser* deleted = restorable(d)) {
      planRestore(d, *deleted);
      return;
    }
    const ManagerTarget manager = managerTarget(d);
    DiffContext context{&policy_, genesys_, {}};
    UserDocument doc = buildUserDocument(d, manager, context);
    Action a;
    a.kind = ActionKind::kCreate;
    a.external_id = d.external_id;
    a.user_name = d.user_name;
    a.body = std::move(doc.body);
    a.manager_external_id = std::move(doc.manager_external_id);
    a.rule = kRuleNew;
    a.source = d.source;
    a.changes = std::move(doc.changes);
    if (auto it = options_.unchecked_creates.find(lowerAscii(d.user_name));
        it != options_.unchecked_creates.end()) {
      a.check_deleted = true;
      notices_.push_back(Notice{NoticeKind::kWarning, d.external_id, d.user_name,
                                "could not check for a deleted Genesys user with this userName (" +
                                    it->second + "); apply checks again before creating it",
                                d.source});
    }
    actions_.push_back(std::move(a));
    addToDesiredGroups(d);
  }

  // The memberships of a user this plan creates or restores: its id is known only once that
  // succeeded, so the applier resolves it by externalId (a failed one is never added).
  void addToDesiredGroups(const DesiredUser& d) {
    if (!policy_.manages(Attribute::kGroups) || !d.groups || namesUnknownGroup(d)) return;
    const MemberRef ref{"", d.external_id, d.user_name};
    for (const std::string& name : *d.groups) {
      if (const Group* g = uniqueGroup(name)) {
        addMember(g->id, ref, true, kReasonDesiredGroups, d.source);
      }
    }
  }

  // The deleted Genesys user holding d's userName, when policy.restoreDeleted says to restore it.
  const DeletedLiveUser* restorable(const DesiredUser& d) const {
    if (!genesys_ || !policy_.restore_deleted) return nullptr;
    const DeletedLiveUser* found = nullptr;
    for (const DeletedLiveUser& del : live_.deleted) {
      if (lowerAscii(del.user_name) != lowerAscii(d.user_name)) continue;
      if (!found || del.version > found->version || (del.version == found->version && del.id < found->id)) found = &del;
    }
    return found;
  }

  // Restore, then one PATCH setting every declared attribute (the restored record keeps only
  // its login: Genesys restores no roles, division or extension, genesys-api.md §3.6).
  void planRestore(const DesiredUser& d, const DeletedLiveUser& deleted) {
    const ManagerTarget manager = managerTarget(d);
    DiffContext context{&policy_, genesys_,
                        [this](const std::string& id) { return managerLabel(id); }};
    LiveUser blank;
    blank.id = deleted.id;
    blank.user_name = d.user_name;
    AttributeDiff diff = diffAttributes(d, blank, manager, context);
    Action a;
    a.kind = ActionKind::kRestore;
    a.external_id = d.external_id;
    a.user_name = d.user_name;
    a.user_id = deleted.id;
    a.version = std::to_string(deleted.version);
    a.rule = kRuleRestore;
    a.source = d.source;
    a.ops.push_back(PatchOp{"replace", "externalId", Json(d.external_id)});
    a.ops.insert(a.ops.end(), diff.ops.begin(), diff.ops.end());
    a.manager_external_id = std::move(diff.manager_external_id);
    a.changes.push_back(AttributeChange{"state", Json("deleted"), Json("active")});
    a.changes.push_back(AttributeChange{"externalId", Json(), Json(d.external_id)});
    a.changes.insert(a.changes.end(), diff.changes.begin(), diff.changes.end());
    if (isProtected(policy_, d.user_name, d.external_id)) {
      protectedNotice(d.external_id, d.user_name, d.source, &a, a.changes, {});
      return;
    }
    actions_.push_back(std::move(a));
    addToDesiredGroups(d);
  }

  // For a user that is inactive live and removed from desired (or terminated): a delete when
  // policy.deleteAfter has passed since its recorded suspension; else nothing, and when no
  // suspension is recorded its grace period starts now.
  std::optional<Action> graceOver(const LiveUser& l, const std::string& external_id) {
    if (policy_.delete_after_days < 0 || external_id.empty()) return std::nullopt;
    auto it = options_.suspended_at.find(external_id);
    if (it == options_.suspended_at.end()) {
      grace_starts_.push_back(external_id);
      scheduleDelete(l, external_id, options_.now, "its grace period starts with this run");
      return std::nullopt;
    }
    if (options_.now.empty()) return std::nullopt;  // no clock: no grace period is over
    scheduleDelete(l, external_id, it->second, "suspended since " + toTheSecond(it->second));
    const std::optional<long long> since = epochSeconds(it->second);
    const std::optional<long long> now = epochSeconds(options_.now);
    if (!since || !now) {
      notices_.push_back(Notice{NoticeKind::kWarning, external_id, l.user_name,
                                "policy.deleteAfter cannot be applied: the recorded suspension "
                                "time " + quoted(it->second) + " or the time of planning " +
                                    quoted(options_.now) + " is not an ISO-8601 UTC time",
                                {}});
      return std::nullopt;
    }
    if (*now - *since < policy_.delete_after_days * 86400LL) return std::nullopt;
    scheduled_.pop_back();  // due now: the delete is an action, not scheduled
    Action a;
    a.kind = ActionKind::kDelete;
    a.external_id = external_id;
    a.user_name = l.user_name;
    a.user_id = l.id;
    a.version = l.version;
    a.rule = "grace period over: suspended since " + it->second + ", policy.deleteAfter " +
             std::to_string(policy_.delete_after_days) + "d";
    a.changes.push_back(deletedUserChange(l));
    return a;
  }

  // A Scheduled item for the delete of inactive leaver `l` once policy.deleteAfter has passed
  // since `since` (ISO-8601 UTC; unparsable: no date).
  void scheduleDelete(const LiveUser& l, const std::string& external_id, const std::string& since,
                      const std::string& why) {
    ScheduledItem item;
    item.kind = ScheduledKind::kDelete;
    item.external_id = external_id;
    item.user_name = l.user_name;
    if (const std::optional<long long> start = epochSeconds(since)) {
      item.due = isoFromEpoch(*start + policy_.delete_after_days * 86400LL);
    }
    item.message = "policy.deleteAfter " + std::to_string(policy_.delete_after_days) + "d; " + why;
    scheduled_.push_back(std::move(item));
  }

  static AttributeChange deletedUserChange(const LiveUser& l) {
    return AttributeChange{
        "user", Json(Json::Object{{"id", l.id}, {"userName", l.user_name}, {"active", l.active}}),
        Json()};
  }

  // A kWarning for a shielded person (PlanOptions::shielded) that something destructive was
  // not planned. True when `external_id` is shielded.
  bool shieldedNotice(const std::string& external_id, const std::string& user_name,
                      const SourcePos& source, const char* what) {
    auto it = options_.shielded.find(external_id);
    if (external_id.empty() || it == options_.shielded.end()) return false;
    notices_.push_back(Notice{NoticeKind::kWarning, external_id, user_name,
                              std::string("not ") + what + " this run: " + it->second, source});
    return true;
  }

  void planMatched(const DesiredUser& d, const LiveUser& l, bool adopt) {
    if (policy_.manages(Attribute::kActive) && !d.active() &&
        shieldedNotice(d.external_id, d.user_name, d.source,
                       l.active ? "suspended" : "deleted")) {
      return;
    }
    const ManagerTarget manager = managerTarget(d);
    DiffContext context{&policy_, genesys_,
                        [this](const std::string& id) { return managerLabel(id); }};
    AttributeDiff diff = diffAttributes(d, l, manager, context);

    std::vector<PatchOp> ops;
    std::vector<AttributeChange> changes;
    const bool manage_active = policy_.manages(Attribute::kActive);
    // Terminated and already inactive: deleted once the grace period is over.
    if (manage_active && !l.active && d.status == UserStatus::kTerminated && !adopt &&
        !isProtected(policy_, l.user_name, l.external_id) &&
        !isProtected(policy_, d.user_name, d.external_id)) {
      if (std::optional<Action> del = graceOver(l, d.external_id)) {
        del->rule = std::string("status terminated; ") + del->rule;
        del->source = d.source;
        actions_.push_back(std::move(*del));
        return;
      }
    }
    bool has_action = true;
    Action a;
    if (manage_active && l.active && !d.active()) {
      a.kind = ActionKind::kSuspend;
      a.rule = std::string("status ") + userStatusName(d.status);
      ops.push_back(PatchOp{"replace", "active", Json(false)});
      changes.push_back(AttributeChange{"active", Json(true), Json(false)});
    } else if (manage_active && !l.active && d.active()) {
      a.kind = ActionKind::kReactivate;
      a.rule = kRuleStatusActive;
      ops.push_back(PatchOp{"replace", "active", Json(true)});
      changes.push_back(AttributeChange{"active", Json(false), Json(true)});
    } else if (adopt || !diff.empty()) {
      a.kind = ActionKind::kUpdate;
      a.rule = adopt ? kRuleAdopted : kRuleAttributes;
    } else {
      has_action = false;
    }
    if (adopt) {
      if (a.kind != ActionKind::kUpdate) a.rule += std::string("; ") + kRuleAdopted;
      ops.push_back(PatchOp{"replace", "externalId", Json(d.external_id)});
      changes.push_back(AttributeChange{"externalId", Json(), Json(d.external_id)});
    }
    ops.insert(ops.end(), diff.ops.begin(), diff.ops.end());
    changes.insert(changes.end(), diff.changes.begin(), diff.changes.end());

    // Inactive after this plan (suspended now, or staying inactive): no memberships.
    const bool inactive_after = manage_active && !d.active();
    const GroupDelta delta = groupDelta(d, l, inactive_after);

    if (isProtected(policy_, l.user_name, l.external_id) ||
        isProtected(policy_, d.user_name, d.external_id)) {
      if (has_action || !delta.empty()) {
        protectedNotice(d.external_id, d.user_name, d.source, has_action ? &a : nullptr, changes,
                        delta);
      }
      return;
    }

    if (has_action) {
      a.external_id = d.external_id;
      a.user_name = d.user_name;
      a.user_id = l.id;
      a.version = l.version;
      a.ops = std::move(ops);
      a.manager_external_id = std::move(diff.manager_external_id);
      a.adopt = adopt;
      a.source = d.source;
      a.changes = std::move(changes);
      actions_.push_back(std::move(a));
    }
    const MemberRef ref{l.id, d.external_id, d.user_name};
    for (const std::string& id : delta.add_ids) {
      addMember(id, ref, true, kReasonDesiredGroups, d.source);
    }
    for (const std::string& id : delta.remove_ids) {
      addMember(id, ref, false, inactive_after ? kReasonSuspended : kReasonDesiredGroups, d.source);
    }
  }

  // ---- live users no desired user matched -------------------------------------------------

  void planUnclaimed(size_t li) {
    const LiveUser& l = live_.users[li];
    if (!scope_.valid()) return;
    if (!scope_.contains(l.external_id)) {
      planUnmanaged(l);
      return;
    }
    const std::span<const size_t> same = matching_.live_by_external_id.find(l.external_id);
    if (same.size() > 1) {
      if (same.front() == li) {
        std::vector<std::string> ids;
        for (size_t i : same) ids.push_back(live_.users[i].id);
        notices_.push_back(Notice{NoticeKind::kConflict,
                                  l.external_id,
                                  l.user_name,
                                  "externalId " + quoted(l.external_id) + " is held by " +
                                      std::to_string(same.size()) + " live users (" +
                                      join(ids, ", ") + "); not touched",
                                  {}});
      }
      return;
    }
    planRemoved(l);
  }

  void planRemoved(const LiveUser& l) {
    if (shieldedNotice(l.external_id, l.user_name, {},
                       l.active ? "suspended" : "suspended or deleted")) {
      return;
    }
    if (!options_.removals_stopped.empty()) {
      ++removals_stopped_;
      return;
    }
    Action a;
    a.external_id = l.external_id;
    a.user_name = l.user_name;
    a.user_id = l.id;
    a.version = l.version;
    a.rule = kRuleRemoved;
    GroupDelta delta;
    if (policy_.on_removal == RemovalPolicy::kDelete) {
      // Memberships end with the user; a group PATCH after the DELETE could only fail.
      a.kind = ActionKind::kDelete;
      a.changes.push_back(deletedUserChange(l));
    } else if (!l.active && policy_.manages(Attribute::kActive)) {
      if (isProtected(policy_, l.user_name, l.external_id)) return;
      if (std::optional<Action> del = graceOver(l, l.external_id)) {
        del->rule = std::string(kRuleRemoved) + "; " + del->rule;
        actions_.push_back(std::move(*del));
      }
      return;
    } else {
      if (!l.active || !policy_.manages(Attribute::kActive)) return;
      a.kind = ActionKind::kSuspend;
      a.ops.push_back(PatchOp{"replace", "active", Json(false)});
      a.changes.push_back(AttributeChange{"active", Json(true), Json(false)});
      if (policy_.manages(Attribute::kGroups)) delta.remove_ids = sortedGroupIds(l);
    }
    if (isProtected(policy_, l.user_name, l.external_id)) {
      protectedNotice(l.external_id, l.user_name, {}, &a, {}, delta);
      return;
    }
    const MemberRef ref{l.id, l.external_id, l.user_name};
    for (const std::string& id : delta.remove_ids) addMember(id, ref, false, kReasonSuspended, {});
    actions_.push_back(std::move(a));
  }

  void planUnmanaged(const LiveUser& l) {
    switch (policy_.unmanaged) {
      case UnmanagedPolicy::kIgnore:
        return;
      case UnmanagedPolicy::kReport: {
        notices_.push_back(
            Notice{NoticeKind::kUnmanaged,
                   l.external_id,
                   l.user_name,
                   "not managed: " + notManagedReason(l, policy_.scope_external_id_pattern),
                   {}});
        return;
      }
      case UnmanagedPolicy::kSuspend: {
        if (!l.active || !policy_.manages(Attribute::kActive)) return;
        Action a;
        a.kind = ActionKind::kSuspend;
        a.external_id = l.external_id;
        a.user_name = l.user_name;
        a.user_id = l.id;
        a.version = l.version;
        a.rule = kRuleUnmanaged;
        a.ops.push_back(PatchOp{"replace", "active", Json(false)});
        a.changes.push_back(AttributeChange{"active", Json(true), Json(false)});
        // Memberships of unmanaged users are never touched.
        if (isProtected(policy_, l.user_name, l.external_id)) {
          protectedNotice(l.external_id, l.user_name, {}, &a, {}, {});
          return;
        }
        actions_.push_back(std::move(a));
        return;
      }
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  void protectedNotice(const std::string& external_id, const std::string& user_name,
                       const SourcePos& source, const Action* would,
                       const std::vector<AttributeChange>& changes, const GroupDelta& delta) {
    std::vector<std::string> parts;
    if (would) {
      std::string part =
          std::string("would ") + actionKindName(would->kind) + " (" + would->rule + ")";
      std::vector<std::string> attributes;
      for (const AttributeChange& c : changes) attributes.push_back(c.attribute);
      if (!attributes.empty()) part += ": " + join(attributes, ", ");
      parts.push_back(part);
    }
    auto groupList = [this](const std::vector<std::string>& ids) {
      std::vector<std::string> names;
      for (const std::string& id : ids) names.push_back(quoted(groupName(id)));
      std::sort(names.begin(), names.end());
      return join(names, ", ");
    };
    if (!delta.add_ids.empty()) parts.push_back("would add to group " + groupList(delta.add_ids));
    if (!delta.remove_ids.empty()) {
      parts.push_back("would remove from group " + groupList(delta.remove_ids));
    }
    notices_.push_back(Notice{NoticeKind::kProtected, external_id, user_name,
                              "protected: " + join(parts, "; "), source});
  }

  ManagerTarget managerTarget(const DesiredUser& d) {
    ManagerTarget t;
    if (!policy_.manages(Attribute::kManager) || !d.manager) return t;
    if (d.manager->empty()) {
      t.kind = ManagerTarget::Kind::kClear;
      return t;
    }
    const std::string& m = *d.manager;
    const std::span<const size_t> live_managers = matching_.live_by_external_id.find(m);
    if (live_managers.size() == 1) {
      return {ManagerTarget::Kind::kLive, live_.users[live_managers.front()].id, m};
    }
    auto desired_it = matching_.desired_by_external_id.find(m);
    if (desired_it != matching_.desired_by_external_id.end()) {
      const DesiredMatch& dm = matching_.desired[desired_it->second];
      if (dm.kind == MatchKind::kUserName) {  // adopted by this plan: the id is known
        return {ManagerTarget::Kind::kLive, live_.users[dm.live].id, m};
      }
      if (dm.kind == MatchKind::kNone && desired_.users[desired_it->second].active()) {
        return {ManagerTarget::Kind::kCreatedInPlan, "", m};
      }
    }
    notices_.push_back(Notice{NoticeKind::kWarning, d.external_id, d.user_name,
                              "manager " + quoted(m) +
                                  " not found (no single live user has this externalId and this "
                                  "plan does not create it); manager left unchanged",
                              d.source});
    return t;
  }

  // The manager as reviewers know it: its externalId when it has one, else its id.
  std::string managerLabel(const std::string& live_id) {
    if (live_id.empty()) return "";
    if (live_by_id_.empty()) {  // built on first use: most plans never need it
      live_by_id_.reserve(live_.users.size());
      for (size_t i = 0; i < live_.users.size(); ++i) live_by_id_.emplace(live_.users[i].id, i);
    }
    auto it = live_by_id_.find(live_id);
    if (it == live_by_id_.end() || live_.users[it->second].external_id.empty()) return live_id;
    return live_.users[it->second].external_id;
  }

  const Group* uniqueGroup(const std::string& name) const {
    auto it = groups_by_name_.find(name);
    if (it == groups_by_name_.end() || it->second.size() != 1) return nullptr;
    return it->second.front();
  }

  std::string groupName(const std::string& id) const {
    auto it = groups_by_id_.find(id);
    return it == groups_by_id_.end() ? id : it->second->display_name;
  }

  static std::vector<std::string> sortedGroupIds(const LiveUser& l) {
    std::vector<std::string> ids = l.group_ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }

  GroupDelta groupDelta(const DesiredUser& d, const LiveUser& l, bool lose_all) const {
    GroupDelta delta;
    if (!policy_.manages(Attribute::kGroups)) return delta;
    if (lose_all) {
      delta.remove_ids = sortedGroupIds(l);
      return delta;
    }
    if (!d.groups || namesUnknownGroup(d)) return delta;
    // Small lists (a user is in a handful of groups): linear scans beat building sets.
    std::vector<const std::string*> target;
    std::vector<const std::string*> keep;  // groups behind an ambiguous name: never removed
    for (const std::string& name : *d.groups) {
      auto it = groups_by_name_.find(name);
      if (it == groups_by_name_.end()) continue;
      for (const Group* g : it->second) (it->second.size() == 1 ? target : keep).push_back(&g->id);
    }
    auto contains = [](const std::vector<const std::string*>& list, const std::string& id) {
      return std::any_of(list.begin(), list.end(),
                         [&id](const std::string* x) { return *x == id; });
    };
    const std::vector<std::string>& current = l.group_ids;
    for (const std::string* id : target) {
      if (std::find(current.begin(), current.end(), *id) == current.end() &&
          std::find(delta.add_ids.begin(), delta.add_ids.end(), *id) == delta.add_ids.end()) {
        delta.add_ids.push_back(*id);
      }
    }
    for (const std::string& id : current) {
      if (!contains(target, id) && !contains(keep, id) &&
          std::find(delta.remove_ids.begin(), delta.remove_ids.end(), id) ==
              delta.remove_ids.end()) {
        delta.remove_ids.push_back(id);
      }
    }
    std::sort(delta.add_ids.begin(), delta.add_ids.end());
    std::sort(delta.remove_ids.begin(), delta.remove_ids.end());
    return delta;
  }

  void addMember(const std::string& group_id, const MemberRef& ref, bool add,
                 const std::string& reason, const SourcePos& source) {
    GroupChange& change = group_changes_[group_id];
    change.entries.push_back(MemberEntry{ref, add, source});
    change.reasons.insert(reason);
  }

  // Remembers each unknown or ambiguous group name with the first user (by externalId) naming
  // it, so the warning does not depend on the input order.
  void noteUnknownGroups(const DesiredUser& d) {
    if (!policy_.manages(Attribute::kGroups) || !d.groups) return;
    for (const std::string& name : *d.groups) {
      auto it = groups_by_name_.find(name);
      if (it != groups_by_name_.end() && it->second.size() == 1) continue;
      auto [slot, inserted] = group_warnings_.emplace(name, &d);
      if (!inserted && std::tie(d.external_id, d.user_name) <
                           std::tie(slot->second->external_id, slot->second->user_name)) {
        slot->second = &d;
      }
    }
  }

  // A user naming a group that does not exist gets no membership change at all (its other
  // changes go ahead): the list is wrong, so removals by it could be too (issue 14).
  bool namesUnknownGroup(const DesiredUser& d) const {
    return std::any_of(d.groups->begin(), d.groups->end(), [this](const std::string& name) {
      return groups_by_name_.find(name) == groups_by_name_.end();
    });
  }

  std::vector<Action> groupActions() const {
    std::vector<Action> out;
    for (const auto& [group_id, change] : group_changes_) {
      Action a;
      a.kind = ActionKind::kGroupMembers;
      a.group_id = group_id;
      auto git = groups_by_id_.find(group_id);
      a.group_name = git == groups_by_id_.end() ? group_id : git->second->display_name;
      a.group_version = git == groups_by_id_.end() ? "" : git->second->version;
      std::vector<MemberEntry> entries = change.entries;
      std::sort(entries.begin(), entries.end(), [](const MemberEntry& x, const MemberEntry& y) {
        if (x.add != y.add) return x.add;
        return memberLess(x.ref, y.ref);
      });
      Json added = Json::array();
      Json removed = Json::array();
      for (const MemberEntry& e : entries) {
        (e.add ? a.add_members : a.remove_members).push_back(e.ref);
        (e.add ? added : removed)
            .push(e.ref.external_id.empty() ? e.ref.user_name : e.ref.external_id);
        if (a.source.file.empty() && !e.source.file.empty()) a.source = e.source;
      }
      a.rule = join(std::vector<std::string>(change.reasons.begin(), change.reasons.end()), "; ");
      Json after = Json::object();
      if (!a.add_members.empty()) after["add"] = std::move(added);
      if (!a.remove_members.empty()) after["remove"] = std::move(removed);
      a.changes.push_back(AttributeChange{"members", Json(), std::move(after)});
      out.push_back(std::move(a));
    }
    return out;
  }

  Plan finish() {
    const std::string service = genesys_ ? "Genesys" : "the SCIM service";
    for (const auto& [name, user] : group_warnings_) {
      auto it = groups_by_name_.find(name);
      std::string message;
      if (it == groups_by_name_.end()) {
        message = "group " + quoted(name) + " does not exist in " + service +
                  " (groups cannot be created over SCIM)";
      } else {
        std::vector<std::string> ids;
        for (const Group* g : it->second) ids.push_back(g->id);
        message = "group name " + quoted(name) + " is shared by " +
                  std::to_string(it->second.size()) + " groups (" + join(ids, ", ") +
                  "); its memberships are left alone";
      }
      notices_.push_back(
          Notice{NoticeKind::kWarning, user->external_id, user->user_name, message, user->source});
    }

    Plan plan;
    plan.desired_digest = desired_.digest;
    plan.managed_live_users = static_cast<int>(managed_live_users_);
    std::sort(grace_starts_.begin(), grace_starts_.end());
    grace_starts_.erase(std::unique(grace_starts_.begin(), grace_starts_.end()),
                        grace_starts_.end());
    plan.grace_starts = std::move(grace_starts_);
    std::sort(scheduled_.begin(), scheduled_.end(), scheduledLess);
    plan.scheduled = std::move(scheduled_);
    std::vector<Action> creates;
    std::vector<Action> others;
    for (Action& a : actions_)
      (a.kind == ActionKind::kCreate ? creates : others).push_back(std::move(a));
    std::sort(creates.begin(), creates.end(), actionLess);
    std::sort(others.begin(), others.end(), actionLess);
    std::vector<Action> groups = groupActions();
    std::sort(groups.begin(), groups.end(), actionLess);
    plan.actions = orderCreates(std::move(creates));
    plan.actions.reserve(plan.actions.size() + others.size() + groups.size());
    for (Action& a : others) plan.actions.push_back(std::move(a));
    for (Action& a : groups) plan.actions.push_back(std::move(a));

    std::sort(notices_.begin(), notices_.end(), noticeLess);
    notices_.erase(std::unique(notices_.begin(), notices_.end()), notices_.end());
    plan.notices = std::move(notices_);

    for (const Action& a : plan.actions) {
      switch (a.kind) {
        case ActionKind::kCreate:
          ++plan.cost.calls["POST /Users"];
          if (!a.manager_external_id.empty()) ++plan.cost.calls["PATCH /Users"];
          break;
        case ActionKind::kUpdate:
        case ActionKind::kReactivate:
          ++plan.cost.calls["PATCH /Users"];
          break;
        case ActionKind::kSuspend:
          ++plan.cost.calls["PATCH /Users"];
          if (genesys_) ++plan.cost.calls["DELETE /api/v2/tokens"];
          break;
        case ActionKind::kRestore:
          ++plan.cost.calls["PATCH /api/v2/users"];
          ++plan.cost.calls["GET /Users"];
          ++plan.cost.calls["PATCH /Users"];
          break;
        case ActionKind::kDelete:
          ++plan.cost.calls["DELETE /Users"];
          ++plan.cost.calls["GET /Users"];  // re-read before, verify after: at least one
          if (genesys_) {
            // The least the clean-up reads (one page of each; more when there is more).
            plan.cost.calls["POST /api/v2/analytics/conversations/details/query"] +=
                (policy_.archive_days + 30) / 31;
            plan.cost.calls["GET /api/v2/users/queues"] += 2;
            ++plan.cost.calls["GET /api/v2/authorization/subjects"];
            ++plan.cost.calls["DELETE /api/v2/tokens"];
          }
          break;
        case ActionKind::kGroupMembers:
          ++plan.cost.calls["PATCH /Groups"];
          break;
      }
    }
    for (const auto& [call, n] : plan.cost.calls) plan.cost.total_calls += n;
    plan.cost.min_seconds =
        requests_per_minute_ > 0 ? plan.cost.total_calls * 60.0 / requests_per_minute_ : 0.0;
    return plan;
  }

  const DesiredState& desired_;
  const LiveState& live_;
  const Policy& policy_;
  const bool genesys_;
  const double requests_per_minute_;
  const PlanOptions& options_;
  const Scope scope_;
  Matching matching_;

  std::unordered_map<std::string_view, size_t> live_by_id_;
  std::unordered_map<std::string, const Group*> groups_by_id_;
  std::map<std::string, std::vector<const Group*>> groups_by_name_;

  std::vector<Action> actions_;
  std::vector<std::string> grace_starts_;
  std::vector<ScheduledItem> scheduled_;  // Plan::scheduled
  size_t managed_live_users_ = 0;
  size_t removals_stopped_ = 0;  // removals not planned (PlanOptions::removals_stopped)
  std::vector<Notice> notices_;
  std::map<std::string, GroupChange> group_changes_;          // by group id
  std::map<std::string, const DesiredUser*> group_warnings_;  // by group name
};

}  // namespace

Plan makePlan(const DesiredState& desired, const LiveState& live, const PlanOptions& options) {
  return Planner(desired, live, options).run();
}

size_t countManagedLiveUsers(const DesiredState& desired, const LiveState& live) {
  const Matching matching = matchUsers(desired.users, live.users);
  const Scope scope(desired.policy.scope_external_id_pattern);
  size_t n = 0;
  for (size_t i = 0; i < live.users.size(); ++i) {
    if (matching.live_claimed[i] || scope.contains(live.users[i].external_id)) ++n;
  }
  return n;
}

}  // namespace scim_agent
