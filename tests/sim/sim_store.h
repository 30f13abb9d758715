#pragma once

// SimStore: all users, groups and catalog names of one simulated Genesys Cloud org, with the
// indexes that keep every SCIM lookup cheap at 50,000 users.
//
// Ownership: the store owns every SimUser and SimGroup for its lifetime (or until reset());
// pointers and references it hands out stay valid until then, because nothing is ever erased
// (delete is a soft delete).
//
// Thread safety: none. SimService serialises every call behind its one mutex.
//
// Failure: every mutating method validates first and throws SimError (sim_error.h) without
// changing anything when the change is not allowed:
//   - userName or displayName empty            -> 400 invalidValue
//   - userName held by another non-deleted user -> 409 uniqueness
//     "User name already in use by non-deleted user." (genesys-api.md §2.2)
//   - role / division / skill / language unknown while the catalog for that kind is non-empty
//                                               -> 400 invalidValue
//   - manager id that is not a non-deleted user -> 400 invalidValue
//
// Versions: every write to a user (create, update, delete, restore, touch) increments its
// version and advances the logical clock used for meta.lastModified. Group membership changes
// bump the group's version only, never the member users' versions. Grant changes made through
// the Platform API (bulkremove, PUT /users/{id}/roles, …) bump the user's grants_version
// (AuthzSubject.version) only; queue membership changes bump nothing.
//
// Roles and grants (genesys-api.md §8.2): the org has a role registry {id, name} and a division
// registry {id, name} whose first entry is always "Home". A user's SCIM `roles` attribute
// (UserFields::roles) is derived from the user's grants: the sorted, distinct role names of every
// grant, whatever its division. Writing `roles` through SCIM (create, update, revive) makes the
// user's Home-division grants exactly the written names and drops grants in other divisions whose
// role is no longer named, so a SCIM read returns what was written. While the catalog holds no
// role name (nothing seeded "roles"), an unknown role name written through SCIM creates the role
// (the simulator's historical "anything goes" mode); afterwards it is a 400 invalidValue.
//
// Ids: users and groups take 00000000-0000-4000-8000-<n>; roles 10000000-…, divisions
// 20000000-… (Home is 20000000-0000-4000-8000-000000000001), queues 30000000-…, conversations
// 40000000-…, participants 50000000-…; each kind has its own counter, so seeding roles or
// queues never shifts user ids.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tests/sim/scim_model.h"

namespace scim_agent::sim {

class SimStore {
 public:
  SimStore();

  // ---- Reads -----------------------------------------------------------------------------

  // Every user ever created, deleted ones included, in creation order.
  const std::vector<std::unique_ptr<SimUser>>& users() const { return users_; }
  const std::vector<std::unique_ptr<SimGroup>>& groups() const { return groups_; }
  SimUser& userAt(size_t index) { return *users_[index]; }
  const SimUser& userAt(size_t index) const { return *users_[index]; }
  const SimGroup& groupAt(size_t index) const { return *groups_[index]; }

  // Any user with this id, deleted or not; nullptr when unknown.
  SimUser* userById(std::string_view id);
  // nullptr when unknown or deleted.
  SimUser* liveUserById(std::string_view id);
  // The non-deleted user with this userName (case-insensitive); nullptr when none.
  SimUser* liveUserByUserName(std::string_view user_name);
  // The most recently created deleted user with this userName; nullptr when none.
  SimUser* deletedUserByUserName(std::string_view user_name);
  // Non-deleted users with this externalId (exact match), in creation order.
  std::vector<SimUser*> liveUsersByExternalId(std::string_view external_id);

  // Indexes of non-deleted active / inactive users in creation order. Rebuilt lazily after a
  // write that changes some user's state, so paging through an unchanging store is O(page).
  const std::vector<size_t>& activeUsers();
  const std::vector<size_t>& inactiveUsers();

  SimGroup* groupById(std::string_view id);
  // Case-insensitive display name match.
  SimGroup* groupByDisplayName(std::string_view display_name);

  const Catalog& catalog() const { return catalog_; }
  Catalog& catalog() { return catalog_; }

  // ---- Writes ----------------------------------------------------------------------------

  // Throws SimError when `fields` may not be stored for `self` (nullptr for a new user).
  // `check_manager` false skips the manager check (seeding resolves managers afterwards).
  void validate(const UserFields& fields, const SimUser* self, bool check_manager = true) const;

  // Creates a user. `id` defaults to the next generated id; `version` defaults to 1.
  // REQUIRES: id, when given, is not used by any user or group.
  SimUser& createUser(UserFields fields, std::optional<std::string> id = std::nullopt,
                      int64_t version = 1, bool deleted = false, bool check_manager = true);
  // Replaces the writable attributes of a non-deleted user; bumps its version.
  void updateUser(SimUser& user, UserFields fields);
  // SCIM DELETE semantics (genesys-api.md §3.6): state deleted, removed from every group (each
  // group's version bumps), roles cleared, division back to Home; bumps the user's version.
  void deleteUser(SimUser& user);
  // Brings a deleted user back with `fields` (SCIM POST of a deleted userName: same id).
  void reviveUser(SimUser& user, UserFields fields);
  // Platform state change (PATCH /api/v2/users/{id} {"state":…}): restore keeps roles cleared
  // and the Home division. A state of kDeleted behaves as deleteUser().
  void setState(SimUser& user, UserState state);
  // Counts as a write without changing attributes (used by /sim/touch).
  void bumpUser(SimUser& user);

