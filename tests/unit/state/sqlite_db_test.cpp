#include "state/sqlite_db.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::TempDir;

TEST(SqliteErrorTest, MapsResultCodesToErrorCodes) {
  EXPECT_EQ(sqliteError(SQLITE_BUSY, "database is locked", "/s.db", "x").code, ErrorCode::kBusy);
  EXPECT_EQ(sqliteError(SQLITE_LOCKED, "m", "/s.db", "x").code, ErrorCode::kBusy);
  EXPECT_EQ(sqliteError(SQLITE_CORRUPT, "m", "/s.db", "x").code, ErrorCode::kCorrupt);
  EXPECT_EQ(sqliteError(SQLITE_NOTADB, "m", "/s.db", "x").code, ErrorCode::kCorrupt);
  EXPECT_EQ(sqliteError(SQLITE_IOERR_WRITE, "m", "/s.db", "x").code, ErrorCode::kIo);
  EXPECT_EQ(sqliteError(SQLITE_CANTOPEN, "m", "/s.db", "x").code, ErrorCode::kIo);
  EXPECT_EQ(sqliteError(SQLITE_CONSTRAINT_UNIQUE, "m", "/s.db", "x").code, ErrorCode::kInternal);
  const Error full = sqliteError(SQLITE_FULL, "database or disk is full", "/s.db", "saveSnapshot");
  EXPECT_EQ(full.code, ErrorCode::kIo);
  EXPECT_EQ(full.message.rfind("disk full: state database /s.db: saveSnapshot: ", 0), 0u)
      << full.message;
}

// A real SQLITE_FULL: the database may not grow past its page limit.
TEST(SqliteDbTest, FullDatabaseIsAnIoErrorSayingDiskFull) {
  TempDir dir;
  Result<std::unique_ptr<SqliteDb>> db = SqliteDb::open(dir.file("full.db"), 100);
  ASSERT_TRUE(db.ok()) << db.error().message;
  ASSERT_TRUE((*db)->exec("CREATE TABLE t (v TEXT); PRAGMA max_page_count = 8", "setup").ok());
  Result<SqliteStatement> insert = (*db)->prepare("INSERT INTO t (v) VALUES (?)");
  ASSERT_TRUE(insert.ok());
  Status status;
  for (int i = 0; i < 100 && status.ok(); ++i) {
    insert->reset();
    status = insert->bind(1, std::string(4000, 'x')).run();
  }
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kIo);
  EXPECT_NE(status.error().message.find("disk full"), std::string::npos) << status.error().message;
  EXPECT_NE(status.error().message.find("full.db"), std::string::npos);
}

// Another connection holding SQLite's write lock past the busy timeout: kBusy, not a hang.
TEST(SqliteDbTest, WriteLockHeldElsewhereIsBusyAfterTheTimeout) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  Result<std::unique_ptr<StateStore>> store = StateStore::open(path, 50);
  ASSERT_TRUE(store.ok());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  Result<int64_t> run = (*store)->beginRun("run", "t", "d");
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code, ErrorCode::kBusy);
  EXPECT_NE(run.error().message.find(path), std::string::npos) << run.error().message;
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE((*store)->beginRun("run", "t", "d").ok());
}

// Opening an up-to-date store takes no write lock: `report` works while a run is writing.
TEST(SqliteDbTest, OpeningAndReadingDoNotWaitForAWriter) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    Result<std::unique_ptr<StateStore>> store = StateStore::open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->beginRun("run", "t", "d").ok());
  }
  sqlite3* writer = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &writer), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE; INSERT INTO runs (kind, started_at, outcome) "
                                 "VALUES ('run', 't2', 'running')",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  Result<std::unique_ptr<StateStore>> reader = StateStore::open(path, 50);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  Result<std::vector<RunRecord>> runs = (*reader)->listRuns(0);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 1u);  // the uncommitted run is not visible
  sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
}

}  // namespace
}  // namespace scim_agent
