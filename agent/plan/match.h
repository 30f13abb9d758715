#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/model/plan.h"
#include "agent/model/user.h"

namespace scim_agent {

// How one desired user relates to the live users (SPEC §8 "Matching").
enum class MatchKind {
  kNone,        // no live user: a create candidate
  kExternalId,  // matched by externalId (exact)
  kUserName,    // matched by userName (case-insensitive) to a live user without externalId: adopt
  kConflict,    // the key is ambiguous: reported in Matching::conflicts, never acted on
};

struct DesiredMatch {
  MatchKind kind = MatchKind::kNone;
  size_t live = 0;  // index into the live users; valid for kExternalId and kUserName
};

// Indices of users by a string key; each list sorted by live id (then index).
class KeyIndex {
 public:
  void reserve(size_t n) { first_.reserve(n); }
  void add(std::string_view key, size_t index);
  // Every index with `key`; empty when none. Valid until the next add().
  std::span<const size_t> find(std::string_view key) const;
  // Sorts the indexes of each key held by several users by the users' ids.
  void sortLists(const std::vector<LiveUser>& live);

 private:
  // Almost every key is held once: its one index lives in the map itself, and only keys held by
  // several users get a list (in `shared_`, the map's value then being kShared + its position).
  // At 100,000 users a list per key cost 200,000 allocations and a third of makePlan's time.
  static constexpr size_t kShared = size_t{1} << (sizeof(size_t) * 8 - 1);
  std::unordered_map<std::string_view, size_t> first_;
  std::vector<std::vector<size_t>> shared_;
};

// The result of matching desired users against live users. Keys view into the users passed to
// matchUsers: a Matching must not outlive them.
struct Matching {
  std::vector<DesiredMatch> desired;  // parallel to the desired users
  // Parallel to the live users: true when a desired user matched the live user, or a conflict
  // holds it. Claimed live users are never "removed from desired" nor "unmanaged".
  std::vector<bool> live_claimed;
  // One kConflict notice per desired user that could not be matched safely (unsorted).
  std::vector<Notice> conflicts;
  KeyIndex live_by_external_id;  // exact
  KeyIndex live_by_user_name;    // lower-cased
  // Desired users by externalId; externalIds declared twice are left out.
  std::unordered_map<std::string_view, size_t> desired_by_external_id;
  std::deque<std::string> lowered_keys;  // storage for lower-cased keys (deque: never moves)
};

// Matches every desired user:
//  - by externalId when exactly one live user has it and no other live user holds the desired
//    userName;
//  - else by userName, case-insensitively, when exactly one live user holds it and that user has
//    no externalId (adoption);
//  - a conflict when two live users share the externalId, when two or more live users hold the
//    userName a desired user would adopt, when the externalId matches one live user while the
//    userName is held by another, when a live user with another externalId holds the userName
//    (a create would fail with 409), or when two desired users share a key.
// A conflicted desired user is neither created nor updated.
Matching matchUsers(const std::vector<DesiredUser>& desired, const std::vector<LiveUser>& live);

// ASCII lower-case (userNames are e-mail addresses; Genesys compares them case-insensitively).
std::string lowerAscii(std::string_view text);

}  // namespace scim_agent
