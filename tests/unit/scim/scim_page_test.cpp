#include "agent/scim/scim_page.h"

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "agent/model/scim_schemas.h"
#include "agent/scim/user_codec.h"

namespace scim_agent {
namespace {

const std::string kEnterprise = kEnterpriseUserSchema;
const std::string kGenesys = kGenesysUserSchema;

std::string pageOf(const std::string& resources, int total = 1) {
  return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":)" +
         std::to_string(total) + R"(,"startIndex":1,"itemsPerPage":100,"Resources":[)" +
         resources + "]}";
}

// A page as text: header, then each item's canonical user or its error.
std::string describe(const Result<ScimPage<LiveUser>>& page) {
  if (!page.ok()) return "error: " + page.error().message;
  const ScimPageHeader& h = page->header;
  std::string out = "total=" + (h.total_results ? std::to_string(*h.total_results) : "-") +
                    " start=" + (h.start_index ? std::to_string(*h.start_index) : "-") +
                    " perPage=" + std::to_string(h.items_per_page) +
                    " resources=" + std::to_string(static_cast<int>(h.resources)) + "\n";
  for (const auto& item : page->items) {
    out += item.error ? "error " + item.error->message + " id=" + item.resource.id +
                            " version=" + item.resource.version
                      : liveUserToCanonicalJson(item.resource).dump();
    out += "\n";
  }
  return out;
}

// The decoder against the tree it replaced (parseJson + liveUserFromScim), with a fresh decoder
// and with one that has read other pages before.
void expectSameAsTree(const std::string& body, const std::vector<std::string>& excluded = {}) {
  ScimPageDecoder fresh;
  const std::string want = describe(usersPageFromTree(body, excluded));
  EXPECT_EQ(describe(fresh.users(body, excluded)), want) << body;
  static ScimPageDecoder reused;
  EXPECT_EQ(describe(reused.users(body, excluded)), want) << body;
}

TEST(ScimPageTest, ReadsAFullUserAsLiveUserFromScimDoes) {
  const std::string user =
      R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","externalId":"E1",)"
      R"("userName":"a@corp.example","displayName":"A","title":"T","active":false,)"
      R"("emails":[{"value":"a@corp.example","type":"other","primary":true},)"
      R"({"value":"w@corp.example","type":"WORK"},{"value":"second@corp.example","type":"work"}],)"
      R"("phoneNumbers":[{"value":"+2","type":"work"},{"value":"+1","type":"mobile"},{"type":"x"}],)"
      R"("roles":[{"value":"b"},"a",{"value":""},3],"groups":[{"value":"g2","display":"G"},{"value":"g1"}],)"
      R"(")" + kEnterprise + R"(":{"department":"D","division":"V","employeeNumber":"7",)"
      R"("dateHire":"2024-03-01T00:00:00.000Z","manager":{"value":"m1","$ref":"x"}},)"
      R"(")" + kGenesys + R"(":{"routingSkills":[{"name":"S2","proficiency":2},{"name":"S1","proficiency":"3.5"},)"
      R"({"name":"","proficiency":1},{"proficiency":1}],"routingLanguages":[{"name":"L","proficiency":4.25}]},)"
      R"("meta":{"resourceType":"User","version":"\"42\"","location":"https://x/Users/u1"}})";
  ScimPageDecoder decoder;
  Result<ScimPage<LiveUser>> page = decoder.users(pageOf(user));
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  ASSERT_FALSE(page->items[0].error);
  const LiveUser& u = page->items[0].resource;
  EXPECT_EQ(u.id, "u1");
  EXPECT_EQ(u.version, "\"42\"");
  EXPECT_EQ(u.external_id, "E1");
  EXPECT_FALSE(u.active);
  EXPECT_EQ(u.work_email, "w@corp.example");  // the first work entry, case-insensitive
  ASSERT_EQ(u.phone_numbers.size(), 2u);      // sorted by type; the one without value dropped
  EXPECT_EQ(u.phone_numbers[0].type, "mobile");
  EXPECT_EQ(u.roles, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(u.group_ids, (std::vector<std::string>{"g1", "g2"}));
  EXPECT_EQ(u.date_hire, "2024-03-01");
  EXPECT_EQ(u.manager_id, "m1");
  ASSERT_EQ(u.routing_skills.size(), 2u);
  EXPECT_EQ(u.routing_skills[0].name, "S1");
  EXPECT_EQ(u.routing_skills[0].proficiency, 3.5);  // a number sent as a string
  EXPECT_EQ(u.routing_languages[0].proficiency, 4.25);
  EXPECT_EQ(page->header.total_results, 1.0);
  EXPECT_EQ(page->header.items_per_page, 100.0);
  expectSameAsTree(pageOf(user));
}

