// The Platform clean-up APIs (genesys-api.md §8): queues, roles and grants, token revocation,
// the analytics conversation-detail query, and the rules around them (referential delete rule,
// request log, failNext).

#include <ctime>
#include <string>
#include <vector>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

constexpr const char* kEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
constexpr const char* kHomeId = "20000000-0000-4000-8000-000000000001";

class PlatformApiTest : public SimFixture {
 protected:
  // Seeds ann and bob, roles agent/supervisor/admin, division Sales and three queues:
  // Support (ann joined), Billing (ann unjoined), Sales Inbound (bob, in division Sales).
  void seedOrg() {
    seed(R"({"roles":[{"name":"agent","id":"role-agent"},"supervisor","admin"],
             "divisions":[{"name":"Sales","id":"div-sales"}],
             "users":[
               {"id":"ann","userName":"ann@corp.example","displayName":"Ann",
                "roles":[{"value":"agent"}],
                "grants":[{"role":"supervisor","division":"Sales"}]},
               {"id":"bob","userName":"bob@corp.example","displayName":"Bob"}],
             "queues":[
               {"name":"Support","id":"q-support","members":["ann@corp.example"]},
               {"name":"Billing","id":"q-billing",
                "members":[{"user":"ann","joined":false}]},
               {"name":"Sales Inbound","id":"q-sales","division":"div-sales","members":["bob"]}]})");
  }

  Poco::JSON::Object::Ptr getJson(const std::string& target) {
    HttpResult result = api("GET", target);
    EXPECT_EQ(result.status, 200) << target << " -> " << result.body;
    return result.status == 200 ? result.json() : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  }

  static std::vector<std::string> ids(const Poco::JSON::Array::Ptr& list,
                                      const std::string& key = "id") {
    std::vector<std::string> out;
    for (size_t i = 0; i < list->size(); ++i) {
      out.push_back(list->getObject(static_cast<unsigned>(i))->getValue<std::string>(key));
    }
    return out;
  }

  std::vector<std::string> userQueueIds(const std::string& user, const std::string& query = "") {
    return ids(getJson("/api/v2/users/" + user + "/queues" + query)->getArray("entities"));
  }

  std::vector<std::string> scimRoles(const std::string& user) {
    HttpResult result = api("GET", "/api/v2/scim/v2/Users/" + user);
    EXPECT_EQ(result.status, 200) << result.body;
    auto json = result.json();
    return json->has("roles") ? ids(json->getArray("roles"), "value") : std::vector<std::string>{};
  }

  Poco::JSON::Object::Ptr stateUser(const std::string& id) {
    auto users = control("GET", "/sim/state").json()->getArray("users");
    for (size_t i = 0; i < users->size(); ++i) {
      auto user = users->getObject(static_cast<unsigned>(i));
      if (user->getValue<std::string>("id") == id) return user;
    }
    ADD_FAILURE() << "no user " << id << " in /sim/state";
    return new Poco::JSON::Object;
  }

  HttpResult query(const std::string& body) {
    return api("POST", "/api/v2/analytics/conversations/details/query", body,
               {{"Content-Type", "application/json"}});
  }

  static std::string userFilter(const std::string& user) {
    return R"("segmentFilters":[{"type":"and","predicates":[{"type":"dimension",
               "dimension":"userId","operator":"matches","value":")" +
           user + R"("}]}])";
  }
};

using Strings = std::vector<std::string>;

// ---- queues ---------------------------------------------------------------------------------------

TEST_F(PlatformApiTest, UserQueuesDefaultToJoinedTrue) {
  seedOrg();
  EXPECT_EQ(userQueueIds("ann"), Strings{"q-support"});  // the gotcha: Billing is missing
  EXPECT_EQ(userQueueIds("ann", "?joined=true"), Strings{"q-support"});
  EXPECT_EQ(userQueueIds("ann", "?joined=false"), Strings{"q-billing"});

  auto listing = getJson("/api/v2/users/ann/queues?pageSize=25&pageNumber=1");
  EXPECT_EQ(listing->getValue<int>("total"), 1);
  EXPECT_EQ(listing->getValue<int>("pageSize"), 25);
  EXPECT_EQ(listing->getValue<int>("pageNumber"), 1);
  EXPECT_EQ(listing->getValue<int>("pageCount"), 1);
  auto entity = listing->getArray("entities")->getObject(0);
  EXPECT_EQ(entity->getValue<std::string>("name"), "Support");
  EXPECT_TRUE(entity->getValue<bool>("joined"));
  EXPECT_EQ(entity->getValue<int>("memberCount"), 1);
  EXPECT_EQ(entity->getObject("division")->getValue<std::string>("id"), kHomeId);
  EXPECT_EQ(entity->getObject("division")->getValue<std::string>("name"), "Home");

  EXPECT_EQ(api("GET", "/api/v2/users/nobody/queues").status, 404);
  EXPECT_EQ(api("GET", "/api/v2/users/ann/queues?pageSize=0").status, 400);
  auto state = stateUser("ann");
  EXPECT_EQ(state->getArray("queues")->size(), 2u);
  EXPECT_FALSE(state->getArray("queues")->getObject(1)->getValue<bool>("joined"));
}

