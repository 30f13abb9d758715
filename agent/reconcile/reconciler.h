#pragma once

// The reconcile cycle (SPEC §8, §12), written once for every entry point:
//
//   load desired → read live → snapshot → plan → guardrails → holds → apply → housekeeping → record
//
// `plan`, `adopt`, `apply` (fresh or a saved plan), `run`, serve's periodic cycle and each HR
// event, and `approve` all go through a Reconciler; what differs between them is said by
// CycleOptions (or is approve's own entry, approve()). The Reconciler receives every edge by
// constructor (the SCIM directory, the Platform API, the state store, the clock, the notifier)
// and builds no network or database object itself: cli/wiring.cpp builds the real ones, tests
// pass fakes.
//
// Policy: agent.yaml's policy is the base; each load of the desired state yields the cycle's
// effective policy (the spec's `policy:` overrides the base key by key, SPEC §7), so a
// long-running serve never keeps a stale one.
//
// Not thread-safe: one cycle at a time (serve calls it from its worker thread only).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/apply/applier.h"
#include "agent/base/clock.h"
#include "agent/base/diagnostics.h"
#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/model/plan.h"
#include "agent/model/policy.h"
#include "agent/model/run.h"
#include "agent/model/user.h"
#include "agent/notify/webhook_notifier.h"
#include "agent/plan/guardrail.h"
#include "agent/plan/planner.h"
#include "agent/reconcile/holds.h"
#include "agent/sources/source_reader.h"
#include "state/state_store.h"
#include "agent/config/yaml_reader.h"

namespace scim_agent {

class LivePrefetch;
class PlatformDirectory;
class ScimDirectory;
class StateStore;

// Delivers the notification outbox (SPEC §10: at least once, retried across runs).
// Implemented over WebhookNotifier by the CLI; tests may count calls.
class Notifier {
 public:
  virtual ~Notifier() = default;
  // One delivery pass over what is due. An error: nothing could be attempted (say, the webhook
  // secret cannot be read); the messages wait in the outbox for the next run.
  virtual Result<NotifySummary> deliverDue() = 0;
};

// What the Reconciler needs from agent.yaml besides the edges.
struct ReconcilerSettings {
  std::string desired_path;             // `desired:` or --desired
  std::string target_kind = "genesys";  // genesys | scim
  Policy base_policy;                   // agent.yaml's policy:
  double requests_per_minute = 300;     // the plan's cost estimate
  int concurrency = 1;                  // actions in flight (target.rateLimit.concurrency)
  bool notify = false;                  // notify.webhook is configured: enqueue notifications
  std::string notify_target;            // where they go, for messages ("" when not configured)
  std::chrono::milliseconds lock_timeout{10'000};  // waiting for another run's writer lock
  std::string plan_signing_key_file;  // planSigningKeyFile; "" = the key in the state DB
  // agent.yaml's `sources:` and its folder (SPEC §6; a spec file may hold them instead), and
  // what reading them needs from the environment (AWS credentials and region).
  std::optional<YamlEntry> sources;
  std::string sources_dir;
  SourceReadOptions source_options;
};

// Loads the desired state `settings` name, merged with the base policy, HR sources read and
// merged. Problems go to `diags`. `cache`: sources unchanged since an earlier read in this
// process are not parsed again; `explain`: --explain's person (its records go to `explained`).
DesiredState loadDesiredState(const ReconcilerSettings& settings, Diagnostics& diags,
                              SourceCache* cache = nullptr, const std::string& explain = "",
                              std::vector<SourceExplanation>* explained = nullptr);

// One user, for an HR event (SPEC §12).
struct EventScope {
  std::string external_id;
  bool terminate = false;  // a termination: recorded as a hold over the desired state first
  int64_t event_id = 0;    // the journaled event (for the termination record)
  std::string occurred_at;
};

struct CycleOptions {
  RunKind kind = RunKind::kApply;  // what the run record says
  // Stop after the plan and its guardrails: record the run ("ok", "changes" or "blocked") and
  // write nothing remote (plan, adopt --report).
  bool plan_only = false;
  bool dry_run = false;            // plan, record "dry-run", write nothing remote
  bool hold_destructive = false;   // apply --hold-destructive: every suspend and delete held
  bool allow_destructive = false;  // --allow-destructive: past the guardrails, and held ones too
  // A saved plan document (apply plan.json): applied exactly; refused when its signature does
  // not verify (plan_signature.h) or it was made from other desired inputs; a user changed since
  // is reported stale, never re-planned.
  std::optional<Json> saved_plan;
  std::string saved_plan_path;  // for messages
  // One user (an HR event) instead of the whole org. Uses the desired state of the last full
  // cycle (loaded now when there was none), so an event costs no reload.
  std::optional<EventScope> event;
  // Called once the plan and its guardrail verdict are known (before dry-run or holds).
  std::function<void(const struct CycleReport&)> on_plan;
  // Called before any remote write when there is something to apply, with the holds decided.
  // false cancels: nothing is written or stored, the run is recorded "cancelled".
  std::function<bool(const struct CycleReport&)> before_apply;
  // Called after each action with its result, from one thread at a time.
  std::function<void(const Action&, const ActionResult&)> on_result;
  // Adds command-specific fields to a plan-only run's record (adopt's classes).
  std::function<void(const struct CycleReport&, Json& summary)> summarize;
};

// What one cycle did.
struct CycleReport {
  int64_t run_id = 0;  // 0 when no run was recorded (the desired state did not load, busy)
  RunOutcome outcome = RunOutcome::kFailed;
  std::optional<Error> error;  // why the cycle stopped before or instead of applying
  Diagnostics diagnostics;     // the desired state's problems (the load failed)
  // What each HR source gave (counts, rejects, whether read whole). `rejects_over_limit`: a
  // source rejected more records than policy.maxRejectedRecords, so nothing was planned or
  // applied (`error` says which).
  std::vector<SourceOutcome> sources;
  bool rejects_over_limit = false;
  Plan plan;                   // the whole plan, fresh or saved
  GuardrailVerdict guardrail;  // on `plan`; after holds, on what is applied now
  HoldSplit holds;             // what was held for approve and what is applied now
  bool destructive_skipped = false;  // a guardrail blocked: no suspend or delete was applied
  bool applied = false;              // the apply step ran
  ApplyReport report;                // for holds.now
  Json summary = Json::object();     // the run record's summary
  std::vector<std::string> warnings;  // what housekeeping could not do, for the command to show
  // Users whose group memberships were left unchanged because they name a group that does not
  // exist (a warning each says which): counted as failed, so run and apply exit 1.
  int skipped_group_users = 0;
  // Events: "ignored" (no desired entry), what was done, and whether a passing failure
  // (Genesys unreachable, busy) should be retried.
  bool ignored = false;
  bool retry = false;
  std::string note;

