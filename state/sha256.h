#pragma once

#include <string>
#include <string_view>

namespace scim_agent {

// SHA-256 of `data` as 64 lowercase hex digits: the content address of state documents, snapshot
// chunks and manifests, and the audit chain's link.
std::string sha256Hex(std::string_view data);

}  // namespace scim_agent
