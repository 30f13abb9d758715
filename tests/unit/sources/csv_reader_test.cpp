#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "agent/sources/record.h"
#include "tests/unit/sources/reader_test_util.h"

namespace scim_agent {
namespace {

using reader_test::Collect;
using reader_test::describe;
using reader_test::Read;
using reader_test::text;

// Reads `input` in chunks of `chunk` bytes (0: in one piece).
Read readCsv(std::string_view input, size_t chunk = 0, CsvOptions options = {}) {
  return reader_test::readInChunks(input, chunk,
                                   [&](RecordSink& sink) { return makeCsvReader(options, sink); });
}

TEST(CsvReaderTest, ReadsHeaderAndRecordsInOrder) {
  const Read read = readCsv("id,name,email\nE1,Ann,ann@x.example\nE2,Bob,bob@x.example\n");
  EXPECT_EQ(read.sink.header, (std::vector<std::string>{"id", "name", "email"}));
  EXPECT_EQ(read.sink.headers, 1);
  ASSERT_EQ(read.sink.records.size(), 2u);
  const Record& bob = read.sink.records[1];
  EXPECT_EQ(bob.line, 3u);
  EXPECT_EQ(bob.number, 2u);
  EXPECT_EQ(text(bob, "id"), "E2");
  EXPECT_EQ(text(bob, "email"), "bob@x.example");
  EXPECT_EQ(bob.find("phone"), nullptr);
  EXPECT_TRUE(bob.problem.empty());
  ASSERT_EQ(bob.fields.size(), 3u);
  EXPECT_EQ(bob.fields[1].first, "name");  // header order
  EXPECT_FALSE(bob.fields[1].second.is_list);
  EXPECT_TRUE(read.outcome.whole) << read.outcome.problem;
  EXPECT_EQ(read.outcome.records, 2u);
  EXPECT_EQ(read.outcome.lines, 3u);
}

TEST(CsvReaderTest, QuotedFieldsHoldDelimitersQuotesAndSpaces) {
  const Read read = readCsv(
      "id,title,note\n"
      "E1,\"Lead, Support\",\"She said \"\"hi\"\"\"\n"
      "E2, padded ,\"\"\n");
  ASSERT_EQ(read.sink.records.size(), 2u) << describe(read);
  EXPECT_EQ(text(read.sink.records[0], "title"), "Lead, Support");
  EXPECT_EQ(text(read.sink.records[0], "note"), "She said \"hi\"");
  EXPECT_EQ(text(read.sink.records[1], "title"), " padded ");  // RFC 4180 §2.4: spaces are data
  EXPECT_EQ(text(read.sink.records[1], "note"), "");
  EXPECT_TRUE(read.sink.records[0].problem.empty());
  EXPECT_TRUE(read.outcome.whole);
}

TEST(CsvReaderTest, NewlineInsideQuotesKeepsLineNumbersRight) {
  const Read read = readCsv(
      "id,address\n"
      "E1,\"1 Main St\nApt 2\nSpringfield\"\n"
      "E2,\"x\"\n");
  ASSERT_EQ(read.sink.records.size(), 2u) << describe(read);
  EXPECT_EQ(read.sink.records[0].line, 2u);
  EXPECT_EQ(text(read.sink.records[0], "address"), "1 Main St\nApt 2\nSpringfield");
  EXPECT_EQ(read.sink.records[1].line, 5u);  // starts after the three lines of E1
  EXPECT_EQ(read.outcome.lines, 5u);
  EXPECT_TRUE(read.outcome.whole);
}

TEST(CsvReaderTest, CrlfAndLfLineEnds) {
  const Read crlf = readCsv("id,name\r\nE1,Ann\r\nE2,\"B\r\nob\"\r\nE3,Cy\r\n");
  ASSERT_EQ(crlf.sink.records.size(), 3u) << describe(crlf);
  EXPECT_EQ(text(crlf.sink.records[0], "name"), "Ann");  // no CR left on the last field
  EXPECT_EQ(text(crlf.sink.records[1], "name"), "B\r\nob");
  EXPECT_EQ(crlf.sink.records[2].line, 5u);
  EXPECT_TRUE(crlf.outcome.whole);
  const Read lf = readCsv("id,name\nE1,Ann\n");
  EXPECT_EQ(text(lf.sink.records[0], "name"), "Ann");
}

TEST(CsvReaderTest, MissingFinalLineBreakWithAllFieldsIsWhole) {
  const Read read = readCsv("id,name\nE1,Ann\nE2,Bob");
  ASSERT_EQ(read.sink.records.size(), 2u);
  EXPECT_EQ(text(read.sink.records[1], "name"), "Bob");
  EXPECT_TRUE(read.outcome.whole) << read.outcome.problem;
  EXPECT_EQ(read.outcome.lines, 3u);
}

TEST(CsvReaderTest, ByteOrderMarkIsDropped) {
  const Read read = readCsv("\xEF\xBB\xBFid,name\nE1,Ann\n");
  EXPECT_EQ(read.sink.header, (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(text(read.sink.records[0], "id"), "E1");
  EXPECT_TRUE(read.outcome.whole);
}

TEST(CsvReaderTest, ByteOrderMarkSplitAcrossFeeds) {
  for (size_t split = 1; split <= 3; ++split) {
    Collect sink;
    auto reader = makeCsvReader({}, sink);
    const std::string input = "\xEF\xBB\xBFid,name\nE1,Ann\n";
    reader->feed(std::string_view(input).substr(0, split));
    reader->feed(std::string_view(input).substr(split));
    const ReadOutcome outcome = reader->finish();
    EXPECT_EQ(sink.header, (std::vector<std::string>{"id", "name"})) << split;
    EXPECT_TRUE(outcome.whole) << split;
  }
}

TEST(CsvReaderTest, BomLookalikeIsData) {
  // "\xEF\xBB" then not "\xBF": not a BOM, so the bytes stay (and are invalid UTF-8 there).
  const Read read = readCsv("\xEF\xBBX,name\nE1,Ann\n", 1);
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_NE(read.outcome.problem.find("column 1 of the header: invalid UTF-8"), std::string::npos)
      << read.outcome.problem;
}

TEST(CsvReaderTest, EverySplitGivesTheSameRecords) {
  const std::string input =
      "\xEF\xBB\xBF"
      "id,name,note\r\n"
      "E1,\"Jos\xC3\xA9\",\"a,b\"\r\n"
      "\r\n"
      "E2,\"multi\nline \"\"quoted\"\"\",x\r\n"
      "E3,bad\xFF,y\r\n"
      "E4,short\r\n"
      "E5,\xE6\x97\xA5\xE6\x9C\xAC,\"\"\r\n"
      "E6,last,z";
  const std::string whole = describe(readCsv(input));
  EXPECT_EQ(whole,
            "2/1:id=E1,name=Jos\xC3\xA9,note=a,b,\n"
            "4/2:id=E2,name=multi\nline \"quoted\",note=x,\n"
            "6/3:id=E3,name=bad\xFF,note=y,|column \"name\": invalid UTF-8 (byte 0xFF) at byte 4\n"
            "7/4:id=E4,name=short,|2 fields, the header has 3\n"
            "8/5:id=E5,name=\xE6\x97\xA5\xE6\x9C\xAC,note=,\n"
            "9/6:id=E6,name=last,note=z,\n"
            "whole records=6 lines=9");
  for (size_t chunk : {1, 2, 3, 5, 7, 64}) {
    EXPECT_EQ(describe(readCsv(input, chunk)), whole) << "chunks of " << chunk;
  }
  for (size_t split = 0; split <= input.size(); ++split) {
    Read read;
    auto reader = makeCsvReader({}, read.sink);
    reader->feed(std::string_view(input).substr(0, split));
    reader->feed(std::string_view(input).substr(split));
    read.outcome = reader->finish();
    EXPECT_EQ(describe(read), whole) << "split at " << split;
  }
}

TEST(CsvReaderTest, SemicolonAndTabDelimiters) {
  CsvOptions semicolon;
  semicolon.delimiter = ';';
  const Read a = readCsv("id;name\nE1;\"Doe; Ann\"\n", 0, semicolon);
  ASSERT_EQ(a.sink.records.size(), 1u);
  EXPECT_EQ(text(a.sink.records[0], "name"), "Doe; Ann");

  CsvOptions tab;
  tab.delimiter = '\t';
  const Read b = readCsv("id\tname\tnote\nE1\tAnn\t\nE2\t\"B\tob\"\tx,y\n", 0, tab);
  ASSERT_EQ(b.sink.records.size(), 2u) << describe(b);
  EXPECT_EQ(text(b.sink.records[0], "name"), "Ann");
  EXPECT_EQ(text(b.sink.records[0], "note"), "");
  EXPECT_EQ(text(b.sink.records[1], "name"), "B\tob");
  EXPECT_EQ(text(b.sink.records[1], "note"), "x,y");
  EXPECT_TRUE(b.sink.records[1].problem.empty());
}

TEST(CsvReaderTest, UnusableDelimiterIsNotWhole) {
  CsvOptions quote;
  quote.delimiter = '"';
  const Read read = readCsv("id\"name\nE1\"Ann\n", 0, quote);
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_NE(read.outcome.problem.find("delimiter"), std::string::npos);
  EXPECT_TRUE(read.sink.records.empty());
}

TEST(CsvReaderTest, TruncatedLastRowIsNotWholeAndNotPassed) {
  const Read read = readCsv("id,name,email,dept,title\nE1,Ann,a@x,D1,Lead\nE2,Bob,b@");
  ASSERT_EQ(read.sink.records.size(), 1u);
  EXPECT_EQ(text(read.sink.records[0], "id"), "E1");
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem, "line 3: the last record is cut short (3 of 5 fields)");
  EXPECT_EQ(read.outcome.records, 1u);
  EXPECT_EQ(read.outcome.lines, 3u);
}

TEST(CsvReaderTest, ShortRowWithLineBreakIsARejectedRecord) {
  // A line break after it means the line is whole: the record itself is bad.
  const Read read = readCsv("id,name,email\nE1,Ann\n");
  ASSERT_EQ(read.sink.records.size(), 1u);
  EXPECT_EQ(read.sink.records[0].problem, "2 fields, the header has 3");
  EXPECT_TRUE(read.outcome.whole);
}

TEST(CsvReaderTest, UnterminatedQuoteAtEndIsNotWhole) {
  const Read read = readCsv("id,name\nE1,Ann\nE2,\"Bob\nE3,Cy\n");
  ASSERT_EQ(read.sink.records.size(), 1u);
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem,
            "line 3: the last record is cut short (a quoted field does not close)");
}

TEST(CsvReaderTest, EmptyInputsAreNotWhole) {
  for (std::string_view input : {"", "\xEF\xBB\xBF", "\n\n\r\n", "\xEF\xBB\xBF\n"}) {
    const Read read = readCsv(input);
    EXPECT_FALSE(read.outcome.whole) << input;
    EXPECT_EQ(read.outcome.problem, "the file is empty (no header row)");
    EXPECT_EQ(read.sink.headers, 0);
  }
}

TEST(CsvReaderTest, HeaderOnlyIsWholeWithNoRecords) {
  for (std::string_view input : {"id,name\n", "id,name"}) {
    const Read read = readCsv(input);
    EXPECT_TRUE(read.outcome.whole) << read.outcome.problem;
    EXPECT_EQ(read.outcome.records, 0u);
    EXPECT_EQ(read.sink.headers, 1);
    EXPECT_EQ(read.outcome.lines, 1u);
  }
}

TEST(CsvReaderTest, HeaderNamesAreTrimmed) {
  const Read read = readCsv(" id ,\tname\t,\" email \"\nE1,Ann,a@x\n");
  EXPECT_EQ(read.sink.header, (std::vector<std::string>{"id", "name", "email"}));
  ASSERT_EQ(read.sink.records.size(), 1u);
  EXPECT_EQ(text(read.sink.records[0], "email"), "a@x");
}

TEST(CsvReaderTest, DuplicateHeaderIsNotWhole) {
  const Read read = readCsv("id,email,name, email\nE1,a,b,c\n");
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem,
            "line 1: the header names column \"email\" twice (columns 2 and 4)");
  EXPECT_EQ(read.sink.headers, 0);
  EXPECT_TRUE(read.sink.records.empty());
}

TEST(CsvReaderTest, EmptyHeaderNameIsNotWhole) {
  const Read read = readCsv("id,,name\nE1,a,b\n");
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem, "line 1: column 2 of the header has no name");
  EXPECT_TRUE(read.sink.records.empty());
}

