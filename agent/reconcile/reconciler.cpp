#include "agent/reconcile/reconciler.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "agent/apply/lifecycle.h"
#include "agent/codec/json_parse.h"
#include "agent/desired/desired_json.h"
#include "agent/desired/desired_loader.h"
#include "agent/live/live_prefetch.h"
#include "agent/live/live_reader.h"
#include "agent/log/log.h"
#include "agent/model/audit_actor.h"
#include "agent/plan/match.h"
#include "agent/plan/plan_json.h"
#include "agent/plan/policy_rules.h"
#include "agent/plan/unknown_names.h"
#include "agent/config/secret_file.h"
#include "agent/reconcile/cycle_run.h"
#include "agent/reconcile/run_facts.h"
#include "agent/reconcile/plan_signature.h"
#include "agent/reconcile/plan_verdict.h"
#include "agent/reconcile/policy_gate.h"
#include "agent/reconcile/source_checks.h"
#include "agent/scim/platform_directory.h"
#include "agent/scim/scim_directory.h"
#include "agent/scim/user_codec.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

// The run record's summary of a plan: action counts by kind.
Json planSummary(const Plan& plan) {
  Json counts = Json::object();
  for (ActionKind k : {ActionKind::kCreate, ActionKind::kUpdate, ActionKind::kReactivate,
                       ActionKind::kSuspend, ActionKind::kDelete, ActionKind::kGroupMembers}) {
    if (plan.count(k) > 0) counts[actionKindName(k)] = plan.count(k);
  }
  Json summary = Json::object();
  summary["plan"] = counts;
  return summary;
}

// Distinct users the plan would change (group-only changes are not a user's drift).
int64_t driftUsers(const Plan& plan) {
  std::set<std::string> users;
  for (const Action& a : plan.actions) {
    if (a.kind != ActionKind::kGroupMembers) users.insert(heldKey(a));
  }
  return static_cast<int64_t>(users.size());
}

bool passing(const Error& e) {
  return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kRateLimited ||
         e.code == ErrorCode::kBusy;
}

// A whole-org cycle reads the live users on a second thread while the desired state loads
// (issue 13: the two largest phases of a plan overlap), with what agent.yaml's policy manages:
// the spec's own `policy:` is known only once loaded, and planWholeOrg reads again if it manages
// more (LivePrefetch::take). Only under the writer lock, tried here without waiting: a read made
// while another run still writes would plan, and snapshot, a picture older than that run's
// writes. When another run holds the lock, the cycle waits for it and reads after, as before.
// Null when no read was started. An event's cycle reads one user; a saved plan reads nothing.
std::unique_ptr<LivePrefetch> startLivePrefetch(const CycleOptions& options, StateStore& store,
                                                ScimDirectory& directory, const Policy& base) {
  if (options.event || options.saved_plan) return nullptr;
  if (!store.holdsWriterLock() && !store.acquireWriterLock(std::chrono::milliseconds(0)).ok()) {
    return nullptr;
  }
  return std::make_unique<LivePrefetch>(directory, liveReadOptionsFor(base));
}

// Clears a pointer when the scope ends.
struct ClearOnExit {
  LivePrefetch*& slot;
  ~ClearOnExit() { slot = nullptr; }
};

}  // namespace

// ---- StateJournal ---------------------------------------------------------------------------

Result<int64_t> StateJournal::intent(const std::string& action_key, const std::string& method,
                                     const std::string& path, const Json& request) {
  auto id = store_.journalIntent(run_id_, action_key, method, path, request.dump(),
                                 formatIso8601(clock_.now()));
  if (id.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    keys_[*id] = action_key;
  }
  return id;
}

Status StateJournal::outcome(int64_t id, bool success, int http_status, const Json& detail) {
  // The audit row of a write that took effect is committed with its outcome: both or neither.
  std::optional<AuditEntry> audit;
  if (success) {
    std::string key;
    {
      std::lock_guard<std::mutex> lock(mu_);
      key = keys_[id];
    }
    const auto colon = key.find(':');
    audit = AuditEntry{run_id_, kAgentActor, key.substr(0, colon),
                       colon == std::string::npos ? "" : key.substr(colon + 1), detail.dump()};
  }
  return store_.journalOutcome(id, success, http_status, detail.dump(),
                               formatIso8601(clock_.now()), audit ? &*audit : nullptr);
}

// ---- Reconciler -----------------------------------------------------------------------------

