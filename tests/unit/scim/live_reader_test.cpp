#include "agent/live/live_reader.h"

#include <gtest/gtest.h>

#include "agent/scim/user_codec.h"

namespace scim_agent {
namespace {

LiveUser user(const std::string& id, bool active) {
  LiveUser u;
  u.id = id;
  u.user_name = id + "@corp.example";
  u.active = active;
  return u;
}

// Serves canned listings and records the options it was asked with.
class CannedDirectory final : public ScimDirectory {
 public:
  Result<std::vector<LiveUser>> listUsers(const ListOptions& options) override {
    seen.push_back(options);
    if (options.inactive && fail_inactive) {
      return Error(ErrorCode::kUnavailable, "GET /Users?startIndex=26&count=25 → 503");
    }
    return options.inactive ? inactive : active;
  }
  Result<std::vector<Group>> listGroups() override { return groups; }
  Result<std::optional<LiveUser>> findUserByUserName(const std::string&) override {
    return Error(ErrorCode::kInternal, "unused");
  }
  Result<std::optional<LiveUser>> findUserByExternalId(const std::string&) override {
    return Error(ErrorCode::kInternal, "unused");
  }
  Result<LiveUser> getUser(const std::string&) override {
    return Error(ErrorCode::kInternal, "unused");
  }
  Result<LiveUser> createUser(const Json&) override { return Error(ErrorCode::kInternal, "unused"); }
  Result<LiveUser> patchUser(const std::string&, const std::string&,
                             const std::vector<PatchOp>&) override {
    return Error(ErrorCode::kInternal, "unused");
  }
  Status deleteUser(const std::string&, const std::string&) override {
    return Error(ErrorCode::kInternal, "unused");
  }
  Status patchGroupMembers(const std::string&, const std::vector<std::string>&,
                           const std::vector<std::string>&) override {
    return Error(ErrorCode::kInternal, "unused");
  }

  std::vector<LiveUser> active;
  std::vector<LiveUser> inactive;
  std::vector<Group> groups;
  bool fail_inactive = false;
  std::vector<ListOptions> seen;
};

TEST(LiveReaderTest, ReadsBothListingsAndGroups) {
  CannedDirectory directory;
  directory.active = {user("c", true), user("a", true)};
  directory.inactive = {user("b", false)};
  directory.groups = {{"g2", "Sales", "\"1\""}, {"g1", "Support", "\"1\""}};
  Result<LiveState> state = readLive(directory);
  ASSERT_TRUE(state.ok()) << state.error().message;
  ASSERT_EQ(state->users.size(), 3u);
  EXPECT_EQ(state->users[0].id, "a");
  EXPECT_EQ(state->users[1].id, "b");
  EXPECT_FALSE(state->users[1].active);
  EXPECT_EQ(state->users[2].id, "c");
  ASSERT_EQ(state->groups.size(), 2u);
  EXPECT_EQ(state->groups[0].id, "g1");
  ASSERT_EQ(directory.seen.size(), 2u);
  EXPECT_FALSE(directory.seen[0].inactive);
  EXPECT_TRUE(directory.seen[1].inactive);
  EXPECT_EQ(directory.seen[0].page_size, 25);
  EXPECT_TRUE(directory.seen[0].excluded_attributes.empty());
}

TEST(LiveReaderTest, UserDeactivatedBetweenListingsAppearsOnceAsLaterRead) {
  CannedDirectory directory;
  directory.active = {user("a", true), user("b", true)};
  directory.inactive = {user("b", false)};
  Result<LiveState> state = readLive(directory);
  ASSERT_TRUE(state.ok());
  ASSERT_EQ(state->users.size(), 2u);
  EXPECT_EQ(state->users[1].id, "b");
  EXPECT_FALSE(state->users[1].active);
}

TEST(LiveReaderTest, PartialReadIsAFailedRead) {
  CannedDirectory directory;
  directory.active = {user("a", true)};
  directory.fail_inactive = true;
  Result<LiveState> state = readLive(directory);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(state.error().message,
            "reading the inactive users failed: GET /Users?startIndex=26&count=25 → 503");
}

TEST(LiveReaderTest, UnmanagedExpensiveAttributesAreProjectedOutButPagesStayAt25) {
  CannedDirectory directory;
  LiveReadOptions options;
  options.roles = false;
  options.routing_languages = false;
  ASSERT_TRUE(readLive(directory, options).ok());
  ASSERT_EQ(directory.seen.size(), 2u);
  EXPECT_EQ(directory.seen[0].page_size, 25);
  EXPECT_EQ(directory.seen[0].excluded_attributes,
            (std::vector<std::string>{kAttrRoles, kAttrRoutingLanguages}));
  EXPECT_EQ(directory.seen[1].excluded_attributes, directory.seen[0].excluded_attributes);
}

}  // namespace
}  // namespace scim_agent
