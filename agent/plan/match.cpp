#include "agent/plan/match.h"

#include <algorithm>

#include "agent/plan/text_util.h"

namespace scim_agent {

namespace {

// "u1, u2" from live indices (already sorted by id).
std::string idList(const std::vector<LiveUser>& live, std::span<const size_t> indices) {
  std::string out;
  for (size_t i : indices) {
    if (!out.empty()) out += ", ";
    out += live[i].id;
  }
  return out;
}

std::string describeHolder(const LiveUser& user) {
  if (user.external_id.empty()) return "live user " + user.id + " (no externalId)";
  return "live user " + user.id + " (externalId " + quoted(user.external_id) + ")";
}

bool hasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// The lower-cased key for `s`: `s` itself when already lower-case (the common case for e-mail
// addresses), else a lowered copy kept in `storage`.
std::string_view lowerKey(std::string_view s, std::deque<std::string>& storage) {
  if (!hasUpper(s)) return s;
  storage.push_back(lowerAscii(s));
  return storage.back();
}

}  // namespace

void KeyIndex::add(std::string_view key, size_t index) {
  auto [it, inserted] = first_.try_emplace(key, index);
  if (inserted) return;
  if (it->second & kShared) {
    shared_[it->second & ~kShared].push_back(index);
    return;
  }
  shared_.push_back({it->second, index});
  it->second = kShared | (shared_.size() - 1);
}

std::span<const size_t> KeyIndex::find(std::string_view key) const {
  auto it = first_.find(key);
  if (it == first_.end()) return {};
  if (it->second & kShared) return shared_[it->second & ~kShared];
  return {&it->second, 1};
}

void KeyIndex::sortLists(const std::vector<LiveUser>& live) {
  for (std::vector<size_t>& list : shared_) {
    std::sort(list.begin(), list.end(), [&live](size_t a, size_t b) {
      if (live[a].id != live[b].id) return live[a].id < live[b].id;
      return a < b;
    });
  }
}

std::string lowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Matching matchUsers(const std::vector<DesiredUser>& desired, const std::vector<LiveUser>& live) {
  Matching m;
  m.desired.resize(desired.size());
  m.live_claimed.assign(live.size(), false);

  // Hash lookups dominate planning time at 50,000 users: each key is inserted once and looked
  // up once, and keys are views, not copies.
  m.live_by_external_id.reserve(live.size());
  m.live_by_user_name.reserve(live.size());
  for (size_t i = 0; i < live.size(); ++i) {
    if (!live[i].external_id.empty()) m.live_by_external_id.add(live[i].external_id, i);
    m.live_by_user_name.add(lowerKey(live[i].user_name, m.lowered_keys), i);
  }
  // Sorted by id, so messages and choices do not depend on the input order.
  m.live_by_external_id.sortLists(live);
  m.live_by_user_name.sortLists(live);

  // Duplicate keys among desired users (validation rejects them; the planner stays safe anyway).
  std::vector<std::string_view> name_keys(desired.size());
  std::vector<bool> duplicate_external_id(desired.size(), false);
  std::vector<bool> duplicate_user_name(desired.size(), false);
  {
    std::unordered_map<std::string_view, size_t> by_user_name;
    by_user_name.reserve(desired.size());
    m.desired_by_external_id.reserve(desired.size());
    for (size_t i = 0; i < desired.size(); ++i) {
      auto [ext, ext_inserted] = m.desired_by_external_id.try_emplace(desired[i].external_id, i);
      if (!ext_inserted) duplicate_external_id[i] = duplicate_external_id[ext->second] = true;
      name_keys[i] = lowerKey(desired[i].user_name, m.lowered_keys);
      auto [name, name_inserted] = by_user_name.try_emplace(name_keys[i], i);
      if (!name_inserted) duplicate_user_name[i] = duplicate_user_name[name->second] = true;
    }
    for (size_t i = 0; i < desired.size(); ++i) {
      if (duplicate_external_id[i]) m.desired_by_external_id.erase(desired[i].external_id);
    }
  }

  for (size_t di = 0; di < desired.size(); ++di) {
    const DesiredUser& d = desired[di];
    const std::span<const size_t> by_external_id = m.live_by_external_id.find(d.external_id);
    const std::span<const size_t> by_user_name = m.live_by_user_name.find(name_keys[di]);

    auto conflict = [&](std::string message) {
      m.desired[di].kind = MatchKind::kConflict;
      m.conflicts.push_back(
          Notice{NoticeKind::kConflict, d.external_id, d.user_name, std::move(message), d.source});
      // Hold every live user this desired user could mean, including one that holds its
      // userName under another externalId (an HR renumbering looks exactly like that): the
      // desired state declares that login, so it must not be suspended as "removed".
      for (size_t li : by_external_id) m.live_claimed[li] = true;
      for (size_t li : by_user_name) m.live_claimed[li] = true;
    };

    if (duplicate_external_id[di]) {
      conflict("externalId " + quoted(d.external_id) +
               " is declared by more than one desired user; not touched");
      continue;
    }
    if (duplicate_user_name[di]) {
      conflict("userName " + quoted(d.user_name) +
               " is declared by more than one desired user; not touched");
      continue;
    }

    if (by_external_id.size() > 1) {
      conflict("externalId " + quoted(d.external_id) + " is held by " +
               std::to_string(by_external_id.size()) + " live users (" +
               idList(live, by_external_id) + "); not touched");
      continue;
    }
    if (by_external_id.size() == 1) {
      const size_t li = by_external_id.front();
      const size_t* other = nullptr;
      for (const size_t& candidate : by_user_name) {
        if (candidate != li) {
          other = &candidate;
          break;
        }
      }
      if (other) {
        conflict("externalId " + quoted(d.external_id) + " matches live user " + live[li].id +
                 ", but userName " + quoted(d.user_name) + " is held by " +
                 describeHolder(live[*other]) + "; not touched");
        continue;
      }
      m.desired[di] = {MatchKind::kExternalId, li};
      m.live_claimed[li] = true;
      continue;
    }

    // No live user has the externalId: try adoption by userName.
    if (by_user_name.empty()) continue;  // kNone: a create candidate
    if (by_user_name.size() > 1) {
      conflict("userName " + quoted(d.user_name) + " is held by " +
               std::to_string(by_user_name.size()) + " live users (" + idList(live, by_user_name) +
               "); not adopted, not created");
      continue;
    }
    const size_t li = by_user_name.front();
    if (!live[li].external_id.empty()) {
      conflict("userName " + quoted(d.user_name) + " is held by " + describeHolder(live[li]) +
               "; not created");
      continue;
    }
    m.desired[di] = {MatchKind::kUserName, li};
    m.live_claimed[li] = true;
  }
  return m;
}

}  // namespace scim_agent
