// The Reconciler with fakes: an in-memory SCIM directory, no Platform API, a fixed clock, a
// counting notifier, and a real state store on a temporary file.

#include "agent/reconcile/reconciler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "agent/scim/platform_directory.h"
#include "agent/scim/scim_directory.h"
#include "state/state_store.h"

namespace scim_agent {
namespace {

// Users in memory; PATCH understands replace of active, title and displayName, bumps the
// version and honours If-Match. Every write is logged as "METHOD id".
class FakeDirectory final : public ScimDirectory {
 public:
  std::map<std::string, LiveUser> users;  // by id
  std::vector<std::string> writes;

  void add(const std::string& id, const std::string& external_id, bool active = true,
           const std::string& title = "Engineer") {
    LiveUser u;
    u.id = id;
    u.external_id = external_id;
    u.user_name = lower(external_id) + "@corp.example";
    u.display_name = "User " + external_id;
    u.title = title;
    u.active = active;
    u.version = "\"1\"";
    users[id] = u;
  }
  const LiveUser& byExternalId(const std::string& external_id) const {
    for (const auto& [id, u] : users) {
      if (u.external_id == external_id) return u;
    }
    throw std::runtime_error("no user " + external_id);
  }
  int writesTo(const std::string& id) const {
    return static_cast<int>(std::count_if(writes.begin(), writes.end(), [&](const std::string& w) {
      return w.size() > id.size() && w.compare(w.size() - id.size(), id.size(), id) == 0;
    }));
  }

  Result<std::vector<LiveUser>> listUsers(const ListOptions& options) override {
    std::vector<LiveUser> out;
    for (const auto& [id, u] : users) {
      if (u.active != options.inactive) out.push_back(u);
    }
    return out;
  }
  Result<std::vector<Group>> listGroups() override { return std::vector<Group>{}; }
  Result<std::optional<LiveUser>> findUserByUserName(const std::string& user_name) override {
    for (const auto& [id, u] : users) {
      if (lower(u.user_name) == lower(user_name)) return std::optional<LiveUser>(u);
    }
    return std::optional<LiveUser>();
  }
  Result<std::optional<LiveUser>> findUserByExternalId(const std::string& external_id) override {
    for (const auto& [id, u] : users) {
      if (u.external_id == external_id) return std::optional<LiveUser>(u);
    }
    return std::optional<LiveUser>();
  }
  Result<LiveUser> getUser(const std::string& id) override {
    auto it = users.find(id);
    if (it == users.end()) return Error(ErrorCode::kNotFound, "404 " + id);
    return it->second;
  }
  Result<LiveUser> createUser(const Json& body) override {
    const std::string id = "new-" + std::to_string(users.size() + 1);
    LiveUser u;
    u.id = id;
    u.external_id = body.getString("externalId");
    u.user_name = body.getString("userName");
    u.display_name = body.getString("displayName");
    u.title = body.getString("title");
    u.version = "\"1\"";
    users[id] = u;
    writes.push_back("POST " + id);
    return u;
  }
  Result<LiveUser> patchUser(const std::string& id, const std::string& if_match,
                             const std::vector<PatchOp>& ops) override {
    auto it = users.find(id);
    if (it == users.end()) return Error(ErrorCode::kNotFound, "404 " + id);
    LiveUser& u = it->second;
    if (!if_match.empty() && if_match != u.version) return Error(ErrorCode::kStale, "409 " + id);
    for (const PatchOp& op : ops) {
      if (op.path == "active") u.active = op.value.isBool() && op.value.asBool();
      if (op.path == "title") u.title = op.value.isString() ? op.value.asString() : "";
      if (op.path == "displayName") u.display_name = op.value.asString();
    }
    u.version = "\"" + std::to_string(std::stoi(u.version.substr(1)) + 1) + "\"";
    writes.push_back("PATCH " + id);
    return u;
  }
  Status deleteUser(const std::string& id, const std::string&) override {
    users.erase(id);
    writes.push_back("DELETE " + id);
    return Status::success();
  }
  Status patchGroupMembers(const std::string& group_id, const std::vector<std::string>&,
                           const std::vector<std::string>&) override {
    writes.push_back("PATCH group " + group_id);
    return Status::success();
  }

