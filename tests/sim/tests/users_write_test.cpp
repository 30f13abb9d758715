// POST / GET / PUT / DELETE on /Users: shapes, uniqueness, revival of deleted users, ETags and
// If-Match (genesys-api.md §2.2, §3, §4).

#include <string>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

constexpr const char* kEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
constexpr const char* kGenesys =
    "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";

const std::string kFullUser = R"({
  "schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
  "userName":"ann@corp.example","displayName":"Ann Example","title":"Agent","externalId":"EMP-1",
  "name":{"givenName":"Ann"},
  "emails":[{"value":"ann@corp.example","type":"other","primary":true},
            {"value":"ann.work@corp.example","type":"work"}],
  "phoneNumbers":[{"value":"+15550100","type":"work"},{"value":"+15550199","type":"Mobile"}],
  "roles":[{"value":"agent"}],
  "groups":[{"value":"ignored"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{
     "department":"SUPPORT","division":"Sales","employeeNumber":"1001",
     "dateHire":"2024-03-01T00:00:00Z"},
  "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User":{
     "routingSkills":[{"name":"Billing","proficiency":3}],
     "routingLanguages":[{"name":"English","proficiency":5.0}]}
})";

class UsersWriteTest : public SimFixture {
 protected:
  void SetUp() override {
    SimFixture::SetUp();
    seed(R"({"roles":["agent","supervisor"],"divisions":["Sales"],"skills":["Billing","Sales"],
             "languages":["English","French"],
             "users":[{"userName":"boss@corp.example","displayName":"Boss"}]})");
  }

  HttpResult create(const std::string& body) { return api("POST", "/api/v2/scim/v2/Users", body); }
};

TEST_F(UsersWriteTest, PostCreatesUserInGenesysShape) {
  HttpResult result = create(kFullUser);
  ASSERT_EQ(result.status, 201) << result.body;
  auto user = result.json();
  const std::string id = user->getValue<std::string>("id");
  EXPECT_EQ(id, "00000000-0000-4000-8000-000000000002");
  EXPECT_EQ(result.header("location"), server_->baseUrl() + "/api/v2/scim/v2/Users/" + id);
  EXPECT_EQ(result.header("etag"), "\"1\"");
  EXPECT_EQ(result.header("content-type"), "application/scim+json");

  EXPECT_EQ(arr(user->get("schemas"))->size(), 3u);
  EXPECT_EQ(user->getValue<std::string>("externalId"), "EMP-1");
  EXPECT_EQ(user->getValue<std::string>("title"), "Agent");
  EXPECT_TRUE(user->getValue<bool>("active"));
  EXPECT_FALSE(user->has("name"));
  EXPECT_FALSE(user->has("groups"));  // read-only on users
  auto emails = user->getArray("emails");
  ASSERT_EQ(emails->size(), 2u);
  EXPECT_EQ(emails->getObject(0)->getValue<std::string>("type"), "other");
  EXPECT_EQ(emails->getObject(0)->getValue<std::string>("value"), "ann@corp.example");
  EXPECT_TRUE(emails->getObject(0)->getValue<bool>("primary"));
  EXPECT_EQ(emails->getObject(1)->getValue<std::string>("value"), "ann.work@corp.example");
  auto phones = user->getArray("phoneNumbers");
  ASSERT_EQ(phones->size(), 2u);
  EXPECT_EQ(phones->getObject(1)->getValue<std::string>("type"), "mobile");
  EXPECT_EQ(user->getArray("roles")->getObject(0)->getValue<std::string>("value"), "agent");
  auto enterprise = user->getObject(kEnterprise);
  EXPECT_EQ(enterprise->getValue<std::string>("division"), "Sales");
  EXPECT_EQ(enterprise->getValue<std::string>("dateHire"), "2024-03-01");
  auto genesys = user->getObject(kGenesys);
  EXPECT_EQ(genesys->getArray("routingSkills")->getObject(0)->getValue<double>("proficiency"), 3.0);
  EXPECT_NE(result.body.find(R"("proficiency":3.0)"), std::string::npos);
  auto external_ids = genesys->getArray("externalIds");
  ASSERT_EQ(external_ids->size(), 1u);
  EXPECT_EQ(external_ids->getObject(0)->getValue<std::string>("authority"), "x-pc:scimv2:v1");
  auto meta = user->getObject("meta");
  EXPECT_EQ(meta->getValue<std::string>("resourceType"), "User");
  EXPECT_EQ(meta->getValue<std::string>("version"), "\"1\"");
  EXPECT_EQ(meta->getValue<std::string>("location"), result.header("location"));
  EXPECT_EQ(meta->getValue<std::string>("lastModified").size(), 24u);
}

