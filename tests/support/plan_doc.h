#pragma once

// Reading the plan document that `scim-agent plan --format json` prints (agent/plan/plan_json.h)
// in integration tests: its actions and notices.

#include <string>

#include "agent/base/json.h"

namespace scim_agent::testing {

// `text` parsed as JSON; on a parse error the test fails (with the text) and this is {}.
Json parsed(const std::string& text);

// The plan document's actions of `kind` ("suspend", "create", …) for `external_id` ("" =
// anyone).
int actions(const Json& plan, const std::string& kind, const std::string& external_id = "");

// The first notice of the plan document whose message holds `text` (and whose externalId is
// `external_id`, unless ""); null when none.
Json notice(const Json& plan, const std::string& text, const std::string& external_id = "");

// Every notice of the plan document, one JSON line each (for failure messages).
std::string noticesText(const Json& plan);

}  // namespace scim_agent::testing
