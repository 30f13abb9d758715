// `scim-agent audit verify` and `audit export` (SPEC §10, issue 12) against a state database
// built by two real runs against genesys-sim: verify exits 0 on the intact chain and 1 naming
// the first broken row after each kind of tampering (edited, deleted in the middle, tail deleted,
// reordered), export writes one JSON line per row and the head, and both run while another
// process holds the writer lock.

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "tests/support/harness.h"
#include "tests/support/org.h"
#include "tests/support/state_db.h"

namespace scim_agent::testing {
namespace {

constexpr const char* kUnlock =
    "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;";

std::vector<Person> staff(const std::vector<std::pair<std::string, std::string>>& users) {
  std::vector<Person> out;
  for (const auto& [ext, title] : users) {
    out.push_back(
        {.external_id = ext, .user_name = ext + "@corp.example", .title = title, .groups = {}});
  }
  return out;
}

std::vector<Json> jsonLines(const std::string& text) {
  std::vector<Json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    Result<Json> parsed = parseJson(line);
    EXPECT_TRUE(parsed.ok()) << line;
    if (parsed.ok()) lines.push_back(*parsed);
  }
  return lines;
}

// Two applied runs: creates, then an update; their audit rows are the chain under test.
class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.seed(seedOrg(staff({{"EMP-1", "Agent"}})));
    dir_.write("desired/org.yaml",
               desiredYaml(staff({{"EMP-1", "Agent"}, {"EMP-2", "Agent"}, {"EMP-3", "Agent"}})));
    config_ = writeAgentConfig(dir_, sim_, dir_.file("desired"));
    RunResult first = runAgent({"run", "--config", config_});
    ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
    dir_.write("desired/org.yaml",
               desiredYaml(staff({{"EMP-1", "Lead"}, {"EMP-2", "Agent"}, {"EMP-3", "Agent"}})));
    RunResult second = runAgent({"run", "--config", config_});
    ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
    rows_ = queryInt(dir_.file("state.db"), "SELECT COUNT(*) FROM audit_log");
    ASSERT_GE(rows_, 3) << "two creates and a patch are audited";
  }

  // A copy of the state database (with its own agent.yaml) tampered with by `sql`; returns the
  // copy's agent.yaml.
  std::string tamperedCopy(TempDir& copy, const std::string& sql) {
    const std::string config = writeAgentConfig(copy, sim_, dir_.file("desired"));
    execSql(dir_.file("state.db"), "VACUUM INTO '" + copy.file("state.db") + "'");
    execSql(copy.file("state.db"), std::string(kUnlock) + sql);
    return config;
  }

  // `audit verify` on a copy tampered with by `sql`: exit 1, naming row `row` first.
  void expectBrokenAt(const std::string& sql, int64_t row, const std::string& how) {
    TempDir copy;
    const std::string config = tamperedCopy(copy, sql);
    RunResult r = runAgent({"audit", "verify", "--config", config});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    const std::string first_line = r.out.substr(0, r.out.find('\n'));
    EXPECT_NE(first_line.find("audit chain broken at row #" + std::to_string(row) + ":"),
              std::string::npos)
        << sql << "\n"
        << r.out;
    EXPECT_NE(first_line.find(how), std::string::npos) << sql << "\n" << r.out;
  }

  SimProcess sim_;
  TempDir dir_;
  std::string config_;
  int64_t rows_ = 0;
};

