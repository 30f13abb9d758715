#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::TempDir;
using scim_agent::testing::fileSize;
using scim_agent::testing::queryInt;

// A user document of realistic size (~450 bytes of canonical JSON).
std::string userDocument(int i, const std::string& title = "Agent") {
  const std::string n = std::to_string(i);
  return R"({"active":true,"department":"Contact Centre","emails":[{"primary":true,"type":"work","value":"user)" +
         n + R"(@example.com"}],"externalId":"EMP-)" + n +
         R"(","manager":"EMP-1","name":{"familyName":"Number)" + n +
         R"(","givenName":"User"},"phoneNumbers":[{"type":"work","value":"+1 555 01)" + n +
         R"("}],"roles":["agent","employee"],"routingSkills":["billing","english","support"],"title":")" +
         title + R"(","userName":"user)" + n + R"(@example.com"})";
}

SnapshotItems users(int count) {
  SnapshotItems items;
  for (int i = 0; i < count; ++i) items.emplace_back("EMP-" + std::to_string(i), userDocument(i));
  return items;
}

class SnapshotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("state.db");
    store_ = testing::openStore(path_);
    ASSERT_NE(store_, nullptr);
    Result<int64_t> run = store_->beginRun("run", "2024-05-01T09:00:00Z", "d");
    ASSERT_TRUE(run.ok());
    run_ = *run;
  }

  int64_t save(const SnapshotItems& items, const std::string& kind = "live") {
    Result<int64_t> id = store_->saveSnapshot(run_, kind, items, "2024-05-01T09:00:01Z");
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    return id.ok() ? *id : 0;
  }

  // The database file's size with everything checkpointed into it.
  int64_t settledSize() {
    EXPECT_TRUE(store_->checkpoint().ok());
    return fileSize(path_);
  }

  int64_t count(const std::string& table) {
    return queryInt(path_, "SELECT COUNT(*) FROM " + table);
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<StateStore> store_;
  int64_t run_ = 0;
};

TEST_F(SnapshotStoreTest, RoundTripSortedByKey) {
  SnapshotItems items = {
      {"EMP-2", R"({"title":"Lead"})"},
      {"EMP-10", R"({"title":"Agent"})"},
      {"line\nbreak\\key", R"({"odd":"key"})"},  // keys are escaped in chunks
      {"", R"({"empty":"key"})"},
      {"EMP-3", R"({"title":"Agent"})"},  // same document as EMP-10: stored once
  };
  const int64_t id = save(items);
  Result<SnapshotItems> loaded = store_->loadSnapshot(id);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  SnapshotItems expected = items;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*loaded, expected);
  EXPECT_EQ(count("documents"), 4);

  // Encode -> decode -> encode gives the same snapshot (same manifest).
  const int64_t again = save(*loaded);
  EXPECT_EQ(queryInt(path_, "SELECT COUNT(DISTINCT manifest_hash) FROM snapshots"), 1);
  EXPECT_NE(again, id);
}

TEST_F(SnapshotStoreTest, EmptySnapshotRoundTrips) {
  const int64_t id = save({});
  Result<SnapshotItems> loaded = store_->loadSnapshot(id);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(loaded->empty());
}

TEST_F(SnapshotStoreTest, LatestSnapshotPerKind) {
  Result<std::optional<int64_t>> none = store_->latestSnapshot("live");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  const int64_t live1 = save(users(3), "live");
  const int64_t desired = save(users(2), "desired");
  const int64_t live2 = save(users(4), "live");
  EXPECT_EQ(store_->latestSnapshot("live")->value_or(0), live2);
  EXPECT_EQ(store_->latestSnapshot("desired")->value_or(0), desired);
  EXPECT_NE(live1, live2);
  EXPECT_EQ(store_->latestSnapshot("other").error().code, ErrorCode::kInvalidInput);
}

