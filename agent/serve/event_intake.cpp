#include "agent/serve/event_intake.h"

#include <cstdlib>

#include "agent/codec/hmac_sha256.h"
#include "agent/codec/json_parse.h"

namespace scim_agent {

bool constantTimeEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

IntakeVerdict checkEvent(const std::string& secret, const std::string& timestamp,
                         const std::string& signature, const std::string& body, int64_t now_unix) {
  if (timestamp.empty() || signature.empty()) {
    return {401, "missing X-Scim-Agent-Timestamp or X-Scim-Agent-Signature", {}};
  }
  // Signature first: an unauthenticated sender learns nothing about the clock window.
  if (!constantTimeEquals(timestampedSignature(secret, timestamp, body), signature)) {
    return {401, "wrong signature", {}};
  }
  char* end = nullptr;
  const long long sent = std::strtoll(timestamp.c_str(), &end, 10);
  if (end == timestamp.c_str() || *end != '\0') return {401, "stale timestamp: not unix seconds", {}};
  if (sent > now_unix + kMaxClockSkewSeconds || sent < now_unix - kMaxClockSkewSeconds) {
    return {401, "stale timestamp: more than 300 s from the server's clock", {}};
  }
  auto json = parseJson(body);
  if (!json.ok()) return {400, "malformed JSON: " + json.error().message, {}};
  if (!json->isObject()) return {400, "malformed JSON: the body must be an object", {}};
  IntakeVerdict v;
  v.event.type = json->getString("type");
  if (v.event.type != "termination" && v.event.type != "hire" && v.event.type != "update") {
    return {400, "unknown type \"" + v.event.type + "\": expected termination, hire or update", {}};
  }
  if (!json->get("externalId").isString() || json->getString("externalId").empty()) {
    return {400, "missing externalId", {}};
  }
  v.event.external_id = json->getString("externalId");
  if (!json->get("occurredAt").isString() || json->getString("occurredAt").empty()) {
    return {400, "missing occurredAt", {}};
  }
  v.event.occurred_at = json->getString("occurredAt");
  const Json& id = json->get("eventId");
  if (!id.isNull() && !(id.isString() && !id.asString().empty())) {
    return {400, "eventId must be a non-empty string", {}};
  }
  v.event.key = id.isString() ? "id:" + id.asString() : "sig:" + signature;
  return v;
}

}  // namespace scim_agent
