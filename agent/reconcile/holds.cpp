#include "agent/reconcile/holds.h"

#include <map>
#include <set>

#include "agent/model/audit_actor.h"
#include "agent/model/run.h"
#include "agent/notify/notification.h"
#include "agent/plan/plan_json.h"

namespace scim_agent {

std::string heldKey(const Action& a) {
  return a.external_id.empty() ? "id:" + a.user_id : a.external_id;
}

Result<HoldSplit> splitHeld(StateStore& store, const Plan& plan, const SplitRequest& request) {
  auto pending = store.pendingHeldActions();
  if (!pending.ok()) return pending.error();
  std::map<std::string, HeldAction> pending_by_key;
  for (HeldAction& h : *pending) pending_by_key.emplace(h.external_id, std::move(h));

  HoldSplit split;
  std::set<std::string> held_user_ids;
  std::set<std::string> planned;  // keys of every destructive action in the plan
  for (const Action& a : plan.actions) {
    if (!a.isDestructive()) continue;
    planned.insert(heldKey(a));
    auto p = pending_by_key.find(heldKey(a));
    const bool pending_user = p != pending_by_key.end();
    const bool allowed = request.allow_destructive ||
                         (!request.allow_external_id.empty() &&
                          a.external_id == request.allow_external_id);
    if (allowed) {
      if (pending_user) split.allowed.push_back(p->second);
      split.allowed_by = request.allow_destructive ? "--allow-destructive" : "HR termination event";
      continue;
    }
    if (!request.hold_all && !pending_user) continue;
    held_user_ids.insert(a.user_id);
    split.held_actions.push_back(a);
    if (pending_user) split.replaced.push_back(p->second);
  }
  if (request.whole_org) {
    for (const auto& [key, h] : pending_by_key) {
      if (!planned.count(key)) split.discard.push_back(h);
    }
  }

  split.now = plan;
  split.now.actions.clear();
  for (const Action& a : plan.actions) {
    if (a.isDestructive() && held_user_ids.count(a.user_id)) continue;
    if (a.kind == ActionKind::kGroupMembers && !held_user_ids.empty()) {
      Action g = a;
      std::erase_if(g.remove_members,
                    [&](const MemberRef& m) { return held_user_ids.count(m.user_id) > 0; });
      if (g.add_members.empty() && g.remove_members.empty()) continue;
      split.now.actions.push_back(std::move(g));
      continue;
    }
    split.now.actions.push_back(a);
  }

  for (const Action& a : split.held_actions) {
    Plan doc;
    doc.format_version = plan.format_version;
    doc.desired_digest = plan.desired_digest;
    doc.managed_live_users = plan.managed_live_users;
    doc.actions.push_back(a);
    // The memberships a suspend ends (SPEC §8) are held with it, one group action per group.
    for (const Action& g : plan.actions) {
      if (g.kind != ActionKind::kGroupMembers) continue;
      for (const MemberRef& m : g.remove_members) {
        if (m.user_id != a.user_id) continue;
        Action removal = g;
        removal.add_members.clear();
        removal.remove_members = {m};
        removal.changes.clear();
        doc.actions.push_back(std::move(removal));
        break;
      }
    }
    if (!request.guardrail_note.empty()) {
      Notice n;
      n.kind = NoticeKind::kWarning;
      n.external_id = a.external_id;
      n.user_name = a.user_name;
      n.message = "held while a guardrail was tripped: " + request.guardrail_note;
      doc.notices.push_back(std::move(n));
    }
    split.held.push_back({heldKey(a), actionKindName(a.kind), planToJson(doc).dump()});
  }
  return split;
}

Status storeHolds(StateStore& store, bool notify, int64_t run_id, const HoldSplit& split,
                  const std::string& at) {
  for (const HeldAction& h : split.discard) {
    Status s = store.resolveHeldAction(
        h.id, heldStateName(HeldState::kDiscarded), run_id,
        "the plan of run " + std::to_string(run_id) + " no longer suspends or deletes this user",
        at);
    if (!s.ok()) return s;
  }
  if (split.held.empty()) return Status::success();
  auto ids = store.holdActions(run_id, split.held, at);
  if (!ids.ok()) return ids.error();
  for (size_t i = 0; i < split.held_actions.size(); ++i) {
    const Action& a = split.held_actions[i];
    Json detail = Json::object();
    detail["action"] = actionKindName(a.kind);
    detail["heldId"] = (*ids)[i];
    detail["rule"] = a.rule;
    auto audit = store.appendAudit(at, run_id, kAgentActor, "hold", heldKey(a), detail.dump());
    if (!audit.ok()) return audit.error();
    if (!notify) continue;
    Notification n;
    n.event = "user.held";
    n.external_id = a.external_id;
    n.user_name = a.user_name;
    n.user_id = a.user_id;
    n.run_id = run_id;
    n.at = at;
    n.detail = detail;
    auto queued = enqueueNotification(store, n, at);
    if (!queued.ok()) return queued.error();
  }
  return Status::success();
}

Status resolveAllowed(StateStore& store, int64_t run_id, const HoldSplit& split,
                      const ApplyReport& report, const std::string& at) {
  for (const HeldAction& h : split.allowed) {
    for (const ActionResult& r : report.results) {
      const Action& a = split.now.actions[r.index];
      if (!a.isDestructive() || heldKey(a) != h.external_id) continue;
      if (r.outcome != ActionOutcome::kDone) continue;
      Status s = store.resolveHeldAction(h.id, heldStateName(HeldState::kApplied), run_id,
                                         "applied by run " + std::to_string(run_id) + " (" + split.allowed_by + ")",
                                         at);
      if (!s.ok()) return s;
    }
  }
  return Status::success();
}

Json heldJson(const HoldSplit& split) {
  Json items = Json::array();
  for (const Action& a : split.held_actions) {
    Json item = Json::object();
    item["action"] = actionKindName(a.kind);
    item["externalId"] = heldKey(a);
    item["userName"] = a.user_name;
    item["rule"] = a.rule;
    items.push(std::move(item));
  }
  return items;
}

}  // namespace scim_agent
