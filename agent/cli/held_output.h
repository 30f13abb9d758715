#pragma once

// How apply and approve show held actions (agent/reconcile/holds.h).

#include <iosfwd>
#include <string>
#include <vector>

#include "agent/model/plan.h"
#include "agent/reconcile/holds.h"

namespace scim_agent {

// "EMP-7 (jdoe@corp.example)", or the userName alone for a user without externalId.
std::string heldLabel(const Action& a);
// What apply held (each action and how to approve it) and what it discarded.
std::string renderHeld(const HoldSplit& split, const std::string& config_path);
// The pending rows, one line each ("Nothing is pending approval." when none).
void listPending(const std::vector<HeldAction>& pending, std::ostream& err);

// The help of apply's --hold-destructive.
extern const char* const kHoldDestructiveHelp;

}  // namespace scim_agent
