// `audit verify`'s checks (StateStore::verifyAudit) against a chain tampered with directly in
// SQLite, as someone with the sqlite3 shell would: an edited row, a row deleted in the middle,
// the tail deleted after a run recorded its head, and two rows swapped.

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::execSql;
using scim_agent::testing::queryInt;
using scim_agent::testing::TempDir;

constexpr const char* kUnlock =
    "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;";

class AuditVerifyTest : public ::testing::Test {
 protected:
  // Run 1 writes rows 1..5 and ends (recording head #5).
  void SetUp() override {
    path_ = dir_.file("state.db");
    store_ = testing::openStore(path_);
    ASSERT_NE(store_, nullptr);
    Result<int64_t> run = store_->beginRun("apply", "2024-05-01T09:00:00Z", "d");
    ASSERT_TRUE(run.ok());
    run_ = *run;
    for (int i = 1; i <= 5; ++i) append(i);
    ASSERT_TRUE(store_->finishRun(run_, "changes", "{}", "2024-05-01T09:01:00Z").ok());
  }

  void append(int i) {
    Result<int64_t> id =
        store_->appendAudit("2024-05-01T09:00:0" + std::to_string(i) + "Z", run_, "scim-agent",
                            "patch", "EMP-" + std::to_string(i), R"({"title":"Lead"})");
    ASSERT_TRUE(id.ok()) << id.error().message;
  }

  AuditVerifyReport verify() { return testing::verifyAuditOf(*store_); }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<StateStore> store_;
  int64_t run_ = 0;
};

std::string whatOf(const AuditVerifyReport& report) {
  return report.problems.empty() ? "" : report.problems.front().what;
}

TEST_F(AuditVerifyTest, AFinishedRunRecordsTheHeadAndAnIntactChainHoldsIt) {
  EXPECT_EQ(queryInt(path_, "SELECT audit_head_id FROM runs WHERE id = " + std::to_string(run_)),
            5);
  const AuditVerifyReport report = verify();
  EXPECT_TRUE(report.intact()) << whatOf(report);
  EXPECT_EQ(report.rows, 5);
  EXPECT_EQ(report.head_id, 5);
  EXPECT_EQ(report.anchored_run, run_);
  EXPECT_EQ(queryInt(path_,
                     "SELECT COUNT(*) FROM runs WHERE audit_head_hash = (SELECT hash FROM "
                     "audit_log WHERE id = 5)"),
            1);
}

TEST_F(AuditVerifyTest, ARunEndingWithAnEmptyChainRecordsNoHeadToCheck) {
  TempDir other;
  auto store = testing::openStore(other.file("state.db"));
  ASSERT_NE(store, nullptr);
  auto run = store->beginRun("plan", "2024-05-01T09:00:00Z", "d");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(store->finishRun(*run, "ok", "{}", "2024-05-01T09:00:01Z").ok());
  const AuditVerifyReport report = testing::verifyAuditOf(*store);
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.head_id, 0);
  EXPECT_EQ(report.anchored_run, 0);
}

TEST_F(AuditVerifyTest, AnEditedRowIsNamed) {
  execSql(path_, std::string(kUnlock) +
                     "UPDATE audit_log SET detail_json = '{\"title\":\"CEO\"}' WHERE id = 3");
  const AuditVerifyReport report = verify();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.problems.front().id, 3);
  EXPECT_NE(whatOf(report).find("does not match the row's content"), std::string::npos)
      << whatOf(report);
}

TEST_F(AuditVerifyTest, ARowDeletedInTheMiddleIsNamedByTheGap) {
  execSql(path_, std::string(kUnlock) + "DELETE FROM audit_log WHERE id = 3");
  const AuditVerifyReport report = verify();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.problems.front().id, 4);
  EXPECT_NE(whatOf(report).find("ids jump from 2 to 4"), std::string::npos) << whatOf(report);
}

TEST_F(AuditVerifyTest, ATailDeletedAfterARunRecordedItsHeadIsNamed) {
  execSql(path_, std::string(kUnlock) + "DELETE FROM audit_log WHERE id >= 4");
  const AuditVerifyReport report = verify();
  ASSERT_FALSE(report.intact()) << "the remaining rows link up; only the recorded head tells";
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems.front().id, 4);
  const std::string what = whatOf(report);
  EXPECT_NE(what.find("chain ends at #3"), std::string::npos) << what;
  EXPECT_NE(what.find("run " + std::to_string(run_) + " recorded its head at #5"),
            std::string::npos)
      << what;
  EXPECT_NE(what.find("deleted from the tail"), std::string::npos) << what;
}

TEST_F(AuditVerifyTest, TheWholeChainDeletedIsATailDeletion) {
  execSql(path_, std::string(kUnlock) + "DELETE FROM audit_log");
  const AuditVerifyReport report = verify();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.problems.front().id, 1);
}

TEST_F(AuditVerifyTest, RowsAppendedAfterTheLastRecordedHeadMayGrowAndStayIntact) {
  append(6);
  append(7);
  const AuditVerifyReport report = verify();
  EXPECT_TRUE(report.intact()) << whatOf(report);
  EXPECT_EQ(report.head_id, 7);
  EXPECT_EQ(report.anchored_run, run_);
}

TEST_F(AuditVerifyTest, TwoRowsSwappedAreReportedAsReordered) {
  execSql(path_, std::string(kUnlock) +
                     "UPDATE audit_log SET id = -2 WHERE id = 2;"
                     "UPDATE audit_log SET id = 2 WHERE id = 3;"
                     "UPDATE audit_log SET id = 3 WHERE id = -2;");
  const AuditVerifyReport report = verify();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.problems.front().id, 2);
  bool reordered = false;
  for (const auto& p : report.problems) {
    if (p.id == 2 && p.what.find("written as #3") != std::string::npos &&
        p.what.find("reordered") != std::string::npos) {
      reordered = true;
    }
  }
  EXPECT_TRUE(reordered) << whatOf(report);
}

TEST_F(AuditVerifyTest, AChainRewrittenUpToARecordedHeadIsNamed) {
  // Someone replaces row 5's hash (and would re-link whatever follows): the recorded head no
  // longer matches even if every link were recomputed.
  execSql(path_, std::string(kUnlock) + "UPDATE runs SET audit_head_hash = '" +
                     std::string(64, 'b') + "' WHERE id = " + std::to_string(run_));
  const AuditVerifyReport report = verify();
  ASSERT_FALSE(report.intact());
  EXPECT_EQ(report.problems.front().id, 5);
  EXPECT_NE(whatOf(report).find("the chain was rewritten"), std::string::npos) << whatOf(report);
}

}  // namespace
}  // namespace scim_agent
