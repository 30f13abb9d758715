#pragma once

// What the live reader and the applier need from a SCIM service (genesys-api.md §2).
// Implementations: GenesysDirectory (agent/scim/genesys_directory.h, HTTP) and in-memory fakes
// in tests.

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/json.h"
#include "agent/base/result.h"
#include "agent/model/plan.h"
#include "agent/model/user.h"

namespace scim_agent {

struct ListOptions {
  // false: the default listing (Genesys returns active users only); true: `active eq false`.
  // Deleted users are never listable (genesys-api.md §2.3).
  bool inactive = false;
  // Users per page. Genesys may answer 429 above 25 unless every expensive attribute
  // (externalId, roles, routingSkills, routingLanguages) is projected out (§2.3).
  int page_size = 25;
  // Sent as excludedAttributes; the users read report the projected-out attributes as unknown
  // (LiveUser::roles_known, …). Names as in user_codec.h (kAttrRoles, …).
  std::vector<std::string> excluded_attributes;
  // When set, checked before each page request: once it is true the listing sends no further
  // request and fails (kUnavailable, "… cancelled …"). The caller owns it and keeps it alive for
  // the call; another thread may set it (a live read started early, given up: live_prefetch.h).
  const std::atomic<bool>* cancel = nullptr;
};

// Every failure is an Error whose message names the method, the route and the status, e.g.
// "PATCH /Users/9f0c… → 400 invalidVers: Version does not match current version.", with
// http_status and scim_type set. The codes callers act on:
//   kStale        the If-Match version is no longer current (400 invalidVers, 409 on a write,
//                 412): re-read and re-plan; never overwrite;
//   kConflict     userName already in use (409 on create);
//   kNotFound     no such (non-deleted) user or group;
//   kRateLimited  429 still after the allowed retries, or Retry-After too long to wait;
//                 retry_after_seconds set;
//   kUnavailable  5xx, timeout or dropped connection after the allowed retries (for a create:
//                 the user may or may not have been created: look it up by userName);
//   kUnauthorized 401 even with a fresh token, or the OAuth client was refused;
//   kForbidden    403: the OAuth client lacks a permission;
//   kRejected     any other 4xx (invalid value, mutability, invalidFilter, …);
//   kInvalidInput the service returned a resource that cannot be read, or the request is not
//                 allowed (see HttpTransport).
class ScimDirectory {
 public:
  virtual ~ScimDirectory() = default;

  // Every user of the listing, every page (startIndex advanced by itemsPerPage until
  // totalResults is reached). One failed page fails the call: callers never see half a listing
  // (SPEC §8). A listing that is not whole fails too, kInvalidInput naming the page and what was
  // wrong (SPEC §16): a page that repeats the previous one or brings only users already read,
  // an answer for another startIndex, a page shorter than its itemsPerPage (or empty) before
  // totalResults, Resources null or absent while totalResults says more, a totalResults above
  // 1,000,000 or moving by more than max(page size, 10%) from the first page's, more pages than
  // the first totalResults allows (plus a margin), or a bound of the transport hit.
  // A user seen twice at one version (the listing shifted while it was read) is returned once;
  // a user seen at two different versions is returned at each of them, in the order read, so
  // the caller can tell (readLive leaves such a user alone for the run).
  virtual Result<std::vector<LiveUser>> listUsers(const ListOptions& options) = 0;

  // Every group (id, displayName, version), all pages, members not read
  // (excludedAttributes=members). Fails like listUsers.
  virtual Result<std::vector<Group>> listGroups() = 0;

  // The user with this userName (`filter userName eq "…"`, matched case-insensitively by
  // Genesys); nullopt when none. Used to find out whether a create whose outcome is unknown
  // took effect.
  virtual Result<std::optional<LiveUser>> findUserByUserName(const std::string& user_name) = 0;

  // The user with this externalId (`filter externalId eq "…"`, matched exactly: the filter is the
  // server's, so the answer is checked here too); nullopt when none. Used by serve's one-user
  // event reconcile to find the user an HR event names.
  virtual Result<std::optional<LiveUser>> findUserByExternalId(const std::string& external_id) = 0;

  // One user by id. kNotFound when unknown or deleted.
  virtual Result<LiveUser> getUser(const std::string& id) = 0;

  // POST /Users with `body` (a SCIM user document): the created user, with its id and version.
  // Never retried: a failure other than a clear refusal (kUnavailable) leaves the outcome
  // unknown, and the caller looks the user up by userName before trying again.
  // kConflict when the userName is in use by a non-deleted user.
  virtual Result<LiveUser> createUser(const Json& body) = 0;

  // PATCH /Users/{id} with `ops` and `If-Match: if_match` (sent verbatim, e.g. "\"42\""; no
  // header when empty): the updated user. kStale when the version is not current.
  virtual Result<LiveUser> patchUser(const std::string& id, const std::string& if_match,
                                     const std::vector<PatchOp>& ops) = 0;

  // DELETE /Users/{id} with If-Match (none when empty). A user already gone (404) counts as
  // deleted: success. kStale when the version is not current.
  virtual Status deleteUser(const std::string& id, const std::string& if_match) = 0;

  // One PATCH /Groups/{group_id}: add `add_ids` and remove `remove_ids` (user ids) as members.
  // No request when both are empty. Adding a member twice or removing a non-member is harmless,
  // so the call is safe to repeat.
  virtual Status patchGroupMembers(const std::string& group_id,
                                   const std::vector<std::string>& add_ids,
                                   const std::vector<std::string>& remove_ids) = 0;
};

}  // namespace scim_agent
