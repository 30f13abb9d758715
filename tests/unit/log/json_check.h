#pragma once

// A strict JSON reader for the logger tests: unit_log links agent_log only (not agent_codec's
// POCO parser), and a strict reader is what a log shipper is: raw control characters, bad
// escapes, invalid UTF-8 and trailing bytes are refused.

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>

#include "agent/base/json.h"

namespace scim_agent::testing_log {

class StrictJson {
 public:
  static std::optional<Json> parse(const std::string& text) {
    StrictJson p(text);
    p.ws();
    std::optional<Json> v = p.value();
    p.ws();
    if (!v || p.i_ != text.size()) return std::nullopt;
    return v;
  }

 private:
  explicit StrictJson(const std::string& s) : s_(s) {}
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool lit(const char* word) {
    const std::string w(word);
    if (s_.compare(i_, w.size(), w) != 0) return false;
    i_ += w.size();
    return true;
  }
  std::optional<Json> value() {
    if (i_ >= s_.size()) return std::nullopt;
    const char c = s_[i_];
    if (c == '{') return object();
    if (c == '[') return array();
    if (c == '"') {
      auto str = string();
      if (!str) return std::nullopt;
      return Json(*str);
    }
    if (lit("true")) return Json(true);
    if (lit("false")) return Json(false);
    if (lit("null")) return Json(nullptr);
    return number();
  }
  std::optional<Json> object() {
    ++i_;
    Json out = Json::object();
    ws();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, out;
    for (;;) {
      ws();
      if (i_ >= s_.size() || s_[i_] != '"') return std::nullopt;
      auto key = string();
      ws();
      if (!key || i_ >= s_.size() || s_[i_] != ':') return std::nullopt;
      ++i_;
      ws();
      auto v = value();
      if (!v || out.has(*key)) return std::nullopt;  // duplicate keys refused too
      out[*key] = *v;
      ws();
      if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, out;
      return std::nullopt;
    }
  }
  std::optional<Json> array() {
    ++i_;
    Json out = Json::array();
    ws();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, out;
    for (;;) {
      ws();
      auto v = value();
      if (!v) return std::nullopt;
      out.push(*v);
      ws();
      if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, out;
      return std::nullopt;
    }
  }
  std::optional<Json> number() {
    const size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    const size_t digits = i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' ||
                              s_[i_] == 'e' || s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-'))
      ++i_;
    if (i_ == digits) return std::nullopt;
    try {
      size_t used = 0;
      const double d = std::stod(s_.substr(start, i_ - start), &used);
      if (used != i_ - start) return std::nullopt;
      return Json(d);
    } catch (...) {
      return std::nullopt;
    }
  }
  static void utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  std::optional<uint32_t> hex4() {
    if (i_ + 4 > s_.size()) return std::nullopt;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_++];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<uint32_t>(h - 'A' + 10);
      else return std::nullopt;
    }
    return v;
  }
  std::optional<std::string> string() {
    ++i_;
    std::string out;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, out;
      if (c < 0x20) return std::nullopt;
      if (c == '\\') {
        if (++i_ >= s_.size()) return std::nullopt;
        const char e = s_[i_++];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            auto cp = hex4();
            if (!cp || (*cp >= 0xd800 && *cp <= 0xdfff)) return std::nullopt;  // no lone surrogates
            utf8(out, *cp);
            break;
          }
          default: return std::nullopt;
        }
        continue;
      }
      // Raw bytes must be valid UTF-8.
      size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                                  : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
      if (len == 0 || i_ + len > s_.size()) return std::nullopt;
      for (size_t k = 1; k < len; ++k) {
        if ((static_cast<unsigned char>(s_[i_ + k]) & 0xc0) != 0x80) return std::nullopt;
      }
      out.append(s_, i_, len);
      i_ += len;
    }
    return std::nullopt;
  }

  const std::string& s_;
  size_t i_ = 0;
};

}  // namespace scim_agent::testing_log
