// recordSnapshotDrift: what changed between two live snapshots and no write of this agent
// explains — per attribute when the run recorded its actions, per user when only its journal
// tells (a run of a version before the report facts).

#include <gtest/gtest.h>

#include "agent/reconcile/run_facts.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using testing::TempDir;

std::string doc(const std::string& id, const std::string& title, const std::string& department) {
  Json d = Json::object();
  d["id"] = id;
  d["externalId"] = "EMP-" + id;
  d["userName"] = id + "@corp.example";
  d["active"] = true;
  d["title"] = title;
  d["department"] = department;
  d["rolesKnown"] = true;
  return d.dump();
}

class RunFactsTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = testing::openStore(dir_.file("state.db")); }

  int64_t run(const std::string& at) {
    auto id = store_->beginRun("run", at, "d");
    EXPECT_TRUE(id.ok());
    return *id;
  }
  int64_t snapshot(int64_t run_id, const SnapshotItems& items) {
    auto id = store_->saveSnapshot(run_id, "live", items, "2026-11-02T09:00:00Z");
    EXPECT_TRUE(id.ok());
    return *id;
  }

  TempDir dir_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(RunFactsTest, OnlyWhatNoWriteOfTheAgentExplainsIsDrift) {
  const int64_t first = run("2026-11-02T08:00:00Z");
  snapshot(first, {{"1", doc("1", "Agent", "Sales")},
                   {"2", doc("2", "Agent", "Sales")},
                   {"3", doc("3", "Agent", "Sales")},
                   {"4", doc("4", "Agent", "Sales")}});
  // The first run patched user 1's title (recorded as an action) and user 2 (journal only).
  RunActionRecord patched;
  patched.seq = 1;
  patched.kind = "update";
  patched.external_id = "EMP-1";
  patched.user_id = "1";
  patched.outcome = "done";
  patched.changes_json = R"([{"attribute":"title","before":"Agent","after":"Lead"}])";
  patched.at = "2026-11-02T08:00:01Z";
  ASSERT_TRUE(store_->recordRunActions(first, {patched}, {}).ok());
  const int64_t other = run("2026-11-02T08:30:00Z");
  auto intent = store_->journalIntent(other, "update:EMP-2", "PATCH", "/Users/2", "{}",
                                      "2026-11-02T08:30:01Z");
  ASSERT_TRUE(intent.ok());
  ASSERT_TRUE(store_->journalOutcome(*intent, true, 200, "{}", "2026-11-02T08:30:02Z").ok());

  const int64_t second = run("2026-11-02T09:00:00Z");
  const int64_t now = snapshot(second, {{"1", doc("1", "Lead", "Support")},
                                        {"2", doc("2", "Boss", "Support")},
                                        {"3", doc("3", "Agent", "Sales")}});
  auto drifted = recordSnapshotDrift(*store_, second, now, "2026-11-02T09:00:00Z");
  ASSERT_TRUE(drifted.ok()) << drifted.error().message;
  auto rows = store_->drift(second, "");
  ASSERT_TRUE(rows.ok());
  std::set<std::string> found;
  for (const DriftRecord& d : *rows) {
    found.insert(d.external_id + " " + d.attribute + " " + d.before_json + " -> " + d.after_json);
    EXPECT_EQ(d.since_run_id, first);
  }
  EXPECT_EQ(found, (std::set<std::string>{
                       // title was the agent's write; department was not
                       "EMP-1 department \"Sales\" -> \"Support\"",
                       // user 4 vanished without a delete of the agent
                       "EMP-4 user {\"active\":true,\"userName\":\"4@corp.example\"} -> null",
                   }));
  EXPECT_EQ(*drifted, 2) << "EMP-2's changes are explained by the journal of run " << other;
}

TEST_F(RunFactsTest, TheFirstSnapshotHasNothingToCompareWith) {
  const int64_t first = run("2026-11-02T08:00:00Z");
  const int64_t id = snapshot(first, {{"1", doc("1", "Agent", "Sales")}});
  auto drifted = recordSnapshotDrift(*store_, first, id, "2026-11-02T08:00:00Z");
  ASSERT_TRUE(drifted.ok());
  EXPECT_EQ(*drifted, 0);
}

}  // namespace
}  // namespace scim_agent
