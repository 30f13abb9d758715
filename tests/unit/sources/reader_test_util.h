#pragma once

// Helpers of the CSV and JSON reader tests (csv_reader_test.cpp, json_reader_test.cpp): a sink
// that keeps what it is passed, a read in chunks, and records as text for whole comparisons.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "agent/sources/record.h"

namespace scim_agent::reader_test {

// Keeps copies of what the reader passes (the Record it passes is reused).
class Collect : public RecordSink {
 public:
  bool onHeader(const std::vector<std::string>& columns) override {
    header = columns;
    ++headers;
    return accept_header;
  }
  void onRecord(const Record& record) override { records.push_back(record); }

  std::vector<std::string> header;
  int headers = 0;
  bool accept_header = true;
  std::vector<Record> records;
};

struct Read {
  Collect sink;
  ReadOutcome outcome;
};

// Reads `input` with the reader `make(sink)` returns, in chunks of `chunk` bytes (0: in one
// piece).
template <class MakeReader>
Read readInChunks(std::string_view input, size_t chunk, MakeReader make) {
  Read read;
  auto reader = make(read.sink);
  if (chunk == 0) {
    reader->feed(input);
  } else {
    for (size_t i = 0; i < input.size(); i += chunk) reader->feed(input.substr(i, chunk));
  }
  read.outcome = reader->finish();
  return read;
}

// A field's text, "<none>" when the record has no such field.
inline std::string text(const Record& record, std::string_view name) {
  const FieldValue* value = record.find(name);
  return value == nullptr ? "<none>" : value->text;
}

// Every record as "line/number:name=text,name=[item;item;],name=null|problem", then the outcome.
inline std::string describe(const Read& read) {
  std::string out;
  for (const Record& r : read.sink.records) {
    out += std::to_string(r.line) + "/" + std::to_string(r.number) + ":";
    for (const auto& [name, value] : r.fields) {
      out += name + "=";
      if (value.is_null) out += "null";
      if (value.is_list) {
        out += "[";
        for (const auto& item : value.items) out += item + ";";
        out += "]";
      } else {
        out += value.text;
      }
      out += ",";
    }
    if (!r.problem.empty()) out += "|" + r.problem;
    out += "\n";
  }
  out += read.outcome.whole ? "whole" : "NOT WHOLE: " + read.outcome.problem;
  out += " records=" + std::to_string(read.outcome.records) +
         " lines=" + std::to_string(read.outcome.lines);
  return out;
}

}  // namespace scim_agent::reader_test
