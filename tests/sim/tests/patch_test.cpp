// PATCH /Users/{id}: every path family the agent and the gallery IdPs use, and the errors
// (genesys-api.md §5).

#include <string>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

constexpr const char* kEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
constexpr const char* kGenesys =
    "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";

class PatchTest : public SimFixture {
 protected:
  void SetUp() override {
    SimFixture::SetUp();
    seed(R"({"roles":["agent","supervisor","admin"],"divisions":["Sales"],
             "skills":["Billing","Sales"],"languages":["English","French"],
             "users":[
               {"userName":"boss@corp.example","displayName":"Boss"},
               {"userName":"ann@corp.example","displayName":"Ann","title":"Agent",
                "externalId":"EMP-1","roles":[{"value":"agent"}],
                "emails":[{"value":"ann.work@corp.example","type":"work"}],
                "phoneNumbers":[{"value":"+1555","type":"work"}],
                "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User":{
                  "routingSkills":[{"name":"Billing","proficiency":3}]}}]})");
    id_ = userByName("ann@corp.example")->getValue<std::string>("id");
    boss_ = userByName("boss@corp.example")->getValue<std::string>("id");
  }

  HttpResult patch(const std::string& operations) {
    return api("PATCH", "/api/v2/scim/v2/Users/" + id_, patchBody(operations));
  }
  Poco::JSON::Object::Ptr patchOk(const std::string& operations) {
    HttpResult result = patch(operations);
    EXPECT_EQ(result.status, 200) << operations << " -> " << result.body;
    return result.status == 200 ? result.json() : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  }
  std::string patchError(const std::string& operations, int status = 400) {
    HttpResult result = patch(operations);
    EXPECT_EQ(result.status, status) << operations << " -> " << result.body;
    if (result.status != status) return "";
    auto json = result.json();
    return json->has("scimType") ? json->getValue<std::string>("scimType") : "";
  }

  std::string id_;
  std::string boss_;
};

TEST_F(PatchTest, CoreAttributesAndVersionBump) {
  HttpResult result = patch(
      R"({"op":"replace","path":"displayName","value":"Ann B"},
         {"op":"Replace","path":"title","value":"Lead"},
         {"op":"replace","path":"externalId","value":"EMP-9"},
         {"op":"REPLACE","path":"active","value":"False"})");
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(result.header("etag"), "\"2\"");
  auto user = result.json();
  EXPECT_EQ(user->getValue<std::string>("displayName"), "Ann B");
  EXPECT_EQ(user->getValue<std::string>("title"), "Lead");
  EXPECT_EQ(user->getValue<std::string>("externalId"), "EMP-9");
  EXPECT_FALSE(user->getValue<bool>("active"));
  EXPECT_EQ(user->getObject("meta")->getValue<std::string>("version"), "\"2\"");

  user = patchOk(R"({"op":"remove","path":"title"},{"op":"remove","path":"externalId"})");
  EXPECT_FALSE(user->has("title"));
  EXPECT_FALSE(user->has("externalId"));
  EXPECT_FALSE(user->has(kGenesys) && user->getObject(kGenesys)->has("externalIds"));

  user = patchOk(R"({"op":"replace","path":"userName","value":"ann.b@corp.example"})");
  EXPECT_EQ(user->getArray("emails")->getObject(0)->getValue<std::string>("value"),
            "ann.b@corp.example");
}

TEST_F(PatchTest, PathlessReplaceWithObject) {
  auto user = patchOk(std::string(R"({"op":"replace","value":{"active":false,"title":"Okta",")") +
                      kEnterprise + R"(":{"department":"OPS"}}})");
  EXPECT_FALSE(user->getValue<bool>("active"));
  EXPECT_EQ(user->getValue<std::string>("title"), "Okta");
  EXPECT_EQ(user->getObject(kEnterprise)->getValue<std::string>("department"), "OPS");
  EXPECT_EQ(patchError(R"({"op":"remove"})"), "noTarget");
}