TEST(CsvReaderTest, SinkRefusingHeaderStopsTheRead) {
  Read read;
  read.sink.accept_header = false;
  auto reader = makeCsvReader({}, read.sink);
  reader->feed("id,name\nE1,Ann\nE2,Bob\n");
  read.outcome = reader->finish();
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem, "line 1: the read was stopped at the header row");
  EXPECT_TRUE(read.sink.records.empty());
}

TEST(CsvReaderTest, WrongFieldCountMidFileIsRejectedAndReadingGoesOn) {
  const Read read = readCsv(
      "id,name,email,dept,title\n"
      "E1,Ann,a@x,D1,Lead\n"
      "E2,Bob,b@x\n"
      "E3,Cy,c@x,D3,Agent,extra\n"
      "E4,Di,d@x,D4,Agent\n");
  ASSERT_EQ(read.sink.records.size(), 4u);
  EXPECT_TRUE(read.sink.records[0].problem.empty());
  EXPECT_EQ(read.sink.records[1].problem, "3 fields, the header has 5");
  EXPECT_EQ(text(read.sink.records[1], "id"), "E2");  // the externalId can still shield E2
  EXPECT_EQ(read.sink.records[1].line, 3u);
  EXPECT_EQ(read.sink.records[2].problem, "6 fields, the header has 5");
  EXPECT_EQ(read.sink.records[2].fields.size(), 5u);
  EXPECT_TRUE(read.sink.records[3].problem.empty());
  EXPECT_EQ(read.sink.records[3].number, 4u);
  EXPECT_TRUE(read.outcome.whole);
}

