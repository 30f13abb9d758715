// Issue #4: the user lifecycle against genesys-sim with its Platform APIs — suspend revokes
// tokens, a removed user is deleted after policy.deleteAfter with its clean-up in order, an
// interrupted delete resumes without repeating finished steps, a deleted user is restored rather
// than created, and webhook notifications survive a receiver that is down.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "tests/support/harness.h"
#include "tests/support/org.h"
#include "tests/support/webhook_receiver.h"

namespace scim_agent::testing {
namespace {

// Every person live and active, in "Everyone", with the grants agent and supervisor, added to
// `base` (queues, conversations).
Json org(const std::vector<Person>& people, const Json& base = Json::object()) {
  return seedOrg(people, {.roles = {"agent", "supervisor"}, .base = base});
}

// The position of the first request on `route` (at or after `from`), -1 when none.
int firstIndex(const Json& log, const std::string& route, int from = 0) {
  const auto& entries = log.asArray();
  for (size_t i = static_cast<size_t>(from); i < entries.size(); ++i) {
    if (entries[i].getString("route") == route) return static_cast<int>(i);
  }
  return -1;
}

int countRoute(const Json& log, const std::string& route) {
  int n = 0;
  for (const auto& e : log.asArray()) n += e.getString("route") == route ? 1 : 0;
  return n;
}

std::map<std::string, std::string> at(const std::string& now) { return {{"SCIM_AGENT_NOW", now}}; }

const std::string kTokens = "DELETE /api/v2/tokens/{userId}";
const std::string kQuery = "POST /api/v2/analytics/conversations/details/query";
const std::string kUserQueues = "GET /api/v2/users/{userId}/queues";
const std::string kQueueMembers = "POST /api/v2/routing/queues/{queueId}/members";
const std::string kSubject = "GET /api/v2/authorization/subjects/{subjectId}";
const std::string kBulkRemove = "POST /api/v2/authorization/subjects/{subjectId}/bulkremove";
const std::string kScimDelete = "DELETE /scim/v2/users/{id}";
const std::string kScimGet = "GET /scim/v2/users/{id}";

TEST(LifecycleTest, TerminationAndRemovalSuspendRevokeTokensAndEndMemberships) {
  SimProcess sim;
  const std::vector<Person> people = {{"EMP-1", "stay@corp.example"},
                                      {"EMP-2", "leaver@corp.example", "terminated"},
                                      {"EMP-3", "removed@corp.example", ""}};
  sim.seed(org(people));
  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(people));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  RunResult r = runAgent({"apply", "--config", config, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const std::string ext : {"EMP-2", "EMP-3"}) {
    const Json u = sim.userByExternalId(ext);
    EXPECT_FALSE(u.getBool("active")) << ext;
    EXPECT_FALSE(inGroup(u, "Everyone")) << ext;
    EXPECT_EQ(u.getNumber("tokensRevoked", -1), 1) << ext << ": every token revoked once";
  }
  const Json stay = sim.userByExternalId("EMP-1");
  EXPECT_TRUE(stay.getBool("active"));
  EXPECT_EQ(stay.getNumber("tokensRevoked", -1), 0);
  EXPECT_EQ(sim.count(kTokens), 2);
  // Suspension keeps role grants (genesys-api.md §3.6): nothing but SCIM, groups and tokens.
  EXPECT_EQ(sim.count(kBulkRemove), 0);

  sim.resetCounters();
  r = runAgent({"apply", "--config", config, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim.writes(), 0) << "a suspended user is not suspended (or revoked) again";
}

TEST(LifecycleTest, RemovedUserIsDeletedAfterTheGracePeriodWithCleanupInOrder) {
  SimProcess sim;
  const std::vector<Person> people = {{"EMP-1", "stay@corp.example"},
                                      {"EMP-2", "gone@corp.example", ""}};
  Json extra = Json::object();
  extra["queues"] = Json(Json::Array{
      Json(Json::Object{{"name", "Support"},
                        {"members", Json(Json::Array{Json(Json::Object{{"userName", "gone@corp.example"}, {"joined", true}}),
                                                     Json("stay@corp.example")})}}),
      Json(Json::Object{{"name", "Billing"},
                        {"members", Json(Json::Array{Json(Json::Object{{"userName", "gone@corp.example"}, {"joined", false}})})}})});
  extra["conversationsPerUser"] = 40;
  extra["conversationDays"] = 200;  // before the sim's clock, 2026-01-01
  sim.seed(org(people, extra));
  const std::string gone_id = sim.userByExternalId("EMP-2").getString("id");
  ASSERT_EQ(sim.userByExternalId("EMP-2").getNumber("conversationCount", 0), 40);

  TempDir dir;
  dir.write("desired/org.yaml",
            desiredYaml(people, {.policy = "  deleteAfter: 30d\n  archiveDays: 365\n"}));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  // Day 0: removed from desired → suspended (the grace period starts).
  RunResult r = runAgent({"apply", "--config", config, "--auto-approve"}, at("2026-02-01T00:00:00Z"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(sim.userByExternalId("EMP-2").getBool("active"));
  EXPECT_EQ(sim.count(kScimDelete), 0);

  // Day 29: still within the grace period: nothing to do.
  r = runAgent({"plan", "--config", config, "--detailed-exitcode"}, at("2026-03-02T00:00:00Z"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // Day 31: deleted, with its clean-up.
  sim.resetCounters();
  r = runAgent({"apply", "--config", config, "--auto-approve"}, at("2026-03-04T00:00:00Z"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("grace period over"), std::string::npos) << r.out;
  const Json gone = sim.userByExternalId("EMP-2");
  EXPECT_EQ(gone.getString("state"), "deleted");
  EXPECT_TRUE(gone.get("queues").asArray().empty()) << "joined and unjoined queues left";
  EXPECT_TRUE(gone.get("grants").asArray().empty());
  EXPECT_EQ(gone.getNumber("tokensRevoked", -1), 2) << "once at suspend, once at delete";
  EXPECT_TRUE(sim.userByExternalId("EMP-1").getBool("active"));

  // The order of SPEC §8, as the simulator saw it.
  const Json log = sim.requests();
  const int archive = firstIndex(log, kQuery);
  const int queues = firstIndex(log, kUserQueues);
  const int leave = firstIndex(log, kQueueMembers);
  const int grants = firstIndex(log, kSubject);
  const int bulk = firstIndex(log, kBulkRemove);
  const int tokens = firstIndex(log, kTokens);
  const int del = firstIndex(log, kScimDelete);
  const int verify = firstIndex(log, kScimGet, del);
  ASSERT_GE(archive, 0);
  EXPECT_LT(archive, queues);
  EXPECT_LT(queues, leave);
  EXPECT_LT(leave, grants);
  EXPECT_LT(grants, bulk);
  EXPECT_LT(bulk, tokens);
  EXPECT_LT(tokens, del);
  EXPECT_GT(verify, del) << "the delete is verified by reading the user back";
  EXPECT_EQ(countRoute(log, kUserQueues), 2) << "joined=true and joined=false";
  EXPECT_EQ(countRoute(log, kQueueMembers), 2);
  EXPECT_EQ(countRoute(log, kQuery), 12) << "365 days in 31-day windows, one page each";

  // Its whole conversation history is in the state DB.
  auto store = StateStore::open(dir.file("state.db"));
  ASSERT_TRUE(store.ok());
  auto archived = (*store)->archivedConversationCount(gone_id);
  ASSERT_TRUE(archived.ok());
  EXPECT_EQ(*archived, 40);
  auto steps = (*store)->cleanupSteps(gone_id);
  ASSERT_TRUE(steps.ok());
  std::vector<std::string> names;
  for (const auto& s : *steps) names.push_back(s.step);
  EXPECT_EQ(names, (std::vector<std::string>{"begin", "archive", "queues", "grants", "tokens",
                                             "delete", "verify", "notify"}));

  sim.resetCounters();
  r = runAgent({"plan", "--config", config, "--detailed-exitcode"}, at("2026-03-05T00:00:00Z"));
  EXPECT_EQ(r.exit_code, 0) << "a deleted user is not listed, so nothing is left to do\n" << r.out;
}

TEST(LifecycleTest, InterruptedDeleteResumesWithoutRepeatingFinishedSteps) {
  SimProcess sim;
  const std::vector<Person> people = {{"EMP-1", "stay@corp.example"},
                                      {"EMP-2", "gone@corp.example", ""}};
  Json extra = Json::object();
  extra["queues"] = Json(Json::Array{Json(Json::Object{
      {"name", "Support"}, {"members", Json(Json::Array{Json("gone@corp.example")})}})});
  extra["conversationsPerUser"] = 5;
  extra["conversationDays"] = 20;
  sim.seed(org(people, extra));
  const std::string gone_id = sim.userByExternalId("EMP-2").getString("id");
  TempDir dir;
  dir.write("desired/org.yaml",
            desiredYaml(people, {.policy = "  onRemoval: delete\n  archiveDays: 62\n"}));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  // The grant removal fails once: the delete stops after its queue step.
  sim.faults(parseJson(
      R"({"failNext":[{"route":"POST /api/v2/authorization/subjects/{subjectId}/bulkremove","status":400,"count":1}]})")
                 .value());
  RunResult r = runAgent({"apply", "--config", config, "--auto-approve"}, at("2026-01-10T00:00:00Z"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("delete stopped at its grants step"), std::string::npos) << r.out;
  Json gone = sim.userByExternalId("EMP-2");
  EXPECT_EQ(gone.getString("state"), "active") << "not deleted while its grants remain";
  EXPECT_TRUE(gone.get("queues").asArray().empty()) << "the queue step finished";
  EXPECT_EQ(gone.get("grants").asArray().size(), 2u);

  sim.resetCounters();
  r = runAgent({"apply", "--config", config, "--auto-approve"}, at("2026-01-10T01:00:00Z"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("resumed an interrupted delete"), std::string::npos) << r.out;
  gone = sim.userByExternalId("EMP-2");
  EXPECT_EQ(gone.getString("state"), "deleted");
  const Json log = sim.requests();
  EXPECT_EQ(countRoute(log, kQuery), 0) << "the archive is not read again";
  EXPECT_EQ(countRoute(log, kUserQueues), 0) << "the queue step is not repeated";
  EXPECT_EQ(countRoute(log, kQueueMembers), 0);
  EXPECT_EQ(countRoute(log, kBulkRemove), 1);
  EXPECT_EQ(countRoute(log, kTokens), 1);
  EXPECT_EQ(countRoute(log, kScimDelete), 1);

  auto store = StateStore::open(dir.file("state.db"));
  ASSERT_TRUE(store.ok());
  auto archived = (*store)->archivedConversationCount(gone_id);
  ASSERT_TRUE(archived.ok());
  EXPECT_EQ(*archived, 5);
}

TEST(LifecycleTest, DeletedUserIsRestoredNotCreated) {
  SimProcess sim;
  const std::vector<Person> people = {{"EMP-1", "stay@corp.example"}};
  Json seed = org(people);
  Json users = seed.get("users");
  users.push(Json(Json::Object{{"userName", "back@corp.example"},
                               {"displayName", "Came Back"},
                               {"externalId", "EMP-9"},
                               {"deleted", true}}));
  seed["users"] = users;
  sim.seed(seed);
  std::string deleted_id;
  const Json seeded = sim.state();
  for (const auto& u : seeded.get("users").asArray()) {
    if (u.getString("userName") == "back@corp.example") deleted_id = u.getString("id");
  }
  ASSERT_FALSE(deleted_id.empty());

  TempDir dir;
  std::vector<Person> desired = people;
  desired.push_back({"EMP-9", "back@corp.example"});
  dir.write("desired/org.yaml", desiredYaml(desired));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  RunResult r = runAgent({"plan", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("+ restore EMP-9"), std::string::npos) << r.out;

  r = runAgent({"apply", "--config", config, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim.count("POST /scim/v2/users"), 0) << "restored, not created anew";
  EXPECT_EQ(sim.count("PATCH /platform/users/{id}"), 1);
  const Json back = sim.userByExternalId("EMP-9");
  EXPECT_EQ(back.getString("id"), deleted_id);
  EXPECT_TRUE(back.getBool("active"));
  EXPECT_EQ(back.getString("state"), "active");
  EXPECT_EQ(back.getString("displayName"), "EMP-9");
  EXPECT_TRUE(inGroup(back, "Everyone"));

  r = runAgent({"plan", "--config", config, "--detailed-exitcode"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(LifecycleTest, NotificationsWaitForAReceiverThatIsDownAndArriveSigned) {
  SimProcess sim;
  const std::vector<Person> people = {{"EMP-1", "stay@corp.example"},
                                      {"EMP-2", "one@corp.example", "terminated"},
                                      {"EMP-3", "two@corp.example", ""}};
  sim.seed(org(people));
  WebhookReceiver receiver;
  const std::string url = receiver.url("/hooks/scim");
  receiver.stop();  // down during the first run

  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(people));
  writeAgentConfig(dir, sim, dir.file("desired"));
  const std::string secret = "webhook-secret-for-tests";
  const std::string config = addWebhookConfig(dir, url, secret);

  RunResult r = runAgent({"apply", "--config", config, "--auto-approve"}, at("2026-02-01T00:00:00Z"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(receiver.received().empty());
  EXPECT_NE(r.err.find("warning: 2 notification(s) wait in the outbox"), std::string::npos)
      << r.err;
  {
    auto store = StateStore::open(dir.file("state.db"));
    ASSERT_TRUE(store.ok());
    auto pending = (*store)->outboxMessages(true);
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(pending->size(), 2u) << "both suspensions wait in the outbox";
  }

  // The receiver comes back; the next run (past the retry backoff) delivers everything.
  receiver.start();
  r = runAgent({"apply", "--config", config, "--auto-approve"}, at("2026-02-01T01:00:00Z"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto got = receiver.accepted();
  ASSERT_EQ(got.size(), 2u);
  std::vector<std::string> who;
  for (const auto& w : got) {
    EXPECT_TRUE(verifyWebhookSignature(w, secret)) << w.body;
    EXPECT_FALSE(verifyWebhookSignature(w, "another-secret"));
    auto body = parseJson(w.body);
    ASSERT_TRUE(body.ok()) << w.body;
    EXPECT_EQ(body->getString("event"), "user.suspended");
    who.push_back(body->getString("externalId"));
  }
  std::sort(who.begin(), who.end());
  EXPECT_EQ(who, (std::vector<std::string>{"EMP-2", "EMP-3"}));

  // Delivered once: a later run sends nothing again.
  r = runAgent({"apply", "--config", config, "--auto-approve"}, at("2026-02-02T00:00:00Z"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(receiver.accepted().size(), 2u);
}

}  // namespace
}  // namespace scim_agent::testing

namespace scim_agent::testing {
namespace {

TEST(LifecycleTest, AFailedTokenRevocationIsRetriedByTheNextRun) {
  SimProcess sim;
  const std::vector<Person> people = {{"EMP-1", "stay@corp.example"},
                                      {"EMP-2", "leaver@corp.example", "terminated"}};
  sim.seed(org(people));
  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(people));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));
  sim.faults(parseJson(R"({"failNext":[{"route":"DELETE /api/v2/tokens/{userId}","status":400,"count":1}]})")
                 .value());

  RunResult r = runAgent({"apply", "--config", config, "--auto-approve"});
  EXPECT_EQ(r.exit_code, 1) << "the suspend is reported failed while tokens stay valid\n" << r.out;
  EXPECT_NE(r.out.find("revoking its tokens failed"), std::string::npos) << r.out;
  Json leaver = sim.userByExternalId("EMP-2");
  EXPECT_FALSE(leaver.getBool("active")) << "the user cannot log in any more";
  EXPECT_EQ(leaver.getNumber("tokensRevoked", -1), 0);

  r = runAgent({"apply", "--config", config, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  leaver = sim.userByExternalId("EMP-2");
  EXPECT_EQ(leaver.getNumber("tokensRevoked", -1), 1) << "revoked by the next run";
  EXPECT_FALSE(leaver.getBool("active"));

  sim.resetCounters();
  r = runAgent({"apply", "--config", config, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim.count(kTokens), 0) << "revoked once, not every run";
}

}  // namespace
}  // namespace scim_agent::testing

namespace scim_agent::testing {
namespace {

// Source integrity with onRemoval: delete: a desired state cut in half deletes nobody and starts
// no clean-up step (no archive read, no queue, grant or token call).
TEST(LifecycleTest, DesiredStateCutInHalfDeletesNobody) {
  SimProcess sim;
  std::vector<Person> people;
  for (int n = 1; n <= 20; ++n) {
    people.push_back({"EMP-" + std::to_string(100 + n), "user" + std::to_string(n) + "@corp.example"});
  }
  sim.seed(org(people));
  TempDir dir;
  const std::string policy = "  onRemoval: delete\n";
  dir.write("desired/org.yaml", desiredYaml(people, {.policy = policy}));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));
  RunResult r = runAgent({"apply", "--config", config, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  std::vector<Person> half = people;
  for (size_t i = 10; i < half.size(); ++i) half[i].status = "";
  dir.write("desired/org.yaml", desiredYaml(half, {.policy = policy}));
  sim.resetCounters();
  r = runAgent({"apply", "--config", config, "--auto-approve"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("shrank from 20 to 10"), std::string::npos) << r.err;
  EXPECT_EQ(sim.writes(), 0);
  const Json log = sim.requests();
  for (const std::string& route : {kQuery, kUserQueues, kSubject, kTokens, kScimDelete}) {
    EXPECT_EQ(countRoute(log, route), 0) << route;
  }
  int active = 0;
  const Json state = sim.state();
  for (const auto& u : state.get("users").asArray()) active += u.getString("state") == "active" ? 1 : 0;
  EXPECT_EQ(active, 20);
}

}  // namespace
}  // namespace scim_agent::testing

namespace scim_agent::testing {
namespace {

// The records of a finished delete are not taken for a new one: a user deleted, brought back by
// someone else, and removed again is deleted again, with its clean-up and a second notification.
TEST(LifecycleTest, AUserRestoredBySomeoneElseIsDeletedAgainAndNotifiedAgain) {
  SimProcess sim;
  const std::vector<Person> people = {{"EMP-1", "stay@corp.example"},
                                      {"EMP-2", "gone@corp.example", ""}};
  sim.seed(org(people));
  WebhookReceiver receiver;
  TempDir dir;
  dir.write("desired/org.yaml",
            desiredYaml(people, {.policy = "  onRemoval: delete\n  archiveDays: 0\n"}));
  writeAgentConfig(dir, sim, dir.file("desired"));
  const std::string config = addWebhookConfig(dir, receiver.url(), "s3cret");
  const std::string id = sim.userByExternalId("EMP-2").getString("id");

  RunResult r = runAgent({"apply", "--config", config, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(sim.userByExternalId("EMP-2").getString("state"), "deleted");

  // An administrator restores the user by hand.
  const Json found = sim.api("POST", "/api/v2/users/search",
                             parseJson(R"({"query":[{"fields":["email"],"value":"gone@corp.example","type":"EXACT"},)"
                                       R"({"fields":["state"],"values":["deleted"],"type":"EXACT"}]})")
                                 .value());
  ASSERT_EQ(found.get("results").asArray().size(), 1u) << found.dump();
  const Json deleted = found.get("results").asArray()[0];
  sim.api("PATCH", "/api/v2/users/" + id,
          Json(Json::Object{{"state", "active"}, {"version", deleted.get("version")}}));
  ASSERT_EQ(sim.userByExternalId("EMP-2").getString("state"), "active");

  sim.resetCounters();
  r = runAgent({"apply", "--config", config, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim.userByExternalId("EMP-2").getString("state"), "deleted");
  EXPECT_EQ(sim.count(kScimDelete), 1);
  EXPECT_EQ(sim.count(kTokens), 1);
  int deletions = 0;
  for (const auto& w : receiver.accepted()) {
    auto body = parseJson(w.body);
    if (body.ok() && body->getString("event") == "user.deleted") ++deletions;
  }
  EXPECT_EQ(deletions, 2);
}

// apply plan.json applies exactly that plan: a user changed since the plan is not deleted, and
// none of its clean-up starts.
TEST(LifecycleTest, SavedPlanDoesNotDeleteAUserChangedSinceThePlan) {
  SimProcess sim;
  const std::vector<Person> people = {{"EMP-1", "stay@corp.example"},
                                      {"EMP-2", "gone@corp.example", ""}};
  sim.seed(org(people));
  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(people, {.policy = "  onRemoval: delete\n"}));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));
  RunResult r = runAgent({"plan", "--config", config, "--out", dir.file("plan.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  sim.touch(Json(Json::Object{{"userName", "gone@corp.example"}, {"title", "Rehired"}}));
  sim.resetCounters();
  r = runAgent({"apply", dir.file("plan.json"), "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("changed in Genesys since the plan"), std::string::npos) << r.out;
  EXPECT_EQ(sim.userByExternalId("EMP-2").getString("state"), "active");
  const Json log = sim.requests();
  for (const std::string& route : {kQuery, kUserQueues, kSubject, kBulkRemove, kTokens, kScimDelete}) {
    EXPECT_EQ(countRoute(log, route), 0) << route;
  }
}

}  // namespace
}  // namespace scim_agent::testing
