// HR sources in the state DB (issue 11): termination holds from leavers manifests and each
// source's last good read.

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::TempDir;
using scim_agent::testing::openStore;

TEST(ManifestTerminationTest, IsRecordedWithItsOriginAndEffectiveTime) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  auto added = store->recordManifestTermination("E1", "2026-12-31T00:00:00Z", "leavers.json:3",
                                                "2026-12-01T10:00:00Z");
  ASSERT_TRUE(added.ok());
  EXPECT_TRUE(*added);
  auto all = store->terminations();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].external_id, "E1");
  EXPECT_EQ((*all)[0].event_id, 0);
  EXPECT_EQ((*all)[0].effective_at, "2026-12-31T00:00:00Z");
  EXPECT_EQ((*all)[0].origin, "leavers.json:3");
}

TEST(ManifestTerminationTest, AnEarlierDateMovesAPendingOneForwardButNeverBack) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  const std::string now = "2026-12-01T10:00:00Z";
  ASSERT_TRUE(store->recordManifestTermination("E1", "2026-12-31T00:00:00Z", "a:2", now).ok());
  auto later = store->recordManifestTermination("E1", "2027-01-31T00:00:00Z", "b:2", now);
  ASSERT_TRUE(later.ok());
  EXPECT_FALSE(*later);  // a later date does not postpone a leaver
  auto earlier = store->recordManifestTermination("E1", "2026-12-15T00:00:00Z", "c:2", now);
  ASSERT_TRUE(earlier.ok());
  EXPECT_TRUE(*earlier);
  auto all = store->terminations();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].effective_at, "2026-12-15T00:00:00Z");
  EXPECT_EQ((*all)[0].origin, "c:2");
}

TEST(ManifestTerminationTest, AnEventTerminationIsNeverReplacedByAManifest) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->recordTermination("E1", 7, "2026-11-30T09:00:00Z", "2026-11-30T09:00:01Z").ok());
  auto again = store->recordManifestTermination("E1", "2026-11-01T00:00:00Z", "m:2",
                                                "2026-12-01T10:00:00Z");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto all = store->terminations();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].event_id, 7);
  EXPECT_EQ((*all)[0].effective_at, "");
}

TEST(SourceReadTest, TheLastGoodReadReplacesTheOneBefore) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  auto none = store->lastSourceRead("hr.csv");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  SourceReadRecord r{"hr.csv", "users", "abc", "", 100, 98, "2026-12-01T10:00:00Z", 3};
  ASSERT_TRUE(store->recordSourceRead(r).ok());
  r.users = 90;
  r.run_id = 4;
  ASSERT_TRUE(store->recordSourceRead(r).ok());
  auto last = store->lastSourceRead("hr.csv");
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->users, 90);
  EXPECT_EQ((*last)->run_id, 4);
  EXPECT_EQ((*last)->digest, "abc");
}

}  // namespace
}  // namespace scim_agent
