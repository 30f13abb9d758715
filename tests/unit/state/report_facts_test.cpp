// The report facts of the state store (issue 12; schema 7): run actions and discrepancies,
// drift, termination cases, runs by time, and the snapshot diff drift is found with.

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::queryInt;
using scim_agent::testing::TempDir;

RunActionRecord action(int64_t seq, const std::string& kind, const std::string& ext,
                       const std::string& outcome, const std::string& at) {
  RunActionRecord a;
  a.seq = seq;
  a.kind = kind;
  a.external_id = ext;
  a.user_name = ext + "@corp.example";
  a.outcome = outcome;
  a.at = at;
  return a;
}

DiscrepancyRecord discrepancy(const std::string& ext, const std::string& attribute,
                              const std::string& at) {
  return DiscrepancyRecord{0, ext, "u-" + ext, "update", attribute, R"("Lead")", R"("Agent")", at};
}

class ReportFactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("state.db");
    store_ = testing::openStore(path_);
    ASSERT_NE(store_, nullptr);
  }

  int64_t run(const std::string& started_at) {
    Result<int64_t> id = store_->beginRun("run", started_at, "digest");
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : 0;
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(ReportFactsTest, RunActionsAndDiscrepanciesRoundTrip) {
  const int64_t r = run("2026-12-01T09:00:00Z");
  RunActionRecord update = action(2, "update", "EMP-2", "done", "2026-12-01T09:00:02Z");
  update.user_id = "u-2";
  update.message = "patched";
  update.why = "users.yaml:12:3";
  update.changes_json = R"([{"attribute":"title","before":"Agent","after":"Lead"}])";
  RunActionRecord failed = action(1, "create", "EMP-1", "failed", "2026-12-01T09:00:01Z");
  failed.message = "409 uniqueness";
  ASSERT_TRUE(store_
                  ->recordRunActions(r, {update, failed},
                                     {discrepancy("EMP-2", "title", "2026-12-01T09:00:02Z")})
                  .ok());

  auto actions = store_->runActions(r);
  ASSERT_TRUE(actions.ok());
  ASSERT_EQ(actions->size(), 2u);
  // By seq, whatever the order given.
  EXPECT_EQ((*actions)[0].seq, 1);
  EXPECT_EQ((*actions)[0].external_id, "EMP-1");
  EXPECT_EQ((*actions)[0].outcome, "failed");
  EXPECT_EQ((*actions)[0].message, "409 uniqueness");
  EXPECT_EQ((*actions)[0].changes_json, "[]") << "no changes are stored as an empty list";
  const RunActionRecord& got = (*actions)[1];
  EXPECT_EQ(got.run_id, r);
  EXPECT_EQ(got.kind, "update");
  EXPECT_EQ(got.user_name, "EMP-2@corp.example");
  EXPECT_EQ(got.user_id, "u-2");
  EXPECT_EQ(got.why, "users.yaml:12:3");
  EXPECT_EQ(got.changes_json, update.changes_json);
  EXPECT_EQ(got.at, "2026-12-01T09:00:02Z");

  auto found = store_->discrepancies(r, "");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].run_id, r) << "the run given, not the record's";
  EXPECT_EQ((*found)[0].attribute, "title");
  EXPECT_EQ((*found)[0].expected_json, R"("Lead")");
  EXPECT_EQ((*found)[0].actual_json, R"("Agent")");
  EXPECT_EQ((*found)[0].user_id, "u-EMP-2");
}

