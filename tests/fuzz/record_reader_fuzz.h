#pragma once

// Shared by the record reader fuzz targets (csv_reader_fuzz.cpp, json_reader_fuzz.cpp): a sink
// that logs every record and checks the properties all readers keep, and a read that checks the
// outcome against it.

#include <cstddef>
#include <string>
#include <string_view>

#include "agent/base/utf8.h"
#include "agent/sources/record.h"
#include "tests/fuzz/fuzz_util.h"

namespace scim_agent::fuzz {

// Logs every record as text (for comparing reads) and checks that records are numbered 1, 2, 3…
// on non-decreasing lines and that a record without a problem holds only clean text (tab and
// line breaks allowed). Failures start with the reader's name ("csv: …").
class RecordLog : public RecordSink {
 public:
  explicit RecordLog(const char* reader) : reader_(reader) {}

  void onRecord(const Record& record) final {
    log += std::to_string(record.line) + "/" + std::to_string(record.number) + ":";
    for (const auto& [name, value] : record.fields) {
      log += name + "=" + (value.is_null ? "null" : value.text);
      for (const auto& item : value.items) log += "[" + item + "]";
      log += "\x1F";
    }
    log += "|" + record.problem + "\n";
    if (record.number != count + 1) failWith("records not numbered in order");
    if (record.line < last_line) failWith("record lines go back");
    last_line = record.line;
    checkRecord(record);
    if (record.problem.empty()) {
      for (const auto& [name, value] : record.fields) {
        bool bad = findTextProblem(value.text, U"\t\n\r").has_value();
        for (const auto& item : value.items) bad = bad || findTextProblem(item, U"\t\n\r");
        if (bad) failWith("good record with bad text");
      }
    }
    ++count;
  }

  [[noreturn]] void failWith(const char* what) const {
    fail((std::string(reader_) + ": " + what).c_str(), log);
  }

  size_t count = 0;
  size_t last_line = 0;
  std::string log;

 protected:
  // The reader's own checks of a record (after the numbering's).
  virtual void checkRecord(const Record&) {}

 private:
  const char* reader_;
};

// Feeds `input` to `reader` in two pieces split at `split` (byte by byte with `byte_by_byte`) and
// finishes; checks that the outcome counts the records `sink` was passed and that a read that is
// not whole says why. Returns the log and the outcome as text, for comparing reads.
inline std::string readLogged(RecordReader& reader, RecordLog& sink, std::string_view input,
                              size_t split, bool byte_by_byte, ReadOutcome& outcome) {
  if (byte_by_byte) {
    for (size_t i = 0; i < input.size(); ++i) reader.feed(input.substr(i, 1));
  } else {
    reader.feed(input.substr(0, split));
    reader.feed(input.substr(split));
  }
  outcome = reader.finish();
  if (outcome.records != sink.count) sink.failWith("outcome.records is not the records passed");
  if (!outcome.whole && outcome.problem.empty()) sink.failWith("not whole without a problem");
  return sink.log + (outcome.whole ? "whole" : "NOT WHOLE " + outcome.problem) + " " +
         std::to_string(outcome.lines);
}

}  // namespace scim_agent::fuzz
