#include "agent/cli/approve_command.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <tuple>

#include "agent/base/diagnostics.h"
#include "agent/cli/clock.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/session.h"
#include "agent/codec/json_parse.h"
#include "agent/notify/notification.h"
#include "agent/plan/plan_json.h"

namespace scim_agent {

const char* const kApproveAllHelp = "approve every pending held action";
const char* const kHoldDestructiveHelp =
    "apply creates, restores, updates, reactivates and group adds now; hold every suspend and "
    "delete (with its group removals) for 'scim-agent approve'. Exit 0 when everything not held "
    "was done";

namespace {

std::string nowIso() { return cliNowIso(); }

// The key a held action is stored and approved by: the externalId, or "id:<user id>" for a live
// user without one (policy unmanaged: suspend).
std::string heldKey(const Action& a) {
  return a.external_id.empty() ? "id:" + a.user_id : a.external_id;
}

std::string label(const Action& a) {
  return a.external_id.empty() ? a.user_name : a.external_id + " (" + a.user_name + ")";
}

const char* sign(ActionKind k) { return k == ActionKind::kDelete ? "-" : "!"; }

bool sameUserName(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool isProtected(const Policy& policy, const LiveUser& u) {
  for (const ProtectedRule& rule : policy.protected_users) {
    if (rule.external_id.empty() && rule.user_name.empty()) continue;
    if (!rule.external_id.empty() && rule.external_id != u.external_id) continue;
    if (!rule.user_name.empty() && !sameUserName(rule.user_name, u.user_name)) continue;
    return true;
  }
  return false;
}

// The operator who approved, for the audit row; never a secret.
std::string operatorName() {
  const char* user = std::getenv("USER");
  return user && *user ? std::string("operator:") + user : "operator";
}

// One selected pending row and what became of it.
struct Approval {
  HeldAction row;
  Plan doc;
  size_t main = 0;      // index in doc.actions of the suspend or delete
  std::string outcome;  // applied | failed | stale ("" until decided)
  std::string message;

  const Action& action() const { return doc.actions[main]; }
};

// Decides from the user as Genesys has it now whether the held action still makes sense.
// Sets outcome/message when it does not.
void recheck(Approval& a, const Result<LiveUser>& fresh, const DesiredState& desired) {
  const Action& act = a.action();
  const bool suspend = act.kind == ActionKind::kSuspend;
  if (!fresh.ok()) {
    if (fresh.error().code == ErrorCode::kNotFound) {
      a.outcome = "stale";
      a.message = suspend ? "gone from Genesys: nothing left to suspend"
                          : "already gone from Genesys: nothing left to delete";
    } else {
      a.outcome = "failed";
      a.message = "re-reading the user failed: " + fresh.error().message;
    }
    return;
  }
  const LiveUser& u = *fresh;
  if (u.external_id != act.external_id) {
    a.outcome = "stale";
    a.message = "no longer the same person: its externalId is now \"" + u.external_id + "\"";
    return;
  }
  if (isProtected(desired.policy, u)) {
    a.outcome = "stale";
    a.message = "now protected by policy.protected: never suspended or deleted";
    return;
  }
  for (const DesiredUser& d : desired.users) {
    if (!act.external_id.empty() && d.external_id == act.external_id && d.active()) {
      a.outcome = "stale";
      a.message = "back in the desired state as an active user (" + d.source.toString() + ")";
      return;
    }
  }
  if (suspend && !u.active) {
    a.outcome = "stale";
    a.message = "already inactive in Genesys: nothing left to suspend";
    return;
  }
  if (u.version != act.version) {
    a.outcome = "stale";
    a.message = std::string("changed in Genesys since it was held (version ") + act.version +
                ", now " + u.version + "); not " + (suspend ? "suspended" : "deleted") +
                ": run plan again";
    return;
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
      for (const MemberRef& m : g.remove_members) {
        auto& members = it->second.remove_members;
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

void listPending(const std::vector<HeldAction>& pending, std::ostream& err) {
  if (pending.empty()) {
    err << "Nothing is pending approval.\n";
    return;
  }
  err << "Pending approval (" << pending.size() << "):\n";
  for (const HeldAction& h : pending) {
    std::string who = h.external_id;
    auto doc = parseJson(h.action_json);
    if (doc.ok()) {
      auto plan = planFromJson(*doc);
      if (plan.ok() && !plan->actions.empty()) who = label(plan->actions.front());
    }
    err << "  " << h.kind << " " << who << " (held by run " << h.run_id << " at " << h.held_at
        << ")\n";
  }
}

constexpr const char* kApproveUsage =
    "usage: scim-agent approve [--config FILE] [--externalId ID]... [--all] "
    "[--format text|json]\n";

}  // namespace

// ---- apply --hold-destructive -------------------------------------------------------------

Result<HoldSplit> splitHeld(StateStore& store, const Plan& plan, bool hold_all,
                            bool allow_destructive, bool fresh_plan,
                            const std::string& guardrail_note) {
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
    if (allow_destructive) {
      if (pending_user) split.allowed.push_back(p->second);
      continue;
    }
    if (!hold_all && !pending_user) continue;
    held_user_ids.insert(a.user_id);
    split.held_actions.push_back(a);
    if (pending_user) split.replaced.push_back(p->second);
  }
  if (fresh_plan) {
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
    if (!guardrail_note.empty()) {
      Notice n;
      n.kind = NoticeKind::kWarning;
      n.external_id = a.external_id;
      n.user_name = a.user_name;
      n.message = "held while a guardrail was tripped: " + guardrail_note;
      doc.notices.push_back(std::move(n));
    }
    split.held.push_back({heldKey(a), actionKindName(a.kind), planToJson(doc).dump()});
  }
  return split;
}

Status storeHolds(Session& session, int64_t run_id, const HoldSplit& split, const std::string& at) {
  StateStore& store = session.store();
  for (const HeldAction& h : split.discard) {
    Status s = store.resolveHeldAction(
        h.id, "discarded", run_id,
        "the plan of run " + std::to_string(run_id) + " no longer suspends or deletes this user",
        at);
    if (!s.ok()) return s;
  }
  if (split.held.empty()) return Status::success();
  auto ids = store.holdActions(run_id, split.held, at);
  if (!ids.ok()) return ids.error();
  const bool notify = !session.config().notify_webhook_url.empty();
  for (size_t i = 0; i < split.held_actions.size(); ++i) {
    const Action& a = split.held_actions[i];
    Json detail = Json::object();
    detail["action"] = actionKindName(a.kind);
    detail["heldId"] = (*ids)[i];
    detail["rule"] = a.rule;
    auto audit = store.appendAudit(at, run_id, "scim-agent", "hold", heldKey(a), detail.dump());
    if (!audit.ok()) return audit.error();
    if (notify) {
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
  }
  return Status::success();
}

void resolveAllowed(Session& session, int64_t run_id, const HoldSplit& split,
                    const ApplyReport& report, const std::string& at) {
  for (const HeldAction& h : split.allowed) {
    for (const ActionResult& r : report.results) {
      const Action& a = split.now.actions[r.index];
      if (!a.isDestructive() || heldKey(a) != h.external_id) continue;
      if (r.outcome == ActionOutcome::kDone) {
        (void)session.store().resolveHeldAction(
            h.id, "applied", run_id,
            "applied by run " + std::to_string(run_id) + " (apply --allow-destructive)", at);
      }
    }
  }
}

std::string renderHeld(const HoldSplit& split, const std::string& config_path) {
  std::ostringstream out;
  if (!split.discard.empty()) {
    out << "\nNo longer planned, so no longer pending approval:";
    for (const HeldAction& h : split.discard) out << " " << h.external_id;
    out << "\n";
  }
  if (split.held_actions.empty()) return out.str();
  out << "\nHeld for approval (" << split.held_actions.size()
      << "): nothing destructive was applied to these users.\n";
  std::set<std::string> replaced;
  for (const HeldAction& h : split.replaced) replaced.insert(h.external_id);
  for (const Action& a : split.held_actions) {
    out << "  " << sign(a.kind) << " " << actionKindName(a.kind) << " " << label(a);
    if (!a.rule.empty()) out << ": " << a.rule;
    if (replaced.count(heldKey(a))) out << " (was already pending; replaced by this plan)";
    out << "\n";
  }
  const std::string config = " --config " + config_path;
  out << "Approve one with: scim-agent approve" << config << " --externalId "
      << heldKey(split.held_actions.front()) << "\n"
      << "Approve all with: scim-agent approve" << config << " --all\n";
  return out.str();
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

// ---- approve -------------------------------------------------------------------------------

int runApproveCommand(const ApproveCommandArgs& args, std::ostream& out, std::ostream& err) {
  if (args.format != "text" && args.format != "json") {
    err << "error: --format must be text or json for approve, not \"" << args.format << "\"\n";
    return kExitUsage;
  }
  if (args.all && !args.external_ids.empty()) {
    err << "scim-agent approve: give either --externalId or --all, not both\n" << kApproveUsage;
    return kExitUsage;
  }
  Diagnostics diags;
  auto session = Session::load(args.config_path, args.desired_path, diags);
  if (!session) {
    for (const auto& d : diags.sorted()) err << d.toString() << "\n";
    return kExitError;
  }
  Status locked = session->lockState();
  if (!locked.ok()) {
    err << "error: " << locked.error().message << "\n";
    return locked.error().code == ErrorCode::kBusy ? kExitBusy : kExitError;
  }
  auto pending = session->store().pendingHeldActions();
  if (!pending.ok()) {
    err << "error: " << pending.error().message << "\n";
    return kExitError;
  }
  if (!args.all && args.external_ids.empty()) {
    err << "scim-agent approve: say what to approve: --externalId ID (repeatable) or --all\n";
    listPending(*pending, err);
    err << kApproveUsage;
    return kExitUsage;
  }
  std::vector<HeldAction> selected;
  if (args.all) {
    selected = *pending;
  } else {
    std::vector<std::string> missing;
    for (const std::string& id : args.external_ids) {
      auto it = std::find_if(pending->begin(), pending->end(),
                             [&](const HeldAction& h) { return h.external_id == id; });
      if (it == pending->end()) {
        missing.push_back(id);
      } else if (std::none_of(selected.begin(), selected.end(),
                              [&](const HeldAction& h) { return h.id == it->id; })) {
        selected.push_back(*it);
      }
    }
    if (!missing.empty()) {
      err << "scim-agent approve: nothing is pending approval for";
      for (const std::string& id : missing) err << " " << id;
      err << "; nothing was applied\n";
      listPending(*pending, err);
      return kExitUsage;
    }
  }
  if (selected.empty()) {
    if (args.format == "json") {
      out << "{\"actions\":[],\"counts\":{}}\n";
    } else {
      out << "Nothing is pending approval.\n";
    }
    return kExitOk;
  }

  auto run = session->beginRun("apply", nowIso());
  if (!run.ok()) {
    err << "error: " << run.error().message << "\n";
    return run.error().code == ErrorCode::kBusy ? kExitBusy : kExitError;
  }
  const int64_t run_id = *run;

  // Decode each row and re-read its user: only what still makes sense is applied.
  std::vector<Approval> approvals;
  for (const HeldAction& h : selected) {
    Approval a;
    a.row = h;
    auto json = parseJson(h.action_json);
    auto doc = json.ok() ? planFromJson(*json) : Result<Plan>(json.error());
    if (doc.ok()) {
      a.doc = std::move(doc.value());
      auto main = std::find_if(a.doc.actions.begin(), a.doc.actions.end(),
                               [](const Action& x) { return x.isDestructive(); });
      a.main = static_cast<size_t>(main - a.doc.actions.begin());
      if (main == a.doc.actions.end()) {
        a.outcome = "failed";
        a.message = "the held document has no suspend or delete";
      }
    } else {
      a.outcome = "failed";
      a.message = "the held document cannot be read: " + doc.error().message;
    }
    if (a.outcome.empty()) recheck(a, session->readUser(a.action().user_id), session->desired());
    approvals.push_back(std::move(a));
  }

  Plan users;
  std::vector<size_t> user_index;  // users.actions[k] belongs to approvals[user_index[k]]
  for (size_t i = 0; i < approvals.size(); ++i) {
    if (!approvals[i].outcome.empty()) continue;
    users.actions.push_back(approvals[i].action());
    user_index.push_back(i);
  }
  std::set<size_t> done;
  if (!users.actions.empty()) {
    // No guardrail here: approving is the explicit human decision (SPEC §8). A user changed
    // between the re-read and the write is refused by its version and reported stale.
    ApplyReport report = session->apply(run_id, users, ApplyOptions{}, /*replan_conflicts=*/false);
    for (const ActionResult& r : report.results) {
      Approval& a = approvals[user_index[r.index]];
      a.message = r.message;
      if (r.outcome == ActionOutcome::kDone) {
        done.insert(user_index[r.index]);
      } else {
        a.outcome = r.outcome == ActionOutcome::kStale ? "stale" : "failed";
      }
    }
  }
  const Plan groups = groupRemovals(approvals, done);
  std::map<std::string, std::string> group_failures;  // user id → why its removal failed
  if (!groups.actions.empty()) {
    ApplyReport report = session->apply(run_id, groups, ApplyOptions{}, false);
    for (const ActionResult& r : report.results) {
      if (r.outcome == ActionOutcome::kDone) continue;
      for (const MemberRef& m : groups.actions[r.index].remove_members) {
        group_failures[m.user_id] = "removing it from group \"" +
                                    groups.actions[r.index].group_name + "\" failed: " + r.message;
      }
    }
  }
  for (size_t i : done) {
    Approval& a = approvals[i];
    auto failed = group_failures.find(a.action().user_id);
    if (failed == group_failures.end()) {
      a.outcome = "applied";
    } else {
      a.outcome = "failed";
      a.message = std::string(a.action().kind == ActionKind::kSuspend ? "suspended" : "deleted") +
                  ", but " + failed->second;
    }
  }

  // Resolve every row and audit the decision.
  const std::string at = nowIso();
  std::map<std::string, int> counts;
  Json items = Json::array();
  bool store_failed = false;
  for (const Approval& a : approvals) {
    ++counts[a.outcome];
    const std::string note =
        a.message.empty() ? "approved and applied by run " + std::to_string(run_id) : a.message;
    Status resolved = session->store().resolveHeldAction(a.row.id, a.outcome, run_id, note, at);
    if (!resolved.ok()) {
      err << "error: " << resolved.error().message << "\n";
      store_failed = true;
    }
    Json detail = Json::object();
    detail["heldId"] = a.row.id;
    detail["heldByRun"] = a.row.run_id;
    detail["action"] = a.row.kind;
    detail["outcome"] = a.outcome;
    if (!a.message.empty()) detail["message"] = a.message;
    (void)session->store().appendAudit(at, run_id, operatorName(), "approve", a.row.external_id,
                                       detail.dump());
    Json item = detail;
    item["externalId"] = a.row.external_id;
    if (!a.doc.actions.empty()) item["userName"] = a.action().user_name;
    Json warnings = Json::array();
    for (const Notice& n : a.doc.notices) warnings.push(n.message);
    if (!warnings.asArray().empty()) item["warnings"] = warnings;
    items.push(std::move(item));
  }
  Json count_json = Json::object();
  for (const char* o : {"applied", "stale", "failed"}) count_json[o] = counts[o];
  Json summary = Json::object();
  summary["counts"] = count_json;
  summary["actions"] = items;
  const bool all_applied = counts["applied"] == static_cast<int>(approvals.size());
  session->finishRun(run_id, all_applied && !store_failed ? "ok" : "failed", summary, nowIso());
  for (const std::string& w : session->warnings()) err << "warning: " << w << "\n";

  if (args.format == "json") {
    out << summary.pretty() << "\n";
  } else {
    if (!args.quiet) {
      out << "Approving " << approvals.size() << " held "
          << (approvals.size() == 1 ? "action" : "actions") << ":\n";
      for (const Approval& a : approvals) {
        out << "  " << a.row.kind << " "
            << (a.doc.actions.empty() ? a.row.external_id : label(a.action())) << ": " << a.outcome;
        if (!a.message.empty()) out << " — " << a.message;
        out << "\n";
        for (const Notice& n : a.doc.notices) out << "    note: " << n.message << "\n";
      }
    }
    out << "Approve complete: " << counts["applied"] << " applied, " << counts["stale"]
        << " stale, " << counts["failed"] << " failed.\n";
    if (counts["stale"] > 0) {
      out << "Stale actions were not applied: their users changed since they were held. Run "
             "plan again to see what they need now.\n";
    }
  }
  return all_applied && !store_failed ? kExitOk : kExitError;
}

}  // namespace scim_agent
