#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/base/json.h"
#include "agent/model/policy.h"

namespace scim_agent {

enum class ActionKind {
  kCreate,        // POST /Users (then group adds, as separate group actions)
  kUpdate,        // one PATCH with the minimal operations, If-Match the version seen
  kSuspend,       // PATCH active=false (+ any other changes), If-Match; memberships removed by
                  // group actions
  kReactivate,    // PATCH active=true (+ any other changes), If-Match
  kDelete,        // clean-up (archive, queues, grants, tokens), DELETE with If-Match, verify,
                  // notify (SPEC §8)
  kGroupMembers,  // one PATCH /Groups/{id} with every member added and removed in this plan
  kRestore,       // Platform restore of a deleted Genesys user (version = its Platform version),
                  // then one PATCH with the desired attributes (ops)
};
const char* actionKindName(ActionKind k);  // "create", "update", …, "group"
bool actionKindFromName(const std::string& name, ActionKind* out);

// One SCIM PatchOp operation (RFC 7644 §3.5.2).
struct PatchOp {
  std::string op;    // add | replace | remove
  std::string path;  // e.g. "title", "phoneNumbers[type eq \"work\"].value"
  Json value;        // null for remove
  bool operator==(const PatchOp&) const = default;
};

// The before/after of one attribute, for review and audit.
struct AttributeChange {
  std::string attribute;  // Attribute name ("title", "roles", …)
  Json before;            // null when absent
  Json after;             // null when cleared
  bool operator==(const AttributeChange&) const = default;
};

// A group member reference. `user_id` is empty for users this plan creates: the applier
// resolves them by external_id after their create succeeded.
struct MemberRef {
  std::string user_id;
  std::string external_id;
  std::string user_name;
  bool operator==(const MemberRef&) const = default;
};

// One step of a plan, with its reason ("why": SPEC §8).
struct Action {
  ActionKind kind = ActionKind::kUpdate;

  // Target user (every kind but kGroupMembers).
  std::string external_id;
  std::string user_name;
  std::string user_id;  // empty for kCreate
  std::string version;  // the version seen; sent as If-Match

  std::vector<PatchOp> ops;  // kUpdate, kSuspend, kReactivate; kCreate: ops applied after the
                             // POST that cannot be in it (a manager created in this plan)
  Json body;                 // kCreate: the SCIM user document to POST (no manager when the
                             // manager is created in this plan: see manager_external_id)
  std::string manager_external_id;  // kCreate: manager created in this plan, set after both exist
  bool adopt = false;  // kUpdate: the live user had no externalId and is adopted (externalId set)
  // kCreate: whether a deleted Genesys user holds this userName could not be checked when
  // planning (policy.restoreDeleted); the applier checks before the POST.
  bool check_deleted = false;
  // The plan's verdict on this action (SPEC §16; set by the cycle, not the planner): `blocked`
  // by a guardrail (Plan::verdict says which), or `held` for `scim-agent approve`.
  bool blocked = false;
  bool held = false;

  // kGroupMembers.
  std::string group_id;
  std::string group_name;
  std::string group_version;
  std::vector<MemberRef> add_members;     // sorted by external_id, then user_name
  std::vector<MemberRef> remove_members;  // sorted likewise

  // Why.
  std::string rule;    // e.g. "new in desired state", "removed from desired state",
                       // "status terminated", "attributes differ", "adopted by userName"
  SourcePos source;    // the spec place (or HR row) the desired user came from
  std::vector<AttributeChange> changes;

