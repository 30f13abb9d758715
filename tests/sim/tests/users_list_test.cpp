// GET /Users: active-only default, paging, the count>25 rule, filters and projections
// (genesys-api.md §2.3, §2.4).

#include <string>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

class UsersListTest : public SimFixture {
 protected:
  void SetUp() override {
    SimFixture::SetUp();
    // u1..u60 active, x1..x3 inactive, d1 deleted.
    std::string users;
    for (int i = 1; i <= 60; ++i) {
      const std::string n = std::to_string(i);
      if (!users.empty()) users += ",";
      users +=
          R"({"userName":"u)" + n + R"(@corp.example","displayName":"User )" + n +
          R"(","externalId":"EMP-)" + n + R"(","roles":[{"value":"agent"}],)" +
          R"("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":")" +
          std::to_string(1000 + i) + R"(","division":")" + (i % 2 == 0 ? "Sales" : "Home") +
          R"(","manager":{"value":"u1@corp.example"}}})";
    }
    for (int i = 1; i <= 3; ++i) {
      users += R"(,{"userName":"x)" + std::to_string(i) +
               R"(@corp.example","displayName":"Inactive","active":false})";
    }
    users += R"(,{"userName":"d1@corp.example","displayName":"Deleted","deleted":true})";
    seed(R"({"divisions":["Sales"],"users":[)" + users + "]}");
  }

  HttpResult list(const std::string& query) { return api("GET", "/api/v2/scim/v2/Users" + query); }
};

TEST_F(UsersListTest, DefaultListsActiveUsersOnly) {
  HttpResult result = list("");
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(result.header("content-type"), "application/scim+json");
  auto json = result.json();
  EXPECT_EQ(arr(json->get("schemas"))->getElement<std::string>(0),
            "urn:ietf:params:scim:api:messages:2.0:ListResponse");
  EXPECT_EQ(json->getValue<int>("totalResults"), 60);
  EXPECT_EQ(json->getValue<int>("startIndex"), 1);
  EXPECT_EQ(json->getValue<int>("itemsPerPage"), 25);
  EXPECT_EQ(json->getArray("Resources")->size(), 25u);
  EXPECT_EQ(json->getArray("Resources")->getObject(0)->getValue<std::string>("userName"),
            "u1@corp.example");
}

TEST_F(UsersListTest, ActiveEqFalseListsInactiveOnly) {
  auto json = list("?filter=" + encode("active eq false")).json();
  EXPECT_EQ(json->getValue<int>("totalResults"), 3);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(
        json->getArray("Resources")->getObject(static_cast<unsigned>(i))->getValue<bool>("active"));
  }
  EXPECT_EQ(list("?filter=" + encode("active eq true")).json()->getValue<int>("totalResults"), 60);
}

TEST_F(UsersListTest, PagesCoverEveryActiveUserOnceInCreationOrder) {
  std::vector<std::string> seen;
  int start = 1;
  for (;;) {
    auto json = list("?startIndex=" + std::to_string(start) + "&count=25").json();
    auto resources = json->getArray("Resources");
    EXPECT_EQ(json->getValue<int>("totalResults"), 60);
    for (size_t i = 0; i < resources->size(); ++i) {
      seen.push_back(
          resources->getObject(static_cast<unsigned>(i))->getValue<std::string>("userName"));
    }
    const int items = json->getValue<int>("itemsPerPage");
    if (items == 0) break;
    start += items;
  }
  ASSERT_EQ(seen.size(), 60u);
  for (int i = 0; i < 60; ++i) EXPECT_EQ(seen[i], "u" + std::to_string(i + 1) + "@corp.example");
  auto last = list("?startIndex=51&count=25").json();
  EXPECT_EQ(last->getValue<int>("itemsPerPage"), 10);
  EXPECT_EQ(last->getValue<int>("startIndex"), 51);
}

TEST_F(UsersListTest, CountZeroReturnsOnlyTotal) {
  auto json = list("?count=0").json();
  EXPECT_EQ(json->getValue<int>("totalResults"), 60);
  EXPECT_EQ(json->getValue<int>("itemsPerPage"), 0);
  EXPECT_EQ(json->getArray("Resources")->size(), 0u);
}

TEST_F(UsersListTest, PagesOver25WithExpensiveAttributesAre429) {
  HttpResult result = list("?count=100");
  EXPECT_EQ(result.status, 429);
  EXPECT_EQ(result.header("retry-after"), "1");
  auto json = result.json();
  EXPECT_EQ(json->getValue<std::string>("code"), "too.many.requests.retry.after");
  EXPECT_EQ(json->getValue<int>("status"), 429);
  EXPECT_EQ(json->getValue<std::string>("message"),
            "Rate limit exceeded the maximum. Retry the request in [1] seconds");
  // Only excluding all four of externalId, roles, routingSkills, routingLanguages helps.
  EXPECT_EQ(list("?count=100&excludedAttributes=externalId,roles").status, 429);
  HttpResult ok = list(
      "?count=100&excludedAttributes=externalId,roles,"
      "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:routingSkills,"
      "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:routingLanguages");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()->getValue<int>("itemsPerPage"), 60);
  EXPECT_FALSE(ok.json()->getArray("Resources")->getObject(0)->has("externalId"));
  // Repeated parameters work as well as comma lists.
  EXPECT_EQ(list("?count=100&excludedAttributes=externalId&excludedAttributes=roles"
                 "&excludedAttributes=routingSkills&excludedAttributes=routingLanguages")
                .status,
            200);
  EXPECT_EQ(list("?count=100&attributes=userName,displayName").status, 200);
  EXPECT_EQ(list("?count=25").status, 200);
}

