#include "agent/serve/event_intake.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "agent/base/utf8.h"
#include "agent/codec/hmac_sha256.h"
#include "agent/codec/json_parse.h"

namespace scim_agent {
namespace {

// The fields that name the event: no control character at all, not even whitespace.
bool isIdentifyingField(const std::string& key) {
  return key == "type" || key == "externalId" || key == "occurredAt" || key == "eventId";
}

// The first problem with a decoded JSON string (a key or a value) at `where`, or "". Poco's
// parser turns \u escapes into UTF-8 without judging them, so a lone surrogate or \u0000 gets
// this far even though the body itself was valid UTF-8.
std::string stringProblem(const std::string& s, const std::string& where, bool whitespace_ok) {
  const auto problem = findTextProblem(s, whitespace_ok ? U"\t\n\r" : U"");
  if (!problem) return "";
  if (problem->kind == TextProblem::Kind::kInvalidUtf8) return where + " is not valid UTF-8";
  return where + " holds the control character " + codePointName(problem->code_point);
}

// The first string in `json` (keys and values, depth first) with a problem, or "".
std::string firstStringProblem(const Json& json, const std::string& where, bool identifying) {
  if (json.isString()) return stringProblem(json.asString(), where, !identifying);
  if (json.isArray()) {
    size_t n = 0;
    for (const Json& item : json.asArray()) {
      std::string p = firstStringProblem(item, where + "[" + std::to_string(n++) + "]", false);
      if (!p.empty()) return p;
    }
  } else if (json.isObject()) {
    for (const auto& [key, value] : json.asObject()) {
      const std::string at = where.empty() ? "\"" + key + "\"" : where + "." + key;
      std::string p = stringProblem(key, "a key in " + (where.empty() ? "the body" : where), false);
      if (p.empty()) p = firstStringProblem(value, at, where.empty() && isIdentifyingField(key));
      if (!p.empty()) return p;
    }
  }
  return "";
}

}  // namespace

size_t invalidUtf8At(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const Utf8Char c = decodeUtf8(s, i);
    if (!c.valid) return i;
    i += c.length;
  }
  return std::string_view::npos;
}

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
  if (const size_t at = invalidUtf8At(body); at != std::string_view::npos) {
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X",
                  static_cast<unsigned>(static_cast<unsigned char>(body[at])));
    return {400, "the body is not valid UTF-8 (byte " + std::string(byte) + " at offset " +
                     std::to_string(at) + ")", {}};
  }
  auto json = parseJson(body);
  if (!json.ok()) return {400, "malformed JSON: " + json.error().message, {}};
  if (!json->isObject()) return {400, "malformed JSON: the body must be an object", {}};
  if (std::string problem = firstStringProblem(*json, "", false); !problem.empty()) {
    return {400, problem, {}};
  }
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
