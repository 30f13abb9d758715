#include "agent/reconcile/reconciler.h"

// The Reconciler's applying (through the policy gate) and its housekeeping after a run.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "agent/apply/lifecycle.h"
#include "agent/codec/json_parse.h"
#include "agent/desired/desired_json.h"
#include "agent/desired/desired_loader.h"
#include "agent/live/live_reader.h"
#include "agent/log/log.h"
#include "agent/model/audit_actor.h"
#include "agent/plan/match.h"
#include "agent/plan/plan_json.h"
#include "agent/plan/policy_rules.h"
#include "agent/config/secret_file.h"
#include "agent/reconcile/cycle_run.h"
#include "agent/reconcile/run_facts.h"
#include "agent/reconcile/plan_signature.h"
#include "agent/reconcile/policy_gate.h"
#include "agent/reconcile/source_checks.h"
#include "agent/scim/platform_directory.h"
#include "agent/scim/scim_directory.h"
#include "agent/scim/user_codec.h"
#include "state/state_store.h"

namespace scim_agent {

// ---- Applying and housekeeping --------------------------------------------------------------

ApplyReport Reconciler::applyPlan(
    Run& run, const Plan& plan, bool replan_conflicts, bool skip_destructive,
    const std::function<void(const Action&, const ActionResult&)>& on_result,
    std::vector<std::string>& warnings) {
  // The policy gate first: what it refuses is reported failed and never sent.
  const PolicyGate gate(desired_);
  Plan allowed = plan;
  allowed.actions.clear();
  std::vector<size_t> origin;  // allowed.actions[k] is plan.actions[origin[k]]
  std::vector<ActionResult> results(plan.actions.size());
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    std::optional<std::string> refused = gate.refusal(a);
    Action admitted = a;
    if (!refused && a.kind == ActionKind::kGroupMembers) {
      std::vector<std::string> members;
      admitted = gate.members(a, &members);
      for (const std::string& m : members) warnings.push_back("refused by the policy gate: " + m);
      if (admitted.add_members.empty() && admitted.remove_members.empty()) {
        refused = "no member of this change may be written";
      }
    }
    if (refused) {
      results[i] = {i, ActionOutcome::kFailed, "refused by the policy gate: " + *refused,
                    a.user_id, "", false, {}};
      logActionResult(a, results[i]);
      if (on_result) on_result(a, results[i]);
      continue;
    }
    origin.push_back(i);
    allowed.actions.push_back(std::move(admitted));
  }

  ApplyOptions options;
  options.skip_destructive = skip_destructive;
  options.on_result = on_result;
  for (const auto& [id, key] : run.unfinished) options.unfinished_keys.insert(key);
  options.concurrency = settings_.concurrency;
  if (replan_conflicts) {
    options.replan = [this](const Action& refused, const LiveUser& fresh) {
      return replanUser(refused, fresh);
    };
  }
  options.gate = [&gate](const Action& a) { return gate.refusal(a); };
  for (const Action& a : allowed.actions) {
    if (a.kind == ActionKind::kDelete) run.planned_delete_ids.insert(a.user_id);
  }
  StateJournal journal(store_, clock_, run.id);
  LifecycleOptions lifecycle_options;
  lifecycle_options.run_id = run.id;
  lifecycle_options.archive_days = desired_.policy.archive_days;
  lifecycle_options.notify = settings_.notify;
  lifecycle_options.now = [this] { return clock_.now(); };
  Lifecycle lifecycle(directory_, platform_, journal, store_, lifecycle_options);
  Applier applier(directory_, journal, &lifecycle);
  ApplyReport applied = applier.apply(allowed, options);
  for (ActionResult& r : applied.results) {
    r.index = origin[r.index];
    results[r.index] = std::move(r);
  }
  ApplyReport report;
  report.results = std::move(results);
  recordApplied(store_, run.id, run.action_seq, plan, report, skip_destructive, now(), warnings);
  return report;
}