TEST_F(PatchTest, WorkEmailAndPhoneNumbers) {
  auto user = patchOk(
      R"({"op":"replace","path":"emails[type eq \"work\"].value","value":"new.work@corp.example"},
         {"op":"add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1666"},
         {"op":"replace","path":"phoneNumbers[type eq \"microsoftteams\"].value","value":"+1777"})");
  auto emails = user->getArray("emails");
  ASSERT_EQ(emails->size(), 2u);
  EXPECT_EQ(emails->getObject(1)->getValue<std::string>("value"), "new.work@corp.example");
  auto phones = user->getArray("phoneNumbers");
  ASSERT_EQ(phones->size(), 3u);
  EXPECT_EQ(phones->getObject(0)->getValue<std::string>("type"), "work");
  EXPECT_EQ(phones->getObject(1)->getValue<std::string>("type"), "mobile");
  EXPECT_EQ(phones->getObject(2)->getValue<std::string>("value"), "+1777");

  user = patchOk(R"({"op":"remove","path":"emails[type eq \"work\"].value"},
                    {"op":"remove","path":"phoneNumbers[type eq \"work\"]"})");
  EXPECT_EQ(user->getArray("emails")->size(), 1u);
  EXPECT_EQ(user->getArray("phoneNumbers")->size(), 2u);

  EXPECT_EQ(
      patchError(R"({"op":"replace","path":"emails[type eq \"other\"].value","value":"x@y"})"),
      "mutability");
  EXPECT_EQ(
      patchError(R"({"op":"replace","path":"phoneNumbers[type eq \"fax\"].value","value":"1"})"),
      "invalidPath");
}

