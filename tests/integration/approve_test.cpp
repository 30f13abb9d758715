// Split-risk apply (SPEC §8) against genesys-sim: `apply --hold-destructive` applies creates now
// and holds suspends (with their group removals); `approve` applies them later, by externalId or
// all, and refuses those whose user changed in Genesys meanwhile.
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

// The desired state of these tests: at most one destructive action without a hold.
std::string desiredState(const std::vector<Person>& people, const std::string& policy = "") {
  return desiredYaml(people, {.max_destructive = 1, .policy = policy});
}

// Every person live and active, in "Everyone", with two role grants.
const SeedOptions kGrants{.roles = {"agent", "supervisor"}};

std::vector<std::string> pendingIds(const TempDir& dir) {
  auto store = openStore(dir.file("state.db"));
  std::vector<std::string> out;
  if (!store) return out;
  auto pending = store->pendingHeldActions();
  EXPECT_TRUE(pending.ok());
  if (!pending.ok()) return out;
  for (const HeldAction& h : *pending) out.push_back(h.external_id);
  return out;
}

std::vector<HeldAction> history(const TempDir& dir, const std::string& external_id) {
  auto store = openStore(dir.file("state.db"));
  if (!store) return {};
  auto rows = store->heldActionHistory(external_id);
  EXPECT_TRUE(rows.ok());
  return rows.ok() ? *rows : std::vector<HeldAction>{};
}

const std::string kUserPatch = "PATCH /scim/v2/users/{id}";
const std::string kTokens = "DELETE /api/v2/tokens/{userId}";

const Person kStay1{"EMP-1", "one@corp.example"};
const Person kStay2{"EMP-2", "two@corp.example"};
const Person kGone3{"EMP-3", "three@corp.example"};
const Person kGone4{"EMP-4", "four@corp.example"};
const Person kNew5{"EMP-5", "five@corp.example"};
const Person kNew6{"EMP-6", "six@corp.example"};

