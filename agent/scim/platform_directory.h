#pragma once

// What user lifecycle clean-up needs from the Genesys Cloud Platform API (genesys-api.md §8):
// queues, role grants, tokens, conversation history, and deleted users. Implementations:
// GenesysPlatform (agent/scim/genesys_platform.h, HTTP) and NoPlatform (target.kind scim: an
// RFC 7644 server has none of this, so every clean-up step is done by doing nothing).
//
// Errors are classified like ScimDirectory's (scim_directory.h): kNotFound, kStale (restoreUser
// only), kRateLimited, kUnavailable, kUnauthorized, kForbidden, kRejected, kInvalidInput (also
// for an empty id, before anything is sent); messages name the method, the route and the status.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/json.h"
#include "agent/base/result.h"

namespace scim_agent {

// One queue the user is a member of (UserQueue, genesys-api.md §8.1).
struct QueueMembership {
  std::string queue_id;
  std::string queue_name;
  bool joined = false;
  bool operator==(const QueueMembership&) const = default;
};

// One role grant of a subject (AuthzSubject.grants, §8.2).
struct RoleGrant {
  std::string role_id;
  std::string role_name;
  std::string division_id;
  bool operator==(const RoleGrant&) const = default;
};

// One page of the analytics conversation detail query (§8.4).
struct ConversationPage {
  std::vector<Json> conversations;  // as Genesys returned them (each has "conversationId")
  int64_t total_hits = 0;           // of the whole query, not of this page
};

// A Platform user in state "deleted" (POST /api/v2/users/search, §8.5).
struct DeletedUser {
  std::string id;
  std::string email;  // the login; SCIM userName
  std::string name;
  int64_t version = 0;  // the Platform user version, sent back when restoring
};

class PlatformDirectory {
 public:
  virtual ~PlatformDirectory() = default;

  // False for NoPlatform: callers skip the clean-up steps and say so in the plan.
  virtual bool available() const = 0;

  // Every queue the user is a member of, joined or not: GET /api/v2/users/{id}/queues with
  // joined=true and again with joined=false (it defaults to true, §8.1), every page. Sorted by
  // queue id, without duplicates.
  virtual Result<std::vector<QueueMembership>> listUserQueues(const std::string& user_id) = 0;

  // Removes the user from one queue: POST /api/v2/routing/queues/{queue_id}/members?delete=true
  // with [{"id": user_id}]. Removing a non-member (or a 404) is success: safe to repeat.
  virtual Status removeFromQueue(const std::string& queue_id, const std::string& user_id) = 0;

  // Every role grant of the user: GET /api/v2/authorization/subjects/{id}. Sorted by role id,
  // then division id.
  virtual Result<std::vector<RoleGrant>> listGrants(const std::string& user_id) = 0;

  // Removes the grants: POST /api/v2/authorization/subjects/{id}/bulkremove (several calls when
  // there are many). No request when `grants` is empty. Safe to repeat.
  virtual Status removeGrants(const std::string& user_id, const std::vector<RoleGrant>& grants) = 0;

  // Revokes every OAuth token of the user: DELETE /api/v2/tokens/{user_id}. Safe to repeat; a
  // user without tokens (or a 404) is success.
  virtual Status revokeTokens(const std::string& user_id) = 0;

  // One page (page_number from 1, page_size <= 100) of the conversations the user took part in,
  // in `interval` ("<start>/<end>", ISO-8601 UTC, at most 31 days): POST
  // /api/v2/analytics/conversations/details/query with a segment filter userId matches user_id,
  // ordered by conversationStart ascending.
  virtual Result<ConversationPage> queryConversations(const std::string& user_id,
                                                      const std::string& interval,
                                                      int page_number, int page_size) = 0;

  // The deleted Genesys user whose login is `user_name` (case-insensitive): POST
  // /api/v2/users/search for the email with state deleted. nullopt when there is none; when
  // several match, the one with the greatest version.
  virtual Result<std::optional<DeletedUser>> findDeletedUser(const std::string& user_name) = 0;

  // Restores a deleted user: PATCH /api/v2/users/{id} {"state":"active","version":version}.
  // kStale when the version is not current — which is also what a retry answers when an earlier
  // try whose answer was lost did restore the user: on kStale, look again with findDeletedUser.
  virtual Status restoreUser(const std::string& id, int64_t version) = 0;
};

// For target.kind scim: no Platform API; available() is false and every call succeeds doing
// nothing (lists are empty, no deleted users).
class NoPlatform final : public PlatformDirectory {
 public:
  bool available() const override { return false; }
  Result<std::vector<QueueMembership>> listUserQueues(const std::string&) override {
    return std::vector<QueueMembership>{};
  }
  Status removeFromQueue(const std::string&, const std::string&) override { return Status(); }
  Result<std::vector<RoleGrant>> listGrants(const std::string&) override {
    return std::vector<RoleGrant>{};
  }
  Status removeGrants(const std::string&, const std::vector<RoleGrant>&) override {
    return Status();
  }
  Status revokeTokens(const std::string&) override { return Status(); }
  Result<ConversationPage> queryConversations(const std::string&, const std::string&, int,
                                              int) override {
    return ConversationPage{};
  }
  Result<std::optional<DeletedUser>> findDeletedUser(const std::string&) override {
    return std::optional<DeletedUser>();
  }
  Status restoreUser(const std::string&, int64_t) override { return Status(); }
};

}  // namespace scim_agent
