#include "agent/cli/session.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include "agent/apply/lifecycle.h"
#include "agent/cli/clock.h"
#include "agent/codec/json_parse.h"
#include "agent/desired/desired_json.h"
#include "agent/desired/desired_loader.h"
#include "agent/live/live_reader.h"
#include "agent/notify/webhook_notifier.h"
#include "agent/plan/guardrail.h"
#include "agent/plan/match.h"
#include "agent/plan/plan_json.h"
#include "agent/scim/genesys_client.h"
#include "agent/scim/genesys_directory.h"
#include "agent/scim/genesys_platform.h"
#include "agent/scim/http_transport.h"
#include "agent/scim/platform_directory.h"
#include "agent/scim/token_source.h"
#include "agent/scim/user_codec.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

std::string nowIso() { return cliNowIso(); }

// How long a run waits for another run's writer lock before giving up (exit 4).
std::chrono::milliseconds lockTimeout() {
  if (const char* v = std::getenv("SCIM_AGENT_LOCK_TIMEOUT_SECONDS")) {
    try {
      return std::chrono::milliseconds(static_cast<long long>(std::stod(v) * 1000));
    } catch (const std::exception&) {
    }
  }
  return std::chrono::seconds(10);
}

// The applier's journal, over the state DB: intent and outcome rows per remote write, and an
// audit row for every write that took effect.
class StateJournal final : public ApplyJournal {
 public:
  StateJournal(StateStore& store, int64_t run_id) : store_(store), run_id_(run_id) {}

  Result<int64_t> intent(const std::string& action_key, const std::string& method,
                         const std::string& path, const Json& request) override {
    auto id = store_.journalIntent(run_id_, action_key, method, path, request.dump(), nowIso());
    if (id.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      keys_[*id] = action_key;
    }
    return id;
  }

  Status outcome(int64_t id, bool success, int http_status, const Json& detail) override {
    Status s = store_.journalOutcome(id, success, http_status, detail.dump(), nowIso());
    if (s.ok() && success) {
      std::string key;
      {
        std::lock_guard<std::mutex> lock(mu_);
        key = keys_[id];
      }
      const auto colon = key.find(':');
      auto audit = store_.appendAudit(nowIso(), run_id_, "scim-agent", key.substr(0, colon),
                                      colon == std::string::npos ? "" : key.substr(colon + 1),
                                      detail.dump());
      if (!audit.ok()) return audit.error();
    }
    return s;
  }

 private:
  StateStore& store_;
  int64_t run_id_;
  std::mutex mu_;  // the applier journals from several threads
  std::map<int64_t, std::string> keys_;
};

// Reports each response's status (0: none) to the session's observer.
class ObservedTransport final : public ForwardingTransport {
 public:
  ObservedTransport(HttpTransport& target, std::function<void(int)> observer)
      : ForwardingTransport(target), observer_(std::move(observer)) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    Result<HttpResponse> response = target().send(request);
    observer_(response.ok() ? response->status : 0);
    return response;
  }

 private:
  std::function<void(int)> observer_;
};

}  // namespace

// The network side: transport, tokens and the directory, built on first use.
struct Session::Remote {
  std::unique_ptr<PocoTransport> transport;
  std::unique_ptr<ObservedTransport> observed;  // over `transport`, with an HTTP observer
  std::unique_ptr<OAuthTokenSource> tokens;
  std::unique_ptr<OAuthTokenSource> elevated;
  std::unique_ptr<GenesysDirectory> directory;
  // The Platform API for the lifecycle clean-up; NoPlatform for target.kind scim.
  std::unique_ptr<PlatformDirectory> platform;
};

Session::~Session() = default;

std::optional<Config> Session::loadConfigOnly(const std::string& config_path, Diagnostics& diags) {
  return loadConfig(config_path, processEnvironment(), diags);
}

std::unique_ptr<Session> Session::load(const std::string& config_path,
                                       const std::string& desired_override, Diagnostics& diags) {
  auto config = loadConfigOnly(config_path, diags);
  if (!config) return nullptr;
  std::unique_ptr<Session> session(new Session());
  session->config_ = std::move(*config);
  session->desired_path_ = desired_override.empty() ? session->config_.desired_path : desired_override;
  if (session->desired_path_.empty()) {
    diags.add({config_path, 0, 0}, "no desired state: set desired: in agent.yaml or pass --desired");
    return nullptr;
  }
  LoadOptions options;
  options.target_kind = session->config_.target.kind;
  options.base_policy = session->config_.policy;
  session->desired_ = loadDesired(session->desired_path_, options, diags);
  if (!diags.empty()) return nullptr;
  return session;
}