TEST_F(AuditTest, VerifyOfTheIntactChainExits0AndNamesItsHead) {
  RunResult r = runAgent({"audit", "verify", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string head_hash = [&] {
    auto store = openStore(dir_.file("state.db"));
    return store ? verifyAuditOf(*store).head_hash : std::string();
  }();
  EXPECT_NE(r.out.find("audit chain intact: " + std::to_string(rows_) + " rows, head #" +
                       std::to_string(rows_) + " " + head_hash),
            std::string::npos)
      << r.out;
  // Each finished run recorded the head it left.
  EXPECT_EQ(queryInt(dir_.file("state.db"), "SELECT MAX(audit_head_id) FROM runs"), rows_);
}

TEST_F(AuditTest, VerifyNamesTheFirstBrokenRowOfEachTampering) {
  expectBrokenAt("UPDATE audit_log SET subject = 'EMP-9' WHERE id = 2", 2,
                 "does not match the row's content");
  expectBrokenAt("DELETE FROM audit_log WHERE id = 2", 3, "ids jump from 1 to 3");
  expectBrokenAt("DELETE FROM audit_log WHERE id = " + std::to_string(rows_), rows_,
                 "deleted from the tail");
  expectBrokenAt(
      "UPDATE audit_log SET id = -1 WHERE id = 1;"
      "UPDATE audit_log SET id = 1 WHERE id = 2;"
      "UPDATE audit_log SET id = 2 WHERE id = -1;",
      1, "reordered");
}

TEST_F(AuditTest, ExportWritesOneJsonLinePerRowThenTheHead) {
  RunResult r = runAgent({"audit", "export", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<Json> lines = jsonLines(r.out);
  ASSERT_EQ(static_cast<int64_t>(lines.size()), rows_ + 1);
  std::string prev(64, '0');
  int writes = 0;
  for (int64_t i = 0; i < rows_; ++i) {
    const Json& row = lines[static_cast<size_t>(i)];
    EXPECT_EQ(row.getNumber("id"), static_cast<double>(i + 1));
    for (const char* field : {"time", "actor", "action", "prevHash", "hash"}) {
      EXPECT_TRUE(row.get(field).isString()) << field << " in " << row.dump();
    }
    EXPECT_TRUE(row.get("run").isNumber()) << row.dump();
    EXPECT_EQ(row.getString("prevHash"), prev);
    prev = row.getString("hash");
    if (row.has("route")) {
      ++writes;
      EXPECT_EQ(row.getString("outcome"), "done");
      EXPECT_TRUE(row.get("status").isNumber());
      EXPECT_TRUE(row.get("externalId").isString());
      EXPECT_FALSE(row.getString("userId").empty()) << row.dump();
    }
    if (row.getString("action") == "update") {
      EXPECT_EQ(row.getString("route").rfind("PATCH ", 0), 0u) << row.dump();
      EXPECT_EQ(row.getNumber("status"), 200);
      EXPECT_EQ(row.getString("externalId"), "EMP-1");
    }
    if (row.getString("action") == "create") {
      EXPECT_EQ(row.getString("route").rfind("POST ", 0), 0u) << row.dump();
      EXPECT_EQ(row.getNumber("status"), 201);
      EXPECT_FALSE(row.getString("userId").empty()) << row.dump();
    }
  }
  EXPECT_GE(writes, 3) << "the creates and the patch carry their route and status";
  const Json& last = lines.back();
  EXPECT_EQ(last.getNumber("rows"), static_cast<double>(rows_));
  EXPECT_EQ(last.get("head").getNumber("id"), static_cast<double>(rows_));
  EXPECT_EQ(last.get("head").getString("hash"), prev);
}

TEST_F(AuditTest, ExportSinceFiltersRowsButStillNamesTheHeadAndOutWritesAFile) {
  // Far in the future: no rows, but the head line.
  RunResult none =
      runAgent({"audit", "export", "--config", config_, "--since", "2200-01-01T00:00:00Z"});
  ASSERT_EQ(none.exit_code, 0) << none.err;
  std::vector<Json> lines = jsonLines(none.out);
  ASSERT_EQ(lines.size(), 1u) << none.out;
  EXPECT_EQ(lines[0].getNumber("rows"), 0);
  EXPECT_EQ(lines[0].get("head").getNumber("id"), static_cast<double>(rows_));

  RunResult week = runAgent(
      {"audit", "export", "--config", config_, "--since", "7d", "--out", dir_.file("audit.jsonl")});
  ASSERT_EQ(week.exit_code, 0) << week.err;
  EXPECT_TRUE(week.out.empty()) << week.out;
  lines = jsonLines(readFile(dir_.file("audit.jsonl")));
  ASSERT_EQ(static_cast<int64_t>(lines.size()), rows_ + 1) << "every row is from this week";

  RunResult bad = runAgent({"audit", "export", "--config", config_, "--since", "last tuesday"});
  EXPECT_EQ(bad.exit_code, 64) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("--since"), std::string::npos) << bad.err;
}

TEST_F(AuditTest, VerifyAndExportRunWhileAnotherProcessHoldsTheWriterLock) {
  auto holder = openStore(dir_.file("state.db"));
  ASSERT_NE(holder, nullptr);
  ASSERT_TRUE(holder->acquireWriterLock(std::chrono::milliseconds(0)).ok());
  RunResult busy = runAgent({"run", "--config", config_});
  EXPECT_EQ(busy.exit_code, 4) << "the lock is held: " << busy.out << busy.err;

  RunResult verify = runAgent({"audit", "verify", "--config", config_});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  RunResult exported = runAgent({"audit", "export", "--config", config_});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(static_cast<int64_t>(jsonLines(exported.out).size()), rows_ + 1);
}

TEST_F(AuditTest, AuditWithoutVerifyOrExportIsAUsageError) {
  RunResult r = runAgent({"audit", "--config", config_});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("verify, export"), std::string::npos) << r.err;
}

TEST_F(AuditTest, VerifyOfAMissingDatabaseIsAnErrorNotAnEmptyIntactChain) {
  TempDir empty;
  const std::string config = writeAgentConfig(empty, sim_, dir_.file("desired"));
  RunResult r = runAgent({"audit", "verify", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace scim_agent::testing