DesiredState loadDesiredState(const ReconcilerSettings& settings, Diagnostics& diags,
                              SourceCache* cache, const std::string& explain,
                              std::vector<SourceExplanation>* explained) {
  LoadOptions options;
  options.target_kind = settings.target_kind;
  options.base_policy = settings.base_policy;
  options.sources = settings.sources;
  options.sources_dir = settings.sources_dir;
  options.source_options = settings.source_options;
  options.source_options.cache = cache;
  options.source_options.explain_external_id = explain;
  options.explained = explained;
  return loadDesired(settings.desired_path, options, diags);
}

Reconciler::Reconciler(ScimDirectory& directory, PlatformDirectory& platform, StateStore& store,
                       const Clock& clock, Notifier* notifier, ReconcilerSettings settings)
    : directory_(directory),
      platform_(platform),
      store_(store),
      clock_(clock),
      notifier_(notifier),
      settings_(std::move(settings)) {}

Reconciler::~Reconciler() = default;

std::string Reconciler::now() const { return formatIso8601(clock_.now()); }

Status Reconciler::lock() {
  if (store_.holdsWriterLock()) return Status::success();
  return store_.acquireWriterLock(settings_.lock_timeout);
}

bool Reconciler::loadDesired(CycleReport& report, bool reuse) {
  if (reuse && desired_loaded_) return true;
  const auto load_started = std::chrono::steady_clock::now();
  DesiredState loaded =
      loadDesiredState(settings_, report.diagnostics, settings_.source_options.cache);
  report.sources = loaded.sources;
  if (!loaded.sources.empty()) {
    size_t unchanged = 0;
    for (const SourceOutcome& s : loaded.sources) unchanged += s.unchanged ? 1 : 0;
    logInfo("desired state loaded",
            {{"users", loaded.users.size()},
             {"sources", loaded.sources.size()},
             {"sourcesUnchanged", unchanged},
             {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - load_started)
                        .count()}});
  }
  if (!report.diagnostics.empty()) {
    report.error = Error(ErrorCode::kInvalidInput,
                         "the desired state has " + std::to_string(report.diagnostics.size()) +
                             " problem(s); the first: " +
                             report.diagnostics.sorted().front().toString());
    return false;
  }
  // Too many rejected HR records: the source is more likely broken than its rows (SPEC §6).
  if (auto rejected = rejectLimitError(loaded)) {
    report.error = *rejected;
    report.rejects_over_limit = true;
    return false;
  }
  desired_ = std::move(loaded);
  desired_loaded_ = true;
  desired_from_plan_ = false;
  held_by_termination_.clear();
  return true;
}

size_t Reconciler::desiredUserCount() const {
  return desired_from_plan_ ? desired_count_ : desired_.users.size();
}

Result<int64_t> Reconciler::beginRun(RunKind kind) {
  // We hold the writer lock: a run still marked running was killed.
  const std::string at = now();
  auto runs = store_.listRuns(50);
  if (!runs.ok()) return runs.error();
  for (const auto& r : *runs) {
    if (r.outcome != runOutcomeName(RunOutcome::kRunning)) continue;
    Status ended = store_.finishRun(r.id, runOutcomeName(RunOutcome::kInterrupted),
                                    "{\"note\":\"the process ended without finishing the run\"}",
                                    at);
    if (!ended.ok()) return ended.error();
  }
  return store_.beginRun(runKindName(kind), at, desired_.digest);
}

void Reconciler::fail(Run& run, CycleReport& report, const Error& e) {
  report.error = e;
  report.retry = passing(e);
  report.outcome = RunOutcome::kFailed;
  report.summary = Json::object();
  report.summary["error"] = e.message;
  if (run.id != 0) finishRun(run, report);
}

