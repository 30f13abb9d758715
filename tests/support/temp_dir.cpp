#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace scim_agent::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  // temp_directory_path() honours $TMPDIR and falls back to /tmp.
  std::string pattern = (fs::temp_directory_path() / "scim-agent-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string p = file(name);
  fs::create_directories(fs::path(p).parent_path());
  {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << content;
  }
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  return p;
}

std::string TempDir::append(const std::string& name, const std::string& content) const {
  const std::string p = file(name);
  fs::create_directories(fs::path(p).parent_path());
  {
    std::ofstream f(p, std::ios::binary | std::ios::app);
    f << content;
  }
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  return p;
}

std::string readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace scim_agent::testing
