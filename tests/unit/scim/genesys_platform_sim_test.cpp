// GenesysPlatform (sharing its GenesysClient with a GenesysDirectory) + PocoTransport +
// OAuthTokenSource against genesys-sim, in process on 127.0.0.1 port 0. Assertions are on end
// state (/sim/state) and on the simulator's request counters.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "agent/scim/genesys_directory.h"
#include "agent/scim/genesys_platform.h"
#include "agent/scim/http_transport.h"
#include "agent/scim/token_source.h"
#include "tests/sim/sim_server.h"

namespace scim_agent {
namespace {

using std::chrono::milliseconds;

constexpr const char* kJanuary = "2026-01-01T00:00:00.000Z/2026-01-31T00:00:00.000Z";

// Ann is a member of 150 queues (120 joined, 30 not), holds three grants and took part in three
// January conversations; Bob is in one queue and one conversation; Carol was deleted.
std::string seedOrg() {
  std::string queues;
  for (int i = 0; i < 150; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "Q%03d", i);
    if (i) queues += ",";
    queues += R"({"name":")" + std::string(name) +
              R"(","members":[{"userName":"ann@corp.example","joined":)" +
              (i < 120 ? "true" : "false") + "}" +
              (i == 0 ? R"(,{"userName":"bob@corp.example"})" : "") + "]}";
  }
  return R"({"roles":["Agent","Supervisor"],"divisions":["Sales"],
    "users":[
      {"userName":"ann@corp.example","displayName":"Ann","grants":[
        {"role":"Agent"},{"role":"Supervisor","division":"Sales"},{"role":"Agent","division":"Sales"}]},
      {"userName":"bob@corp.example","displayName":"Bob","grants":[{"role":"Agent"}]},
      {"userName":"carol@corp.example","displayName":"Carol","deleted":true,"version":3}],
    "conversations":[
      {"id":"c1","conversationStart":"2026-01-05T10:00:00.000Z","users":["ann@corp.example"]},
      {"id":"c2","conversationStart":"2026-01-06T10:00:00.000Z","users":["ann@corp.example","bob@corp.example"]},
      {"id":"c3","conversationStart":"2026-01-07T10:00:00.000Z","users":["ann@corp.example"]},
      {"id":"c4","conversationStart":"2026-03-01T10:00:00.000Z","users":["ann@corp.example"]}],
    "queues":[)" +
         queues + "]}";
}

class SimPlatformTest : public ::testing::Test {
 protected:
  void start(sim::SimOptions sim_options = {}, double requests_per_minute = 0) {
    server = std::make_unique<sim::SimServer>(std::move(sim_options));
    server->start();
    Result<Json> seeded = parseJson(server->seed(seedOrg()));
    ASSERT_TRUE(seeded.ok());
    for (const Json& user : seeded->get("users").asArray()) {
      ids[user.getString("userName")] = user.getString("id");
    }
    tokens = std::make_unique<OAuthTokenSource>(
        transport, OAuthClientOptions{server->baseUrl(), "demo-client", "demo-secret"});
    GenesysClientOptions options;
    options.api_base = server->baseUrl();
    options.requests_per_minute = requests_per_minute;
    options.burst = 1;
    if (requests_per_minute <= 0) {
      options.sleep = [this](milliseconds d) { sleeps.push_back(d); };  // retries without waiting
    }
    options.random = [] { return 0.5; };
    directory = std::make_unique<GenesysDirectory>(transport, *tokens, options);
    platform = std::make_unique<GenesysPlatform>(directory->client());
  }

  void TearDown() override {
    if (server) server->stop();
  }

  Json state() {
    Result<Json> j = parseJson(server->stateJson(true));
    EXPECT_TRUE(j.ok());
    return j.ok() ? *j : Json();
  }
  Json simUser(const std::string& user_name) {
    const Json org = state();
    for (const Json& user : org.get("users").asArray()) {
      if (user.getString("userName") == user_name) return user;
    }
    ADD_FAILURE() << "no user " << user_name;
    return Json();
  }
  Json counters() {
    Result<Json> j = parseJson(server->countersJson());
    EXPECT_TRUE(j.ok());
    return j.ok() ? *j : Json();
  }
  int routeCount(const std::string& key) {
    return static_cast<int>(counters().get("routes").getNumber(key, 0));
  }
  void fault(const std::string& body) {
    HttpRequest r;
    r.method = "POST";
    r.url = server->baseUrl() + "/sim/faults";
    r.headers.set("Content-Type", "application/json");
    r.body = body;
    Result<HttpResponse> res = transport.send(r);
    ASSERT_TRUE(res.ok()) << res.error().message;
    ASSERT_EQ(res->status, 200) << res->body;
  }