Result<Plan> Session::readPlanFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error(ErrorCode::kIo, "cannot read plan file " + path);
  std::stringstream text;
  text << f.rdbuf();
  auto json = parseJson(text.str());
  if (!json.ok()) return Error(ErrorCode::kInvalidInput, path + ": " + json.error().message);
  auto plan = planFromJson(*json);
  if (!plan.ok()) return Error(ErrorCode::kInvalidInput, path + ": " + plan.error().message);
  return plan;
}

Result<Json> Session::history(const Config& config, int limit) {
  auto store = StateStore::open(config.state_path);
  if (!store.ok()) return store.error();
  auto runs = (*store)->listRuns(limit);
  if (!runs.ok()) return runs.error();
  Json out = Json::array();
  for (const auto& r : *runs) {
    Json item = Json::object();
    item["id"] = static_cast<int64_t>(r.id);
    item["kind"] = r.kind;
    item["startedAt"] = r.started_at;
    item["endedAt"] = r.ended_at;
    item["outcome"] = r.outcome;
    item["desiredDigest"] = r.desired_digest;
    auto summary = parseJson(r.summary_json.empty() ? "{}" : r.summary_json);
    std::string text;
    if (summary.ok()) {
      item["summary"] = *summary;
      const Json& counts = summary->get("counts");
      if (counts.isObject()) {
        for (const auto& [k, v] : counts.asObject()) {
          if (v.isNumber() && v.asNumber() > 0) {
            text += (text.empty() ? "" : ", ") + std::to_string(static_cast<int>(v.asNumber())) + " " + k;
          }
        }
      }
      const Json& plan = summary->get("plan");
      if (plan.isObject()) {
        for (const auto& [k, v] : plan.asObject()) {
          if (v.isNumber() && v.asNumber() > 0) {
            text += (text.empty() ? "" : ", ") + std::to_string(static_cast<int>(v.asNumber())) + " to " + k;
          }
        }
      }
    }
    item["summary"] = text;
    out.push(std::move(item));
  }
  return out;
}

Status Session::openState() {
  if (store_) return Status::success();
  auto store = StateStore::open(config_.state_path);
  if (!store.ok()) return store.error();
  store_ = std::move(store.value());
  return store_->acquireWriterLock(lockTimeout());
}

Status Session::lockState() { return openState(); }

Result<LiveUser> Session::readUser(const std::string& id) {
  Status connected = connect();
  if (!connected.ok()) return connected.error();
  return remote_->directory->getUser(id);
}

Status Session::connect() {
  if (remote_) return Status::success();
  auto remote = std::make_unique<Remote>();
  const TargetConfig& target = config_.target;
  TransportOptions transport;
  transport.ca_file = target.ca_file;
  transport.verify = target.tls_verify;
  transport.concurrency = target.concurrency;
  remote->transport = std::make_unique<PocoTransport>(transport);
  HttpTransport* wire = remote->transport.get();
  if (http_observer_) {
    remote->observed = std::make_unique<ObservedTransport>(*wire, http_observer_);
    wire = remote->observed.get();
  }
  remote->tokens = std::make_unique<OAuthTokenSource>(
      *wire,
      OAuthClientOptions{target.login_base, target.client.client_id, target.client.client_secret});
  DirectoryOptions options;
  options.api_base = target.api_base;
  options.requests_per_minute = target.requests_per_minute;
  if (target.elevated) {
    remote->elevated = std::make_unique<OAuthTokenSource>(
        *wire, OAuthClientOptions{target.login_base, target.elevated->client_id,
                                               target.elevated->client_secret});
    options.elevated_tokens = remote->elevated.get();
  }
  remote->directory = std::make_unique<GenesysDirectory>(*wire, *remote->tokens, options);
  if (target.kind == "genesys") {
    remote->platform = std::make_unique<GenesysPlatform>(remote->directory->client());
  } else {
    remote->platform = std::make_unique<NoPlatform>();
  }
  remote_ = std::move(remote);
  return Status::success();
}

