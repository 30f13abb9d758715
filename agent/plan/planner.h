#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "agent/model/plan.h"
#include "agent/model/policy.h"
#include "agent/model/user.h"
#include "agent/plan/guardrail.h"

namespace scim_agent {

// The rule of a suspend or delete planned because the user left the desired state (reports tell
// a removal from a termination by it).
inline constexpr const char* kRuleRemoved = "removed from desired state";

struct PlanOptions {
  // "genesys" or "scim". Only "genesys" writes the Genesys extension (routingSkills,
  // routingLanguages); messages name "Genesys" or "the SCIM service" accordingly.
  std::string target_kind = "genesys";
  // The configured write rate; only used for the plan's cost estimate.
  double requests_per_minute = 300;
  // policy.deleteAfter: the time of planning (ISO-8601 UTC, "2026-11-23T12:00:00Z") and when
  // each user was first suspended (externalId → the same format), from the state database.
  // Empty `now`: no grace period is ever over.
  std::string now;
  std::map<std::string, std::string> suspended_at;
  // policy.restoreDeleted: would-be creates whose check for a deleted Genesys user failed
  // (lower-cased userName → why). Their creates carry check_deleted (the applier checks before
  // the POST, so a person a restore would bring back is not duplicated), with a kWarning each.
  std::map<std::string, std::string> unchecked_creates;
  // Source integrity (SPEC §6): people whose HR record was rejected this run, or whose source
  // could not be read whole (externalId → why). No suspend or delete is planned for them, and
  // nothing else either: a kWarning notice says why. `removals_stopped`, when not empty, says
  // why no managed live user missing from the desired state is suspended or deleted this run
  // (a source that governs them could not be read whole): one kWarning notice with the count.
  std::map<std::string, std::string> shielded;
  std::string removals_stopped;
};

// Computes the plan that makes `live` equal to `desired` (SPEC §7, §8). Pure and deterministic:
// no I/O, clock, randomness or logging; reordering desired.users, live.users or live.groups
// gives a byte-identical plan. Never fails: what cannot be planned safely becomes a Notice.
//
// Matching (see match.h): by externalId; a live user without externalId by userName
// (case-insensitive), adopted with an `externalId` operation; ambiguous keys are kConflict
// notices and those users are left alone (a conflicted desired user is not created either).
//
// Scope: a live user is managed when a desired user matches it, or its externalId matches
// policy.scope_external_id_pattern (ECMAScript, search; empty: any externalId). An invalid pattern
// is a kWarning and then no unmatched live user is touched. Unmanaged live users follow
// policy.unmanaged: ignore, report (kUnmanaged notice) or suspend (rule "unmanaged policy"; their
// group memberships are left alone).
//
// Actions, each with rule, source (the desired user's place; empty for removed users) and
// changes (before/after per attribute, for review):
//  - kCreate  an active desired user with no live match: `body` is the SCIM document (managed,
//             declared, non-empty attributes only). Desired users that are suspended or
//             terminated and do not exist live need nothing and get nothing. When the manager is
//             itself created by this plan, the body has no manager and `manager_external_id`
//             names it; creates are ordered managers first.
//  - kUpdate  minimal PatchOps for managed, declared attributes that differ (nullopt leaves the
//             live value alone, empty clears it with `remove`); roles and routing lists only
//             when the live read included them. `manager_external_id` is set (and there is no
//             manager op) when the new manager is created by this plan: the applier resolves it
//             after the creates, which come first, and adds the operation.
//  - kSuspend `replace active false` (+ the update's other operations) for a desired user whose
//             status is suspended/terminated ("status terminated"), a managed live user missing
//             from desired with on_removal suspend ("removed from desired state"; already
//             inactive: nothing), or an unmanaged user under unmanaged: suspend.
//  - kReactivate `replace active true` (+ other operations) for a desired active, live inactive
//             user.
//  - kDelete  a managed live user missing from desired with on_removal delete (active or not),
//             or an inactive one that was removed (on_removal suspend) or is terminated, whose
//             grace period policy.deleteAfter since its recorded suspension is over ("grace
//             period over"). The applier does the clean-up (SPEC §8). Its memberships are not
//             removed first: group actions run after deletes. Such a user inactive without a
//             recorded suspension is listed in plan.grace_starts: its grace period starts now.
//  - kRestore an active desired user with no live match whose userName belongs to a deleted
//             Genesys user (live.deleted; policy.restoreDeleted, Genesys only): restored with its
//             Platform version, then one PATCH with every declared attribute and externalId.
//  - kGroupMembers  one per group touched, with every member added and removed. Only when
//             `groups` is managed; a desired user's memberships change only when it declares
//             groups; suspended users (and desired inactive users) lose every membership. A group
//             name that does not exist live is a kWarning (once per name), and a user naming one
//             gets no membership change (unknown_names.h finds them for the caller's error).
// Suspends and reactivates need `active` in managed attributes; without it the user is only
// updated. Protected users (policy.protected_users, matched on the live or the desired keys) get
// a kProtected notice instead of any action or membership change. Unresolvable managers are a
// kWarning and the manager is left alone.
//
// plan.managed_live_users = countManagedLiveUsers(desired, live).
//
// Order: creates (managers first, then externalId), restores, updates, reactivates, suspends, deletes
// (externalId, userName, id), then group actions by group name. Notices by kind, externalId,
// userName, message. Cost: one "POST /Users" per create, one "PATCH /Users" per update, suspend,
// reactivate and per create with manager_external_id, one "DELETE /Users" per delete (its
// Platform API clean-up calls are not counted), one "PATCH /Groups" per group action.
Plan makePlan(const DesiredState& desired, const LiveState& live, const PlanOptions& options);

// The number of managed live users (matched by a desired user, or in scope): the base of the
// policy.maxDestructive percentage (checkDestructive in guardrail.h).
size_t countManagedLiveUsers(const DesiredState& desired, const LiveState& live);

}  // namespace scim_agent
