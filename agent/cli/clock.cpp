#include "agent/cli/clock.h"

#include <cstdlib>

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Timestamp.h>

namespace scim_agent {

std::chrono::system_clock::time_point cliNow() {
  if (const char* fixed = std::getenv("SCIM_AGENT_NOW"); fixed && *fixed) {
    int tz = 0;
    Poco::DateTime parsed;
    if (Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, fixed, parsed, tz) ||
        Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, fixed, parsed,
                                       tz)) {
      parsed.makeUTC(tz);
      return std::chrono::system_clock::time_point(
          std::chrono::microseconds(parsed.timestamp().epochMicroseconds()));
    }
  }
  return std::chrono::system_clock::now();
}

std::string cliNowIso() {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(cliNow().time_since_epoch());
  return Poco::DateTimeFormatter::format(Poco::Timestamp(micros.count()),
                                         Poco::DateTimeFormat::ISO8601_FRAC_FORMAT);
}

}  // namespace scim_agent