TEST_F(UsersWriteTest, MinimalUserOmitsUnsetAttributes) {
  HttpResult result = create(R"({"userName":"min@corp.example","displayName":"Min"})");
  ASSERT_EQ(result.status, 201) << result.body;
  auto user = result.json();
  EXPECT_FALSE(user->has("externalId"));
  EXPECT_FALSE(user->has("title"));
  EXPECT_FALSE(user->has("roles"));
  EXPECT_FALSE(user->has(kGenesys));
  EXPECT_EQ(user->getObject(kEnterprise)->getValue<std::string>("division"), "Home");
  EXPECT_EQ(user->getArray("emails")->size(), 1u);
}

TEST_F(UsersWriteTest, PostValidatesRequiredAndKnownValues) {
  auto scimType = [&](const std::string& body) {
    HttpResult result = create(body);
    EXPECT_EQ(result.status, 400) << body << " -> " << result.body;
    return result.status == 400 ? result.json()->getValue<std::string>("scimType") : "";
  };
  EXPECT_EQ(scimType(R"({"displayName":"No Name"})"), "invalidValue");
  EXPECT_EQ(scimType(R"({"userName":"a@corp.example"})"), "invalidValue");
  EXPECT_EQ(
      scimType(R"({"userName":"a@corp.example","displayName":"A","roles":[{"value":"ceo"}]})"),
      "invalidValue");
  EXPECT_EQ(scimType(std::string(R"({"userName":"a@corp.example","displayName":"A",")") +
                     kEnterprise + R"(":{"division":"Nowhere"}})"),
            "invalidValue");
  EXPECT_EQ(scimType(std::string(R"({"userName":"a@corp.example","displayName":"A",")") +
                     kEnterprise + R"(":{"manager":{"value":"no-such-id"}}})"),
            "invalidValue");
  EXPECT_EQ(scimType(std::string(R"({"userName":"a@corp.example","displayName":"A",")") + kGenesys +
                     R"(":{"routingSkills":[{"name":"billing","proficiency":1}]}})"),
            "invalidValue");  // skill names are case-sensitive
  EXPECT_EQ(scimType(std::string(R"({"userName":"a@corp.example","displayName":"A",")") + kGenesys +
                     R"(":{"routingSkills":[{"name":"Billing","proficiency":7}]}})"),
            "invalidValue");
  EXPECT_EQ(
      scimType(
          R"({"userName":"a@corp.example","displayName":"A","phoneNumbers":[{"value":"1","type":"fax"}]})"),
      "invalidValue");
  EXPECT_EQ(scimType(R"({"userName":"a@corp.example",)"), "invalidSyntax");
  EXPECT_EQ(scimType(R"(["not an object"])"), "invalidSyntax");
}

TEST_F(UsersWriteTest, WrongContentTypeIs415) {
  HttpResult result =
      api("POST", "/api/v2/scim/v2/Users", R"({"userName":"a@corp.example","displayName":"A"})",
          {{"Content-Type", "text/plain"}});
  EXPECT_EQ(result.status, 415);
  EXPECT_EQ(
      api("POST", "/api/v2/scim/v2/Users", R"({"userName":"a@corp.example","displayName":"A"})",
          {{"Content-Type", "application/json; charset=utf-8"}})
          .status,
      201);
}

TEST_F(UsersWriteTest, DuplicateUserNameIs409Uniqueness) {
  ASSERT_EQ(create(R"({"userName":"dup@corp.example","displayName":"One"})").status, 201);
  HttpResult result = create(R"({"userName":"DUP@corp.example","displayName":"Two"})");
  EXPECT_EQ(result.status, 409);
  auto json = result.json();
  EXPECT_EQ(json->getValue<std::string>("status"), "409");
  EXPECT_EQ(json->getValue<std::string>("scimType"), "uniqueness");
  EXPECT_EQ(json->getValue<std::string>("detail"), "User name already in use by non-deleted user.");
  EXPECT_EQ(arr(json->get("schemas"))->getElement<std::string>(0),
            "urn:ietf:params:scim:api:messages:2.0:Error");
}

