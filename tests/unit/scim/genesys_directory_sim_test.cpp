// GenesysDirectory + PocoTransport + OAuthTokenSource against genesys-sim, in process on
// 127.0.0.1 port 0. Assertions are on end state and on the simulator's request counters.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "agent/codec/json_parse.h"
#include "agent/live/live_reader.h"
#include "agent/scim/genesys_directory.h"
#include "agent/scim/http_transport.h"
#include "agent/scim/token_source.h"
#include "agent/scim/user_codec.h"
#include "tests/sim/sim_server.h"
#include "tests/unit/scim/scripted_transport.h"

namespace scim_agent {
namespace {

using std::chrono::milliseconds;

std::string seedUsers(int active, int inactive) {
  std::string users;
  for (int i = 0; i < active + inactive; ++i) {
    if (i) users += ",";
    const std::string n = std::to_string(i + 1);
    users += R"({"userName":"user)" + n + R"(@corp.example","displayName":"User )" + n +
             R"(","externalId":"EMP-)" + n + R"(","active":)" + (i < active ? "true" : "false") +
             "}";
  }
  return R"({"users":[)" + users + "]}";
}

class SimDirectoryTest : public ::testing::Test {
 protected:
  void start(sim::SimOptions sim_options = {}) {
    server = std::make_unique<sim::SimServer>(std::move(sim_options));
    server->start();
    tokens = std::make_unique<OAuthTokenSource>(
        transport, OAuthClientOptions{server->baseUrl(), "demo-client", "demo-secret"}, now);
    DirectoryOptions options;
    options.api_base = server->baseUrl();
    options.sleep = [this](milliseconds d) { sleeps.push_back(d); };  // retries without waiting
    options.random = [] { return 0.5; };
    directory = std::make_unique<GenesysDirectory>(transport, *tokens, options);
  }

  void TearDown() override {
    if (server) server->stop();
  }

  Json counters() {
    Result<Json> j = parseJson(server->countersJson());
    EXPECT_TRUE(j.ok());
    return j.ok() ? *j : Json();
  }
  int routeCount(const std::string& key) {
    return static_cast<int>(counters().get("routes").getNumber(key, 0));
  }

  // POST to a /sim/ control endpoint through a plain transport.
  void control(const std::string& path, const std::string& body) {
    HttpRequest r;
    r.method = "POST";
    r.url = server->baseUrl() + path;
    r.headers.set("Content-Type", "application/json");
    r.body = body;
    Result<HttpResponse> res = transport.send(r);
    ASSERT_TRUE(res.ok()) << res.error().message;
    ASSERT_EQ(res->status, 200) << path << ": " << res->body;
  }

  Json newUserBody(const std::string& user_name, const std::string& external_id) {
    Result<Json> body = parseJson(R"({
      "schemas":["urn:ietf:params:scim:schemas:core:2.0:User",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
      "userName":")" + user_name + R"(","displayName":"New Person","externalId":")" +
                                  external_id + R"(","title":"Agent","active":true,
      "emails":[{"value":"work-)" + user_name + R"(","type":"work"}],
      "phoneNumbers":[{"value":"+15550100","type":"work"}],
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"SUPPORT",
        "employeeNumber":"1001","dateHire":"2024-03-01"}})");
    EXPECT_TRUE(body.ok()) << body.error().message;
    return *body;
  }

  NowFn now = systemNow();
  PocoTransport transport;
  std::unique_ptr<sim::SimServer> server;
  std::unique_ptr<OAuthTokenSource> tokens;
  std::unique_ptr<GenesysDirectory> directory;
  std::vector<milliseconds> sleeps;
};

