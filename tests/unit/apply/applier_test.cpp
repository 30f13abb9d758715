// The applier's safety rules on a version conflict, with an in-memory directory.
#include "agent/apply/applier.h"

#include <gtest/gtest.h>

#include "agent/scim/scim_directory.h"

namespace scim_agent {
namespace {

// A directory holding one user; its first PATCH answers a version conflict.
class OneUserDirectory final : public ScimDirectory {
 public:
  LiveUser user;
  int patches = 0;
  int deletes = 0;

  Result<std::vector<LiveUser>> listUsers(const ListOptions&) override { return std::vector<LiveUser>{user}; }
  Result<std::vector<Group>> listGroups() override { return std::vector<Group>{}; }
  Result<std::optional<LiveUser>> findUserByUserName(const std::string&) override {
    return std::optional<LiveUser>(user);
  }
  Result<std::optional<LiveUser>> findUserByExternalId(const std::string&) override {
    return std::optional<LiveUser>(user);
  }
  Result<LiveUser> getUser(const std::string&) override { return user; }
  Result<LiveUser> createUser(const Json&) override { return Error(ErrorCode::kInternal, "no"); }
  Result<LiveUser> patchUser(const std::string&, const std::string& if_match,
                             const std::vector<PatchOp>&) override {
    ++patches;
    if (if_match != user.version) return Error(ErrorCode::kStale, "409 version mismatch");
    return user;
  }
  Status deleteUser(const std::string&, const std::string&) override {
    ++deletes;
    return Status::success();
  }
  Status patchGroupMembers(const std::string&, const std::vector<std::string>&,
                           const std::vector<std::string>&) override {
    return Status::success();
  }
};

class NullJournal final : public ApplyJournal {
 public:
  Result<int64_t> intent(const std::string&, const std::string&, const std::string&, const Json&) override {
    return int64_t{1};
  }
  Status outcome(int64_t, bool, int, const Json&) override { return Status::success(); }
};

Action update(const std::string& version) {
  Action a;
  a.kind = ActionKind::kUpdate;
  a.external_id = "EMP-1";
  a.user_name = "a@corp.example";
  a.user_id = "u1";
  a.version = version;
  a.ops = {{"replace", "title", Json("Lead")}};
  return a;
}

struct Fixture {
  OneUserDirectory directory;
  NullJournal journal;
  Plan plan;
  Fixture() {
    directory.user.id = "u1";
    directory.user.external_id = "EMP-1";
    directory.user.user_name = "a@corp.example";
    directory.user.version = "\"2\"";  // the plan saw "1"
    plan.actions = {update("\"1\"")};
  }
  ApplyReport apply(std::function<std::optional<Action>(const Action&, const LiveUser&)> replan) {
    Applier applier(directory, journal);
    ApplyOptions options;
    options.replan = std::move(replan);
    return applier.apply(plan, options);
  }
};

TEST(ApplierTest, ConflictIsReplannedOnceWithTheFreshVersion) {
  Fixture f;
  ApplyReport r = f.apply([](const Action& a, const LiveUser& fresh) {
    Action again = a;
    again.version = fresh.version;
    return std::optional<Action>(again);
  });
  EXPECT_EQ(r.results[0].outcome, ActionOutcome::kDone) << r.results[0].message;
  EXPECT_EQ(f.directory.patches, 2);
}

TEST(ApplierTest, ConflictOnAUserWhoseExternalIdChangedIsStaleNotReplanned) {
  Fixture f;
  f.directory.user.external_id = "EMP-0001";
  bool asked = false;
  ApplyReport r = f.apply([&](const Action& a, const LiveUser&) {
    asked = true;
    return std::optional<Action>(a);
  });
  EXPECT_EQ(r.results[0].outcome, ActionOutcome::kStale);
  EXPECT_FALSE(asked);
  EXPECT_EQ(f.directory.patches, 1);
}

TEST(ApplierTest, ReplanThatWouldChangeTheKindOfActionIsNotApplied) {
  Fixture f;
  ApplyReport r = f.apply([](const Action& a, const LiveUser& fresh) {
    Action suspend = a;
    suspend.kind = ActionKind::kSuspend;
    suspend.version = fresh.version;
    return std::optional<Action>(suspend);
  });
  EXPECT_EQ(r.results[0].outcome, ActionOutcome::kStale);
  EXPECT_NE(r.results[0].message.find("suspend"), std::string::npos) << r.results[0].message;
  EXPECT_EQ(f.directory.patches, 1);
  EXPECT_EQ(f.directory.deletes, 0);
}

TEST(ApplierTest, WriteWithoutASeenVersionIsRefused) {
  Fixture f;
  f.plan.actions = {update("")};
  ApplyReport r = f.apply(nullptr);
  EXPECT_EQ(r.results[0].outcome, ActionOutcome::kFailed);
  EXPECT_EQ(f.directory.patches, 0);
}

}  // namespace
}  // namespace scim_agent
