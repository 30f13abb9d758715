#include "agent/apply/lifecycle.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "agent/base/clock.h"
#include "agent/codec/json_parse.h"
#include "agent/log/log.h"
#include "agent/notify/notification.h"
#include "agent/notify/webhook_notifier.h"
#include "agent/scim/platform_directory.h"
#include "agent/scim/scim_directory.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

using WallClock = std::chrono::system_clock;

// The analytics query's interval ends, in milliseconds as Genesys writes them
// ("2026-11-23T12:00:00.123Z"): formatIso8601's microseconds cut to three digits.
std::string iso(WallClock::time_point t) { return formatIso8601(t).substr(0, 23) + "Z"; }

std::string label(const Action& a) {
  return a.external_id.empty() ? a.user_name : a.external_id + " (" + a.user_name + ")";
}

Json errorJson(const Error& e) {
  Json d = Json::object();
  d["error"] = errorCodeName(e.code);
  d["message"] = e.message;
  if (e.http_status) d["status"] = e.http_status;
  return d;
}

// Whether the plan saw the user active (the delete's "user" change records it).
bool plannedActive(const Action& a) {
  for (const AttributeChange& c : a.changes) {
    if (c.attribute == "user" && c.before.isObject()) {
      const Json& active = c.before.get("active");
      if (active.isBool()) return active.asBool();
    }
  }
  return true;
}

// Logs a lifecycle record (`record` of `key`) that could not be forgotten. Not the action's
// failure: the write it follows took effect, and a record left behind is cleared by the next
// run's housekeeping when the user is listed again, and never read when the user is gone.
void warnIfNotForgotten(const Status& cleared, const char* record, const std::string& key) {
  if (cleared.ok()) return;
  logWarn("could not forget a lifecycle record that no longer holds; the next run clears it",
          {{"record", record},
           {"key", key},
           {"error", errorCodeName(cleared.error().code)},
           {"message", cleared.error().message}});
}

ActionResult outcome(const Action& a, ActionOutcome o, std::string message) {
  ActionResult r;
  r.outcome = o;
  r.user_id = a.user_id;
  r.message = std::move(message);
  return r;
}

}  // namespace

Lifecycle::Lifecycle(ScimDirectory& directory, PlatformDirectory& platform, ApplyJournal& journal,
                     StateStore& store, LifecycleOptions options)
    : directory_(directory),
      platform_(platform),
      journal_(journal),
      store_(store),
      options_(std::move(options)) {}

// The state DB's time format (the outbox compares these strings with the notifier's clock).
std::string Lifecycle::nowIso() const { return formatIso8601(options_.now()); }

Status Lifecycle::journaled(const std::string& key, const std::string& method,
                            const std::string& path, const Json& request,
                            const std::function<Status()>& send) {
  auto entry = journal_.intent(key, method, path, request);
  if (!entry.ok()) return entry.error();
  Status sent = send();
  if (sent.ok()) {
    recordOutcome(journal_, *entry, key, true, 200, Json::object());
  } else {
    recordOutcome(journal_, *entry, key, false, sent.error().http_status, errorJson(sent.error()));
  }
  return sent;
}

// ---- suspend ------------------------------------------------------------------------------

Status Lifecycle::suspended(const Action& action) {
  Status revoked = Status::success();
  if (platform_.available()) {
    revoked = journaled("tokens:" + action.external_id, "DELETE", "/api/v2/tokens/" + action.user_id,
                        Json::object(), [&] { return platform_.revokeTokens(action.user_id); });
  }
  // deleteAfter counts only for leavers: removed from the desired state, or terminated (not a
  // leave of absence, nor an unmanaged user that a wider scope might take in later).
  const bool leaver = action.rule.rfind("removed from desired state", 0) == 0 ||
                      action.rule.rfind("status terminated", 0) == 0;
  if (!action.external_id.empty() && (leaver || !revoked.ok())) {
    Status recorded = store_.recordSuspension(action.external_id, action.user_id, nowIso(),
                                              options_.run_id, action.rule, revoked.ok());
    if (!recorded.ok()) return recorded;
  }
  if (options_.notify) {
    Json detail = Json::object();
    detail["rule"] = action.rule;
    detail["tokensRevoked"] = revoked.ok();
    auto queued = notify(action, "user.suspended", detail, options_.run_id);
    if (!queued.ok()) return queued.error();
  }
  if (!revoked.ok()) {
    return Error(revoked.error().code,
                 "suspended, but revoking its tokens failed (retried by the next run): " +
                     revoked.error().message);
  }
  return Status::success();
}