TEST(ApproveTest, HoldDestructiveAppliesCreatesNowAndApproveSuspendsOneThenTheRest) {
  SimProcess sim;
  sim.seed(seedOrg({kStay1, kStay2, kGone3, kGone4}, kGrants));
  TempDir dir;
  dir.write("desired/org.yaml", desiredState({kStay1, kStay2, kNew5, kNew6}));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  // maxDestructive is 1, but nothing destructive is applied: the two suspends are held.
  RunResult r = runAgent({"apply", "--config", config, "--auto-approve", "--hold-destructive"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Held for approval (2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("scim-agent approve --config " + config + " --all"), std::string::npos)
      << r.out;
  for (const Person& p : {kNew5, kNew6}) {
    const Json u = sim.userByExternalId(p.external_id);
    ASSERT_TRUE(u.isObject()) << p.external_id << " created";
    EXPECT_TRUE(u.getBool("active"));
    EXPECT_TRUE(inGroup(u, "Everyone")) << p.external_id;
  }
  for (const Person& p : {kGone3, kGone4}) {
    const Json u = sim.userByExternalId(p.external_id);
    EXPECT_TRUE(u.getBool("active")) << p.external_id << " is held, not suspended";
    EXPECT_TRUE(inGroup(u, "Everyone")) << p.external_id << " keeps its groups while held";
    EXPECT_EQ(u.getNumber("tokensRevoked", -1), 0) << p.external_id;
  }
  EXPECT_EQ(sim.count(kUserPatch), 0) << "no suspend PATCH";
  EXPECT_EQ(sim.count(kTokens), 0) << "no token revoked";
  EXPECT_EQ(pendingIds(dir), (std::vector<std::string>{"EMP-3", "EMP-4"}));

  // A plain apply later neither suspends a user pending approval nor holds it twice.
  sim.resetCounters();
  r = runAgent({"apply", "--config", config, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim.writes(), 0) << r.out;
  EXPECT_EQ(pendingIds(dir), (std::vector<std::string>{"EMP-3", "EMP-4"}));
  const auto rows = history(dir, "EMP-3");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].state, "discarded");
  EXPECT_NE(rows[0].note.find("replaced by the hold of run"), std::string::npos);
  EXPECT_EQ(rows[1].state, "pending");

  // Without a choice, approve is a usage error that lists what is pending.
  r = runAgent({"approve", "--config", config});
  EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
  EXPECT_NE(r.err.find("suspend EMP-3 (three@corp.example)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("suspend EMP-4"), std::string::npos) << r.err;
  r = runAgent({"approve", "--config", config, "--externalId", "EMP-404"});
  EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
  EXPECT_NE(r.err.find("nothing is pending approval for EMP-404"), std::string::npos) << r.err;

  // Approving one suspends only that one: tokens revoked, groups removed.
  sim.resetCounters();
  r = runAgent({"approve", "--config", config, "--externalId", "EMP-3"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 applied, 0 stale, 0 failed"), std::string::npos) << r.out;
  Json three = sim.userByExternalId("EMP-3");
  EXPECT_FALSE(three.getBool("active"));
  EXPECT_FALSE(inGroup(three, "Everyone"));
  EXPECT_EQ(three.getNumber("tokensRevoked", -1), 1);
  Json four = sim.userByExternalId("EMP-4");
  EXPECT_TRUE(four.getBool("active"));
  EXPECT_TRUE(inGroup(four, "Everyone"));
  EXPECT_EQ(sim.count(kUserPatch), 1);
  EXPECT_EQ(sim.count(kTokens), 1);
  EXPECT_EQ(pendingIds(dir), (std::vector<std::string>{"EMP-4"}));

  // maxDestructive (1) does not stop approve: it is the explicit decision.
  r = runAgent({"approve", "--config", config, "--all", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto json = parseJson(r.out);
  ASSERT_TRUE(json.ok()) << r.out;
  EXPECT_EQ(json->get("counts").getNumber("applied", -1), 1) << r.out;
  four = sim.userByExternalId("EMP-4");
  EXPECT_FALSE(four.getBool("active"));
  EXPECT_FALSE(inGroup(four, "Everyone"));
  EXPECT_EQ(four.getNumber("tokensRevoked", -1), 1);
  EXPECT_TRUE(pendingIds(dir).empty());

  r = runAgent({"approve", "--config", config, "--all"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Nothing is pending approval."), std::string::npos) << r.out;
  r = runAgent({"plan", "--config", config, "--detailed-exitcode"});
  EXPECT_EQ(r.exit_code, 0) << "nothing left to do\n" << r.out << r.err;

  // The decision and the writes are in the audit chain.
  auto store = StateStore::open(dir.file("state.db"));
  ASSERT_TRUE(store.ok());
  auto audit = (*store)->auditRecords(0, 0);
  ASSERT_TRUE(audit.ok());
  int holds = 0, approvals = 0, suspends = 0;
  for (const AuditRecord& a : *audit) {
    holds += a.action == "hold" ? 1 : 0;
    approvals += a.action == "approve" ? 1 : 0;
    suspends += a.action == "suspend" ? 1 : 0;
  }
  EXPECT_EQ(holds, 4) << "two holds, held again by the plain apply";
  EXPECT_EQ(approvals, 2);
  EXPECT_EQ(suspends, 2);
  auto verified = (*store)->verifyAudit();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact());
}

TEST(ApproveTest, UserChangedInGenesysSinceTheHoldIsStaleAndNotSuspended) {
  SimProcess sim;
  sim.seed(seedOrg({kStay1, kStay2, kGone3, kGone4}, kGrants));
  TempDir dir;
  dir.write("desired/org.yaml", desiredState({kStay1}));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  RunResult r = runAgent({"apply", "--config", config, "--auto-approve", "--hold-destructive"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(pendingIds(dir), (std::vector<std::string>{"EMP-2", "EMP-3", "EMP-4"}));

  // Out-of-band: EMP-2 edited, EMP-3 deactivated by someone else; EMP-4 untouched.
  sim.touch(Json(Json::Object{{"userName", "two@corp.example"}, {"title", "Team lead"}}));
  sim.touch(Json(Json::Object{{"userName", "three@corp.example"}, {"active", false}}));

  sim.resetCounters();
  r = runAgent({"approve", "--config", config, "--all"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("1 applied, 2 stale, 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("changed in Genesys since it was held"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("already inactive"), std::string::npos) << r.out;
  const Json two = sim.userByExternalId("EMP-2");
  EXPECT_TRUE(two.getBool("active")) << "a changed user is not suspended";
  EXPECT_TRUE(inGroup(two, "Everyone"));
  EXPECT_EQ(two.getNumber("tokensRevoked", -1), 0);
  EXPECT_TRUE(inGroup(sim.userByExternalId("EMP-3"), "Everyone"))
      << "a stale hold's group removals are not applied either";
  EXPECT_FALSE(sim.userByExternalId("EMP-4").getBool("active"));
  EXPECT_EQ(sim.count(kUserPatch), 1) << "only EMP-4's suspend was sent";
  EXPECT_EQ(sim.count(kTokens), 1);

  EXPECT_TRUE(pendingIds(dir).empty()) << "stale rows are resolved, not left pending";
  const auto rows = history(dir, "EMP-2");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, "stale");
  EXPECT_NE(rows[0].note.find("changed in Genesys"), std::string::npos) << rows[0].note;
}

TEST(ApproveTest, AllowDestructiveAppliesAPendingSuspendAndAPlanWithoutItDiscardsIt) {
  SimProcess sim;
  sim.seed(seedOrg({kStay1, kStay2, kGone3}, kGrants));
  TempDir dir;
  dir.write("desired/org.yaml", desiredState({kStay1}));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));
  RunResult r = runAgent({"apply", "--config", config, "--auto-approve", "--hold-destructive"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(pendingIds(dir), (std::vector<std::string>{"EMP-2", "EMP-3"}));

  // EMP-2 is back in the desired state; EMP-3 is still removed.
  dir.write("desired/org.yaml", desiredState({kStay1, kStay2}));
  r = runAgent({"apply", "--config", config, "--auto-approve", "--allow-destructive"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(sim.userByExternalId("EMP-2").getBool("active"));
  EXPECT_FALSE(sim.userByExternalId("EMP-3").getBool("active"));
  EXPECT_TRUE(pendingIds(dir).empty());
  auto rows = history(dir, "EMP-2");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, "discarded");
  rows = history(dir, "EMP-3");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, "applied");
  EXPECT_NE(rows[0].note.find("--allow-destructive"), std::string::npos) << rows[0].note;
}

TEST(ApproveTest, HeldDeleteIsApprovedWithItsCleanup) {
  SimProcess sim;
  sim.seed(seedOrg({kStay1, kGone3}, kGrants));
  const std::string gone_id = sim.userByExternalId("EMP-3").getString("id");
  TempDir dir;
  dir.write("desired/org.yaml", desiredState({kStay1}, "  onRemoval: delete\n  archiveDays: 0\n"));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  RunResult r = runAgent({"apply", "--config", config, "--auto-approve", "--hold-destructive"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("- delete EMP-3"), std::string::npos) << r.out;
  Json three = sim.userByExternalId("EMP-3");
  EXPECT_EQ(three.getString("state"), "active") << "a held delete deletes nothing";
  EXPECT_EQ(three.get("grants").asArray().size(), 2u);
  EXPECT_EQ(sim.count("DELETE /scim/v2/users/{id}"), 0);

  sim.resetCounters();
  r = runAgent({"approve", "--config", config, "--externalId", "EMP-3"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  three = sim.userByExternalId("EMP-3");
  EXPECT_EQ(three.getString("state"), "deleted");
  EXPECT_TRUE(three.get("grants").asArray().empty()) << "the clean-up ran before the delete";
  EXPECT_EQ(sim.count("DELETE /scim/v2/users/{id}"), 1);
  EXPECT_EQ(sim.count(kTokens), 1);
  auto store = StateStore::open(dir.file("state.db"));
  ASSERT_TRUE(store.ok());
  auto steps = (*store)->cleanupSteps(gone_id);
  ASSERT_TRUE(steps.ok());
  EXPECT_FALSE(steps->empty()) << "journaled like any delete";
  EXPECT_TRUE(pendingIds(dir).empty());
}

TEST(ApproveTest, SavedPlanIsAppliedWithItsSuspendsHeld) {
  SimProcess sim;
  sim.seed(seedOrg({kStay1, kGone3}, kGrants));
  TempDir dir;
  dir.write("desired/org.yaml", desiredState({kStay1, kNew5}));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));
  RunResult r = runAgent({"plan", "--config", config, "--out", dir.file("plan.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  r = runAgent({"apply", dir.file("plan.json"), "--config", config, "--hold-destructive"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(sim.userByExternalId("EMP-5").getBool("active"));
  EXPECT_TRUE(sim.userByExternalId("EMP-3").getBool("active"));
  EXPECT_EQ(sim.count(kUserPatch), 0);
  EXPECT_EQ(pendingIds(dir), (std::vector<std::string>{"EMP-3"}));
}

TEST(ApproveTest, NothingPendingIsSaidAndHelpDocumentsTheCommand) {
  SimProcess sim;
  sim.seed(seedOrg({kStay1}, kGrants));
  TempDir dir;
  dir.write("desired/org.yaml", desiredState({kStay1}));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  RunResult r = runAgent({"approve", "--config", config, "--all"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Nothing is pending approval."), std::string::npos) << r.out;
  EXPECT_EQ(sim.writes(), 0);
  r = runAgent({"approve", "--config", config});
  EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
  EXPECT_NE(r.err.find("Nothing is pending approval."), std::string::npos) << r.err;

  r = runAgent({"approve", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("usage: scim-agent approve"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--externalId"), std::string::npos) << r.out;
  r = runAgent({"apply", "--help"});
  EXPECT_NE(r.out.find("--hold-destructive"), std::string::npos) << r.out;
  r = runAgent({"apply", "--config", config, "--hold-destructive", "--allow-destructive"});
  EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
}

}  // namespace
}  // namespace scim_agent::testing