TEST_F(UsersWriteTest, GetByIdHonoursIfNoneMatchAnd404s) {
  const std::string id = create(kFullUser).json()->getValue<std::string>("id");
  HttpResult result = api("GET", "/api/v2/scim/v2/Users/" + id);
  ASSERT_EQ(result.status, 200);
  EXPECT_EQ(result.header("etag"), "\"1\"");
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users/" + id, "", {{"If-None-Match", "\"1\""}}).status,
            304);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users/" + id, "", {{"If-None-Match", "W/\"1\""}}).status,
            304);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users/" + id, "", {{"If-None-Match", "\"2\""}}).status,
            200);
  HttpResult missing = api("GET", "/api/v2/scim/v2/Users/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json()->getValue<std::string>("status"), "404");
  auto projected = api("GET", "/api/v2/scim/v2/Users/" + id + "?attributes=title").json();
  EXPECT_TRUE(projected->has("title"));
  EXPECT_FALSE(projected->has("displayName"));
}

TEST_F(UsersWriteTest, PutReplacesWritableAttributesAndBumpsVersion) {
  const std::string id = create(kFullUser).json()->getValue<std::string>("id");
  HttpResult result = api("PUT", "/api/v2/scim/v2/Users/" + id,
                          R"({"userName":"ann@corp.example","displayName":"Ann Renamed"})",
                          {{"If-Match", "\"1\""}});
  ASSERT_EQ(result.status, 200) << result.body;
  auto user = result.json();
  EXPECT_EQ(result.header("etag"), "\"2\"");
  EXPECT_EQ(user->getObject("meta")->getValue<std::string>("version"), "\"2\"");
  EXPECT_EQ(user->getValue<std::string>("displayName"), "Ann Renamed");
  EXPECT_FALSE(user->has("title"));
  EXPECT_FALSE(user->has("externalId"));
  EXPECT_FALSE(user->has("roles"));
  EXPECT_EQ(user->getObject(kEnterprise)->getValue<std::string>("division"), "Home");

  HttpResult clash = api("PUT", "/api/v2/scim/v2/Users/" + id,
                         R"({"userName":"boss@corp.example","displayName":"X"})");
  EXPECT_EQ(clash.status, 409);
  EXPECT_EQ(clash.json()->getValue<std::string>("scimType"), "uniqueness");
}

TEST_F(UsersWriteTest, IfMatchMismatchIs400InvalidVersOr409) {
  const std::string id = create(kFullUser).json()->getValue<std::string>("id");
  const std::string put = R"({"userName":"ann@corp.example","displayName":"Z"})";
  HttpResult stale = api("PUT", "/api/v2/scim/v2/Users/" + id, put, {{"If-Match", "\"7\""}});
  EXPECT_EQ(stale.status, 400);
  EXPECT_EQ(stale.json()->getValue<std::string>("scimType"), "invalidVers");
  EXPECT_EQ(stale.json()->getValue<std::string>("detail"),
            "Version does not match current version.");
  EXPECT_EQ(api("PATCH", "/api/v2/scim/v2/Users/" + id,
                patchBody(R"({"op":"replace","path":"title","value":"x"})"), {{"If-Match", "0"}})
                .status,
            400);
  EXPECT_EQ(api("DELETE", "/api/v2/scim/v2/Users/" + id, "", {{"If-Match", "W/\"9\""}}).status,
            400);

  ASSERT_EQ(control("POST", "/sim/config", R"({"versionConflictStatus":409})").status, 200);
  HttpResult conflict = api("PUT", "/api/v2/scim/v2/Users/" + id, put, {{"If-Match", "\"7\""}});
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(conflict.json()->getValue<std::string>("status"), "409");
  EXPECT_EQ(conflict.json()->getValue<std::string>("detail"),
            "Version does not match current version.");

  // Lenient forms of the current version all match.
  EXPECT_EQ(api("PUT", "/api/v2/scim/v2/Users/" + id, put, {{"If-Match", "1"}}).status, 200);
  EXPECT_EQ(api("PUT", "/api/v2/scim/v2/Users/" + id, put, {{"If-Match", "W/\"2\""}}).status, 200);
  EXPECT_EQ(api("PUT", "/api/v2/scim/v2/Users/" + id, put, {{"If-Match", "\"3\""}}).status, 200);
}

