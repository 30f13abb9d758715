#include <string>

#include <gtest/gtest.h>

#include "agent/base/json.h"
#include "agent/base/text.h"

namespace scim_agent {
namespace {

std::string escaped(std::string_view s, JsonEscaping escaping) {
  std::string out;
  appendJsonEscaped(out, s, escaping);
  return out;
}

TEST(JsonEscapeTest, BothModesEscapeQuotesBackslashesAndLineBreaks) {
  for (JsonEscaping e : {JsonEscaping::kCanonical, JsonEscaping::kSafeText}) {
    EXPECT_EQ(escaped("a\"b\\c\nd\re\tf", e), "a\\\"b\\\\c\\nd\\re\\tf");
    EXPECT_EQ(escaped(std::string("\x01\x1f", 2), e), "\\u0001\\u001f");
    EXPECT_EQ(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", e),
              "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  }
}

TEST(JsonEscapeTest, CanonicalKeepsItsBytes) {
  // Plan digests hash this text: short \b \f, DEL and any high byte as they are.
  EXPECT_EQ(escaped("\b\f\x7f", JsonEscaping::kCanonical), "\\b\\f\x7f");
  EXPECT_EQ(escaped("\xff\xc0\x80", JsonEscaping::kCanonical), "\xff\xc0\x80");
  EXPECT_EQ(jsonQuote("a\"\b"), "\"a\\\"\\b\"");
  EXPECT_EQ(Json(Json::Object{{"k\f", "\x7f"}}).dump(), "{\"k\\f\":\"\x7f\"}");
}

TEST(JsonEscapeTest, SafeTextEscapesControlsAndReplacesInvalidUtf8) {
  EXPECT_EQ(escaped("\b\f\x7f", JsonEscaping::kSafeText), "\\u0008\\u000c\\u007f");
  EXPECT_EQ(escaped("a\xff" "b", JsonEscaping::kSafeText), "a\\ufffdb");
  EXPECT_EQ(escaped("\xc0\x80", JsonEscaping::kSafeText), "\\ufffd\\ufffd");        // overlong
  EXPECT_EQ(escaped("\xed\xa0\x80", JsonEscaping::kSafeText), "\\ufffd\\ufffd\\ufffd");  // surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80", JsonEscaping::kSafeText),
            "\\ufffd\\ufffd\\ufffd\\ufffd");  // above U+10FFFF
  EXPECT_EQ(escaped("\xe2\x82", JsonEscaping::kSafeText), "\\ufffd\\ufffd");  // cut short
}

TEST(TextTest, EqualsIgnoreCaseIsAscii) {
  EXPECT_TRUE(equalsIgnoreCase("Content-Type", "content-type"));
  EXPECT_TRUE(equalsIgnoreCase("", ""));
  EXPECT_FALSE(equalsIgnoreCase("abc", "abcd"));
  EXPECT_FALSE(equalsIgnoreCase("a-b", "a_b"));
  EXPECT_FALSE(equalsIgnoreCase("\xc3\xa9", "\xc3\x89"));  // é vs É: bytes from 0x80 exact
}

}  // namespace
}  // namespace scim_agent
