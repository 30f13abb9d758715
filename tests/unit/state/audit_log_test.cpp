#include <sqlite3.h>

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::TempDir;
using scim_agent::testing::execSql;

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("state.db");
    store_ = testing::openStore(path_);
    ASSERT_NE(store_, nullptr);
    for (int i = 1; i <= 5; ++i) {
      Result<int64_t> id = store_->appendAudit(
          "2024-05-01T09:00:0" + std::to_string(i) + "Z",
          i % 2 ? std::optional<int64_t>(7) : std::nullopt, "scim-agent", "patch",
          "EMP-" + std::to_string(i), R"({"title":["Agent","Lead"]})");
      ASSERT_TRUE(id.ok()) << id.error().message;
      ASSERT_EQ(*id, i);
    }
  }

  AuditVerifyReport verify() { return ::scim_agent::testing::verifyAuditOf(*store_); }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(AuditLogTest, IntactChainVerifies) {
  const AuditVerifyReport report = verify();
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.rows, 5);
  EXPECT_EQ(report.head_id, 5);
  EXPECT_EQ(report.head_hash.size(), 64u);

  Result<std::vector<AuditRecord>> rows = store_->auditRecords(0, 0);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ((*rows)[0].prev_hash, std::string(64, '0'));
  for (size_t i = 1; i < rows->size(); ++i) EXPECT_EQ((*rows)[i].prev_hash, (*rows)[i - 1].hash);
  EXPECT_EQ((*rows)[0].run_id, std::optional<int64_t>(7));
  EXPECT_EQ((*rows)[1].run_id, std::nullopt);
  EXPECT_EQ((*rows)[4].hash, report.head_hash);

  Result<std::vector<AuditRecord>> page = store_->auditRecords(2, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, 3);
  EXPECT_EQ((*page)[1].id, 4);
}

TEST_F(AuditLogTest, EmptyLogVerifies) {
  TempDir other;
  Result<std::unique_ptr<StateStore>> store = StateStore::open(other.file("state.db"));
  ASSERT_TRUE(store.ok());
  Result<AuditVerifyReport> report = (*store)->verifyAudit();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->intact());
  EXPECT_EQ(report->rows, 0);
}

TEST_F(AuditLogTest, UpdatesAndDeletesAreRefusedByTheDatabase) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit_log SET actor = 'x' WHERE id = 2", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM audit_log WHERE id = 2", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_TRUE(verify().intact());
}

TEST_F(AuditLogTest, DetectsAnEditedRow) {
  // Someone with the sqlite3 shell removes the guard and rewrites history.
  execSql(path_,
          "DROP TRIGGER audit_log_no_update;"
          "UPDATE audit_log SET detail_json = '{}' WHERE id = 3");
  const AuditVerifyReport report = verify();
  EXPECT_FALSE(report.intact());
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].id, 3);
  EXPECT_NE(report.problems[0].what.find("edited"), std::string::npos);
}

TEST_F(AuditLogTest, DetectsAnEditedRowWithARecomputedHash) {
  execSql(path_,
          "DROP TRIGGER audit_log_no_update;"
          "UPDATE audit_log SET subject = 'EMP-9', hash = '" + std::string(64, 'a') +
              "' WHERE id = 2");
  const AuditVerifyReport report = verify();
  EXPECT_FALSE(report.intact());
  ASSERT_FALSE(report.problems.empty());
  EXPECT_EQ(report.problems[0].id, 2);
  // ...and the next row no longer links to it.
  ASSERT_EQ(report.problems.size(), 2u);
  EXPECT_EQ(report.problems[1].id, 3);
}

TEST_F(AuditLogTest, DetectsADeletedRow) {
  execSql(path_, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 4");
  const AuditVerifyReport report = verify();
  EXPECT_FALSE(report.intact());
  ASSERT_FALSE(report.problems.empty());
  EXPECT_EQ(report.problems[0].id, 5);
}

TEST_F(AuditLogTest, AppendingContinuesTheChainAcrossReopen) {
  store_.reset();
  Result<std::unique_ptr<StateStore>> reopened = StateStore::open(path_);
  ASSERT_TRUE(reopened.ok());
  store_ = std::move(*reopened);
  Result<int64_t> id = store_->appendAudit("t", std::nullopt, "operator", "clear-termination",
                                           "EMP-1", "{}");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 6);
  EXPECT_TRUE(verify().intact());
}

}  // namespace
}  // namespace scim_agent