Result<int> Lifecycle::retryRevocations(
    const std::function<bool(const std::string&)>& still_inactive,
    std::vector<std::string>* errors) {
  if (!platform_.available()) return 0;
  auto suspensions = store_.suspensions();
  if (!suspensions.ok()) return suspensions.error();
  int revoked = 0;
  for (const auto& s : *suspensions) {
    if (s.tokens_revoked || s.user_id.empty() || !still_inactive(s.user_id)) continue;
    Status status = journaled("tokens:" + s.external_id, "DELETE", "/api/v2/tokens/" + s.user_id,
                              Json::object(), [&] { return platform_.revokeTokens(s.user_id); });
    if (!status.ok()) {
      // One user's failure does not keep the others' tokens valid.
      errors->push_back(s.external_id + ": revoking its tokens failed again: " +
                        status.error().message);
      continue;
    }
    Status marked = store_.markTokensRevoked(s.external_id);
    if (!marked.ok()) return marked.error();
    ++revoked;
  }
  return revoked;
}

void Lifecycle::activeAgain(const Action& action, const std::string& user_id) {
  if (!action.external_id.empty()) {
    warnIfNotForgotten(store_.clearSuspension(action.external_id), "suspension",
                       action.external_id);
  }
  if (!user_id.empty()) {
    warnIfNotForgotten(store_.clearCleanupSteps(user_id), "delete clean-up steps", user_id);
  }
}

Result<bool> Lifecycle::deletedUserExists(const std::string& user_name) {
  if (!platform_.available()) return false;
  auto found = platform_.findDeletedUser(user_name);
  if (!found.ok()) return found.error();
  return found->has_value();
}

// ---- restore ------------------------------------------------------------------------------

Result<LiveUser> Lifecycle::restore(const Action& action) {
  int64_t version = 0;
  try {
    version = std::stoll(action.version);
  } catch (const std::exception&) {
    return Error(ErrorCode::kInvalidInput,
                 label(action) + ": the plan has no Platform version to restore with");
  }
  Json request = Json::object();
  request["state"] = "active";
  request["version"] = version;
  Status restored =
      journaled("restore:" + action.external_id, "PATCH", "/api/v2/users/" + action.user_id,
                request, [&] { return platform_.restoreUser(action.user_id, version); });
  if (!restored.ok() && restored.error().code == ErrorCode::kStale) {
    // A retried restore whose first answer was lost finds the version moved on by itself: when
    // no deleted user holds the userName any more, the restore took effect.
    auto still = platform_.findDeletedUser(action.user_name);
    if (still.ok() && !still->has_value()) restored = Status::success();
  }
  if (!restored.ok()) return restored.error();
  activeAgain(action, action.user_id);
  auto user = directory_.getUser(action.user_id);
  if (!user.ok()) {
    return Error(user.error().code, "restored, but reading it back over SCIM failed: " +
                                        user.error().message);
  }
  return user;
}

// ---- delete -------------------------------------------------------------------------------

Status Lifecycle::runStep(const std::string& user_id, const std::string& name,
                          const std::function<Result<Json>()>& step) {
  auto done = store_.cleanupSteps(user_id);
  if (!done.ok()) return done.error();
  for (const CleanupStep& s : *done) {
    if (s.step == name) return Status::success();
  }
  Result<Json> detail = step();
  if (!detail.ok()) return detail.error();
  return store_.recordCleanupStep(user_id, name, options_.run_id, detail->dump(), nowIso());
}

