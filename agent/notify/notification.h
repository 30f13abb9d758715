#pragma once

// What scim-agent tells the outside world about users it changed (SPEC §4 notify:, §8 "notify"
// clean-up step), and how such a notice enters the outbox (SPEC §10). Delivery is
// WebhookNotifier's job (webhook_notifier.h); this file only builds and enqueues.

#include <cstdint>
#include <string>

#include "agent/base/json.h"
#include "agent/base/result.h"

namespace scim_agent {

class StateStore;

// The outbox channel that WebhookNotifier delivers.
inline constexpr const char* kWebhookChannel = "webhook";

// One notice about one user. Plain data; notificationPayload() renders it.
struct Notification {
  // One of: user.created | user.updated | user.suspended | user.reactivated | user.restored |
  // user.deleted | user.held (a destructive action stored for `approve`).
  std::string event;
  std::string external_id;
  std::string user_name;
  std::string user_id;  // the Genesys (SCIM) id; "" when the user has none yet
  int64_t run_id = 0;
  std::string at;  // ISO-8601 UTC: when the change happened (the caller's clock)
  // Event-specific facts, e.g. {"reason":"removed from desired","queues":["q1"]}. Must be a JSON
  // object; never a secret or token (receivers log payloads).
  Json detail = Json::object();
};

// True for the events listed on Notification::event.
bool isNotificationEvent(const std::string& event);

// The canonical JSON body receivers get: keys sorted, compact, so the same notice always renders
// to the same bytes (and therefore the same signature):
//   {"at":"…","detail":{…},"event":"user.deleted","externalId":"EMP-7","runId":12,
//    "userId":"9f…","userName":"a@example.com"}
// Fails with kInvalidInput for an unknown event or a detail that is not an object.
Result<std::string> notificationPayload(const Notification& notification);

// The outbox dedupe key: "<event>:<user id or ext:<externalId>>:run:<run id>", so a run that
// re-enqueues the same notice (say, after a resume) adds nothing, while the same event in a later
// run (suspended, reactivated, suspended again) is a new notice. For user.deleted the run is the
// one that began the delete: a delete resumed by a later run never notifies twice, and a user
// deleted, restored and deleted again is notified twice.
std::string notificationDedupeKey(const Notification& notification);

// Renders the notice and adds it to the outbox on the webhook channel, due at once. Returns true
// when it was added, false when a notice with the same dedupe key was enqueued before (delivered
// or not). Fails with kInvalidInput (see notificationPayload) or the store's error. Joins a
// Transaction open on `store`, so a notice can be committed together with the change it reports.
Result<bool> enqueueNotification(StateStore& store, const Notification& notification,
                                 const std::string& at);

}  // namespace scim_agent
