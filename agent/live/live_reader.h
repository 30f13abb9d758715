#pragma once

// Reading the live state of the org: every active and inactive user, and every group (SPEC §8).

#include <atomic>

#include "agent/base/result.h"
#include "agent/model/policy.h"
#include "agent/model/user.h"
#include "agent/scim/scim_directory.h"

namespace scim_agent {

// What the plan will diff, so the read can leave out what it does not need. The defaults read
// everything.
struct LiveReadOptions {
  bool roles = true;              // roles are managed
  bool routing_skills = true;     // routingSkills are managed
  bool routing_languages = true;  // routingLanguages are managed
  // When set, checked before each page request (ListOptions::cancel): once true, the read sends
  // nothing more and fails. Set from another thread to give up a read started early
  // (live_prefetch.h).
  const std::atomic<bool>* cancel = nullptr;
};

// What a plan under `policy` diffs: roles, routingSkills and routingLanguages when it manages them.
LiveReadOptions liveReadOptionsFor(const Policy& policy);

// Reads the whole live picture through `directory`:
//   1. the default listing (active users), then
//   2. the `active eq false` listing (inactive users; deleted users are not listable),
//   3. the groups (without members).
// Users are merged by id: one that changed state between the two listings appears once, as the
// later (inactive) listing saw it. A user one listing returned at two different versions (the
// directory keeps such copies, scim_directory.h) is left out of `users` and put in
// LiveState::unsettled with the keys of every copy: the read still succeeds, and that user is
// left alone for the run (SPEC §16). It is logged as a warning; the caller shows it. Users
// come back sorted by id, groups by id, unsettled users by id, so the result does not depend on
// the service's page order.
//
// Cost: 25 users per page, always. Genesys allows larger pages only when all four expensive
// attributes (externalId, roles, routingSkills, routingLanguages) are projected out
// (genesys-api.md §2.3), and externalId is the key every live user is matched by (SPEC §8), so
// it can never be left out. Unmanaged roles / skills / languages are still projected out, which
// makes each page cheaper for the service; those users then carry roles_known (etc.) = false,
// and the planner must not diff those attributes.
//
// Fails when any page of any listing fails, or a listing is not whole (a repeated or short
// page, null Resources, an absurd totalResults, a size or time bound hit: scim_directory.h):
// never half a picture (SPEC §8). The error is the directory's, its message prefixed with
// which listing failed ("reading the active users failed: GET /Users?startIndex=26&count=25
// (page 2): the page repeats the previous page (the same 25 ids): the listing cannot be read
// whole").
Result<LiveState> readLive(ScimDirectory& directory, const LiveReadOptions& options = {});

// The excludedAttributes readLive() sends for `options` (empty when everything is managed).
std::vector<std::string> liveReadExclusions(const LiveReadOptions& options);

}  // namespace scim_agent
