#pragma once

// Saved plans are signed (SPEC §16), so `apply plan.json` applies what `plan` made and nothing a
// hand on the file changed: an HMAC-SHA256 over each action (with its position) and one over the
// whole document, under "signature":
//   {"algorithm": "HMAC-SHA256", "actions": ["<hex>", …], "document": "<hex>"}
// The document HMAC covers every other key (digest, notices, cost, grace starts). The MACs are
// over the canonical JSON text (sorted keys, agent/base/json.h), so reformatting the file does
// not break them; any change to a value does. The key is planSigningKeyFile's (a secret file, so a
// plan made in CI can be applied on another host) or one kept in the state DB.

#include <string>

#include "agent/base/json.h"
#include "agent/base/result.h"

namespace scim_agent {

// Adds (or replaces) doc["signature"]. REQUIRES: doc is a plan document (planToJson).
void signPlanDocument(Json& doc, const std::string& key);

// OK when doc["signature"] verifies under `key`. Otherwise kInvalidInput naming `path` and what:
// not signed; "was changed after it was made: actions[2] (update EMP-7)" — the first action whose
// MAC does not verify; actions added or removed; or a change outside the actions.
Status verifyPlanDocument(const Json& doc, const std::string& key, const std::string& path);

}  // namespace scim_agent
