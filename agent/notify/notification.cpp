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
  Json payload = Json::object();
  payload["event"] = notification.event;
  payload["externalId"] = notification.external_id;
  payload["userName"] = notification.user_name;
  payload["userId"] = notification.user_id;
  payload["runId"] = notification.run_id;
  payload["at"] = notification.at;
  payload["detail"] = notification.detail;
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
