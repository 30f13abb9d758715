// StateStore::journalOutcome with an audit row: the outcome of a remote write and its audit row
// are committed together or not at all (issue 9, durability).

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using ::scim_agent::testing::TempDir;

class JournalAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("state.db");
    Result<std::unique_ptr<StateStore>> opened = StateStore::open(path_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    Result<int64_t> run = store_->beginRun("apply", "t0", "d");
    ASSERT_TRUE(run.ok()) << run.error().message;
    run_id_ = *run;
  }

  int64_t intent(const std::string& key) {
    Result<int64_t> id =
        store_->journalIntent(run_id_, key, "PATCH", "/scim/v2/Users/9f", "{}", "t1");
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    return id.ok() ? *id : 0;
  }

  AuditEntry audit(const std::string& action, const std::string& subject) const {
    return AuditEntry{run_id_, "scim-agent", action, subject, R"({"version":"3"})"};
  }

  std::string entryState(int64_t id) {
    Result<std::vector<JournalEntry>> entries = store_->journalForRun(run_id_);
    EXPECT_TRUE(entries.ok());
    for (const JournalEntry& e : entries.ok() ? *entries : std::vector<JournalEntry>{}) {
      if (e.id == id) return e.state;
    }
    return "missing";
  }

  AuditVerifyReport verify() { return ::scim_agent::testing::verifyAuditOf(*store_); }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<StateStore> store_;
  int64_t run_id_ = 0;
};

TEST_F(JournalAuditTest, OutcomeAndAuditRowLandTogether) {
  // A row appended on its own before: the journal's row links to it.
  ASSERT_TRUE(store_->appendAudit("t0", std::nullopt, "alice", "approve", "EMP-1", "{}").ok());
  const int64_t entry = intent("suspend:EMP-7");
  const AuditEntry row = audit("suspend", "EMP-7");

  Status status = store_->journalOutcome(entry, true, 200, R"({"version":"3"})", "t2", &row);
  ASSERT_TRUE(status.ok()) << status.error().message;

  EXPECT_EQ(entryState(entry), "done");
  Result<std::vector<AuditRecord>> rows = store_->auditRecords(0, 0);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  const AuditRecord& written = (*rows)[1];
  EXPECT_EQ(written.at, "t2");
  EXPECT_EQ(written.run_id, std::optional<int64_t>(run_id_));
  EXPECT_EQ(written.actor, "scim-agent");
  EXPECT_EQ(written.action, "suspend");
  EXPECT_EQ(written.subject, "EMP-7");
  // The caller's detail, plus the request it records (route and status) for `audit export`.
  EXPECT_EQ(written.detail_json, R"({"route":"PATCH /scim/v2/Users/9f","status":200,"version":"3"})");
  EXPECT_EQ(written.prev_hash, (*rows)[0].hash);

  const AuditVerifyReport report = verify();
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.rows, 2);
  EXPECT_EQ(report.head_hash, written.hash);
}

TEST_F(JournalAuditTest, WithoutAuditRowOnlyTheOutcomeIsRecorded) {
  const int64_t entry = intent("patch:EMP-8");
  ASSERT_TRUE(store_->journalOutcome(entry, false, 409, "{}", "t2", nullptr).ok());
  EXPECT_EQ(entryState(entry), "failed");
  EXPECT_EQ(::scim_agent::testing::queryInt(path_, "SELECT COUNT(*) FROM audit_log"), 0);
}

TEST_F(JournalAuditTest, AuditRowThatCannotBeAppendedRollsBackTheOutcome) {
  ASSERT_TRUE(store_->appendAudit("t0", run_id_, "scim-agent", "create", "EMP-1", "{}").ok());
  const int64_t entry = intent("suspend:EMP-7");
  // What a full disk or a damaged table would do to the append, made certain.
  ::scim_agent::testing::execSql(path_,
                      "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                      "BEGIN SELECT RAISE(ABORT, 'audit refused'); END;");
  const AuditEntry row = audit("suspend", "EMP-7");

  Status status = store_->journalOutcome(entry, true, 200, "{}", "t2", &row);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("audit refused"), std::string::npos)
      << status.error().message;

  // Neither landed: the write is still an open intent (the next run resolves it), and the chain
  // is as it was.
  EXPECT_EQ(entryState(entry), "intent");
  Result<std::vector<JournalEntry>> pending = store_->pendingIntents();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].id, entry);
  EXPECT_EQ(::scim_agent::testing::queryInt(path_, "SELECT COUNT(*) FROM audit_log"), 1);
  EXPECT_TRUE(verify().intact());

  // The store is usable afterwards, and the outcome can still be recorded once the audit can.
  ::scim_agent::testing::execSql(path_, "DROP TRIGGER refuse_audit;");
  status = store_->journalOutcome(entry, true, 200, "{}", "t3", &row);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(entryState(entry), "done");
  const AuditVerifyReport report = verify();
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.rows, 2);
}

TEST_F(JournalAuditTest, RefusedOutcomeAppendsNoAuditRow) {
  const int64_t entry = intent("suspend:EMP-7");
  const AuditEntry row = audit("suspend", "EMP-7");
  ASSERT_TRUE(store_->journalOutcome(entry, true, 200, "{}", "t2", &row).ok());

  // Settled already, and an unknown entry: each refused, and neither adds to the chain.
  Status again = store_->journalOutcome(entry, true, 200, "{}", "t3", &row);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kInternal);
  Status unknown = store_->journalOutcome(entry + 100, true, 200, "{}", "t3", &row);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(::scim_agent::testing::queryInt(path_, "SELECT COUNT(*) FROM audit_log"), 1);
  EXPECT_TRUE(verify().intact());
}

TEST_F(JournalAuditTest, ConcurrentOutcomesKeepOneIntactChain) {
  // The applier journals from several threads at once.
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &failures] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string subject = "EMP-" + std::to_string(t) + "-" + std::to_string(i);
        Result<int64_t> entry = store_->journalIntent(run_id_, "suspend:" + subject, "PATCH",
                                                      "/scim/v2/Users/x", "{}", "t1");
        if (!entry.ok()) {
          ++failures[static_cast<size_t>(t)];
          continue;
        }
        const AuditEntry row = audit("suspend", subject);
        if (!store_->journalOutcome(*entry, true, 200, "{}", "t2", &row).ok()) {
          ++failures[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int f : failures) EXPECT_EQ(f, 0);

  EXPECT_TRUE(store_->pendingIntents()->empty());
  const AuditVerifyReport report = verify();
  EXPECT_TRUE(report.intact());
  EXPECT_EQ(report.rows, kThreads * kPerThread);
}

}  // namespace
}  // namespace scim_agent