  // The first HR source that could not be read whole, as "source X could not be read whole:
  // why"; "" when every source was. Such a run applied nothing destructive for the users it
  // governs; apply and run exit 1 after the rest of their work.
  std::string incompleteSource() const {
    for (const SourceOutcome& s : sources) {
      if (!s.whole) return "source " + s.name + " could not be read whole: " + s.problem;
    }
    return "";
  }

  int failedCount() const {
    return report.count(ActionOutcome::kFailed) + report.count(ActionOutcome::kStale) +
           skipped_group_users;
  }
};

// `approve`: the pending held actions to apply.
struct ApproveRequest {
  std::vector<HeldAction> selected;  // rows of StateStore::pendingHeldActions()
  std::string actor;                 // the audit actor (operatorActor)
};

// What became of one approved row.
struct Approval {
  HeldAction row;
  Plan doc;             // the held document: its suspend or delete, and its group removals
  size_t main = 0;      // index in doc.actions of the suspend or delete
  HeldState outcome = HeldState::kPending;  // applied | stale | failed once decided
  std::string message;

  const Action& action() const { return doc.actions[main]; }
};

struct ApproveReport {
  int64_t run_id = 0;
  std::optional<Error> error;  // the run could not start
  std::vector<Approval> approvals;
  bool store_failed = false;  // a row could not be resolved or audited
  Json summary = Json::object();
  std::vector<std::string> warnings;
  int count(HeldState s) const;
  bool allApplied() const;
};

class Reconciler {
 public:
  // Every reference must outlive the Reconciler. `notifier` may be null (no notify.webhook).
  Reconciler(ScimDirectory& directory, PlatformDirectory& platform, StateStore& store,
             const Clock& clock, Notifier* notifier, ReconcilerSettings settings);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Takes the state DB's writer lock (SPEC §10) unless held: kBusy when another process holds it
  // past settings.lock_timeout. Every cycle takes it; approve's caller takes it first to read
  // what is pending.
  Status lock();

  // One cycle as `options` say. Never throws for what the world does; every failure is in the
  // report (error, diagnostics, action results) and, once a run was recorded, in its record.
  CycleReport cycle(const CycleOptions& options);