TEST_F(PlatformApiTest, QueueListingFiltersByWildcardNameAndPages) {
  seedOrg();
  auto all = getJson("/api/v2/routing/queues");
  EXPECT_EQ(ids(all->getArray("entities")), (Strings{"q-billing", "q-sales", "q-support"}));
  EXPECT_EQ(ids(getJson("/api/v2/routing/queues?name=sales*")->getArray("entities")),
            Strings{"q-sales"});
  EXPECT_EQ(ids(getJson("/api/v2/routing/queues?name=*port")->getArray("entities")),
            Strings{"q-support"});
  EXPECT_EQ(ids(getJson("/api/v2/routing/queues?name=*l*")->getArray("entities")),
            (Strings{"q-billing", "q-sales"}));
  EXPECT_EQ(getJson("/api/v2/routing/queues?name=Support")->getValue<int>("total"), 1);
  EXPECT_EQ(getJson("/api/v2/routing/queues?name=Supp")->getValue<int>("total"), 0);
  auto page = getJson("/api/v2/routing/queues?pageSize=2&pageNumber=2");
  EXPECT_EQ(ids(page->getArray("entities")), Strings{"q-support"});
  EXPECT_EQ(page->getValue<int>("total"), 3);
  EXPECT_EQ(page->getValue<int>("pageCount"), 2);
  EXPECT_EQ(getJson("/api/v2/routing/queues?divisionId=div-sales")->getValue<int>("total"), 1);
}

TEST_F(PlatformApiTest, QueueMembersListingFiltersJoined) {
  seedOrg();
  ASSERT_EQ(api("POST", "/api/v2/routing/queues/q-billing/members", R"([{"id":"bob"}])").status,
            204);
  auto members = getJson("/api/v2/routing/queues/q-billing/members");
  EXPECT_EQ(ids(members->getArray("entities")), (Strings{"ann", "bob"}));
  auto first = members->getArray("entities")->getObject(0);
  EXPECT_EQ(first->getValue<std::string>("memberBy"), "user");
  EXPECT_EQ(first->getValue<std::string>("name"), "Ann");
  EXPECT_EQ(first->getObject("user")->getValue<std::string>("id"), "ann");
  EXPECT_FALSE(first->getValue<bool>("joined"));
  EXPECT_EQ(ids(getJson("/api/v2/routing/queues/q-billing/members?joined=true")
                    ->getArray("entities")),
            Strings{"bob"});
  EXPECT_EQ(ids(getJson("/api/v2/routing/queues/q-billing/members?joined=false")
                    ->getArray("entities")),
            Strings{"ann"});
  auto paged = getJson("/api/v2/routing/queues/q-billing/members?pageSize=1&pageNumber=2");
  EXPECT_EQ(ids(paged->getArray("entities")), Strings{"bob"});
  EXPECT_EQ(paged->getValue<int>("pageCount"), 2);
  EXPECT_EQ(api("GET", "/api/v2/routing/queues/q-billing/members?pageSize=101").status, 400);
  EXPECT_EQ(api("GET", "/api/v2/routing/queues/nope/members").status, 404);
}

TEST_F(PlatformApiTest, DeleteQueueMember) {
  seedOrg();
  EXPECT_EQ(api("DELETE", "/api/v2/routing/queues/q-billing/members/ann").status, 204);
  EXPECT_EQ(userQueueIds("ann", "?joined=false"), Strings{});
  HttpResult again = api("DELETE", "/api/v2/routing/queues/q-billing/members/ann");
  EXPECT_EQ(again.status, 404);  // no longer a member
  EXPECT_EQ(again.json()->getValue<std::string>("code"), "not.found");
  EXPECT_EQ(again.json()->getValue<int>("status"), 404);
  EXPECT_TRUE(again.json()->has("message"));
  EXPECT_EQ(api("DELETE", "/api/v2/routing/queues/nope/members/ann").status, 404);
  EXPECT_EQ(api("DELETE", "/api/v2/routing/queues/q-support/members/bob").status, 404);
}

TEST_F(PlatformApiTest, BulkMembersAddDeleteAndTheLimitOf100) {
  seedOrg();
  std::string too_many = "[";
  for (int i = 0; i < 101; ++i) too_many += std::string(i ? "," : "") + R"({"id":"ann"})";
  too_many += "]";
  HttpResult refused = api("POST", "/api/v2/routing/queues/q-sales/members", too_many);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.json()->getValue<std::string>("code"), "bad.request");
  EXPECT_EQ(getJson("/api/v2/routing/queues/q-sales/members")->getValue<int>("total"), 1);

  EXPECT_EQ(api("POST", "/api/v2/routing/queues/q-sales/members?delete=false",
                R"([{"id":"ann"}])")
                .status,
            204);
  EXPECT_EQ(userQueueIds("ann"), (Strings{"q-sales", "q-support"}));  // added joined
  EXPECT_EQ(api("POST", "/api/v2/routing/queues/q-sales/members?delete=true",
                R"([{"id":"ann"},{"id":"bob"}])")
                .status,
            204);
  EXPECT_EQ(getJson("/api/v2/routing/queues/q-sales/members")->getValue<int>("total"), 0);
  EXPECT_EQ(api("POST", "/api/v2/routing/queues/q-sales/members", R"([{"id":"ghost"}])").status,
            400);
  EXPECT_EQ(api("POST", "/api/v2/routing/queues/nope/members", R"([{"id":"ann"}])").status, 404);
  EXPECT_EQ(api("POST", "/api/v2/routing/queues/q-sales/members", R"({"id":"ann"})").status, 400);
}

// ---- roles and grants ----------------------------------------------------------------------------