TEST(CsvReaderTest, InvalidUtf8RejectsOnlyThatRow) {
  const Read read = readCsv("id,email\nE1,a@x\nE2,bo\xFF@x\nE3,c@x\n");
  ASSERT_EQ(read.sink.records.size(), 3u);
  EXPECT_TRUE(read.sink.records[0].problem.empty());
  EXPECT_EQ(read.sink.records[1].problem, "column \"email\": invalid UTF-8 (byte 0xFF) at byte 3");
  EXPECT_EQ(text(read.sink.records[1], "id"), "E2");
  EXPECT_TRUE(read.sink.records[2].problem.empty());
  EXPECT_TRUE(read.outcome.whole);
}

TEST(CsvReaderTest, ControlCharacterRejectsTheRow) {
  const Read read = readCsv("id,name\nE1,A\x07nn\nE2,\"tab\tand\nnewline ok\"\nE3,\x7F\n");
  ASSERT_EQ(read.sink.records.size(), 3u);
  EXPECT_EQ(read.sink.records[0].problem, "column \"name\": control character U+0007 at byte 2");
  EXPECT_TRUE(read.sink.records[1].problem.empty());
  EXPECT_EQ(read.sink.records[2].problem, "column \"name\": control character U+007F at byte 1");
}

TEST(CsvReaderTest, StrayQuoteRejectsTheRowAndReadingGoesOn) {
  const Read read = readCsv(
      "id,name,note\n"
      "E1,Ann \"The Boss\" Smith,x\n"
      "E2,\"Bob\"by,y\n"
      "E3,Cy,z\n");
  ASSERT_EQ(read.sink.records.size(), 3u) << describe(read);
  EXPECT_EQ(
      read.sink.records[0].problem,
      "a quote inside column \"name\", which is not quoted (the rest of the line is skipped)");
  EXPECT_EQ(text(read.sink.records[0], "id"), "E1");
  EXPECT_EQ(read.sink.records[1].problem,
            "text after the closing quote of column \"name\" (the rest of the line is skipped)");
  EXPECT_EQ(read.sink.records[1].line, 3u);
  EXPECT_TRUE(read.sink.records[2].problem.empty());
  EXPECT_EQ(read.sink.records[2].line, 4u);
  EXPECT_EQ(text(read.sink.records[2], "name"), "Cy");
  EXPECT_TRUE(read.outcome.whole);
}

