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

Result<LiveState> readLive(ScimDirectory& directory, const LiveReadOptions& options) {
  ListOptions list;
  list.page_size = 25;  // externalId is always needed: see the header
  list.excluded_attributes = liveReadExclusions(options);

  // Progress by listing (active users, inactive users, groups): the directory reads each listing
  // whole, so pages are not visible here.
  ProgressBar progress("reading live users", 3);
  size_t step = 0;
  std::map<std::string, LiveUser> by_id;
  for (const bool inactive : {false, true}) {
    list.inactive = inactive;
    Result<std::vector<LiveUser>> users = directory.listUsers(list);
    if (!users.ok()) {
      Error e = users.error();
      e.message = std::string("reading the ") + (inactive ? "inactive" : "active") +
                  " users failed: " + e.message;
      return e;
    }
    // Later reads win: a user deactivated between the listings shows as inactive.
    for (LiveUser& user : *users) by_id[user.id] = std::move(user);
    progress.update(++step);
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

  LiveState state;
  state.users.reserve(by_id.size());
  for (auto& [id, user] : by_id) state.users.push_back(std::move(user));
  state.groups = std::move(groups).value();
  std::sort(state.groups.begin(), state.groups.end(),
            [](const Group& a, const Group& b) { return a.id < b.id; });
  return state;
}

}  // namespace scim_agent
