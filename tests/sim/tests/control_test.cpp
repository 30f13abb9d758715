// The /sim/ control API, request counters, fault injection and the Platform endpoints used to
// restore deleted users (genesys-api.md §3.6, §8.5).

#include <string>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

constexpr const char* kEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

class ControlTest : public SimFixture {};

TEST_F(ControlTest, SeedResolvesManagersAndMembersByUserNameOrId) {
  HttpResult result = control("POST", "/sim/seed", R"({
    "users":[
      {"userName":"worker@corp.example","displayName":"Worker",
       "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"boss@corp.example"}}},
      {"id":"boss-id","userName":"boss@corp.example","displayName":"Boss","version":"\"4\""},
      {"userName":"gone@corp.example","displayName":"Gone","deleted":true,"roles":[{"value":"x"}]}],
    "groups":[{"displayName":"Leads","members":["boss-id","worker@corp.example"]}]})");
  ASSERT_EQ(result.status, 200) << result.body;
  auto summary = result.json();
  EXPECT_EQ(summary->getArray("users")->getObject(0)->getValue<std::string>("id"),
            "00000000-0000-4000-8000-000000000001");
  EXPECT_EQ(summary->getArray("users")->getObject(1)->getValue<std::string>("id"), "boss-id");

  auto worker = userByName("worker@corp.example");
  EXPECT_EQ(worker->getObject(kEnterprise)->getObject("manager")->getValue<std::string>("value"),
            "boss-id");
  EXPECT_EQ(worker->getArray("groups")->getObject(0)->getValue<std::string>("display"), "Leads");
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users/boss-id").header("etag"), "\"4\"");

  auto state = control("GET", "/sim/state").json();
  auto users = state->getArray("users");
  ASSERT_EQ(users->size(), 3u);
  EXPECT_TRUE(users->getObject(2)->getValue<bool>("deleted"));
  EXPECT_FALSE(users->getObject(0)->has("deleted"));
  EXPECT_EQ(state->getArray("groups")->getObject(0)->getArray("members")->size(), 2u);
}

TEST_F(ControlTest, SeedIsAllOrNothing) {
  for (
      const std::string bad :
      {R"({"users":[{"userName":"a@x","displayName":"A"},{"userName":"A@x","displayName":"B"}]})",
       R"({"users":[{"userName":"a@x","displayName":"A","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"nobody"}}]})",
       R"({"groups":[{"displayName":"G","members":["ghost"]}]})",
       R"({"roles":["agent"],"users":[{"userName":"a@x","displayName":"A","roles":["boss"]}]})",
       R"({"users":[{"userName":"a@x"}]})", R"([1,2])"}) {
    HttpResult result = control("POST", "/sim/seed", bad);
    EXPECT_EQ(result.status, 400) << bad << " -> " << result.body;
    EXPECT_TRUE(result.json()->has("error"));
  }
  auto state = control("GET", "/sim/state").json();
  EXPECT_EQ(state->getArray("users")->size(), 0u);
  EXPECT_EQ(state->getArray("groups")->size(), 0u);
  // The rejected seed's role catalog was rolled back too: any role is accepted again.
  EXPECT_EQ(api("POST", "/api/v2/scim/v2/Users",
                R"({"userName":"r@x","displayName":"R","roles":[{"value":"boss"}]})")
                .status,
            201);
}

