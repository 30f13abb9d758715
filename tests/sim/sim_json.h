#pragma once

// JSON helpers for genesys-sim.
//
// Output: JsonWriter, a small append-only writer. The simulator writes its own JSON instead of
// building Poco::JSON::Object trees because (a) key order must be stable and Genesys-like,
// (b) numbers such as skill proficiency must keep their decimal point ("3.0", as Genesys sends),
// and (c) listing 50,000 users must not allocate a tree per user.
//
// Input: parseJson() wraps Poco::JSON::Parser and turns its exceptions into SimError 400
// invalidSyntax; the small accessors below read Poco::Dynamic::Var values with type checks and
// throw SimError 400 invalidValue naming the attribute on a type mismatch.
//
// Thread safety: all functions are reentrant; a JsonWriter is used by one thread at a time.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace scim_agent::sim {

class JsonWriter {
 public:
  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  // Writes an object key; the next call must write its value.
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view value);
  JsonWriter& boolean(bool value);
  JsonWriter& integer(int64_t value);
  // Writes a double in shortest round-trip form, always with a decimal point or exponent
  // (3 -> "3.0").
  JsonWriter& number(double value);
  JsonWriter& null();
  // Appends an already-serialised JSON value verbatim.
  // REQUIRES: json is one complete, valid JSON value.
  JsonWriter& raw(std::string_view json);

  // Convenience: key + value.
  JsonWriter& field(std::string_view name, std::string_view value) {
    return key(name).string(value);
  }
  JsonWriter& field(std::string_view name, const char* value) { return key(name).string(value); }
  JsonWriter& fieldBool(std::string_view name, bool value) { return key(name).boolean(value); }
  JsonWriter& fieldInt(std::string_view name, int64_t value) { return key(name).integer(value); }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void beforeValue();

  std::string out_;
  // One entry per open container: true while no element has been written into it yet.
  std::vector<bool> empty_;
  bool after_key_ = false;
};

// Appends `value` to `out` as a quoted JSON string.
void appendJsonString(std::string& out, std::string_view value);

using JsonObject = Poco::JSON::Object::Ptr;
using JsonArray = Poco::JSON::Array::Ptr;

// Parses a request body. Throws SimError 400 invalidSyntax on malformed JSON.
Poco::Dynamic::Var parseJson(const std::string& body);
// Parses a request body that must be a JSON object (400 invalidSyntax otherwise).
JsonObject parseJsonObject(const std::string& body);

bool isObject(const Poco::Dynamic::Var& value);
bool isArray(const Poco::Dynamic::Var& value);
bool isNull(const Poco::Dynamic::Var& value);
JsonObject asObject(const Poco::Dynamic::Var& value);
JsonArray asArray(const Poco::Dynamic::Var& value);

// Typed reads; `what` names the attribute in the 400 invalidValue detail.
std::string requireString(const Poco::Dynamic::Var& value, std::string_view what);
bool requireBool(const Poco::Dynamic::Var& value, std::string_view what);  // also "true"/"False"
double requireNumber(const Poco::Dynamic::Var& value, std::string_view what);
int64_t requireInteger(const Poco::Dynamic::Var& value, std::string_view what);

// Case-insensitive key lookup (SCIM attribute names are case-insensitive, RFC 7643 §2.1).
// Returns an empty Var when the key is absent.
Poco::Dynamic::Var getField(const JsonObject& object, std::string_view name);
bool hasField(const JsonObject& object, std::string_view name);

// The elements of `value` when it is an array, or `value` itself as a one-element list.
std::vector<Poco::Dynamic::Var> asList(const Poco::Dynamic::Var& value);

std::string toLower(std::string_view text);
bool equalsIgnoreCase(std::string_view a, std::string_view b);
bool startsWithIgnoreCase(std::string_view text, std::string_view prefix);

}  // namespace scim_agent::sim