  // Applies the selected held actions (SPEC §8 split-risk apply): each user is read again by id
  // and its action applied only when it still makes sense (the same person, unchanged since it
  // was held, not protected, not back in the desired state as active, still active for a
  // suspend); then the group removals of the users whose action took effect, one PATCH per
  // group; each row resolved and audited by `request.actor`. No guardrail: approving is the
  // explicit human decision. Recorded as an apply run with its housekeeping.
  ApproveReport approve(const ApproveRequest& request);

  // `plan` as a signed plan document (plan_signature.h): what `plan --out` saves.
  Result<Json> signedPlanDocument(const Plan& plan);

  // The desired state and live users of the last cycle (adopt's report reads them).
  const DesiredState& desired() const { return desired_; }
  const LiveState& live() const { return live_; }

 private:
  struct Run;

  bool loadDesired(CycleReport& report, bool reuse);
  Result<int64_t> beginRun(RunKind kind);
  void finishRun(Run& run, CycleReport& report);
  void fail(Run& run, CycleReport& report, const Error& e);

  Result<Plan> planWholeOrg(Run& run);
  Result<std::optional<Plan>> planEvent(Run& run, const EventScope& event, CycleReport& report);
  // The saved plan of `options`, verified and decoded, and the desired state it is applied with:
  // from the plan's facts when its inputs are unchanged (saved_inputs.h), else loaded and its
  // digest compared. The error names the file and the problem (or is the load's, in `report`).
  Result<Plan> savedPlan(const CycleOptions& options, CycleReport& report);
  // sha256 of what agent.yaml adds to the desired files (saved_inputs.h).
  std::string desiredSettingsDigest() const;
  // How many users the desired state holds (the source-shrink baseline): desired_'s, or the
  // saved plan's count when desired_ holds only the users its actions name.
  size_t desiredUserCount() const;
  // The whole desired state for housekeeping's gate: desired_, or when that came from a saved
  // plan's facts, the desired state loaded now (nullptr, with a warning, when it does not load or
  // is not the one the plan was made from).
  const DesiredState* wholeDesired(std::vector<std::string>& warnings);
  Result<std::string> planSigningKey();
  GuardrailVerdict guardrail(const Plan& plan) const;
  GuardrailVerdict sourceShrinkVerdict() const;
  PlanOptions planOptions() const;
  // Sets the desired users a termination holds over terminated. `held`: the holds of this run
  // (a plan's manifest terminations not stored yet); nullopt reads them from the state DB.
  Status applyTerminations(const std::optional<EventScope>& event,
                           const std::optional<std::vector<TerminationRecord>>& held = std::nullopt);
  Status forgetReturnedUsers(const std::set<std::string>& planned_deletes);
  std::optional<Action> replanUser(const Action& refused, const LiveUser& fresh) const;
  void lookUpDeletedUsers(Plan& plan, const PlanOptions& options);

  // Applies `plan` through the policy gate (policy_gate.h): what it refuses is a failed result
  // and never sent; group members it refuses are dropped and named in `warnings`.
  ApplyReport applyPlan(Run& run, const Plan& plan, bool replan_conflicts, bool skip_destructive,
                        const std::function<void(const Action&, const ActionResult&)>& on_result,
                        std::vector<std::string>& warnings);
  void housekeeping(Run& run, RunOutcome outcome, Json& record, std::vector<std::string>& warnings);
  Json deliverNotifications(std::vector<std::string>& warnings);
  std::string now() const;

  ScimDirectory& directory_;
  PlatformDirectory& platform_;
  StateStore& store_;
  const Clock& clock_;
  Notifier* notifier_;
  ReconcilerSettings settings_;

  DesiredState desired_;
  bool desired_loaded_ = false;
  // desired_ was built from a saved plan's facts (its inputs unchanged): the policy, the digest
  // and the entries of the users the plan names; desired_count_ is the whole state's user count.
  bool desired_from_plan_ = false;
  size_t desired_count_ = 0;
  std::optional<DesiredState> whole_desired_;  // wholeDesired()'s, once loaded
  bool whole_desired_failed_ = false;
  std::set<std::string> held_by_termination_;  // desired users a termination record overrides
  // The termination records in effect this cycle (applyTerminations), by externalId: when each
  // termination became known, for the compliance report.
  std::map<std::string, TerminationRecord> terminations_in_effect_;
  LiveState live_;
  bool live_whole_ = false;  // live_ is the whole org (not one event's user)
  // This whole-org cycle's live read, started before the desired state loaded (cycle()); null
  // outside cycle() or when none was started. planWholeOrg takes it.
  LivePrefetch* prefetch_ = nullptr;
  GuardrailVerdict manifest_verdict_;  // this cycle's termination manifests (source_checks.h)
};

}  // namespace scim_agent
