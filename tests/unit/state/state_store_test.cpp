#include "state/state_store.h"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::TempDir;
using scim_agent::testing::openStore;
using scim_agent::testing::execSql;
using scim_agent::testing::fileMode;
using scim_agent::testing::queryInt;

TEST(StateStoreOpenTest, CreatesFileWithMode0600AndWal) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto store = openStore(path);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->beginRun("plan", "2024-05-01T09:00:00Z", "d").ok());

  EXPECT_EQ(fileMode(path), 0600u);
  // SQLite gives -wal and -shm the database file's mode.
  EXPECT_EQ(fileMode(path + "-wal"), 0600u);
  EXPECT_EQ(fileMode(path + "-shm"), 0600u);
  EXPECT_EQ(queryInt(path, "SELECT COUNT(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
            1);
}

TEST(StateStoreOpenTest, TightensAnExistingFileTo0600) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  { auto store = openStore(path); }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto store = openStore(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(fileMode(path), 0600u);
}

TEST(StateStoreOpenTest, MigrationsAreIdempotentOnReopen) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto store = openStore(path);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->beginRun("run", "2024-05-01T09:00:00Z", "d").ok());
  }
  for (int i = 0; i < 2; ++i) {
    auto store = openStore(path);
    ASSERT_TRUE(store);
    Result<std::vector<RunRecord>> runs = store->listRuns(0);
    ASSERT_TRUE(runs.ok());
    EXPECT_EQ(runs->size(), 1u);
  }
  EXPECT_EQ(queryInt(path, "SELECT COUNT(*) FROM schema_version"), StateStore::schemaVersion());
  EXPECT_EQ(queryInt(path, "SELECT MAX(version) FROM schema_version"),
            StateStore::schemaVersion());
  // The tables later issues fill are there, empty.
  for (const char* table : {"audit_log", "events", "outbox", "suspensions",
                            "archived_conversations"}) {
    EXPECT_EQ(queryInt(path, std::string("SELECT COUNT(*) FROM ") + table), 0) << table;
  }
}

TEST(StateStoreOpenTest, NewerSchemaIsCorrupt) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  { auto store = openStore(path); }
  execSql(path, "INSERT INTO schema_version (version, description) VALUES (" +
                    std::to_string(StateStore::schemaVersion() + 1) + ", 'from the future')");
  Result<std::unique_ptr<StateStore>> store = StateStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

TEST(StateStoreOpenTest, GarbageFileIsCorruptAndNamesThePath) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    std::ofstream out(path);
    for (int i = 0; i < 200; ++i) out << "this is not a database, it is a shopping list\n";
  }
  Result<std::unique_ptr<StateStore>> store = StateStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
}

TEST(StateStoreOpenTest, DamagedHeaderPastTheMagicIsCorrupt) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto store = openStore(path);
    ASSERT_TRUE(store);
  }
  {
    // Keep the magic string, wreck the rest of the header (page size etc.).
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(16);
    const std::string junk(84, '\xff');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  Result<std::unique_ptr<StateStore>> store = StateStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt) << store.error().message;
  EXPECT_NE(store.error().message.find(path), std::string::npos) << store.error().message;
}

TEST(StateStoreOpenTest, ForeignSqliteDatabaseIsRefused) {
  TempDir dir;
  const std::string path = dir.file("other.db");
  execSql(path, "CREATE TABLE contacts (name TEXT)");
  Result<std::unique_ptr<StateStore>> store = StateStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(store.error().message.find("not a scim-agent state database"), std::string::npos)
      << store.error().message;
}

