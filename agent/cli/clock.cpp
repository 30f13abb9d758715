#include "agent/cli/clock.h"

#include <memory>

namespace scim_agent {

namespace {
std::unique_ptr<Clock>& clockSlot() {
  static std::unique_ptr<Clock> clock = std::make_unique<SystemClock>();
  return clock;
}
}  // namespace

bool initCliClock(const char* scim_agent_now) {
  if (!scim_agent_now || !*scim_agent_now) return true;
  auto fixed = parseIso8601(scim_agent_now);
  if (!fixed) return false;
  clockSlot() = std::make_unique<FixedClock>(*fixed);
  return true;
}

const Clock& cliClock() { return *clockSlot(); }

std::string cliNowIso() { return formatIso8601(cliClock().now()); }

}  // namespace scim_agent
