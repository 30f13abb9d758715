#include "agent/cli/files.h"

#include <cstdio>
#include <fstream>

namespace scim_agent {

Status writeFileAtomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Error(ErrorCode::kIo, "cannot write " + tmp);
    f << content;
    f.flush();
    if (!f) return Error(ErrorCode::kIo, "cannot write " + tmp + " (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error(ErrorCode::kIo, "cannot rename " + tmp + " to " + path);
  }
  return Status::success();
}

}  // namespace scim_agent