TEST(StateStoreOpenTest, MissingParentDirectoryIsIoNamingIt) {
  TempDir dir;
  const std::string missing = dir.file("no/such/dir");
  Result<std::unique_ptr<StateStore>> store = StateStore::open(missing + "/state.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
  EXPECT_NE(store.error().message.find(missing + " does not exist"), std::string::npos)
      << store.error().message;
}

TEST(StateStoreRunsTest, RoundTripNewestFirst) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  Result<int64_t> first = store->beginRun("plan", "2024-05-01T09:00:00Z", "sha256:aaa");
  Result<int64_t> second = store->beginRun("apply", "2024-05-01T09:15:00Z", "sha256:bbb");
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(store->finishRun(*first, "changes", R"({"create":3})", "2024-05-01T09:00:04Z").ok());

  Result<RunRecord> run = store->getRun(*first);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->kind, "plan");
  EXPECT_EQ(run->started_at, "2024-05-01T09:00:00Z");
  EXPECT_EQ(run->ended_at, "2024-05-01T09:00:04Z");
  EXPECT_EQ(run->outcome, "changes");
  EXPECT_EQ(run->summary_json, R"({"create":3})");
  EXPECT_EQ(run->desired_digest, "sha256:aaa");

  Result<RunRecord> running = store->getRun(*second);
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->outcome, "running");
  EXPECT_EQ(running->ended_at, "");
  EXPECT_EQ(running->summary_json, "{}");

  Result<std::vector<RunRecord>> runs = store->listRuns(10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].id, *second);
  EXPECT_EQ((*runs)[1].id, *first);
  Result<std::vector<RunRecord>> newest = store->listRuns(1);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].id, *second);
}

TEST(StateStoreRunsTest, RejectsBadKindOutcomeAndDoubleFinish) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  Result<int64_t> bad = store->beginRun("deploy", "t", "d");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);

  Result<int64_t> id = store->beginRun("run", "t0", "d");
  ASSERT_TRUE(id.ok());
  Status status = store->finishRun(*id, "running", "{}", "t1");
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidInput);
  ASSERT_TRUE(store->finishRun(*id, "ok", "{}", "t1").ok());
  status = store->finishRun(*id, "failed", "{}", "t2");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInternal);
  EXPECT_EQ(store->finishRun(999, "ok", "{}", "t").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->getRun(999).error().code, ErrorCode::kNotFound);
}

TEST(StateStorePlansTest, RoundTripExactText) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  Result<int64_t> run = store->beginRun("plan", "t0", "sha256:d");
  ASSERT_TRUE(run.ok());
  const std::string plan = R"({"actions":[{"kind":"create","externalId":"EMP-7","name":"Zoë"}]})";
  Result<int64_t> id = store->savePlan(*run, "sha256:d", plan, "t1");
  ASSERT_TRUE(id.ok());
  Result<std::string> loaded = store->loadPlan(*id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, plan);
  EXPECT_EQ(store->loadPlan(*id + 1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store->savePlan(*run + 1, "d", "{}", "t").error().code, ErrorCode::kNotFound);
}

TEST(StateStoreTransactionTest, RollsBackOnScopeExitAndCommitsOnCommit) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto store = openStore(path);
  ASSERT_TRUE(store);
  {
    Result<Transaction> tx = store->transaction();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(store->beginRun("run", "t0", "d").ok());
    ASSERT_TRUE(store->beginRun("run", "t1", "d").ok());
  }  // no commit: both gone
  EXPECT_EQ(store->listRuns(0)->size(), 0u);
  {
    Result<Transaction> tx = store->transaction();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(store->beginRun("run", "t0", "d").ok());
    ASSERT_TRUE(store->beginRun("run", "t1", "d").ok());
    ASSERT_TRUE(tx->commit().ok());
    EXPECT_EQ(tx->commit().error().code, ErrorCode::kInternal);
  }
  EXPECT_EQ(store->listRuns(0)->size(), 2u);
  EXPECT_EQ(queryInt(path, "SELECT COUNT(*) FROM runs"), 2);
}

TEST(StateStoreTransactionTest, AFailedCallInsideLeavesTheOuterTransactionUsable) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  Result<Transaction> tx = store->transaction();
  ASSERT_TRUE(tx.ok());
  Result<int64_t> run = store->beginRun("run", "t0", "d");
  ASSERT_TRUE(run.ok());
  // Fails inside its savepoint (unknown run): only its own work is undone.
  EXPECT_FALSE(store->savePlan(*run + 5, "d", "{}", "t").ok());
  ASSERT_TRUE(store->savePlan(*run, "d", "{}", "t").ok());
  ASSERT_TRUE(tx->commit().ok());
  EXPECT_EQ(store->listRuns(0)->size(), 1u);
}

TEST(StateStoreTest, CheckpointTruncatesTheWal) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto store = openStore(path);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->beginRun("run", "t0", "d").ok());
  EXPECT_GT(testing::fileSize(path + "-wal"), 0);
  ASSERT_TRUE(store->checkpoint().ok());
  EXPECT_EQ(testing::fileSize(path + "-wal"), 0);
}

}  // namespace
}  // namespace scim_agent
