#include "agent/reconcile/reconciler.h"

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
#include "agent/reconcile/plan_signature.h"
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
  held_by_termination_.clear();
  return true;
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
  record["desiredUsers"] = static_cast<int64_t>(desired_.users.size());  // source-shrink baseline
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
  if (!loadDesired(report, options.event.has_value())) return report;
  std::optional<Plan> saved;
  if (options.saved_plan) {
    auto plan = savedPlan(options);
    if (!plan.ok()) {
      report.error = plan.error();
      return report;
    }
    saved = std::move(plan.value());
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
    if (!planned.ok()) {
      fail(run, report, planned.error());
      return report;
    }
    report.plan = std::move(planned.value());
    report.guardrail = guardrail(report.plan);
  }
  const Plan& plan = report.plan;
  for (const Action& a : plan.actions) {
    if (a.kind == ActionKind::kDelete) run.planned_delete_ids.insert(a.user_id);
  }
  if (!options.saved_plan) run.grace_starts = plan.grace_starts;
  if (options.on_plan) options.on_plan(report);

  if (options.plan_only || options.dry_run) {
    report.outcome = options.dry_run             ? RunOutcome::kDryRun
                     : report.guardrail.blocked ? RunOutcome::kBlocked
                     : plan.hasChanges()        ? RunOutcome::kChanges
                                                : RunOutcome::kOk;
    report.summary = planSummary(plan);
    if (options.summarize) options.summarize(report, report.summary);
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

// ---- Planning -------------------------------------------------------------------------------

Result<std::string> Reconciler::planSigningKey() {
  if (!settings_.plan_signing_key_file.empty()) {
    return readSecretFile(settings_.plan_signing_key_file, "planSigningKeyFile");
  }
  return store_.planSigningKey(now());
}

Result<Json> Reconciler::signedPlanDocument(const Plan& plan) {
  auto key = planSigningKey();
  if (!key.ok()) return key.error();
  Json doc = planToJson(plan);
  signPlanDocument(doc, *key);
  return doc;
}

Result<Plan> Reconciler::savedPlan(const CycleOptions& options) {
  const std::string& path = options.saved_plan_path;
  auto key = planSigningKey();
  if (!key.ok()) return key.error();
  Status verified = verifyPlanDocument(*options.saved_plan, *key, path);
  if (!verified.ok()) return verified.error();
  auto plan = planFromJson(*options.saved_plan);
  if (!plan.ok()) return Error(ErrorCode::kInvalidInput, path + ": " + plan.error().message);
  if (plan->desired_digest != desired_.digest) {
    return Error(ErrorCode::kInvalidInput,
                 path + " was made from other desired inputs (digest " +
                     plan->desired_digest.substr(0, 12) + ", now " + desired_.digest.substr(0, 12) +
                     "); run plan again");
  }
  return plan;
}

PlanOptions Reconciler::planOptions() const {
  PlanOptions options;
  options.target_kind = settings_.target_kind;
  options.requests_per_minute = settings_.requests_per_minute;
  options.now = now();
  shieldFromSources(desired_, options);
  auto suspensions = store_.suspensions();
  if (suspensions.ok()) {
    for (const auto& s : *suspensions) options.suspended_at[s.external_id] = s.suspended_at;
  } else {
    // Without the records no grace period is over: nothing is deleted early, only late.
    logWarn("reading the recorded suspensions failed; no grace period ends in this plan",
            {{"error", suspensions.error().message}});
  }
  return options;
}

Result<Plan> Reconciler::planWholeOrg(Run& run) {
  LiveReadOptions read;
  read.roles = desired_.policy.manages(Attribute::kRoles);
  read.routing_skills = desired_.policy.manages(Attribute::kRoutingSkills);
  read.routing_languages = desired_.policy.manages(Attribute::kRoutingLanguages);
  auto live = readLive(directory_, read);
  if (!live.ok()) {
    Error e = live.error();
    e.message = "reading the live users failed, so no plan was made: " + e.message;
    return e;
  }
  SnapshotItems live_items;
  live_items.reserve(live->users.size());
  for (const auto& u : live->users) live_items.emplace_back(u.id, liveUserToCanonicalJson(u).dump());
  SnapshotItems desired_items;
  desired_items.reserve(desired_.users.size());
  for (const auto& u : desired_.users) {
    desired_items.emplace_back(u.external_id, desiredUserJson(u).dump());
  }
  const std::string at = now();
  for (const auto& [kind, items] : {std::pair{"live", &live_items}, std::pair{"desired", &desired_items}}) {
    auto saved = store_.saveSnapshot(run.id, kind, *items, at);
    if (!saved.ok()) return saved.error();
  }
  // Termination manifests become holds (stored by an applying run; a plan shows them).
  auto manifest = takeManifestTerminations(store_, desired_, run.applies, run.allow_destructive, at);
  if (!manifest.ok()) return manifest.error();
  manifest_verdict_ = manifest->verdict;
  Status terminated = applyTerminations(std::nullopt, manifest->records);
  if (!terminated.ok()) return terminated.error();
  live_ = std::move(live.value());
  live_whole_ = true;
  const PlanOptions options = planOptions();
  Plan plan = makePlan(desired_, live_, options);
  lookUpDeletedUsers(plan, options);
  for (Notice& n : terminationNotices(manifest->records, desired_, live_, at)) {
    plan.notices.push_back(std::move(n));
  }
  if (manifest->verdict.blocked) {
    plan.notices.push_back(Notice{NoticeKind::kWarning, "", "", "blocked: " + manifest->verdict.message, {}});
  }
  for (const std::string& w : manifest->warnings) {
    plan.notices.push_back(Notice{NoticeKind::kWarning, "", "", w, {}});
  }
  // The verdicts on the HR sources belong in the plan a reviewer reads (SPEC §16).
  for (const SourceOutcome& s : desired_.sources) {
    if (!s.whole && s.role == "users") {  // a manifest's is among manifest->warnings
      plan.notices.push_back(Notice{NoticeKind::kWarning, "", "",
                                    "source " + s.name + " could not be read whole: " + s.problem,
                                    s.declared});
    }
    for (const SourceReject& r : s.rejects) {
      plan.notices.push_back(Notice{NoticeKind::kWarning, r.external_id, "",
                                    "HR record rejected: " + r.message, r.where});
    }
  }

  std::set<std::string> deletes;
  for (const Action& a : plan.actions) {
    if (a.kind == ActionKind::kDelete) deletes.insert(a.user_id);
  }
  Status forgotten = forgetReturnedUsers(deletes);
  if (!forgotten.ok()) return forgotten.error();
  auto saved = store_.savePlan(run.id, desired_.digest, planToJson(plan).dump(), at);
  if (!saved.ok()) return saved.error();
  return plan;
}

void Reconciler::lookUpDeletedUsers(Plan& plan, const PlanOptions& options) {
  // policy.restoreDeleted: a user the plan would create whose userName belongs to a deleted
  // Genesys user is restored instead (SPEC §8). Deleted users are not listable, so each would-be
  // create is looked up, `concurrency` at a time (the client paces them). One user's failed
  // check marks that create, not the whole plan: the applier checks again before its POST.
  if (!desired_.policy.restore_deleted || !platform_.available()) return;
  std::vector<std::string> names;
  for (const Action& a : plan.actions) {
    if (a.kind == ActionKind::kCreate) names.push_back(a.user_name);
  }
  std::vector<std::optional<Result<std::optional<DeletedUser>>>> found(names.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < names.size(); i = next++) found[i] = platform_.findDeletedUser(names[i]);
  };
  std::vector<std::thread> workers;
  const size_t threads =
      std::min(names.size(), static_cast<size_t>(std::max(1, settings_.concurrency)));
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& w : workers) w.join();
  PlanOptions checked = options;
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& result = *found[i];
    if (!result.ok()) {
      checked.unchecked_creates[lowerAscii(names[i])] = result.error().message;
    } else if (result->has_value()) {
      live_.deleted.push_back(DeletedLiveUser{(*result)->id, (*result)->email, (*result)->version});
    }
  }
  if (!live_.deleted.empty() || !checked.unchecked_creates.empty()) {
    plan = makePlan(desired_, live_, checked);
  }
}

