#pragma once

// The checks of POST /v1/events (SPEC §12), as values: what serve's handler answers for a
// request, before anything is journaled. Pure: time enters as `now_unix`.

#include <cstdint>
#include <string>
#include <string_view>

namespace scim_agent {

inline constexpr size_t kMaxEventBodyBytes = 64 * 1024;
inline constexpr int64_t kMaxClockSkewSeconds = 300;

// An event that passed every check.
struct IntakeEvent {
  std::string key;  // eventId, or the signature when the sender gave none (replays: UNIQUE)
  std::string type;  // termination | hire | update
  std::string external_id;
  std::string occurred_at;
};

// The verdict on one request: status 0 = accepted (`event` filled), else the HTTP status and the
// message of the JSON error.
struct IntakeVerdict {
  int status = 0;
  std::string error;
  IntakeEvent event;
};

// True when `a` equals `b`, in time that depends only on their lengths.
bool constantTimeEquals(const std::string& a, const std::string& b);

// The offset of the first byte of `s` that is not part of well-formed UTF-8; npos when all is.
size_t invalidUtf8At(std::string_view s);

// Checks the signature headers (empty when absent), the timestamp window and the JSON body.
// Content type and size are the handler's (415, 413) since they are decided before the body is
// read. 401 for a missing or wrong signature or a stale timestamp. 400 for a body that is not
// valid UTF-8, is not a JSON object, holds a string (key or value, escapes decoded) that is not
// valid UTF-8 or has a control character (tab, LF and CR are allowed in other fields than type,
// externalId, occurredAt and eventId), has an unknown type, or misses externalId or occurredAt.
IntakeVerdict checkEvent(const std::string& secret, const std::string& timestamp,
                         const std::string& signature, const std::string& body, int64_t now_unix);

}  // namespace scim_agent