Result<int64_t> Session::beginRun(const std::string& kind, const std::string& at) {
  Status opened = openState();
  if (!opened.ok()) return opened.error();
  // We hold the writer lock: a run still marked running was killed.
  auto runs = store_->listRuns(50);
  if (runs.ok()) {
    for (const auto& r : *runs) {
      if (r.outcome == "running") {
        (void)store_->finishRun(r.id, "interrupted", "{\"note\":\"the process ended without finishing the run\"}", at);
      }
    }
  }
  auto pending = store_->pendingIntents();
  if (pending.ok()) {
    for (const auto& entry : *pending) unfinished_.emplace_back(entry.id, entry.action_key);
  }
  run_kind_ = kind;
  return store_->beginRun(kind, at, desired_.digest);
}

Result<PlannedRun> Session::plan(const std::string& kind, const std::string& at) {
  auto run = beginRun(kind, at);
  if (!run.ok()) return run.error();
  PlannedRun planned;
  planned.run_id = *run;
  auto fail = [&](const Error& e) -> Result<PlannedRun> {
    Json summary = Json::object();
    summary["error"] = e.message;
    finishRun(planned.run_id, "failed", summary, nowIso());
    return e;
  };
  Status connected = connect();
  if (!connected.ok()) return fail(connected.error());

  LiveReadOptions read;
  read.roles = desired_.policy.manages(Attribute::kRoles);
  read.routing_skills = desired_.policy.manages(Attribute::kRoutingSkills);
  read.routing_languages = desired_.policy.manages(Attribute::kRoutingLanguages);
  auto live = readLive(*remote_->directory, read);
  if (!live.ok()) {
    Error e = live.error();
    e.message = "reading the live users failed, so no plan was made: " + e.message;
    return fail(e);
  }

  SnapshotItems live_items;
  live_items.reserve(live->users.size());
  for (const auto& u : live->users) live_items.emplace_back(u.id, liveUserToCanonicalJson(u).dump());
  SnapshotItems desired_items;
  desired_items.reserve(desired_.users.size());
  for (const auto& u : desired_.users) desired_items.emplace_back(u.external_id, desiredUserJson(u).dump());
  for (const auto& [kind_name, items] : {std::pair{"live", &live_items}, std::pair{"desired", &desired_items}}) {
    auto saved = store_->saveSnapshot(planned.run_id, kind_name, *items, at);
    if (!saved.ok()) return fail(saved.error());
  }

  Status terminated = applyTerminations();
  if (!terminated.ok()) return fail(terminated.error());
  const PlanOptions options = planOptions(at);
  live_ = std::move(live.value());
  planned.plan = makePlan(desired_, live_, options);
  // policy.restoreDeleted: a user the plan would create whose userName belongs to a deleted
  // Genesys user is restored instead (SPEC §8). Deleted users are not listable, so each would-be
  // create is looked up; a failed lookup fails the plan rather than risk a duplicate person.
  if (desired_.policy.restore_deleted && remote_->platform->available()) {
    std::vector<std::string> names;
    for (const Action& a : planned.plan.actions) {
      if (a.kind == ActionKind::kCreate) names.push_back(a.user_name);
    }
    // One search per would-be create, `concurrency` at a time (the client paces them).
    std::vector<std::optional<Result<std::optional<DeletedUser>>>> found(names.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i = next++; i < names.size(); i = next++) {
        found[i] = remote_->platform->findDeletedUser(names[i]);
      }
    };
    std::vector<std::thread> workers;
    const size_t threads =
        std::min(names.size(), static_cast<size_t>(std::max(1, config_.target.concurrency)));
    for (size_t t = 1; t < threads; ++t) workers.emplace_back(work);
    work();
    for (std::thread& w : workers) w.join();
    PlanOptions checked = options;
    for (size_t i = 0; i < names.size(); ++i) {
      const auto& result = *found[i];
      if (!result.ok()) {
        // One user's failed check marks that create, not the whole plan: apply checks again.
        checked.unchecked_creates[lowerAscii(names[i])] = result.error().message;
      } else if (result->has_value()) {
        live_.deleted.push_back(
            DeletedLiveUser{(*result)->id, (*result)->email, (*result)->version});
      }
    }
    if (!live_.deleted.empty() || !checked.unchecked_creates.empty()) {
      planned.plan = makePlan(desired_, live_, checked);
    }
  }
  // Grace periods start in the apply run that finishes (finishRun), not in a plan that is only
  // looked at; the records of users who are back are forgotten now.
  grace_starts_ = planned.plan.grace_starts;
  planned_delete_ids_.clear();
  for (const Action& a : planned.plan.actions) {
    if (a.kind == ActionKind::kDelete) planned_delete_ids_.insert(a.user_id);
  }
  Status forgotten = forgetReturnedUsers();
  if (!forgotten.ok()) return fail(forgotten.error());
  auto saved = store_->savePlan(planned.run_id, desired_.digest, planToJson(planned.plan).dump(), at);
  if (!saved.ok()) return fail(saved.error());
  planned.guardrail = guardrail(planned.plan);
  return planned;
}