ActionResult Lifecycle::deleteUser(const Action& action) {
  if (action.user_id.empty()) {
    return outcome(action, ActionOutcome::kFailed, label(action) + ": no user id to delete");
  }
  const std::string& id = action.user_id;
  auto finished = store_.cleanupSteps(id);
  if (!finished.ok()) return outcome(action, ActionOutcome::kFailed, finished.error().message);
  auto recorded = [&](const std::string& name) {
    for (const CleanupStep& s : *finished) {
      if (s.step == name) return true;
    }
    return false;
  };

  // Always look first: records are only trusted together with what Genesys shows now.
  auto fresh = directory_.getUser(id);
  const bool gone = !fresh.ok() && fresh.error().code == ErrorCode::kNotFound;
  if (!fresh.ok() && !gone) {
    return outcome(action, ActionOutcome::kFailed,
                   "reading the user before its delete failed: " + fresh.error().message);
  }
  if (!gone && recorded("delete")) {
    // An earlier delete of this id finished, and the user is back (restored): start over. Its
    // recorded steps must go, or this delete would skip its DELETE.
    Status cleared = store_.clearCleanupSteps(id);
    if (!cleared.ok()) {
      return outcome(action, ActionOutcome::kFailed,
                     "the user is back since an earlier delete, and forgetting that delete's "
                     "steps failed: " +
                         cleared.error().message);
    }
    finished->clear();
  }
  if (gone && !recorded("delete")) {
    // Deleted by someone else (Genesys removes grants and access with it): nothing to clean up
    // over an API that no longer knows the user.
    warnIfNotForgotten(store_.clearCleanupSteps(id), "delete clean-up steps", id);
    if (!action.external_id.empty()) {
      warnIfNotForgotten(store_.clearSuspension(action.external_id), "suspension",
                         action.external_id);
    }
    return outcome(action, ActionOutcome::kDone, "already deleted in Genesys (404)");
  }
  if (!gone) {
    // Still the same person, not reactivated since the plan, and (for a delete not begun yet)
    // not changed at all since the plan: someone who brought the user back wins.
    std::string why;
    if (fresh->external_id != action.external_id) {
      why = "its externalId is now \"" + fresh->external_id + "\"";
    } else if (fresh->active && !plannedActive(action)) {
      why = "it was reactivated";
    } else if (finished->empty() && fresh->version != action.version) {
      why = "its version is " + fresh->version + ", the plan saw " + action.version;
    }
    if (!why.empty()) {
      warnIfNotForgotten(store_.clearCleanupSteps(id), "delete clean-up steps", id);
      return outcome(action, ActionOutcome::kStale,
                     label(action) + " changed in Genesys since the plan (" + why +
                         "); not deleted: run plan again");
    }
  }
  return runDelete(action, *finished);
}

ActionResult Lifecycle::runDelete(const Action& action, const std::vector<CleanupStep>& finished) {
  const std::string& id = action.user_id;
  const bool resumed = !finished.empty();
  // The run that began this delete names it (notification dedupe): a resumed delete keeps it.
  int64_t attempt = options_.run_id;
  for (const CleanupStep& s : finished) {
    if (s.step == "begin") attempt = s.run_id;
  }
  struct Step {
    const char* name;
    std::function<Result<Json>()> run;
  };
  const std::vector<Step> steps = {
      {"begin",
       [&] {
         return Result<Json>(Json(Json::Object{{"externalId", action.external_id},
                                               {"userName", action.user_name},
                                               {"rule", action.rule},
                                               {"version", action.version}}));
       }},
      {"archive", [&] { return archive(action); }},
      {"queues", [&] { return removeQueues(action); }},
      {"grants", [&] { return removeGrants(action); }},
      {"tokens", [&] { return revokeTokens(action); }},
      {"delete", [&] { return scimDelete(action); }},
      {"verify", [&] { return verifyGone(action); }},
      {"notify",
       [&] {
         if (!options_.notify) return Result<Json>(Json::object());
         return notify(action, "user.deleted", Json(Json::Object{{"rule", action.rule}}),
                       attempt);
       }},
  };
  for (const Step& step : steps) {
    Status status = runStep(id, step.name, step.run);
    if (!status.ok()) {
      const bool stale = status.error().code == ErrorCode::kStale;
      // A delete refused because the user changed is abandoned: a later one starts over.
      if (stale) warnIfNotForgotten(store_.clearCleanupSteps(id), "delete clean-up steps", id);
      return outcome(action, stale ? ActionOutcome::kStale : ActionOutcome::kFailed,
                     std::string("delete stopped at its ") + step.name + " step" +
                         (stale ? ": " : " (the steps before it are done and are not repeated): ") +
                         status.error().message);
    }
  }
  if (!action.external_id.empty()) {
    warnIfNotForgotten(store_.clearSuspension(action.external_id), "suspension",
                       action.external_id);
  }
  return outcome(action, ActionOutcome::kDone,
                 resumed ? "deleted with clean-up (resumed an interrupted delete)"
                         : "deleted with clean-up");
}

