#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "agent/sources/record.h"
#include "tests/unit/sources/reader_test_util.h"

namespace scim_agent {
namespace {

using reader_test::describe;
using reader_test::Read;
using reader_test::text;

Read readJson(std::string_view input, bool lines, size_t chunk = 0, uint64_t max_bytes = 1 << 20) {
  return reader_test::readInChunks(
      input, chunk, [&](RecordSink& sink) { return makeJsonReader(lines, max_bytes, sink); });
}

TEST(JsonReaderTest, ReadsAnArrayOfObjects) {
  const Read read = readJson(
      "[\n"
      "  {\"externalId\": \"E1\", \"name\": \"Ann\"},\n"
      "  {\"externalId\": \"E2\",\n"
      "   \"name\": \"Bob\"}\n"
      "]\n",
      false);
  ASSERT_EQ(read.sink.records.size(), 2u) << describe(read);
  EXPECT_EQ(read.sink.headers, 0);  // JSON has no header row
  EXPECT_EQ(read.sink.records[0].line, 2u);
  EXPECT_EQ(read.sink.records[0].number, 1u);
  EXPECT_EQ(text(read.sink.records[0], "name"), "Ann");
  EXPECT_EQ(read.sink.records[1].line, 3u);
  EXPECT_EQ(read.sink.records[1].number, 2u);
  EXPECT_EQ(text(read.sink.records[1], "externalId"), "E2");
  EXPECT_TRUE(read.outcome.whole) << read.outcome.problem;
  EXPECT_EQ(read.outcome.records, 2u);
  EXPECT_EQ(read.outcome.lines, 5u);
}

TEST(JsonReaderTest, ScalarsKeepTheirTextAsWritten) {
  const Read read = readJson(
      R"([{"n": 1.50, "big": 123456789012345678901234567890, "neg": -0.5e+3, "t": true,
           "f": false, "z": null, "s": "caf\u00e9 \"q\""}])",
      false);
  ASSERT_EQ(read.sink.records.size(), 1u) << describe(read);
  const Record& r = read.sink.records[0];
  EXPECT_EQ(text(r, "n"), "1.50");
  EXPECT_EQ(text(r, "big"), "123456789012345678901234567890");
  EXPECT_EQ(text(r, "neg"), "-0.5e+3");
  EXPECT_EQ(text(r, "t"), "true");
  EXPECT_EQ(text(r, "f"), "false");
  ASSERT_NE(r.find("z"), nullptr);
  EXPECT_TRUE(r.find("z")->is_null);
  EXPECT_EQ(r.find("z")->text, "");
  EXPECT_FALSE(r.find("t")->is_null);
  EXPECT_EQ(text(r, "s"), "caf\xC3\xA9 \"q\"");
  EXPECT_TRUE(r.problem.empty()) << r.problem;
}

TEST(JsonReaderTest, FlattensNestedObjectsAndArrays) {
  const Read read = readJson(
      R"([{"id": "E1",
           "manager": {"id": "E0", "name": {"first": "Zed"}},
           "skills": ["chat", "voice", 3],
           "phones": [{"type": "work", "number": "+1"}, {"type": "mobile", "number": "+2"}],
           "mixed": ["a", {"b": 1}],
           "empty": [],
           "grid": [[1, 2], [3]]}])",
      false);
  ASSERT_EQ(read.sink.records.size(), 1u) << describe(read);
  const Record& r = read.sink.records[0];
  EXPECT_TRUE(r.problem.empty()) << r.problem;
  EXPECT_EQ(text(r, "manager.id"), "E0");
  EXPECT_EQ(text(r, "manager.name.first"), "Zed");
  EXPECT_EQ(r.find("manager"), nullptr);
  const FieldValue* skills = r.find("skills");
  ASSERT_NE(skills, nullptr);
  EXPECT_TRUE(skills->is_list);
  EXPECT_EQ(skills->items, (std::vector<std::string>{"chat", "voice", "3"}));
  EXPECT_EQ(text(r, "phones.0.number"), "+1");
  EXPECT_EQ(text(r, "phones.1.type"), "mobile");
  EXPECT_EQ(r.find("phones"), nullptr);
  EXPECT_EQ(text(r, "mixed.0"), "a");
  EXPECT_EQ(text(r, "mixed.1.b"), "1");
  ASSERT_NE(r.find("empty"), nullptr);
  EXPECT_TRUE(r.find("empty")->is_list);
  EXPECT_TRUE(r.find("empty")->items.empty());
  ASSERT_NE(r.find("grid.0"), nullptr);
  EXPECT_EQ(r.find("grid.0")->items, (std::vector<std::string>{"1", "2"}));
  // Document order.
  ASSERT_GE(r.fields.size(), 3u);
  EXPECT_EQ(r.fields[0].first, "id");
  EXPECT_EQ(r.fields[1].first, "manager.id");
  EXPECT_EQ(r.fields[2].first, "manager.name.first");
}