TEST_F(SimDirectoryTest, ListsEveryUserInPagesOf25) {
  start();
  server->seed(seedUsers(60, 35));
  server->resetCounters();

  Result<std::vector<LiveUser>> active = directory->listUsers({});
  ASSERT_TRUE(active.ok()) << active.error().message;
  EXPECT_EQ(active->size(), 60u);
  EXPECT_EQ(routeCount("GET /scim/v2/users"), 3);  // ceil(60 / 25)

  ListOptions inactive_list;
  inactive_list.inactive = true;
  Result<std::vector<LiveUser>> inactive = directory->listUsers(inactive_list);
  ASSERT_TRUE(inactive.ok()) << inactive.error().message;
  EXPECT_EQ(inactive->size(), 35u);
  EXPECT_EQ(routeCount("GET /scim/v2/users"), 3 + 2);  // + ceil(35 / 25)
  for (const LiveUser& u : *inactive) EXPECT_FALSE(u.active);

  EXPECT_EQ(routeCount("POST /oauth/token"), 1);
  EXPECT_EQ(directory->counters().requests.at("GET /Users"), 5);
  EXPECT_EQ(transport.connectionsOpened(), 1);  // one kept-alive connection throughout
}

TEST_F(SimDirectoryTest, ReadLiveGetsBothListingsAndGroupsComplete) {
  start();
  server->seed(R"({"users":[{"userName":"a@corp.example","displayName":"A","externalId":"EMP-A"},
                            {"userName":"b@corp.example","displayName":"B","active":false}],
                   "groups":[{"displayName":"Support Agents","members":["a@corp.example"]},
                             {"displayName":"Sales"}]})");
  server->seed(seedUsers(50, 0));  // 50 more active users
  server->resetCounters();

  Result<LiveState> state = readLive(*directory);
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_EQ(state->users.size(), 52u);
  EXPECT_EQ(state->groups.size(), 2u);
  EXPECT_EQ(routeCount("GET /scim/v2/users"), 3 + 1);  // ceil(51/25) + ceil(1/25)
  EXPECT_EQ(routeCount("GET /scim/v2/groups"), 1);

  const auto a = std::find_if(state->users.begin(), state->users.end(),
                              [](const LiveUser& u) { return u.user_name == "a@corp.example"; });
  ASSERT_NE(a, state->users.end());
  EXPECT_EQ(a->external_id, "EMP-A");
  ASSERT_EQ(a->group_ids.size(), 1u);
  const auto support = std::find_if(state->groups.begin(), state->groups.end(),
                                    [](const Group& g) { return g.display_name == "Support Agents"; });
  ASSERT_NE(support, state->groups.end());
  EXPECT_EQ(a->group_ids[0], support->id);
  EXPECT_FALSE(a->version.empty());
}

TEST_F(SimDirectoryTest, ProjectedReadMarksAttributesUnknown) {
  start();
  server->seed(seedUsers(3, 0));
  LiveReadOptions options;
  options.roles = false;
  options.routing_skills = false;
  options.routing_languages = false;
  Result<LiveState> state = readLive(*directory, options);
  ASSERT_TRUE(state.ok()) << state.error().message;
  ASSERT_EQ(state->users.size(), 3u);
  EXPECT_FALSE(state->users[0].roles_known);
  EXPECT_FALSE(state->users[0].routing_skills_known);
  EXPECT_EQ(state->users[0].external_id, "EMP-1");
}

TEST_F(SimDirectoryTest, FindsUserByUserName) {
  start();
  server->seed(seedUsers(2, 1));
  Result<std::optional<LiveUser>> found = directory->findUserByUserName("USER2@corp.example");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->external_id, "EMP-2");
  Result<std::optional<LiveUser>> none = directory->findUserByUserName("nobody@corp.example");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value());
}

TEST_F(SimDirectoryTest, FindsUserByExternalId) {
  start();
  server->seed(seedUsers(2, 1));
  Result<std::optional<LiveUser>> found = directory->findUserByExternalId("EMP-2");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->user_name, "user2@corp.example");
  // An inactive user is found too.
  Result<std::optional<LiveUser>> inactive = directory->findUserByExternalId("EMP-3");
  ASSERT_TRUE(inactive.ok()) << inactive.error().message;
  ASSERT_TRUE(inactive->has_value());
  EXPECT_FALSE((*inactive)->active);
  Result<std::optional<LiveUser>> none = directory->findUserByExternalId("EMP-404");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_FALSE(none->has_value());
  // Quote and backslash travel escaped and come back matched.
  Json body = newUserBody("odd@corp.example", "EMP-ODD");
  body["externalId"] = "EMP-\\\"q";
  Result<LiveUser> created = directory->createUser(body);
  ASSERT_TRUE(created.ok()) << created.error().message;
  Result<std::optional<LiveUser>> odd = directory->findUserByExternalId("EMP-\\\"q");
  ASSERT_TRUE(odd.ok()) << odd.error().message;
  ASSERT_TRUE(odd->has_value());
  EXPECT_EQ((*odd)->id, created->id);
}

