// In-process unit tests of the pieces with their own grammar: filters, versions, JSON output.

#include <gtest/gtest.h>

#include "tests/sim/scim_filter.h"
#include "tests/sim/scim_render.h"
#include "tests/sim/sim_error.h"
#include "tests/sim/sim_json.h"

namespace scim_agent::sim {
namespace {

TEST(ScimFilterTest, ParsesQuotedAndUnquotedEq) {
  ScimFilter filter = parseUserFilter(R"(userName eq "a \"b\"@x")");
  EXPECT_EQ(filter.attribute, FilterAttr::kUserName);
  EXPECT_EQ(filter.value, R"(a "b"@x)");
  filter = parseUserFilter("  externalId   EQ   167844  ");
  EXPECT_EQ(filter.attribute, FilterAttr::kExternalId);
  EXPECT_EQ(filter.value, "167844");
  filter = parseUserFilter("active eq False");
  EXPECT_EQ(filter.attribute, FilterAttr::kActive);
  EXPECT_FALSE(filter.active);
  filter = parseUserFilter(
      "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User:externalIds"
      "[authority eq 'microsoftteams' and value eq \"T 1\"]");
  EXPECT_EQ(filter.attribute, FilterAttr::kExternalIds);
  EXPECT_EQ(filter.authority, "microsoftteams");
  EXPECT_EQ(filter.value, "T 1");
  filter = parseGroupFilter("displayname eq Sales Team");
  EXPECT_EQ(filter.attribute, FilterAttr::kDisplayName);
  EXPECT_EQ(filter.value, "Sales Team");
}

TEST(ScimFilterTest, RejectsEverythingElse) {
  for (const char* text :
       {"", "userName", "userName eq", "userName ne x", "userName co x", "displayName eq x",
        "userName eq x or userName eq y", "(userName eq x)", "userName eq \"x\" extra"}) {
    try {
      parseUserFilter(text);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const SimError& error) {
      EXPECT_EQ(error.status(), 400) << text;
      EXPECT_EQ(error.scimType(), "invalidFilter") << text;
    }
  }
}

TEST(VersionTest, ParsesLenientForms) {
  EXPECT_EQ(parseVersion("\"3\""), 3);
  EXPECT_EQ(parseVersion("3"), 3);
  EXPECT_EQ(parseVersion("W/\"3\""), 3);
  EXPECT_EQ(parseVersion(" \"12\" "), 12);
  EXPECT_EQ(parseVersion("\"3"), -1);
  EXPECT_EQ(parseVersion("abc"), -1);
  EXPECT_EQ(parseVersion("\"3a\""), -1);
  EXPECT_EQ(formatVersion(3), "\"3\"");
}

TEST(JsonWriterTest, WritesStableCompactJson) {
  JsonWriter out;
  out.beginObject().field("a", "x\"y\n").key("b").beginArray().number(3).number(4.5).integer(-2);
  out.boolean(false).null().endArray().key("c").beginObject().endObject().endObject();
  EXPECT_EQ(out.str(), R"({"a":"x\"y\n","b":[3.0,4.5,-2,false,null],"c":{}})");
}

TEST(TimestampTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(formatTimestamp(1767225601000), "2026-01-01T00:00:01.000Z");
  EXPECT_EQ(formatTimestamp(1709251200123), "2024-03-01T00:00:00.123Z");
}

}  // namespace
}  // namespace scim_agent::sim
