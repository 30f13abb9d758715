// The state database's identity (which org it belongs to) and --init-state's move aside
// (issue 10, item 5).

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::execSql;
using scim_agent::testing::fileSize;
using scim_agent::testing::openStore;
using scim_agent::testing::queryInt;
using scim_agent::testing::TempDir;
using Verdict = StoreIdentityCheck::Verdict;

StoreIdentity orgA() {
  return {"https://api.mypurecloud.com", "https://login.mypurecloud.com", "us-east-1", "client-1"};
}

TEST(StoreIdentityTest, FirstCheckRecordsTheIdentity) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  EXPECT_FALSE(store->identity()->has_value());
  auto check = store->checkIdentity(orgA());
  ASSERT_TRUE(check.ok()) << check.error().message;
  EXPECT_EQ(check->verdict, Verdict::kRecorded);
  auto recorded = store->identity();
  ASSERT_TRUE(recorded.ok() && recorded->has_value());
  EXPECT_EQ((*recorded)->api_base, "https://api.mypurecloud.com");
  EXPECT_EQ((*recorded)->client_id, "client-1");
  EXPECT_EQ(store->checkIdentity(orgA())->verdict, Verdict::kSame);
}

TEST(StoreIdentityTest, AnotherApiBaseIsAnotherOrgAndChangesNothing) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto store = openStore(path);
  ASSERT_TRUE(store && store->checkIdentity(orgA()).ok());
  StoreIdentity other = orgA();
  other.api_base = "https://api.mypurecloud.ie";
  other.login_base = "https://login.mypurecloud.ie";
  other.region = "eu-west-1";
  other.client_id = "client-2";
  auto check = store->checkIdentity(other);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->verdict, Verdict::kOtherOrg);
  EXPECT_EQ(check->message, "state database " + path +
                                " was made for https://api.mypurecloud.com (region us-east-1), "
                                "not https://api.mypurecloud.ie (region eu-west-1)");
  EXPECT_EQ((*store->identity())->client_id, "client-1") << "nothing recorded";
  // loginBase alone differs: still another org.
  other = orgA();
  other.login_base = "https://login.example";
  EXPECT_EQ(store->checkIdentity(other)->verdict, Verdict::kOtherOrg);
}

TEST(StoreIdentityTest, AnotherClientIdIsAWarningAndIsRecorded) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store && store->checkIdentity(orgA()).ok());
  StoreIdentity rotated = orgA();
  rotated.client_id = "client-2";
  auto check = store->checkIdentity(rotated);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->verdict, Verdict::kClientChanged);
  EXPECT_NE(check->message.find("OAuth client client-1, now client-2"), std::string::npos)
      << check->message;
  EXPECT_EQ(store->checkIdentity(rotated)->verdict, Verdict::kSame) << "warned once";
}

TEST(StoreIdentityTest, ADatabaseFromBeforeSchema3GetsItsIdentityOnFirstCheck) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    auto store = openStore(path);
    ASSERT_TRUE(store && store->beginRun("plan", "2024-05-01T09:00:00Z", "d").ok());
  }
  // As a schema-2 database: none of the tables of versions 3 and later.
  execSql(path,
          "DROP TABLE meta; DROP TABLE agent_keys; DROP TABLE source_reads; "
          "DROP TABLE run_actions; DROP TABLE discrepancies; DROP TABLE drift; "
          "DROP TABLE termination_cases; DROP INDEX runs_by_start; "
          "ALTER TABLE terminations DROP COLUMN effective_at; "
          "ALTER TABLE terminations DROP COLUMN origin; "
          "ALTER TABLE runs DROP COLUMN audit_head_id; "
          "ALTER TABLE runs DROP COLUMN audit_head_hash; "
          "DELETE FROM schema_version WHERE version >= 3");
  auto store = openStore(path);  // migrates
  ASSERT_TRUE(store);
  EXPECT_EQ(queryInt(path, "SELECT MAX(version) FROM schema_version"), StateStore::schemaVersion());
  EXPECT_EQ(store->checkIdentity(orgA())->verdict, Verdict::kRecorded);
  EXPECT_EQ(store->listRuns(0)->size(), 1u) << "history kept";
}

TEST(StoreIdentityTest, AnEmptyFileIsRefusedAndLeftUntouched) {
  TempDir dir;
  const std::string path = dir.write("state.db", "");
  EXPECT_TRUE(StateStore::isEmptyFile(path));
  auto store = StateStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(store.error().message.find("state database " + path + " is empty (0 bytes)"),
            std::string::npos)
      << store.error().message;
  EXPECT_NE(store.error().message.find("--init-state"), std::string::npos);
  EXPECT_EQ(fileSize(path), 0);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(StoreIdentityTest, ANewDatabaseIsNeverLeftEmptyOnDisk) {
  // open() refuses an empty file; a database it made must not look like one, even before the
  // WAL is checkpointed.
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto store = openStore(path);
  ASSERT_TRUE(store);
  EXPECT_GT(fileSize(path), 0);
  EXPECT_FALSE(StateStore::isEmptyFile(path));
}

TEST(StoreIdentityTest, MoveAsideRenamesTheDatabaseWithItsWal) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto store = openStore(path);
  ASSERT_TRUE(store && store->beginRun("plan", "2024-05-01T09:00:00Z", "d").ok());
  ASSERT_TRUE(std::filesystem::exists(path + "-wal"));
  // A second process moves it while the first still has it open (and no writer lock).
  auto moved = StateStore::moveAside(path, "20261205T101500Z");
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(*moved, path + ".20261205T101500Z.bak");
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(*moved));
  EXPECT_TRUE(std::filesystem::exists(*moved + "-wal"));
  store.reset();
  // Taken names get a counter.
  dir.write("state.db", "");
  moved = StateStore::moveAside(path, "20261205T101500Z");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, path + ".20261205T101500Z.1.bak");
  // A new database can be made at the path.
  EXPECT_TRUE(openStore(path));
}

TEST(StoreIdentityTest, MoveAsideWaitsForNoOneAndRefusesWhileAWriterHoldsTheLock) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  auto store = openStore(path);
  ASSERT_TRUE(store && store->acquireWriterLock(std::chrono::milliseconds(0)).ok());
  auto moved = StateStore::moveAside(path, "20261205T101500Z");
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, ErrorCode::kBusy);
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(StateStore::moveAside(dir.file("missing.db"), "x").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace scim_agent
