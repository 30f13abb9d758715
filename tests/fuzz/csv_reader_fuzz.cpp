// Fuzz target: the CSV reader (agent/sources) on arbitrary bytes. The first byte picks the
// delimiter and a split point; the rest is the file. Properties:
// - the records and the outcome do not depend on how the input is split into feeds;
// - every record passed without a problem has exactly the header's fields, each valid UTF-8
//   without control characters other than tab and line breaks;
// - records are numbered 1, 2, 3… on non-decreasing lines; outcome.records counts them;
// - a whole read had a header row.
#include <string>
#include <vector>

#include "agent/sources/record.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/record_reader_fuzz.h"

namespace {

using namespace scim_agent;

class Collect : public fuzz::RecordLog {
 public:
  Collect() : RecordLog("csv") {}

  bool onHeader(const std::vector<std::string>& columns) override {
    header = columns;
    ++headers;
    return true;
  }

  std::vector<std::string> header;
  int headers = 0;

 private:
  void checkRecord(const Record& record) override {
    if (headers != 1) failWith("a record before the header");
    if (!record.problem.empty()) return;
    if (record.fields.size() != header.size()) failWith("good record, wrong field count");
    for (size_t i = 0; i < record.fields.size(); ++i) {
      if (record.fields[i].first != header[i]) failWith("field not named by the header");
    }
  }
};

std::string readAll(const CsvOptions& options, std::string_view input, size_t split,
                    bool byte_by_byte) {
  Collect sink;
  auto reader = makeCsvReader(options, sink);
  ReadOutcome outcome;
  std::string read = fuzz::readLogged(*reader, sink, input, split, byte_by_byte, outcome);
  if (outcome.whole && sink.headers != 1) sink.failWith("whole without a header");
  return read;
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
