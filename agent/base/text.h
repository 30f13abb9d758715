#pragma once

// Small string helpers shared across modules.

#include <cstddef>
#include <string_view>

namespace scim_agent {

// True when `a` and `b` are equal ignoring ASCII case (HTTP header names, SCIM attribute names
// and userNames as Genesys compares them). Bytes from 0x80 compare exactly.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

// Levenshtein distance between a and b (byte-wise): "did you mean" suggestions.
size_t editDistance(std::string_view a, std::string_view b);

}  // namespace scim_agent
