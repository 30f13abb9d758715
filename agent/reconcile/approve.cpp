// Reconciler::approve: the held suspends and deletes, applied after an explicit decision.

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "agent/codec/json_parse.h"
#include "agent/plan/plan_json.h"
#include "agent/plan/policy_rules.h"
#include "agent/reconcile/cycle_run.h"
#include "agent/reconcile/reconciler.h"
#include "agent/scim/scim_directory.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

// Decides from the user as Genesys has it now whether the held action still makes sense.
// Sets outcome/message when it does not.
void recheck(Approval& a, const Result<LiveUser>& fresh, const DesiredState& desired) {
  const Action& act = a.action();
  const bool suspend = act.kind == ActionKind::kSuspend;
  auto stale = [&](std::string message) {
    a.outcome = HeldState::kStale;
    a.message = std::move(message);
  };
  if (!fresh.ok()) {
    if (fresh.error().code == ErrorCode::kNotFound) {
      stale(suspend ? "gone from Genesys: nothing left to suspend"
                    : "already gone from Genesys: nothing left to delete");
    } else {
      a.outcome = HeldState::kFailed;
      a.message = "re-reading the user failed: " + fresh.error().message;
    }
    return;
  }
  const LiveUser& u = *fresh;
  if (u.external_id != act.external_id) {
    return stale("no longer the same person: its externalId is now \"" + u.external_id + "\"");
  }
  if (isProtected(desired.policy, u.user_name, u.external_id)) {
    return stale("now protected by policy.protected: never suspended or deleted");
  }
  for (const DesiredUser& d : desired.users) {
    if (!act.external_id.empty() && d.external_id == act.external_id && d.active()) {
      return stale("back in the desired state as an active user (" + d.source.toString() + ")");
    }
  }
  if (suspend && !u.active) return stale("already inactive in Genesys: nothing left to suspend");
  if (u.version != act.version) {
    stale(std::string("changed in Genesys since it was held (version ") + act.version + ", now " +
          u.version + "); not " + (suspend ? "suspended" : "deleted") + ": run plan again");
  }
}

// One group action per group: the removals of every user in `done`, from their held documents.
Plan groupRemovals(const std::vector<Approval>& approvals, const std::set<size_t>& done) {
  std::map<std::string, Action> by_group;
  for (size_t i : done) {
    for (const Action& g : approvals[i].doc.actions) {
      if (g.kind != ActionKind::kGroupMembers) continue;
      auto [it, added] = by_group.emplace(g.group_id, g);
      if (added) {
        it->second.remove_members.clear();
        it->second.add_members.clear();
        it->second.changes.clear();
        it->second.rule = "removed with an approved suspend";
      }
      auto& members = it->second.remove_members;
      for (const MemberRef& m : g.remove_members) {
        if (std::none_of(members.begin(), members.end(),
                         [&](const MemberRef& x) { return x.user_id == m.user_id; })) {
          members.push_back(m);
        }
      }
    }
  }
  Plan plan;
  for (auto& [id, g] : by_group) {
    std::sort(g.remove_members.begin(), g.remove_members.end(),
              [](const MemberRef& x, const MemberRef& y) {
                return std::tie(x.external_id, x.user_name) < std::tie(y.external_id, y.user_name);
              });
    plan.actions.push_back(std::move(g));
  }
  return plan;
}

// Decodes a held row into its document; the outcome is "failed" when it cannot be read.
Approval decode(const HeldAction& h) {
  Approval a;
  a.row = h;
  auto json = parseJson(h.action_json);
  auto doc = json.ok() ? planFromJson(*json) : Result<Plan>(json.error());
  if (!doc.ok()) {
    a.outcome = HeldState::kFailed;
    a.message = "the held document cannot be read: " + doc.error().message;
    return a;
  }
  a.doc = std::move(doc.value());
  auto main = std::find_if(a.doc.actions.begin(), a.doc.actions.end(),
                           [](const Action& x) { return x.isDestructive(); });
  a.main = static_cast<size_t>(main - a.doc.actions.begin());
  if (main == a.doc.actions.end()) {
    a.outcome = HeldState::kFailed;
    a.message = "the held document has no suspend or delete";
  }
  return a;
}

}  // namespace

int ApproveReport::count(HeldState s) const {
  return static_cast<int>(std::count_if(approvals.begin(), approvals.end(),
                                        [&](const Approval& a) { return a.outcome == s; }));
}

bool ApproveReport::allApplied() const {
  return !error && !store_failed && count(HeldState::kApplied) == static_cast<int>(approvals.size());
}

