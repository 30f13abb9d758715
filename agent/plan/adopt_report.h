#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/model/plan.h"
#include "agent/model/policy.h"
#include "agent/model/user.h"
#include "agent/plan/guardrail.h"
#include "agent/plan/match.h"

namespace scim_agent {

// The first-run report (SPEC §8, `scim-agent adopt --report`): before the first apply against an
// organization, what that apply would find and do to every user, so it holds no surprise.
//
// Every desired and every live user is in exactly one class. When several apply, the first in
// this order wins (a terminated user matched by userName is kDestroyed, its rule says it is
// adopted too):
enum class AdoptClass {
  kAmbiguous,  // a key that is not safe to match (two live users for one externalId or userName,
               // a live user holding a desired userName under another externalId, a key declared
               // twice): the planner leaves every user involved alone
  kDestroyed,  // the first apply would suspend or delete it (with the rule, and whether the
               // destructive guardrail would hold it back)
  kProtected,  // policy.protected matches it and the plan leaves it alone (and says what it
               // would otherwise have done)
  kAdopted,    // a live user without externalId matched by userName: the apply sets externalId
  kCreated,    // no live user: the apply creates it (or restores a deleted one)
  kMatched,    // matched by externalId; updated, reactivated, or already equal
  kUnmanaged,  // a live user outside policy.scope (or without externalId) that no desired user
               // matches; `detail` says what policy.unmanaged does with it
  kLeftAlone,  // managed, but nothing to do: a removed user already inactive, a desired suspended
               // or terminated user that does not exist live
};
// "ambiguous", "destroyed", "protected", "adopted", "created", "matched", "unmanaged",
// "leftAlone": the JSON keys of the report document.
const char* adoptClassName(AdoptClass c);
// Every class, in the order above (the report's section order).
const std::vector<AdoptClass>& allAdoptClasses();

// One user of the report.
struct AdoptEntry {
  AdoptClass kind = AdoptClass::kMatched;
  // The desired user's keys when there is one, else the live user's.
  std::string external_id;
  std::string user_name;
  SourcePos source;  // where the desired user is declared; empty for live-only users
  // The live user this entry is about ("" when none): the match, or the live-only user.
  std::string live_id;
  std::string live_external_id;  // that live user's externalId ("" when it has none)
  bool live_active = false;
  // kAmbiguous: every live user involved, sorted by id (may include users matched elsewhere).
  std::vector<std::string> live_ids;
  MatchKind match = MatchKind::kNone;  // how the desired user matched (kNone for live-only users)
  // The user action the plan has for it (never kGroupMembers), with its rule.
  std::optional<ActionKind> action;
  std::string rule;
  std::vector<std::string> changed_attributes;  // the action's attributes, in plan order
  bool held = false;   // kDestroyed: the destructive guardrail would block it (JSON "held")
  std::string detail;  // why, in words: the conflict, the unmanaged policy, the protection
};

struct AdoptReport {
  std::string desired_digest;
  int desired_users = 0;
  int live_users = 0;
  UnmanagedPolicy unmanaged_policy = UnmanagedPolicy::kIgnore;
  std::string scope_pattern;  // policy.scope.externalIdPattern
  // Sorted by class (AdoptClass order), then externalId, userName, live id.
  std::vector<AdoptEntry> entries;
  // The plan's kWarning notices (unknown groups, unresolved managers, a bad scope pattern).
  std::vector<Notice> warnings;
  GuardrailVerdict guardrail;  // the verdict on the plan's destructive part
  // What the plan schedules (Plan::scheduled): deletes due after policy.deleteAfter, future and
  // held terminations. Not a surprise of the first apply: clean() ignores them.
  std::vector<ScheduledItem> scheduled;

  int count(AdoptClass c) const;
  int heldCount() const;
  // No ambiguity and nothing destructive: the first apply holds no surprise.
  bool clean() const {
    return count(AdoptClass::kAmbiguous) == 0 && count(AdoptClass::kDestroyed) == 0;
  }
};

// Classifies every user of `desired` and `live` from `plan`, which must be
// makePlan(desired, live, …) (its actions and notices are the truth: this function only sorts
// them per user), and `guardrail`, the verdict the run would apply to it (checkDestructive, plus
// source integrity in the CLI). Matching is the planner's own (matchUsers); the scope test follows
// Policy::scope_external_id_pattern's contract. Pure and deterministic: the same inputs in any
// order give the same report.
AdoptReport makeAdoptReport(const DesiredState& desired, const LiveState& live, const Plan& plan,
                            const GuardrailVerdict& guardrail);

}  // namespace scim_agent