TEST(JsonReaderTest, JsonLinesOneObjectPerLine) {
  const std::string input =
      "{\"id\": \"E1\", \"tags\": [\"a\"]}\n"
      "\n"
      "   \r\n"
      "{\"id\": \"E2\", \"m\": {\"id\": 7}}\r\n"
      "{\"id\": \"E3\"}\n";
  const Read read = readJson(input, true);
  ASSERT_EQ(read.sink.records.size(), 3u) << describe(read);
  EXPECT_EQ(read.sink.records[0].line, 1u);
  EXPECT_EQ(read.sink.records[1].line, 4u);
  EXPECT_EQ(read.sink.records[1].number, 2u);
  EXPECT_EQ(text(read.sink.records[1], "m.id"), "7");
  EXPECT_EQ(read.sink.records[2].line, 5u);
  EXPECT_TRUE(read.outcome.whole) << read.outcome.problem;
  EXPECT_EQ(read.outcome.lines, 5u);
  for (size_t chunk : {1, 2, 3, 7}) {
    EXPECT_EQ(describe(readJson(input, true, chunk)), describe(read)) << chunk;
  }
}

TEST(JsonReaderTest, JsonLinesLastLineWithoutNewlineIsFineWhenItParses) {
  const Read read = readJson("{\"id\": \"E1\"}\n{\"id\": \"E2\"}", true);
  ASSERT_EQ(read.sink.records.size(), 2u);
  EXPECT_EQ(read.sink.records[1].line, 2u);
  EXPECT_TRUE(read.outcome.whole);
  EXPECT_EQ(read.outcome.lines, 2u);
}

TEST(JsonReaderTest, CutShortArrayIsNotWhole) {
  for (std::string_view input :
       {"[{\"id\": \"E1\"},\n{\"id\": \"E2\"}", "[{\"id\": \"E1\"},\n{\"id\": \"E2\"",
        "[{\"id\": \"E1\"},\n{\"id\": \"E", "[{\"id\": \"E1\"},\n{"}) {
    const Read read = readJson(input, false);
    EXPECT_FALSE(read.outcome.whole) << input;
    EXPECT_EQ(read.outcome.problem,
              "line 2: the JSON array does not close (the input is cut short)")
        << input;
    EXPECT_TRUE(read.sink.records.empty()) << input;
  }
}

TEST(JsonReaderTest, MalformedArrayIsNotWhole) {
  for (std::string_view input :
       {"[{\"id\": \"E1\",}]", "[{\"id\": tru}]", "[{\"id\": 01}]", "[{\"id\": 1}] x",
        "[{\"id\": 1}, {\"id\" 2}]", "[{\"id\": 1}] [2]"}) {
    const Read read = readJson(input, false);
    EXPECT_FALSE(read.outcome.whole) << input;
    EXPECT_FALSE(read.outcome.problem.empty());
  }
  const Read read = readJson("[{\"id\": \"E1\"},\n {\"id\": \"E2\", \"n\": 1x}\n]", false);
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem, "line 2: the JSON does not parse: not a JSON value: 1x")
      << read.outcome.problem;
}

TEST(JsonReaderTest, CutShortLastJsonLineIsNotWhole) {
  const Read read = readJson("{\"id\": \"E1\"}\n{\"id\": \"E2\", \"na", true);
  ASSERT_EQ(read.sink.records.size(), 1u);
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem.rfind("line 2: the last line is cut short (", 0), 0u)
      << read.outcome.problem;
  EXPECT_EQ(read.outcome.records, 1u);
}