Result<std::optional<Plan>> Reconciler::planEvent(Run& run, const EventScope& event,
                                                  CycleReport& report) {
  Status terminated = applyTerminations(event);
  if (!terminated.ok()) return terminated.error();
  const DesiredUser* entry = nullptr;
  for (const DesiredUser& d : desired_.users) {
    if (d.external_id == event.external_id) entry = &d;
  }
  auto found = directory_.findUserByExternalId(event.external_id);
  if (!found.ok()) return found.error();
  auto groups = directory_.listGroups();
  if (!groups.ok()) return groups.error();

  DesiredState one;
  one.policy = desired_.policy;
  one.groups_by_department = desired_.groups_by_department;
  one.digest = desired_.digest;
  LiveState live;
  live.groups = std::move(groups.value());
  if (entry) {
    one.users.push_back(*entry);
    if (entry->manager && !entry->manager->empty()) {
      for (const DesiredUser& m : desired_.users) {
        if (m.external_id == *entry->manager) one.users.push_back(m);
      }
      auto manager = directory_.findUserByExternalId(*entry->manager);
      if (!manager.ok()) return manager.error();
      if (manager->has_value()) live.users.push_back(**manager);
    }
  } else {
    if (!found->has_value()) {
      report.note = "termination of " + event.external_id +
                    ": no such user in Genesys and no desired entry; recorded, nothing to suspend";
      return std::optional<Plan>();
    }
    DesiredUser d;
    d.external_id = event.external_id;
    d.user_name = (*found)->user_name;
    one.users.push_back(d);
  }
  if (event.terminate) one.users.front().status = UserStatus::kTerminated;
  if (found->has_value()) live.users.push_back(**found);
  live_ = live;
  live_whole_ = false;
  Plan plan = makePlan(one, live, planOptions());
  auto saved = store_.savePlan(run.id, desired_.digest, planToJson(plan).dump(), now());
  if (!saved.ok()) return saved.error();
  return std::optional<Plan>(std::move(plan));
}