  bool isDestructive() const { return kind == ActionKind::kSuspend || kind == ActionKind::kDelete; }
};

// Something the plan reports but does not act on.
enum class NoticeKind {
  kConflict,   // two live users share one key: not touched
  kProtected,  // a change was needed but the user is protected
  kUnmanaged,  // a live user outside the scope (unmanaged: report)
  kWarning,    // anything else worth a look (unknown group, unresolved manager, …)
};
const char* noticeKindName(NoticeKind k);
bool noticeKindFromName(const std::string& name, NoticeKind* out);

struct Notice {
  NoticeKind kind = NoticeKind::kWarning;
  std::string external_id;
  std::string user_name;
  std::string message;
  SourcePos source;
  bool operator==(const Notice&) const = default;
};

// What applying a plan will cost (SPEC §8).
struct PlanCost {
  std::map<std::string, int> calls;  // e.g. "POST /Users": 3, "PATCH /Users": 5, "PATCH /Groups": 2
  int total_calls = 0;
  double min_seconds = 0;  // total_calls at the configured requests per minute
  // How planning looked for deleted Genesys users holding the creates' userNames
  // (policy.restoreDeleted), and why that way: "1 listing of 5,000 (50 pages) instead of 10,000
  // searches: …". Calls made while planning, not counted in total_calls. Empty when none were.
  std::string deleted_lookup;
};

// What a saved plan (`plan --out`) records of the desired inputs it was made from, so that
// `apply plan.json` can tell they are unchanged without parsing them (issue 13: at 100,000 users
// the parse was 70-95% of the apply) and the policy gate can judge each action from these facts
// alone. Signed with the rest of the document.

// A desired entry as the policy gate sees it (agent/reconcile/policy_gate.h).
struct PlanInputUser {
  std::string external_id;
  UserStatus status = UserStatus::kActive;  // the desired state's own, before termination holds
  SourcePos source;
  bool operator==(const PlanInputUser&) const = default;
};

struct PlanInputs {
  std::vector<DesiredFile> files;  // every desired file, in load order
  std::string settings;            // sha256 of what agent.yaml adds (base policy, target kind)
  Json policy;                     // the effective policy (agent/desired/desired_json.h)
  int64_t desired_users = 0;       // the desired user count (the source-shrink baseline)
  // The desired entries of every user an action names (its user, a group change's members),
  // sorted by externalId. A named user without one is absent from the desired state.
  std::vector<PlanInputUser> users;
};

// Why part of a plan is not applied as it stands (SPEC §16: a plan document states its own
// verdict). Blocked: a guardrail stops the destructive part (or, for a manifest, the new
// leavers); the actions it stops carry Action::blocked.
struct PlanVerdict {
  bool blocked = false;
  std::string rule;     // "maxDestructive", "maxSourceShrink", "maxRejectedRecords", "sourceNotWhole"
  std::string message;  // which rule and why, with the numbers
  std::string limit;    // the effective limit: "at most 1 of 4 managed users: 5%, never less than one"
  std::string proceed;  // how to go on: "--allow-destructive …, --hold-destructive …, or raise …"
};

// What the plan does not do now but will, or waits for (the "Scheduled" section).
enum class ScheduledKind {
  kDelete,           // an inactive leaver deleted once policy.deleteAfter has passed
  kTermination,      // a manifest's termination with a later effective date
  kHeldTermination,  // a termination waiting for a desired or live user with its externalId,
                     // or holding over a desired entry that would otherwise be created
};
const char* scheduledKindName(ScheduledKind k);  // "delete", "termination", "heldTermination"
bool scheduledKindFromName(const std::string& name, ScheduledKind* out);

struct ScheduledItem {
  ScheduledKind kind = ScheduledKind::kDelete;
  std::string external_id;
  std::string user_name;
  std::string due;      // ISO-8601 UTC when it happens; "" when it waits for something else
  std::string message;  // why, and what to do about it
  SourcePos source;
  bool operator==(const ScheduledItem&) const = default;
};
// The order of Plan::scheduled: by due time (items without one last), externalId, message.
bool scheduledLess(const ScheduledItem& a, const ScheduledItem& b);

// A plan: deterministic for the same inputs, byte for byte once serialised.
struct Plan {
  int format_version = 1;
  std::string desired_digest;  // DesiredState::digest the plan was made from
  std::vector<Action> actions;  // creates, updates, reactivates, suspends, deletes, then groups
  std::vector<Notice> notices;
  PlanCost cost;
  int managed_live_users = 0;  // live users in scope when planned (base of maxDestructive.percent)
  // Removed (or terminated) users found inactive with no recorded suspension: their deleteAfter
  // grace period starts now (the caller records it). Sorted externalIds.
  std::vector<std::string> grace_starts;
  // Set on a saved plan only (Reconciler::signedPlanDocument); absent in plans saved before.
  std::optional<PlanInputs> inputs;
  // The verdict (set by the cycle) and what is scheduled (by due date, then externalId). Neither
  // is a change: a plan with only scheduled items has no changes.
  PlanVerdict verdict;
  std::vector<ScheduledItem> scheduled;

  bool hasChanges() const { return !actions.empty(); }
  int count(ActionKind k) const;
  int destructiveCount() const;
  int blockedCount() const;
  int heldCount() const;
};

}  // namespace scim_agent
