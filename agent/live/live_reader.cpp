#include "agent/live/live_reader.h"

#include <algorithm>
#include <map>

#include "agent/log/log.h"
#include "agent/scim/user_codec.h"

namespace scim_agent {

std::vector<std::string> liveReadExclusions(const LiveReadOptions& options) {
  std::vector<std::string> excluded;
  if (!options.roles) excluded.push_back(kAttrRoles);
  if (!options.routing_skills) excluded.push_back(kAttrRoutingSkills);
  if (!options.routing_languages) excluded.push_back(kAttrRoutingLanguages);
  return excluded;
}

LiveReadOptions liveReadOptionsFor(const Policy& policy) {
  LiveReadOptions read;
  read.roles = policy.manages(Attribute::kRoles);
  read.routing_skills = policy.manages(Attribute::kRoutingSkills);
  read.routing_languages = policy.manages(Attribute::kRoutingLanguages);
  return read;
}

Result<LiveState> readLive(ScimDirectory& directory, const LiveReadOptions& options) {
  ListOptions list;
  list.page_size = 25;  // externalId is always needed: see the header
  list.excluded_attributes = liveReadExclusions(options);
  list.cancel = options.cancel;

  // Progress by listing (active users, inactive users, groups): the directory reads each listing
  // whole, so pages are not visible here.
  ProgressBar progress("reading live users", 3);
  size_t step = 0;
  std::map<std::string, LiveUser> by_id;
  std::map<std::string, UnsettledLiveUser> unsettled;
  for (const bool inactive : {false, true}) {
    list.inactive = inactive;
    Result<std::vector<LiveUser>> users = directory.listUsers(list);
    if (!users.ok()) {
      Error e = users.error();
      e.message = std::string("reading the ") + (inactive ? "inactive" : "active") +
                  " users failed: " + e.message;
      return e;
    }
    // One id at two versions within one listing: which is current cannot be told (SPEC §16).
    std::map<std::string, std::vector<const LiveUser*>> copies;
    for (const LiveUser& user : *users) copies[user.id].push_back(&user);
    for (auto& [id, seen] : copies) {
      if (seen.size() < 2 && !unsettled.count(id)) continue;
      UnsettledLiveUser& u = unsettled[id];
      if (u.id.empty()) {
        u.id = id;
        u.listing = inactive ? "inactive" : "active";
      }
      for (const LiveUser* copy : seen) {
        u.versions.push_back(copy->version);
        if (!copy->external_id.empty()) u.external_ids.push_back(copy->external_id);
        u.user_names.push_back(copy->user_name);
      }
      if (auto it = by_id.find(id); it != by_id.end()) {
        // Read settled in the active listing, unsettled now: keep its keys, leave it out.
        if (!it->second.external_id.empty()) u.external_ids.push_back(it->second.external_id);
        u.user_names.push_back(it->second.user_name);
        by_id.erase(it);
      }
    }
    // Later reads win: a user deactivated between the listings shows as inactive.
    for (LiveUser& user : *users) {
      if (!unsettled.count(user.id)) by_id[user.id] = std::move(user);
    }
    progress.update(++step);
  }

  // listGroups takes no cancel flag: a cancelled read stops here, before its first page.
  if (options.cancel != nullptr && options.cancel->load(std::memory_order_acquire)) {
    return Error(ErrorCode::kUnavailable, "reading the groups failed: the read was cancelled");
  }
  Result<std::vector<Group>> groups = directory.listGroups();
  if (!groups.ok()) {
    Error e = groups.error();
    e.message = "reading the groups failed: " + e.message;
    return e;
  }

  progress.update(++step);
  progress.done();
  logInfo("read live state", {{"users", by_id.size()}, {"groups", groups->size()}});
  for (const auto& [id, u] : unsettled) {
    logWarn("live user read at two versions: left alone this run",
               {{"id", id}, {"listing", u.listing}});
  }

  LiveState state;
  state.users.reserve(by_id.size());
  for (auto& [id, user] : by_id) state.users.push_back(std::move(user));
  for (auto& [id, u] : unsettled) {
    for (auto* keys : {&u.external_ids, &u.user_names}) {
      std::sort(keys->begin(), keys->end());
      keys->erase(std::unique(keys->begin(), keys->end()), keys->end());
    }
    state.unsettled.push_back(std::move(u));
  }
  state.groups = std::move(groups).value();
  std::sort(state.groups.begin(), state.groups.end(),
            [](const Group& a, const Group& b) { return a.id < b.id; });
  return state;
}

}  // namespace scim_agent