GuardrailVerdict Reconciler::guardrail(const Plan& plan) const {
  if (manifest_verdict_.blocked) return manifest_verdict_;
  GuardrailVerdict verdict =
      checkDestructive(plan, static_cast<size_t>(plan.managed_live_users), desired_.policy);
  if (!verdict.blocked && plan.destructiveCount() > 0) verdict = sourceShrinkVerdict();
  if (!verdict.blocked && plan.destructiveCount() > 0) {
    verdict = scim_agent::sourceShrinkVerdict(store_, desired_);
  }
  return verdict;
}

GuardrailVerdict Reconciler::sourceShrinkVerdict() const {
  // Source integrity (SPEC §7): compare with the desired user count of the last good run (its
  // run record carries it). A blocked run is not a baseline, so a truncated source stays blocked
  // run after run until it is fixed or an operator applies with --allow-destructive.
  auto runs = store_.listRuns(200);
  if (!runs.ok()) {
    return {true, "the run history cannot be read, so the source-shrink check cannot be made (" +
                      runs.error().message + "); nothing destructive is applied"};
  }
  for (const auto& r : *runs) {
    if (r.outcome != runOutcomeName(RunOutcome::kOk) &&
        r.outcome != runOutcomeName(RunOutcome::kChanges)) {
      continue;
    }
    auto summary = parseJson(r.summary_json);
    if (!summary.ok() || !summary->get("desiredUsers").isNumber()) continue;
    const double before = summary->get("desiredUsers").asNumber();
    const double count = static_cast<double>(desired_.users.size());
    const double limit = desired_.policy.max_source_shrink_percent;
    if (before > 0 && (before - count) / before * 100.0 > limit) {
      char shrink[32];
      std::snprintf(shrink, sizeof shrink, "%.1f", (before - count) / before * 100.0);
      return {true, "the desired state shrank from " + std::to_string(static_cast<long long>(before)) +
                        " to " + std::to_string(desired_.users.size()) + " users (" + shrink +
                        "%, more than policy.maxSourceShrink " +
                        std::to_string(static_cast<int>(limit)) + "%) since run " +
                        std::to_string(r.id) +
                        "; nothing destructive is applied unless --allow-destructive is given"};
    }
    return {};
  }
  return {};
}

