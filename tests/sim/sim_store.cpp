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

std::string kindId(unsigned prefix, uint64_t counter) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%u0000000-0000-4000-8000-%012llx", prefix,
                static_cast<unsigned long long>(counter));
  return buffer;
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
  roles_.clear();
  divisions_.clear();
  queues_.clear();
  conversations_.clear();
  conversation_by_id_.clear();
  next_role_id_ = 1;
  next_division_id_ = 1;
  next_queue_id_ = 1;
  next_conversation_id_ = 1;
  next_participant_id_ = 1;
  ensureDivision(std::string(kHomeDivision));
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
  for (const std::string& role : fields.roles) {
    if (!isRoleKnown(role)) throw invalidValue("Unknown role '" + role + "'.");
  }
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
  std::vector<std::string> role_names = std::move(user->fields.roles);
  user->fields.roles.clear();
  if (deleted) user->fields.division = std::string(kHomeDivision);
  user->version = version;
  user->modified_ms = tick();
  user_by_id_[user->id] = user->index;
  indexUser(*user);
  users_.push_back(std::move(user));
  views_dirty_ = true;
  SimUser& created = *users_.back();
  if (!deleted) applyRoleNames(created, role_names);
  created.grants_version = 1;
  return created;
}

void SimStore::updateUser(SimUser& user, UserFields fields) {
  validate(fields, &user);
  if (fields.active != user.fields.active) views_dirty_ = true;
  std::vector<std::string> wanted = fields.roles;
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  // Only a changed role list touches grants: a PATCH of `title` carries the derived names of
  // every division's grants and must not turn them into Home grants.
  const bool roles_changed = wanted != user.fields.roles;
  std::vector<std::string> current = user.fields.roles;
  unindexUser(user);
  user.fields = std::move(fields);
  indexUser(user);
  ++user.version;
  user.modified_ms = tick();
  if (roles_changed) {
    applyRoleNames(user, wanted);
  } else {
    user.fields.roles = std::move(current);
  }
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
  removeFromAllQueues(user);
  clearGrants(user);
  user.deleted = true;
  user.fields.division = std::string(kHomeDivision);
  ++user.version;
  user.modified_ms = tick();
  views_dirty_ = true;
}

