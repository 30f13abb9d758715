#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/diagnostics.h"

namespace scim_agent {

// The user attributes scim-agent can manage, by their names in agent.yaml / specs
// (policy.managedAttributes) and in plans.
enum class Attribute {
  kUserName,
  kDisplayName,
  kTitle,
  kEmails,
  kPhoneNumbers,
  kDepartment,
  kDivision,
  kEmployeeNumber,
  kDateHire,
  kManager,
  kGroups,
  kRoles,
  kRoutingSkills,
  kRoutingLanguages,
  kActive,
};

// "displayName", "routingSkills", …
const char* attributeName(Attribute a);
// Inverse of attributeName; nullopt for an unknown name.
std::optional<Attribute> attributeFromName(const std::string& name);
// Every attribute, in declaration order.
const std::vector<Attribute>& allAttributes();
// SPEC §7's default policy.managedAttributes: all but userName.
std::vector<Attribute> defaultManagedAttributes();

// One phone number; Genesys keeps one per type (genesys-api.md §3.1).
struct PhoneNumber {
  std::string value;
  std::string type;  // work, work2, work3, work4, home, mobile, other, microsoftteams, …
  bool operator==(const PhoneNumber&) const = default;
};

// A routing skill or language with its proficiency 0–5.
struct Proficiency {
  std::string name;
  double proficiency = 0;
  bool operator==(const Proficiency&) const = default;
};

enum class UserStatus { kActive, kSuspended, kTerminated };
const char* userStatusName(UserStatus s);
// Inverse of userStatusName; false for an unknown name.
bool userStatusFromName(const std::string& name, UserStatus* out);

// A user as the desired state declares it. For every optional attribute, nullopt means "not
// declared: leave the live value alone"; an empty string or list means "declared empty: clear it".
struct DesiredUser {
  std::string external_id;  // the key; case-exact
  std::string user_name;    // unique case-insensitively; the Genesys login email
  std::optional<std::string> display_name;
  std::optional<std::string> title;
  std::optional<std::string> work_email;  // emails[type eq "work"]; "other" mirrors userName
  std::optional<std::vector<PhoneNumber>> phone_numbers;
  std::optional<std::string> department;
  std::optional<std::string> division;  // by name
  std::optional<std::string> employee_number;
  std::optional<std::string> date_hire;  // YYYY-MM-DD
  std::optional<std::string> manager;    // the manager's externalId; "" clears
  std::optional<std::vector<std::string>> groups;  // display names, sorted, unique
  std::optional<std::vector<std::string>> roles;   // role names, sorted, unique
  std::optional<std::vector<Proficiency>> routing_skills;     // sorted by name
  std::optional<std::vector<Proficiency>> routing_languages;  // sorted by name
  UserStatus status = UserStatus::kActive;
  SourcePos source;  // where the user is declared (file:line:column, or HR row)

  bool active() const { return status == UserStatus::kActive; }
};

// A user as Genesys returned it. Empty strings/lists mean absent.
struct LiveUser {
  std::string id;
  std::string version;      // meta.version / ETag, verbatim (e.g. "\"42\""); echoed in If-Match
  std::string external_id;  // "" when the user has none
  std::string user_name;
  bool active = true;
  std::string display_name;
  std::string title;
  std::string work_email;
  std::vector<PhoneNumber> phone_numbers;  // sorted by type
  std::string department;
  std::string division;
  std::string employee_number;
  std::string date_hire;
  std::string manager_id;  // the manager's Genesys user id
  std::vector<std::string> group_ids;  // sorted
  std::vector<std::string> roles;      // sorted
  std::vector<Proficiency> routing_skills;     // sorted by name
  std::vector<Proficiency> routing_languages;  // sorted by name
  // False when the read projected the attribute out (large pages, genesys-api.md §2.3): the
  // planner must then not diff it.
  bool roles_known = true;
  bool routing_skills_known = true;
  bool routing_languages_known = true;
};

// A Genesys group (SCIM Groups resource). Groups cannot be created over SCIM.
struct Group {
  std::string id;
  std::string display_name;
  std::string version;
};

// A Genesys user in state "deleted": not listable over SCIM, found by the Platform user search
// (genesys-api.md §3.6), and restorable with its Platform version.
struct DeletedLiveUser {
  std::string id;
  std::string user_name;  // the login email
  int64_t version = 0;    // the Platform user version
};

// A user one listing showed at two or more different versions (it changed while the listing was
// read, or the service is inconsistent): which copy is current cannot be told, so the user is
// not in LiveState::users and is left alone for the run (SPEC §16). The keys of every copy are
// kept, so the planner can tell which desired user it is (it must plan nothing for that user,
// not even a create) and the plan can say why.
struct UnsettledLiveUser {
  std::string id;
  std::vector<std::string> versions;      // as read, in the order read
  std::vector<std::string> external_ids;  // distinct non-empty externalIds of the copies, sorted
  std::vector<std::string> user_names;    // distinct userNames of the copies, sorted
  std::string listing;                    // "active" or "inactive"
};

// What the reader saw: every active and inactive user (never half a listing), and every group.
// `deleted`: deleted Genesys users holding the userName of a desired user that would otherwise
// be created (looked up only for those, when policy.restoreDeleted is on).
// `unsettled`: users read at two versions in one listing, left out of `users`; sorted by id.
struct LiveState {
  std::vector<LiveUser> users;
  std::vector<Group> groups;
  std::vector<DeletedLiveUser> deleted;
  std::vector<UnsettledLiveUser> unsettled = {};
};

}  // namespace scim_agent