TEST_F(SimDirectoryTest, CreatePatchDeleteRoundTrip) {
  start();
  Result<LiveUser> created = directory->createUser(newUserBody("new@corp.example", "EMP-NEW"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_FALSE(created->id.empty());
  EXPECT_EQ(created->external_id, "EMP-NEW");
  EXPECT_EQ(created->user_name, "new@corp.example");
  EXPECT_EQ(created->title, "Agent");
  EXPECT_EQ(created->work_email, "work-new@corp.example");
  EXPECT_EQ(created->department, "SUPPORT");
  EXPECT_EQ(created->date_hire, "2024-03-01");
  ASSERT_EQ(created->phone_numbers.size(), 1u);
  EXPECT_FALSE(created->version.empty());

  Result<LiveUser> patched = directory->patchUser(
      created->id, created->version,
      {{"replace", "title", Json("Lead")},
       {"replace", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        Json("SALES")}});
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ(patched->title, "Lead");
  EXPECT_EQ(patched->department, "SALES");
  EXPECT_NE(patched->version, created->version);

  Result<LiveUser> read = directory->getUser(created->id);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->title, "Lead");
  EXPECT_EQ(read->version, patched->version);

  Result<LiveUser> suspended =
      directory->patchUser(created->id, read->version, {{"replace", "active", Json(false)}});
  ASSERT_TRUE(suspended.ok()) << suspended.error().message;
  EXPECT_FALSE(suspended->active);

  ASSERT_TRUE(directory->deleteUser(created->id, suspended->version).ok());
  Result<LiveUser> gone = directory->getUser(created->id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(directory->deleteUser(created->id, suspended->version).ok());  // 404 = done

  const auto requests = directory->counters().requests;
  EXPECT_EQ(requests.at("POST /Users"), 1);
  EXPECT_EQ(requests.at("PATCH /Users"), 2);
  EXPECT_EQ(requests.at("DELETE /Users"), 2);
  EXPECT_EQ(routeCount("POST /scim/v2/users"), 1);
  EXPECT_EQ(routeCount("PATCH /scim/v2/users/{id}"), 2);
  EXPECT_EQ(routeCount("DELETE /scim/v2/users/{id}"), 2);
}

void expectStaleWrites(GenesysDirectory& directory, const LiveUser& user, int status) {
  Result<LiveUser> first = directory.patchUser(user.id, user.version, {{"replace", "title", Json("A")}});
  ASSERT_TRUE(first.ok()) << first.error().message;
  Result<LiveUser> stale = directory.patchUser(user.id, user.version, {{"replace", "title", Json("B")}});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kStale) << stale.error().message;
  EXPECT_EQ(stale.error().http_status, status);
  EXPECT_NE(stale.error().message.find("PATCH /Users/" + user.id + " → " + std::to_string(status)),
            std::string::npos)
      << stale.error().message;
  Status stale_delete = directory.deleteUser(user.id, user.version);
  ASSERT_FALSE(stale_delete.ok());
  EXPECT_EQ(stale_delete.error().code, ErrorCode::kStale) << stale_delete.error().message;
  Result<LiveUser> now = directory.getUser(user.id);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->title, "A");  // refused, not overwritten
}

TEST_F(SimDirectoryTest, StaleIfMatchIsStaleIn400Mode) {
  start();
  Result<LiveUser> u = directory->createUser(newUserBody("s@corp.example", "EMP-S"));
  ASSERT_TRUE(u.ok()) << u.error().message;
  expectStaleWrites(*directory, *u, 400);
}

