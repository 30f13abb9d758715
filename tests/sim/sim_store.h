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
// bump the group's version only, never the member users' versions.

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

  // Empties the store and restarts the id counter and the logical clock, so a reset followed by
  // the same requests yields byte-identical state.
  void reset();

 private:
  int64_t tick();
  void indexUser(const SimUser& user);
  void unindexUser(const SimUser& user);
  void removeFromAllGroups(SimUser& user);

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
};

}  // namespace scim_agent::sim
