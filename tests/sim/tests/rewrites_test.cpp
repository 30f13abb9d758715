// POST /sim/rewrites: forced discrepancies. A SCIM write that sets a ruled attribute stores and
// answers the rule's value instead of the one sent, `count` times, so agent tests can make a
// write's answer differ from its request (issue 12).

#include <string>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

constexpr const char* kEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
constexpr const char* kFirstId = "00000000-0000-4000-8000-000000000001";

class RewritesTest : public SimFixture {
 protected:
  std::string stored(const std::string& attribute) {
    HttpResult result = api("GET", std::string("/api/v2/scim/v2/Users/") + kFirstId);
    EXPECT_EQ(result.status, 200) << result.body;
    auto user = result.json();
    if (attribute == "department" || attribute == "employeeNumber") {
      auto enterprise = user->getObject(kEnterprise);
      return enterprise && enterprise->has(attribute) ? enterprise->getValue<std::string>(attribute)
                                                      : "";
    }
    return user->has(attribute) ? user->getValue<std::string>(attribute) : "";
  }
  std::string patchTitle(const std::string& title) {
    HttpResult result =
        api("PATCH", std::string("/api/v2/scim/v2/Users/") + kFirstId,
            patchBody(R"({"op":"replace","path":"title","value":")" + title + R"("})"));
    EXPECT_EQ(result.status, 200) << result.body;
    return result.json()->getValue<std::string>("title");
  }
};

TEST_F(RewritesTest, PatchIsAnsweredAndStoredWithTheRewrittenValueCountTimes) {
  seed(R"({"users":[{"userName":"a@corp.example","displayName":"A","title":"Agent"}]})");
  HttpResult added =
      control("POST", "/sim/rewrites",
              R"j({"attribute":"title","value":"Engineer (normalized)","count":2})j");
  ASSERT_EQ(added.status, 200) << added.body;
  auto pending = added.json()->getArray("rewrites");
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->getObject(0)->getValue<int>("remaining"), 2);

  EXPECT_EQ(patchTitle("Engineer"), "Engineer (normalized)");
  EXPECT_EQ(stored("title"), "Engineer (normalized)");
  EXPECT_EQ(patchTitle("Lead"), "Engineer (normalized)");
  EXPECT_EQ(control("GET", "/sim/rewrites").json()->getArray("rewrites")->size(), 0u);
  EXPECT_EQ(patchTitle("Lead"), "Lead") << "used up: the value sent is stored again";
  EXPECT_EQ(stored("title"), "Lead");
}

TEST_F(RewritesTest, OnlyAWriteThatSetsTheAttributeTakesTheRule) {
  seed(R"({"users":[{"userName":"a@corp.example","displayName":"A","title":"Agent"}]})");
  ASSERT_EQ(control("POST", "/sim/rewrites", R"({"attribute":"department","value":"R&D"})").status,
            200);
  // A PATCH of another attribute leaves the rule pending.
  EXPECT_EQ(patchTitle("Engineer"), "Engineer");
  EXPECT_EQ(control("GET", "/sim/rewrites").json()->getArray("rewrites")->size(), 1u);
  // A POST that sets the enterprise department takes it, in its answer and in the store.
  HttpResult created =
      api("POST", "/api/v2/scim/v2/Users",
          std::string(R"({"userName":"b@corp.example","displayName":"B",")") + kEnterprise +
              R"(":{"department":"Research","employeeNumber":"7"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto enterprise = created.json()->getObject(kEnterprise);
  EXPECT_EQ(enterprise->getValue<std::string>("department"), "R&D");
  EXPECT_EQ(enterprise->getValue<std::string>("employeeNumber"), "7");
  EXPECT_EQ(control("GET", "/sim/rewrites").json()->getArray("rewrites")->size(), 0u);
  const std::string state = control("GET", "/sim/state").body;
  EXPECT_NE(state.find("\"R&D\""), std::string::npos);
  EXPECT_EQ(state.find("\"Research\""), std::string::npos);
}

TEST_F(RewritesTest, BadRulesAreRefusedAndResetClearsPendingOnes) {
  for (const std::string bad :
       {R"({"attribute":"shoeSize","value":"9"})", R"({"attribute":"title"})", R"({"value":"x"})",
        R"({"attribute":"title","value":"x","count":0})", R"({"attribute":"title","value":7})",
        R"({"attribute":"title","value":"x","extra":1})"}) {
    HttpResult result = control("POST", "/sim/rewrites", bad);
    EXPECT_EQ(result.status, 400) << bad << " -> " << result.body;
    EXPECT_TRUE(result.json()->has("error")) << bad;
  }
  EXPECT_EQ(control("GET", "/sim/rewrites").json()->getArray("rewrites")->size(), 0u);
  ASSERT_EQ(control("POST", "/sim/rewrites", R"({"attribute":"DisplayName","value":"X"})").status,
            200);
  EXPECT_EQ(control("GET", "/sim/rewrites")
                .json()
                ->getArray("rewrites")
                ->getObject(0)
                ->getValue<std::string>("attribute"),
            "displayName");
  ASSERT_EQ(control("POST", "/sim/reset").status, 200);
  EXPECT_EQ(control("GET", "/sim/rewrites").json()->getArray("rewrites")->size(), 0u);
}

}  // namespace
}  // namespace scim_agent::sim::testing