TEST(ScimPageTest, ExcludedAttributesMakeThemUnknown) {
  const std::string body = pageOf(R"({"id":"u1","userName":"a"})");
  ScimPageDecoder decoder;
  Result<ScimPage<LiveUser>> page = decoder.users(body, {"roles", kAttrRoutingSkills});
  ASSERT_TRUE(page.ok());
  EXPECT_FALSE(page->items[0].resource.roles_known);
  EXPECT_FALSE(page->items[0].resource.routing_skills_known);
  EXPECT_TRUE(page->items[0].resource.routing_languages_known);
  expectSameAsTree(body, {"roles", kAttrRoutingSkills});
  expectSameAsTree(body, {kGenesys});
}

TEST(ScimPageTest, ExternalIdFallsBackToTheScimAuthorityEntry) {
  const std::string ids = R"(")" + kGenesys +
                          R"(":{"externalIds":[{"authority":"other","value":"O"},)"
                          R"({"authority":"x-pc:scimv2:v1/extra","value":"S"},)"
                          R"({"authority":"x-pc:scimv2:v1","value":"T"}]})";
  ScimPageDecoder decoder;
  Result<ScimPage<LiveUser>> page =
      decoder.users(pageOf(R"({"id":"u1","userName":"a",)" + ids + "}"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items[0].resource.external_id, "S");
  expectSameAsTree(pageOf(R"({"id":"u1","userName":"a",)" + ids + "}"));
  expectSameAsTree(pageOf(R"({"id":"u1","userName":"a","externalId":"",)" + ids + "}"));
  expectSameAsTree(pageOf(R"({"id":"u1","userName":"a","externalId":"M",)" + ids + "}"));
}

TEST(ScimPageTest, StringsWithEscapesAndUnicode) {
  const std::string body = pageOf(
      R"({"id":"u\"1\\","userName":"z\u00e9\ud83d\ude00@x","displayName":"Zoë Ångström \/ \b\f\n\r\t",)"
      R"("title":"nul\u0000inside","meta":{"version":"W/\"3\""}})");
  ScimPageDecoder decoder;
  Result<ScimPage<LiveUser>> page = decoder.users(body);
  ASSERT_TRUE(page.ok());
  const LiveUser& u = page->items[0].resource;
  EXPECT_EQ(u.id, "u\"1\\");
  EXPECT_EQ(u.user_name, "z\xc3\xa9\xf0\x9f\x98\x80@x");
  EXPECT_EQ(u.display_name, "Zo\xc3\xab \xc3\x85ngstr\xc3\xb6m / \b\f\n\r\t");
  EXPECT_EQ(u.title, std::string("nul\0inside", 10));
  EXPECT_EQ(u.version, "W/\"3\"");
  expectSameAsTree(body);
}

