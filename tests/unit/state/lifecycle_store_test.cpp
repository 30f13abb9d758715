// StateStore's lifecycle records: suspensions (deleteAfter counts from the first one; failed
// token revocations are remembered), delete clean-up steps, archived conversations.
#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::TempDir;
using scim_agent::testing::openStore;

TEST(LifecycleStoreTest, FirstSuspensionTimeIsKeptAndRevocationStateUpdated) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  auto run = store->beginRun("apply", "2026-01-01T00:00:00Z", "d");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(store->recordSuspension("EMP-1", "u1", "2026-01-01T00:00:00Z", *run, "removed", false).ok());
  ASSERT_TRUE(store->recordSuspension("EMP-1", "u1", "2026-02-01T00:00:00Z", *run, "again", true).ok());
  ASSERT_TRUE(store->recordSuspension("EMP-0", "u0", "2026-01-05T00:00:00Z", *run, "removed", true).ok());
  auto list = store->suspensions();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].external_id, "EMP-0");
  EXPECT_EQ((*list)[1].suspended_at, "2026-01-01T00:00:00Z") << "the grace period is not restarted";
  EXPECT_TRUE((*list)[1].tokens_revoked);

  ASSERT_TRUE(store->recordSuspension("EMP-1", "u1", "2026-03-01T00:00:00Z", *run, "x", false).ok());
  EXPECT_FALSE(store->suspensions()->at(1).tokens_revoked);
  ASSERT_TRUE(store->markTokensRevoked("EMP-1").ok());
  EXPECT_TRUE(store->suspensions()->at(1).tokens_revoked);

  ASSERT_TRUE(store->clearSuspension("EMP-1").ok());
  ASSERT_EQ(store->suspensions()->size(), 1u);
}

TEST(LifecycleStoreTest, CleanupStepsKeepTheirOrderAndSurviveReopen) {
  TempDir dir;
  {
    auto store = openStore(dir.file("state.db"));
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->recordCleanupStep("u1", "archive", 1, "{\"conversations\":3}", "t1").ok());
    ASSERT_TRUE(store->recordCleanupStep("u1", "queues", 1, "{}", "t2").ok());
    ASSERT_TRUE(store->recordCleanupStep("u2", "archive", 1, "{}", "t3").ok());
    ASSERT_TRUE(store->recordCleanupStep("u1", "archive", 2, "{\"conversations\":4}", "t4").ok())
        << "recording a step again replaces it";
  }
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  auto steps = store->cleanupSteps("u1");
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 2u);
  EXPECT_EQ((*steps)[0].step, "archive");
  EXPECT_EQ((*steps)[0].run_id, 2);
  EXPECT_EQ((*steps)[0].detail_json, "{\"conversations\":4}");
  EXPECT_EQ((*steps)[1].step, "queues");
  ASSERT_TRUE(store->clearCleanupSteps("u1").ok());
  EXPECT_TRUE(store->cleanupSteps("u1")->empty());
  EXPECT_EQ(store->cleanupSteps("u2")->size(), 1u);
}

TEST(LifecycleStoreTest, EachConversationIsArchivedOncePerUser) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  auto added = store->archiveConversations(
      "u1", 1, {R"({"conversationId":"c1","x":1})", R"({"conversationId":"c2"})"}, "t1");
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 2);
  added = store->archiveConversations("u1", 2, {R"({"conversationId":"c2"})", R"({"conversationId":"c3"})"}, "t2");
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 1) << "c2 is kept once";
  added = store->archiveConversations("u2", 2, {R"({"conversationId":"c1"})"}, "t2");
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 1) << "another user's copy is its own";
  EXPECT_EQ(*store->archivedConversationCount("u1"), 3);
  EXPECT_EQ(*store->archivedConversationCount("u2"), 1);
  EXPECT_EQ(*store->archivedConversationCount("u3"), 0);
  EXPECT_EQ(testing::queryInt(dir.file("state.db"),
                                 "SELECT COUNT(*) FROM archived_conversations WHERE "
                                 "json_extract(body_json, '$.x') = 1"),
            1)
      << "the document is stored as given";
}

}  // namespace
}  // namespace scim_agent
