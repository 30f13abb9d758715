// StateStore::showDeadRunsAsInterrupted and WriterLock::probe (issue 14 item 8): a run left
// "running" by a killed process reads "interrupted" to the read-only views, computed from the
// writer lock at each read, never written.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "state/writer_lock.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::openStore;
using scim_agent::testing::queryInt;
using scim_agent::testing::TempDir;

std::string outcomeIn(const std::vector<RunRecord>& runs, int64_t id) {
  for (const RunRecord& r : runs) {
    if (r.id == id) return r.outcome;
  }
  return "";
}

TEST(WriterLockProbeTest, FreeHeldAndMissing) {
  TempDir dir;
  const std::string lock = dir.file("state.db.lock");
  EXPECT_EQ(WriterLock::probe(lock), WriterLock::Probe::kFree);
  struct stat st {};
  EXPECT_NE(::stat(lock.c_str(), &st), 0) << "probing does not create the lock file";
  {
    auto held = WriterLock::acquire(lock, std::chrono::milliseconds(0));
    ASSERT_TRUE(held.ok());
    EXPECT_EQ(WriterLock::probe(lock), WriterLock::Probe::kHeld);
    // A probe leaves the lock as it was: the holder still has it, a second writer is refused.
    EXPECT_EQ(WriterLock::acquire(lock, std::chrono::milliseconds(0)).error().code,
              ErrorCode::kBusy);
  }
  EXPECT_EQ(WriterLock::probe(lock), WriterLock::Probe::kFree);
  // A probe does not keep the lock: a writer takes it right after.
  EXPECT_TRUE(WriterLock::acquire(lock, std::chrono::milliseconds(0)).ok());
}

TEST(DeadRunsTest, RunningWithoutALockHolderReadsInterrupted) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto writer = openStore(path);
  ASSERT_TRUE(writer);
  Result<int64_t> done = writer->beginRun("plan", "2026-01-01T00:00:00Z", "d");
  ASSERT_TRUE(done.ok());
  ASSERT_TRUE(writer->finishRun(*done, "ok", "{}", "2026-01-01T00:00:01Z").ok());
  Result<int64_t> killed = writer->beginRun("run", "2026-01-01T00:01:00Z", "d");
  ASSERT_TRUE(killed.ok());

  auto reader = openStore(path);
  ASSERT_TRUE(reader);
  // Without the view: what is recorded.
  EXPECT_EQ(reader->getRun(*killed)->outcome, "running");
  reader->showDeadRunsAsInterrupted();
  Result<RunRecord> run = reader->getRun(*killed);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->outcome, "interrupted");
  EXPECT_NE(run->summary_json.find("the process ended without finishing the run"),
            std::string::npos);
  EXPECT_EQ(outcomeIn(*reader->listRuns(0), *killed), "interrupted");
  EXPECT_EQ(outcomeIn(*reader->listRuns(0), *done), "ok");
  EXPECT_EQ(outcomeIn(*reader->runsSince("2026-01-01T00:00:00Z"), *killed), "interrupted");
  // Nothing was written.
  EXPECT_EQ(queryInt(path, "SELECT COUNT(*) FROM runs WHERE outcome = 'running'"), 1);
}

TEST(DeadRunsTest, TheLockHoldersNewestRunStaysRunning) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto writer = openStore(path);
  ASSERT_TRUE(writer);
  Result<int64_t> killed = writer->beginRun("run", "2026-01-01T00:00:00Z", "d");
  ASSERT_TRUE(killed.ok());
  ASSERT_TRUE(writer->acquireWriterLock(std::chrono::milliseconds(0)).ok());
  Result<int64_t> live = writer->beginRun("run", "2026-01-01T00:05:00Z", "d");
  ASSERT_TRUE(live.ok());

  auto reader = openStore(path);
  ASSERT_TRUE(reader);
  reader->showDeadRunsAsInterrupted();
  Result<std::vector<RunRecord>> runs = reader->listRuns(0);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(outcomeIn(*runs, *live), "running");
  EXPECT_EQ(outcomeIn(*runs, *killed), "interrupted");

  // The holder itself sees what is recorded (its beginRun records the dead ones for good).
  writer->showDeadRunsAsInterrupted();
  EXPECT_EQ(outcomeIn(*writer->listRuns(0), *killed), "running");

  writer->releaseWriterLock();
  EXPECT_EQ(outcomeIn(*reader->listRuns(0), *live), "interrupted");
}

TEST(StateDirectoryTest, OpenForMakesTheMissingDirectory0700) {
  TempDir dir;
  const std::string state_dir = dir.file("var/lib/scim-agent");
  std::vector<std::string> warnings;
  auto store = StateStore::openFor(state_dir + "/state.db",
                                   {"http://127.0.0.1:1", "http://127.0.0.1:1", "", "c"}, false,
                                   "20260101T000000Z", warnings);
  ASSERT_TRUE(store.ok()) << store.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(state_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(dir.file("var").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  // open() alone (the readers' way) still refuses a missing directory.
  auto plain = StateStore::open(dir.file("elsewhere/state.db"));
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.error().message.find("does not exist"), std::string::npos);
  EXPECT_NE(::stat(dir.file("elsewhere").c_str(), &st), 0);
}

}  // namespace
}  // namespace scim_agent
