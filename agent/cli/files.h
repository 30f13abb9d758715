#pragma once

#include <string>

#include "agent/base/result.h"

namespace scim_agent {

// Writes `content` to `path` through "<path>.tmp" and a rename, so a reader (a pipeline picking
// up plan.json or a report) never sees half a file. kIo naming the file on failure.
Status writeFileAtomically(const std::string& path, const std::string& content);

}  // namespace scim_agent
