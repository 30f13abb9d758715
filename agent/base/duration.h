#pragma once
// TEMPORARY stand-in until the wt-vocab branch lands (same API).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
namespace scim_agent {
std::optional<std::chrono::seconds> parseDuration(std::string_view text);
std::string formatDuration(std::chrono::seconds d);
}  // namespace scim_agent
