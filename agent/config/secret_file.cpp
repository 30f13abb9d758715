#include "agent/config/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace scim_agent {

namespace {

// Closes the descriptor at scope exit.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Who besides the owner may use the file, for the message ("readable by others").
std::string exposure(mode_t mode) {
  if (mode & S_IROTH) return "readable by others";
  if (mode & S_IRGRP) return "readable by its group";
  return "writable or executable by group or others";
}

// `path` as a shell word: as is when it is plain, else in single quotes.
std::string shellWord(const std::string& path) {
  const bool plain = !path.empty() && path.find_first_not_of(
                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789_./-+,:@%") == std::string::npos;
  if (plain) return path;
  std::string out = "'";
  for (char c : path) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Result<std::string> readSecretFile(const std::string& path, const std::string& what) {
  auto fail = [&](ErrorCode code, const std::string& problem) {
    return Error(code, "cannot read " + what + " " + path + ": " + problem);
  };
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
  if (file.fd < 0) return fail(ErrorCode::kIo, std::strerror(errno));
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return fail(ErrorCode::kIo, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail(ErrorCode::kIo, "is a directory");
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::kIo, "is not a regular file");
  // As ssh does with private keys: a secret others can read is no longer a secret, and using it
  // quietly hides that.
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error(ErrorCode::kInvalidInput, what + " " + path + " is " + exposure(st.st_mode) +
                                               " (mode " + mode + "); run: chmod 600 " +
                                               shellWord(path));
  }
  std::string value;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, std::strerror(errno));
    }
    if (n == 0) break;
    value.append(buffer, static_cast<size_t>(n));
    // A secret is a line or a key, not a file of megabytes: refuse what cannot be one.
    if (value.size() > kMaxSecretFileBytes) {
      return fail(ErrorCode::kInvalidInput,
                  "is larger than " + std::to_string(kMaxSecretFileBytes) + " bytes");
    }
  }
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  if (value.empty()) return fail(ErrorCode::kInvalidInput, "is empty");
  return value;
}

}  // namespace scim_agent
