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

// A Platform user in state "deleted" (POST /api/v2/users/search, GET /api/v2/users, §8.5).
struct DeletedUser {
  std::string id;
  std::string email;  // the login; SCIM userName
  std::string name;
  int64_t version = 0;  // the Platform user version, sent back when restoring
};

// One page of GET /api/v2/users?state=deleted. The paging fields are as the page stated them, -1
// where it did not (genesys-api.md gives no UserEntityListing: it is read as the other Platform
// listings, {entities, pageSize, pageNumber, total, pageCount}, and tolerates their absence).
struct DeletedUserPage {
  std::vector<DeletedUser> users;  // the page's users in state deleted, in the order listed
  int64_t entities = 0;            // entries on the page, whatever their state
  int64_t page_size = -1;
  int64_t page_number = -1;
  int64_t total = -1;  // deleted users in the whole listing
  int64_t page_count = -1;
};

// The deleted users read page by page with PlatformDirectory::listDeletedUsers (below), whole,
// or why not.
struct DeletedListing {
  std::vector<DeletedUser> users;  // every deleted user listed, when whole
  int64_t pages_read = 0;
  int64_t total = -1;     // deleted users, as the first page stated (-1: not stated)
  int64_t pages = -1;     // pages the whole listing takes (-1: not known)
  bool whole = false;     // every page read, nothing repeated, skipped or changed
  bool too_long = false;  // not read on: it takes more than `max_pages` pages
  std::string problem;    // why it is neither whole nor too_long
};

class PlatformDirectory;

// Reads every deleted user, page by page (`page_size` per page, 1 to 100), in one thread. The
// listing is whole only when every page is numbered as asked and (but the last) full at the
// first page's pageSize, no user comes twice, total and pageCount are the same on every page and
// as many entries came as the total says; where the pages state no count, a short page ends it.
// Anything else (a failed call included: no retry beyond the client's) is a `problem`, and the
// caller must not take the users it may have missed for users that are not deleted. Stops with
// too_long after the first page when the stated count needs more than `max_pages` pages, and,
// without a stated count, when `max_pages` pages did not reach the end. Defined in
// genesys_platform.cpp; never throws.
DeletedListing readDeletedListing(PlatformDirectory& platform, int64_t max_pages,
                                  int page_size = 100);

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

  // One page (page_number from 1, page_size 1 to 100) of the deleted users: GET
  // /api/v2/users?state=deleted&pageSize=&pageNumber=. Only the page: whether a listing read page
  // by page is whole (no page repeated or skipped, the total unchanged) is the caller's to check.
  virtual Result<DeletedUserPage> listDeletedUsers(int page_number, int page_size) = 0;

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
  Result<DeletedUserPage> listDeletedUsers(int page_number, int page_size) override {
    DeletedUserPage page;
    page.page_size = page_size;
    page.page_number = page_number;
    page.total = 0;
    page.page_count = 0;
    return page;
  }
  Status restoreUser(const std::string&, int64_t) override { return Status(); }
};

}  // namespace scim_agent
