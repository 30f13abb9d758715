#pragma once

// Checks of single user attribute values, shared by the desired-state loader (agent/desired) and
// the HR-export mapping (agent/sources), so a value is judged the same whichever file declares it.

#include <string>
#include <vector>

namespace scim_agent {

// local@domain.tld, no spaces, a dotted domain.
bool looksLikeEmail(const std::string& value);
// E.164 (+15550100) or tel:+15550100;ext=123.
bool isValidPhoneNumber(const std::string& value);
// YYYY-MM-DD and a real calendar date.
bool isValidDate(const std::string& value);
// The Genesys phone number types (genesys-api.md §3.1).
const std::vector<std::string>& phoneNumberTypes();

}  // namespace scim_agent