TEST(JsonReaderTest, BadJsonLineMidFileIsRejectedAndReadingGoesOn) {
  const Read read = readJson(
      "{\"id\": \"E1\"}\n"
      "{\"id\": \"E2\", oops}\n"
      "{\"id\": \"E3\"} {\"id\": \"E4\"}\n"
      "{\"id\": \"E5\"}\n",
      true);
  ASSERT_EQ(read.sink.records.size(), 4u) << describe(read);
  EXPECT_TRUE(read.sink.records[0].problem.empty());
  EXPECT_EQ(read.sink.records[1].problem.rfind("it does not parse", 0), 0u)
      << read.sink.records[1].problem;
  EXPECT_TRUE(read.sink.records[1].fields.empty());
  EXPECT_EQ(read.sink.records[1].line, 2u);
  EXPECT_EQ(read.sink.records[2].problem.rfind("it does not parse", 0), 0u);
  EXPECT_TRUE(read.sink.records[3].problem.empty());
  EXPECT_EQ(text(read.sink.records[3], "id"), "E5");
  EXPECT_TRUE(read.outcome.whole);
}

TEST(JsonReaderTest, NonObjectElementIsARejectedRecord) {
  const Read read =
      readJson("[{\"id\": \"E1\"}, 42, \"x\", [1, {\"a\": 2}], null, {\"id\": \"E2\"}]", false);
  ASSERT_EQ(read.sink.records.size(), 6u) << describe(read);
  EXPECT_EQ(read.sink.records[1].problem, "not a JSON object but a number");
  EXPECT_TRUE(read.sink.records[1].fields.empty());
  EXPECT_EQ(read.sink.records[2].problem, "not a JSON object but a string");
  EXPECT_EQ(read.sink.records[3].problem, "not a JSON object but an array");
  EXPECT_EQ(read.sink.records[4].problem, "not a JSON object but null");
  EXPECT_TRUE(read.sink.records[5].problem.empty());
  EXPECT_EQ(read.sink.records[5].number, 6u);
  EXPECT_TRUE(read.outcome.whole);

  const Read lines = readJson("[1]\n{\"id\": \"E2\"}\n", true);
  ASSERT_EQ(lines.sink.records.size(), 2u);
  EXPECT_EQ(lines.sink.records[0].problem, "not a JSON object but an array");
}

TEST(JsonReaderTest, DocumentThatIsNotAnArrayIsNotWhole) {
  const Read read = readJson("{\"id\": \"E1\"}", false);
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem, "the document is an object, not an array of records");
}

TEST(JsonReaderTest, EmptyInputsAreNotWholeButAnEmptyArrayIs) {
  for (std::string_view input : {"", "  \n", "\xEF\xBB\xBF"}) {
    EXPECT_FALSE(readJson(input, false).outcome.whole) << input;
    EXPECT_EQ(readJson(input, false).outcome.problem, "the file is empty");
    EXPECT_FALSE(readJson(input, true).outcome.whole) << input;
    EXPECT_EQ(readJson(input, true).outcome.problem, "the file is empty");
  }
  const Read empty_array = readJson("[ ]\n", false);
  EXPECT_TRUE(empty_array.outcome.whole);
  EXPECT_EQ(empty_array.outcome.records, 0u);
}

TEST(JsonReaderTest, ByteOrderMarkIsDropped) {
  const std::string input = "\xEF\xBB\xBF[{\"id\": \"E1\"}]";
  for (size_t chunk : {0, 1, 2}) {
    const Read read = readJson(input, false, chunk);
    EXPECT_TRUE(read.outcome.whole) << read.outcome.problem;
    ASSERT_EQ(read.sink.records.size(), 1u);
    EXPECT_EQ(text(read.sink.records[0], "id"), "E1");
  }
  EXPECT_EQ(readJson("\xEF\xBB\xBF{\"id\": 1}\n", true).sink.records.size(), 1u);
}

