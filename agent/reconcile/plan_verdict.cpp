#include "agent/reconcile/plan_verdict.h"

#include "agent/reconcile/holds.h"
#include "agent/reconcile/source_checks.h"

namespace scim_agent {

namespace {

// "HR event 12 of 2026-11-20T09:00:00Z", or the manifest's place.
std::string terminationOrigin(const TerminationRecord& t) {
  if (!t.origin.empty()) return "the termination manifest " + t.origin;
  std::string out = "HR termination event " + std::to_string(t.event_id);
  if (!t.occurred_at.empty()) out += " of " + t.occurred_at;
  return out;
}

}  // namespace

void statePlanVerdict(Plan& plan, const GuardrailVerdict& verdict,
                      const std::vector<Action>& held_actions, bool allow_destructive,
                      const std::string& incomplete_source) {
  std::set<std::string> held;
  for (const Action& a : held_actions) held.insert(heldKey(a));
  const bool blocking = verdict.blocked && !allow_destructive;
  for (Action& a : plan.actions) {
    a.held = a.isDestructive() && held.count(heldKey(a)) > 0;
    a.blocked = a.isDestructive() && !a.held && blocking;
  }
  plan.verdict = {};
  if (verdict.blocked) {
    plan.verdict.blocked = true;
    plan.verdict.rule = verdict.rule.empty() ? "maxDestructive" : verdict.rule;
    plan.verdict.message = verdict.message;
    plan.verdict.limit = verdict.limit;
    plan.verdict.proceed = allow_destructive
                               ? "--allow-destructive was given: they are applied anyway"
                               : verdict.proceed;
  } else if (!incomplete_source.empty()) {
    plan.verdict.blocked = true;
    plan.verdict.rule = "sourceNotWhole";
    plan.verdict.message = incomplete_source +
                           "; no user it governs is suspended or deleted this run";
    plan.verdict.proceed =
        "fix the source (see the warnings below); the next run that reads it whole plans them";
  }
}

PlanVerdict rejectedRecordsVerdict(const std::string& message) {
  PlanVerdict v;
  v.blocked = true;
  v.rule = "maxRejectedRecords";
  v.message = message;  // it says nothing was applied (nor planned)
  v.proceed = "fix the rejected records (listed on stderr) or raise policy.maxRejectedRecords";
  return v;
}

std::vector<ScheduledItem> scheduledTerminations(const std::vector<TerminationRecord>& records,
                                                 const DesiredState& desired,
                                                 const LiveState& live,
                                                 const std::set<std::string>& held_over,
                                                 const std::string& now) {
  std::set<std::string> live_ids;
  for (const LiveUser& l : live.users) {
    if (!l.external_id.empty()) live_ids.insert(l.external_id);
  }
  std::vector<ScheduledItem> out;
  for (const TerminationRecord& t : records) {
    const DesiredUser* entry = nullptr;
    for (const DesiredUser& d : desired.users) {
      if (d.external_id == t.external_id) entry = &d;
    }
    ScheduledItem item;
    item.external_id = t.external_id;
    if (entry) {
      item.user_name = entry->user_name;
      item.source = entry->source;
    }
    const std::string review = "; `scim-agent terminations` to review it, `scim-agent "
                               "terminations --clear " + t.external_id + "` to clear it";
    if (!terminationInEffect(t, now)) {
      item.kind = ScheduledKind::kTermination;
      item.due = t.effective_at;
      item.message = terminationOrigin(t);
    } else if (!entry && !live_ids.count(t.external_id)) {
      item.kind = ScheduledKind::kHeldTermination;
      item.message = terminationOrigin(t) +
                     " waits for a user with this externalId, who is then planned as "
                     "terminated" + review;
    } else if (entry && held_over.count(t.external_id) && !live_ids.count(t.external_id)) {
      item.kind = ScheduledKind::kHeldTermination;
      item.message = terminationOrigin(t) +
                     " holds over the desired entry, so it is not created" + review;
    } else {
      continue;
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace scim_agent