TEST_F(ReportFactsTest, RecordRunActionsIsAllOrNothingAndChecksItsInput) {
  const int64_t r = run("2026-12-01T09:00:00Z");
  Status bad =
      store_->recordRunActions(r,
                               {action(1, "update", "EMP-1", "done", "2026-12-01T09:00:01Z"),
                                action(2, "update", "EMP-2", "maybe", "2026-12-01T09:00:02Z")},
                               {discrepancy("EMP-1", "title", "2026-12-01T09:00:01Z")});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(bad.error().message.find("maybe"), std::string::npos) << bad.error().message;
  EXPECT_EQ(queryInt(path_, "SELECT COUNT(*) FROM run_actions"), 0);
  EXPECT_EQ(queryInt(path_, "SELECT COUNT(*) FROM discrepancies"), 0);

  Status unknown = store_->recordRunActions(r + 7, {}, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  Status unknown_drift = store_->recordDrift(r + 7, {});
  ASSERT_FALSE(unknown_drift.ok());
  EXPECT_EQ(unknown_drift.error().code, ErrorCode::kNotFound);
}

TEST_F(ReportFactsTest, FactsAreSelectedByRunOrByTime) {
  const int64_t r1 = run("2026-11-01T09:00:00Z");
  const int64_t r2 = run("2026-12-01T09:00:00Z");
  ASSERT_TRUE(store_
                  ->recordRunActions(r1,
                                     {action(1, "create", "EMP-1", "done", "2026-11-01T09:00:01Z")},
                                     {discrepancy("EMP-1", "title", "2026-11-01T09:00:01Z")})
                  .ok());
  ASSERT_TRUE(
      store_
          ->recordRunActions(r2,
                             {action(1, "update", "EMP-1", "done", "2026-12-01T09:00:02Z"),
                              action(2, "suspend", "EMP-3", "stale", "2026-12-01T09:00:01Z")},
                             {discrepancy("EMP-1", "phone", "2026-12-01T09:00:02Z")})
          .ok());
  ASSERT_TRUE(store_
                  ->recordDrift(r1, {DriftRecord{0, 0, "EMP-9", "u-9", "title", R"("A")", R"("B")",
                                                 "2026-11-01T09:00:00Z"}})
                  .ok());
  ASSERT_TRUE(store_
                  ->recordDrift(r2, {DriftRecord{0, r1, "EMP-9", "u-9", "title", R"("B")", R"("C")",
                                                 "2026-12-01T09:00:00Z"},
                                     DriftRecord{0, r1, "EMP-8", "u-8", "user", R"({"a":1})",
                                                 "null", "2026-12-01T09:00:00Z"}})
                  .ok());

  auto since = store_->actionsSince("2026-12-01T00:00:00Z");
  ASSERT_TRUE(since.ok());
  ASSERT_EQ(since->size(), 2u);
  EXPECT_EQ((*since)[0].kind, "suspend") << "by time, not seq";
  EXPECT_EQ((*since)[1].kind, "update");
  auto all = store_->actionsSince("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);

  auto d_run = store_->discrepancies(r1, "");
  ASSERT_TRUE(d_run.ok());
  ASSERT_EQ(d_run->size(), 1u);
  EXPECT_EQ((*d_run)[0].attribute, "title");
  auto d_since = store_->discrepancies(0, "2026-11-15T00:00:00Z");
  ASSERT_TRUE(d_since.ok());
  ASSERT_EQ(d_since->size(), 1u);
  EXPECT_EQ((*d_since)[0].attribute, "phone");

  auto drift_run = store_->drift(r2, "");
  ASSERT_TRUE(drift_run.ok());
  ASSERT_EQ(drift_run->size(), 2u);
  EXPECT_EQ((*drift_run)[0].since_run_id, r1);
  EXPECT_EQ((*drift_run)[0].before_json, R"("B")");
  EXPECT_EQ((*drift_run)[1].attribute, "user");
  EXPECT_EQ((*drift_run)[1].after_json, "null");
  auto drift_all = store_->drift(0, "");
  ASSERT_TRUE(drift_all.ok());
  EXPECT_EQ(drift_all->size(), 3u);
  auto drift_late = store_->drift(0, "2026-12-01T00:00:00Z");
  ASSERT_TRUE(drift_late.ok());
  EXPECT_EQ(drift_late->size(), 2u);

  auto runs = store_->runsSince("2026-11-15T00:00:00Z");
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].id, r2);
  auto every_run = store_->runsSince("");
  ASSERT_TRUE(every_run.ok());
  ASSERT_EQ(every_run->size(), 2u);
  EXPECT_EQ((*every_run)[0].id, r1) << "oldest first";
}

TEST_F(ReportFactsTest, OneOpenTerminationCasePerUserAndTheFirstSightingWins) {
  const int64_t r = run("2026-12-01T09:00:00Z");
  auto opened =
      store_->openTerminationCase("EMP-1", "event", "event 12", "2026-12-01T08:00:00Z", r);
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(*opened);
  auto again =
      store_->openTerminationCase("EMP-1", "removal", "users.yaml:4:3", "2026-12-01T09:30:00Z", r);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "one open case per user";
  auto bad = store_->openTerminationCase("EMP-2", "whim", "", "2026-12-01T08:00:00Z", r);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);

  auto open = store_->openTerminationCases();
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].cause, "event");
  EXPECT_EQ((*open)[0].origin, "event 12");
  EXPECT_EQ((*open)[0].known_at, "2026-12-01T08:00:00Z");
  EXPECT_EQ((*open)[0].known_run_id, r);
  EXPECT_EQ((*open)[0].state, "open");
  EXPECT_EQ((*open)[0].suspended_at, "");
  EXPECT_EQ((*open)[0].suspend_run_id, 0);

  auto closed = store_->closeTerminationCase("EMP-1", "suspended", "2026-12-01T08:20:00Z", r,
                                             "suspended by run");
  ASSERT_TRUE(closed.ok());
  EXPECT_TRUE(*closed);
  auto twice = store_->closeTerminationCase("EMP-1", "suspended", "2026-12-01T09:20:00Z", r, "");
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(*twice) << "no open case left";
  auto bad_state = store_->closeTerminationCase("EMP-1", "done", "2026-12-01T09:20:00Z", r, "");
  ASSERT_FALSE(bad_state.ok());
  EXPECT_EQ(bad_state.error().code, ErrorCode::kInvalidInput);
  open = store_->openTerminationCases();
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());

  // A later termination of the same person (rehired, then left again) is a new case.
  auto later =
      store_->openTerminationCase("EMP-1", "manifest", "leavers.csv:3", "2026-12-03T00:00:00Z", r);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(*later);
  ASSERT_TRUE(
      store_->openTerminationCase("EMP-2", "status", "users.yaml:9:5", "2026-12-02T00:00:00Z", r)
          .ok());
  ASSERT_TRUE(
      store_->closeTerminationCase("EMP-2", "cancelled", "2026-12-02T01:00:00Z", r, "rehired")
          .ok());

  auto cases = store_->terminationCases("");
  ASSERT_TRUE(cases.ok());
  ASSERT_EQ(cases->size(), 3u);
  EXPECT_EQ((*cases)[0].external_id, "EMP-1");  // by known_at
  EXPECT_EQ((*cases)[0].state, "suspended");
  EXPECT_EQ((*cases)[0].suspended_at, "2026-12-01T08:20:00Z");
  EXPECT_EQ((*cases)[0].note, "suspended by run");
  EXPECT_EQ((*cases)[1].external_id, "EMP-2");
  EXPECT_EQ((*cases)[1].state, "cancelled");
  EXPECT_EQ((*cases)[2].state, "open");
  // Known before `since` but suspended after it still counts; known and ended before: not.
  auto recent = store_->terminationCases("2026-12-01T08:10:00Z");
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(recent->size(), 3u);
  auto late = store_->terminationCases("2026-12-02T12:00:00Z");
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ((*late)[0].cause, "manifest");
}