TEST_F(PlatformApiTest, SubjectListsGrantsAndBulkRemoveAndDeleteRemoveThem) {
  seedOrg();
  auto subject = getJson("/api/v2/authorization/subjects/ann");
  EXPECT_EQ(subject->getValue<std::string>("id"), "ann");
  EXPECT_EQ(subject->getValue<std::string>("name"), "Ann");
  EXPECT_EQ(subject->getValue<int>("version"), 1);
  auto grants = subject->getArray("grants");
  ASSERT_EQ(grants->size(), 2u);
  auto home = grants->getObject(0);
  EXPECT_EQ(home->getValue<std::string>("subjectId"), "ann");
  EXPECT_EQ(home->getObject("role")->getValue<std::string>("id"), "role-agent");
  EXPECT_EQ(home->getObject("role")->getValue<std::string>("name"), "agent");
  EXPECT_EQ(home->getObject("division")->getValue<std::string>("name"), "Home");
  EXPECT_EQ(home->getValue<std::string>("grantMadeAt").size(), 24u);
  auto sales = grants->getObject(1);
  EXPECT_EQ(sales->getObject("division")->getValue<std::string>("id"), "div-sales");
  const std::string supervisor = sales->getObject("role")->getValue<std::string>("id");
  EXPECT_EQ(scimRoles("ann"), (Strings{"agent", "supervisor"}));

  EXPECT_EQ(api("POST", "/api/v2/authorization/subjects/ann/bulkremove",
                R"({"grants":[{"roleId":")" + supervisor + R"(","divisionId":"div-sales"}]})")
                .status,
            204);
  EXPECT_EQ(getJson("/api/v2/authorization/subjects/ann")->getArray("grants")->size(), 1u);
  EXPECT_EQ(getJson("/api/v2/authorization/subjects/ann")->getValue<int>("version"), 2);
  EXPECT_EQ(scimRoles("ann"), Strings{"agent"});
  EXPECT_EQ(api("POST", "/api/v2/authorization/subjects/ann/bulkremove", R"({"grants":{}})")
                .status,
            400);

  const std::string grant_path =
      "/api/v2/authorization/subjects/ann/divisions/" + std::string(kHomeId) + "/roles/role-agent";
  EXPECT_EQ(api("DELETE", grant_path).status, 204);
  EXPECT_EQ(api("DELETE", grant_path).status, 404);  // no such grant any more
  EXPECT_EQ(scimRoles("ann"), Strings{});
  EXPECT_EQ(api("GET", "/api/v2/authorization/subjects/nobody").status, 404);
}

TEST_F(PlatformApiTest, UserRolesGetAndPutReplaceHomeGrants) {
  seedOrg();
  auto roles = getJson("/api/v2/users/ann/roles");
  EXPECT_EQ(ids(roles->getArray("roles"), "name"), (Strings{"agent", "supervisor"}));
  EXPECT_EQ(roles->getArray("unusedRoles")->size(), 0u);
  EXPECT_EQ(roles->getArray("permissions")->size(), 0u);
  EXPECT_EQ(roles->getArray("permissionPolicies")->size(), 0u);

  const std::string admin = ids(getJson("/api/v2/authorization/roles?name=admin")
                                    ->getArray("entities"))
                                .at(0);
  HttpResult put = api("PUT", "/api/v2/users/ann/roles", R"([")" + admin + R"("])",
                       {{"Content-Type", "application/json"}});
  ASSERT_EQ(put.status, 200) << put.body;
  // Home grants replaced (agent -> admin); the Sales grant of supervisor stays.
  EXPECT_EQ(ids(put.json()->getArray("roles"), "name"), (Strings{"admin", "supervisor"}));
  EXPECT_EQ(scimRoles("ann"), (Strings{"admin", "supervisor"}));
  EXPECT_EQ(api("PUT", "/api/v2/users/ann/roles", R"(["no-such-role"])",
                {{"Content-Type", "application/json"}})
                .status,
            400);
}

TEST_F(PlatformApiTest, RoleAndDivisionListings) {
  seedOrg();
  auto roles = getJson("/api/v2/authorization/roles");
  EXPECT_EQ(ids(roles->getArray("entities"), "name"), (Strings{"admin", "agent", "supervisor"}));
  EXPECT_EQ(roles->getValue<int>("total"), 3);
  EXPECT_EQ(ids(getJson("/api/v2/authorization/roles?name=sup*")->getArray("entities"), "name"),
            Strings{"supervisor"});
  auto page = getJson("/api/v2/authorization/roles?pageSize=2&pageNumber=2");
  EXPECT_EQ(ids(page->getArray("entities"), "name"), Strings{"supervisor"});
  EXPECT_EQ(page->getValue<int>("pageCount"), 2);
  auto divisions = getJson("/api/v2/authorization/divisions");
  EXPECT_EQ(ids(divisions->getArray("entities"), "name"), (Strings{"Home", "Sales"}));
  EXPECT_EQ(ids(divisions->getArray("entities")), (Strings{kHomeId, "div-sales"}));
}

TEST_F(PlatformApiTest, ScimRolesWriteHomeGrantsByName) {
  seedOrg();
  HttpResult patched = api("PATCH", "/api/v2/scim/v2/Users/bob",
                           patchBody(R"({"op":"add","path":"roles","value":[{"value":"admin"}]})"));
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto grants = getJson("/api/v2/authorization/subjects/bob")->getArray("grants");
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ(grants->getObject(0)->getObject("role")->getValue<std::string>("name"), "admin");
  EXPECT_EQ(grants->getObject(0)->getObject("division")->getValue<std::string>("id"), kHomeId);

  // A PATCH of another attribute leaves grants in other divisions where they are.
  ASSERT_EQ(api("PATCH", "/api/v2/scim/v2/Users/ann",
                patchBody(R"({"op":"replace","path":"title","value":"Lead"})"))
                .status,
            200);
  EXPECT_EQ(getJson("/api/v2/authorization/subjects/ann")->getArray("grants")->size(), 2u);
  // Removing a role by name removes it in every division.
  ASSERT_EQ(api("PATCH", "/api/v2/scim/v2/Users/ann",
                patchBody(R"({"op":"remove","path":"roles[value eq \"supervisor\"]"})"))
                .status,
            200);
  EXPECT_EQ(getJson("/api/v2/authorization/subjects/ann")->getArray("grants")->size(), 1u);
  HttpResult unknown = api("PATCH", "/api/v2/scim/v2/Users/ann",
                           patchBody(R"({"op":"add","path":"roles","value":[{"value":"ceo"}]})"));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.json()->getValue<std::string>("scimType"), "invalidValue");
  // SCIM PUT and POST write roles too.
  ASSERT_EQ(api("PUT", "/api/v2/scim/v2/Users/ann",
                R"({"userName":"ann@corp.example","displayName":"Ann",
                    "roles":[{"value":"supervisor"},{"value":"admin"}]})")
                .status,
            200);
  EXPECT_EQ(scimRoles("ann"), (Strings{"admin", "supervisor"}));
  HttpResult created = api("POST", "/api/v2/scim/v2/Users",
                           R"({"userName":"cy@corp.example","displayName":"Cy",
                               "roles":[{"value":"agent"}]})");
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(ids(getJson("/api/v2/users/" + created.json()->getValue<std::string>("id") + "/roles")
                    ->getArray("roles")),
            Strings{"role-agent"});
  auto state_grants = stateUser("ann")->getArray("grants");
  EXPECT_EQ(ids(state_grants, "role"), (Strings{"supervisor", "admin"}));
}

