#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/base/result.h"

namespace scim_agent {

// The one-writer-at-a-time lock of SPEC §10: an exclusive flock(2) on a lock file, held until the
// WriterLock is destroyed. flock locks belong to the open file, so a second WriterLock on the same
// path conflicts even inside one process. The file is opened O_CLOEXEC (a spawned program does not
// inherit it); a fork()ed child shares it until either side closes it. The holder writes its pid
// into the file so that the loser can name it. The file is left in place on release: removing it
// would let two processes lock two different files of the same name.
class WriterLock {
 public:
  // Takes the lock on `lock_path` (created with mode 0600 if missing), trying again until
  // `timeout` has passed; timeout 0 tries once. Fails with kBusy "another scim-agent run holds
  // <lock_path> (pid N)" when someone else still holds it, kIo when the file cannot be opened.
  static Result<std::unique_ptr<WriterLock>> acquire(const std::string& lock_path,
                                                     std::chrono::milliseconds timeout);
  ~WriterLock();
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

  const std::string& path() const { return path_; }

  // Whether some process holds the lock on `lock_path` now, asked without taking it for more
  // than a moment and without creating the file: kFree when the file is missing or a shared
  // flock is granted at once (released again), kHeld when it is refused, kUnknown when the file
  // cannot be opened (permissions). A killed holder's lock is released by the kernel, so kFree
  // proves that no run is in progress.
  enum class Probe { kFree, kHeld, kUnknown };
  static Probe probe(const std::string& lock_path);

 private:
  WriterLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace scim_agent