TEST_F(ControlTest, StateIsDeterministicAndStableFormDropsPortDependentParts) {
  const std::string doc =
      R"({"users":[{"userName":"a@corp.example","displayName":"A"}],"groups":[{"displayName":"G","members":["a@corp.example"]}]})";
  seed(doc);
  ASSERT_EQ(api("PATCH", "/api/v2/scim/v2/Users/00000000-0000-4000-8000-000000000001",
                patchBody(R"({"op":"replace","path":"title","value":"T"})"))
                .status,
            200);
  const std::string first = control("GET", "/sim/state?stable=true").body;
  EXPECT_EQ(first.find("lastModified"), std::string::npos);
  EXPECT_EQ(first.find("$ref"), std::string::npos);
  EXPECT_EQ(first.find("127.0.0.1"), std::string::npos);

  // Same requests on a fresh server give the same bytes, full form included.
  const std::string full = control("GET", "/sim/state").body;
  SimServer other(SimOptions{});
  other.start();
  other.seed(doc);
  HttpClient client(other.port());
  const std::string token =
      client
          .send("POST", "/oauth/token",
                "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
                {{"Content-Type", "application/x-www-form-urlencoded"}})
          .json()
          ->getValue<std::string>("access_token");
  EXPECT_EQ(token, token_);  // tokens are deterministic too
  client.send("PATCH", "/api/v2/scim/v2/Users/00000000-0000-4000-8000-000000000001",
              patchBody(R"({"op":"replace","path":"title","value":"T"})"),
              {{"Authorization", "Bearer " + token}, {"Content-Type", "application/scim+json"}});
  EXPECT_EQ(other.stateJson(true), first);
  std::string other_full = other.stateJson(false);
  const std::string other_port = std::to_string(other.port());
  const std::string our_port = std::to_string(server_->port());
  for (size_t at = other_full.find(":" + other_port); at != std::string::npos;
       at = other_full.find(":" + other_port, at + 1)) {
    other_full.replace(at + 1, other_port.size(), our_port);
  }
  EXPECT_EQ(other_full, full);
}

TEST_F(ControlTest, CountersUseNormalisedRouteKeys) {
  seed(
      R"({"users":[{"userName":"a@corp.example","displayName":"A"}],"groups":[{"displayName":"G","id":"g1"}]})");
  const std::string id = "00000000-0000-4000-8000-000000000001";
  ASSERT_EQ(control("POST", "/sim/counters/reset").status, 200);
  api("GET", "/api/v2/scim/v2/Users");
  api("GET", "/api/v2/scim/users/" + id);
  api("PATCH", "/api/v2/scim/v2/Users/" + id,
      patchBody(R"({"op":"replace","path":"title","value":"T"})"));
  api("PATCH", "/api/v2/scim/Groups/g1",
      patchBody(R"({"op":"add","path":"members","value":[{"value":")" + id + R"("}]})"));
  api("GET", "/api/v2/scim/v2/Users?count=500");
  api("GET", "/api/v2/nothing/here");
  fetchToken();
  control("GET", "/sim/state");  // control calls are not counted

  auto counters = control("GET", "/sim/counters").json();
  EXPECT_EQ(counters->getValue<int>("total"), 7);
  auto routes = counters->getObject("routes");
  EXPECT_EQ(routes->getValue<int>("GET /scim/v2/users"), 2);
  EXPECT_EQ(routes->getValue<int>("GET /scim/v2/users/{id}"), 1);
  EXPECT_EQ(routes->getValue<int>("PATCH /scim/v2/users/{id}"), 1);
  EXPECT_EQ(routes->getValue<int>("PATCH /scim/v2/groups/{id}"), 1);
  EXPECT_EQ(routes->getValue<int>("POST /oauth/token"), 1);
  EXPECT_EQ(routes->getValue<int>("GET (unmatched)"), 1);
  EXPECT_EQ(routes->getValue<int>("DELETE /scim/v2/users/{id}"), 0);
  EXPECT_EQ(routes->getValue<int>("POST /platform/users/search"), 0);
  auto statuses = counters->getObject("statuses");
  EXPECT_EQ(statuses->getValue<int>("200"), 5);
  EXPECT_EQ(statuses->getValue<int>("429"), 1);
  EXPECT_EQ(statuses->getValue<int>("404"), 1);
}

TEST_F(ControlTest, ResetEmptiesTheOrgAndRestartsIds) {
  seed(R"({"users":[{"userName":"a@corp.example","displayName":"A"}]})");
  ASSERT_EQ(control("POST", "/sim/reset").status, 200);
  auto emptied = control("GET", "/sim/state").json();
  EXPECT_EQ(emptied->getArray("users")->size(), 0u);
  EXPECT_EQ(emptied->getArray("groups")->size(), 0u);
  EXPECT_EQ(emptied->getArray("queues")->size(), 0u);
  EXPECT_EQ(emptied->getArray("divisions")->size(), 1u);  // Home always exists
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);  // tokens survive
  HttpResult created =
      api("POST", "/api/v2/scim/v2/Users", R"({"userName":"b@corp.example","displayName":"B"})");
  EXPECT_EQ(created.json()->getValue<std::string>("id"), "00000000-0000-4000-8000-000000000001");
}

