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

std::vector<std::string> keys(const std::vector<OutboxMessage>& messages) {
  std::vector<std::string> out;
  for (const OutboxMessage& m : messages) out.push_back(m.dedupe_key);
  return out;
}

constexpr const char* kT0 = "2024-05-01T10:00:00.000000Z";
constexpr const char* kT1 = "2024-05-01T10:00:01.000000Z";
constexpr const char* kT2 = "2024-05-01T10:00:02.000000Z";
constexpr const char* kT5 = "2024-05-01T10:00:05.000000Z";
constexpr const char* kT9 = "2024-05-01T10:00:09.000000Z";

TEST(OutboxTest, EnqueuedMessageIsDueAtOnceWithEveryField) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  Result<bool> added = store->enqueueOutbox("user.deleted:u1", "webhook", R"({"event":"x"})", kT0);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_TRUE(*added);

  Result<std::vector<OutboxMessage>> due = store->dueOutbox(kT0, 0);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  const OutboxMessage& m = (*due)[0];
  EXPECT_GT(m.id, 0);
  EXPECT_EQ(m.dedupe_key, "user.deleted:u1");
  EXPECT_EQ(m.created_at, kT0);
  EXPECT_EQ(m.channel, "webhook");
  EXPECT_EQ(m.payload_json, R"({"event":"x"})");
  EXPECT_EQ(m.attempts, 0);
  EXPECT_EQ(m.next_attempt_at, kT0);
  EXPECT_EQ(m.delivered_at, "");
  EXPECT_EQ(m.last_error, "");
}

TEST(OutboxTest, SameDedupeKeyIsEnqueuedOnceEvenAfterDelivery) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(*store->enqueueOutbox("k1", "webhook", "{\"n\":1}", kT0));
  Result<bool> again = store->enqueueOutbox("k1", "webhook", "{\"n\":2}", kT1);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);

  Result<std::vector<OutboxMessage>> all = store->outboxMessages(false);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].payload_json, "{\"n\":1}");  // the first one is kept, unchanged
  EXPECT_EQ((*all)[0].created_at, kT0);

  ASSERT_TRUE(store->markOutboxDelivered((*all)[0].id, kT2).ok());
  EXPECT_FALSE(*store->enqueueOutbox("k1", "webhook", "{\"n\":3}", kT5));
  EXPECT_EQ(store->outboxMessages(false)->size(), 1u);
  EXPECT_TRUE(store->outboxMessages(true)->empty());
}

TEST(OutboxTest, RejectsEmptyKeyAndUnknownChannel) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  Result<bool> no_key = store->enqueueOutbox("", "webhook", "{}", kT0);
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().code, ErrorCode::kInvalidInput);
  Result<bool> channel = store->enqueueOutbox("k", "carrier-pigeon", "{}", kT0);
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(channel.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(channel.error().message.find("carrier-pigeon"), std::string::npos);
  EXPECT_TRUE(store->outboxMessages(false)->empty());
}