 private:
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
};

class CountingNotifier final : public Notifier {
 public:
  int passes = 0;
  Result<NotifySummary> deliverDue() override {
    ++passes;
    return NotifySummary{};
  }
};

// Desired users EMP-1 … EMP-n (titles "Engineer"), with a policy that lets one run suspend up
// to `max_destructive` users.
std::string desiredYaml(const std::vector<std::string>& external_ids, int max_destructive = 25,
                        const std::string& title = "Engineer") {
  std::string y =
      "apiVersion: scim-agent/v1\n"
      "policy:\n"
      "  onRemoval: suspend\n"
      "  maxDestructive: { count: " + std::to_string(max_destructive) + ", percent: 100 }\n"
      "  maxSourceShrink: 100%\n"
      "users:\n";
  for (const std::string& id : external_ids) {
    std::string lower = id;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    y += "  - externalId: " + id + "\n    userName: " + lower + "@corp.example\n" +
         "    displayName: User " + id + "\n    title: " + title + "\n";
  }
  return y;
}

class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("reconciler_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = StateStore::open((dir_ / "state.db").string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store.value());
    settings_.desired_path = (dir_ / "desired.yaml").string();
    settings_.notify = false;
    reconciler_ = std::make_unique<Reconciler>(directory_, platform_, *store_, clock_, &notifier_,
                                               settings_);
  }
  void TearDown() override {
    reconciler_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void writeDesired(const std::string& yaml) {
    std::ofstream((dir_ / "desired.yaml").string()) << yaml;
  }
  std::vector<HeldAction> pending() {
    auto rows = store_->pendingHeldActions();
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<HeldAction>{};
  }
  // EMP-1 and EMP-2 live and desired, EMP-3 live and removed from desired: its suspend is held
  // by an apply --hold-destructive.
  void holdRemovedUser() {
    directory_.add("u1", "EMP-1");
    directory_.add("u2", "EMP-2");
    directory_.add("u3", "EMP-3");
    writeDesired(desiredYaml({"EMP-1", "EMP-2"}));
    CycleOptions hold;
    hold.hold_destructive = true;
    const CycleReport r = reconciler_->cycle(hold);
    ASSERT_FALSE(r.error) << r.error->message;
    ASSERT_EQ(r.holds.held_actions.size(), 1u);
    ASSERT_EQ(pending().size(), 1u);
    ASSERT_TRUE(directory_.byExternalId("EMP-3").active);
    ASSERT_EQ(directory_.writesTo("u3"), 0);
  }

  std::filesystem::path dir_;
  FakeDirectory directory_;
  NoPlatform platform_;
  FixedClock clock_{std::chrono::system_clock::time_point(std::chrono::hours(24 * 20700))};
  CountingNotifier notifier_;
  ReconcilerSettings settings_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<Reconciler> reconciler_;
};

TEST_F(ReconcilerTest, AHeldSuspendIsAppliedByNoCycleButApprove) {
  holdRemovedUser();

  // run (the timer), serve's periodic cycle (kind apply) and a saved plan keep it held.
  CycleOptions run;
  run.kind = RunKind::kRun;
  CycleReport r = reconciler_->cycle(run);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.holds.held_actions.size(), 1u);
  EXPECT_EQ(r.outcome, RunOutcome::kOk);
  const Plan whole = r.plan;
  CycleOptions periodic;
  r = reconciler_->cycle(periodic);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.holds.held_actions.size(), 1u);
  CycleOptions saved;
  auto document = reconciler_->signedPlanDocument(whole);
  ASSERT_TRUE(document.ok());
  saved.saved_plan = *document;
  saved.saved_plan_path = "plan.json";
  r = reconciler_->cycle(saved);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.holds.held_actions.size(), 1u);
  EXPECT_FALSE(r.holds.now.hasChanges());

  // An HR event for another user reconciles that user only.
  writeDesired(desiredYaml({"EMP-1", "EMP-2"}, 25, "Lead"));
  CycleOptions reload;  // the event reuses the desired state of the last full cycle
  reload.plan_only = true;
  reload.kind = RunKind::kPlan;
  ASSERT_FALSE(reconciler_->cycle(reload).error);
  CycleOptions event;
  event.event = EventScope{"EMP-1", false, 0, ""};
  r = reconciler_->cycle(event);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.outcome, RunOutcome::kOk);
  EXPECT_EQ(directory_.byExternalId("EMP-1").title, "Lead");
  EXPECT_EQ(directory_.byExternalId("EMP-2").title, "Engineer");  // not this event's user

  EXPECT_TRUE(directory_.byExternalId("EMP-3").active);
  EXPECT_EQ(directory_.writesTo("u3"), 0);
  ASSERT_EQ(pending().size(), 1u);

  // approve applies it.
  ApproveRequest request;
  request.selected = pending();
  request.actor = "operator:test";
  const ApproveReport approved = reconciler_->approve(request);
  ASSERT_FALSE(approved.error);
  EXPECT_TRUE(approved.allApplied());
  EXPECT_FALSE(directory_.byExternalId("EMP-3").active);
  EXPECT_TRUE(pending().empty());
}