Result<int> Lifecycle::finishInterruptedDeletes(const std::set<std::string>& planned_user_ids) {
  auto ids = store_.cleanupUserIds();
  if (!ids.ok()) return ids.error();
  int finished_now = 0;
  for (const std::string& id : *ids) {
    if (planned_user_ids.count(id)) continue;
    auto steps = store_.cleanupSteps(id);
    if (!steps.ok()) return steps.error();
    bool deleted = false, notified = false;
    Json begin;
    for (const CleanupStep& s : *steps) {
      deleted = deleted || s.step == "delete";
      notified = notified || s.step == "notify";
      if (s.step == "begin") {
        auto parsed = parseJson(s.detail_json);
        if (parsed.ok()) begin = *parsed;
      }
    }
    // Past its DELETE the user is not listable, so no plan brings it back: finish it here.
    if (!deleted || notified || !begin.isObject()) continue;
    Action action;
    action.kind = ActionKind::kDelete;
    action.user_id = id;
    action.external_id = begin.getString("externalId");
    action.user_name = begin.getString("userName");
    action.rule = begin.getString("rule");
    action.version = begin.getString("version");
    ActionResult r = runDelete(action, *steps);
    if (r.outcome != ActionOutcome::kDone) return Error(ErrorCode::kUnavailable, r.message);
    ++finished_now;
  }
  return finished_now;
}

Result<Json> Lifecycle::archive(const Action& action) {
  Json detail = Json::object();
  if (!platform_.available() || options_.archive_days <= 0) {
    detail["conversations"] = 0;
    detail["skipped"] = platform_.available() ? "policy.archiveDays is 0" : "no Platform API";
    return detail;
  }
  // Windows of at most 31 days (the query's limit with a user filter), newest first, back to
  // archiveDays before now.
  constexpr auto kWindow = std::chrono::hours(24 * 31);
  const WallClock::time_point end = options_.now();
  const WallClock::time_point oldest = end - std::chrono::hours(24) * options_.archive_days;
  int stored = 0;
  int windows = 0;
  int64_t seen = 0;
  for (WallClock::time_point to = end; to > oldest; to -= kWindow) {
    const WallClock::time_point from = std::max(oldest, to - kWindow);
    const std::string interval = iso(from) + "/" + iso(to);
    ++windows;
    int64_t window_seen = 0;
    for (int page = 1;; ++page) {
      auto result =
          platform_.queryConversations(action.user_id, interval, page, options_.archive_page_size);
      if (!result.ok()) return result.error();
      std::vector<std::string> documents;
      documents.reserve(result->conversations.size());
      for (const Json& c : result->conversations) documents.push_back(c.dump());
      auto added = store_.archiveConversations(action.user_id, options_.run_id, documents, nowIso());
      if (!added.ok()) return added.error();
      stored += *added;
      window_seen += static_cast<int64_t>(documents.size());
      // The end: an empty page, all of totalHits read, or (totalHits absent) a short page.
      if (documents.empty()) break;
      if (result->total_hits > 0 ? window_seen >= result->total_hits
                                 : static_cast<int>(documents.size()) < options_.archive_page_size) {
        break;
      }
    }
    seen += window_seen;
  }
  detail["conversations"] = stored;
  detail["read"] = seen;
  detail["windows"] = windows;
  return detail;
}

