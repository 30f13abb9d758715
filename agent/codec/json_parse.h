#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/base/json.h"
#include "agent/base/result.h"

namespace scim_agent {

// Parses JSON text into a Json (with Poco's parser). Fails with kInvalidInput and the parser's
// message (which names the position) on malformed text.
Result<Json> parseJson(std::string_view text);

// sha256 of `data`, lower-case hex.
std::string sha256Hex(std::string_view data);

// sha256 of the bytes of the file `path`, read in pieces, lower-case hex; nullopt when it cannot
// be read.
std::optional<std::string> sha256FileHex(const std::string& path);

}  // namespace scim_agent