PlanOptions Session::planOptions(const std::string& now) const {
  PlanOptions options;
  options.target_kind = config_.target.kind;
  options.requests_per_minute = config_.target.requests_per_minute;
  options.now = now;
  if (store_) {
    auto suspensions = store_->suspensions();
    if (suspensions.ok()) {
      for (const auto& s : *suspensions) options.suspended_at[s.external_id] = s.suspended_at;
    }
  }
  return options;
}

GuardrailVerdict Session::sourceShrinkVerdict() {
  // Source integrity (SPEC §7): compare with the desired user count of the last good run (its
  // run record carries it). A blocked run is not a baseline, so a truncated source stays blocked
  // run after run until it is fixed or an operator applies with --allow-destructive.
  auto runs = store_->listRuns(200);
  if (!runs.ok()) return {};
  for (const auto& r : *runs) {
    if (r.outcome != "ok" && r.outcome != "changes") continue;
    auto summary = parseJson(r.summary_json);
    if (!summary.ok() || !summary->get("desiredUsers").isNumber()) continue;
    const double before = summary->get("desiredUsers").asNumber();
    const double now = static_cast<double>(desired_.users.size());
    const double limit = desired_.policy.max_source_shrink_percent;
    if (before > 0 && (before - now) / before * 100.0 > limit) {
      char shrink[32];
      std::snprintf(shrink, sizeof shrink, "%.1f", (before - now) / before * 100.0);
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

GuardrailVerdict Session::guardrail(const Plan& plan) {
  GuardrailVerdict verdict =
      checkDestructive(plan, static_cast<size_t>(plan.managed_live_users), desired_.policy);
  if (!verdict.blocked && plan.destructiveCount() > 0 && store_) verdict = sourceShrinkVerdict();
  return verdict;
}

ApplyReport Session::apply(int64_t run_id, const Plan& plan, ApplyOptions options,
                           bool replan_conflicts) {
  ApplyReport report;
  Status connected = connect();
  Status opened = connected.ok() ? openState() : connected;
  if (!opened.ok()) {
    for (size_t i = 0; i < plan.actions.size(); ++i) {
      report.results.push_back({i, ActionOutcome::kFailed, opened.error().message,
                                plan.actions[i].user_id, ""});
    }
    return report;
  }
  for (const auto& [id, key] : unfinished_) options.unfinished_keys.insert(key);
  options.concurrency = config_.target.concurrency;
  if (replan_conflicts) {
    options.replan = [this](const Action& refused, const LiveUser& fresh) {
      return replanUser(refused, fresh);
    };
  }
  for (const Action& a : plan.actions) {
    if (a.kind == ActionKind::kDelete) planned_delete_ids_.insert(a.user_id);
  }
  StateJournal journal(*store_, run_id);
  LifecycleOptions lifecycle_options;
  lifecycle_options.run_id = run_id;
  lifecycle_options.archive_days = desired_.policy.archive_days;
  lifecycle_options.notify = !config_.notify_webhook_url.empty();
  lifecycle_options.now = cliNow;
  Lifecycle lifecycle(*remote_->directory, *remote_->platform, journal, *store_,
                      lifecycle_options);
  Applier applier(*remote_->directory, journal, &lifecycle);
  report = applier.apply(plan, options);
  return report;
}

std::optional<Action> Session::replanUser(const Action& refused, const LiveUser& fresh) const {
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
  const Plan plan = makePlan(one, live, planOptions(nowIso()));
  for (const auto& a : plan.actions) {
    if (a.user_id == fresh.id && a.kind != ActionKind::kGroupMembers && a.kind != ActionKind::kCreate) {
      return a;
    }
  }
  return std::nullopt;
}

Status Session::forgetReturnedUsers() {
  // A suspension record starts deleteAfter's clock, and delete clean-up records are resumed: both
  // only hold while the user stays a leaver. A user active again (whoever reactivated it), or
  // back in the desired state as not terminated, starts from nothing next time.
  std::set<std::string> not_leaving;
  for (const DesiredUser& d : desired_.users) {
    if (d.status != UserStatus::kTerminated) not_leaving.insert(d.external_id);
  }
  auto suspensions = store_->suspensions();
  if (!suspensions.ok()) return suspensions.error();
  for (const auto& s : *suspensions) {
    bool active = false;
    for (const LiveUser& u : live_.users) {
      if (u.external_id == s.external_id && u.active) active = true;
    }
    // (A user on leave keeps its record until its tokens are revoked: the retry needs it.)
    if (active || (not_leaving.count(s.external_id) && s.tokens_revoked)) {
      Status cleared = store_->clearSuspension(s.external_id);
      if (!cleared.ok()) return cleared;
    }
  }
  auto cleanups = store_->cleanupUserIds();
  if (!cleanups.ok()) return cleanups.error();
  for (const std::string& id : *cleanups) {
    if (planned_delete_ids_.count(id)) continue;
    for (const LiveUser& u : live_.users) {
      // Listed live and no longer to be deleted: an unfinished delete of it is abandoned.
      if (u.id == id) {
        Status cleared = store_->clearCleanupSteps(id);
        if (!cleared.ok()) return cleared;
      }
    }
  }
  return Status::success();
}

void Session::housekeeping(int64_t run_id, const std::string& outcome, Json& record) {
  StateJournal journal(*store_, run_id);
  LifecycleOptions options;
  options.run_id = run_id;
  options.now = cliNow;
  options.archive_days = desired_.policy.archive_days;
  options.notify = !config_.notify_webhook_url.empty();
  const bool connected = connect().ok();
  // Grace periods start with a run that applied (a blocked one applied nothing destructive).
  if (outcome != "blocked") {
    for (const std::string& external_id : grace_starts_) {
      std::string user_id;
      for (const LiveUser& u : live_.users) {
        if (u.external_id == external_id) user_id = u.id;
      }
      Status recorded = store_->recordSuspension(external_id, user_id, cliNowIso(), run_id,
                                                 "found inactive", true);
      if (!recorded.ok()) warnings_.push_back("recording a suspension failed: " + recorded.error().message);
    }
  }
  grace_starts_.clear();
  if (connected) {
    Lifecycle lifecycle(*remote_->directory, *remote_->platform, journal, *store_, options);
    auto finished = lifecycle.finishInterruptedDeletes(planned_delete_ids_);
    if (!finished.ok()) {
      warnings_.push_back("finishing an interrupted delete failed (retried next run): " +
                          finished.error().message);
    } else if (*finished > 0) {
      record["interruptedDeletesFinished"] = *finished;
    }
    // Users suspended earlier whose token revocation failed: still inactive? (this run's read,
    // or one GET each after a saved plan's apply, which read nothing).
    std::vector<std::string> errors;
    auto revoked = lifecycle.retryRevocations(
        [this](const std::string& user_id) {
          if (!live_.users.empty()) {
            for (const LiveUser& u : live_.users) {
              if (u.id == user_id) return !u.active;
            }
            return false;
          }
          auto user = remote_->directory->getUser(user_id);
          return user.ok() && !user->active;
        },
        &errors);
    if (!revoked.ok()) errors.push_back(revoked.error().message);
    if (revoked.ok() && *revoked > 0) record["tokenRevocationsRetried"] = *revoked;
    for (const std::string& e : errors) warnings_.push_back(e);
    if (!errors.empty()) record["tokenRevocationErrors"] = static_cast<int64_t>(errors.size());
  }
  const Json delivered = deliverNotifications();
  if (!delivered.isNull()) {
    record["notifications"] = delivered;
    if (delivered.has("error")) {
      warnings_.push_back("notifications not delivered: " + delivered.getString("error"));
    } else if (delivered.getNumber("pending", 0) > 0) {
      warnings_.push_back(std::to_string(static_cast<int>(delivered.getNumber("pending", 0))) +
                          " notification(s) wait in the outbox for " +
                          config_.notify_webhook_url +
                          (delivered.has("stopped") ? " (" + delivered.getString("stopped") + ")" : "") +
                          "; the next run tries again");
    }
  }
}

Json Session::deliverNotifications() {
  if (config_.notify_webhook_url.empty() || !store_) return Json();
  std::ifstream file(config_.notify_webhook_secret_file, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (!file || secret.empty()) {
    return Json(Json::Object{{"error", "notify.webhook.secretFile " +
                                           config_.notify_webhook_secret_file +
                                           " cannot be read or is empty; notifications wait"}});
  }
  WebhookOptions options;
  options.url = config_.notify_webhook_url;
  options.ca_file = config_.target.ca_file;
  WebhookNotifier notifier(*store_, options, std::move(secret), cliNow);
  auto summary = notifier.deliverDue();
  if (!summary.ok()) return Json(Json::Object{{"error", summary.error().message}});
  Json out = Json::object();
  out["delivered"] = summary->delivered;
  out["failed"] = summary->failed;
  out["pending"] = summary->pending;
  if (!summary->stopped.empty()) out["stopped"] = summary->stopped;
  return out;
}

void Session::finishRun(int64_t run_id, const std::string& outcome, const Json& summary,
                        const std::string& at) {
  if (!store_ || run_id == 0) return;
  Json record = summary.isObject() ? summary : Json::object();
  record["desiredUsers"] = static_cast<int64_t>(desired_.users.size());  // source-shrink baseline
  // Every apply run delivers what the outbox holds, its own notices and those an unreachable
  // receiver kept from earlier runs (SPEC §10: at least once, retried across runs).
  // `run` (run_command.cpp) is an apply run too.
  const bool applies = run_kind_ == "apply" || run_kind_ == "run";
  if (applies && outcome != "dry-run" && outcome != "cancelled") {
    housekeeping(run_id, outcome, record);
  }
  if (applies) {
    for (const auto& [id, key] : unfinished_) {
      (void)store_->resolveIntent(id, "abandoned",
                                  "interrupted; superseded by run " + std::to_string(run_id), at);
    }
    unfinished_.clear();
  }
  (void)store_->finishRun(run_id, outcome, record.dump(), at);
}

// ---- HR events (serve) ----------------------------------------------------------------------

bool Session::reloadDesired(Diagnostics& diags) {
  LoadOptions options;
  options.target_kind = config_.target.kind;
  options.base_policy = config_.policy;
  DesiredState loaded = loadDesired(desired_path_, options, diags);
  if (!diags.empty()) return false;
  desired_ = std::move(loaded);
  return true;
}

Status Session::applyTerminations() {
  auto terminations = store_->terminations();
  if (!terminations.ok()) return terminations.error();
  for (const TerminationRecord& t : *terminations) {
    for (DesiredUser& d : desired_.users) {
      if (d.external_id != t.external_id) continue;
      if (d.status == UserStatus::kActive) {
        d.status = UserStatus::kTerminated;  // the HR event wins (SPEC §12)
      } else {
        auto cleared = store_->clearTermination(t.external_id);  // the source caught up
        if (!cleared.ok()) return cleared.error();
      }
    }
  }
  return Status::success();
}

Result<std::optional<LiveUser>> Session::findUserByExternalId(const std::string& external_id) {
  ApiCall call;
  call.method = "GET";
  call.route_template = "/Users";
  call.prefix = "/api/v2/scim/v2";
  call.path = "/Users";
  call.media_type = "application/scim+json";
  std::string literal = "\"";
  for (char c : external_id) {
    if (c == '"' || c == '\\') literal += '\\';
    literal += c;
  }
  call.query = {{"filter", "externalId eq " + literal + "\""}};
  call.retryable = true;
  auto response = remote_->directory->client()->send(call);
  if (!response.ok()) return response.error();
  auto json = GenesysClient::parseBody(call, *response);
  if (!json.ok()) return json.error();
  const Json& list = json->get("Resources");
  if (!list.isArray()) return std::optional<LiveUser>();
  for (const Json& resource : list.asArray()) {
    // The filter is the server's; check the match ourselves.
    if (resource.getString("externalId") != external_id) continue;
    auto user = liveUserFromScim(resource);
    if (!user.ok()) return user.error();
    return std::optional<LiveUser>(std::move(user).value());
  }
  return std::optional<LiveUser>();
}

Session::UserReconcile Session::reconcileUser(const std::string& external_id, bool terminate,
                                              const std::string& at) {
  UserReconcile out;
  const DesiredUser* entry = nullptr;
  for (const DesiredUser& d : desired_.users) {
    if (d.external_id == external_id) entry = &d;
  }
  if (!entry && !terminate) {
    out.state = "ignored";
    out.note = "no desired entry for " + external_id + ": the desired state is the source";
    return out;
  }
  auto run = beginRun("apply", at);
  if (!run.ok()) {
    out.state = "failed";
    out.note = run.error().message;
    out.retry = run.error().code == ErrorCode::kBusy;
    return out;
  }
  out.run_id = *run;
  auto fail = [&](const Error& e) {
    out.state = "failed";
    out.note = e.message;
    out.retry = e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kRateLimited;
    Json summary = Json::object();
    summary["error"] = e.message;
    summary["event"] = external_id;
    finishRun(out.run_id, "failed", summary, nowIso());
    return out;
  };
  Status connected = connect();
  if (!connected.ok()) return fail(connected.error());
  auto found = findUserByExternalId(external_id);
  if (!found.ok()) return fail(found.error());
  auto groups = remote_->directory->listGroups();
  if (!groups.ok()) return fail(groups.error());

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
      auto manager = findUserByExternalId(*entry->manager);
      if (!manager.ok()) return fail(manager.error());
      if (manager->has_value()) live.users.push_back(**manager);
    }
  } else {
    if (!found->has_value()) {
      out.state = "processed";
      out.note = "termination of " + external_id +
                 ": no such user in Genesys and no desired entry; recorded, nothing to suspend";
      finishRun(out.run_id, "ok", Json::object(), nowIso());
      return out;
    }
    DesiredUser d;
    d.external_id = external_id;
    d.user_name = (*found)->user_name;
    one.users.push_back(d);
  }
  if (terminate) one.users.front().status = UserStatus::kTerminated;
  if (found->has_value()) live.users.push_back(**found);

  const Plan plan = makePlan(one, live, planOptions(at));
  GuardrailVerdict verdict =
      checkDestructive(plan, std::max<size_t>(desired_.users.size(), 1), desired_.policy);
  if (verdict.blocked) {
    out.state = "failed";
    out.note = "blocked: " + verdict.message;
    finishRun(out.run_id, "blocked", Json(Json::Object{{"blocked", verdict.message}}), nowIso());
    return out;
  }
  (void)store_->savePlan(out.run_id, desired_.digest, planToJson(plan).dump(), at);
  grace_starts_ = plan.grace_starts;
  planned_delete_ids_.clear();
  std::string did;
  for (const Action& a : plan.actions) {
    if (a.kind == ActionKind::kDelete) planned_delete_ids_.insert(a.user_id);
  }
  ApplyReport report = apply(out.run_id, plan, ApplyOptions{}, /*replan_conflicts=*/false);
  for (const ActionResult& r : report.results) {
    const Action& a = plan.actions[r.index];
    did += (did.empty() ? "" : ", ") + std::string(actionKindName(a.kind)) + " " +
           actionOutcomeName(r.outcome);
  }
  const bool done = report.allDone();
  finishRun(out.run_id, done ? "ok" : "failed", report.toJson(plan), nowIso());
  out.state = done ? "processed" : "failed";
  out.note = did.empty() ? "nothing to do: " + external_id + " already as desired" : did;
  if (!plan.notices.empty() && plan.actions.empty()) out.note += " (" + plan.notices.front().message + ")";
  return out;
}

}  // namespace scim_agent