void Reconciler::finishRun(Run& run, CycleReport& report) {
  Json record = report.summary.isObject() ? report.summary : Json::object();
  record["desiredUsers"] = static_cast<int64_t>(desiredUserCount());  // source-shrink baseline
  if (desired_from_plan_) record["desiredInputsUnchanged"] = true;  // not parsed: saved_inputs.h
  if (run.drifted_users) {
    record["driftedUsers"] = *run.drifted_users;
    report.summary["driftedUsers"] = *run.drifted_users;
  }
  if (!desired_.sources.empty()) {
    Json sources = Json::array();
    for (const SourceOutcome& s : desired_.sources) {
      Json one = Json::object();
      one["source"] = s.name;
      one["role"] = s.role;
      one["records"] = static_cast<int64_t>(s.records);
      one["mapped"] = static_cast<int64_t>(s.mapped);
      one["rejected"] = static_cast<int64_t>(s.rejects.size());
      one["whole"] = s.whole;
      if (!s.whole) one["problem"] = s.problem;
      one["digest"] = s.digest;
      sources.push(one);
    }
    record["sources"] = sources;
  }
  // A good whole-org run makes each source's read the baseline of its shrink check.
  if (run.whole_org && (report.outcome == RunOutcome::kOk || report.outcome == RunOutcome::kChanges)) {
    recordSourceReads(store_, desired_, run.id, now(), report.warnings);
  }
  // Every applying run delivers what the outbox holds, its own notices and those an unreachable
  // receiver kept from earlier runs (SPEC §10: at least once, retried across runs).
  if (run.applies && report.outcome != RunOutcome::kDryRun &&
      report.outcome != RunOutcome::kCancelled) {
    housekeeping(run, report.outcome, record, report.warnings);
  }
  const std::string at = now();
  if (run.applies) {
    for (const auto& [id, key] : run.unfinished) {
      Status resolved = store_.resolveIntent(
          id, "abandoned", "interrupted; superseded by run " + std::to_string(run.id), at);
      if (!resolved.ok()) {
        // The intent stays open: the next run looks the user up again before any create.
        report.warnings.push_back("closing interrupted journal entry " + std::to_string(id) +
                                  " (" + key + ") failed: " + resolved.error().message);
      }
    }
  }
  Status finished = store_.finishRun(run.id, runOutcomeName(report.outcome), record.dump(), at);
  if (!finished.ok()) {
    // The run stays "running" and the next holder of the lock records it interrupted.
    report.warnings.push_back("recording the end of run " + std::to_string(run.id) +
                              " failed: " + finished.error().message);
  }
}

