#include "agent/config/secret_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace scim_agent {

Result<std::string> readSecretFile(const std::string& path, const std::string& what) {
  auto fail = [&](ErrorCode code, const std::string& problem) {
    return Error(code, "cannot read " + what + " " + path + ": " + problem);
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return fail(ErrorCode::kIo, "is a directory");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return fail(ErrorCode::kIo, err ? std::strerror(err) : "cannot be opened");
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) return fail(ErrorCode::kInvalidInput, "is empty");
  return value;
}

}  // namespace scim_agent