TEST(ScimPageTest, NumbersAsProficiencies) {
  for (const char* number :
       {"3", "-2", "-0", "0.5", "1e2", "2.5E-1", "1e-400", "9007199254740993",
        "18446744073709551615", "-9223372036854775808", R"("4")", R"("2.5kg")", R"("abc")",
        R"("")", "null", "true", "[1]", R"({"v":1})"}) {
    SCOPED_TRACE(number);
    const std::string body = pageOf(R"({"id":"u1","userName":"a",")" + kGenesys +
                                    R"(":{"routingSkills":[{"name":"S","proficiency":)" +
                                    std::string(number) + "}]}}");
    expectSameAsTree(body);
  }
  ScimPageDecoder decoder;
  Result<ScimPage<LiveUser>> page = decoder.users(pageOf(
      R"({"id":"u1","userName":"a",")" + kGenesys +
      R"(":{"routingSkills":[{"name":"A","proficiency":"2.5kg"},{"name":"B","proficiency":null}]}})"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items[0].resource.routing_skills[0].proficiency, 2.5);
  EXPECT_EQ(page->items[0].resource.routing_skills[1].proficiency, 0);
}

TEST(ScimPageTest, NullsAndOtherTypesReadAsAbsent) {
  expectSameAsTree(pageOf(
      R"({"id":"u1","userName":"a","externalId":null,"displayName":null,"title":7,"active":null,)"
      R"("emails":null,"phoneNumbers":"x","roles":{"value":"r"},"groups":[null,{"value":null},"g"],)"
      R"("meta":null,")" + kEnterprise + R"(":{"department":null,"manager":"m2","dateHire":"2024"},)"
      R"(")" + kGenesys + R"(":{"routingSkills":null,"routingLanguages":[null,"x",{"name":null}],)"
      R"("externalIds":{"authority":"x-pc:scimv2:v1","value":"E"}}})"));
  expectSameAsTree(pageOf(R"({"id":"u1","userName":"a","active":"false",")" + kEnterprise +
                          R"(":[],")" + kGenesys + R"(":"x"})"));
  // Header members of the wrong type.
  expectSameAsTree(
      R"({"totalResults":"5","startIndex":null,"itemsPerPage":true,"Resources":{"id":"u1"}})");
  expectSameAsTree(R"({"totalResults":5,"Resources":null})");
  expectSameAsTree(R"({"totalResults":5,"Resources":"none"})");
  expectSameAsTree(R"({"totalResults":5.5,"startIndex":2.5,"itemsPerPage":-1})");
  expectSameAsTree(R"({})");
}

TEST(ScimPageTest, UnknownAttributesAreIgnored) {
  const std::string body = pageOf(
      R"({"x-unknown":{"deep":[[{"a":[1,2.5,true,false,null,"s\u0041"]}]]},"id":"u1",)"
      R"("name":{"givenName":"A"},"userName":"a","emails":[{"value":"w","type":"work","extra":[{}]}],)"
      R"(")" + kEnterprise + R"(":{"costCenter":{"x":1},"department":"D"},)"
      R"("urn:example:other:2.0:User":{"department":"NOT THIS"}})");
  ScimPageDecoder decoder;
  Result<ScimPage<LiveUser>> page = decoder.users(body);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items[0].resource.department, "D");
  EXPECT_EQ(page->items[0].resource.work_email, "w");
  expectSameAsTree(body);
  expectSameAsTree(R"({"extra":[{"Resources":[]}],"totalResults":1,"Resources":[{"id":"u1","userName":"a"}],"more":{}})");
}