TEST_F(PatchTest, RolesAddReplaceRemove) {
  auto roles = [](const Poco::JSON::Object::Ptr& user) {
    std::string names;
    if (!user->has("roles")) return names;
    auto list = user->getArray("roles");
    for (size_t i = 0; i < list->size(); ++i) {
      if (i) names += ',';  // appended piecewise: GCC 12 -Wrestrict false positive on `"," + s`
      names += list->getObject(static_cast<unsigned>(i))->getValue<std::string>("value");
    }
    return names;
  };
  EXPECT_EQ(roles(patchOk(R"({"op":"add","path":"roles","value":[{"value":"supervisor"}]})")),
            "agent,supervisor");
  EXPECT_EQ(roles(patchOk(R"({"op":"remove","path":"roles","value":[{"value":"agent"}]})")),
            "supervisor");
  EXPECT_EQ(
      roles(patchOk(
          R"({"op":"replace","path":"roles","value":[{"value":"admin"},{"value":"agent"}]})")),
      "admin,agent");
  EXPECT_EQ(roles(patchOk(R"({"op":"remove","path":"roles[value eq \"admin\"]"})")), "agent");
  EXPECT_EQ(roles(patchOk(R"({"op":"remove","path":"roles"})")), "");
  EXPECT_EQ(patchError(R"({"op":"add","path":"roles","value":[{"value":"ceo"}]})"), "invalidValue");
}

TEST_F(PatchTest, EnterpriseExtension) {
  const std::string urn = kEnterprise;
  auto user = patchOk(R"({"op":"add","path":")" + urn + R"(:department","value":"SUPPORT"},
         {"op":"replace","path":")" +
                      urn + R"(:division","value":"Sales"},
         {"op":"replace","path":")" +
                      urn + R"(:employeeNumber","value":"1001"},
         {"op":"replace","path":")" +
                      urn + R"(:dateHire","value":"2024-03-01T08:00:00Z"},
         {"op":"replace","path":")" +
                      urn + R"(:manager","value":{"value":")" + boss_ + R"("}})");
  auto enterprise = user->getObject(kEnterprise);
  EXPECT_EQ(enterprise->getValue<std::string>("department"), "SUPPORT");
  EXPECT_EQ(enterprise->getValue<std::string>("division"), "Sales");
  EXPECT_EQ(enterprise->getValue<std::string>("employeeNumber"), "1001");
  EXPECT_EQ(enterprise->getValue<std::string>("dateHire"), "2024-03-01");
  EXPECT_EQ(enterprise->getObject("manager")->getValue<std::string>("value"), boss_);

  user = patchOk(R"({"op":"replace","path":")" + urn + R"(:manager","value":")" + id_ + R"("})");
  EXPECT_EQ(user->getObject(kEnterprise)->getObject("manager")->getValue<std::string>("value"),
            id_);

  user = patchOk(R"({"op":"remove","path":")" + urn + R"(:manager"},
                    {"op":"remove","path":")" +
                 urn + R"(:division"},
                    {"op":"remove","path":")" +
                 urn + R"(:department"})");
  enterprise = user->getObject(kEnterprise);
  EXPECT_FALSE(enterprise->has("manager"));
  EXPECT_FALSE(enterprise->has("department"));
  EXPECT_EQ(enterprise->getValue<std::string>("division"), "Home");

  EXPECT_EQ(patchError(R"({"op":"replace","path":")" + urn + R"(:manager","value":"nobody"})"),
            "invalidValue");
  EXPECT_EQ(patchError(R"({"op":"replace","path":")" + urn + R"(:division","value":"Mars"})"),
            "invalidValue");
  EXPECT_EQ(patchError(R"({"op":"replace","path":")" + urn + R"(:costCenter","value":"1"})"),
            "invalidPath");
  EXPECT_EQ(patchError(R"({"op":"replace","path":")" + urn + R"(:dateHire","value":"March"})"),
            "invalidValue");
}

TEST_F(PatchTest, RoutingSkillsAndLanguages) {
  const std::string urn = kGenesys;
  auto skills = [](const Poco::JSON::Object::Ptr& user) {
    std::string text;
    if (!user->has(kGenesys) || !user->getObject(kGenesys)->has("routingSkills")) return text;
    auto list = user->getObject(kGenesys)->getArray("routingSkills");
    for (size_t i = 0; i < list->size(); ++i) {
      auto entry = list->getObject(static_cast<unsigned>(i));
      if (i) text += ',';
      text += entry->getValue<std::string>("name") + "=" +
              std::to_string(entry->getValue<int>("proficiency"));
    }
    return text;
  };
  EXPECT_EQ(
      skills(patchOk(
          R"({"op":"add","path":")" + urn +
          R"(:routingSkills","value":[{"name":"Sales","proficiency":2},{"name":"Billing","proficiency":5}]})")),
      "Billing=5,Sales=2");
  EXPECT_EQ(skills(patchOk(R"({"op":"remove","path":")" + urn +
                           R"(:routingSkills","value":[{"name":"Billing"}]})")),
            "Sales=2");
  EXPECT_EQ(skills(patchOk(R"({"op":"replace","path":")" + urn +
                           R"(:routingSkills","value":[{"name":"Billing","proficiency":1}]})")),
            "Billing=1");
  EXPECT_EQ(skills(patchOk(R"({"op":"remove","path":")" + urn + R"(:routingSkills"})")), "");

  auto user = patchOk(R"({"op":"replace","path":")" + urn +
                      R"(:routingLanguages","value":[{"name":"French","proficiency":4.5}]})");
  EXPECT_EQ(user->getObject(kGenesys)
                ->getArray("routingLanguages")
                ->getObject(0)
                ->getValue<double>("proficiency"),
            4.5);
  EXPECT_EQ(patchError(R"({"op":"add","path":")" + urn +
                       R"(:routingLanguages","value":[{"name":"Klingon","proficiency":1}]})"),
            "invalidValue");
  EXPECT_EQ(patchError(R"({"op":"add","path":")" + urn +
                       R"(:routingSkills","value":[{"name":"Sales","proficiency":9}]})"),
            "invalidValue");
}

