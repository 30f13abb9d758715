#include "agent/reconcile/reconciler.h"

// The Reconciler's planning steps: saved and signed plans, the whole-org plan (live read,
// snapshots, HR source shields and manifests, deleted-user look-ups), an event's plan, guardrails
// and termination holds.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <set>
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
#include "agent/config/secret_file.h"
#include "agent/reconcile/cycle_run.h"
#include "agent/reconcile/run_facts.h"
#include "agent/reconcile/saved_inputs.h"
#include "agent/reconcile/plan_signature.h"
#include "agent/reconcile/plan_verdict.h"
#include "agent/reconcile/policy_gate.h"
#include "agent/reconcile/source_checks.h"
#include "agent/scim/platform_directory.h"
#include "agent/scim/scim_directory.h"
#include "agent/scim/user_codec.h"
#include "state/state_store.h"

namespace scim_agent {

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
  Plan saved = plan;
  // What the apply needs to know its inputs unchanged without parsing them (saved_inputs.h),
  // from the desired state this plan was made from.
  if (!desired_from_plan_ && desired_loaded_ && desired_.digest == plan.desired_digest) {
    saved.inputs = planInputs(desired_, plan, held_by_termination_, desiredSettingsDigest());
  }
  Result<Json> doc(planToJson(saved));
  signPlanDocument(*doc, *key);
  return doc;
}

std::string Reconciler::desiredSettingsDigest() const {
  return scim_agent::desiredSettingsDigest(settings_.base_policy, settings_.target_kind,
                                           settings_.sources.has_value());
}

Result<Plan> Reconciler::savedPlan(const CycleOptions& options, CycleReport& report) {
  const std::string& path = options.saved_plan_path;
  auto key = planSigningKey();
  if (!key.ok()) return key.error();
  Status verified = verifyPlanDocument(*options.saved_plan, *key, path);
  if (!verified.ok()) return verified.error();
  auto plan = planFromJson(*options.saved_plan);
  if (!plan.ok()) return Error(ErrorCode::kInvalidInput, path + ": " + plan.error().message);
  if (plan->inputs) {
    // Signed, and every input byte for byte the one the plan was made from: its facts are the
    // desired state's (the digest is a function of the inputs), so nothing is parsed again.
    const std::string change = inputsChange(*plan->inputs, settings_.desired_path,
                                            desiredSettingsDigest());
    if (change.empty()) {
      auto facts = desiredFromInputs(*plan->inputs, plan->desired_digest);
      if (facts.ok()) {
        desired_ = std::move(facts.value());
        desired_loaded_ = false;  // not the whole state: a later cycle loads it
        desired_from_plan_ = true;
        desired_count_ = static_cast<size_t>(plan->inputs->desired_users);
        held_by_termination_.clear();
        logInfo("desired inputs unchanged since the plan was made: not parsed again",
                {{"plan", path}, {"files", desired_.files.size()}});
        return plan;
      }
      logWarn("the saved plan's desired facts cannot be read; loading the desired state",
              {{"plan", path}, {"error", facts.error().message}});
    } else {
      logInfo("desired inputs changed since the plan was made: loading them",
              {{"plan", path}, {"why", change}});
    }
  }
  if (!loadDesired(report, false)) return *report.error;
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
  const LiveReadOptions read = liveReadOptionsFor(desired_.policy);
  // The read cycle() started before the desired state loaded, when it did (live_prefetch.h).
  auto live = prefetch_ != nullptr ? prefetch_->take(read) : readLive(directory_, read);
  if (!live.ok()) {
    Error e = live.error();
    e.message = "reading the live users failed, so no plan was made: " + e.message;
    return e;
  }
  // An HR record naming a group the org does not have is a rejected record (issue 14).
  const std::string service = settings_.target_kind == "genesys" ? "Genesys" : "the SCIM service";
  if (rejectUnknownGroupRecords(desired_, live->groups, service) > 0) {
    if (auto over = rejectLimitError(desired_)) return *over;
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
    if (std::string_view(kind) != "live") continue;
    // Drift: what changed in Genesys since the last live snapshot that this agent did not write.
    auto drifted = recordSnapshotDrift(store_, run.id, *saved, at);
    if (drifted.ok()) {
      run.drifted_users = *drifted;
    } else {
      logWarn("recording the drift since the last run failed",
              {{"error", drifted.error().message}});
    }
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
  for (ScheduledItem& item :
       scheduledTerminations(manifest->records, desired_, live_, held_by_termination_, at)) {
    plan.scheduled.push_back(std::move(item));
  }
  std::sort(plan.scheduled.begin(), plan.scheduled.end(), scheduledLess);
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

namespace {

// policy.restoreDeleted finds the deleted Genesys users holding the userNames of the would-be
// creates either with one POST /api/v2/users/search per create, or by reading every deleted user
// once with the paged GET /api/v2/users?state=deleted (genesys-api.md §3.6, §8.5), whichever takes
// fewer calls. A listing page holds up to 100 users, so the listing wins whenever the org holds
// fewer than 100 deleted users per create; but how many it holds is known only from the first
// page's total, and that page is wasted when the searches win. Up to kListDeletedAboveCreates
// creates the searches are cheap anyway (at most 50 calls, 10 s at 300 requests/min) while that
// page would double the calls of a plan with one create, so they are sent without a look at the
// listing. Above it, the first page costs at most 1 call in 51 (2%) and the choice is made on the
// count it gives: the listing when it takes no more pages than there are creates.
constexpr size_t kListDeletedAboveCreates = 50;

// "10,000"
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<size_t>(i), ",");
  }
  return (n < 0 ? "-" : "") + digits;
}

