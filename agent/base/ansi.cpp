#include "agent/base/ansi.h"

namespace scim_agent {

const char* ansi(Ansi code) {
  switch (code) {
    case Ansi::kReset:
      return "\x1b[0m";
    case Ansi::kBold:
      return "\x1b[1m";
    case Ansi::kDim:
      return "\x1b[2m";
    case Ansi::kRed:
      return "\x1b[31m";
    case Ansi::kGreen:
      return "\x1b[32m";
    case Ansi::kYellow:
      return "\x1b[33m";
    case Ansi::kClearLine:
      return "\r\x1b[K";
  }
  return "";
}

}  // namespace scim_agent