CycleReport Reconciler::cycle(const CycleOptions& options) {
  CycleReport report;
  manifest_verdict_ = {};
  whole_desired_.reset();
  whole_desired_failed_ = false;
  // Whatever way the cycle returns, prefetch_ is cleared, then a read still running is cancelled
  // and its thread joined (~LivePrefetch): no request goes out after the cycle. The directory is
  // the read thread's alone until planWholeOrg takes the read; nothing before it uses it.
  const std::unique_ptr<LivePrefetch> prefetch =
      startLivePrefetch(options, store_, directory_, settings_.base_policy);
  prefetch_ = prefetch.get();
  const ClearOnExit clear_prefetch{prefetch_};
  std::optional<Plan> saved;
  if (options.saved_plan) {
    auto plan = savedPlan(options, report);
    if (!plan.ok()) {
      if (!report.error) report.error = plan.error();
      return report;
    }
    saved = std::move(plan.value());
  } else if (!loadDesired(report, options.event.has_value())) {
    return report;
  }
  if (options.event && !options.event->terminate) {
    const bool known = std::any_of(desired_.users.begin(), desired_.users.end(), [&](auto& d) {
      return d.external_id == options.event->external_id;
    });
    if (!known) {
      report.ignored = true;
      report.outcome = RunOutcome::kOk;
      report.note = "no desired entry for " + options.event->external_id +
                    ": the desired state is the source";
      return report;
    }
  }
  if (options.event && options.event->terminate) {
    const std::string& id = options.event->external_id;
    const bool known = std::any_of(desired_.users.begin(), desired_.users.end(),
                                   [&](const DesiredUser& d) { return d.external_id == id; });
    if (!known && !Scope(desired_.policy.scope_external_id_pattern).contains(id)) {
      report.ignored = true;
      report.outcome = RunOutcome::kOk;
      report.note = "termination of " + id + " ignored: outside policy.scope (externalIdPattern \"" +
                    desired_.policy.scope_external_id_pattern + "\"), not managed by this agent";
      return report;
    }
  }
  Status locked = lock();
  if (!locked.ok()) {
    report.error = locked.error();
    report.retry = passing(locked.error());
    return report;
  }
  if (options.event && options.event->terminate) {
    // Recorded before acting: it holds over the desired state from now on (SPEC §12).
    Status held = store_.recordTermination(options.event->external_id, options.event->event_id,
                                           options.event->occurred_at, now());
    if (!held.ok()) {
      report.error = held.error();
      report.retry = true;
      return report;
    }
  }
  Run run;
  run.kind = options.kind;
  run.applies = options.kind != RunKind::kPlan && !options.plan_only;
  run.allow_destructive = options.allow_destructive;
  run.whole_org = !options.event && !options.saved_plan;
  auto pending = store_.pendingIntents();
  if (!pending.ok()) {
    report.error = pending.error();
    return report;
  }
  for (const auto& entry : *pending) run.unfinished.emplace_back(entry.id, entry.action_key);
  auto run_id = beginRun(options.kind);
  if (!run_id.ok()) {
    report.error = run_id.error();
    report.retry = passing(run_id.error());
    return report;
  }
  run.id = report.run_id = *run_id;

  // Plan: the whole org, one event's user, or a saved plan.
  if (options.event) {
    auto planned = planEvent(run, *options.event, report);
    if (!planned.ok()) {
      fail(run, report, planned.error());
      return report;
    }
    if (!planned->has_value()) {  // a termination of nobody: recorded, nothing to do
      report.outcome = RunOutcome::kOk;
      finishRun(run, report);
      return report;
    }
    report.plan = std::move(**planned);
    report.guardrail =
        checkDestructive(report.plan, std::max<size_t>(desired_.users.size(), 1), desired_.policy);
  } else if (options.saved_plan) {
    // The leavers of the manifests the plan was made with become holds now, as in a fresh apply:
    // the policy gate checks each suspend against them.
    auto manifest =
        takeManifestTerminations(store_, desired_, run.applies, run.allow_destructive, now());
    if (!manifest.ok()) {
      fail(run, report, manifest.error());
      return report;
    }
    manifest_verdict_ = manifest->verdict;
    Status applied = applyTerminations(std::nullopt, manifest->records);
    if (!applied.ok()) {
      fail(run, report, applied.error());
      return report;
    }
    report.plan = std::move(*saved);
    report.guardrail = guardrail(report.plan);
  } else {
    auto planned = planWholeOrg(run);
    report.sources = desired_.sources;  // with the records rejected once the org was read
    if (!planned.ok()) {
      fail(run, report, planned.error());
      return report;
    }
    report.plan = std::move(planned.value());
    report.guardrail = guardrail(report.plan);
  }
  // Groups the desired state names that do not exist (issue 14): `plan` fails, naming each with
  // its users and the closest existing names; an applying cycle goes on without those users'
  // membership changes (the planner left them out), reports each and counts them failed.
  if (!options.saved_plan) {
    const std::string service =
        settings_.target_kind == "genesys" ? "Genesys" : "the SCIM service";
    const std::vector<UnknownName> unknown =
        findUnknownGroups(desired_.users, desired_.policy, live_.groups,
                          options.event ? options.event->external_id : "");
    if (!unknown.empty() && options.kind == RunKind::kPlan) {
      for (const UnknownName& u : unknown) {
        Diagnostic d = unknownNameDiagnostic(u, service);
        report.diagnostics.add(std::move(d.pos), std::move(d.message));
      }
      fail(run, report,
           Error(ErrorCode::kInvalidInput, std::to_string(unknown.size()) +
                                               " group name(s) in the desired state do not exist "
                                               "in " + service));
      return report;
    }
    std::set<const DesiredUser*> skipped;
    for (const UnknownName& u : unknown) {
      report.warnings.push_back(unknownGroupSkipMessage(u, service));
      skipped.insert(u.users.begin(), u.users.end());
    }
    report.skipped_group_users = static_cast<int>(skipped.size());
  }
  const Plan& plan = report.plan;
  for (const Action& a : plan.actions) {
    if (a.kind == ActionKind::kDelete) run.planned_delete_ids.insert(a.user_id);
  }
  if (!options.saved_plan) run.grace_starts = plan.grace_starts;
  trackTerminations(store_, run.id, plan, terminations_in_effect_,
                    run.whole_org ? &live_.users : nullptr, now(), report.warnings);
  {
    // The plan states its verdict (SPEC §16): what this run (or an apply of it) holds and blocks,
    // decided as the holds step below decides it.
    SplitRequest ask;
    ask.hold_all = options.hold_destructive;
    ask.allow_destructive = options.allow_destructive;
    if (options.event && options.event->terminate) ask.allow_external_id = options.event->external_id;
    auto would = splitHeld(store_, plan, ask);
    if (!would.ok()) {
      fail(run, report, would.error());
      return report;
    }
    GuardrailVerdict verdict = report.guardrail;
    if (!would->held_actions.empty()) verdict = guardrail(would->now);
    if (options.plan_only || options.dry_run) report.guardrail = verdict;
    statePlanVerdict(report.plan, verdict, would->held_actions, options.allow_destructive,
                     report.incompleteSource());
  }
  if (options.on_plan) options.on_plan(report);

  if (options.plan_only || options.dry_run) {
    report.outcome = options.dry_run             ? RunOutcome::kDryRun
                     : report.guardrail.blocked ? RunOutcome::kBlocked
                     : plan.hasChanges()        ? RunOutcome::kChanges
                                                : RunOutcome::kOk;
    report.summary = planSummary(plan);
    if (options.summarize) options.summarize(report, report.summary);
    std::vector<Action> planned;
    std::vector<Action> blocked;
    for (const Action& a : plan.actions) {
      (a.blocked ? blocked : planned).push_back(a);
    }
    recordUnapplied(store_, run.id, run.action_seq, planned, "planned", "", now(), report.warnings);
    recordUnapplied(store_, run.id, run.action_seq, blocked, "blocked", report.guardrail.message,
                    now(), report.warnings);
    finishRun(run, report);
    return report;
  }

  // Holds: users whose suspend or delete waits for `approve` stay held, whatever the entry point.
  SplitRequest split;
  split.hold_all = options.hold_destructive;
  split.allow_destructive = options.allow_destructive;
  split.whole_org = !options.saved_plan && !options.event;
  if (options.event && options.event->terminate) split.allow_external_id = options.event->external_id;
  split.guardrail_note = report.guardrail.blocked ? report.guardrail.message : "";
  auto holds = splitHeld(store_, plan, split);
  if (!holds.ok()) {
    fail(run, report, holds.error());
    return report;
  }
  report.holds = std::move(holds.value());
  if (!report.holds.held_actions.empty()) report.guardrail = guardrail(report.holds.now);
  report.destructive_skipped = report.guardrail.blocked && !options.allow_destructive;

  if (plan.hasChanges() && options.before_apply && !options.before_apply(report)) {
    report.outcome = RunOutcome::kCancelled;
    report.summary = Json::object();
    finishRun(run, report);
    return report;
  }
  // Stored before anything is applied: a held action is never lost, whatever happens next.
  Status stored = storeHolds(store_, settings_.notify, run.id, report.holds, now());
  if (!stored.ok()) {
    Error e = stored.error();
    e.message = "storing the held actions failed, so nothing was applied: " + e.message;
    fail(run, report, e);
    return report;
  }
  recordUnapplied(store_, run.id, run.action_seq, report.holds.held_actions, "held",
                  "held for approval (scim-agent approve)", now(), report.warnings);
  const Plan& apply_now = report.holds.now;
  if (apply_now.hasChanges()) {
    const bool replan = !options.saved_plan && !options.event;
    report.report = applyPlan(run, apply_now, replan, report.destructive_skipped,
                              options.on_result, report.warnings);
    report.applied = true;
    Status resolved = resolveAllowed(store_, run.id, report.holds, report.report, now());
    if (!resolved.ok()) {
      report.warnings.push_back("recording an approved hold as applied failed: " +
                                resolved.error().message);
    }
  }
  report.summary = report.report.toJson(apply_now);
  if (!report.holds.held_actions.empty()) report.summary["held"] = heldJson(report.holds);
  // Why a run with every action done still failed: users left out for an unknown group.
  if (report.skipped_group_users > 0) {
    report.summary["groupChangesSkipped"] = static_cast<int64_t>(report.skipped_group_users);
  }
  report.summary["driftUsers"] = driftUsers(plan);
  if (options.event) report.summary["event"] = options.event->external_id;
  report.outcome = report.failedCount() > 0      ? RunOutcome::kFailed
                   : report.destructive_skipped ? RunOutcome::kBlocked
                                                : RunOutcome::kOk;
  if (options.event) {
    for (const ActionResult& r : report.report.results) {
      const Action& a = apply_now.actions[r.index];
      report.note += (report.note.empty() ? "" : ", ") + std::string(actionKindName(a.kind)) +
                     " " + actionOutcomeName(r.outcome);
    }
    for (const Action& a : report.holds.held_actions) {
      report.note += (report.note.empty() ? "" : ", ") + std::string(actionKindName(a.kind)) +
                     " " + heldKey(a) + " held for approval";
    }
    if (report.destructive_skipped) {
      report.note = "blocked: " + report.guardrail.message +
                    (report.note.empty() ? "" : " (" + report.note + ")");
    }
    if (report.note.empty()) {
      report.note = "nothing to do: " + options.event->external_id + " already as desired";
      if (!plan.notices.empty()) report.note += " (" + plan.notices.front().message + ")";
    }
  }
  finishRun(run, report);
  return report;
}

}  // namespace scim_agent