TEST(OutboxTest, DueListsOnlyPendingMessagesWhoseTimeHasComeOldestFirst) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  // Enqueued out of time order: "oldest" is the order they were enqueued in.
  ASSERT_TRUE(*store->enqueueOutbox("a", "webhook", "{}", kT1));
  ASSERT_TRUE(*store->enqueueOutbox("b", "webhook", "{}", kT0));
  ASSERT_TRUE(*store->enqueueOutbox("c", "webhook", "{}", kT2));
  ASSERT_TRUE(*store->enqueueOutbox("d", "webhook", "{}", kT0));
  ASSERT_TRUE(*store->enqueueOutbox("e", "webhook", "{}", kT9));  // not due until kT9
  std::vector<OutboxMessage> all = *store->outboxMessages(false);
  ASSERT_EQ(keys(all), (std::vector<std::string>{"a", "b", "c", "d", "e"}));

  ASSERT_TRUE(store->markOutboxDelivered(all[1].id, kT2).ok());          // b: delivered
  ASSERT_TRUE(store->markOutboxFailed(all[3].id, "refused", kT5).ok());  // d: retry at kT5

  EXPECT_EQ(keys(*store->dueOutbox(kT0, 0)), std::vector<std::string>{});
  EXPECT_EQ(keys(*store->dueOutbox(kT1, 0)), (std::vector<std::string>{"a"}));
  EXPECT_EQ(keys(*store->dueOutbox(kT2, 0)), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(keys(*store->dueOutbox(kT5, 0)), (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ(keys(*store->dueOutbox(kT9, 0)), (std::vector<std::string>{"a", "c", "d", "e"}));
  EXPECT_EQ(keys(*store->dueOutbox(kT9, 2)), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(keys(*store->dueOutbox(kT9, -1)).size(), 4u);
  EXPECT_EQ(keys(*store->outboxMessages(true)), (std::vector<std::string>{"a", "c", "d", "e"}));
}

TEST(OutboxTest, FailedAttemptsCountAndKeepTheLastErrorUntilDelivered) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(*store->enqueueOutbox("k", "webhook", "{}", kT0));
  const int64_t id = (*store->outboxMessages(false))[0].id;

  ASSERT_TRUE(store->markOutboxFailed(id, "connection refused", kT2).ok());
  ASSERT_TRUE(store->markOutboxFailed(id, "HTTP 503", kT5).ok());
  OutboxMessage m = (*store->outboxMessages(true))[0];
  EXPECT_EQ(m.attempts, 2);
  EXPECT_EQ(m.last_error, "HTTP 503");
  EXPECT_EQ(m.next_attempt_at, kT5);
  EXPECT_EQ(m.delivered_at, "");

  ASSERT_TRUE(store->markOutboxDelivered(id, kT9).ok());
  m = (*store->outboxMessages(false))[0];
  EXPECT_EQ(m.attempts, 3);
  EXPECT_EQ(m.delivered_at, kT9);
  EXPECT_EQ(m.last_error, "");
  EXPECT_TRUE(store->dueOutbox(kT9, 0)->empty());
}

TEST(OutboxTest, MarkingAnUnknownOrDeliveredMessageFailsNamingTheFile) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto store = openStore(path);
  ASSERT_TRUE(store);
  Status unknown = store->markOutboxDelivered(42, kT0);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find(path), std::string::npos);
  EXPECT_NE(unknown.error().message.find("42"), std::string::npos);
  EXPECT_EQ(store->markOutboxFailed(42, "x", kT0).error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(*store->enqueueOutbox("k", "webhook", "{}", kT0));
  const int64_t id = (*store->outboxMessages(false))[0].id;
  ASSERT_TRUE(store->markOutboxDelivered(id, kT1).ok());
  Status twice = store->markOutboxDelivered(id, kT2);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kInternal);
  Status late_failure = store->markOutboxFailed(id, "late", kT5);
  ASSERT_FALSE(late_failure.ok());
  EXPECT_EQ(late_failure.error().code, ErrorCode::kInternal);
  const OutboxMessage m = (*store->outboxMessages(false))[0];
  EXPECT_EQ(m.delivered_at, kT1);  // untouched
  EXPECT_EQ(m.attempts, 1);
}

TEST(OutboxTest, MessagesAndTheirBookkeepingSurviveReopening) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto store = openStore(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(*store->enqueueOutbox("a", "webhook", R"({"n":"a"})", kT0));
    ASSERT_TRUE(*store->enqueueOutbox("b", "webhook", R"({"n":"b"})", kT0));
    ASSERT_TRUE(*store->enqueueOutbox("c", "webhook", R"({"n":"c"})", kT0));
    std::vector<OutboxMessage> all = *store->outboxMessages(false);
    ASSERT_TRUE(store->markOutboxDelivered(all[0].id, kT1).ok());
    ASSERT_TRUE(store->markOutboxFailed(all[1].id, "timed out", kT5).ok());
  }
  auto store = openStore(path);
  ASSERT_TRUE(store);
  std::vector<OutboxMessage> all = *store->outboxMessages(false);
  ASSERT_EQ(keys(all), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(all[0].delivered_at, kT1);
  EXPECT_EQ(all[1].last_error, "timed out");
  EXPECT_EQ(all[1].attempts, 1);
  EXPECT_EQ(all[1].next_attempt_at, kT5);
  EXPECT_EQ(all[2].payload_json, R"({"n":"c"})");
  EXPECT_EQ(keys(*store->dueOutbox(kT2, 0)), (std::vector<std::string>{"c"}));
  EXPECT_FALSE(*store->enqueueOutbox("a", "webhook", "{}", kT9));  // dedupe across reopen
}

// Enqueueing joins a caller's transaction: rolled back with it, nothing is left to deliver.
TEST(OutboxTest, EnqueueInsideARolledBackTransactionLeavesNothing) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  {
    Result<Transaction> tx = store->transaction();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(*store->enqueueOutbox("k", "webhook", "{}", kT0));
  }
  EXPECT_TRUE(store->outboxMessages(false)->empty());
  {
    Result<Transaction> tx = store->transaction();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(*store->enqueueOutbox("k", "webhook", "{}", kT0));
    ASSERT_TRUE(tx->commit().ok());
  }
  EXPECT_EQ(store->outboxMessages(false)->size(), 1u);
}

}  // namespace
}  // namespace scim_agent