TEST_F(ReconcilerTest, AllowDestructiveAppliesAHeldSuspendAndResolvesItsRow) {
  holdRemovedUser();
  CycleOptions allow;
  allow.allow_destructive = true;
  const CycleReport r = reconciler_->cycle(allow);
  ASSERT_FALSE(r.error);
  EXPECT_TRUE(r.holds.held_actions.empty());
  EXPECT_FALSE(directory_.byExternalId("EMP-3").active);
  EXPECT_TRUE(pending().empty());
}

TEST_F(ReconcilerTest, AnHrTerminationOfTheHeldUserItselfSuspendsIt) {
  holdRemovedUser();
  CycleOptions event;
  event.event = EventScope{"EMP-3", true, 0, "2026-09-01T00:00:00Z"};
  const CycleReport r = reconciler_->cycle(event);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(r.outcome, RunOutcome::kOk);
  EXPECT_FALSE(directory_.byExternalId("EMP-3").active);
  EXPECT_TRUE(pending().empty());  // resolved as applied by the termination
  auto held = store_->terminations();
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ(held->front().external_id, "EMP-3");
}

TEST_F(ReconcilerTest, ABlockingGuardrailAppliesEverythingButTheSuspends) {
  for (int i = 1; i <= 5; ++i) directory_.add("u" + std::to_string(i), "EMP-" + std::to_string(i));
  // EMP-3, EMP-4, EMP-5 removed (3 suspends, the policy allows 2); EMP-1 gets a new title.
  writeDesired(desiredYaml({"EMP-1", "EMP-2"}, 2, "Lead"));
  CycleOptions run;
  run.kind = RunKind::kRun;
  const CycleReport r = reconciler_->cycle(run);
  ASSERT_FALSE(r.error);
  EXPECT_TRUE(r.guardrail.blocked);
  EXPECT_TRUE(r.destructive_skipped);
  EXPECT_EQ(r.outcome, RunOutcome::kBlocked);
  EXPECT_EQ(directory_.byExternalId("EMP-1").title, "Lead");
  for (const char* id : {"EMP-3", "EMP-4", "EMP-5"}) EXPECT_TRUE(directory_.byExternalId(id).active);
  auto runs = store_->listRuns(1);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->front().outcome, "blocked");
}

