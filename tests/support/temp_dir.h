#pragma once

// Files for tests: a per-test temporary directory and whole-file reads.

#include <string>

namespace scim_agent::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
// Throws std::runtime_error when it cannot be created (the test fails with that message).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name; the file need not exist.
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to path()/name (creating parent directories, replacing the file) and returns
  // the full path. Files are mode 0600, as the secret files among them must be (readSecretFile
  // refuses a secret readable by group or others).
  std::string write(const std::string& name, const std::string& content) const;
  // Appends `content` to path()/name (created when missing, mode 0600) and returns the full path.
  std::string append(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// The bytes of the file at `path`; "" when it is missing or unreadable.
std::string readFile(const std::string& path);

}  // namespace scim_agent::testing
