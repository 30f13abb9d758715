#include "agent/base/json.h"

#include <cmath>
#include <cstdint>
#include <cstdio>

#include "agent/base/utf8.h"

namespace scim_agent {

namespace {
const Json kNull;

void writeNumber(std::string& out, double d) {
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) {
    out += std::to_string(static_cast<long long>(d));
    return;
  }
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  out += buf;
}

void newline(std::string& out, int indent, int depth) {
  if (indent <= 0) return;
  out += '\n';
  out.append(static_cast<size_t>(indent * depth), ' ');
}

}  // namespace

void appendJsonEscaped(std::string& out, std::string_view s, JsonEscaping escaping) {
  const bool safe = escaping == JsonEscaping::kSafeText;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 && safe) {
      if (const Utf8Char ch = decodeUtf8(s, i); ch.valid) {
        out.append(s.substr(i, ch.length));
        i += ch.length;
      } else {
        out += "\\ufffd";
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (!safe && c == '\b') {
          out += "\\b";
        } else if (!safe && c == '\f') {
          out += "\\f";
        } else if (c < 0x20 || (safe && c == 0x7f)) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
}

std::string jsonQuote(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  appendJsonEscaped(out, s, JsonEscaping::kCanonical);
  out += '"';
  return out;
}

Json& Json::operator[](const std::string& key) {
  if (isNull()) v_ = Object{};
  return std::get<Object>(v_)[key];
}

const Json& Json::get(const std::string& key) const {
  if (!isObject()) return kNull;
  const auto& o = asObject();
  auto it = o.find(key);
  return it == o.end() ? kNull : it->second;
}

bool Json::has(const std::string& key) const { return isObject() && asObject().count(key) > 0; }

std::string Json::getString(const std::string& key, const std::string& fallback) const {
  const Json& v = get(key);
  return v.isString() ? v.asString() : fallback;
}

bool Json::getBool(const std::string& key, bool fallback) const {
  const Json& v = get(key);
  return v.isBool() ? v.asBool() : fallback;
}

double Json::getNumber(const std::string& key, double fallback) const {
  const Json& v = get(key);
  return v.isNumber() ? v.asNumber() : fallback;
}

void Json::push(Json value) {
  if (isNull()) v_ = Array{};
  std::get<Array>(v_).push_back(std::move(value));
}

void Json::write(std::string& out, int indent, int depth) const {
  switch (v_.index()) {
    case 0: out += "null"; break;
    case 1: out += asBool() ? "true" : "false"; break;
    case 2: writeNumber(out, asNumber()); break;
    case 3: out += jsonQuote(asString()); break;
    case 4: {
      const auto& a = asArray();
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        newline(out, indent, depth + 1);
        a[i].write(out, indent, depth + 1);
      }
      if (!a.empty()) newline(out, indent, depth);
      out += ']';
      break;
    }
    case 5: {
      const auto& o = asObject();
      out += '{';
      bool first = true;
      for (const auto& [k, v] : o) {
        if (!first) out += ',';
        first = false;
        newline(out, indent, depth + 1);
        out += jsonQuote(k);
        out += indent > 0 ? ": " : ":";
        v.write(out, indent, depth + 1);
      }
      if (!o.empty()) newline(out, indent, depth);
      out += '}';
      break;
    }
  }
}

std::string Json::dump() const {
  std::string out;
  write(out, 0, 0);
  return out;
}

std::string Json::pretty() const {
  std::string out;
  write(out, 2, 0);
  return out;
}

}  // namespace scim_agent
