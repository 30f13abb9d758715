// Fuzz target: the JSON and jsonl readers (agent/sources) on arbitrary bytes. The first byte
// picks the mode (bit 0: jsonl) and a split point; the rest is the file. Properties: the records
// and the outcome do not depend on how the input is split into feeds; records are numbered
// 1, 2, 3… on non-decreasing lines; a record without a problem holds only clean text.
#include <string>
#include <vector>

#include "agent/sources/record.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/record_reader_fuzz.h"

namespace {

using namespace scim_agent;

class Collect : public fuzz::RecordLog {
 public:
  Collect() : RecordLog("json") {}

  bool onHeader(const std::vector<std::string>&) override { failWith("onHeader called"); }
};

std::string readAll(bool lines, std::string_view input, size_t split) {
  Collect sink;
  auto reader = makeJsonReader(lines, 1 << 20, sink);
  ReadOutcome outcome;
  return fuzz::readLogged(*reader, sink, input, split, false, outcome);
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