TEST_F(PlatformApiTest, WithoutSeededRolesScimCreatesRolesByName) {
  HttpResult created = api("POST", "/api/v2/scim/v2/Users",
                           R"({"userName":"a@x","displayName":"A","roles":[{"value":"b"},{"value":"a"}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(ids(created.json()->getArray("roles"), "value"), (Strings{"a", "b"}));
  EXPECT_EQ(ids(getJson("/api/v2/authorization/roles")->getArray("entities"), "name"),
            (Strings{"a", "b"}));
}

// ---- tokens --------------------------------------------------------------------------------------

TEST_F(PlatformApiTest, TokenRevocationIsCountedPerUser) {
  seedOrg();
  EXPECT_EQ(api("DELETE", "/api/v2/tokens/ann").status, 204);
  EXPECT_EQ(api("DELETE", "/api/v2/tokens/ann").status, 204);  // no tokens left: still 204
  EXPECT_EQ(api("DELETE", "/api/v2/tokens/nobody").status, 404);
  EXPECT_EQ(stateUser("ann")->getValue<int>("tokensRevoked"), 2);
  EXPECT_EQ(stateUser("bob")->getValue<int>("tokensRevoked"), 0);
  auto routes = control("GET", "/sim/counters").json()->getObject("routes");
  EXPECT_EQ(routes->getValue<int>("DELETE /api/v2/tokens/{userId}"), 3);

  HttpResult anonymous = http_->send("DELETE", "/api/v2/tokens/ann");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.json()->getValue<std::string>("code"), "bad.credentials");
  EXPECT_EQ(stateUser("ann")->getValue<int>("tokensRevoked"), 2);

  EXPECT_EQ(api("DELETE", "/api/v2/tokens/me").status, 204);
  EXPECT_EQ(api("GET", "/api/v2/routing/queues").status, 401);  // our own token is gone
}

// ---- analytics -----------------------------------------------------------------------------------

class AnalyticsTest : public PlatformApiTest {
 protected:
  void SetUp() override {
    PlatformApiTest::SetUp();
    seed(R"({"users":[{"id":"ann","userName":"ann@corp.example","displayName":"Ann"},
                      {"id":"bob","userName":"bob@corp.example","displayName":"Bob"},
                      {"id":"gone","userName":"gone@corp.example","displayName":"Gone",
                       "deleted":true}],
             "conversations":[
               {"id":"c3","conversationStart":"2026-01-20T08:00:00.000Z","users":["bob"]},
               {"id":"c1","conversationStart":"2026-01-10T23:30:00.000Z",
                "conversationEnd":"2026-01-10T23:45:00.000Z","users":["ann"]},
               {"id":"c2","conversationStart":"2026-01-11T10:00:00Z",
                "originatingDirection":"outbound",
                "participants":[{"purpose":"customer"},{"userName":"ann@corp.example"},
                                {"userId":"bob","purpose":"agent"}]},
               {"id":"c4","conversationStart":"2026-01-11T11:00:00Z","users":["gone"]}]})");
  }

  Strings hits(const std::string& body) {
    HttpResult result = query(body);
    EXPECT_EQ(result.status, 200) << body << " -> " << result.body;
    if (result.status != 200 || !result.json()->has("conversations")) return {};
    return ids(result.json()->getArray("conversations"), "conversationId");
  }
};

