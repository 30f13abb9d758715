#pragma once

// ANSI terminal escapes, in one place for the logger (colours on a TTY) and the text
// renderings of plans and reports. Callers decide whether to colour at all (a terminal, and
// NO_COLOR unset).

namespace scim_agent {

enum class Ansi {
  kReset,
  kBold,
  kDim,
  kRed,
  kGreen,
  kYellow,
  kClearLine,  // carriage return and erase the line (progress bars)
};

// The escape sequence of `code`, e.g. "\x1b[31m" for kRed.
const char* ansi(Ansi code);

}  // namespace scim_agent
