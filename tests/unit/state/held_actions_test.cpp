#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::TempDir;
using scim_agent::testing::openStore;

std::vector<std::string> externalIds(const std::vector<HeldAction>& rows) {
  std::vector<std::string> out;
  for (const HeldAction& h : rows) out.push_back(h.external_id);
  return out;
}

constexpr const char* kT0 = "2024-05-01T10:00:00.000000Z";
constexpr const char* kT1 = "2024-05-01T10:00:01.000000Z";
constexpr const char* kT2 = "2024-05-01T10:00:02.000000Z";

TEST(HeldActionsTest, HeldActionsArePendingWithEveryField) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  Result<int64_t> run = store->beginRun("apply", kT0, "d");
  ASSERT_TRUE(run.ok());
  Result<std::vector<int64_t>> ids = store->holdActions(
      *run, {{"EMP-9", "delete", R"({"actions":[9]})"}, {"EMP-2", "suspend", R"({"actions":[2]})"}},
      kT1);
  ASSERT_TRUE(ids.ok()) << ids.error().message;
  ASSERT_EQ(ids->size(), 2u);

  Result<std::vector<HeldAction>> pending = store->pendingHeldActions();
  ASSERT_TRUE(pending.ok()) << pending.error().message;
  ASSERT_EQ(externalIds(*pending), (std::vector<std::string>{"EMP-2", "EMP-9"}))
      << "sorted by externalId";
  const HeldAction& h = (*pending)[0];
  EXPECT_EQ(h.id, (*ids)[1]);
  EXPECT_EQ(h.run_id, *run);
  EXPECT_EQ(h.kind, "suspend");
  EXPECT_EQ(h.action_json, R"({"actions":[2]})");
  EXPECT_EQ(h.held_at, kT1);
  EXPECT_EQ(h.state, "pending");
  EXPECT_EQ(h.resolved_at, "");
  EXPECT_EQ(h.resolved_by, 0);
  EXPECT_EQ(h.note, "");
}

TEST(HeldActionsTest, PendingCanBeFilteredByExternalId) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  const int64_t run = *store->beginRun("apply", kT0, "d");
  ASSERT_TRUE(
      store
          ->holdActions(
              run,
              {{"EMP-1", "suspend", "{}"}, {"EMP-2", "suspend", "{}"}, {"EMP-3", "delete", "{}"}},
              kT1)
          .ok());
  auto some = store->pendingHeldActions({"EMP-3", "EMP-1", "EMP-404"});
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(externalIds(*some), (std::vector<std::string>{"EMP-1", "EMP-3"}));
  auto none = store->pendingHeldActions({"EMP-404"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(HeldActionsTest, HoldingTheSameUserAgainReplacesItsPendingRow) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  const int64_t first = *store->beginRun("apply", kT0, "d");
  const int64_t first_id =
      (*store->holdActions(first, {{"EMP-1", "suspend", "{\"v\":1}"}}, kT0))[0];
  const int64_t second = *store->beginRun("apply", kT1, "d");
  const int64_t second_id =
      (*store->holdActions(second, {{"EMP-1", "delete", "{\"v\":2}"}}, kT1))[0];

  auto pending = store->pendingHeldActions();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u) << "one pending row per user, never two";
  EXPECT_EQ((*pending)[0].id, second_id);
  EXPECT_EQ((*pending)[0].kind, "delete");
  EXPECT_EQ((*pending)[0].action_json, "{\"v\":2}");

  auto history = store->heldActionHistory("EMP-1");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].id, first_id);
  EXPECT_EQ((*history)[0].state, "discarded");
  EXPECT_EQ((*history)[0].resolved_by, second);
  EXPECT_EQ((*history)[0].resolved_at, kT1);
  EXPECT_EQ((*history)[0].note, "replaced by the hold of run " + std::to_string(second));
  EXPECT_EQ((*history)[1].state, "pending");
}

TEST(HeldActionsTest, ResolveRecordsStateRunAndNoteOnce) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  const int64_t run = *store->beginRun("apply", kT0, "d");
  auto ids = store->holdActions(run, {{"EMP-1", "suspend", "{}"}, {"EMP-2", "suspend", "{}"}}, kT0);
  ASSERT_TRUE(ids.ok());
  const int64_t approve = *store->beginRun("apply", kT1, "d");
  Status resolved = store->resolveHeldAction((*ids)[0], "applied", approve, "approved", kT2);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  ASSERT_TRUE(
      store->resolveHeldAction((*ids)[1], "stale", approve, "changed in Genesys", kT2).ok());

  auto pending = store->pendingHeldActions();
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
  auto history = store->heldActionHistory("EMP-2");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].state, "stale");
  EXPECT_EQ((*history)[0].resolved_by, approve);
  EXPECT_EQ((*history)[0].resolved_at, kT2);
  EXPECT_EQ((*history)[0].note, "changed in Genesys");

  Status twice = store->resolveHeldAction((*ids)[0], "failed", approve, "again", kT2);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kInternal);
  auto still = store->heldActionHistory("EMP-1");
  ASSERT_TRUE(still.ok());
  EXPECT_EQ((*still)[0].state, "applied") << "a resolved row is not resolved again";
}

TEST(HeldActionsTest, BadInputIsRefusedAndChangesNothing) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  const int64_t run = *store->beginRun("apply", kT0, "d");

  auto bad_kind = store->holdActions(run, {{"EMP-1", "update", "{}"}}, kT0);
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_EQ(bad_kind.error().code, ErrorCode::kInvalidInput);
  auto twice =
      store->holdActions(run, {{"EMP-1", "suspend", "{}"}, {"EMP-1", "delete", "{}"}}, kT0);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kInvalidInput);
  auto no_key = store->holdActions(run, {{"", "suspend", "{}"}}, kT0);
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().code, ErrorCode::kInvalidInput);
  auto no_run = store->holdActions(run + 100, {{"EMP-1", "suspend", "{}"}}, kT0);
  ASSERT_FALSE(no_run.ok());
  EXPECT_EQ(no_run.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store->pendingHeldActions()->empty()) << "all or nothing";

  auto ids = store->holdActions(run, {{"EMP-1", "suspend", "{}"}}, kT0);
  ASSERT_TRUE(ids.ok());
  Status bad_state = store->resolveHeldAction((*ids)[0], "pending", run, "", kT1);
  ASSERT_FALSE(bad_state.ok());
  EXPECT_EQ(bad_state.error().code, ErrorCode::kInvalidInput);
  Status unknown = store->resolveHeldAction((*ids)[0] + 100, "applied", run, "", kT1);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST(HeldActionsTest, PendingRowsSurviveReopening) {
  TempDir dir;
  {
    auto store = openStore(dir.file("state.db"));
    ASSERT_TRUE(store);
    const int64_t run = *store->beginRun("apply", kT0, "d");
    ASSERT_TRUE(store->holdActions(run, {{"EMP-1", "suspend", "{\"a\":1}"}}, kT0).ok());
  }
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  auto pending = store->pendingHeldActions();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].action_json, "{\"a\":1}");
  // The database itself refuses a second pending row for one user, whoever writes it.
  EXPECT_EQ(testing::queryInt(dir.file("state.db"),
                                 "SELECT COUNT(*) FROM sqlite_schema WHERE name = "
                                 "'held_actions_pending'"),
            1);
}

}  // namespace
}  // namespace scim_agent
