#include "agent/apply/lifecycle.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "agent/notify/notification.h"
#include "agent/scim/platform_directory.h"
#include "agent/scim/scim_directory.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

using Clock = std::chrono::system_clock;

std::string iso(Clock::time_point t) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
  return Poco::DateTimeFormatter::format(Poco::Timestamp(micros.count()),
                                         "%Y-%m-%dT%H:%M:%S.%iZ");
}

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

std::string Lifecycle::nowIso() const { return iso(options_.now()); }

Status Lifecycle::journaled(const std::string& key, const std::string& method,
                            const std::string& path, const Json& request,
                            const std::function<Status()>& send) {
  auto entry = journal_.intent(key, method, path, request);
  if (!entry.ok()) return entry.error();
  Status sent = send();
  if (sent.ok()) {
    (void)journal_.outcome(*entry, true, 200, Json::object());
  } else {
    (void)journal_.outcome(*entry, false, sent.error().http_status, errorJson(sent.error()));
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
  if (!action.external_id.empty()) {
    Status recorded = store_.recordSuspension(action.external_id, action.user_id, nowIso(),
                                              options_.run_id, action.rule, revoked.ok());
    if (!recorded.ok()) return recorded;
  }
  if (options_.notify) {
    Json detail = Json::object();
    detail["rule"] = action.rule;
    detail["tokensRevoked"] = revoked.ok();
    auto queued = notify(action, "user.suspended", detail);
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
    const std::function<bool(const std::string&)>& still_inactive) {
  if (!platform_.available()) return 0;
  auto suspensions = store_.suspensions();
  if (!suspensions.ok()) return suspensions.error();
  int revoked = 0;
  for (const auto& s : *suspensions) {
    if (s.tokens_revoked || s.user_id.empty() || !still_inactive(s.user_id)) continue;
    Status status = journaled("tokens:" + s.external_id, "DELETE", "/api/v2/tokens/" + s.user_id,
                              Json::object(), [&] { return platform_.revokeTokens(s.user_id); });
    if (!status.ok()) return status.error();
    Status marked = store_.markTokensRevoked(s.external_id);
    if (!marked.ok()) return marked.error();
    ++revoked;
  }
  return revoked;
}

void Lifecycle::activeAgain(const Action& action, const std::string& user_id) {
  // Best effort: a stale record only delays a later deleteAfter or repeats a finished step.
  if (!action.external_id.empty()) (void)store_.clearSuspension(action.external_id);
  if (!user_id.empty()) (void)store_.clearCleanupSteps(user_id);
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
  if (!restored.ok()) return restored.error();
  auto user = directory_.getUser(action.user_id);
  if (!user.ok()) {
    return Error(user.error().code, "restored, but reading it back over SCIM failed: " +
                                        user.error().message);
  }
  activeAgain(action, action.user_id);
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
  auto finished = store_.cleanupSteps(action.user_id);
  if (!finished.ok()) return outcome(action, ActionOutcome::kFailed, finished.error().message);
  const bool resumed = !finished->empty();

  // Before anything is removed: still the same person, and not reactivated since the plan
  // (someone who brought the user back wins over a plan that no longer holds). A resumed delete
  // past its SCIM DELETE finds the user gone, which is what it expects.
  bool deleted_before = false;
  for (const CleanupStep& s : *finished) deleted_before = deleted_before || s.step == "delete";
  if (!deleted_before) {
    auto fresh = directory_.getUser(action.user_id);
    if (!fresh.ok()) {
      if (fresh.error().code != ErrorCode::kNotFound) {
        return outcome(action, ActionOutcome::kFailed,
                       "reading the user before its delete failed: " + fresh.error().message);
      }
      // Deleted by someone else: the clean-up of what remains still runs below.
    } else {
      if (fresh->external_id != action.external_id) {
        return outcome(action, ActionOutcome::kStale,
                       label(action) + " changed in Genesys since the plan (its externalId is now \"" +
                           fresh->external_id + "\"); not deleted: run plan again");
      }
      if (fresh->active && !plannedActive(action)) {
        return outcome(action, ActionOutcome::kStale,
                       label(action) + " was reactivated in Genesys since the plan; not deleted: "
                                       "run plan again");
      }
    }
  }

  const std::string& id = action.user_id;
  struct Step {
    const char* name;
    std::function<Result<Json>()> run;
  };
  const std::vector<Step> steps = {
      {"archive", [&] { return archive(action); }},
      {"queues", [&] { return removeQueues(action); }},
      {"grants", [&] { return removeGrants(action); }},
      {"tokens", [&] { return revokeTokens(action); }},
      {"delete", [&] { return scimDelete(action); }},
      {"verify", [&] { return verifyGone(action); }},
      {"notify",
       [&] {
         if (!options_.notify) return Result<Json>(Json::object());
         return notify(action, "user.deleted", Json(Json::Object{{"rule", action.rule}}));
       }},
  };
  for (const Step& step : steps) {
    Status status = runStep(id, step.name, step.run);
    if (!status.ok()) {
      const ActionOutcome o =
          status.error().code == ErrorCode::kStale ? ActionOutcome::kStale : ActionOutcome::kFailed;
      return outcome(action, o,
                     std::string("delete stopped at its ") + step.name +
                         " step (the steps before it are done and are not repeated): " +
                         status.error().message);
    }
  }
  if (!action.external_id.empty()) (void)store_.clearSuspension(action.external_id);
  return outcome(action, ActionOutcome::kDone,
                 resumed ? "deleted with clean-up (resumed an interrupted delete)"
                         : "deleted with clean-up");
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
  const Clock::time_point end = options_.now();
  const Clock::time_point oldest = end - std::chrono::hours(24) * options_.archive_days;
  int stored = 0;
  int windows = 0;
  int64_t seen = 0;
  for (Clock::time_point to = end; to > oldest; to -= kWindow) {
    const Clock::time_point from = std::max(oldest, to - kWindow);
    const std::string interval = iso(from) + "/" + iso(to);
    ++windows;
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
      seen += static_cast<int64_t>(documents.size());
      const int64_t fetched = static_cast<int64_t>(page) * options_.archive_page_size;
      if (documents.empty() || fetched >= result->total_hits) break;
    }
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

Result<Json> Lifecycle::notify(const Action& action, const std::string& event, const Json& detail) {
  Notification notice;
  notice.event = event;
  notice.external_id = action.external_id;
  notice.user_name = action.user_name;
  notice.user_id = action.user_id;
  notice.run_id = options_.run_id;
  notice.at = nowIso();
  notice.detail = detail;
  auto queued = enqueueNotification(store_, notice, notice.at);
  if (!queued.ok()) return queued.error();
  return Json(Json::Object{{"outbox", notificationDedupeKey(notice)}});
}

}  // namespace scim_agent
