#pragma once

// The simulator's in-memory model of Genesys Cloud users and groups.
//
// Plain data only: invariants (unique userName among non-deleted users, indexes, versions) are
// kept by SimStore (sim_store.h), which owns every SimUser and SimGroup. Users and groups are
// never erased: a deleted user stays in the store with `deleted == true` (Genesys soft delete,
// genesys-api.md §3.6), so an index into SimStore::users() is stable for the store's lifetime
// (until SimStore::reset()).

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace scim_agent::sim {

inline constexpr std::string_view kUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
inline constexpr std::string_view kGroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";
inline constexpr std::string_view kEnterpriseSchema =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
inline constexpr std::string_view kGenesysSchema =
    "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";
inline constexpr std::string_view kListResponseSchema =
    "urn:ietf:params:scim:api:messages:2.0:ListResponse";
inline constexpr std::string_view kErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error";
inline constexpr std::string_view kPatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

// Authority of the externalIds entry that mirrors the SCIM externalId (genesys-api.md §3.3).
inline constexpr std::string_view kScimExternalIdAuthority = "x-pc:scimv2:v1";
// The division every user starts in and returns to on delete (genesys-api.md §3.6).
inline constexpr std::string_view kHomeDivision = "Home";

// Phone number types Genesys accepts, in the order they are rendered (genesys-api.md §3.1).
inline constexpr std::array<std::string_view, 11> kPhoneTypes = {
    "work",  "work2",          "work3",     "work4",        "home",       "mobile",
    "other", "microsoftteams", "zoomphone", "eightbyeight", "ringcentral"};

struct RoutingEntry {
  std::string name;          // case-sensitive skill or language name
  double proficiency = 0.0;  // 0.0 .. 5.0
};

struct ExternalIdEntry {
  std::string authority;  // never kScimExternalIdAuthority (that entry mirrors externalId)
  std::string value;
};

struct PhoneNumber {
  std::string type;  // one of kPhoneTypes
  std::string value;
};

// The writable attributes of a user: what POST/PUT set and PATCH edits. std::nullopt means
// "not set", which SCIM renders by omitting the attribute.
struct UserFields {
  std::string user_name;
  std::string display_name;
  bool active = true;
  std::optional<std::string> title;
  std::optional<std::string> external_id;
  std::optional<std::string> work_email;
  std::vector<PhoneNumber> phones;  // at most one per type, kept in kPhoneTypes order
  std::vector<std::string> roles;   // role names, no duplicates, insertion order
  std::optional<std::string> department;
  std::string division = std::string(kHomeDivision);
  std::optional<std::string> employee_number;
  std::optional<std::string> date_hire;  // YYYY-MM-DD
  std::optional<std::string> manager_id;
  std::vector<RoutingEntry> skills;  // unique by name, insertion order
  std::vector<RoutingEntry> languages;
  std::vector<ExternalIdEntry> external_ids;  // extra authorities (microsoftteams, …)
};

enum class UserState { kActive, kInactive, kDeleted };

// One role grant of a user: a role in a division (genesys-api.md §8.2). Indexes point into
// SimStore::roles() / divisions(), which never shrink.
struct Grant {
  size_t role = 0;
  size_t division = 0;
  int64_t made_ms = 0;  // grantMadeAt, from the store's logical clock
};

struct SimUser {
  std::string id;
  size_t index = 0;  // creation order == position in SimStore::users()
  bool deleted = false;
  UserFields fields;
  int64_t version = 1;      // ETag / meta.version; +1 on every write to the user
  int64_t modified_ms = 0;  // meta.lastModified, from SimStore's logical clock
  std::set<size_t> groups;  // indexes of the groups the user is a member of
  // Role grants in the order they were made. fields.roles is derived from them (the sorted,
  // distinct role names) and kept in sync by SimStore.
  std::vector<Grant> grants;
  int64_t grants_version = 1;   // AuthzSubject.version; +1 on every grant change
  std::set<size_t> queues;      // indexes of the queues the user is a member of
  int64_t tokens_revoked = 0;   // DELETE /api/v2/tokens/{userId} calls for this user
  std::vector<size_t> conversations;  // indexes into SimStore::conversations(), by start time

  UserState state() const {
    if (deleted) return UserState::kDeleted;
    return fields.active ? UserState::kActive : UserState::kInactive;
  }
};

struct SimGroup {
  std::string id;
  size_t index = 0;  // creation order == position in SimStore::groups()
  std::string display_name;
  std::optional<std::string> external_id;
  std::vector<size_t> members;  // user indexes, in the order they were added
  int64_t version = 1;          // +1 on every membership or attribute change
  int64_t modified_ms = 0;
};

struct SimRole {
  std::string id;
  std::string name;  // case-sensitive, unique
};

struct SimDivision {
  std::string id;
  std::string name;  // unique; index 0 is always "Home"
};

struct QueueMember {
  size_t user = 0;  // user index
  bool joined = true;
};

// A routing queue with user members (memberBy "user"; genesys-api.md §8.1).
struct SimQueue {
  std::string id;
  size_t index = 0;
  std::string name;
  size_t division = 0;               // index into SimStore::divisions()
  std::vector<QueueMember> members;  // in the order they were added
};

struct Participant {
  std::string id;                   // participantId
  std::string purpose;              // "agent", "customer", …
  std::optional<size_t> user;       // user index (agents); none for customers
};

// A conversation in the analytics detail index (genesys-api.md §8.4).
struct SimConversation {
  std::string id;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string direction;  // originatingDirection: "inbound" | "outbound"
  std::vector<std::string> division_ids;
  std::vector<Participant> participants;
};

// Names that exist in the simulated org. An empty set means "anything goes" for that kind.
struct Catalog {
  std::set<std::string> roles;
  std::set<std::string> divisions;  // "Home" is always valid
  std::set<std::string> skills;
  std::set<std::string> languages;
};

}  // namespace scim_agent::sim