TEST_F(ControlTest, ConfigRoundTripsAndRejectsNonsense) {
  HttpResult result = control(
      "POST", "/sim/config",
      R"({"versionConflictStatus":409,"enforcePageLimit":false,"tokenTtlSeconds":5,"newIdOnRecreate":true})");
  ASSERT_EQ(result.status, 200);
  auto config = result.json();
  EXPECT_EQ(config->getValue<int>("versionConflictStatus"), 409);
  EXPECT_FALSE(config->getValue<bool>("enforcePageLimit"));
  EXPECT_EQ(config->getValue<int>("tokenTtlSeconds"), 5);
  EXPECT_TRUE(config->getValue<bool>("newIdOnRecreate"));
  EXPECT_EQ(fetchToken().empty(), false);
  EXPECT_EQ(control("POST", "/sim/config", R"({"versionConflictStatus":412})").status, 400);
  EXPECT_EQ(control("POST", "/sim/config", R"({"bogus":1})").status, 400);
  EXPECT_EQ(control("GET", "/sim/nope").status, 404);
}

TEST_F(ControlTest, TouchEditsOutOfBandAndMakesSavedVersionsStale) {
  seed(R"({"users":[{"userName":"a@corp.example","displayName":"A","title":"Agent"}]})");
  const std::string id = "00000000-0000-4000-8000-000000000001";
  HttpResult touched =
      control("POST", "/sim/touch", R"({"userName":"a@corp.example","title":"Supervisor"})");
  ASSERT_EQ(touched.status, 200) << touched.body;
  EXPECT_EQ(touched.json()->getValue<std::string>("title"), "Supervisor");
  EXPECT_EQ(control("POST", "/sim/touch", R"({"id":")" + id + R"("})")
                .json()
                ->getObject("meta")
                ->getValue<std::string>("version"),
            "\"3\"");
  HttpResult stale =
      api("PATCH", "/api/v2/scim/v2/Users/" + id,
          patchBody(R"({"op":"replace","path":"title","value":"Lead"})"), {{"If-Match", "\"1\""}});
  EXPECT_EQ(stale.status, 400);
  EXPECT_EQ(control("POST", "/sim/touch", R"({"userName":"ghost@x"})").status, 404);
}

TEST_F(ControlTest, FaultsFailTheNextMatchingRequests) {
  ASSERT_EQ(control("POST", "/sim/faults",
                    R"({"faults":[{"route":"GET /scim/v2/users","status":503,"count":2},
                                  {"route":"GET /scim/v2/groups","status":429,"retryAfter":3}]})")
                .status,
            200);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 503);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 503);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
  HttpResult limited = api("GET", "/api/v2/scim/v2/Groups");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("retry-after"), "3");
  EXPECT_EQ(limited.json()->getValue<std::string>("code"), "too.many.requests.retry.after");
  EXPECT_EQ(limited.json()->getValue<std::string>("contextId"),
            limited.header("inin-correlation-id"));
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Groups").status, 200);

  ASSERT_EQ(control("POST", "/sim/faults", R"({"drop":true})").status, 200);
  EXPECT_ANY_THROW(api("GET", "/api/v2/scim/v2/Users"));
  http_ = std::make_unique<HttpClient>(server_->port());
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
}

class RateLimitTest : public SimFixture {
 protected:
  SimOptions options() override {
    SimOptions opts;
    opts.rate_limit_per_minute = 5;
    return opts;
  }
};

TEST_F(RateLimitTest, TokenBucketAnswers429WithRetryAfter) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200) << i;
  HttpResult limited = api("GET", "/api/v2/scim/v2/Users");
  EXPECT_EQ(limited.status, 429);
  EXPECT_GE(std::stoi(limited.header("retry-after")), 1);
  token_ = fetchToken();  // the limit is per token
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
}

