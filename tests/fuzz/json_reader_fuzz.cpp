// Fuzz target: the JSON and jsonl readers (agent/sources) on arbitrary bytes. The first byte
// picks the mode (bit 0: jsonl) and a split point; the rest is the file. Properties: the records
// and the outcome do not depend on how the input is split into feeds; records are numbered
// 1, 2, 3… on non-decreasing lines; a record without a problem holds only clean text.
#include <string>
#include <vector>

#include "agent/base/utf8.h"
#include "agent/sources/record.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace scim_agent;

class Collect : public RecordSink {
 public:
  bool onHeader(const std::vector<std::string>&) override {
    fuzz::fail("json: onHeader called", "");
  }
  void onRecord(const Record& record) override {
    log += std::to_string(record.line) + "/" + std::to_string(record.number) + ":";
    for (const auto& [name, value] : record.fields) {
      log += name + "=" + (value.is_null ? "null" : value.text);
      for (const auto& item : value.items) log += "[" + item + "]";
      log += "\x1F";
    }
    log += "|" + record.problem + "\n";
    if (record.number != count + 1) fuzz::fail("json: records not numbered in order", log);
    if (record.line < last_line) fuzz::fail("json: record lines go back", log);
    last_line = record.line;
    if (record.problem.empty()) {
      for (const auto& [name, value] : record.fields) {
        bool bad = findTextProblem(value.text, U"\t\n\r").has_value();
        for (const auto& item : value.items) bad = bad || findTextProblem(item, U"\t\n\r");
        if (bad) fuzz::fail("json: good record with bad text", log);
      }
    }
    ++count;
  }
  size_t count = 0;
  size_t last_line = 0;
  std::string log;
};

std::string readAll(bool lines, std::string_view input, size_t split) {
  Collect sink;
  auto reader = makeJsonReader(lines, 1 << 20, sink);
  reader->feed(input.substr(0, split));
  reader->feed(input.substr(split));
  const ReadOutcome outcome = reader->finish();
  if (outcome.records != sink.count)
    fuzz::fail("json: outcome.records is not the records passed", sink.log);
  if (!outcome.whole && outcome.problem.empty())
    fuzz::fail("json: not whole without a problem", sink.log);
  return sink.log + (outcome.whole ? "whole" : "NOT WHOLE " + outcome.problem) + " " +
         std::to_string(outcome.lines);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool lines = (data[0] & 1) != 0;
  const std::string_view input = fuzz::asText(data + 1, size - 1);
  const size_t split = input.empty() ? 0 : (data[0] >> 1) % (input.size() + 1);
  const std::string one = readAll(lines, input, input.size());
  const std::string two = readAll(lines, input, split);
  if (one != two) fuzz::fail("json: a split feed read differently", one + "\n----\n" + two);
  return 0;
}
