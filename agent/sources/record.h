#pragma once

// Records read from an HR export (SPEC §6): the CSV and JSON readers turn bytes into records,
// the mapping (mapping.h) turns a record into a desired user.
//
// Readers are push-based so a source streams from its fetcher (fetch.h) through the reader to
// the mapping without holding the file: feed() the bytes as they arrive, then finish().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scim_agent {

// One field of a record. CSV fields are always scalars. JSON: strings as decoded, numbers and
// booleans as written ("42", "true"), null as is_null with empty text; an array of scalars is a
// list (its items as scalars are); nested objects are flattened into dotted names
// ("manager.id"), and arrays of objects into indexed ones ("phones.0.number").
struct FieldValue {
  std::string text;                // a scalar's text
  std::vector<std::string> items;  // a list's items
  bool is_list = false;
  bool is_null = false;
};

struct Record {
  size_t line = 0;    // the line of the file the record starts on (1-based; the header is line 1)
  size_t number = 0;  // its ordinal among the data records (1-based; the header row not counted)
  // CSV: every column in header order, named by the header. JSON: the flattened fields in
  // document order.
  std::vector<std::pair<std::string, FieldValue>> fields;
  // Non-empty when the reader found the record itself bad (invalid UTF-8 in a field, a
  // control character, more or fewer fields than the header, a JSON line that does not parse,
  // a JSON value that is not an object). The fields it could read are still there, so the
  // caller can read the externalId to shield that person (SPEC §16); the record is rejected.
  std::string problem;

  // The field named `name`, nullptr when the record has none.
  const FieldValue* find(std::string_view name) const;
};

// Where the records go. The reader calls onHeader once (CSV only) before any record, then
// onRecord for each record in file order. The Record passed is reused by the reader: copy what
// must outlive the call.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // CSV: the header row's names (BOM stripped). Return false to stop reading (the caller found
  // a problem with the header, say a column the mapping needs is missing); finish() then
  // reports the read as stopped.
  virtual bool onHeader(const std::vector<std::string>& columns) = 0;
  virtual void onRecord(const Record& record) = 0;
};

// How a read ended.
struct ReadOutcome {
  // False when the input cannot be trusted to be all there (SPEC §6 "source integrity"): an
  // empty input, no header row, a last record cut short (an unterminated quoted field at the
  // end, or a last line without a line break that has fewer fields than the header), a JSON
  // array that does not close, a last JSON line without its newline that does not parse,
  // the sink stopping the read, or more bytes than the reader may hold.
  bool whole = true;
  std::string problem;  // why not whole, naming the line ("line 1043: the last record is cut short")
  size_t records = 0;   // records passed to onRecord
  size_t lines = 0;     // lines read (the last one counted even without its line break)
};

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // The next bytes of the input, in order, any split (a chunk may end inside a field, a
  // multi-byte character or a CRLF).
  virtual void feed(std::string_view bytes) = 0;
  // The end of input. Call once, after the last feed().
  virtual ReadOutcome finish() = 0;
};

struct CsvOptions {
  char delimiter = ',';  // sources[].delimiter: one ASCII character (not a quote, CR or LF)
};

// RFC 4180 CSV over libcsv: a header row naming the columns, quoted fields holding delimiters,
// quotes ("") and line breaks, CRLF or LF line ends, a UTF-8 BOM at the start ignored, blank
// lines skipped. Each field must be valid UTF-8 without control characters (a line break inside
// a quoted field is allowed; tab too); a record that breaks that, or has a field count other
// than the header's, reaches onRecord with `problem` set. Header names are trimmed of
// surrounding spaces; an empty or duplicate header name makes the read not whole.
std::unique_ptr<RecordReader> makeCsvReader(const CsvOptions& options, RecordSink& sink);

// JSON records (simdjson). `lines` false: the input is one array of objects (the whole input is
// held, up to `max_bytes`); true (jsonl): one object per line, blank lines skipped, streamed.
// A record's line is the line its object starts on.
std::unique_ptr<RecordReader> makeJsonReader(bool lines, uint64_t max_bytes, RecordSink& sink);

}  // namespace scim_agent