TEST(ScimPageTest, ADuplicatedKeyCountsAsItsLastOccurrence) {
  const std::string body = pageOf(
      R"({"id":"first","id":"u1","userName":"a","meta":{"version":"1"},"meta":{"location":"x"},)"
      R"("emails":[{"value":"w1","type":"work"}],"emails":[{"value":"w2","type":"work","value":"w3"}],)"
      R"("roles":["r1"],"roles":["r2"],)"
      R"(")" + kEnterprise + R"(":{"department":"D1","division":"V"},")" + kEnterprise +
      R"(":{"department":"D2"},"active":false,"active":true,)"
      R"("user\u004eame":"b","id\u0000tail":"u2"})",
      2);
  ScimPageDecoder decoder;
  Result<ScimPage<LiveUser>> page = decoder.users(body);
  ASSERT_TRUE(page.ok());
  const LiveUser& u = page->items[0].resource;
  EXPECT_EQ(u.id, "u2");         // "id\u0000tail" is "id" to Poco's parser
  EXPECT_EQ(u.user_name, "b");   // an escaped key is its unescaped text
  EXPECT_EQ(u.version, "");      // the second meta has none
  EXPECT_EQ(u.work_email, "w3");
  EXPECT_EQ(u.roles, (std::vector<std::string>{"r2"}));
  EXPECT_EQ(u.department, "D2");
  EXPECT_EQ(u.division, "");
  EXPECT_TRUE(u.active);
  expectSameAsTree(body);
  // Header members and Resources too.
  expectSameAsTree(R"({"totalResults":9,"Resources":[{"id":"x","userName":"x"}],"totalResults":2,)"
                   R"("Resources":[{"id":"y","userName":"y"}],"itemsPerPage":5,"itemsPerPage":"5"})");
  expectSameAsTree(R"({"totalResults":9,"Resources":[{"id":"x","userName":"x"}],"Resources":null})");
}

TEST(ScimPageTest, MalformedUsersCarryLiveUserFromScimsMessage) {
  const std::string body = pageOf(
      R"({"id":"u1","meta":{"version":"\"4\""}},{"userName":"a"},"text",null,[],)"
      R"({"id":"u2","userName":"b"},{"id":5,"userName":"c"})",
      7);
  ScimPageDecoder decoder;
  Result<ScimPage<LiveUser>> page = decoder.users(body);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 7u);
  ASSERT_TRUE(page->items[0].error);
  EXPECT_EQ(page->items[0].error->message, "malformed SCIM user u1: missing userName");
  EXPECT_EQ(page->items[0].resource.id, "u1");
  EXPECT_EQ(page->items[0].resource.version, "\"4\"");
  EXPECT_EQ(page->items[1].error->message, "malformed SCIM user: missing id");
  EXPECT_EQ(page->items[2].error->message, "malformed SCIM user: not a JSON object");
  EXPECT_FALSE(page->items[5].error);
  EXPECT_EQ(page->items[6].error->message, "malformed SCIM user: missing id");
  expectSameAsTree(body);
}

TEST(ScimPageTest, RefusesWhatPocosParserRefusesWithItsMessage) {
  // Under the page object: 127 levels make 128 (read), 128 make 129 (refused).
  const std::string deep127 = std::string(127, '[') + std::string(127, ']');
  const std::string deep128 = std::string(128, '[') + std::string(128, ']');
  for (const std::string& body : {
           std::string(""),
           std::string("   "),
           std::string(R"({"totalResults":1,"Resources":[)"),
           std::string(R"({"totalResults":1}{})"),
           std::string(R"({"totalResults":1} x)"),
           std::string(R"({"totalResults":01})"),
           std::string(R"({"totalResults":1,"x":tru})"),
           std::string(R"({"totalResults":1,"x":nul})"),
           std::string(R"({"totalResults":1,"x":"\x"})"),
           std::string(R"({"totalResults":1,"x":"\ud800"})"),
           std::string(R"({"totalResults":1,"x":99999999999999999999999})"),
           std::string(R"({"totalResults":1e400})"),
           std::string(R"({"totalResults":1,"Resources":[{"id":"u","userName":"a","x":1.}]})"),
           std::string(R"({"totalResults":1,"Resources":[{"id":"u","userName":"a\x"}]})"),
           std::string(R"({"totalResults":1,"Resources":[{"id":"u","userName":"a"},]})"),
           std::string(R"({"totalResults":1,"x":)") + deep128 + "}",
           std::string("{\"totalResults\":1,\"x\":\"a\x01\"}"),
           std::string("{\"totalResults\":1,\"x\":\"\xff\"}"),
           std::string("\xef\xbb\xbf{}"),
           std::string(R"({"a":1 /* c */})"),
       }) {
    SCOPED_TRACE(body);
    ScimPageDecoder decoder;
    Result<ScimPage<LiveUser>> page = decoder.users(body);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidInput);
    Result<Json> poco = parseJson(body);
    ASSERT_FALSE(poco.ok());
    EXPECT_EQ(page.error().message, poco.error().message);
    EXPECT_EQ(page.error().message.rfind("malformed JSON: ", 0), 0u);
  }
  // 128 levels are read (Poco's limit), with the number -9223372036854775809 Poco reads oddly.
  expectSameAsTree(R"({"totalResults":1,"x":)" + deep127 + "}");
  expectSameAsTree(R"({"totalResults":-9223372036854775809})");
  // JSON that is not an object: an empty message for an array; Poco's parser refuses a bare
  // scalar itself ("Attempt to set value on an empty stack").
  ScimPageDecoder decoder;
  Result<ScimPage<LiveUser>> array = decoder.users("[]");
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.error().message, "");
  for (const char* body : {"5", "\"s\"", "null"}) {
    Result<ScimPage<LiveUser>> page = decoder.users(body);
    ASSERT_FALSE(page.ok()) << body;
    EXPECT_EQ(page.error().message, usersPageFromTree(body).error().message) << body;
  }
}