  // REQUIRES: id, when given, is unused; display_name is not used by another group.
  SimGroup& createGroup(std::string display_name, std::optional<std::string> id = std::nullopt,
                        std::optional<std::string> external_id = std::nullopt);
  // Replaces the members (user indexes, duplicates dropped, order kept) and, unless `bump` is
  // false (seeding), bumps the group's version.
  // REQUIRES: every index names a non-deleted user.
  void setGroupMembers(SimGroup& group, const std::vector<size_t>& members, bool bump = true);
  // Bumps the group's version (attribute changes other than members).
  void touchGroup(SimGroup& group);

  // True when `id` is used by a user or a group.
  bool isIdTaken(std::string_view id) const;
  // Next generated id: UUID-shaped, from a counter, skipping ids already taken.
  std::string newId();

  // ---- Roles, divisions, grants --------------------------------------------------------------

  const std::vector<SimRole>& roles() const { return roles_; }
  const std::vector<SimDivision>& divisions() const { return divisions_; }
  std::optional<size_t> roleById(std::string_view id) const;
  std::optional<size_t> roleByName(std::string_view name) const;  // case-sensitive
  std::optional<size_t> divisionById(std::string_view id) const;
  std::optional<size_t> divisionByName(std::string_view name) const;  // case-insensitive
  // Returns the index of the role with this name, creating it (with `id` or a generated one).
  // REQUIRES: id, when given, is not a role id yet.
  size_t ensureRole(const std::string& name, std::optional<std::string> id = std::nullopt);
  size_t ensureDivision(const std::string& name, std::optional<std::string> id = std::nullopt);
  // Adds a grant unless the user already holds it. Returns true when something changed.
  bool grant(SimUser& user, size_t role, size_t division);
  // Removes one grant. Returns false (and changes nothing) when the user does not hold it.
  bool revoke(SimUser& user, size_t role, size_t division);
  // PUT /api/v2/users/{id}/roles: the Home-division grants become exactly `roles`; grants in
  // other divisions stay.
  void setHomeRoles(SimUser& user, const std::vector<size_t>& roles);

  // ---- Queues --------------------------------------------------------------------------------

  const std::vector<std::unique_ptr<SimQueue>>& queues() const { return queues_; }
  SimQueue* queueById(std::string_view id);
  SimQueue* queueByName(std::string_view name);  // case-insensitive
  // REQUIRES: id, when given, is not a queue id yet.
  SimQueue& createQueue(std::string name, size_t division,
                        std::optional<std::string> id = std::nullopt);
  // Adds `user` (joined as given). Returns false, changing nothing, when already a member.
  bool addQueueMember(SimQueue& queue, SimUser& user, bool joined);
  // Returns false when `user` is not a member.
  bool removeQueueMember(SimQueue& queue, SimUser& user);
  const QueueMember* queueMember(const SimQueue& queue, size_t user_index) const;

  // ---- Conversations (analytics detail index) ------------------------------------------------

  const std::vector<SimConversation>& conversations() const { return conversations_; }
  bool hasConversation(std::string_view id) const;
  std::string newConversationId();
  std::string newParticipantId();
  // Stores the conversation and lists it under every participant user.
  // REQUIRES: its id is unused; participant user indexes are valid.
  void addConversation(SimConversation conversation);

  // The logical clock: 2026-01-01T00:00:00.000Z plus one second per write so far.
  int64_t now() const { return clock_ms_; }

  // Empties the store and restarts the id counters and the logical clock, so a reset followed by
  // the same requests yields byte-identical state.
  void reset();

 private:
  int64_t tick();
  void indexUser(const SimUser& user);
  void unindexUser(const SimUser& user);
  void removeFromAllGroups(SimUser& user);
  void removeFromAllQueues(SimUser& user);
  // Validated names -> grants (see the header comment), then syncRoleNames().
  void applyRoleNames(SimUser& user, const std::vector<std::string>& names);
  void syncRoleNames(SimUser& user);
  void clearGrants(SimUser& user);
  bool isRoleKnown(const std::string& name) const;

  std::vector<std::unique_ptr<SimUser>> users_;
  std::vector<std::unique_ptr<SimGroup>> groups_;
  std::unordered_map<std::string, size_t> user_by_id_;
  std::unordered_map<std::string, size_t> group_by_id_;
  // Lower-cased userName -> every user (any state) that carries it.
  std::unordered_map<std::string, std::vector<size_t>> users_by_name_;
  // externalId -> every user (any state) that carries it.
  std::unordered_map<std::string, std::vector<size_t>> users_by_external_id_;
  std::vector<size_t> active_view_;
  std::vector<size_t> inactive_view_;
  bool views_dirty_ = true;
  Catalog catalog_;
  uint64_t next_id_ = 1;
  int64_t clock_ms_ = 0;

  std::vector<SimRole> roles_;
  std::vector<SimDivision> divisions_;
  std::vector<std::unique_ptr<SimQueue>> queues_;
  std::vector<SimConversation> conversations_;
  std::unordered_map<std::string, size_t> conversation_by_id_;
  uint64_t next_role_id_ = 1;
  uint64_t next_division_id_ = 1;
  uint64_t next_queue_id_ = 1;
  uint64_t next_conversation_id_ = 1;
  uint64_t next_participant_id_ = 1;
};

}  // namespace scim_agent::sim