  std::unique_ptr<sim::SimServer> server;
  PocoTransport transport;
  std::unique_ptr<OAuthTokenSource> tokens;
  std::unique_ptr<GenesysDirectory> directory;
  std::unique_ptr<GenesysPlatform> platform;
  std::map<std::string, std::string> ids;  // userName → id
  std::vector<milliseconds> sleeps;
};

TEST_F(SimPlatformTest, ListsJoinedAndUnjoinedQueuesOverEveryPage) {
  start();
  Result<std::vector<QueueMembership>> queues = platform->listUserQueues(ids["ann@corp.example"]);
  ASSERT_TRUE(queues.ok()) << queues.error().message;
  ASSERT_EQ(queues->size(), 150u);
  int joined = 0;
  for (size_t i = 0; i < queues->size(); ++i) {
    if (i > 0) {
      EXPECT_LT(queues->at(i - 1).queue_id, queues->at(i).queue_id);
    }
    if (queues->at(i).joined) ++joined;
  }
  EXPECT_EQ(joined, 120);
  // joined=true: 120 queues on two pages of 100; joined=false: 30 on one page.
  EXPECT_EQ(routeCount("GET /api/v2/users/{userId}/queues"), 3);
  EXPECT_EQ(platform->counters().requests.at("GET /api/v2/users/{userId}/queues"), 3);
}

TEST_F(SimPlatformTest, RemovesFromQueuesUntilNoneAreLeft) {
  start();
  const std::string bob = ids["bob@corp.example"];
  Result<std::vector<QueueMembership>> queues = platform->listUserQueues(bob);
  ASSERT_TRUE(queues.ok()) << queues.error().message;
  ASSERT_EQ(queues->size(), 1u);
  EXPECT_EQ(queues->at(0).queue_name, "Q000");
  ASSERT_TRUE(platform->removeFromQueue(queues->at(0).queue_id, bob).ok());
  EXPECT_TRUE(simUser("bob@corp.example").get("queues").asArray().empty());
  // Again, and from a queue that does not exist: both done already.
  EXPECT_TRUE(platform->removeFromQueue(queues->at(0).queue_id, bob).ok());
  EXPECT_TRUE(platform->removeFromQueue("no-such-queue", bob).ok());
  Result<std::vector<QueueMembership>> after = platform->listUserQueues(bob);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  EXPECT_EQ(routeCount("POST /api/v2/routing/queues/{queueId}/members"), 3);
}

TEST_F(SimPlatformTest, ListsAndRemovesGrants) {
  start();
  const std::string ann = ids["ann@corp.example"];
  Result<std::vector<RoleGrant>> grants = platform->listGrants(ann);
  ASSERT_TRUE(grants.ok()) << grants.error().message;
  ASSERT_EQ(grants->size(), 3u);
  const Json sim_grants = simUser("ann@corp.example").get("grants");
  for (const Json& g : sim_grants.asArray()) {
    const RoleGrant expected{g.getString("roleId"), g.getString("role"), g.getString("divisionId")};
    EXPECT_NE(std::find(grants->begin(), grants->end(), expected), grants->end()) << g.dump();
  }
  ASSERT_TRUE(platform->removeGrants(ann, *grants).ok());
  EXPECT_TRUE(simUser("ann@corp.example").get("grants").asArray().empty());
  Result<std::vector<RoleGrant>> none = platform->listGrants(ann);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(platform->removeGrants(ann, {}).ok());
  EXPECT_EQ(routeCount("POST /api/v2/authorization/subjects/{subjectId}/bulkremove"), 1);
  // Bob's grant is untouched.
  EXPECT_EQ(simUser("bob@corp.example").get("grants").asArray().size(), 1u);
}

TEST_F(SimPlatformTest, RevokesTokens) {
  start();
  ASSERT_TRUE(platform->revokeTokens(ids["ann@corp.example"]).ok());
  EXPECT_EQ(simUser("ann@corp.example").getNumber("tokensRevoked"), 1);
  EXPECT_TRUE(platform->revokeTokens("00000000-0000-4000-8000-999999999999").ok());  // 404
  EXPECT_EQ(routeCount("DELETE /api/v2/tokens/{userId}"), 2);
}

TEST_F(SimPlatformTest, PagesThroughTheUsersConversations) {
  start();
  const std::string ann = ids["ann@corp.example"];
  std::vector<std::string> seen;
  for (int page_number = 1; page_number <= 3; ++page_number) {
    Result<ConversationPage> page = platform->queryConversations(ann, kJanuary, page_number, 2);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_EQ(page->total_hits, 3);
    for (const Json& c : page->conversations) seen.push_back(c.getString("conversationId"));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"c1", "c2", "c3"}));  // ascending by start
  EXPECT_EQ(routeCount("POST /api/v2/analytics/conversations/details/query"), 3);
}