TEST_F(AnalyticsTest, FindsConversationsStartedOnTouchedDaysInStartOrder) {
  // 12:00-13:00 on Jan 11 touches Jan 11: c2 started at 10:00 that day and is found.
  EXPECT_EQ(hits(R"({"interval":"2026-01-11T12:00:00.000Z/2026-01-11T13:00:00.000Z",)" +
                 userFilter("ann") + "}"),
            Strings{"c2"});
  // An interval ending at midnight does not touch the next day.
  EXPECT_EQ(hits(R"({"interval":"2026-01-10T23:59:00.000Z/2026-01-11T00:00:00.000Z",)" +
                 userFilter("ann") + "}"),
            Strings{"c1"});
  EXPECT_EQ(hits(R"({"interval":"2026-01-01T00:00:00.000Z/2026-01-31T00:00:00.000Z",)" +
                 userFilter("bob") + "}"),
            (Strings{"c2", "c3"}));
  EXPECT_EQ(hits(R"({"interval":"2026-01-01T00:00:00.000Z/2026-01-31T00:00:00.000Z",
                     "order":"desc",)" +
                 userFilter("bob") + "}"),
            (Strings{"c3", "c2"}));
  // Deleted users keep their history.
  EXPECT_EQ(hits(R"({"interval":"2026-01-11T00:00:00Z/2026-01-12T00:00:00Z",)" +
                 userFilter("gone") + "}"),
            Strings{"c4"});
  // No filter: every conversation of the touched days.
  EXPECT_EQ(hits(R"({"interval":"2026-01-10T00:00:00Z/2026-01-12T00:00:00Z"})"),
            (Strings{"c1", "c2", "c4"}));

  HttpResult result = query(R"({"interval":"2026-01-11T00:00:00Z/2026-01-12T00:00:00Z",)" +
                            userFilter("ann") + "}");
  auto conversation = result.json()->getArray("conversations")->getObject(0);
  EXPECT_EQ(conversation->getValue<std::string>("conversationStart"), "2026-01-11T10:00:00.000Z");
  EXPECT_EQ(conversation->getValue<std::string>("conversationEnd"), "2026-01-11T10:05:00.000Z");
  EXPECT_EQ(conversation->getValue<std::string>("originatingDirection"), "outbound");
  ASSERT_EQ(conversation->getArray("divisionIds")->size(), 1u);
  EXPECT_EQ(conversation->getArray("divisionIds")->getElement<std::string>(0), kHomeId);
  auto participants = conversation->getArray("participants");
  ASSERT_EQ(participants->size(), 3u);
  EXPECT_EQ(participants->getObject(0)->getValue<std::string>("purpose"), "customer");
  EXPECT_FALSE(participants->getObject(0)->has("userId"));
  EXPECT_EQ(participants->getObject(1)->getValue<std::string>("userId"), "ann");
  EXPECT_EQ(participants->getObject(2)->getValue<std::string>("purpose"), "agent");
  EXPECT_TRUE(participants->getObject(1)->has("participantId"));
  EXPECT_EQ(result.json()->getValue<int>("totalHits"), 1);
}

TEST_F(AnalyticsTest, IntervalIsRequiredAndLimited) {
  const std::string filter = userFilter("ann");
  for (const std::string& bad : {
           std::string(R"({)") + filter + "}",                                  // missing
           std::string(R"({"interval":"yesterday",)") + filter + "}",          // malformed
           std::string(R"({"interval":"2026-01-11T00:00:00Z",)") + filter + "}",  // no end
           std::string(R"({"interval":"2026-01-11T00:00:00Z/2026-01-11T00:00:00Z",)") + filter +
               "}",  // end == start
           std::string(R"({"interval":"2026-01-01T00:00:00Z/2026-02-01T00:00:01Z",)") + filter +
               "}",  // 31 days + 1 s with a filter
           std::string(R"({"interval":"2026-01-01T00:00:00Z/2026-01-08T00:00:01Z"})"),  // 7d+1s
           std::string(R"({"interval":"2026-01-01T00:00:00Z/2026-01-02T00:00:00Z",
                          "paging":{"pageSize":101}})"),
           std::string(R"({"interval":"2026-01-01T00:00:00Z/2026-01-02T00:00:00Z",
                          "paging":{"pageNumber":0}})"),
       }) {
    HttpResult result = query(bad);
    EXPECT_EQ(result.status, 400) << bad << " -> " << result.body;
    if (result.status == 400) {
      EXPECT_EQ(result.json()->getValue<std::string>("code"), "bad.request");
      EXPECT_EQ(result.json()->getValue<int>("status"), 400);
    }
  }
  EXPECT_EQ(query(R"({"interval":"2026-01-01T00:00:00Z/2026-02-01T00:00:00Z",)" + filter + "}")
                .status,
            200);  // exactly 31 days
  EXPECT_EQ(query(R"({"interval":"2026-01-01T00:00:00Z/2026-01-08T00:00:00Z"})").status, 200);
}

TEST_F(AnalyticsTest, PagingAndAnEmptyPageOmitsConversations) {
  const std::string interval = R"("interval":"2026-01-01T00:00:00Z/2026-01-31T00:00:00Z",)";
  EXPECT_EQ(hits("{" + interval + R"("paging":{"pageSize":1,"pageNumber":2},)" +
                 userFilter("bob") + "}"),
            Strings{"c3"});
  HttpResult beyond = query("{" + interval + R"("paging":{"pageSize":1,"pageNumber":3},)" +
                            userFilter("bob") + "}");
  ASSERT_EQ(beyond.status, 200);
  EXPECT_FALSE(beyond.json()->has("conversations"));
  EXPECT_EQ(beyond.json()->getValue<int>("totalHits"), 2);
  HttpResult none = query(R"({"interval":"2025-01-01T00:00:00Z/2025-01-02T00:00:00Z"})");
  EXPECT_EQ(none.body, R"({"totalHits":0})");
}