class PlatformTest : public SimFixture {};

TEST_F(PlatformTest, SearchFindsDeletedUserAndPatchRestoresIt) {
  seed(
      R"({"roles":["agent"],"users":[{"userName":"ann@corp.example","displayName":"Ann","roles":["agent"]}]})");
  const std::string id = "00000000-0000-4000-8000-000000000001";
  ASSERT_EQ(api("DELETE", "/api/v2/scim/v2/Users/" + id).status, 204);

  const std::string query =
      R"({"query":[{"fields":["email"],"value":"ANN@corp.example","type":"EXACT"},
                   {"fields":["state"],"values":["deleted"],"type":"EXACT"}]})";
  HttpResult search =
      api("POST", "/api/v2/users/search", query, {{"Content-Type", "application/json"}});
  ASSERT_EQ(search.status, 200) << search.body;
  auto json = search.json();
  EXPECT_EQ(json->getValue<int>("total"), 1);
  auto hit = json->getArray("results")->getObject(0);
  EXPECT_EQ(hit->getValue<std::string>("id"), id);
  EXPECT_EQ(hit->getValue<std::string>("email"), "ann@corp.example");
  EXPECT_EQ(hit->getValue<std::string>("state"), "deleted");
  EXPECT_EQ(hit->getValue<int>("version"), 2);

  HttpResult active_only =
      api("POST", "/api/v2/users/search",
          R"({"query":[{"fields":["email"],"value":"ann@corp.example","type":"EXACT"}]})",
          {{"Content-Type", "application/json"}});
  EXPECT_EQ(active_only.json()->getValue<int>("total"), 0);

  HttpResult conflict = api("PATCH", "/api/v2/users/" + id, R"({"state":"active","version":1})",
                            {{"Content-Type", "application/json"}});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.json()->getValue<std::string>("code"), "general.conflict");
  EXPECT_EQ(conflict.json()->getValue<int>("status"), 409);

  HttpResult restored = api("PATCH", "/api/v2/users/" + id, R"({"state":"active","version":2})",
                            {{"Content-Type", "application/json"}});
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(restored.json()->getValue<std::string>("state"), "active");
  EXPECT_EQ(restored.json()->getValue<int>("version"), 3);
  HttpResult scim = api("GET", "/api/v2/scim/v2/Users/" + id);
  ASSERT_EQ(scim.status, 200);
  EXPECT_FALSE(scim.json()->has("roles"));  // restore does not bring permissions back
  EXPECT_EQ(scim.header("etag"), "\"3\"");

  auto routes = control("GET", "/sim/counters").json()->getObject("routes");
  EXPECT_EQ(routes->getValue<int>("POST /platform/users/search"), 2);
  EXPECT_EQ(routes->getValue<int>("PATCH /platform/users/{id}"), 2);
  EXPECT_EQ(api("PATCH", "/api/v2/users/nobody", R"({"state":"active","version":1})",
                {{"Content-Type", "application/json"}})
                .json()
                ->getValue<std::string>("code"),
            "not.found");
}

TEST_F(PlatformTest, DiscoveryEndpoints) {
  HttpResult config = api("GET", "/api/v2/scim/v2/ServiceProviderConfig");
  ASSERT_EQ(config.status, 200);
  auto json = config.json();
  EXPECT_TRUE(json->getObject("patch")->getValue<bool>("supported"));
  EXPECT_EQ(json->getObject("filter")->getValue<int>("maxResults"), 25);
  EXPECT_FALSE(json->getObject("bulk")->getValue<bool>("supported"));
  EXPECT_EQ(json->getArray("authenticationSchemes")->getObject(0)->getValue<std::string>("type"),
            "oauthbearertoken");
  HttpResult types = api("GET", "/api/v2/scim/v2/ResourceTypes");
  EXPECT_EQ(types.json()->getValue<int>("totalResults"), 2);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/ResourceTypes/User").status, 200);
  HttpResult unknown = api("GET", "/api/v2/scim/v2/Bulk");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json()->getValue<std::string>("status"), "404");
}

}  // namespace
}  // namespace scim_agent::sim::testing
