#include "agent/scim/user_codec.h"

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"

namespace scim_agent {
namespace {

Json parse(const std::string& text) {
  Result<Json> j = parseJson(text);
  EXPECT_TRUE(j.ok()) << (j.ok() ? "" : j.error().message);
  return j.ok() ? *j : Json();
}

const char* kFullUser = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "id": "9f0c0000-0000-0000-0000-000000000001",
  "externalId": "EMP-1",
  "userName": "a@corp.example",
  "displayName": "A B",
  "title": "Agent",
  "active": false,
  "emails": [{"value": "a@corp.example", "type": "other", "primary": true},
             {"value": "w@corp.example", "type": "work"}],
  "phoneNumbers": [{"value": "+15550199", "type": "mobile"},
                   {"value": "+15550100", "type": "work"}],
  "roles": [{"value": "supervisor"}, {"value": "agent"}],
  "groups": [{"value": "g2", "display": "Z", "$ref": "x"}, {"value": "g1", "display": "A"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "department": "SUPPORT", "division": "Home", "employeeNumber": "1001",
    "dateHire": "2024-03-01T00:00:00.000Z", "manager": {"value": "mgr-id", "$ref": "y"}},
  "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User": {
    "routingSkills": [{"name": "Billing", "proficiency": 3.0}, {"name": "Accounts", "proficiency": 4.5}],
    "routingLanguages": [{"name": "French", "proficiency": 2}, {"name": "English", "proficiency": 5}],
    "externalIds": [{"authority": "x-pc:scimv2:v1", "value": "EMP-1"}]},
  "meta": {"resourceType": "User", "version": "\"3\"", "lastModified": "2024-01-01T00:00:00.000Z"}
})";

TEST(UserCodecTest, ParsesEveryField) {
  Result<LiveUser> parsed = liveUserFromScim(parse(kFullUser));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const LiveUser& u = *parsed;
  EXPECT_EQ(u.id, "9f0c0000-0000-0000-0000-000000000001");
  EXPECT_EQ(u.version, "\"3\"");
  EXPECT_EQ(u.external_id, "EMP-1");
  EXPECT_EQ(u.user_name, "a@corp.example");
  EXPECT_FALSE(u.active);
  EXPECT_EQ(u.display_name, "A B");
  EXPECT_EQ(u.title, "Agent");
  EXPECT_EQ(u.work_email, "w@corp.example");
  ASSERT_EQ(u.phone_numbers.size(), 2u);
  EXPECT_EQ(u.phone_numbers[0], (PhoneNumber{"+15550199", "mobile"}));
  EXPECT_EQ(u.phone_numbers[1], (PhoneNumber{"+15550100", "work"}));
  EXPECT_EQ(u.roles, (std::vector<std::string>{"agent", "supervisor"}));
  EXPECT_EQ(u.group_ids, (std::vector<std::string>{"g1", "g2"}));
  EXPECT_EQ(u.department, "SUPPORT");
  EXPECT_EQ(u.division, "Home");
  EXPECT_EQ(u.employee_number, "1001");
  EXPECT_EQ(u.date_hire, "2024-03-01");
  EXPECT_EQ(u.manager_id, "mgr-id");
  ASSERT_EQ(u.routing_skills.size(), 2u);
  EXPECT_EQ(u.routing_skills[0], (Proficiency{"Accounts", 4.5}));
  EXPECT_EQ(u.routing_skills[1], (Proficiency{"Billing", 3.0}));
  ASSERT_EQ(u.routing_languages.size(), 2u);
  EXPECT_EQ(u.routing_languages[0].name, "English");
  EXPECT_EQ(u.routing_languages[1].name, "French");
  EXPECT_TRUE(u.roles_known);
  EXPECT_TRUE(u.routing_skills_known);
  EXPECT_TRUE(u.routing_languages_known);
}

TEST(UserCodecTest, MinimalUserHasEmptyFieldsAndIsActiveByDefault) {
  Result<LiveUser> u = liveUserFromScim(parse(R"({"id":"1","userName":"x@y"})"));
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->active);
  EXPECT_EQ(u->external_id, "");
  EXPECT_EQ(u->work_email, "");
  EXPECT_TRUE(u->roles.empty());
  EXPECT_TRUE(u->roles_known);  // absent is not projected out: known and empty
  EXPECT_EQ(u->version, "");
}

TEST(UserCodecTest, ExternalIdFallsBackToScimAuthorityEntry) {
  Result<LiveUser> u = liveUserFromScim(parse(R"({"id":"1","userName":"x@y",
    "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User":{"externalIds":[
      {"authority":"microsoftteams","value":"teams-1"},
      {"authority":"x-pc:scimv2:v1:org-123","value":"EMP-9"}]}})"));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->external_id, "EMP-9");
}

TEST(UserCodecTest, ExternalIdMemberWinsOverExternalIds) {
  Result<LiveUser> u = liveUserFromScim(parse(R"({"id":"1","userName":"x@y","externalId":"A",
    "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User":{"externalIds":[
      {"authority":"x-pc:scimv2:v1","value":"B"}]}})"));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->external_id, "A");
}

