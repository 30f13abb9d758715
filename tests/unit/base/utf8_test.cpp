#include "agent/base/utf8.h"

#include <gtest/gtest.h>

namespace scim_agent {
namespace {

TEST(Utf8Test, AcceptsAsciiAndMultiByteCharacters) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("John Doe"));
  EXPECT_TRUE(isValidUtf8("Jos\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"));  // é 日本 😀
  EXPECT_EQ(utf8Length("Jos\xC3\xA9"), 4u);
  EXPECT_EQ(utf8Length("\xF0\x9F\x98\x80"), 1u);
}

TEST(Utf8Test, RefusesMalformedSequences) {
  EXPECT_FALSE(isValidUtf8("\xFF"));
  EXPECT_FALSE(isValidUtf8("\x80"));                  // a stray continuation byte
  EXPECT_FALSE(isValidUtf8("\xC3"));                  // truncated
  EXPECT_FALSE(isValidUtf8("\xC0\xAF"));              // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xE0\x80\xAF"));          // overlong, three bytes
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));          // a surrogate (U+D800)
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));      // above U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xE6\x97"));              // truncated at the end
}

TEST(Utf8Test, InvalidByteAdvancesByOne) {
  const Utf8Char c = decodeUtf8("\xE6" "A", 0);
  EXPECT_FALSE(c.valid);
  EXPECT_EQ(c.length, 1u);
  EXPECT_EQ(decodeUtf8("\xE6" "A", 1).code_point, U'A');
}

TEST(Utf8Test, ControlCharactersAreC0DelAndC1) {
  EXPECT_TRUE(isControlCharacter(0));
  EXPECT_TRUE(isControlCharacter(U'\t'));
  EXPECT_TRUE(isControlCharacter(0x1B));
  EXPECT_TRUE(isControlCharacter(0x7F));
  EXPECT_TRUE(isControlCharacter(0x85));
  EXPECT_FALSE(isControlCharacter(U' '));
  EXPECT_FALSE(isControlCharacter(0xA0));
  EXPECT_FALSE(isControlCharacter(0xE9));
}

TEST(Utf8Test, FindTextProblemGivesTheFirstOffset) {
  auto p = findTextProblem("ab\xFF" "cd");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, TextProblem::Kind::kInvalidUtf8);
  EXPECT_EQ(p->offset, 2u);
  EXPECT_EQ(p->describe(), "invalid UTF-8 (byte 0xFF)");

  p = findTextProblem(std::string_view("a\0b", 3));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, TextProblem::Kind::kControlCharacter);
  EXPECT_EQ(p->offset, 1u);
  EXPECT_EQ(p->describe(), "control character U+0000");

  EXPECT_FALSE(findTextProblem("a\tb\r\n", U"\t\r\n"));
  p = findTextProblem("a\tb\x1B", U"\t\r\n");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->code_point, 0x1Bu);
  EXPECT_EQ(p->offset, 3u);
  // C1 controls are two bytes in UTF-8.
  p = findTextProblem("x\xC2\x85");
  ASSERT_TRUE(p);
  EXPECT_EQ(codePointName(p->code_point), "U+0085");
}

}  // namespace
}  // namespace scim_agent