TEST(JsonReaderTest, MaxBytesExceededIsNotWhole) {
  std::string input = "[";
  for (int i = 0; i < 100; ++i) input += "{\"id\": \"E" + std::to_string(i) + "\"},";
  input += "{}]";
  const Read read = readJson(input, false, 16, 512);
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem, "the input is larger than its bound of 512 bytes");
  EXPECT_TRUE(read.sink.records.empty());  // nothing is taken from a partial array

  std::string lines;
  for (int i = 0; i < 100; ++i) lines += "{\"id\": \"E" + std::to_string(i) + "\"}\n";
  const Read jsonl = readJson(lines, true, 16, 512);
  EXPECT_FALSE(jsonl.outcome.whole);
  EXPECT_EQ(jsonl.outcome.problem, "the input is larger than its bound of 512 bytes");
  EXPECT_LT(jsonl.outcome.records, 100u);

  EXPECT_TRUE(readJson(input, false, 0, input.size()).outcome.whole);
}

TEST(JsonReaderTest, StringProblemsRejectTheRecord) {
  const Read read = readJson(
      R"([{"id": "E1", "name": "A\u0007nn"},
          {"id": "E2", "name": "\ud800"},
          {"id": "E3", "note": "tab\tand\nnewline"},
          {"id": "E4", "tags": ["ok", "b\u0000d"]},
          {"id": "E5", "\udc00": 1, "x": 2},
          {"id": "E6", "m": {"k\u001b": 1}}])",
      false);
  ASSERT_EQ(read.sink.records.size(), 6u) << describe(read);
  EXPECT_EQ(read.sink.records[0].problem, "field \"name\": control character U+0007 at byte 2");
  EXPECT_EQ(text(read.sink.records[0], "id"), "E1");  // still readable, to shield E1
  EXPECT_EQ(read.sink.records[1].problem, "field \"name\": a string with an invalid escape");
  EXPECT_TRUE(read.sink.records[2].problem.empty()) << read.sink.records[2].problem;
  EXPECT_EQ(read.sink.records[3].problem, "field \"tags\": control character U+0000 at byte 2");
  EXPECT_EQ(read.sink.records[4].problem, "a key with an invalid escape");
  EXPECT_EQ(text(read.sink.records[4], "x"), "2");  // the rest of the record is still read
  EXPECT_EQ(read.sink.records[5].problem, "a key in field \"m\": control character U+001B");
  EXPECT_TRUE(read.outcome.whole);
}

TEST(JsonReaderTest, InvalidUtf8InArrayIsNotWholeInJsonlOnlyThatLine) {
  const Read array = readJson("[{\"id\": \"E1\"},\n{\"id\": \"E\xFF\"}]", false);
  EXPECT_FALSE(array.outcome.whole);
  EXPECT_EQ(array.outcome.problem, "line 2: invalid UTF-8 (byte 0xFF)");

  const Read lines = readJson("{\"id\": \"E1\"}\n{\"id\": \"E\xFF\"}\n{\"id\": \"E3\"}\n", true);
  ASSERT_EQ(lines.sink.records.size(), 3u);
  EXPECT_EQ(lines.sink.records[1].problem, "invalid UTF-8 (byte 0xFF) at byte 10");
  EXPECT_TRUE(lines.sink.records[2].problem.empty());
  EXPECT_TRUE(lines.outcome.whole);
}

TEST(JsonReaderTest, DuplicateKeysRejectTheRecord) {
  const Read read = readJson(
      R"([{"id": "E1", "id": "E9"},
          {"id": "E2", "m": {"a": 1}, "m": {"b": 2}},
          {"id": "E3", "m.a": 1, "m": {"a": 2}},
          {"id": "E4", "m": {"a": 1, "b": 2}}])",
      false);
  ASSERT_EQ(read.sink.records.size(), 4u);
  EXPECT_EQ(read.sink.records[0].problem, "the key \"id\" appears twice");
  EXPECT_EQ(read.sink.records[1].problem, "the key \"m\" appears twice");
  EXPECT_EQ(read.sink.records[2].problem, "the key \"m.a\" appears twice");
  EXPECT_TRUE(read.sink.records[3].problem.empty());
}

