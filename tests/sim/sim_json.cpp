#include "tests/sim/sim_json.h"

#include <charconv>
#include <cmath>

#include <Poco/Exception.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>

#include "tests/sim/sim_error.h"

namespace scim_agent::sim {

void JsonWriter::beforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!empty_.empty()) {
    if (!empty_.back()) out_.push_back(',');
    empty_.back() = false;
  }
}

JsonWriter& JsonWriter::beginObject() {
  beforeValue();
  out_.push_back('{');
  empty_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::endObject() {
  out_.push_back('}');
  empty_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::beginArray() {
  beforeValue();
  out_.push_back('[');
  empty_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::endArray() {
  out_.push_back(']');
  empty_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  beforeValue();
  appendJsonString(out_, name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view value) {
  beforeValue();
  appendJsonString(out_, value);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
  beforeValue();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::integer(int64_t value) {
  beforeValue();
  out_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::number(double value) {
  beforeValue();
  if (!std::isfinite(value)) {
    out_ += "null";
    return *this;
  }
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string_view text(buffer, static_cast<size_t>(result.ptr - buffer));
  out_ += text;
  if (text.find_first_of(".eE") == std::string_view::npos) out_ += ".0";
  return *this;
}

JsonWriter& JsonWriter::null() {
  beforeValue();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  beforeValue();
  out_ += json;
  return *this;
}

void appendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out.push_back(kHex[byte >> 4]);
          out.push_back(kHex[byte & 0xF]);
        } else {
          out.push_back(c);  // UTF-8 passes through unchanged
        }
    }
  }
  out.push_back('"');
}

Poco::Dynamic::Var parseJson(const std::string& body) {
  try {
    Poco::JSON::Parser parser;
    return parser.parse(body);
  } catch (const Poco::Exception& e) {
    throw invalidSyntax("Malformed JSON: " + e.displayText());
  } catch (const std::exception& e) {
    throw invalidSyntax(std::string("Malformed JSON: ") + e.what());
  }
}

JsonObject parseJsonObject(const std::string& body) {
  Poco::Dynamic::Var value = parseJson(body);
  if (!isObject(value)) throw invalidSyntax("Request body must be a JSON object.");
  return asObject(value);
}

bool isObject(const Poco::Dynamic::Var& value) {
  return !value.isEmpty() && value.type() == typeid(Poco::JSON::Object::Ptr);
}

bool isArray(const Poco::Dynamic::Var& value) {
  return !value.isEmpty() && value.type() == typeid(Poco::JSON::Array::Ptr);
}

bool isNull(const Poco::Dynamic::Var& value) { return value.isEmpty(); }

JsonObject asObject(const Poco::Dynamic::Var& value) {
  return value.extract<Poco::JSON::Object::Ptr>();
}

JsonArray asArray(const Poco::Dynamic::Var& value) {
  return value.extract<Poco::JSON::Array::Ptr>();
}

std::string requireString(const Poco::Dynamic::Var& value, std::string_view what) {
  if (value.isEmpty() || !value.isString()) {
    throw invalidValue("Attribute '" + std::string(what) + "' must be a string.");
  }
  return value.extract<std::string>();
}

bool requireBool(const Poco::Dynamic::Var& value, std::string_view what) {
  if (!value.isEmpty()) {
    if (value.isBoolean()) return value.extract<bool>();
    // Entra ID sends booleans as the strings "True"/"False".
    if (value.isString()) {
      const std::string text = value.extract<std::string>();
      if (equalsIgnoreCase(text, "true")) return true;
      if (equalsIgnoreCase(text, "false")) return false;
    }
  }
  throw invalidValue("Attribute '" + std::string(what) + "' must be a boolean.");
}

double requireNumber(const Poco::Dynamic::Var& value, std::string_view what) {
  if (value.isEmpty() || !value.isNumeric()) {
    throw invalidValue("Attribute '" + std::string(what) + "' must be a number.");
  }
  return value.convert<double>();
}

int64_t requireInteger(const Poco::Dynamic::Var& value, std::string_view what) {
  if (value.isEmpty() || !value.isInteger()) {
    throw invalidValue("Attribute '" + std::string(what) + "' must be an integer.");
  }
  return value.convert<int64_t>();
}

Poco::Dynamic::Var getField(const JsonObject& object, std::string_view name) {
  for (auto it = object->begin(); it != object->end(); ++it) {
    if (equalsIgnoreCase(it->first, name)) return it->second;
  }
  return {};
}

bool hasField(const JsonObject& object, std::string_view name) {
  for (auto it = object->begin(); it != object->end(); ++it) {
    if (equalsIgnoreCase(it->first, name)) return true;
  }
  return false;
}

std::vector<Poco::Dynamic::Var> asList(const Poco::Dynamic::Var& value) {
  std::vector<Poco::Dynamic::Var> items;
  if (isArray(value)) {
    JsonArray array = asArray(value);
    for (size_t i = 0; i < array->size(); ++i)
      items.push_back(array->get(static_cast<unsigned>(i)));
  } else if (!value.isEmpty()) {
    items.push_back(value);
  }
  return items;
}

std::string toLower(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lowered;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool startsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && equalsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

}  // namespace scim_agent::sim
