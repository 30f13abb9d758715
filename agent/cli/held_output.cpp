#include "agent/cli/held_output.h"

#include <ostream>
#include <set>
#include <sstream>

#include "agent/codec/json_parse.h"
#include "agent/plan/plan_json.h"

namespace scim_agent {

std::string heldLabel(const Action& a) {
  return a.external_id.empty() ? a.user_name : a.external_id + " (" + a.user_name + ")";
}

std::string renderHeld(const HoldSplit& split, const std::string& config_path) {
  std::ostringstream out;
  if (!split.discard.empty()) {
    out << "\nNo longer planned, so no longer pending approval:";
    for (const HeldAction& h : split.discard) out << " " << h.external_id;
    out << "\n";
  }
  if (split.held_actions.empty()) return out.str();
  out << "\nHeld for approval (" << split.held_actions.size()
      << "): nothing destructive was applied to these users.\n";
  std::set<std::string> replaced;
  for (const HeldAction& h : split.replaced) replaced.insert(h.external_id);
  for (const Action& a : split.held_actions) {
    out << "  " << (a.kind == ActionKind::kDelete ? "-" : "!") << " " << actionKindName(a.kind)
        << " " << heldLabel(a);
    if (!a.rule.empty()) out << ": " << a.rule;
    if (replaced.count(heldKey(a))) out << " (was already pending; replaced by this plan)";
    out << "\n";
  }
  const std::string config = " --config " + config_path;
  out << "Approve one with: scim-agent approve" << config << " --externalId "
      << heldKey(split.held_actions.front()) << "\n"
      << "Approve all with: scim-agent approve" << config << " --all\n";
  return out.str();
}

void listPending(const std::vector<HeldAction>& pending, std::ostream& err) {
  if (pending.empty()) {
    err << "Nothing is pending approval.\n";
    return;
  }
  err << "Pending approval (" << pending.size() << "):\n";
  for (const HeldAction& h : pending) {
    std::string who = h.external_id;
    auto doc = parseJson(h.action_json);
    if (doc.ok()) {
      auto plan = planFromJson(*doc);
      if (plan.ok() && !plan->actions.empty()) who = heldLabel(plan->actions.front());
    }
    err << "  " << h.kind << " " << who << " (held by run " << h.run_id << " at " << h.held_at
        << ")\n";
  }
}

}  // namespace scim_agent