TEST(JsonReaderTest, DeepNestingRejectsTheRecord) {
  std::string deep = "{\"id\": \"E1\", \"x\": ";
  for (int i = 0; i < 40; ++i) deep += "{\"a\": ";
  deep += "1";
  for (int i = 0; i < 40; ++i) deep += "}";
  deep += ", \"after\": \"ok\"}";
  const Read read = readJson("[" + deep + ", {\"id\": \"E2\"}]", false);
  ASSERT_EQ(read.sink.records.size(), 2u) << read.outcome.problem;
  EXPECT_NE(read.sink.records[0].problem.find("nested deeper than 32 levels"), std::string::npos)
      << read.sink.records[0].problem;
  EXPECT_EQ(text(read.sink.records[0], "id"), "E1");
  EXPECT_EQ(text(read.sink.records[0], "after"), "ok");  // the deep part skipped, not the rest
  EXPECT_TRUE(read.sink.records[1].problem.empty());
  EXPECT_TRUE(read.outcome.whole);

  const Read lines = readJson(deep + "\n{\"id\": \"E2\"}\n", true);
  ASSERT_EQ(lines.sink.records.size(), 2u);
  EXPECT_NE(lines.sink.records[0].problem.find("nested deeper"), std::string::npos);
}

TEST(JsonReaderTest, NestingBoundIsThirtyTwoLevelsWithTheRecord) {
  auto nested = [](int levels) {
    std::string doc = "{\"id\": \"E1\", \"x\": ";
    for (int i = 0; i < levels; ++i) doc += "{\"a\": ";
    doc += "1";
    for (int i = 0; i < levels; ++i) doc += "}";
    return doc + "}\n";
  };
  const Read fits = readJson(nested(31), true);
  ASSERT_EQ(fits.sink.records.size(), 1u);
  EXPECT_TRUE(fits.sink.records[0].problem.empty()) << fits.sink.records[0].problem;
  const Read deeper = readJson(nested(32), true);
  ASSERT_EQ(deeper.sink.records.size(), 1u);
  EXPECT_FALSE(deeper.sink.records[0].problem.empty());
}

TEST(JsonReaderTest, NullInsideAListRejectsTheRecord) {
  const Read read = readJson("[{\"id\": \"E1\", \"tags\": [\"a\", null]}]", false);
  ASSERT_EQ(read.sink.records.size(), 1u);
  EXPECT_EQ(read.sink.records[0].problem, "field \"tags\": a list may not hold null");
}

TEST(JsonReaderTest, OverlongJsonLineIsRejected) {
  std::string input = "{\"id\": \"E1\", \"pad\": \"" + std::string(size_t{2} << 20, 'x') + "\"}\n";
  input += "{\"id\": \"E2\"}\n";
  const Read read = readJson(input, true, 64 * 1024, uint64_t{64} << 20);
  ASSERT_EQ(read.sink.records.size(), 2u);
  EXPECT_EQ(read.sink.records[0].problem, "the line is longer than 1 MiB");
  EXPECT_TRUE(read.sink.records[1].problem.empty());
  EXPECT_TRUE(read.outcome.whole);
}

TEST(JsonReaderTest, EverySplitOfAnArrayGivesTheSameRecords) {
  const std::string input =
      "\xEF\xBB\xBF[\n{\"id\": \"E1\", \"n\": \"Jos\xC3\xA9\"},\n 7,\n{\"id\": \"E2\", \"l\": "
      "[1,2]}\n]";
  const std::string whole = describe(readJson(input, false));
  EXPECT_EQ(whole,
            "2/1:id=E1,n=Jos\xC3\xA9,\n"
            "3/2:|not a JSON object but a number\n"
            "4/3:id=E2,l=[1;2;],\n"
            "whole records=3 lines=5");
  for (size_t split = 0; split <= input.size(); ++split) {
    Read read;
    auto reader = makeJsonReader(false, 1 << 20, read.sink);
    reader->feed(std::string_view(input).substr(0, split));
    reader->feed(std::string_view(input).substr(split));
    read.outcome = reader->finish();
    EXPECT_EQ(describe(read), whole) << "split at " << split;
  }
}

}  // namespace
}  // namespace scim_agent
