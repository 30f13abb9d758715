#include "tests/sim/sim_store.h"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "tests/sim/sim_error.h"
#include "tests/sim/sim_json.h"

namespace scim_agent::sim {
namespace {

// meta.lastModified comes from a logical clock so that runs repeat byte for byte:
// 2026-01-01T00:00:00.000Z plus one second per write.
constexpr int64_t kClockBaseMs = 1767225600000;
constexpr int64_t kClockStepMs = 1000;

void eraseIndex(std::vector<size_t>& list, size_t index) {
  list.erase(std::remove(list.begin(), list.end(), index), list.end());
}

void checkCatalog(const std::set<std::string>& known, const std::string& name,
                  std::string_view kind) {
  if (!known.empty() && known.count(name) == 0) {
    throw invalidValue("Unknown " + std::string(kind) + " '" + name + "'.");
  }
}

}  // namespace

SimStore::SimStore() { reset(); }

void SimStore::reset() {
  users_.clear();
  groups_.clear();
  user_by_id_.clear();
  group_by_id_.clear();
  users_by_name_.clear();
  users_by_external_id_.clear();
  active_view_.clear();
  inactive_view_.clear();
  views_dirty_ = true;
  catalog_ = Catalog{};
  next_id_ = 1;
  clock_ms_ = kClockBaseMs;
}

int64_t SimStore::tick() {
  clock_ms_ += kClockStepMs;
  return clock_ms_;
}

bool SimStore::isIdTaken(std::string_view id) const {
  const std::string key(id);
  return user_by_id_.count(key) != 0 || group_by_id_.count(key) != 0;
}

std::string SimStore::newId() {
  for (;;) {
    char buffer[40];
    std::snprintf(buffer, sizeof(buffer), "00000000-0000-4000-8000-%012llx",
                  static_cast<unsigned long long>(next_id_++));
    if (!isIdTaken(buffer)) return buffer;
  }
}

SimUser* SimStore::userById(std::string_view id) {
  auto it = user_by_id_.find(std::string(id));
  return it == user_by_id_.end() ? nullptr : users_[it->second].get();
}

SimUser* SimStore::liveUserById(std::string_view id) {
  SimUser* user = userById(id);
  return user != nullptr && !user->deleted ? user : nullptr;
}

SimUser* SimStore::liveUserByUserName(std::string_view user_name) {
  auto it = users_by_name_.find(toLower(user_name));
  if (it == users_by_name_.end()) return nullptr;
  for (size_t index : it->second) {
    if (!users_[index]->deleted) return users_[index].get();
  }
  return nullptr;
}

SimUser* SimStore::deletedUserByUserName(std::string_view user_name) {
  auto it = users_by_name_.find(toLower(user_name));
  if (it == users_by_name_.end()) return nullptr;
  SimUser* latest = nullptr;
  for (size_t index : it->second) {
    SimUser* user = users_[index].get();
    if (user->deleted && (latest == nullptr || user->index > latest->index)) latest = user;
  }
  return latest;
}

std::vector<SimUser*> SimStore::liveUsersByExternalId(std::string_view external_id) {
  std::vector<SimUser*> found;
  auto it = users_by_external_id_.find(std::string(external_id));
  if (it == users_by_external_id_.end()) return found;
  for (size_t index : it->second) {
    if (!users_[index]->deleted) found.push_back(users_[index].get());
  }
  std::sort(found.begin(), found.end(),
            [](const SimUser* a, const SimUser* b) { return a->index < b->index; });
  return found;
}

const std::vector<size_t>& SimStore::activeUsers() {
  if (views_dirty_) {
    active_view_.clear();
    inactive_view_.clear();
    for (const auto& user : users_) {
      if (user->deleted) continue;
      (user->fields.active ? active_view_ : inactive_view_).push_back(user->index);
    }
    views_dirty_ = false;
  }
  return active_view_;
}

const std::vector<size_t>& SimStore::inactiveUsers() {
  activeUsers();
  return inactive_view_;
}

SimGroup* SimStore::groupById(std::string_view id) {
  auto it = group_by_id_.find(std::string(id));
  return it == group_by_id_.end() ? nullptr : groups_[it->second].get();
}

SimGroup* SimStore::groupByDisplayName(std::string_view display_name) {
  for (const auto& group : groups_) {
    if (equalsIgnoreCase(group->display_name, display_name)) return group.get();
  }
  return nullptr;
}

void SimStore::validate(const UserFields& fields, const SimUser* self, bool check_manager) const {
  if (fields.user_name.empty()) throw invalidValue("Attribute 'userName' is required.");
  if (fields.display_name.empty()) throw invalidValue("Attribute 'displayName' is required.");
  auto it = users_by_name_.find(toLower(fields.user_name));
  if (it != users_by_name_.end()) {
    for (size_t index : it->second) {
      const SimUser& other = *users_[index];
      if (!other.deleted && &other != self) {
        throw SimError(409, "uniqueness", "User name already in use by non-deleted user.",
                       "general.conflict");
      }
    }
  }
  for (const std::string& role : fields.roles) checkCatalog(catalog_.roles, role, "role");
  if (fields.division != kHomeDivision) {
    checkCatalog(catalog_.divisions, fields.division, "division");
  }
  for (const RoutingEntry& skill : fields.skills) {
    checkCatalog(catalog_.skills, skill.name, "routing skill");
  }
  for (const RoutingEntry& language : fields.languages) {
    checkCatalog(catalog_.languages, language.name, "routing language");
  }
  if (check_manager && fields.manager_id) {
    auto manager = user_by_id_.find(*fields.manager_id);
    if (manager == user_by_id_.end() || users_[manager->second]->deleted) {
      throw invalidValue("Manager '" + *fields.manager_id + "' is not an existing user.");
    }
  }
}

void SimStore::indexUser(const SimUser& user) {
  users_by_name_[toLower(user.fields.user_name)].push_back(user.index);
  if (user.fields.external_id) {
    users_by_external_id_[*user.fields.external_id].push_back(user.index);
  }
}

void SimStore::unindexUser(const SimUser& user) {
  auto name = users_by_name_.find(toLower(user.fields.user_name));
  if (name != users_by_name_.end()) {
    eraseIndex(name->second, user.index);
    if (name->second.empty()) users_by_name_.erase(name);
  }
  if (user.fields.external_id) {
    auto external = users_by_external_id_.find(*user.fields.external_id);
    if (external != users_by_external_id_.end()) {
      eraseIndex(external->second, user.index);
      if (external->second.empty()) users_by_external_id_.erase(external);
    }
  }
}

SimUser& SimStore::createUser(UserFields fields, std::optional<std::string> id, int64_t version,
                              bool deleted, bool check_manager) {
  if (!deleted) {
    validate(fields, nullptr, check_manager);
  } else if (fields.user_name.empty()) {
    throw invalidValue("Attribute 'userName' is required.");
  }
  auto user = std::make_unique<SimUser>();
  user->id = id ? *id : newId();
  user->index = users_.size();
  user->deleted = deleted;
  user->fields = std::move(fields);
  if (deleted) {
    user->fields.roles.clear();
    user->fields.division = std::string(kHomeDivision);
  }
  user->version = version;
  user->modified_ms = tick();
  user_by_id_[user->id] = user->index;
  indexUser(*user);
  users_.push_back(std::move(user));
  views_dirty_ = true;
  return *users_.back();
}

void SimStore::updateUser(SimUser& user, UserFields fields) {
  validate(fields, &user);
  if (fields.active != user.fields.active) views_dirty_ = true;
  unindexUser(user);
  user.fields = std::move(fields);
  indexUser(user);
  ++user.version;
  user.modified_ms = tick();
}

void SimStore::removeFromAllGroups(SimUser& user) {
  for (size_t group_index : user.groups) {
    SimGroup& group = *groups_[group_index];
    eraseIndex(group.members, user.index);
    ++group.version;
    group.modified_ms = tick();
  }
  user.groups.clear();
}

void SimStore::deleteUser(SimUser& user) {
  removeFromAllGroups(user);
  user.deleted = true;
  user.fields.roles.clear();
  user.fields.division = std::string(kHomeDivision);
  ++user.version;
  user.modified_ms = tick();
  views_dirty_ = true;
}

void SimStore::reviveUser(SimUser& user, UserFields fields) {
  validate(fields, &user);
  unindexUser(user);
  user.fields = std::move(fields);
  user.deleted = false;
  indexUser(user);
  ++user.version;
  user.modified_ms = tick();
  views_dirty_ = true;
}

void SimStore::setState(SimUser& user, UserState state) {
  if (state == UserState::kDeleted) {
    if (!user.deleted) deleteUser(user);
    return;
  }
  if (user.deleted && liveUserByUserName(user.fields.user_name) != nullptr) {
    throw SimError(409, "", "The email address is already in use by another user.",
                   "general.conflict");
  }
  user.deleted = false;
  user.fields.active = state == UserState::kActive;
  ++user.version;
  user.modified_ms = tick();
  views_dirty_ = true;
}

void SimStore::bumpUser(SimUser& user) {
  ++user.version;
  user.modified_ms = tick();
}

SimGroup& SimStore::createGroup(std::string display_name, std::optional<std::string> id,
                                std::optional<std::string> external_id) {
  auto group = std::make_unique<SimGroup>();
  group->id = id ? *id : newId();
  group->index = groups_.size();
  group->display_name = std::move(display_name);
  group->external_id = std::move(external_id);
  group->modified_ms = tick();
  group_by_id_[group->id] = group->index;
  groups_.push_back(std::move(group));
  return *groups_.back();
}

void SimStore::setGroupMembers(SimGroup& group, const std::vector<size_t>& members, bool bump) {
  // Only users whose membership changes are touched, so adding one member to a group of
  // 50,000 stays cheap.
  std::unordered_set<size_t> wanted;
  std::vector<size_t> next;
  next.reserve(members.size());
  for (size_t user_index : members) {
    if (wanted.insert(user_index).second) next.push_back(user_index);
  }
  for (size_t user_index : group.members) {
    if (wanted.count(user_index) == 0) users_[user_index]->groups.erase(group.index);
  }
  for (size_t user_index : next) users_[user_index]->groups.insert(group.index);
  group.members = std::move(next);
  if (bump) touchGroup(group);
}

void SimStore::touchGroup(SimGroup& group) {
  ++group.version;
  group.modified_ms = tick();
}

}  // namespace scim_agent::sim