TEST_F(UsersWriteTest, DeleteIsSoftAndHidesTheUser) {
  const std::string id = create(kFullUser).json()->getValue<std::string>("id");
  HttpResult deleted = api("DELETE", "/api/v2/scim/v2/Users/" + id, "", {{"If-Match", "\"1\""}});
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users/" + id).status, 404);
  EXPECT_EQ(api("DELETE", "/api/v2/scim/v2/Users/" + id).status, 404);
  EXPECT_EQ(api("PATCH", "/api/v2/scim/v2/Users/" + id,
                patchBody(R"({"op":"replace","path":"title","value":"x"})"))
                .status,
            404);
  auto list = api("GET", "/api/v2/scim/v2/Users?filter=" + encode("userName eq ann@corp.example"));
  EXPECT_EQ(list.json()->getValue<int>("totalResults"), 0);

  // The state dump still has it: deleted, roles cleared, division Home, version bumped.
  auto state = control("GET", "/sim/state").json();
  auto user = state->getArray("users")->getObject(1);
  EXPECT_EQ(user->getValue<std::string>("id"), id);
  EXPECT_TRUE(user->getValue<bool>("deleted"));
  EXPECT_FALSE(user->has("roles"));
  EXPECT_EQ(user->getObject(kEnterprise)->getValue<std::string>("division"), "Home");
  EXPECT_EQ(user->getObject("meta")->getValue<std::string>("version"), "\"2\"");
}

TEST_F(UsersWriteTest, PostOfDeletedUserNameRevivesTheSameRecord) {
  const std::string id = create(kFullUser).json()->getValue<std::string>("id");
  ASSERT_EQ(api("DELETE", "/api/v2/scim/v2/Users/" + id).status, 204);
  HttpResult again = create(R"({"userName":"Ann@corp.example","displayName":"Ann Back"})");
  ASSERT_EQ(again.status, 201) << again.body;
  auto user = again.json();
  EXPECT_EQ(user->getValue<std::string>("id"), id);
  EXPECT_TRUE(user->getValue<bool>("active"));
  EXPECT_FALSE(user->has("roles"));
  EXPECT_EQ(user->getObject(kEnterprise)->getValue<std::string>("division"), "Home");
  EXPECT_EQ(again.header("etag"), "\"3\"");
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users/" + id).status, 200);
}

TEST_F(UsersWriteTest, NewIdOnRecreateModeCreatesAFreshRecord) {
  ASSERT_EQ(control("POST", "/sim/config", R"({"newIdOnRecreate":true})").status, 200);
  const std::string id = create(kFullUser).json()->getValue<std::string>("id");
  ASSERT_EQ(api("DELETE", "/api/v2/scim/v2/Users/" + id).status, 204);
  HttpResult again = create(R"({"userName":"ann@corp.example","displayName":"Ann Two"})");
  ASSERT_EQ(again.status, 201);
  EXPECT_NE(again.json()->getValue<std::string>("id"), id);
  EXPECT_EQ(again.header("etag"), "\"1\"");
}

class VersionConflict409Test : public SimFixture {
 protected:
  SimOptions options() override {
    SimOptions opts;
    opts.version_conflict_status = 409;
    return opts;
  }
};

TEST_F(VersionConflict409Test, OptionSelects409) {
  HttpResult created =
      api("POST", "/api/v2/scim/v2/Users", R"({"userName":"v@corp.example","displayName":"V"})");
  const std::string id = created.json()->getValue<std::string>("id");
  HttpResult result = api("DELETE", "/api/v2/scim/v2/Users/" + id, "", {{"If-Match", "\"5\""}});
  EXPECT_EQ(result.status, 409);
  EXPECT_EQ(result.json()->getValue<std::string>("scimType"), "invalidVers");
}

}  // namespace
}  // namespace scim_agent::sim::testing