TEST_F(AnalyticsTest, GeneratorSpreadsConversationsDeterministically) {
  seed(R"({"conversationsPerUser":120,"conversationDays":400,
           "conversationsUntil":"2026-06-01T00:00:00Z"})");
  auto state = control("GET", "/sim/state").json();
  EXPECT_EQ(state->getValue<int>("conversationCount"), 4 + 3 * 120);
  // 13 windows of 31 days cover the 400 days: every generated conversation of ann is found once.
  int total = 0;
  const int64_t day_ms = 86'400'000;
  const int64_t end_ms = 1780272000000;  // 2026-06-01T00:00:00Z
  std::string first_page;
  for (int w = 0; w < 13; ++w) {
    const int64_t to = end_ms - w * 31 * day_ms;
    const int64_t from = to - 31 * day_ms;
    auto iso = [](int64_t ms) {
      const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
      char buffer[32];
      std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&seconds));
      return std::string(buffer);
    };
    HttpResult result = query(R"({"interval":")" + iso(from) + "/" + iso(to) +
                              R"(","paging":{"pageSize":100},)" + userFilter("ann") + "}");
    ASSERT_EQ(result.status, 200) << result.body;
    total += result.json()->getValue<int>("totalHits");
    if (w == 0) first_page = result.body;
  }
  EXPECT_EQ(total, 120 + 2);  // + ann's explicit c1 and c2

  SimServer other(SimOptions{});
  other.start();
  other.seed(R"({"users":[{"id":"ann","userName":"ann@corp.example","displayName":"Ann"},
                          {"id":"bob","userName":"bob@corp.example","displayName":"Bob"},
                          {"id":"gone","userName":"gone@corp.example","displayName":"Gone",
                           "deleted":true}],
                 "conversations":[
                   {"id":"c3","conversationStart":"2026-01-20T08:00:00.000Z","users":["bob"]},
                   {"id":"c1","conversationStart":"2026-01-10T23:30:00.000Z",
                    "conversationEnd":"2026-01-10T23:45:00.000Z","users":["ann"]},
                   {"id":"c2","conversationStart":"2026-01-11T10:00:00Z",
                    "originatingDirection":"outbound",
                    "participants":[{"purpose":"customer"},{"userName":"ann@corp.example"},
                                    {"userId":"bob","purpose":"agent"}]},
                   {"id":"c4","conversationStart":"2026-01-11T11:00:00Z","users":["gone"]}]})");
  other.seed(R"({"conversationsPerUser":120,"conversationDays":400,
                 "conversationsUntil":"2026-06-01T00:00:00Z"})");
  EXPECT_EQ(other.stateJson(true), server_->stateJson(true));
}

TEST_F(AnalyticsTest, GeneratorDefaultsToTheLogicalClock) {
  HttpResult seeded = control("POST", "/sim/seed",
                              R"({"conversationsPerUser":3,"conversationDays":2})");
  ASSERT_EQ(seeded.status, 200) << seeded.body;
  const std::string now = seeded.json()->getValue<std::string>("now");
  EXPECT_EQ(seeded.json()->getValue<int>("conversations"), 9);
  EXPECT_EQ(control("GET", "/sim/state").json()->getValue<std::string>("now"), now);
  // All of bob's generated conversations lie in the two days before now (his explicit c2 and
  // c3 come later in January).
  HttpResult result = query(R"({"interval":"2025-12-29T00:00:00Z/)" + now + R"(",)" +
                            userFilter("bob") + "}");
  EXPECT_EQ(result.json()->getValue<int>("totalHits"), 3) << result.body;
  EXPECT_EQ(control("POST", "/sim/seed", R"({"conversationsPerUser":-1,"conversationDays":2})")
                .status,
            400);
}

// ---- delete rule, restore ------------------------------------------------------------------------

TEST_F(PlatformApiTest, ScimDeleteIsRefusedWhileTheUserIsInQueues) {
  seedOrg();
  HttpResult refused = api("DELETE", "/api/v2/scim/v2/Users/ann");
  ASSERT_EQ(refused.status, 409);
  auto error = refused.json();
  EXPECT_EQ(error->getValue<std::string>("status"), "409");
  EXPECT_NE(error->getValue<std::string>("detail").find("still a member of 2 queues"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(stateUser("ann")->getValue<std::string>("state"), "active");
  EXPECT_EQ(scimRoles("ann"), (Strings{"agent", "supervisor"}));  // nothing changed

  ASSERT_EQ(api("DELETE", "/api/v2/routing/queues/q-support/members/ann").status, 204);
  ASSERT_EQ(api("POST", "/api/v2/routing/queues/q-billing/members?delete=true",
                R"([{"id":"ann"}])")
                .status,
            204);
  ASSERT_EQ(api("DELETE", "/api/v2/scim/v2/Users/ann").status, 204);
  auto state = stateUser("ann");
  EXPECT_EQ(state->getValue<std::string>("state"), "deleted");
  EXPECT_EQ(state->getArray("grants")->size(), 0u);  // §3.6: every permission removed
  EXPECT_EQ(state->getObject(kEnterprise)->getValue<std::string>("division"), "Home");
  EXPECT_EQ(getJson("/api/v2/authorization/subjects/ann")->getArray("grants")->size(), 0u);
}

TEST_F(PlatformApiTest, DeleteRuleCanBeSwitchedOff) {
  seedOrg();
  HttpResult config = control("POST", "/sim/config", R"({"deleteRequiresQueueCleanup":false})");
  ASSERT_EQ(config.status, 200);
  EXPECT_FALSE(config.json()->getValue<bool>("deleteRequiresQueueCleanup"));
  ASSERT_EQ(api("DELETE", "/api/v2/scim/v2/Users/bob").status, 204);
  EXPECT_EQ(getJson("/api/v2/routing/queues/q-sales/members")->getValue<int>("total"), 0);
  EXPECT_EQ(stateUser("bob")->getArray("queues")->size(), 0u);
}

class DeleteRuleOffTest : public PlatformApiTest {
 protected:
  SimOptions options() override {
    SimOptions opts;
    opts.delete_requires_queue_cleanup = false;
    return opts;
  }
};

TEST_F(DeleteRuleOffTest, OptionSwitchesTheRuleOff) {
  seedOrg();
  EXPECT_EQ(api("DELETE", "/api/v2/scim/v2/Users/ann").status, 204);
}

TEST_F(PlatformApiTest, DeletedUserIsFoundBySearchAndRestoredWithoutGrants) {
  seedOrg();
  ASSERT_EQ(api("DELETE", "/api/v2/scim/v2/Users/bob",  {}, {}).status, 409);
  ASSERT_EQ(api("DELETE", "/api/v2/routing/queues/q-sales/members/bob").status, 204);
  ASSERT_EQ(api("PATCH", "/api/v2/scim/v2/Users/bob",
                patchBody(R"({"op":"add","path":"roles","value":[{"value":"agent"}]})"))
                .status,
            200);
  ASSERT_EQ(api("DELETE", "/api/v2/scim/v2/Users/bob").status, 204);
  HttpResult search = api("POST", "/api/v2/users/search",
                          R"({"query":[{"fields":["email"],"value":"bob@corp.example","type":"EXACT"},
                                       {"fields":["state"],"values":["deleted"],"type":"EXACT"}]})",
                          {{"Content-Type", "application/json"}});
  ASSERT_EQ(search.status, 200) << search.body;
  auto json = search.json();
  EXPECT_EQ(json->getValue<int>("total"), 1);
  EXPECT_EQ(json->getValue<int>("pageSize"), 25);
  EXPECT_EQ(json->getValue<int>("pageNumber"), 1);
  EXPECT_EQ(json->getValue<int>("pageCount"), 1);
  auto hit = json->getArray("results")->getObject(0);
  EXPECT_EQ(hit->getValue<std::string>("id"), "bob");
  EXPECT_EQ(hit->getValue<std::string>("name"), "Bob");
  EXPECT_EQ(hit->getValue<std::string>("email"), "bob@corp.example");
  EXPECT_EQ(hit->getValue<std::string>("state"), "deleted");
  const int version = hit->getValue<int>("version");

  HttpResult stale = api("PATCH", "/api/v2/users/bob",
                         R"({"state":"active","version":)" + std::to_string(version - 1) + "}",
                         {{"Content-Type", "application/json"}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.json()->getValue<std::string>("code"), "general.conflict");
  HttpResult restored = api("PATCH", "/api/v2/users/bob",
                            R"({"state":"active","version":)" + std::to_string(version) + "}",
                            {{"Content-Type", "application/json"}});
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(restored.json()->getValue<std::string>("state"), "active");
  EXPECT_EQ(scimRoles("bob"), Strings{});  // restore brings no permissions back
  EXPECT_EQ(stateUser("bob")->getValue<std::string>("state"), "active");
}