Result<Json> Lifecycle::removeQueues(const Action& action) {
  Json removed = Json::array();
  auto queues = platform_.listUserQueues(action.user_id);
  if (!queues.ok()) return queues.error();
  for (const QueueMembership& q : *queues) {
    Json request = Json::array();
    request.push(Json(Json::Object{{"id", action.user_id}}));
    Status status = journaled(
        "queue:" + action.external_id + ":" + q.queue_id, "POST",
        "/api/v2/routing/queues/" + q.queue_id + "/members?delete=true", request,
        [&] { return platform_.removeFromQueue(q.queue_id, action.user_id); });
    if (!status.ok()) return status.error();
    removed.push(Json(Json::Object{{"id", q.queue_id}, {"name", q.queue_name}, {"joined", q.joined}}));
  }
  return Json(Json::Object{{"queues", std::move(removed)}});
}

Result<Json> Lifecycle::removeGrants(const Action& action) {
  auto grants = platform_.listGrants(action.user_id);
  if (!grants.ok()) return grants.error();
  Json removed = Json::array();
  Json request_grants = Json::array();
  for (const RoleGrant& g : *grants) {
    removed.push(Json(Json::Object{{"role", g.role_name}, {"roleId", g.role_id}, {"divisionId", g.division_id}}));
    request_grants.push(Json(Json::Object{{"roleId", g.role_id}, {"divisionId", g.division_id}}));
  }
  if (!grants->empty()) {
    Status status = journaled(
        "grants:" + action.external_id, "POST",
        "/api/v2/authorization/subjects/" + action.user_id + "/bulkremove",
        Json(Json::Object{{"grants", std::move(request_grants)}}),
        [&] { return platform_.removeGrants(action.user_id, *grants); });
    if (!status.ok()) return status.error();
  }
  return Json(Json::Object{{"grants", std::move(removed)}});
}

Result<Json> Lifecycle::revokeTokens(const Action& action) {
  if (!platform_.available()) return Json(Json::Object{{"skipped", "no Platform API"}});
  Status status = journaled("tokens:" + action.external_id, "DELETE",
                            "/api/v2/tokens/" + action.user_id, Json::object(),
                            [&] { return platform_.revokeTokens(action.user_id); });
  if (!status.ok()) return status.error();
  return Json(Json::Object{{"revoked", true}});
}

Result<Json> Lifecycle::scimDelete(const Action& action) {
  // The clean-up above may have moved the user's version on (grants are the SCIM roles): the
  // DELETE carries the version read now, after the identity check deleteUser made.
  auto fresh = directory_.getUser(action.user_id);
  if (!fresh.ok()) {
    if (fresh.error().code == ErrorCode::kNotFound) {
      return Json(Json::Object{{"alreadyGone", true}});
    }
    return fresh.error();
  }
  if (fresh->external_id != action.external_id) {
    return Error(ErrorCode::kStale, label(action) + " changed in Genesys during its clean-up (its "
                                                    "externalId is now \"" +
                                        fresh->external_id + "\"); not deleted");
  }
  if (fresh->active && !plannedActive(action)) {
    return Error(ErrorCode::kStale,
                 label(action) + " was reactivated in Genesys during its clean-up; not deleted");
  }
  Status deleted = journaled("delete:" + action.external_id, "DELETE", "/Users/" + action.user_id,
                             Json(Json::Object{{"ifMatch", fresh->version}}),
                             [&] { return directory_.deleteUser(action.user_id, fresh->version); });
  if (!deleted.ok()) return deleted.error();
  return Json(Json::Object{{"version", fresh->version}});
}

Result<Json> Lifecycle::verifyGone(const Action& action) {
  auto user = directory_.getUser(action.user_id);
  if (user.ok()) {
    return Error(ErrorCode::kUnavailable,
                 label(action) + " is still returned by Genesys after its DELETE");
  }
  if (user.error().code != ErrorCode::kNotFound) return user.error();
  return Json(Json::Object{{"gone", true}});
}

Result<Json> Lifecycle::notify(const Action& action, const std::string& event, const Json& detail,
                               int64_t run_id) {
  Notification notice;
  notice.event = event;
  notice.external_id = action.external_id;
  notice.user_name = action.user_name;
  notice.user_id = action.user_id;
  notice.run_id = run_id;
  notice.at = nowIso();
  notice.detail = detail;
  auto queued = enqueueNotification(store_, notice, notice.at);
  if (!queued.ok()) return queued.error();
  return Json(Json::Object{{"outbox", notificationDedupeKey(notice)}});
}

}  // namespace scim_agent