TEST(UserCodecTest, OtherAuthoritiesAreNotAnExternalId) {
  Result<LiveUser> u = liveUserFromScim(parse(R"({"id":"1","userName":"x@y",
    "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User":{"externalIds":[
      {"authority":"zoomphone","value":"z"}]}})"));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->external_id, "");
}

TEST(UserCodecTest, ProjectionFlagsFollowExcludedAttributes) {
  const Json j = parse(R"({"id":"1","userName":"x@y"})");
  {
    Result<LiveUser> u = liveUserFromScim(j, {kAttrRoles});
    ASSERT_TRUE(u.ok());
    EXPECT_FALSE(u->roles_known);
    EXPECT_TRUE(u->routing_skills_known);
    EXPECT_TRUE(u->routing_languages_known);
  }
  {
    Result<LiveUser> u = liveUserFromScim(j, {kAttrRoutingSkills, kAttrRoutingLanguages});
    ASSERT_TRUE(u.ok());
    EXPECT_TRUE(u->roles_known);
    EXPECT_FALSE(u->routing_skills_known);
    EXPECT_FALSE(u->routing_languages_known);
  }
  {
    // Qualified core name, short extension names, and the whole extension, any case.
    Result<LiveUser> u = liveUserFromScim(
        j, {"urn:ietf:params:scim:schemas:core:2.0:User:ROLES", "routingSkills"});
    ASSERT_TRUE(u.ok());
    EXPECT_FALSE(u->roles_known);
    EXPECT_FALSE(u->routing_skills_known);
    EXPECT_TRUE(u->routing_languages_known);
  }
  {
    Result<LiveUser> u = liveUserFromScim(j, {kGenesysUserSchema});
    ASSERT_TRUE(u.ok());
    EXPECT_TRUE(u->roles_known);
    EXPECT_FALSE(u->routing_skills_known);
    EXPECT_FALSE(u->routing_languages_known);
  }
  {
    Result<LiveUser> u = liveUserFromScim(j, {kAttrExternalId});
    ASSERT_TRUE(u.ok());
    EXPECT_TRUE(u->roles_known);
  }
}

TEST(UserCodecTest, RejectsResourcesWithoutIdOrUserName) {
  EXPECT_EQ(liveUserFromScim(parse(R"({"userName":"x@y"})")).error().code,
            ErrorCode::kInvalidInput);
  Result<LiveUser> no_name = liveUserFromScim(parse(R"({"id":"abc"})"));
  ASSERT_FALSE(no_name.ok());
  EXPECT_NE(no_name.error().message.find("abc"), std::string::npos);
  EXPECT_NE(no_name.error().message.find("userName"), std::string::npos);
  EXPECT_FALSE(liveUserFromScim(parse("[1]")).ok());
}

TEST(UserCodecTest, ParsesGroup) {
  Group g = groupFromScim(parse(
      R"({"id":"g1","displayName":"Support Agents","meta":{"version":"\"7\""},"members":[]})"));
  EXPECT_EQ(g.id, "g1");
  EXPECT_EQ(g.display_name, "Support Agents");
  EXPECT_EQ(g.version, "\"7\"");
}

TEST(UserCodecTest, CanonicalJsonIsSortedAndComplete) {
  Result<LiveUser> u = liveUserFromScim(parse(kFullUser), {kAttrRoles});
  ASSERT_TRUE(u.ok());
  const Json j = liveUserToCanonicalJson(*u);
  EXPECT_EQ(j.getString("externalId"), "EMP-1");
  EXPECT_EQ(j.getString("managerId"), "mgr-id");
  EXPECT_FALSE(j.getBool("rolesKnown", true));
  EXPECT_EQ(j.get("phoneNumbers").asArray().size(), 2u);
  const std::string text = j.dump();
  EXPECT_EQ(text.find("\"active\""), 1u);  // first key in sorted order
  EXPECT_EQ(text, liveUserToCanonicalJson(*u).dump());
  EXPECT_EQ(j.asObject().size(), 21u);
}

TEST(UserCodecTest, BuildsPatchBodies) {
  std::vector<PatchOp> ops = {{"replace", "title", Json("Lead")},
                              {"remove", "phoneNumbers[type eq \"home\"]", Json()}};
  EXPECT_EQ(patchRequestBody(ops).dump(),
            R"({"Operations":[{"op":"replace","path":"title","value":"Lead"},)"
            R"({"op":"remove","path":"phoneNumbers[type eq \"home\"]"}],)"
            R"("schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})");
  EXPECT_EQ(groupMembersPatchBody({"u1", "u2"}, {"u3"}).dump(),
            R"({"Operations":[{"op":"add","path":"members","value":[{"value":"u1"},{"value":"u2"}]},)"
            R"({"op":"remove","path":"members","value":[{"value":"u3"}]}],)"
            R"("schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})");
  EXPECT_EQ(groupMembersPatchBody({}, {"u3"}).get("Operations").asArray().size(), 1u);
}

}  // namespace
}  // namespace scim_agent
