#include "agent/notify/notification.h"

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

Notification aDeletion() {
  Notification n;
  n.event = "user.deleted";
  n.external_id = "EMP-7";
  n.user_name = "ada@example.com";
  n.user_id = "9f1c";
  n.run_id = 12;
  n.at = "2024-05-01T10:00:00.000000Z";
  n.detail["reason"] = "removed from desired";
  n.detail["queues"] = Json(Json::Array{"q1", "q2"});
  return n;
}

TEST(NotificationTest, PayloadIsCanonicalJsonWithEveryField) {
  Result<std::string> payload = notificationPayload(aDeletion());
  ASSERT_TRUE(payload.ok()) << payload.error().message;
  EXPECT_EQ(*payload,
            R"({"at":"2024-05-01T10:00:00.000000Z","detail":{"queues":["q1","q2"],)"
            R"("reason":"removed from desired"},"event":"user.deleted","externalId":"EMP-7",)"
            R"("runId":12,"userId":"9f1c","userName":"ada@example.com"})");
  // Same notice, same bytes (so the same signature).
  EXPECT_EQ(*payload, *notificationPayload(aDeletion()));
}

TEST(NotificationTest, PayloadEscapesText) {
  Notification n = aDeletion();
  n.user_name = "a\"b\\c\n";
  Result<std::string> payload = notificationPayload(n);
  ASSERT_TRUE(payload.ok());
  EXPECT_NE(payload->find(R"("userName":"a\"b\\c\n")"), std::string::npos) << *payload;
}

TEST(NotificationTest, UnknownEventOrNonObjectDetailIsRefused) {
  Notification n = aDeletion();
  n.event = "user.vanished";
  Result<std::string> payload = notificationPayload(n);
  ASSERT_FALSE(payload.ok());
  EXPECT_EQ(payload.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(payload.error().message.find("user.vanished"), std::string::npos);

  n = aDeletion();
  n.detail = Json("text");
  EXPECT_EQ(notificationPayload(n).error().code, ErrorCode::kInvalidInput);

  for (const char* event : {"user.created", "user.updated", "user.suspended", "user.reactivated",
                            "user.restored", "user.deleted", "user.held"}) {
    EXPECT_TRUE(isNotificationEvent(event)) << event;
  }
}

TEST(NotificationTest, DedupeKeyNamesEventUserAndRun) {
  Notification n = aDeletion();
  n.event = "user.suspended";
  EXPECT_EQ(notificationDedupeKey(n), "user.suspended:9f1c:run:12");
  n.user_id = "";
  EXPECT_EQ(notificationDedupeKey(n), "user.suspended:ext:EMP-7:run:12");
  // For a delete the run is the one that began it (the lifecycle passes it), so a resumed delete
  // keeps its key and a second delete of the same id (deleted, restored, deleted) has its own.
  Notification deleted = aDeletion();
  EXPECT_EQ(notificationDedupeKey(deleted), "user.deleted:9f1c:run:12");
  deleted.run_id = 13;
  EXPECT_EQ(notificationDedupeKey(deleted), "user.deleted:9f1c:run:13");
}

TEST(NotificationTest, EnqueueAddsOneWebhookMessagePerKey) {
  ::scim_agent::testing::TempDir dir;
  Result<std::unique_ptr<StateStore>> store = StateStore::open(dir.file("state.db"));
  ASSERT_TRUE(store.ok());
  const std::string at = "2024-05-01T10:00:01.000000Z";
  Result<bool> first = enqueueNotification(**store, aDeletion(), at);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(*first);
  Notification again = aDeletion();  // a resumed delete names the run that began it
  EXPECT_FALSE(*enqueueNotification(**store, again, at));

  Notification suspension = aDeletion();
  suspension.event = "user.suspended";
  EXPECT_TRUE(*enqueueNotification(**store, suspension, at));
  suspension.run_id = 14;  // suspended again, in a later run
  EXPECT_TRUE(*enqueueNotification(**store, suspension, at));

  std::vector<OutboxMessage> messages = *(*store)->outboxMessages(false);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].channel, "webhook");
  EXPECT_EQ(messages[0].dedupe_key, "user.deleted:9f1c:run:12");
  EXPECT_EQ(messages[0].payload_json, *notificationPayload(aDeletion()));
  EXPECT_EQ(messages[0].next_attempt_at, at);
  Result<Json> parsed = parseJson(messages[0].payload_json);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->getString("event"), "user.deleted");
  EXPECT_EQ(parsed->getNumber("runId"), 12);

  Notification bad = aDeletion();
  bad.event = "nope";
  EXPECT_EQ(enqueueNotification(**store, bad, at).error().code, ErrorCode::kInvalidInput);
}

}  // namespace
}  // namespace scim_agent
