#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "state/state_store.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent {
namespace {

using scim_agent::testing::TempDir;
using scim_agent::testing::openStore;

TEST(OperationJournalTest, IntentThenOutcome) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  Result<int64_t> run = store->beginRun("apply", "t0", "d");
  ASSERT_TRUE(run.ok());
  Result<int64_t> create = store->journalIntent(*run, "create:EMP-7", "POST", "/scim/v2/Users",
                                                R"({"userName":"a@x"})", "t1");
  Result<int64_t> patch = store->journalIntent(*run, "patch:EMP-8", "PATCH",
                                               "/scim/v2/Users/9f", R"({"Operations":[]})", "t2");
  ASSERT_TRUE(create.ok() && patch.ok());
  ASSERT_TRUE(store->journalOutcome(*create, true, 201, R"({"id":"u1"})", "t3").ok());
  ASSERT_TRUE(store->journalOutcome(*patch, false, 409, R"({"scimType":"invalidVers"})", "t4").ok());

  Result<std::vector<JournalEntry>> entries = store->journalForRun(*run);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  const JournalEntry& first = (*entries)[0];
  EXPECT_EQ(first.id, *create);
  EXPECT_EQ(first.run_id, *run);
  EXPECT_EQ(first.action_key, "create:EMP-7");
  EXPECT_EQ(first.method, "POST");
  EXPECT_EQ(first.path, "/scim/v2/Users");
  EXPECT_EQ(first.request_json, R"({"userName":"a@x"})");
  EXPECT_EQ(first.state, "done");
  EXPECT_EQ(first.http_status, 201);
  EXPECT_EQ(first.outcome_json, R"({"id":"u1"})");
  EXPECT_EQ(first.created_at, "t1");
  EXPECT_EQ(first.finished_at, "t3");
  EXPECT_EQ((*entries)[1].state, "failed");
  EXPECT_EQ((*entries)[1].http_status, 409);
  EXPECT_TRUE(store->pendingIntents()->empty());

  // An answer is recorded once.
  Status again = store->journalOutcome(*create, true, 201, "{}", "t5");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kInternal);
  EXPECT_EQ(store->journalOutcome(9999, true, 200, "{}", "t").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store->journalIntent(*run + 1, "k", "POST", "/", "{}", "t").error().code,
            ErrorCode::kNotFound);
}

TEST(OperationJournalTest, IntentInsideATransactionIsRefused) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  Result<int64_t> run = store->beginRun("apply", "t0", "d");
  ASSERT_TRUE(run.ok());
  Result<Transaction> tx = store->transaction();
  ASSERT_TRUE(tx.ok());
  Result<int64_t> intent = store->journalIntent(*run, "k", "POST", "/", "{}", "t");
  ASSERT_FALSE(intent.ok());
  EXPECT_EQ(intent.error().code, ErrorCode::kInternal);
}

// A run killed between intent and outcome leaves the intent for the next run to resolve.
TEST(OperationJournalTest, PendingIntentsSurviveAKilledProcess) {
  TempDir dir;
  const std::string path = dir.file("state.db");
  int64_t run_id = 0;
  {
    auto store = openStore(path);
    ASSERT_TRUE(store);
    Result<int64_t> run = store->beginRun("apply", "t0", "d");
    ASSERT_TRUE(run.ok());
    run_id = *run;
    Result<int64_t> done = store->journalIntent(run_id, "create:EMP-1", "POST", "/u", "{}", "t1");
    ASSERT_TRUE(done.ok());
    ASSERT_TRUE(store->journalOutcome(*done, true, 201, "{}", "t2").ok());
  }

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The "apply" process: records an intent, then dies before the answer comes.
    Result<std::unique_ptr<StateStore>> store = StateStore::open(path);
    if (!store.ok()) ::_exit(2);
    if (!(*store)->journalIntent(run_id, "create:EMP-2", "POST", "/u", R"({"n":2})", "t3").ok()) {
      ::_exit(3);
    }
    ::raise(SIGKILL);
    ::_exit(4);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited with " << WEXITSTATUS(wstatus);

  auto store = openStore(path);
  ASSERT_TRUE(store);
  Result<std::vector<JournalEntry>> pending = store->pendingIntents();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].action_key, "create:EMP-2");
  EXPECT_EQ((*pending)[0].request_json, R"({"n":2})");
  EXPECT_EQ((*pending)[0].state, "intent");
  EXPECT_EQ((*pending)[0].finished_at, "");

  // The resuming run found the user in Genesys: the POST had landed.
  EXPECT_EQ(store->resolveIntent((*pending)[0].id, "maybe", "", "t").error().code,
            ErrorCode::kInvalidInput);
  ASSERT_TRUE(
      store->resolveIntent((*pending)[0].id, "done", "found by userName on resume", "t4").ok());
  EXPECT_TRUE(store->pendingIntents()->empty());
  Result<std::vector<JournalEntry>> all = store->journalForRun(run_id);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].state, "done");
  EXPECT_EQ((*all)[1].note, "found by userName on resume");
  EXPECT_EQ((*all)[1].finished_at, "t4");
  EXPECT_EQ(store->resolveIntent((*pending)[0].id, "abandoned", "", "t5").error().code,
            ErrorCode::kInternal);
}

// Apply workers may journal from several threads while another thread holds a transaction.
TEST(OperationJournalTest, ConcurrentIntentsFromSeveralThreads) {
  TempDir dir;
  auto store = openStore(dir.file("state.db"));
  ASSERT_TRUE(store);
  Result<int64_t> run = store->beginRun("apply", "t0", "d");
  ASSERT_TRUE(run.ok());
  constexpr int kThreads = 4;
  constexpr int kEach = 15;
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string key = "patch:" + std::to_string(t) + ":" + std::to_string(i);
        Result<int64_t> id = store->journalIntent(*run, key, "PATCH", "/u", "{}", "t");
        ASSERT_TRUE(id.ok()) << id.error().message;
        ASSERT_TRUE(store->journalOutcome(*id, true, 200, "{}", "t").ok());
      }
    });
  }
  workers.emplace_back([&] {
    for (int i = 0; i < kEach; ++i) {
      Result<Transaction> tx = store->transaction();
      ASSERT_TRUE(tx.ok());
      ASSERT_TRUE(store->appendAudit("t", *run, "scim-agent", "patch", "x", "{}").ok());
      ASSERT_TRUE(tx->commit().ok());
    }
  });
  for (std::thread& worker : workers) worker.join();
  Result<std::vector<JournalEntry>> entries = store->journalForRun(*run);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_TRUE(store->pendingIntents()->empty());
  EXPECT_TRUE(store->verifyAudit()->intact());
}

}  // namespace
}  // namespace scim_agent