TEST_F(SimDirectoryTest, StaleIfMatchIsStaleIn409Mode) {
  sim::SimOptions options;
  options.version_conflict_status = 409;
  start(options);
  Result<LiveUser> u = directory->createUser(newUserBody("s@corp.example", "EMP-S"));
  ASSERT_TRUE(u.ok()) << u.error().message;
  expectStaleWrites(*directory, *u, 409);
}

TEST_F(SimDirectoryTest, OutOfBandEditMakesTheSeenVersionStale) {
  start();
  server->seed(seedUsers(1, 0));
  Result<std::optional<LiveUser>> u = directory->findUserByUserName("user1@corp.example");
  ASSERT_TRUE(u.ok() && u->has_value());
  control("/sim/touch", R"({"userName":"user1@corp.example","title":"Supervisor"})");
  Result<LiveUser> patched =
      directory->patchUser((*u)->id, (*u)->version, {{"replace", "title", Json("Lead")}});
  ASSERT_FALSE(patched.ok());
  EXPECT_EQ(patched.error().code, ErrorCode::kStale);
  EXPECT_EQ(patched.error().scim_type, "invalidVers");
}

TEST_F(SimDirectoryTest, DuplicateUserNameOnCreateIsConflict) {
  start();
  server->seed(seedUsers(1, 0));
  Result<LiveUser> dup = directory->createUser(newUserBody("USER1@corp.example", "EMP-X"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict) << dup.error().message;
  EXPECT_EQ(dup.error().http_status, 409);
  EXPECT_EQ(dup.error().scim_type, "uniqueness");
  EXPECT_EQ(routeCount("POST /scim/v2/users"), 1);
}

TEST_F(SimDirectoryTest, GroupMembersAreAddedAndRemoved) {
  start();
  server->seed(seedUsers(3, 0));
  server->seed(R"({"groups":[{"displayName":"Support Agents","members":["user3@corp.example"]}]})");
  Result<std::vector<Group>> groups = directory->listGroups();
  ASSERT_TRUE(groups.ok()) << groups.error().message;
  ASSERT_EQ(groups->size(), 1u);
  const std::string gid = groups->at(0).id;
  Result<std::vector<LiveUser>> users = directory->listUsers({});
  ASSERT_TRUE(users.ok());
  std::map<std::string, std::string> id_of;
  for (const LiveUser& u : *users) id_of[u.user_name] = u.id;

  ASSERT_TRUE(directory
                  ->patchGroupMembers(gid, {id_of["user1@corp.example"], id_of["user2@corp.example"]},
                                      {id_of["user3@corp.example"]})
                  .ok());
  EXPECT_EQ(routeCount("PATCH /scim/v2/groups/{id}"), 1);
  auto groupsOf = [&](const std::string& name) {
    Result<LiveUser> u = directory->getUser(id_of[name]);
    EXPECT_TRUE(u.ok());
    return u.ok() ? u->group_ids : std::vector<std::string>{"?"};
  };
  EXPECT_EQ(groupsOf("user1@corp.example"), std::vector<std::string>{gid});
  EXPECT_EQ(groupsOf("user2@corp.example"), std::vector<std::string>{gid});
  EXPECT_TRUE(groupsOf("user3@corp.example").empty());

  ASSERT_TRUE(directory->patchGroupMembers(gid, {}, {id_of["user1@corp.example"]}).ok());
  EXPECT_TRUE(groupsOf("user1@corp.example").empty());
  EXPECT_EQ(groupsOf("user2@corp.example"), std::vector<std::string>{gid});

  Status unknown = directory->patchGroupMembers("no-such-group", {id_of["user1@corp.example"]}, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(SimDirectoryTest, RevokedTokenIsRefreshedTransparently) {
  start();
  server->seed(seedUsers(2, 0));
  ASSERT_TRUE(directory->listUsers({}).ok());
  control("/sim/tokens/revoke", "{}");
  Result<std::vector<LiveUser>> users = directory->listUsers({});
  ASSERT_TRUE(users.ok()) << users.error().message;
  EXPECT_EQ(users->size(), 2u);
  EXPECT_EQ(routeCount("POST /oauth/token"), 2);
  EXPECT_EQ(directory->counters().token_refreshes, 1);
}

TEST_F(SimDirectoryTest, ExpiredTokenIsRefreshedTransparently) {
  // The client's clock stands still, so only the server knows the 1 s token has expired: the
  // 401 path. (With a moving clock the client renews it 0.1 s before expiry on its own.)
  testing::ManualClock frozen;
  now = frozen.nowFn();
  sim::SimOptions options;
  options.token_ttl_seconds = 1;
  start(options);
  server->seed(seedUsers(1, 0));
  ASSERT_TRUE(directory->listUsers({}).ok());
  std::this_thread::sleep_for(milliseconds(1100));
  Result<std::vector<LiveUser>> users = directory->listUsers({});
  ASSERT_TRUE(users.ok()) << users.error().message;
  EXPECT_EQ(routeCount("POST /oauth/token"), 2);
  EXPECT_EQ(directory->counters().token_refreshes, 1);
}

TEST_F(SimDirectoryTest, TransientFaultsAreRetriedForReadsButNotForCreates) {
  start();
  server->seed(seedUsers(30, 0));
  // Page 2 fails twice with 503: backoff 3 s, 9 s (jitter fixed at 1.0), then succeeds.
  control("/sim/faults", R"({"route":"GET /scim/v2/users","status":503,"count":2,"after":1})");
  Result<std::vector<LiveUser>> users = directory->listUsers({});
  ASSERT_TRUE(users.ok()) << users.error().message;
  EXPECT_EQ(users->size(), 30u);
  EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(3000), milliseconds(9000)}));
  EXPECT_EQ(routeCount("GET /scim/v2/users"), 4);

  // 429 with Retry-After: 2 → wait 2 s plus 0.25 s jitter.
  sleeps.clear();
  control("/sim/faults", R"({"route":"GET /scim/v2/users","status":429,"retryAfter":2})");
  users = directory->listUsers({});
  ASSERT_TRUE(users.ok()) << users.error().message;
  EXPECT_EQ(users->size(), 30u);
  EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(2250)}));
  EXPECT_EQ(directory->counters().retries, 3);

  control("/sim/faults", R"({"route":"POST /scim/v2/users","status":503})");
  Result<LiveUser> created = directory->createUser(newUserBody("new@corp.example", "EMP-NEW"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(routeCount("POST /scim/v2/users"), 1);
}

TEST_F(SimDirectoryTest, DroppedCreateIsNotResentAndCanBeLookedUp) {
  start();
  control("/sim/faults", R"({"route":"POST /scim/v2/users","drop":true})");
  Result<LiveUser> created = directory->createUser(newUserBody("new@corp.example", "EMP-NEW"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(created.error().message.find("outcome unknown"), std::string::npos)
      << created.error().message;
  EXPECT_EQ(routeCount("POST /scim/v2/users"), 1);
  Result<std::optional<LiveUser>> found = directory->findUserByUserName("new@corp.example");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_FALSE(found->has_value());  // the dropped request never took effect
}

TEST_F(SimDirectoryTest, DroppedReadIsRetried) {
  start();
  server->seed(seedUsers(2, 0));
  control("/sim/faults", R"({"route":"GET /scim/v2/users","drop":true,"count":2})");
  Result<std::vector<LiveUser>> users = directory->listUsers({});
  ASSERT_TRUE(users.ok()) << users.error().message;
  EXPECT_EQ(users->size(), 2u);
}

TEST_F(SimDirectoryTest, RefusedClientIsUnauthorized) {
  start();
  OAuthTokenSource wrong(transport, {server->baseUrl(), "demo-client", "wrong-secret"});
  DirectoryOptions options;
  options.api_base = server->baseUrl();
  GenesysDirectory dir(transport, wrong, options);
  Result<std::vector<LiveUser>> users = dir.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_EQ(users.error().code, ErrorCode::kUnauthorized);
  EXPECT_NE(users.error().message.find("OAuth client demo-client was refused"), std::string::npos)
      << users.error().message;
  EXPECT_EQ(users.error().message.find("wrong-secret"), std::string::npos);
  EXPECT_EQ(routeCount("GET /scim/v2/users"), 0);
}

}  // namespace
}  // namespace scim_agent
