#include "agent/notify/notification.h"

#include <array>
#include <string_view>

#include "state/state_store.h"

namespace scim_agent {
namespace {

constexpr std::array<std::string_view, 7> kEvents = {
    "user.created",  "user.updated", "user.suspended", "user.reactivated",
    "user.restored", "user.deleted", "user.held",
};

}  // namespace

bool isNotificationEvent(const std::string& event) {
  for (std::string_view e : kEvents) {
    if (event == e) return true;
  }
  return false;
}

Result<std::string> notificationPayload(const Notification& notification) {
  if (!isNotificationEvent(notification.event)) {
    return Error(ErrorCode::kInvalidInput,
                 "notification: unknown event \"" + notification.event + "\"");
  }
  if (!notification.detail.isObject()) {
    return Error(ErrorCode::kInvalidInput,
                 "notification " + notification.event + ": detail must be a JSON object");
  }
  // In the order dump() writes them.
  const Json payload(Json::Object{{"at", notification.at},
                                  {"detail", notification.detail},
                                  {"event", notification.event},
                                  {"externalId", notification.external_id},
                                  {"runId", notification.run_id},
                                  {"userId", notification.user_id},
                                  {"userName", notification.user_name}});
  return payload.dump();
}

std::string notificationDedupeKey(const Notification& notification) {
  std::string key = notification.event + ":";
  key += notification.user_id.empty() ? "ext:" + notification.external_id : notification.user_id;
  key += ":run:" + std::to_string(notification.run_id);
  return key;
}

Result<bool> enqueueNotification(StateStore& store, const Notification& notification,
                                 const std::string& at) {
  Result<std::string> payload = notificationPayload(notification);
  if (!payload.ok()) return payload.error();
  return store.enqueueOutbox(notificationDedupeKey(notification), kWebhookChannel, *payload, at);
}

}  // namespace scim_agent