TEST_F(SnapshotStoreTest, RejectsDuplicateKeysBadKindAndUnknownRun) {
  Result<int64_t> dup = store_->saveSnapshot(run_, "live", {{"a", "{}"}, {"a", "{}"}}, "t");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(store_->saveSnapshot(run_, "cached", {}, "t").error().code,
            ErrorCode::kInvalidInput);
  EXPECT_EQ(store_->saveSnapshot(run_ + 1, "live", {{"a", "{}"}}, "t").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->loadSnapshot(12345).error().code, ErrorCode::kNotFound);
  // Nothing of the failed saves stayed behind.
  EXPECT_EQ(count("documents"), 0);
  EXPECT_EQ(count("snapshots"), 0);
}

// SPEC §14: a run in which nothing changed adds less than 64 bytes per user.
TEST_F(SnapshotStoreTest, UnchangedSnapshotAddsLessThan64BytesPerUser) {
  constexpr int kUsers = 1000;
  const SnapshotItems items = users(kUsers);
  save(items);
  const int64_t before = settledSize();
  save(items);
  const int64_t growth = settledSize() - before;
  EXPECT_LT(growth, 64 * kUsers) << "grew " << growth << " bytes";
  EXPECT_EQ(count("documents"), kUsers);
  EXPECT_EQ(count("manifests"), 1);
}

// 5,000 members make a tree with interior levels (leaves of ~16, manifest of at most 64).
TEST_F(SnapshotStoreTest, OneChangedUserAddsOneDocumentAndOnePathOfChunks) {
  constexpr int kUsers = 5000;
  SnapshotItems items = users(kUsers);
  const int64_t first = save(items);
  const int64_t height = queryInt(path_, "SELECT MAX(height) FROM manifests");
  EXPECT_GE(height, 1);
  const int64_t docs = count("documents");
  const int64_t chunks = count("snapshot_chunks");
  const int64_t before = settledSize();

  items[2500].second = userDocument(2500, "Team Lead");
  const int64_t second = save(items);
  EXPECT_EQ(count("documents"), docs + 1);
  // One leaf and one interior node per level.
  EXPECT_EQ(count("snapshot_chunks"), chunks + 1 + height);
  EXPECT_EQ(count("manifests"), 2);
  const int64_t growth = settledSize() - before;
  EXPECT_LE(growth, 16 * 1024) << "grew " << growth << " bytes";

  Result<SnapshotItems> old_members = store_->loadSnapshot(first);
  Result<SnapshotItems> new_members = store_->loadSnapshot(second);
  ASSERT_TRUE(old_members.ok() && new_members.ok());
  std::sort(items.begin(), items.end());
  EXPECT_EQ(*new_members, items);
  ASSERT_EQ(old_members->size(), new_members->size());
  std::vector<std::string> changed;
  for (size_t i = 0; i < old_members->size(); ++i) {
    EXPECT_EQ((*old_members)[i].first, (*new_members)[i].first);
    if ((*old_members)[i].second != (*new_members)[i].second) changed.push_back((*old_members)[i].first);
  }
  EXPECT_EQ(changed, std::vector<std::string>{"EMP-2500"});
}

TEST_F(SnapshotStoreTest, InsertingAUserRewritesOnlyItsPath) {
  SnapshotItems items = users(5000);
  save(items);
  const int64_t height = queryInt(path_, "SELECT MAX(height) FROM manifests");
  const int64_t chunks = count("snapshot_chunks");
  items.emplace_back("EMP-2500a", userDocument(9999));  // sorts into the middle
  std::shuffle(items.begin(), items.end(), std::mt19937(7));  // input order does not matter
  const int64_t id = save(items);
  // At most two chunks per level (the one it lands in may split), not every chunk after it.
  EXPECT_GE(count("snapshot_chunks"), chunks + 1);
  EXPECT_LE(count("snapshot_chunks"), chunks + 2 * (height + 1));
  Result<SnapshotItems> loaded = store_->loadSnapshot(id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->size(), 5001u);
  EXPECT_TRUE(std::is_sorted(loaded->begin(), loaded->end()));
}

TEST_F(SnapshotStoreTest, MissingDocumentIsCorrupt) {
  const int64_t id = save(users(10));
  testing::execSql(path_, "DELETE FROM documents WHERE rowid = 3");
  Result<SnapshotItems> loaded = store_->loadSnapshot(id);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(loaded.error().message.find(path_), std::string::npos);
}

}  // namespace
}  // namespace scim_agent