ApproveReport Reconciler::approve(const ApproveRequest& request) {
  ApproveReport out;
  CycleReport cycle;
  if (!loadDesired(cycle, /*reuse=*/false)) {
    out.error = cycle.error;
    return out;
  }
  Status locked = lock();
  if (!locked.ok()) {
    out.error = locked.error();
    return out;
  }
  Status terminated = applyTerminations(std::nullopt);
  Run run;
  run.kind = RunKind::kApply;
  run.applies = true;
  auto run_id = terminated.ok() ? beginRun(RunKind::kApply) : Result<int64_t>(terminated.error());
  if (!run_id.ok()) {
    out.error = run_id.error();
    return out;
  }
  run.id = out.run_id = *run_id;
  live_whole_ = false;
  live_ = LiveState();

  // Decode each row and re-read its user: only what still makes sense is applied.
  for (const HeldAction& h : request.selected) {
    Approval a = decode(h);
    if (a.outcome == HeldState::kPending) recheck(a, directory_.getUser(a.action().user_id), desired_);
    out.approvals.push_back(std::move(a));
  }
  Plan users;
  std::vector<size_t> user_index;  // users.actions[k] belongs to approvals[user_index[k]]
  for (size_t i = 0; i < out.approvals.size(); ++i) {
    if (out.approvals[i].outcome != HeldState::kPending) continue;
    users.actions.push_back(out.approvals[i].action());
    user_index.push_back(i);
  }
  std::set<size_t> done;
  if (!users.actions.empty()) {
    // A user changed between the re-read and the write is refused by its version: stale.
    ApplyReport report = applyPlan(run, users, false, false, nullptr, out.warnings);
    for (const ActionResult& r : report.results) {
      Approval& a = out.approvals[user_index[r.index]];
      a.message = r.message;
      if (r.outcome == ActionOutcome::kDone) {
        done.insert(user_index[r.index]);
      } else {
        a.outcome = r.outcome == ActionOutcome::kStale ? HeldState::kStale : HeldState::kFailed;
      }
    }
  }
  const Plan groups = groupRemovals(out.approvals, done);
  std::map<std::string, std::string> group_failures;  // user id → why its removal failed
  if (!groups.actions.empty()) {
    ApplyReport report = applyPlan(run, groups, false, false, nullptr, out.warnings);
    for (const ActionResult& r : report.results) {
      if (r.outcome == ActionOutcome::kDone) continue;
      for (const MemberRef& m : groups.actions[r.index].remove_members) {
        group_failures[m.user_id] = "removing it from group \"" +
                                    groups.actions[r.index].group_name + "\" failed: " + r.message;
      }
    }
  }
  for (size_t i : done) {
    Approval& a = out.approvals[i];
    auto failed = group_failures.find(a.action().user_id);
    if (failed == group_failures.end()) {
      a.outcome = HeldState::kApplied;
    } else {
      a.outcome = HeldState::kFailed;
      a.message = std::string(a.action().kind == ActionKind::kSuspend ? "suspended" : "deleted") +
                  ", but " + failed->second;
    }
  }

  // Resolve every row and audit the decision.
  const std::string at = now();
  Json items = Json::array();
  for (const Approval& a : out.approvals) {
    const std::string note =
        a.message.empty() ? "approved and applied by run " + std::to_string(run.id) : a.message;
    Status resolved = store_.resolveHeldAction(a.row.id, heldStateName(a.outcome), run.id, note, at);
    if (!resolved.ok()) {
      out.warnings.push_back("recording the approval of " + a.row.external_id +
                             " failed: " + resolved.error().message);
      out.store_failed = true;
    }
    Json detail = Json::object();
    detail["heldId"] = a.row.id;
    detail["heldByRun"] = a.row.run_id;
    detail["action"] = a.row.kind;
    detail["outcome"] = heldStateName(a.outcome);
    if (!a.message.empty()) detail["message"] = a.message;
    auto audited =
        store_.appendAudit(at, run.id, request.actor, "approve", a.row.external_id, detail.dump());
    if (!audited.ok()) {
      out.warnings.push_back("auditing the approval of " + a.row.external_id +
                             " failed: " + audited.error().message);
      out.store_failed = true;
    }
    Json item = detail;
    item["externalId"] = a.row.external_id;
    if (!a.doc.actions.empty()) item["userName"] = a.action().user_name;
    Json warnings = Json::array();
    for (const Notice& n : a.doc.notices) warnings.push(n.message);
    if (!warnings.asArray().empty()) item["warnings"] = warnings;
    items.push(std::move(item));
  }
  Json counts = Json::object();
  for (HeldState s : {HeldState::kApplied, HeldState::kStale, HeldState::kFailed}) {
    counts[heldStateName(s)] = out.count(s);
  }
  cycle.summary = Json::object();
  cycle.summary["counts"] = counts;
  cycle.summary["actions"] = items;
  cycle.outcome = out.allApplied() ? RunOutcome::kOk : RunOutcome::kFailed;
  cycle.run_id = run.id;
  out.summary = cycle.summary;
  finishRun(run, cycle);
  for (std::string& w : cycle.warnings) out.warnings.push_back(std::move(w));
  return out;
}

}  // namespace scim_agent