TEST(CsvReaderTest, MalformedHeaderIsNotWhole) {
  const Read read = readCsv("id,na\"me\nE1,Ann\n");
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem.rfind("line 1: the header row is malformed", 0), 0u)
      << read.outcome.problem;
}

TEST(CsvReaderTest, BlankLinesAreSkippedAndCounted) {
  const Read read = readCsv("\nid,name\n\nE1,Ann\n   \n\r\nE2,Bob\n\n");
  ASSERT_EQ(read.sink.records.size(), 2u) << describe(read);
  EXPECT_EQ(read.sink.records[0].line, 4u);
  EXPECT_EQ(read.sink.records[0].number, 1u);
  EXPECT_EQ(read.sink.records[1].line, 7u);
  EXPECT_EQ(read.sink.records[1].number, 2u);
  EXPECT_EQ(read.outcome.lines, 8u);
  EXPECT_TRUE(read.outcome.whole);
}

TEST(CsvReaderTest, OversizedRecordEndsTheRead) {
  // An opening quote that never closes would swallow the rest of the file into one field.
  std::string input = "id,note\nE1,\"";
  input.append(size_t{3} << 20, 'x');
  input += "\"\nE2,y\n";
  const Read read = readCsv(input, 64 * 1024);
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_EQ(read.outcome.problem.rfind("line 2: a record larger than 1 MiB", 0), 0u)
      << read.outcome.problem;
  EXPECT_TRUE(read.sink.records.empty());
}