TEST_F(ReconcilerTest, OneUserEventReadsAndWritesThatUserOnly) {
  directory_.add("u1", "EMP-1");
  directory_.add("u2", "EMP-2", true, "Old title");  // drifted, but not this event's user
  writeDesired(desiredYaml({"EMP-1", "EMP-2"}));
  CycleOptions event;
  event.event = EventScope{"EMP-1", true, 0, "2026-09-01T00:00:00Z"};
  const CycleReport r = reconciler_->cycle(event);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_FALSE(directory_.byExternalId("EMP-1").active);
  EXPECT_EQ(directory_.byExternalId("EMP-2").title, "Old title");
  EXPECT_EQ(directory_.writesTo("u2"), 0);
  EXPECT_GT(r.run_id, 0);
  EXPECT_EQ(notifier_.passes, 1);  // an applying run's housekeeping delivers the outbox

  // A hire or update without a desired entry is ignored: no run recorded.
  CycleOptions unknown;
  unknown.event = EventScope{"EMP-9", false, 0, ""};
  const CycleReport ignored = reconciler_->cycle(unknown);
  EXPECT_TRUE(ignored.ignored);
  EXPECT_EQ(ignored.run_id, 0);

  // The termination holds over the desired state in the next full cycle.
  CycleOptions full;
  const CycleReport again = reconciler_->cycle(full);
  ASSERT_FALSE(again.error);
  EXPECT_FALSE(directory_.byExternalId("EMP-1").active);
}

TEST_F(ReconcilerTest, EachCycleLoadsTheDesiredStatesPolicy) {
  for (int i = 1; i <= 3; ++i) directory_.add("u" + std::to_string(i), "EMP-" + std::to_string(i));
  writeDesired(desiredYaml({"EMP-1"}, 1));  // two suspends, one allowed
  CycleOptions plan;
  plan.kind = RunKind::kPlan;
  plan.plan_only = true;
  EXPECT_TRUE(reconciler_->cycle(plan).guardrail.blocked);
  writeDesired(desiredYaml({"EMP-1"}, 5));  // the same long-lived reconciler, a new policy
  EXPECT_FALSE(reconciler_->cycle(plan).guardrail.blocked);
}

TEST_F(ReconcilerTest, ADesiredStateThatDoesNotLoadRecordsNoRunAndWritesNothing) {
  directory_.add("u1", "EMP-1");
  writeDesired("apiVersion: scim-agent/v1\nusers:\n  - externalId: EMP-1\n    bogus: 1\n");
  CycleOptions run;
  const CycleReport r = reconciler_->cycle(run);
  ASSERT_TRUE(r.error);
  EXPECT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.run_id, 0);
  EXPECT_TRUE(directory_.writes.empty());
}

// A saved plan: made by plan, tampered with as an attacker would, then applied.
class SavedPlanTest : public ReconcilerTest {
 protected:
  void SetUp() override {
    ReconcilerTest::SetUp();
    directory_.add("u1", "EMP-1", true, "Old");
    directory_.add("u2", "EMP-2");
    writeDesired(desiredYaml({"EMP-1", "EMP-2"}));
    CycleOptions plan;
    plan.kind = RunKind::kPlan;
    plan.plan_only = true;
    const CycleReport r = reconciler_->cycle(plan);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.plan.actions.size(), 1u);  // EMP-1's title
    auto doc = reconciler_->signedPlanDocument(r.plan);
    ASSERT_TRUE(doc.ok());
    document_ = *doc;
  }
  CycleReport apply(const Json& document) {
    CycleOptions options;
    options.saved_plan = document;
    options.saved_plan_path = "plan.json";
    return reconciler_->cycle(options);
  }
  Json& firstAction() { return document_.asObject()["actions"].asArray()[0]; }

  Json document_;
};

TEST_F(SavedPlanTest, TheSignedPlanApplies) {
  const CycleReport r = apply(document_);
  ASSERT_FALSE(r.error) << r.error->message;
  EXPECT_EQ(directory_.byExternalId("EMP-1").title, "Engineer");
}

