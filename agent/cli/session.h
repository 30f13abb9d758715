#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/apply/applier.h"
#include "agent/base/diagnostics.h"
#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/config/config.h"
#include "agent/model/plan.h"
#include "agent/model/policy.h"
#include "agent/model/user.h"
#include "agent/plan/planner.h"

namespace scim_agent {

class StateStore;
class ScimDirectory;

// A plan made in a run, with the guardrail's verdict on it.
struct PlannedRun {
  int64_t run_id = 0;
  Plan plan;
  GuardrailVerdict guardrail;
};

// The composition root of one CLI invocation: builds the concrete edges (state store, HTTP
// transport, token source, Genesys directory) from the config and runs the steps of a command.
// Commands in cli.cpp only sequence these steps and print.
class Session {
 public:
  ~Session();

  // Loads agent.yaml and the desired state (`desired_override` replaces `desired:` when not
  // empty). Every problem goes to `diags`; returns null when there was any.
  static std::unique_ptr<Session> load(const std::string& config_path,
                                       const std::string& desired_override, Diagnostics& diags);
  static std::optional<Config> loadConfigOnly(const std::string& config_path, Diagnostics& diags);
  // Reads and decodes a saved plan document.
  static Result<Plan> readPlanFile(const std::string& path);
  // The last `limit` runs of the state DB named by `config`, newest first, as JSON.
  static Result<Json> history(const Config& config, int limit);

  const Config& config() const { return config_; }
  const DesiredState& desired() const { return desired_; }
  const std::string& desiredPath() const { return desired_path_; }
  // The live users and groups the last successful plan() read; empty before.
  const LiveState& live() const { return live_; }

  // Opens the state DB, takes the writer lock (SPEC §10) and records a new run.
  Result<int64_t> beginRun(const std::string& kind, const std::string& at);
  // beginRun, then read the live users completely, snapshot live and desired, plan, save the
  // plan, and check the guardrails.
  Result<PlannedRun> plan(const std::string& kind, const std::string& at);
  // policy.maxDestructive, then (for a plan with destructive actions) source integrity:
  // policy.maxSourceShrink against the last good run's desired user count.
  GuardrailVerdict guardrail(const Plan& plan);
  // Applies `plan`, journaling every remote write in the state DB under `run_id`, with
  // target.rateLimit.concurrency actions in flight. `replan_conflicts`: a user changed since the
  // plan is re-read and re-planned once (a plan made in this run); otherwise reported stale (a
  // saved, reviewed plan). Intents left open by a killed earlier run are checked before their
  // creates are sent again, then closed as superseded by this run.
  ApplyReport apply(int64_t run_id, const Plan& plan, ApplyOptions options, bool replan_conflicts);
  void finishRun(int64_t run_id, const std::string& outcome, const Json& summary,
                 const std::string& at);
  // What finishRun's housekeeping could not do (failed token revocations, notifications waiting
  // for the webhook receiver, …), for the command to print.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Called with the status of every HTTP response this session receives from Genesys (0 when
  // none came: refused, reset, timed out), from the sending thread, possibly several at once.
  // Set it before the first request (metrics: run_command.cpp).
  void setHttpObserver(std::function<void(int http_status)> observer) {
    http_observer_ = std::move(observer);
  }

  // ---- Split-risk apply (approve_command.cpp) ----

  // Opens the state DB and takes the writer lock without recording a run (beginRun takes it
  // too); approve reads what is pending under the lock before deciding whether to record a run.
  Status lockState();
  // The state DB. REQUIRES: lockState(), beginRun() or plan() succeeded.
  StateStore& store() { return *store_; }
  // The user as Genesys has it now (GET by id); kNotFound when it is gone.
  Result<LiveUser> readUser(const std::string& id);

  // ---- HR events (serve; SPEC §12) ----

  // Loads the desired state again (serve's periodic cycle: its files may have changed since).
  // Problems go to `diags`; the previous desired state is kept when there are any.
  bool reloadDesired(Diagnostics& diags);
  // What reconcileUser did with one event.
  struct UserReconcile {
    int64_t run_id = 0;     // the apply run it recorded; 0 when none
    std::string state;      // processed | failed | ignored (StateStore::settleEvent)
    std::string note;       // what was done, or why nothing
    bool retry = false;     // failed for a passing reason (Genesys unreachable): try again later
  };
  // Reconciles the one user `external_id` now, as its own apply run: reads it from Genesys by an
  // externalId filter (and its manager), plans it with the same planner and policy against its
  // desired entry (`terminate`: as if that entry said status terminated; a termination without a
  // desired entry plans the live user alone), checks policy.maxDestructive against the desired
  // user count, applies through the Applier and Lifecycle (tokens revoked, groups removed),
  // and finishes the run as an apply run does (journal, audit, notifications). A hire or update
  // with no desired entry does nothing ("ignored"): the desired state is the source. Protected
  // users are never touched (the planner's rule). REQUIRES: lockState() succeeded.
  UserReconcile reconcileUser(const std::string& external_id, bool terminate,
                              const std::string& at);

 private:
  // Every recorded termination (serve) holds over the desired state: such a user is planned as
  // terminated, until the desired state itself marks it not active (the record is then dropped).
  Status applyTerminations();
  // The user whose externalId is `external_id` (GET /Users?filter=externalId eq "…"); nullopt
  // when Genesys has none.
  Result<std::optional<LiveUser>> findUserByExternalId(const std::string& external_id);
  Session() = default;
  Status openState();
  Status connect();

  // Blocked when the desired state shrank more than policy.maxSourceShrink since the last good
  // run.
  GuardrailVerdict sourceShrinkVerdict();
  // The planner's options: target, rate, the time `now` and the recorded suspensions.
  PlanOptions planOptions(const std::string& now) const;
  // One delivery pass over the outbox to notify.webhook: {delivered, failed, pending} (or
  // {error}); null when no webhook is configured.
  Json deliverNotifications();
  // After an apply run (finishRun): records the grace periods that start, finishes deletes
  // interrupted past their SCIM DELETE, retries failed token revocations, delivers the outbox.
  // Problems go to warnings_ and `record`.
  void housekeeping(int64_t run_id, const std::string& outcome, Json& record);
  // Forgets suspension and clean-up records of users who are back (plan()).
  Status forgetReturnedUsers();
  std::optional<Action> replanUser(const Action& refused, const LiveUser& fresh) const;

  Config config_;
  DesiredState desired_;
  LiveState live_;  // what plan() read
  // Journal intents a killed earlier run left without an outcome (loaded by beginRun); an apply
  // run closes them when it finishes, its own live read having superseded them.
  std::vector<std::pair<int64_t, std::string>> unfinished_;  // entry id, action key
  std::string run_kind_;
  std::vector<std::string> grace_starts_;       // of the last plan, recorded by housekeeping
  std::set<std::string> planned_delete_ids_;    // user ids the last plan deletes
  std::vector<std::string> warnings_;
  std::function<void(int)> http_observer_;
  std::string desired_path_;
  std::unique_ptr<StateStore> store_;
  struct Remote;
  std::unique_ptr<Remote> remote_;
};

}  // namespace scim_agent