void SimStore::reviveUser(SimUser& user, UserFields fields) {
  validate(fields, &user);
  std::vector<std::string> wanted = std::move(fields.roles);
  unindexUser(user);
  user.fields = std::move(fields);
  user.deleted = false;
  indexUser(user);
  ++user.version;
  user.modified_ms = tick();
  views_dirty_ = true;
  clearGrants(user);
  applyRoleNames(user, wanted);
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

// ---- Roles, divisions, grants -------------------------------------------------------------------

std::optional<size_t> SimStore::roleById(std::string_view id) const {
  for (size_t i = 0; i < roles_.size(); ++i) {
    if (roles_[i].id == id) return i;
  }
  return std::nullopt;
}

std::optional<size_t> SimStore::roleByName(std::string_view name) const {
  for (size_t i = 0; i < roles_.size(); ++i) {
    if (roles_[i].name == name) return i;
  }
  return std::nullopt;
}

std::optional<size_t> SimStore::divisionById(std::string_view id) const {
  for (size_t i = 0; i < divisions_.size(); ++i) {
    if (divisions_[i].id == id) return i;
  }
  return std::nullopt;
}

std::optional<size_t> SimStore::divisionByName(std::string_view name) const {
  for (size_t i = 0; i < divisions_.size(); ++i) {
    if (equalsIgnoreCase(divisions_[i].name, name)) return i;
  }
  return std::nullopt;
}

bool SimStore::isRoleKnown(const std::string& name) const {
  // No role seeded yet: any name goes (and is created on write).
  return catalog_.roles.empty() || catalog_.roles.count(name) != 0 || roleByName(name);
}

size_t SimStore::ensureRole(const std::string& name, std::optional<std::string> id) {
  if (std::optional<size_t> found = roleByName(name)) return *found;
  std::string role_id;
  if (id) {
    role_id = *id;
  } else {
    do {
      role_id = kindId(1, next_role_id_++);
    } while (roleById(role_id));
  }
  roles_.push_back(SimRole{std::move(role_id), name});
  return roles_.size() - 1;
}

size_t SimStore::ensureDivision(const std::string& name, std::optional<std::string> id) {
  if (std::optional<size_t> found = divisionByName(name)) return *found;
  std::string division_id;
  if (id) {
    division_id = *id;
  } else {
    do {
      division_id = kindId(2, next_division_id_++);
    } while (divisionById(division_id));
  }
  divisions_.push_back(SimDivision{std::move(division_id), name});
  return divisions_.size() - 1;
}

void SimStore::syncRoleNames(SimUser& user) {
  std::vector<std::string> names;
  for (const Grant& grant : user.grants) names.push_back(roles_[grant.role].name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  user.fields.roles = std::move(names);
}

void SimStore::applyRoleNames(SimUser& user, const std::vector<std::string>& names) {
  std::set<size_t> wanted;
  for (const std::string& name : names) wanted.insert(ensureRole(name));
  std::vector<Grant> next;
  std::set<size_t> home_kept;
  for (const Grant& grant : user.grants) {
    if (wanted.count(grant.role) == 0) continue;  // role no longer named: every division drops it
    if (grant.division == 0) home_kept.insert(grant.role);
    next.push_back(grant);
  }
  for (size_t role : wanted) {
    if (home_kept.count(role) == 0) next.push_back(Grant{role, 0, clock_ms_});
  }
  const bool changed =
      next.size() != user.grants.size() ||
      !std::equal(next.begin(), next.end(), user.grants.begin(), [](const Grant& a, const Grant& b) {
        return a.role == b.role && a.division == b.division;
      });
  user.grants = std::move(next);
  if (changed) ++user.grants_version;
  syncRoleNames(user);
}

void SimStore::clearGrants(SimUser& user) {
  if (!user.grants.empty()) ++user.grants_version;
  user.grants.clear();
  user.fields.roles.clear();
}

bool SimStore::grant(SimUser& user, size_t role, size_t division) {
  for (const Grant& existing : user.grants) {
    if (existing.role == role && existing.division == division) return false;
  }
  user.grants.push_back(Grant{role, division, clock_ms_});
  ++user.grants_version;
  syncRoleNames(user);
  return true;
}

bool SimStore::revoke(SimUser& user, size_t role, size_t division) {
  auto it = std::find_if(user.grants.begin(), user.grants.end(), [&](const Grant& grant) {
    return grant.role == role && grant.division == division;
  });
  if (it == user.grants.end()) return false;
  user.grants.erase(it);
  ++user.grants_version;
  syncRoleNames(user);
  return true;
}

void SimStore::setHomeRoles(SimUser& user, const std::vector<size_t>& roles) {
  const std::set<size_t> wanted(roles.begin(), roles.end());
  std::vector<Grant> next;
  std::set<size_t> kept;
  for (const Grant& grant : user.grants) {
    if (grant.division == 0 && wanted.count(grant.role) == 0) continue;
    if (grant.division == 0) kept.insert(grant.role);
    next.push_back(grant);
  }
  for (size_t role : roles) {
    if (kept.insert(role).second) next.push_back(Grant{role, 0, clock_ms_});
  }
  user.grants = std::move(next);
  ++user.grants_version;
  syncRoleNames(user);
}

// ---- Queues ----------------------------------------------------------------------------------

SimQueue* SimStore::queueById(std::string_view id) {
  for (const auto& queue : queues_) {
    if (queue->id == id) return queue.get();
  }
  return nullptr;
}

SimQueue* SimStore::queueByName(std::string_view name) {
  for (const auto& queue : queues_) {
    if (equalsIgnoreCase(queue->name, name)) return queue.get();
  }
  return nullptr;
}

SimQueue& SimStore::createQueue(std::string name, size_t division, std::optional<std::string> id) {
  auto queue = std::make_unique<SimQueue>();
  if (id) {
    queue->id = *id;
  } else {
    do {
      queue->id = kindId(3, next_queue_id_++);
    } while (queueById(queue->id) != nullptr);
  }
  queue->index = queues_.size();
  queue->name = std::move(name);
  queue->division = division;
  queues_.push_back(std::move(queue));
  return *queues_.back();
}

const QueueMember* SimStore::queueMember(const SimQueue& queue, size_t user_index) const {
  for (const QueueMember& member : queue.members) {
    if (member.user == user_index) return &member;
  }
  return nullptr;
}

bool SimStore::addQueueMember(SimQueue& queue, SimUser& user, bool joined) {
  if (!user.queues.insert(queue.index).second) return false;
  queue.members.push_back(QueueMember{user.index, joined});
  return true;
}

bool SimStore::removeQueueMember(SimQueue& queue, SimUser& user) {
  if (user.queues.erase(queue.index) == 0) return false;
  queue.members.erase(std::remove_if(queue.members.begin(), queue.members.end(),
                                     [&](const QueueMember& m) { return m.user == user.index; }),
                      queue.members.end());
  return true;
}

void SimStore::removeFromAllQueues(SimUser& user) {
  const std::set<size_t> queues = user.queues;
  for (size_t queue_index : queues) removeQueueMember(*queues_[queue_index], user);
}

// ---- Conversations -------------------------------------------------------------------------------

bool SimStore::hasConversation(std::string_view id) const {
  return conversation_by_id_.count(std::string(id)) != 0;
}

std::string SimStore::newConversationId() {
  std::string id;
  do {
    id = kindId(4, next_conversation_id_++);
  } while (hasConversation(id));
  return id;
}

std::string SimStore::newParticipantId() { return kindId(5, next_participant_id_++); }

void SimStore::addConversation(SimConversation conversation) {
  const size_t index = conversations_.size();
  conversation_by_id_[conversation.id] = index;
  conversations_.push_back(std::move(conversation));
  const SimConversation& stored = conversations_.back();
  auto earlier = [this](size_t a, size_t b) {
    const SimConversation& x = conversations_[a];
    const SimConversation& y = conversations_[b];
    return x.start_ms != y.start_ms ? x.start_ms < y.start_ms : x.id < y.id;
  };
  std::set<size_t> seen;
  for (const Participant& participant : stored.participants) {
    if (!participant.user || !seen.insert(*participant.user).second) continue;
    std::vector<size_t>& list = users_[*participant.user]->conversations;
    // Generated conversations arrive in time order, so this is an append almost always.
    list.insert(std::upper_bound(list.begin(), list.end(), index, earlier), index);
  }
}

}  // namespace scim_agent::sim
