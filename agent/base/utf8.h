#pragma once

// UTF-8 checks for input text (SPEC §16: input text is valid UTF-8 without control characters).
// One validator for the desired-state specs, agent.yaml and anything else read as text.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace scim_agent {

// One character decoded from UTF-8 text.
struct Utf8Char {
  char32_t code_point = 0;  // U+FFFD when !valid
  size_t length = 1;        // bytes taken: the whole sequence, or 1 for an invalid byte
  bool valid = false;
};

// Decodes the character at `offset`. REQUIRES: offset < text.size().
// Strict (RFC 3629): an overlong form, a surrogate (U+D800–U+DFFF), a code point above
// U+10FFFF, a stray continuation byte or a truncated sequence is invalid; then `length` is 1, so
// a caller that steps by `length` resynchronizes on the next byte.
Utf8Char decodeUtf8(std::string_view text, size_t offset);

// True when `text` is valid UTF-8 throughout.
bool isValidUtf8(std::string_view text);

// A control character: C0 (U+0000–U+001F), DEL (U+007F) or C1 (U+0080–U+009F).
bool isControlCharacter(char32_t c);

// The first problem of `text` as input text: an invalid UTF-8 sequence, or a control character
// that `allowed_controls` does not list (e.g. U"\t\n\r" for a whole YAML file).
struct TextProblem {
  enum class Kind { kInvalidUtf8, kControlCharacter };
  Kind kind = Kind::kInvalidUtf8;
  size_t offset = 0;         // byte offset in the text
  char32_t code_point = 0;   // the control character (kControlCharacter)
  unsigned char byte = 0;    // the first offending byte (kInvalidUtf8)

  // "invalid UTF-8 (byte 0xFF)" or "control character U+0000".
  std::string describe() const;
};
std::optional<TextProblem> findTextProblem(std::string_view text,
                                           std::u32string_view allowed_controls = U"");

// The number of characters (code points) in `text`; an invalid byte counts as one.
size_t utf8Length(std::string_view text);

// "U+0000", "U+001B", "U+1F600".
std::string codePointName(char32_t c);

}  // namespace scim_agent