TEST_F(SimPlatformTest, FindsAndRestoresADeletedUser) {
  start();
  Result<std::optional<DeletedUser>> found = platform->findDeletedUser("CAROL@corp.example");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, ids["carol@corp.example"]);
  EXPECT_EQ((*found)->name, "Carol");
  const int64_t version = (*found)->version;

  Status stale = platform->restoreUser((*found)->id, version - 1);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kStale) << stale.error().message;

  ASSERT_TRUE(platform->restoreUser((*found)->id, version).ok());
  Result<std::optional<DeletedUser>> again = platform->findDeletedUser("carol@corp.example");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  Result<std::optional<LiveUser>> live = directory->findUserByUserName("carol@corp.example");
  ASSERT_TRUE(live.ok()) << live.error().message;
  EXPECT_TRUE(live->has_value());

  // A live user is not a deleted one.
  Result<std::optional<DeletedUser>> ann = platform->findDeletedUser("ann@corp.example");
  ASSERT_TRUE(ann.ok());
  EXPECT_FALSE(ann->has_value());
}

TEST_F(SimPlatformTest, ReadsAndSafeWritesAreRetriedAfterFaults) {
  start();
  const std::string ann = ids["ann@corp.example"];
  fault(R"({"faults":[
    {"route":"POST /api/v2/analytics/conversations/details/query","status":503},
    {"route":"POST /api/v2/authorization/subjects/{subjectId}/bulkremove","drop":true},
    {"route":"GET /api/v2/users/{userId}/queues","status":502}]})");
  ASSERT_TRUE(platform->queryConversations(ann, kJanuary, 1, 100).ok());
  Result<std::vector<RoleGrant>> grants = platform->listGrants(ann);
  ASSERT_TRUE(grants.ok());
  ASSERT_TRUE(platform->removeGrants(ann, *grants).ok());
  ASSERT_TRUE(platform->listUserQueues(ann).ok());
  EXPECT_EQ(routeCount("POST /api/v2/analytics/conversations/details/query"), 2);
  EXPECT_EQ(routeCount("POST /api/v2/authorization/subjects/{subjectId}/bulkremove"), 2);
  EXPECT_EQ(routeCount("GET /api/v2/users/{userId}/queues"), 4);
  EXPECT_EQ(platform->counters().retries, 3);
  EXPECT_EQ(sleeps.size(), 3u);
  EXPECT_TRUE(simUser("ann@corp.example").get("grants").asArray().empty());
}

// The directory and the platform share one pacer: interleaved SCIM and Platform requests stay
// under a rate-limited simulator's limit without a single 429.
TEST_F(SimPlatformTest, SharedPacerKeepsBothClientsUnderTheLimit) {
  sim::SimOptions sim_options;
  sim_options.rate_limit_per_minute = 1200;  // 20 per second, 3 at once
  sim_options.rate_limit_burst = 3;
  start(sim_options, /*requests_per_minute=*/600);  // the client paces at 10 per second
  const std::string ann = ids["ann@corp.example"];
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(directory->getUser(ann).ok());
    ASSERT_TRUE(platform->listGrants(ann).ok());
    ASSERT_TRUE(platform->revokeTokens(ann).ok());
  }
  const Json c = counters();
  EXPECT_EQ(c.get("statuses").getNumber("429", 0), 0);
  const GenesysCounters mine = directory->counters();
  EXPECT_EQ(mine.total, 12);
  EXPECT_EQ(mine.retries, 0);
  // The pacer held requests back; how long depends on how long each request itself took (a busy
  // machine waits less), so only that it waited is asserted: timing belongs in benchmarks.
  EXPECT_GT(mine.waited, milliseconds(0));
}

}  // namespace
}  // namespace scim_agent