Status Reconciler::applyTerminations(const std::optional<EventScope>& event,
                                     const std::optional<std::vector<TerminationRecord>>& held) {
  // Every recorded termination (serve) holds over the desired state: such a user is planned as
  // terminated, until the desired state itself marks it not active (the record is then dropped).
  // desired_ is kept between event cycles, so the users this sets terminated are remembered:
  // their own entry still says active.
  auto terminations = held ? Result<std::vector<TerminationRecord>>(*held) : store_.terminations();
  if (!terminations.ok()) return terminations.error();
  const std::string at = now();
  for (const TerminationRecord& t : *terminations) {
    if (!terminationInEffect(t, at)) continue;  // a manifest's leaver of a later date
    for (DesiredUser& d : desired_.users) {
      if (d.external_id != t.external_id) continue;
      if (d.status == UserStatus::kActive || held_by_termination_.count(d.external_id)) {
        d.status = UserStatus::kTerminated;  // the HR event wins (SPEC §12)
        held_by_termination_.insert(d.external_id);
      } else if (!event || event->external_id != t.external_id) {
        auto cleared = store_.clearTermination(t.external_id);  // the source caught up
        if (!cleared.ok()) return cleared.error();
      }
    }
  }
  return Status::success();
}

Status Reconciler::forgetReturnedUsers(const std::set<std::string>& planned_deletes) {
  // A suspension record starts deleteAfter's clock, and delete clean-up records are resumed: both
  // only hold while the user stays a leaver. A user active again (whoever reactivated it), or
  // back in the desired state as not terminated, starts from nothing next time.
  std::set<std::string> not_leaving;
  for (const DesiredUser& d : desired_.users) {
    if (d.status != UserStatus::kTerminated) not_leaving.insert(d.external_id);
  }
  auto suspensions = store_.suspensions();
  if (!suspensions.ok()) return suspensions.error();
  for (const auto& s : *suspensions) {
    const bool active = std::any_of(live_.users.begin(), live_.users.end(), [&](const LiveUser& u) {
      return u.external_id == s.external_id && u.active;
    });
    // (A user on leave keeps its record until its tokens are revoked: the retry needs it.)
    if (active || (not_leaving.count(s.external_id) && s.tokens_revoked)) {
      Status cleared = store_.clearSuspension(s.external_id);
      if (!cleared.ok()) return cleared;
    }
  }
  auto cleanups = store_.cleanupUserIds();
  if (!cleanups.ok()) return cleanups.error();
  for (const std::string& id : *cleanups) {
    if (planned_deletes.count(id)) continue;
    // Listed live and no longer to be deleted: an unfinished delete of it is abandoned.
    if (std::any_of(live_.users.begin(), live_.users.end(), [&](const LiveUser& u) { return u.id == id; })) {
      Status cleared = store_.clearCleanupSteps(id);
      if (!cleared.ok()) return cleared;
    }
  }
  return Status::success();
}

std::optional<Action> Reconciler::replanUser(const Action& refused, const LiveUser& fresh) const {
  // Plan this one user again against what Genesys has now: its desired entry (and its manager's,
  // so the manager resolves), the fresh live user (and the manager's live user).
  DesiredState one;
  one.policy = desired_.policy;
  one.groups_by_department = desired_.groups_by_department;
  one.digest = desired_.digest;
  LiveState live;
  live.groups = live_.groups;
  live.users.push_back(fresh);
  for (const auto& d : desired_.users) {
    if (d.external_id != refused.external_id) continue;
    one.users.push_back(d);
    if (d.manager && !d.manager->empty()) {
      for (const auto& m : desired_.users) {
        if (m.external_id == *d.manager) one.users.push_back(m);
      }
      for (const auto& m : live_.users) {
        if (m.external_id == *d.manager && m.id != fresh.id) live.users.push_back(m);
      }
    }
    break;
  }
  const Plan plan = makePlan(one, live, planOptions());
  for (const auto& a : plan.actions) {
    if (a.user_id == fresh.id && a.kind != ActionKind::kGroupMembers && a.kind != ActionKind::kCreate) {
      return a;
    }
  }
  return std::nullopt;
}

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
                    a.user_id, ""};
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
  const PolicyGate gate(desired_);
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
        if (auto refused = gate.refusal(suspend)) {
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