TEST_F(PatchTest, ExternalIdsByAuthority) {
  const std::string urn = kGenesys;
  auto user = patchOk(R"({"op":"add","path":")" + urn +
                      R"(:externalIds[authority eq 'microsoftteams'].value","value":"T-1"})");
  auto ids = user->getObject(kGenesys)->getArray("externalIds");
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_EQ(ids->getObject(0)->getValue<std::string>("authority"), "x-pc:scimv2:v1");
  EXPECT_EQ(ids->getObject(1)->getValue<std::string>("value"), "T-1");
  EXPECT_EQ(patchError(R"({"op":"replace","path":")" + urn +
                       R"(:externalIds[authority eq 'x-pc:scimv2:v1'].value","value":"Z"})"),
            "mutability");
}

TEST_F(PatchTest, ReadOnlyUnknownAndMalformedRequests) {
  EXPECT_EQ(patchError(R"({"op":"replace","path":"id","value":"x"})"), "mutability");
  EXPECT_EQ(patchError(R"({"op":"replace","path":"meta.version","value":"x"})"), "mutability");
  EXPECT_EQ(patchError(R"({"op":"add","path":"groups","value":[{"value":"g"}]})"), "mutability");
  EXPECT_EQ(patchError(R"({"op":"replace","path":"name.givenName","value":"A"})"), "invalidPath");
  EXPECT_EQ(patchError(R"({"op":"replace","path":"nickName","value":"A"})"), "invalidPath");
  EXPECT_EQ(patchError(R"({"op":"remove","path":"userName"})"), "mutability");
  EXPECT_EQ(patchError(R"({"op":"replace","path":"active","value":"maybe"})"), "invalidValue");
  EXPECT_EQ(patchError(R"({"op":"replace","path":"userName","value":"boss@corp.example"})", 409),
            "uniqueness");
  EXPECT_EQ(patchError(R"({"op":"move","path":"title","value":"x"})"), "invalidSyntax");

  HttpResult no_schema = api("PATCH", "/api/v2/scim/v2/Users/" + id_,
                             R"({"Operations":[{"op":"replace","path":"title","value":"x"}]})");
  EXPECT_EQ(no_schema.status, 400);
  EXPECT_EQ(no_schema.json()->getValue<std::string>("scimType"), "invalidSyntax");
  HttpResult no_ops = api("PATCH", "/api/v2/scim/v2/Users/" + id_,
                          R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})");
  EXPECT_EQ(no_ops.json()->getValue<std::string>("scimType"), "invalidSyntax");
  HttpResult broken = api("PATCH", "/api/v2/scim/v2/Users/" + id_, "{not json");
  EXPECT_EQ(broken.json()->getValue<std::string>("scimType"), "invalidSyntax");

  // A failed request changes nothing, not even the version.
  HttpResult current = api("GET", "/api/v2/scim/v2/Users/" + id_);
  EXPECT_EQ(current.header("etag"), "\"1\"");
  EXPECT_EQ(current.json()->getValue<std::string>("title"), "Agent");
}

TEST_F(PatchTest, IfMatchOnPatch) {
  EXPECT_EQ(
      api("PATCH", "/api/v2/scim/v2/Users/" + id_,
          patchBody(R"({"op":"replace","path":"title","value":"x"})"), {{"If-Match", "\"1\""}})
          .status,
      200);
  HttpResult stale =
      api("PATCH", "/api/v2/scim/v2/Users/" + id_,
          patchBody(R"({"op":"replace","path":"title","value":"y"})"), {{"If-Match", "\"1\""}});
  EXPECT_EQ(stale.status, 400);
  EXPECT_EQ(stale.json()->getValue<std::string>("scimType"), "invalidVers");
}

}  // namespace
}  // namespace scim_agent::sim::testing
