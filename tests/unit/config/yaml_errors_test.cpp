#include "agent/config/yaml_errors.h"

#include <string>

#include <gtest/gtest.h>

#include "agent/config/yaml_reader.h"

namespace scim_agent {
namespace {

// The one diagnostic parsing `text` gives, as printed ("file:line:column: message").
std::string syntaxError(const std::string& text) {
  Diagnostics diags;
  const YamlDocument doc = parseYamlText(text, "users.yaml", diags);
  EXPECT_FALSE(doc.ok);
  if (diags.size() != 1) return "diagnostics: " + std::to_string(diags.size());
  return diags.items()[0].toString();
}

// The streamed reading of the desired state gives the same message as the whole tree.
std::string streamedSyntaxError(const std::string& text) {
  Diagnostics diags;
  const StreamedYaml doc = streamYamlText(
      text, "users.yaml", "users",
      StreamBuilder::Handlers{[](const StreamNode&) {}, [](const StreamNode&) {}}, diags);
  EXPECT_FALSE(doc.ok);
  if (diags.size() != 1) return "diagnostics: " + std::to_string(diags.size());
  return diags.items()[0].toString();
}

void expectBoth(const std::string& text, const std::string& expected) {
  EXPECT_EQ(syntaxError(text), expected);
  EXPECT_EQ(streamedSyntaxError(text), expected);
}

TEST(YamlErrorsTest, TabInTheIndentation) {
  expectBoth("users:\n  - externalId: E1\n\tuserName: a@x\n",
             "users.yaml:3:1: YAML syntax error: illegal tab when looking for indentation\n"
             "  3 | →userName: a@x\n"
             "    | ^\n"
             "  hint: a tab in the indentation: YAML indents with spaces");
}

TEST(YamlErrorsTest, ListItemIndentedDeeperThanTheOneAbove) {
  expectBoth("users:\n  - externalId: E1\n    userName: a@x\n   - externalId: E2\n",
             "users.yaml:4:4: YAML syntax error: end of sequence not found\n"
             "  4 |    - externalId: E2\n"
             "    |    ^\n"
             "  hint: this list item is indented differently from the one above (line 2)");
}

TEST(YamlErrorsTest, ListItemIndentedLessThanTheOneAbove) {
  expectBoth("users:\n  - externalId: E1\n    userName: a@x\n - externalId: E2\n",
             "users.yaml:4:2: YAML syntax error: end of map not found\n"
             "  4 |  - externalId: E2\n"
             "    |  ^\n"
             "  hint: this list item is indented differently from the one above (line 2)");
}

TEST(YamlErrorsTest, KeyIndentedDifferentlyFromTheOneAbove) {
  expectBoth("users:\n  - externalId: E1\n   userName: a@x\n",
             "users.yaml:3:4: YAML syntax error: end of sequence not found\n"
             "  3 |    userName: a@x\n"
             "    |    ^\n"
             "  hint: this key is indented differently from the one above (line 2)");
}

TEST(YamlErrorsTest, KeyWithoutColon) {
  expectBoth("users:\n  - externalId: E1\n    userName a@x\n    title: Lead\n",
             "users.yaml:4:10: YAML syntax error: illegal map value\n"
             "  3 |     userName a@x\n"
             "    |             ^\n"
             "  hint: a key without ':'?");
}

TEST(YamlErrorsTest, UnclosedQuote) {
  expectBoth("users:\n  - externalId: E1\n    title: \"Lead\n    userName: \"a@x\"\n",
             "users.yaml:4:16: YAML syntax error: end of map not found\n"
             "  3 |     title: \"Lead\n"
             "    |            ^\n"
             "  hint: a quote opened here is not closed (it runs on to line 4)");
}

TEST(YamlErrorsTest, ApostropheInsideAWordIsNotAQuote) {
  // O'Brien's apostrophe opens nothing: the hint is the list item's indentation.
  EXPECT_EQ(syntaxError("users:\n  - title: O'Brien\n   - title: x\n"),
            "users.yaml:3:4: YAML syntax error: end of sequence not found\n"
            "  3 |    - title: x\n"
            "    |    ^\n"
            "  hint: this list item is indented differently from the one above (line 2)");
}

TEST(YamlErrorsTest, UnclosedBracket) {
  expectBoth("users:\n  - externalId: E1\n    groups: [Support, Sales\n    title: x\n",
             "users.yaml:4:10: YAML syntax error: end of sequence flow not found\n"
             "  3 |     groups: [Support, Sales\n"
             "    |             ^\n"
             "  hint: a '[' opened here is not closed (with ']')");
}

TEST(YamlErrorsTest, DeepNestingIsExplainedAndTheLongLineCut) {
  const std::string text = "a: " + std::string(600, '[') + std::string(600, ']') + "\n";
  const std::string message = syntaxError(text);
  EXPECT_EQ(message.substr(0, message.find('\n')), "users.yaml:1:1204: YAML syntax error: bad file");
  EXPECT_NE(message.find("\n  1 | …]]]]"), std::string::npos) << message;
  EXPECT_NE(message.find("\n  hint: nested too deeply: the YAML reader takes at most about 500 "
                         "levels"),
            std::string::npos)
      << message;
  // The shown line is cut to about 90 columns around the caret.
  const size_t shown = message.find("  1 | ");
  EXPECT_LT(message.find('\n', shown) - shown, 120u) << message;
}

TEST(YamlErrorsTest, WithoutAHintTheErrorLineHasTheCaret) {
  // A caret under the byte column, counted in characters (é is two bytes, one column).
  EXPECT_EQ(yamlSyntaxErrorMessage("x: é b: c\n", 0, 7, "illegal map value"),
            "YAML syntax error: illegal map value\n"
            "  1 | x: é b: c\n"
            "    |       ^");
  EXPECT_EQ(yamlSyntaxErrorMessage("a: 1\n", 3, 0, "something"),
            "YAML syntax error: something\n  (at the end of the file)");
  EXPECT_EQ(yamlSyntaxErrorMessage("a: 1\n", -1, -1, "something"), "YAML syntax error: something");
}

}  // namespace
}  // namespace scim_agent
