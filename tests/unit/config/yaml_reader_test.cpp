#include "agent/config/yaml_reader.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace scim_agent {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> messages(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags.items()) out.push_back(d.toString());
  return out;
}

YamlMap readTop(const std::string& text, const std::vector<std::string>& known,
                Diagnostics& diags) {
  YamlDocument doc = parseYamlText(text, "f.yaml", diags);
  EXPECT_TRUE(doc.ok);
  return YamlMap("f.yaml", doc.root, "the file", SourcePos{"f.yaml", 1, 1}, known, diags);
}

TEST(YamlReaderTest, EditDistanceAndSuggestions) {
  EXPECT_EQ(editDistance("title", "title"), 0u);
  EXPECT_EQ(editDistance("titel", "title"), 2u);
  EXPECT_EQ(editDistance("", "abc"), 3u);
  EXPECT_EQ(closestName("titel", {"displayName", "title"}), "title");
  EXPECT_EQ(closestName("zzzzz", {"displayName", "title"}), "");
  EXPECT_EQ(unknownKeyMessage("titel", {"title"}),
            "unknown key \"titel\" (did you mean \"title\"?)");
  EXPECT_EQ(unknownKeyMessage("frobnicate", {"title"}), "unknown key \"frobnicate\"");
}

TEST(YamlReaderTest, ReportsUnknownAndDuplicateKeysOnce) {
  Diagnostics diags;
  YamlMap map = readTop("a: 1\nb: 2\na: 3\nbb: 4\n", {"a", "b"}, diags);
  EXPECT_TRUE(map.ok());
  EXPECT_THAT(messages(diags), ElementsAre("f.yaml:3:1: duplicate key \"a\" (first at f.yaml:1:1)",
                                           "f.yaml:4:1: unknown key \"bb\" (did you mean \"b\"?)"));
  ASSERT_EQ(map.entries().size(), 2u);
  EXPECT_EQ(map.find("a")->value.Scalar(), "1");
}

TEST(YamlReaderTest, NotAMappingIsReported) {
  Diagnostics diags;
  YamlMap map = readTop("- a\n", {"a"}, diags);
  EXPECT_FALSE(map.ok());
  EXPECT_THAT(messages(diags),
              ElementsAre("f.yaml:1:1: expected a mapping for \"the file\", got a sequence"));
}

TEST(YamlReaderTest, TypedReaders) {
  Diagnostics diags;
  YamlMap map =
      readTop("s: 1001\nb: true\nq: \"true\"\ni: 42\nn: 2.5\nl: [x, y]\nm: {k: v}\nz: ~\n",
              {"s", "b", "q", "i", "n", "l", "m", "z"}, diags);
  ASSERT_TRUE(diags.empty());
  EXPECT_EQ(readString(*map.find("s"), diags), "1001");
  EXPECT_EQ(readBool(*map.find("b"), diags), true);
  EXPECT_EQ(readInt(*map.find("i"), diags), 42);
  EXPECT_EQ(readNumber(*map.find("n"), diags), 2.5);
  EXPECT_EQ(readStringList(*map.find("l"), diags), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(diags.empty());

  EXPECT_EQ(readBool(*map.find("q"), diags), std::nullopt);
  EXPECT_EQ(readString(*map.find("m"), diags), std::nullopt);
  EXPECT_EQ(readString(*map.find("z"), diags), std::nullopt);
  EXPECT_EQ(readInt(*map.find("n"), diags), std::nullopt);
  EXPECT_EQ(readSequence(*map.find("s"), diags), std::nullopt);
  EXPECT_THAT(messages(diags),
              ElementsAre("f.yaml:3:1: expected a boolean (true or false) for \"q\", got the "
                          "quoted string \"true\"",
                          "f.yaml:7:1: expected a string for \"m\", got a mapping",
                          "f.yaml:8:1: expected a string for \"z\", got null",
                          "f.yaml:5:1: expected an integer for \"n\", got \"2.5\"",
                          "f.yaml:1:1: expected a sequence for \"s\", got \"1001\""));
}

TEST(YamlReaderTest, SyntaxErrorIsOneDiagnosticWithPosition) {
  Diagnostics diags;
  YamlDocument doc = parseYamlText("a: [1,\nb: 2\n", "f.yaml", diags);
  EXPECT_FALSE(doc.ok);
  EXPECT_THAT(messages(diags),
              ElementsAre("f.yaml:3:1: YAML syntax error: end of sequence flow not found\n"
                          "  1 | a: [1,\n"
                          "    |    ^\n"
                          "  hint: a '[' opened here is not closed (with ']')"));
}

TEST(YamlReaderTest, SecondDocumentIsRefused) {
  Diagnostics diags;
  YamlDocument doc = parseYamlText("a: 1\n---\nb: 2\n", "f.yaml", diags);
  EXPECT_FALSE(doc.ok);
  EXPECT_THAT(messages(diags),
              ElementsAre("f.yaml:3:1: a file holds one YAML document; split the others into "
                          "their own files"));
}

TEST(YamlReaderTest, EnvironmentTaggedValuesReportTheVariable) {
  YAML::Node value("abc");
  value.SetTag(std::string(kEnvTagPrefix) + "SCIM_AGENT_X");
  EXPECT_EQ(yamlPos("f.yaml", value), (SourcePos{"SCIM_AGENT_X", 0, 0}));
  EXPECT_TRUE(isPlainScalar(value));
}

}  // namespace
}  // namespace scim_agent
