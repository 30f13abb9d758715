#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::TempDir;
using scim_agent::testing::openStore;
using std::chrono::milliseconds;

TEST(WriterLockTest, SecondStoreIsBusyAtOnceWithTimeoutZero) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto first = openStore(path);
  auto second = openStore(path);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->acquireWriterLock(milliseconds(0)).ok());
  EXPECT_TRUE(first->acquireWriterLock(milliseconds(0)).ok());  // already held: fine
  EXPECT_TRUE(first->holdsWriterLock());
  EXPECT_EQ(testing::fileMode(path + ".lock"), 0600u);

  const auto start = std::chrono::steady_clock::now();
  Status busy = second->acquireWriterLock(milliseconds(0));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(500));
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, ErrorCode::kBusy);
  EXPECT_EQ(busy.error().message, "another scim-agent run holds " + path + ".lock (pid " +
                                      std::to_string(::getpid()) + ")");
  EXPECT_FALSE(second->holdsWriterLock());

  first->releaseWriterLock();
  EXPECT_TRUE(second->acquireWriterLock(milliseconds(0)).ok());
  first.reset();
  second.reset();  // destruction releases too
  auto third = openStore(path);
  EXPECT_TRUE(third->acquireWriterLock(milliseconds(0)).ok());
}

// Forks a child that opens its own store, takes the writer lock, reports 'L' on `ready`, and then
// waits for a byte on `release` (or is killed).
pid_t childHoldingLock(const std::string& path, int ready_fd, int release_fd) {
  const pid_t child = ::fork();
  if (child != 0) return child;
  Result<std::unique_ptr<StateStore>> store = StateStore::open(path);
  if (!store.ok() || !(*store)->acquireWriterLock(milliseconds(0)).ok()) ::_exit(2);
  char byte = 'L';
  if (::write(ready_fd, &byte, 1) != 1) ::_exit(3);
  if (::read(release_fd, &byte, 1) < 0) ::_exit(4);
  ::_exit(0);
}

TEST(WriterLockTest, AnotherProcessHoldingTheLockBlocksUntilItLetsGo) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto store = openStore(path);
  ASSERT_TRUE(store);
  int ready[2];
  int release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = childHoldingLock(path, ready[1], release[0]);
  ASSERT_GT(child, 0);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);

  Status busy = store->acquireWriterLock(milliseconds(0));
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, ErrorCode::kBusy);
  EXPECT_NE(busy.error().message.find("(pid " + std::to_string(child) + ")"), std::string::npos)
      << busy.error().message;

  const auto start = std::chrono::steady_clock::now();
  busy = store->acquireWriterLock(milliseconds(150));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(150));
  EXPECT_EQ(busy.error().code, ErrorCode::kBusy);

  // The child lets go while we wait: the wait ends with the lock.
  ASSERT_EQ(::write(release[1], "x", 1), 1);
  EXPECT_TRUE(store->acquireWriterLock(milliseconds(5000)).ok());
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
}

TEST(WriterLockTest, AKilledHolderLeavesNoStaleLock) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto store = openStore(path);
  ASSERT_TRUE(store);
  int ready[2];
  int release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = childHoldingLock(path, ready[1], release[0]);
  ASSERT_GT(child, 0);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  EXPECT_EQ(store->acquireWriterLock(milliseconds(0)).error().code, ErrorCode::kBusy);

  ::kill(child, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(store->acquireWriterLock(milliseconds(0)).ok());
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
}

}  // namespace
}  // namespace scim_agent
