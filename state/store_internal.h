#pragma once

// Small helpers shared by the StateStore source files. Internal to state/.

#include <initializer_list>
#include <string>
#include <string_view>

namespace scim_agent {

inline bool isOneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
  for (std::string_view a : allowed) {
    if (value == a) return true;
  }
  return false;
}

inline std::string joined(std::initializer_list<std::string_view> values) {
  std::string out;
  for (std::string_view v : values) {
    if (!out.empty()) out += " | ";
    out += v;
  }
  return out;
}

}  // namespace scim_agent