TEST_F(SavedPlanTest, ATamperedPlanIsRefusedWithNothingWritten) {
  struct Tamper {
    const char* what;
    std::function<void(Json&)> edit;
  };
  const std::vector<Tamper> tampers = {
      {"changed userId", [](Json& a) { a["userId"] = "admin"; }},
      {"changed kind", [](Json& a) { a["kind"] = "suspend"; }},
      {"changed op", [](Json& a) { a.asObject()["ops"].asArray()[0]["value"] = "pwned"; }},
      {"added op",
       [](Json& a) {
         a.asObject()["ops"].push(Json(Json::Object{{"op", "replace"}, {"path", "active"},
                                                    {"value", false}}));
       }},
  };
  for (const Tamper& t : tampers) {
    Json doc = document_;
    t.edit(doc.asObject()["actions"].asArray()[0]);
    const CycleReport r = apply(doc);
    ASSERT_TRUE(r.error) << t.what;
    EXPECT_NE(r.error->message.find("was changed after it was made: actions[0]"), std::string::npos)
        << t.what << ": " << r.error->message;
    EXPECT_EQ(r.run_id, 0) << t.what;
  }
  Json digest = document_;
  digest["desiredDigest"] = "0000";
  const CycleReport r = apply(digest);
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->message.find("outside its actions"), std::string::npos) << r.error->message;
  Json bare = document_;
  bare.asObject().erase("signature");
  ASSERT_TRUE(apply(bare).error);
  EXPECT_TRUE(directory_.writes.empty());
}

TEST_F(SavedPlanTest, ASignedPlanThatBreaksPolicyIsRefusedByTheGate) {
  // Signed with our key (say, made before the desired state changed), but it suspends a user
  // the desired state keeps active, and writes a protected user.
  Plan plan;
  plan.desired_digest = reconciler_->desired().digest;
  Action suspend;
  suspend.kind = ActionKind::kSuspend;
  suspend.external_id = "EMP-2";
  suspend.user_name = "emp-2@corp.example";
  suspend.user_id = "u2";
  suspend.version = "\"1\"";
  suspend.ops = {PatchOp{"replace", "active", Json(false)}};
  plan.actions.push_back(suspend);
  auto doc = reconciler_->signedPlanDocument(plan);
  ASSERT_TRUE(doc.ok());
  const CycleReport r = apply(*doc);
  ASSERT_FALSE(r.error);
  ASSERT_EQ(r.report.results.size(), 1u);
  EXPECT_EQ(r.report.results[0].outcome, ActionOutcome::kFailed);
  EXPECT_NE(r.report.results[0].message.find("policy gate"), std::string::npos);
  EXPECT_EQ(r.outcome, RunOutcome::kFailed);
  EXPECT_TRUE(directory_.byExternalId("EMP-2").active);
  EXPECT_TRUE(directory_.writes.empty());
}

TEST_F(ReconcilerTest, ATerminationOutsideScopeIsIgnored) {
  directory_.add("u1", "EMP-1");
  directory_.add("c1", "CONTRACTOR-1");
  std::string yaml = desiredYaml({"EMP-1"});
  yaml.replace(yaml.find("policy:\n"), 8, "policy:\n  scope: { externalIdPattern: \"^EMP-\" }\n");
  writeDesired(yaml);
  CycleOptions event;
  event.event = EventScope{"CONTRACTOR-1", true, 0, "2026-09-01T00:00:00Z"};
  const CycleReport r = reconciler_->cycle(event);
  EXPECT_TRUE(r.ignored);
  EXPECT_NE(r.note.find("outside policy.scope"), std::string::npos) << r.note;
  EXPECT_TRUE(directory_.byExternalId("CONTRACTOR-1").active);
  EXPECT_TRUE(directory_.writes.empty());
  auto held = store_->terminations();
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held->empty());
}

}  // namespace
}  // namespace scim_agent
