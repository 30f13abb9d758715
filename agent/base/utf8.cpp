#include "agent/base/utf8.h"

#include <cstdio>

namespace scim_agent {

// Hand-written rather than Poco::UTF8Encoding / Poco::TextIterator: agent/base is std-only
// (STYLE §2), and the loaders need the byte offset of the first bad sequence, which POCO's
// iterator does not give (it maps bad bytes to -1 and moves on).

namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool isContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

}  // namespace

Utf8Char decodeUtf8(std::string_view text, size_t offset) {
  const auto at = [&](size_t i) { return static_cast<unsigned char>(text[offset + i]); };
  const unsigned char lead = at(0);
  if (lead < 0x80) return Utf8Char{lead, 1, true};
  size_t length = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {  // 0xC0 and 0xC1 would only start overlong forms
    length = 2;
    cp = lead & 0x1F;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0F;
    min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    min = 0x10000;
  } else {
    return Utf8Char{kReplacement, 1, false};
  }
  if (offset + length > text.size()) return Utf8Char{kReplacement, 1, false};
  for (size_t i = 1; i < length; ++i) {
    if (!isContinuation(at(i))) return Utf8Char{kReplacement, 1, false};
    cp = (cp << 6) | (at(i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return Utf8Char{kReplacement, 1, false};
  }
  return Utf8Char{cp, length, true};
}

bool isValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const Utf8Char c = decodeUtf8(text, i);
    if (!c.valid) return false;
    i += c.length;
  }
  return true;
}

bool isControlCharacter(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

std::string TextProblem::describe() const {
  if (kind == Kind::kControlCharacter) return "control character " + codePointName(code_point);
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(byte));
  return std::string("invalid UTF-8 (byte ") + hex + ")";
}

std::optional<TextProblem> findTextProblem(std::string_view text,
                                           std::u32string_view allowed_controls) {
  for (size_t i = 0; i < text.size();) {
    const Utf8Char c = decodeUtf8(text, i);
    if (!c.valid) {
      TextProblem p;
      p.kind = TextProblem::Kind::kInvalidUtf8;
      p.offset = i;
      p.byte = static_cast<unsigned char>(text[i]);
      return p;
    }
    if (isControlCharacter(c.code_point) &&
        allowed_controls.find(c.code_point) == std::u32string_view::npos) {
      TextProblem p;
      p.kind = TextProblem::Kind::kControlCharacter;
      p.offset = i;
      p.code_point = c.code_point;
      return p;
    }
    i += c.length;
  }
  return std::nullopt;
}

size_t utf8Length(std::string_view text) {
  size_t count = 0;
  for (size_t i = 0; i < text.size(); ++count) i += decodeUtf8(text, i).length;
  return count;
}

std::string codePointName(char32_t c) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(c));
  return buffer;
}

}  // namespace scim_agent