TEST(ScimPageTest, OneDecoderReadsPagesOfEverySize) {
  ScimPageDecoder decoder;
  std::string big;
  for (int i = 0; i < 300; ++i) {
    if (i) big += ",";
    big += R"({"id":"u)" + std::to_string(i) + R"(","userName":"n)" + std::to_string(i) + R"("})";
  }
  for (int round = 0; round < 2; ++round) {
    Result<ScimPage<LiveUser>> large = decoder.users(pageOf(big, 300));
    ASSERT_TRUE(large.ok());
    EXPECT_EQ(large->items.size(), 300u);
    EXPECT_EQ(large->items[299].resource.user_name, "n299");
    Result<ScimPage<LiveUser>> small = decoder.users(pageOf(R"({"id":"s","userName":"t"})"));
    ASSERT_TRUE(small.ok());
    ASSERT_EQ(small->items.size(), 1u);
    EXPECT_EQ(small->items[0].resource.id, "s");
    EXPECT_FALSE(decoder.users("{").ok());  // a refused page leaves the decoder usable
  }
}

TEST(ScimPageTest, ReadsGroupsAsGroupFromScimDoes) {
  const std::string body =
      R"({"totalResults":3,"Resources":[{"id":"g1","displayName":"One","meta":{"version":"\"2\""},)"
      R"("members":[{"value":"u1"}]},{"displayName":"No id"},"x",{"id":"g3","id":"g4","displayName":7}]})";
  ScimPageDecoder decoder;
  Result<ScimPage<Group>> page = decoder.groups(body);
  Result<ScimPage<Group>> tree = groupsPageFromTree(body);
  ASSERT_TRUE(page.ok());
  ASSERT_TRUE(tree.ok());
  ASSERT_EQ(page->items.size(), 4u);
  EXPECT_EQ(page->items[0].resource.display_name, "One");
  EXPECT_EQ(page->items[0].resource.version, "\"2\"");
  ASSERT_EQ(tree->items.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(page->items[i].resource.id, tree->items[i].resource.id);
    EXPECT_EQ(page->items[i].resource.display_name, tree->items[i].resource.display_name);
    EXPECT_EQ(page->items[i].resource.version, tree->items[i].resource.version);
  }
  EXPECT_EQ(page->items[3].resource.id, "g4");
  ASSERT_FALSE(decoder.groups("[1,").ok());
  EXPECT_EQ(decoder.groups("[1,").error().message, groupsPageFromTree("[1,").error().message);
}

}  // namespace
}  // namespace scim_agent
