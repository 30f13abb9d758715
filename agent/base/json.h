#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace scim_agent {

// A JSON value with sorted object keys, so that serialising it is deterministic byte for byte
// (SPEC §8: the same inputs give the same plan). Hand-written rather than Poco::JSON because the
// planner and model are pure standard C++ (STYLE §2) and Poco::JSON::Object does not guarantee a
// canonical key order. Parsing text into a Json lives in agent/codec (it uses Poco's parser).
class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::map<std::string, Json>;

  Json() = default;  // null
  Json(std::nullptr_t) {}                              // NOLINT
  Json(bool b) : v_(b) {}                              // NOLINT
  Json(int i) : v_(static_cast<double>(i)) {}          // NOLINT
  Json(int64_t i) : v_(static_cast<double>(i)) {}      // NOLINT
  Json(double d) : v_(d) {}                            // NOLINT
  Json(const char* s) : v_(std::string(s)) {}          // NOLINT
  Json(std::string s) : v_(std::move(s)) {}            // NOLINT
  Json(Array a) : v_(std::move(a)) {}                  // NOLINT
  Json(Object o) : v_(std::move(o)) {}                 // NOLINT

  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  bool isNull() const { return v_.index() == 0; }
  bool isBool() const { return v_.index() == 1; }
  bool isNumber() const { return v_.index() == 2; }
  bool isString() const { return v_.index() == 3; }
  bool isArray() const { return v_.index() == 4; }
  bool isObject() const { return v_.index() == 5; }

  bool asBool() const { return std::get<1>(v_); }
  double asNumber() const { return std::get<2>(v_); }
  const std::string& asString() const { return std::get<3>(v_); }
  const Array& asArray() const { return std::get<4>(v_); }
  Array& asArray() { return std::get<4>(v_); }
  const Object& asObject() const { return std::get<5>(v_); }
  Object& asObject() { return std::get<5>(v_); }

  // Object access. `operator[]` turns a null into an object. `get` returns null when absent or
  // when this is not an object.
  Json& operator[](const std::string& key);
  const Json& get(const std::string& key) const;
  bool has(const std::string& key) const;
  // Convenience readers with a fallback when the member is absent or of another type.
  std::string getString(const std::string& key, const std::string& fallback = "") const;
  bool getBool(const std::string& key, bool fallback = false) const;
  double getNumber(const std::string& key, double fallback = 0) const;

  void push(Json value);  // append to an array (a null becomes an array)

  // Compact JSON text; object keys in sorted order; integers without a fraction.
  std::string dump() const;
  // Indented JSON text (2 spaces), same order.
  std::string pretty() const;

  bool operator==(const Json& other) const { return v_ == other.v_; }
  bool operator!=(const Json& other) const { return !(*this == other); }

 private:
  void write(std::string& out, int indent, int depth) const;
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> v_;
};

// How appendJsonEscaped writes what JSON would let through raw.
enum class JsonEscaping {
  // Json::dump and jsonQuote: '"', '\\', \n \r \t \b \f as short escapes, other controls
  // below 0x20 as \u00XX, DEL and bytes from 0x80 as they are. Plan digests hash this text: it
  // must not change.
  kCanonical,
  // Log lines: '"', '\\', \n \r \t as short escapes, every other control and DEL as \u00XX,
  // and each byte of invalid UTF-8 (a bad lead or continuation byte, an overlong form, a
  // surrogate, above U+10FFFF) as \ufffd, so a line is valid JSON and harmless on a terminal
  // whatever a server returned.
  kSafeText,
};

// Appends the inside of a JSON string literal for `s` (without the quotes).
void appendJsonEscaped(std::string& out, std::string_view s, JsonEscaping escaping);

// JSON string literal (with quotes) for `s`, JsonEscaping::kCanonical.
std::string jsonQuote(const std::string& s);

}  // namespace scim_agent