TEST(CsvReaderTest, ManyFieldsAreBoundedToo) {
  std::string input = "id\n";
  for (int i = 0; i < 600000; ++i) input += ",,";
  input += "\n";
  const Read read = readCsv(input);
  EXPECT_FALSE(read.outcome.whole);
  EXPECT_NE(read.outcome.problem.find("larger than 1 MiB"), std::string::npos);
}

TEST(CsvReaderTest, RecordObjectIsReusedAcrossRecords) {
  // Streams: the reader keeps no record once it is passed on.
  class Count : public RecordSink {
   public:
    bool onHeader(const std::vector<std::string>&) override { return true; }
    void onRecord(const Record& record) override {
      if (first == nullptr) first = &record;
      same = same && first == &record;
      last_id = record.find("id")->text;
      ++n;
    }
    const Record* first = nullptr;
    bool same = true;
    std::string last_id;
    size_t n = 0;
  } sink;
  auto reader = makeCsvReader({}, sink);
  reader->feed("id,name\n");
  std::string chunk;
  for (int i = 1; i <= 20000; ++i) chunk += "E" + std::to_string(i) + ",Name\n";
  reader->feed(chunk);
  const ReadOutcome outcome = reader->finish();
  EXPECT_TRUE(outcome.whole);
  EXPECT_EQ(sink.n, 20000u);
  EXPECT_TRUE(sink.same);
  EXPECT_EQ(sink.last_id, "E20000");
}

TEST(CsvReaderTest, FinishTwiceGivesTheSameOutcomeAndFeedAfterIsIgnored) {
  Collect sink;
  auto reader = makeCsvReader({}, sink);
  reader->feed("id\nE1\n");
  const ReadOutcome first = reader->finish();
  reader->feed("E2\n");
  const ReadOutcome second = reader->finish();
  EXPECT_EQ(first.records, 1u);
  EXPECT_EQ(second.records, 1u);
  EXPECT_EQ(sink.records.size(), 1u);
}

}  // namespace
}  // namespace scim_agent
