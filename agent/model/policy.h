#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/model/source_outcome.h"
#include "agent/model/user.h"

namespace scim_agent {

// What to do with live users that are outside the agent's scope (SPEC §7).
enum class UnmanagedPolicy { kIgnore, kReport, kSuspend };
// What to do with a managed live user that is missing from the desired state.
enum class RemovalPolicy { kSuspend, kDelete };

// A user the agent never suspends, deletes or patches. Either key may be set; a rule matches
// when every key it sets matches (userName case-insensitively, externalId exactly).
struct ProtectedRule {
  std::string user_name;
  std::string external_id;
  SourcePos source;
};

// The documented defaults of policy.maxAttributeLength (specs/README.md). Genesys Cloud publishes
// no per-attribute limits, only its 512,000-byte request limit; these are the usual directory
// limits (255 for names, 254 for email addresses, 64 for employee numbers, 32 for phones).
std::map<std::string, int> defaultMaxAttributeLengths();

// The policy: from the spec's `policy:` section (and agent.yaml's, which the spec overrides key
// by key). Defaults are SPEC §7's.
struct Policy {
  // ECMAScript regex matched (search) against a live user's externalId. A live user is managed
  // when it has an externalId matching this pattern, or matches a desired user. Empty pattern:
  // every live user with an externalId is in scope.
  std::string scope_external_id_pattern;
  UnmanagedPolicy unmanaged = UnmanagedPolicy::kIgnore;
  RemovalPolicy on_removal = RemovalPolicy::kSuspend;
  std::vector<ProtectedRule> protected_users;
  std::vector<Attribute> managed_attributes = defaultManagedAttributes();
  // department code → role names allowed for users of that department. Empty: no restriction.
  std::map<std::string, std::vector<std::string>> roles_by_department;
  // policy.maxAttributeLength: the longest value `validate` accepts, in characters, by spec key
  // (displayName, title, …; for lists such as groups, each entry). See specs/README.md.
  std::map<std::string, int> max_attribute_length = defaultMaxAttributeLengths();
  // Guardrails (applied by the CLI around the planner's output).
  int max_destructive_count = 25;
  double max_destructive_percent = 5;  // of managed live users; never below one action
  double max_source_shrink_percent = 10;
  // policy.maxRejectedRecords (SPEC §6): the most HR records one source may reject before the
  // run fails; a count ("50") or a percentage of the source's records ("1%", the default).
  bool max_rejected_is_percent = true;
  double max_rejected_records = 1;
  bool restore_deleted = true;
  // policy.deleteAfter: a suspended, removed (or terminated) user is deleted after this many days
  // from its recorded suspension; -1 ("never"): never deleted for that.
  int delete_after_days = 30;
  // policy.archiveDays: how far back a user's conversation history is archived before delete.
  int archive_days = 365;

  bool manages(Attribute a) const;
};

const char* unmanagedPolicyName(UnmanagedPolicy p);
const char* removalPolicyName(RemovalPolicy p);

// One desired file as read: a saved plan records these (agent/model/plan.h PlanInputs).
struct DesiredFile {
  std::string path;    // as the loader opened it (the desired path, or a file of its directory)
  std::string sha256;  // of the bytes parsed
  bool operator==(const DesiredFile&) const = default;
};

// The whole desired state after loading: every user (defaults and groupsByDepartment applied),
// the policy, and a digest of both that a saved plan is bound to.
struct DesiredState {
  std::vector<DesiredUser> users;  // in load order (files in name order, then file order)
  Policy policy;
  std::map<std::string, std::vector<std::string>> groups_by_department;
  std::string digest;  // sha256 hex of the canonical desired users + policy
  // What each HR source (sources:, SPEC §6) gave, in the order configured. Their users are in
  // `users` already, merged with the YAML files' by externalId.
  std::vector<SourceOutcome> sources;
  std::vector<DesiredFile> files;  // every desired file read, in load order
};

}  // namespace scim_agent