// ---- diffSnapshots (what drift is computed from) ----

std::string doc(int i, const std::string& title = "Agent") {
  return R"({"externalId":"EMP-)" + std::to_string(i) + R"(","title":")" + title + R"("})";
}

SnapshotItems members(int count) {
  SnapshotItems items;
  for (int i = 0; i < count; ++i) items.emplace_back("EMP-" + std::to_string(1000 + i), doc(i));
  return items;
}

class SnapshotDiffTest : public ReportFactsTest {
 protected:
  int64_t save(const SnapshotItems& items) {
    Result<int64_t> id = store_->saveSnapshot(run_, "live", items, "2026-12-01T09:00:01Z");
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    return id.ok() ? *id : 0;
  }
  std::vector<SnapshotChange> diff(int64_t a, int64_t b) {
    auto changes = store_->diffSnapshots(a, b);
    EXPECT_TRUE(changes.ok()) << (changes.ok() ? "" : changes.error().message);
    return changes.ok() ? *changes : std::vector<SnapshotChange>{};
  }
  int64_t run_ = 0;
};

TEST_F(SnapshotDiffTest, NoChangeOneChangeAndManyChanges) {
  run_ = run("2026-12-01T09:00:00Z");
  SnapshotItems items = members(500);  // several chunks
  const int64_t base = save(items);
  EXPECT_TRUE(diff(base, save(items)).empty()) << "equal snapshots";

  SnapshotItems one = items;
  one[250].second = doc(250, "Lead");
  const auto single = diff(base, save(one));
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].key, "EMP-1250");
  EXPECT_EQ(single[0].before, doc(250));
  EXPECT_EQ(single[0].after, doc(250, "Lead"));

  SnapshotItems many = items;
  std::vector<std::string> changed;
  for (int i = 0; i < 500; i += 7) {
    many[i].second = doc(i, "Senior");
    changed.push_back(many[i].first);
  }
  const auto lots = diff(base, save(many));
  ASSERT_EQ(lots.size(), changed.size());
  for (size_t i = 0; i < lots.size(); ++i) {
    EXPECT_EQ(lots[i].key, changed[i]) << "sorted by key";
    EXPECT_EQ(lots[i].after.find("Senior") != std::string::npos, true);
  }
}

TEST_F(SnapshotDiffTest, AddedAndRemovedMembers) {
  run_ = run("2026-12-01T09:00:00Z");
  SnapshotItems items = members(300);
  const int64_t base = save(items);
  SnapshotItems next = items;
  next.erase(next.begin() + 100);                             // EMP-1100 removed
  next.emplace_back("EMP-9999", doc(9999));                   // added at the end
  next.insert(next.begin(), {"EMP-0001", doc(1, "Intern")});  // added at the start
  const auto changes = diff(base, save(next));
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].key, "EMP-0001");
  EXPECT_EQ(changes[0].before, "");
  EXPECT_EQ(changes[0].after, doc(1, "Intern"));
  EXPECT_EQ(changes[1].key, "EMP-1100");
  EXPECT_EQ(changes[1].before, doc(100));
  EXPECT_EQ(changes[1].after, "") << "a removed member has no new document";
  EXPECT_EQ(changes[2].key, "EMP-9999");
  EXPECT_EQ(changes[2].before, "");

  // And back: the reverse diff swaps before and after.
  const auto back = diff(save(next), base);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].key, "EMP-1100");
  EXPECT_EQ(back[1].before, "");
  EXPECT_EQ(back[1].after, doc(100));
}

TEST_F(SnapshotDiffTest, UnknownSnapshotIsNotFound) {
  run_ = run("2026-12-01T09:00:00Z");
  const int64_t base = save(members(3));
  auto missing = store_->diffSnapshots(base, base + 50);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace scim_agent
