// Fuzz target: the CSV reader (agent/sources) on arbitrary bytes. The first byte picks the
// delimiter and a split point; the rest is the file. Properties:
// - the records and the outcome do not depend on how the input is split into feeds;
// - every record passed without a problem has exactly the header's fields, each valid UTF-8
//   without control characters other than tab and line breaks;
// - records are numbered 1, 2, 3… on non-decreasing lines; outcome.records counts them;
// - a whole read had a header row.
#include <string>
#include <vector>

#include "agent/base/utf8.h"
#include "agent/sources/record.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace scim_agent;

class Collect : public RecordSink {
 public:
  bool onHeader(const std::vector<std::string>& columns) override {
    header = columns;
    ++headers;
    return true;
  }
  void onRecord(const Record& record) override {
    log += std::to_string(record.line) + "/" + std::to_string(record.number) + ":";
    for (const auto& [name, value] : record.fields) log += name + "=" + value.text + "\x1F";
    log += "|" + record.problem + "\n";
    check(record);
    ++count;
  }

  void check(const Record& record) {
    if (record.number != count + 1) fuzz::fail("csv: records not numbered in order", log);
    if (record.line < last_line) fuzz::fail("csv: record lines go back", log);
    last_line = record.line;
    if (headers != 1) fuzz::fail("csv: a record before the header", log);
    if (!record.problem.empty()) return;
    if (record.fields.size() != header.size())
      fuzz::fail("csv: good record, wrong field count", log);
    for (size_t i = 0; i < record.fields.size(); ++i) {
      if (record.fields[i].first != header[i])
        fuzz::fail("csv: field not named by the header", log);
      if (findTextProblem(record.fields[i].second.text, U"\t\n\r")) {
        fuzz::fail("csv: good record with bad text", log);
      }
    }
  }

  std::vector<std::string> header;
  int headers = 0;
  size_t count = 0;
  size_t last_line = 0;
  std::string log;
};

std::string readAll(const CsvOptions& options, std::string_view input, size_t split,
                    bool byte_by_byte) {
  Collect sink;
  auto reader = makeCsvReader(options, sink);
  if (byte_by_byte) {
    for (size_t i = 0; i < input.size(); ++i) reader->feed(input.substr(i, 1));
  } else {
    reader->feed(input.substr(0, split));
    reader->feed(input.substr(split));
  }
  const ReadOutcome outcome = reader->finish();
  if (outcome.records != sink.count)
    fuzz::fail("csv: outcome.records is not the records passed", sink.log);
  if (outcome.whole && sink.headers != 1) fuzz::fail("csv: whole without a header", sink.log);
  if (!outcome.whole && outcome.problem.empty())
    fuzz::fail("csv: not whole without a problem", sink.log);
  return sink.log + (outcome.whole ? "whole" : "NOT WHOLE " + outcome.problem) + " " +
         std::to_string(outcome.lines);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  CsvOptions options;
  options.delimiter = kDelimiters[data[0] & 3];
  const std::string_view input = fuzz::asText(data + 1, size - 1);
  const size_t split = input.empty() ? 0 : (data[0] >> 2) % (input.size() + 1);
  const std::string one = readAll(options, input, input.size(), false);
  const std::string two = readAll(options, input, split, false);
  if (one != two) fuzz::fail("csv: a split feed read differently", one + "\n----\n" + two);
  if (input.size() <= 4096) {
    const std::string bytes = readAll(options, input, 0, true);
    if (one != bytes)
      fuzz::fail("csv: a byte-by-byte feed read differently", one + "\n----\n" + bytes);
  }
  return 0;
}
