#include "state/writer_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "state/store_internal.h"

namespace scim_agent {
namespace {

// The pid the current holder wrote, or "" when it has not written one yet (it writes right after
// locking, so a loser can read the file between the two).
std::string holderPid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return "";
  std::string pid(buffer, static_cast<size_t>(n));
  pid.erase(std::find_if(pid.begin(), pid.end(), [](char c) { return c < '0' || c > '9'; }),
            pid.end());
  return pid;
}

}  // namespace

Result<std::unique_ptr<WriterLock>> WriterLock::acquire(const std::string& lock_path,
                                                        std::chrono::milliseconds timeout) {
  FdGuard fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) {
    return Error(ErrorCode::kIo,
                 "cannot open lock file " + lock_path + ": " + std::strerror(errno));
  }
  // flock has no timeout of its own: poll, starting fast (a run finishing now is the common
  // case) and backing off to 100 ms. A steady clock is fine here; the store never records it.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(5);
  for (;;) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) break;
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) {
      return Error(ErrorCode::kIo, "cannot lock " + lock_path + ": " + std::strerror(errno));
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      const std::string pid = holderPid(fd.get());
      return Error(ErrorCode::kBusy, "another scim-agent run holds " + lock_path + " (pid " +
                                         (pid.empty() ? "unknown" : pid) + ")");
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }

  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0 ||
      ::pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock is held; only the diagnostic for a loser is missing. Not worth failing the run.
  }
  return std::unique_ptr<WriterLock>(new WriterLock(fd.release(), lock_path));
}

WriterLock::Probe WriterLock::probe(const std::string& lock_path) {
  FdGuard fd(::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) return errno == ENOENT ? Probe::kFree : Probe::kUnknown;
  // Shared: readers probing at once do not refuse each other; a writer polling for the lock
  // meanwhile waits a moment more.
  for (;;) {
    if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) {
      ::flock(fd.get(), LOCK_UN);
      return Probe::kFree;
    }
    if (errno == EINTR) continue;
    return errno == EWOULDBLOCK ? Probe::kHeld : Probe::kUnknown;
  }
}

WriterLock::~WriterLock() {
  // Clear the pid while still holding the lock, so the file never names a finished run; closing
  // the last descriptor of the open file releases the flock.
  if (::ftruncate(fd_, 0) != 0) {
    // Harmless: the next holder overwrites it.
  }
  ::close(fd_);
}

}  // namespace scim_agent