TEST_F(PlatformApiTest, UserListingByStatePagesInCreationOrder) {
  seed(R"({"users":[
             {"id":"a1","userName":"a1@corp.example","displayName":"A1"},
             {"id":"d1","userName":"d1@corp.example","displayName":"D1","deleted":true},
             {"id":"i1","userName":"i1@corp.example","displayName":"I1","active":false},
             {"id":"d2","userName":"D2@corp.example","displayName":"D2","deleted":true},
             {"id":"d3","userName":"d3@corp.example","displayName":"D3","deleted":true}]})");
  auto first = getJson("/api/v2/users?state=deleted&pageSize=2&pageNumber=1");
  EXPECT_EQ(ids(first->getArray("entities")), (Strings{"d1", "d2"}));
  EXPECT_EQ(first->getValue<int>("pageSize"), 2);
  EXPECT_EQ(first->getValue<int>("pageNumber"), 1);
  EXPECT_EQ(first->getValue<int>("total"), 3);
  EXPECT_EQ(first->getValue<int>("pageCount"), 2);
  auto d2 = first->getArray("entities")->getObject(1);
  EXPECT_EQ(d2->getValue<std::string>("email"), "D2@corp.example");
  EXPECT_EQ(d2->getValue<std::string>("username"), "D2@corp.example");
  EXPECT_EQ(d2->getValue<std::string>("state"), "deleted");
  EXPECT_EQ(d2->getValue<std::string>("name"), "D2");
  EXPECT_GE(d2->getValue<int>("version"), 1);
  auto second = getJson("/api/v2/users?state=DELETED&pageSize=2&pageNumber=2");
  EXPECT_EQ(ids(second->getArray("entities")), Strings{"d3"});
  EXPECT_EQ(ids(getJson("/api/v2/users?state=deleted&pageSize=2&pageNumber=3")
                    ->getArray("entities")),
            Strings{});
  // state defaults to active; page size to 25.
  auto active = getJson("/api/v2/users");
  EXPECT_EQ(ids(active->getArray("entities")), Strings{"a1"});
  EXPECT_EQ(active->getValue<int>("pageSize"), 25);
  EXPECT_EQ(ids(getJson("/api/v2/users?state=inactive")->getArray("entities")), Strings{"i1"});
  EXPECT_EQ(ids(getJson("/api/v2/users?state=any")->getArray("entities")),
            (Strings{"a1", "d1", "i1", "d2", "d3"}));
  EXPECT_EQ(api("GET", "/api/v2/users?state=gone").status, 400);
  EXPECT_EQ(api("GET", "/api/v2/users?pageSize=101").status, 400);
  EXPECT_EQ(api("GET", "/api/v2/users?pageNumber=0").status, 400);
  EXPECT_EQ(api("POST", "/api/v2/users", "{}").status, 405);
  EXPECT_EQ(http_->send("GET", "/api/v2/users").status, 401);
  // Counted as one route, whatever the query.
  ASSERT_EQ(control("POST", "/sim/counters/reset").status, 200);
  getJson("/api/v2/users?state=deleted&pageSize=2&pageNumber=2");
  getJson("/api/v2/users?state=any");
  auto routes = control("GET", "/sim/counters").json()->getObject("routes");
  EXPECT_EQ(routes->getValue<int>("GET /api/v2/users"), 2);
}

// ---- request log, failNext, auth -----------------------------------------------------------------