TEST_F(UsersListTest, PageLimitCanBeSwitchedOff) {
  ASSERT_EQ(control("POST", "/sim/config", R"({"enforcePageLimit":false})").status, 200);
  EXPECT_EQ(list("?count=100").json()->getValue<int>("itemsPerPage"), 60);
}

TEST_F(UsersListTest, AttributesProjectionKeepsAlwaysReturnedAttributes) {
  auto user = list("?attributes=displayName&count=1").json()->getArray("Resources")->getObject(0);
  EXPECT_TRUE(user->has("id"));
  EXPECT_TRUE(user->has("userName"));
  EXPECT_TRUE(user->has("active"));
  EXPECT_TRUE(user->has("meta"));
  EXPECT_TRUE(user->has("displayName"));
  EXPECT_FALSE(user->has("externalId"));
  EXPECT_FALSE(user->has("emails"));
  EXPECT_FALSE(user->has("roles"));
  EXPECT_FALSE(user->has("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));

  auto enterprise =
      list(
          "?count=1&attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"
          "employeeNumber")
          .json()
          ->getArray("Resources")
          ->getObject(0)
          ->getObject("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
  ASSERT_FALSE(enterprise.isNull());
  EXPECT_EQ(enterprise->getValue<std::string>("employeeNumber"), "1001");
  EXPECT_FALSE(enterprise->has("division"));

  auto excluded = list(
                      "?count=1&excludedAttributes=id,meta,emails,"
                      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division")
                      .json()
                      ->getArray("Resources")
                      ->getObject(0);
  EXPECT_TRUE(excluded->has("id"));
  EXPECT_TRUE(excluded->has("meta"));
  EXPECT_FALSE(excluded->has("emails"));
  EXPECT_FALSE(excluded->getObject("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
                   ->has("division"));
}

TEST_F(UsersListTest, EqFiltersMatchQuotedAndUnquotedValues) {
  auto total = [&](const std::string& filter) {
    HttpResult result = list("?filter=" + encode(filter));
    EXPECT_EQ(result.status, 200) << filter << ": " << result.body;
    return result.status == 200 ? result.json()->getValue<int>("totalResults") : -1;
  };
  EXPECT_EQ(total(R"(userName eq "U7@Corp.Example")"), 1);
  EXPECT_EQ(total("username eq u7@corp.example"), 1);
  EXPECT_EQ(total("USERNAME EQ 'u7@corp.example'"), 1);
  EXPECT_EQ(total(R"(urn:ietf:params:scim:schemas:core:2.0:User:userName eq "u7@corp.example")"),
            1);
  EXPECT_EQ(total(R"(externalId eq "EMP-7")"), 1);
  EXPECT_EQ(total(R"(externalId eq "emp-7")"), 0);  // caseExact
  EXPECT_EQ(total("email eq u8@corp.example"), 1);
  EXPECT_EQ(total("employeeNumber eq 1009"), 1);
  EXPECT_EQ(
      total(
          R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1009")"),
      1);
  EXPECT_EQ(total("division eq Sales"), 30);
  EXPECT_EQ(total("userName eq nobody@corp.example"), 0);
  // Filters other than `active` also find inactive users; deleted users are never listed.
  EXPECT_EQ(total("userName eq x1@corp.example"), 1);
  EXPECT_EQ(total("userName eq d1@corp.example"), 0);

  const std::string u1 = userByName("u1@corp.example")->getValue<std::string>("id");
  EXPECT_EQ(total("id eq " + u1), 1);
  EXPECT_EQ(total("manager eq " + u1), 60);
  EXPECT_EQ(
      total(
          R"(urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:externalIds[authority eq "x-pc:scimv2:v1" and value eq "EMP-3"])"),
      1);
}

TEST_F(UsersListTest, UnsupportedFiltersAreInvalidFilter) {
  for (const std::string filter :
       {"userName co corp", "userName sw u1", "title eq x", "userName eq u1 and active eq true",
        R"(userName eq "u1@corp.example" or active eq true)", "userName pr", "userName",
        R"(userName eq "unterminated)", "active eq maybe", "name.givenName eq Ann"}) {
    HttpResult result = list("?filter=" + encode(filter));
    EXPECT_EQ(result.status, 400) << filter;
    auto json = result.json();
    EXPECT_EQ(json->getValue<std::string>("scimType"), "invalidFilter") << filter;
    EXPECT_EQ(json->getValue<std::string>("status"), "400") << filter;
  }
}

TEST_F(UsersListTest, BothPathPrefixesAndCaseInsensitiveSegmentsWork) {
  for (const std::string path : {"/api/v2/scim/v2/Users", "/api/v2/scim/v2/users",
                                 "/api/v2/scim/Users", "/api/v2/scim/USERS/"}) {
    HttpResult result = api("GET", path + "?count=1");
    EXPECT_EQ(result.status, 200) << path;
  }
  HttpResult counters = control("GET", "/sim/counters");
  EXPECT_EQ(counters.json()->getObject("routes")->getValue<int>("GET /scim/v2/users"), 4);
}

TEST_F(UsersListTest, BadPagingParametersAre400) {
  EXPECT_EQ(list("?count=abc").status, 400);
  EXPECT_EQ(list("?startIndex=0&count=1").json()->getValue<int>("startIndex"), 1);
}

}  // namespace
}  // namespace scim_agent::sim::testing