std::string counted(int64_t n, const char* one, const char* many) {
  return grouped(n) + " " + (n == 1 ? one : many);
}

// The plan's cost.deleted_lookup: which way the deleted users were looked up, and why.
std::string deletedLookupText(size_t creates, const std::optional<DeletedListing>& listing) {
  const auto n = static_cast<int64_t>(creates);
  if (listing && listing->whole) {
    return "1 listing of " + grouped(static_cast<int64_t>(listing->users.size())) + " (" +
           counted(listing->pages_read, "page", "pages") + ") instead of " +
           counted(n, "search", "searches") + ": more than " +
           std::to_string(kListDeletedAboveCreates) + " creates, and the listing takes fewer calls";
  }
  const std::string searches =
      counted(n, "search", "searches") + (n == 1 ? " for the one create" : ", one per create");
  if (!listing) {
    return searches + ": " + std::to_string(kListDeletedAboveCreates) + " creates or fewer";
  }
  const std::string read = counted(listing->pages_read, "page", "pages") + " read";
  if (!listing->too_long) {
    return searches + ": the listing of deleted users could not be read whole (" +
           listing->problem + "; " + read + ")";
  }
  if (listing->pages < 0) {
    return searches + ": the listing of deleted users states no count and did not end within " +
           counted(listing->pages_read, "page", "pages");
  }
  return searches + ": the listing of " +
         (listing->total >= 0 ? grouped(listing->total) + " deleted users" : "deleted users") +
         " would take " + counted(listing->pages, "page", "pages") + " (" + read + ")";
}

}  // namespace

