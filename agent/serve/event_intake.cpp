#include "agent/serve/event_intake.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "agent/codec/hmac_sha256.h"
#include "agent/codec/json_parse.h"

namespace scim_agent {
namespace {

// The fields that name the event: no control character at all, not even whitespace.
bool isIdentifyingField(const std::string& key) {
  return key == "type" || key == "externalId" || key == "occurredAt" || key == "eventId";
}

std::string codePoint(uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// The first problem with a decoded JSON string (a key or a value) at `where`, or "". Poco's
// parser turns \u escapes into UTF-8 without judging them, so a lone surrogate or \u0000 gets
// this far even though the body itself was valid UTF-8.
std::string stringProblem(const std::string& s, const std::string& where, bool whitespace_ok) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp = 0;
    const size_t len = utf8Decode(std::string_view(s).substr(i), cp);
    if (len == 0) return where + " is not valid UTF-8";
    const bool allowed_space = whitespace_ok && (cp == '\t' || cp == '\n' || cp == '\r');
    if (isControlCharacter(cp) && !allowed_space) {
      return where + " holds the control character " + codePoint(cp);
    }
    i += len;
  }
  return "";
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

size_t utf8Decode(std::string_view s, uint32_t& cp) {
  if (s.empty()) return 0;
  const auto c = static_cast<unsigned char>(s[0]);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  size_t len = 0;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    cp = c & 0x07;
  }
  if (len == 0 || len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  // No overlong form, no surrogate, nothing above U+10FFFF.
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

bool isControlCharacter(uint32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

size_t invalidUtf8At(std::string_view s) {
  size_t i = 0;
  uint32_t cp = 0;
  while (i < s.size()) {
    const size_t len = utf8Decode(s.substr(i), cp);
    if (len == 0) return i;
    i += len;
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