void Reconciler::housekeeping(Run& run, RunOutcome outcome, Json& record,
                              std::vector<std::string>& warnings) {
  StateJournal journal(store_, clock_, run.id);
  LifecycleOptions options;
  options.run_id = run.id;
  options.now = [this] { return clock_.now(); };
  options.archive_days = desired_.policy.archive_days;
  options.notify = settings_.notify;
  // Grace periods start with a run that applied (a blocked one applied nothing destructive).
  if (outcome != RunOutcome::kBlocked) {
    for (const std::string& external_id : run.grace_starts) {
      std::string user_id;
      for (const LiveUser& u : live_.users) {
        if (u.external_id == external_id) user_id = u.id;
      }
      Status recorded =
          store_.recordSuspension(external_id, user_id, now(), run.id, "found inactive", true);
      if (!recorded.ok()) warnings.push_back("recording a suspension failed: " + recorded.error().message);
    }
  }
  run.grace_starts.clear();
  Lifecycle lifecycle(directory_, platform_, journal, store_, options);
  auto finished = lifecycle.finishInterruptedDeletes(run.planned_delete_ids);
  if (!finished.ok()) {
    warnings.push_back("finishing an interrupted delete failed (retried next run): " +
                       finished.error().message);
  } else if (*finished > 0) {
    record["interruptedDeletesFinished"] = *finished;
  }
  // Users suspended earlier whose token revocation failed: still inactive? (this cycle's whole
  // read, or one GET each when the cycle did not read the whole org).
  // The policy gate too: never a protected or out-of-scope user, never one the desired state
  // keeps active.
  std::vector<std::string> errors;
  std::optional<PolicyGate> gate;  // built on first use: after a saved plan, it loads the desired state
  auto revoked = lifecycle.retryRevocations(
      [&](const std::string& user_id) {
        std::optional<LiveUser> user;
        if (live_whole_) {
          for (const LiveUser& u : live_.users) {
            if (u.id == user_id) user = u;
          }
        } else if (auto read = directory_.getUser(user_id); read.ok()) {
          user = std::move(read.value());
        }
        if (!user || user->active) return false;
        Action suspend;
        suspend.kind = ActionKind::kSuspend;
        suspend.external_id = user->external_id;
        suspend.user_name = user->user_name;
        suspend.user_id = user->id;
        if (!gate) {
          const DesiredState* whole = wholeDesired(warnings);
          if (!whole) return false;
          gate.emplace(*whole);
        }
        if (auto refused = gate->refusal(suspend)) {
          warnings.push_back("token revocation for " + user->user_name +
                             " refused by the policy gate: " + *refused);
          return false;
        }
        return true;
      },
      &errors);
  if (!revoked.ok()) errors.push_back(revoked.error().message);
  if (revoked.ok() && *revoked > 0) record["tokenRevocationsRetried"] = *revoked;
  for (const std::string& e : errors) warnings.push_back(e);
  if (!errors.empty()) record["tokenRevocationErrors"] = static_cast<int64_t>(errors.size());
  const Json delivered = deliverNotifications(warnings);
  if (!delivered.isNull()) record["notifications"] = delivered;
}

const DesiredState* Reconciler::wholeDesired(std::vector<std::string>& warnings) {
  if (!desired_from_plan_) return &desired_;
  if (whole_desired_) return &*whole_desired_;
  if (whole_desired_failed_) return nullptr;
  // A saved plan's facts name only its own users; a housekeeping write is judged by the whole
  // desired state, as in any other run: loaded now, the termination holds of this cycle applied.
  Diagnostics diags;
  DesiredState whole = loadDesiredState(settings_, diags, settings_.source_options.cache);
  if (!diags.empty() || whole.digest != desired_.digest) {
    whole_desired_failed_ = true;
    warnings.push_back(std::string("token revocations wait for the next run: the desired state ") +
                       (diags.empty() ? "changed since the plan was made" : "does not load now"));
    return nullptr;
  }
  for (DesiredUser& d : whole.users) {
    if (d.status == UserStatus::kActive && terminations_in_effect_.count(d.external_id)) {
      d.status = UserStatus::kTerminated;
    }
  }
  whole_desired_ = std::move(whole);
  return &*whole_desired_;
}

Json Reconciler::deliverNotifications(std::vector<std::string>& warnings) {
  if (!notifier_) return Json();
  auto summary = notifier_->deliverDue();
  if (!summary.ok()) {
    warnings.push_back("notifications not delivered: " + summary.error().message);
    return Json(Json::Object{{"error", summary.error().message}});
  }
  Json out = Json::object();
  out["delivered"] = summary->delivered;
  out["failed"] = summary->failed;
  out["pending"] = summary->pending;
  if (!summary->stopped.empty()) out["stopped"] = summary->stopped;
  if (summary->pending > 0) {
    warnings.push_back(std::to_string(summary->pending) + " notification(s) wait in the outbox for " +
                       settings_.notify_target +
                       (summary->stopped.empty() ? "" : " (" + summary->stopped + ")") +
                       "; the next run tries again");
  }
  return out;
}

}  // namespace scim_agent
