#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace scim_agent {

// Small string helpers for the messages and reports of agent/plan. Internal to agent/plan.

// `s` between double quotes, as is (no escaping): `externalId "EMP-7"`.
std::string quoted(std::string_view s);

// `parts` separated by `separator`: join({"a", "b"}, ", ") == "a, b".
std::string join(const std::vector<std::string>& parts, std::string_view separator);

}  // namespace scim_agent
