#include "agent/base/text.h"

#include <algorithm>

namespace scim_agent {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](unsigned char x, unsigned char y) {
           return lower(x) == lower(y);
         });
}

}  // namespace scim_agent