TEST_F(PlatformApiTest, RequestLogRecordsApiCallsInOrder) {
  seedOrg();
  ASSERT_EQ(control("POST", "/sim/counters/reset").status, 200);
  api("DELETE", "/api/v2/routing/queues/q-support/members/ann");
  control("GET", "/sim/state");  // control calls are not logged
  api("POST", "/api/v2/authorization/subjects/ann/bulkremove", R"({"grants":[]})");
  api("DELETE", "/api/v2/tokens/ann?force=true");
  api("DELETE", "/api/v2/scim/v2/Users/ann");
  auto log = arr(Poco::JSON::Parser().parse(control("GET", "/sim/requests").body));
  ASSERT_EQ(log->size(), 4u);
  auto entry = [&](unsigned i) { return log->getObject(i); };
  EXPECT_EQ(entry(0)->getValue<int>("seq"), 1);
  EXPECT_EQ(entry(0)->getValue<std::string>("method"), "DELETE");
  EXPECT_EQ(entry(0)->getValue<std::string>("path"), "/api/v2/routing/queues/q-support/members/ann");
  EXPECT_EQ(entry(0)->getValue<std::string>("route"),
            "DELETE /api/v2/routing/queues/{queueId}/members/{memberId}");
  EXPECT_EQ(entry(0)->getValue<int>("status"), 204);
  EXPECT_EQ(entry(1)->getValue<std::string>("route"),
            "POST /api/v2/authorization/subjects/{subjectId}/bulkremove");
  EXPECT_EQ(entry(2)->getValue<std::string>("path"), "/api/v2/tokens/ann");  // no query
  EXPECT_EQ(entry(3)->getValue<std::string>("route"), "DELETE /scim/v2/users/{id}");
  EXPECT_EQ(entry(3)->getValue<int>("status"), 409);  // still in Billing
  EXPECT_EQ(entry(3)->getValue<int>("seq"), 4);

  auto since = arr(Poco::JSON::Parser().parse(control("GET", "/sim/requests?since=3").body));
  EXPECT_EQ(since->size(), 1u);
  ASSERT_EQ(control("POST", "/sim/counters/reset").status, 200);
  EXPECT_EQ(control("GET", "/sim/requests").body, "[]");
  api("GET", "/api/v2/routing/queues");
  ASSERT_EQ(control("POST", "/sim/reset").status, 200);
  EXPECT_EQ(control("GET", "/sim/requests").body, "[]");
}

TEST_F(PlatformApiTest, FailNextAnswersTheStatusAndDoesNothing) {
  seedOrg();
  HttpResult armed = control("POST", "/sim/faults", R"({"failNext":[
      {"route":"POST /api/v2/authorization/subjects/{id}/bulkremove","status":500,"count":1}]})");
  ASSERT_EQ(armed.status, 200) << armed.body;
  const std::string body = R"({"grants":[{"roleId":"role-agent","divisionId":")" +
                           std::string(kHomeId) + R"("}]})";
  EXPECT_EQ(api("GET", "/api/v2/authorization/subjects/ann").status, 200);  // other route
  HttpResult failed = api("POST", "/api/v2/authorization/subjects/ann/bulkremove", body);
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.json()->getValue<int>("status"), 500);
  EXPECT_TRUE(failed.json()->has("code"));
  EXPECT_TRUE(failed.json()->has("message"));
  EXPECT_EQ(scimRoles("ann"), (Strings{"agent", "supervisor"}));  // nothing removed
  EXPECT_EQ(api("POST", "/api/v2/authorization/subjects/ann/bulkremove", body).status, 204);
  EXPECT_EQ(scimRoles("ann"), Strings{"supervisor"});

  ASSERT_EQ(control("POST", "/sim/faults", R"({"failNext":[
      {"route":"DELETE /api/v2/routing/queues/{queueId}/members/{memberId}","status":503,
       "count":2}]})")
                .status,
            200);
  EXPECT_EQ(api("DELETE", "/api/v2/routing/queues/q-support/members/ann").status, 503);
  EXPECT_EQ(api("DELETE", "/api/v2/routing/queues/q-support/members/ann").status, 503);
  EXPECT_EQ(api("DELETE", "/api/v2/routing/queues/q-support/members/ann").status, 204);
}

TEST_F(PlatformApiTest, PlatformRoutesNeedTheTokenAndRefuseOtherMethods) {
  seedOrg();
  for (const std::string& target :
       {std::string("/api/v2/users/ann/queues"), std::string("/api/v2/routing/queues"),
        std::string("/api/v2/authorization/subjects/ann"),
        std::string("/api/v2/authorization/roles"), std::string("/api/v2/authorization/divisions")}) {
    HttpResult result = http_->send("GET", target);
    EXPECT_EQ(result.status, 401) << target;
    EXPECT_EQ(result.json()->getValue<std::string>("code"), "bad.credentials");
  }
  HttpResult wrong = api("DELETE", "/api/v2/routing/queues");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.json()->getValue<int>("status"), 405);
  EXPECT_EQ(wrong.header("allow"), "GET");
  EXPECT_EQ(api("PATCH", "/api/v2/users/ann/roles", "[]").header("allow"), "GET, PUT");
}

class PlatformRateLimitTest : public PlatformApiTest {
 protected:
  SimOptions options() override {
    SimOptions opts;
    opts.rate_limit_per_minute = 3;
    opts.rate_limit_burst = 3;
    return opts;
  }
};

TEST_F(PlatformRateLimitTest, PlatformRoutesShareTheRateLimit) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(api("GET", "/api/v2/routing/queues").status, 200);
  HttpResult limited = api("DELETE", "/api/v2/tokens/me");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.json()->getValue<std::string>("code"), "too.many.requests.retry.after");
}

}  // namespace
}  // namespace scim_agent::sim::testing
