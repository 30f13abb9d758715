#include "agent/base/host.h"

#include <algorithm>
#include <sstream>

namespace scim_agent {

namespace {
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}
}  // namespace

bool isLoopbackHost(const std::string& host_in) {
  std::string host = lower(host_in);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8 in dotted-quad form.
  int parts = 0;
  std::istringstream in(host);
  std::string part;
  bool first_is_127 = false;
  while (std::getline(in, part, '.')) {
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(part) > 255) {
      return false;
    }
    if (parts == 0) first_is_127 = part == "127";
    ++parts;
  }
  return parts == 4 && first_is_127 && host.back() != '.';
}

}  // namespace scim_agent