void Reconciler::lookUpDeletedUsers(Plan& plan, const PlanOptions& options) {
  // policy.restoreDeleted: a user the plan would create whose userName belongs to a deleted
  // Genesys user is restored instead (SPEC §8). Up to kListDeletedAboveCreates creates, or when
  // the listing costs more calls or cannot be read whole, each would-be create is looked up,
  // `concurrency` at a time (the client paces them). One user's failed check marks that create,
  // not the whole plan: the applier checks again before its POST. Otherwise every deleted user is
  // read once and matched here. The plan's cost says which and why.
  if (!desired_.policy.restore_deleted || !platform_.available()) return;
  std::vector<std::string> names;
  for (const Action& a : plan.actions) {
    if (a.kind == ActionKind::kCreate) names.push_back(a.user_name);
  }
  if (names.empty()) return;
  std::optional<DeletedListing> listing;
  if (names.size() > kListDeletedAboveCreates) {
    listing = readDeletedListing(platform_, static_cast<int64_t>(names.size()));
    if (!listing->whole && !listing->too_long) {
      // Not whole: the users it missed may be deleted ones, so every create is searched for.
      logWarn("the listing of deleted Genesys users could not be used; searching for each create",
              {{"error", listing->problem}});
    }
  }
  PlanOptions checked = options;
  if (listing && listing->whole) {
    // As findDeletedUser: the login compared case-insensitively; the same login deleted more
    // than once, the latest (then the smallest id, so the listing's order does not matter).
    std::map<std::string, const DeletedUser*> best;
    for (const std::string& name : names) best.emplace(lowerAscii(name), nullptr);
    for (const DeletedUser& u : listing->users) {
      auto it = best.find(lowerAscii(u.email));
      if (it == best.end()) continue;
      const DeletedUser* b = it->second;
      if (!b || u.version > b->version || (u.version == b->version && u.id < b->id)) {
        it->second = &u;
      }
    }
    for (const auto& entry : best) {
      if (const DeletedUser* u = entry.second) {
        live_.deleted.push_back(DeletedLiveUser{u->id, u->email, u->version});
      }
    }
  } else {
    std::vector<std::optional<Result<std::optional<DeletedUser>>>> found(names.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < names.size(); i = next++) {
        found[i] = platform_.findDeletedUser(names[i]);
      }
    };
    std::vector<std::thread> workers;
    const size_t threads =
        std::min(names.size(), static_cast<size_t>(std::max(1, settings_.concurrency)));
    for (size_t t = 1; t < threads; ++t) workers.emplace_back(work);
    work();
    for (std::thread& w : workers) w.join();
    for (size_t i = 0; i < names.size(); ++i) {
      const auto& result = *found[i];
      if (!result.ok()) {
        checked.unchecked_creates[lowerAscii(names[i])] = result.error().message;
      } else if (result->has_value()) {
        const DeletedUser& u = **result;
        live_.deleted.push_back(DeletedLiveUser{u.id, u.email, u.version});
      }
    }
  }
  if (!live_.deleted.empty() || !checked.unchecked_creates.empty()) {
    plan = makePlan(desired_, live_, checked);
  }
  plan.cost.deleted_lookup = deletedLookupText(names.size(), listing);
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
  if (manifest_verdict_.blocked) {
    GuardrailVerdict verdict = manifest_verdict_;
    verdict.rule = "maxDestructive";
    verdict.proceed =
        "check the termination manifests, then run with --allow-destructive, or raise "
        "policy.maxDestructive";
    return verdict;
  }
  GuardrailVerdict verdict =
      checkDestructive(plan, static_cast<size_t>(plan.managed_live_users), desired_.policy);
  if (!verdict.blocked && plan.destructiveCount() > 0) verdict = sourceShrinkVerdict();
  if (!verdict.blocked && plan.destructiveCount() > 0) {
    verdict = scim_agent::sourceShrinkVerdict(store_, desired_);
  }
  if (verdict.blocked && verdict.rule.empty()) {  // the shrink checks
    char percent[32];
    std::snprintf(percent, sizeof percent, "%g", desired_.policy.max_source_shrink_percent);
    const std::string limit =
        std::string("at most ") + percent + "% fewer desired users than the last good read";
    verdict.rule = "maxSourceShrink";
    verdict.limit = limit;
    verdict.proceed =
        "check the desired state's sources (a truncated file?), then apply with "
        "--allow-destructive, or raise policy.maxSourceShrink";
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
    const double count = static_cast<double>(desiredUserCount());
    const double limit = desired_.policy.max_source_shrink_percent;
    if (before > 0 && (before - count) / before * 100.0 > limit) {
      char shrink[32];
      std::snprintf(shrink, sizeof shrink, "%.1f", (before - count) / before * 100.0);
      return {true, "the desired state shrank from " + std::to_string(static_cast<long long>(before)) +
                        " to " + std::to_string(desiredUserCount()) + " users (" + shrink +
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
  terminations_in_effect_.clear();
  for (const TerminationRecord& t : *terminations) {
    if (!terminationInEffect(t, at)) continue;  // a manifest's leaver of a later date
    terminations_in_effect_[t.external_id] = t;
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

}  // namespace scim_agent
