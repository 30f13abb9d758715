#pragma once

// Forced discrepancies (POST /sim/rewrites): the simulator stores and answers another value than
// a SCIM write sent, as if Genesys had normalised it, so a test can make the agent see a write's
// answer differ from what it sent (issue 12, discrepancy reports).
//
//   POST /sim/rewrites {"attribute":"title","value":"Engineer (normalized)","count":1}
//
// The next `count` (default 1) SCIM POST /Users or PATCH /Users/{id} requests that set
// `attribute` store `value` instead and answer with it. "Set" means: a POST whose document
// gives the attribute a value; a PATCH after which the attribute holds a value other than
// before (a PATCH that removes it, or leaves it as it was, is not rewritten). Rules are taken
// oldest first; one write consumes at most one rule per attribute.
//
// Thread safety: none; SimService calls it under its one mutex.

#include <deque>
#include <string>
#include <vector>

#include "tests/sim/scim_model.h"
#include "tests/sim/sim_json.h"

namespace scim_agent::sim {

class Rewrites {
 public:
  // The attribute names a rule may name (SCIM names; case-insensitive on input): title,
  // displayName, and the enterprise department and employeeNumber.
  static const std::vector<std::string>& attributes();

  // Adds the rule of a POST /sim/rewrites body. Throws SimError 400 invalidValue for an unknown
  // attribute, a missing or non-string value, or a count below 1; nothing is added then.
  void add(const JsonObject& doc);

  // Rewrites `after`, the fields a write is about to store, where it sets a ruled attribute.
  // `before`: the user's fields before a PATCH; null for a POST.
  void apply(const UserFields* before, UserFields& after);

  // GET /sim/rewrites: {"rewrites":[{"attribute","value","remaining"}…]} oldest first.
  std::string json() const;
  void clear() { rules_.clear(); }

 private:
  struct Rule {
    std::string attribute;  // canonical spelling, one of attributes()
    std::string value;
    int remaining = 1;
  };
  std::deque<Rule> rules_;
};

}  // namespace scim_agent::sim
