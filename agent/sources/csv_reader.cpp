// The CSV reader of record.h over libcsv (Debian libcsv-dev 3.0.3).
//
// How libcsv is driven, and why:
// - CSV_STRICT: a quote inside an unquoted field, or anything but a delimiter or a line break
//   after a closing quote, is an error instead of being taken as data (RFC 4180 §2.5–2.7).
//   libcsv stops at the byte; we reject that record (its fields so far, with a problem), drop
//   the rest of its line, start a fresh parser and go on with the next line. A quoted field that
//   held line breaks before the error ends its record there too: what follows the next line
//   break is read as a new record, and is rejected in its turn if it does not fit.
// - CSV_STRICT_FINI: a quoted field still open at the end of input fails csv_fini, which is how
//   an input cut inside a quoted field is told from a whole one.
// - Not CSV_APPEND_NULL: fields are taken with their length (they may hold NUL bytes, which
//   the UTF-8 check then rejects as a control character).
// - The space function says "no space": libcsv by default drops spaces and tabs around unquoted
//   fields, but RFC 4180 §2.4 makes them part of the field. (The mapping has `trim`.)
// - Lines are counted here, not by libcsv: bytes are passed one line at a time (each slice ends
//   at a line feed or earlier), so the line a record starts on is the line of the slice in which
//   its first byte arrived, even when a quoted field holds line breaks.
// - Size: libcsv grows its field buffer without bound, so slices are at most 64 KiB and after
//   each one the field in progress plus the fields of the record so far are checked against
//   kMaxRecordBytes. A record beyond it ends the read (not whole): no HR record is that large, and
//   the usual cause, a quote that never closes, leaves no trustworthy place to resume.
// - Memory does not grow with the number of records: one Record and one set of field buffers
//   are reused.

#include <algorithm>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <csv.h>

#include "agent/base/utf8.h"
#include "agent/sources/reader_internal.h"
#include "agent/sources/record.h"

namespace scim_agent {
namespace {

using reader_internal::kMaxRecordBytes;
using reader_internal::kMaxRecordText;

constexpr size_t kSliceBytes = 64 * 1024;
constexpr size_t kParserBlockBytes = 16 * 1024;  // libcsv grows its buffer by this much

int noSpace(unsigned char /*c*/) { return 0; }

std::string inQuotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

class CsvReader final : public RecordReader {
 public:
  CsvReader(const CsvOptions& options, RecordSink& sink)
      : sink_(sink), delimiter_(options.delimiter) {
    const auto d = static_cast<unsigned char>(options.delimiter);
    if (d == '"' || (d < 0x20 && d != '\t') || d >= 0x7F) {
      std::string shown = d >= 0x20 && d < 0x7F ? std::string(1, options.delimiter)
                                                : codePointName(static_cast<char32_t>(d));
      stop("the delimiter " + shown +
           " cannot be used (one ASCII character, not a quote or a line break)");
    }
    startParser();
  }
  ~CsvReader() override {
    if (parser_ready_) csv_free(&parser_);
  }
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  void feed(std::string_view bytes) override {
    if (finished_ || stopped_) return;
    try {
      const std::string_view data = bom_.push(bytes, released_);
      if (!released_.empty()) feedData(released_);
      feedData(data);
    } catch (const std::exception& e) {
      stop(here() + e.what());
    }
  }

  ReadOutcome finish() override {
    if (finished_) return outcome_;
    finished_ = true;
    try {
      const std::string held = bom_.end();
      if (!stopped_ && !held.empty()) feedData(held);
      if (!stopped_ && !skipping_line_) {
        if (csv_fini(&parser_, onField, onRow, this) != 0 && !stopped_) {
          stop("line " + std::to_string(record_line_) +
               ": the last record is cut short (a quoted field does not close)");
        }
      }
      if (!stopped_ && !have_header_) stop("the file is empty (no header row)");
    } catch (const std::exception& e) {
      stop(here() + e.what());
    }
    outcome_.lines = line_breaks_ + (partial_line_ ? 1 : 0);
    return outcome_;
  }

 private:
  void startParser() {
    if (parser_ready_) csv_free(&parser_);
    parser_ready_ = csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI) == 0;
    if (!parser_ready_) {
      stop("the CSV parser could not start");
      return;
    }
    csv_set_delim(&parser_, static_cast<unsigned char>(delimiter_));
    csv_set_space_func(&parser_, noSpace);
    csv_set_blk_size(&parser_, kParserBlockBytes);
  }

  std::string here() const { return "line " + std::to_string(line_breaks_ + 1) + ": "; }

  void stop(std::string problem) {
    if (stopped_) return;
    stopped_ = true;
    outcome_.whole = false;
    outcome_.problem = std::move(problem);
  }

  // Splits `data` into slices that each end at a line feed or earlier, so every byte of a slice
  // is on line `line_breaks_ + 1`.
  void feedData(std::string_view data) {
    while (!data.empty() && !stopped_) {
      const std::string_view window = data.substr(0, kSliceBytes);
      const size_t lf = window.find('\n');
      const std::string_view slice =
          lf == std::string_view::npos ? window : window.substr(0, lf + 1);
      const size_t len = slice.size();
      data.remove_prefix(len);
      const bool ends_line = slice.back() == '\n';
      if (skipping_line_) {
        skipping_line_ = !ends_line;
      } else {
        feedSlice(slice);
      }
      if (ends_line) {
        ++line_breaks_;
        partial_line_ = false;
      } else {
        partial_line_ = true;
      }
    }
  }

  bool recordInProgress() const {
    return field_count_ > 0 || parser_.entry_pos > 0 || parser_.quoted != 0;
  }

  void feedSlice(std::string_view slice) {
    if (!recordInProgress()) record_line_ = line_breaks_ + 1;
    const size_t used = csv_parse(&parser_, slice.data(), slice.size(), onField, onRow, this);
    if (stopped_) return;
    if (used < slice.size()) {
      const int error = csv_error(&parser_);
      if (error != CSV_EPARSE) {
        stop(here() + csv_strerror(error));
        return;
      }
      malformedRow(parser_.quoted != 0);
      if (stopped_) return;
      startParser();
      // The rest of the line goes with the rejected record.
      skipping_line_ = slice.back() != '\n';
      return;
    }
    if (record_bytes_ + parser_.entry_pos > kMaxRecordBytes) {
      stop("line " + std::to_string(record_line_) + ": a record larger than " +
           std::string(kMaxRecordText) + " (a quote that never closes?)");
    }
  }

  static void onField(void* data, size_t size, void* self) {
    static_cast<CsvReader*>(self)->addField(static_cast<const char*>(data), size);
  }
  static void onRow(int terminator, void* self) {
    static_cast<CsvReader*>(self)->endRow(terminator);
  }

  // Called from libcsv's C frames: nothing may be thrown through them.
  void addField(const char* data, size_t size) noexcept {
    if (stopped_) return;
    try {
      record_bytes_ += size + 1;
      if (record_bytes_ > kMaxRecordBytes) {
        stop("line " + std::to_string(record_line_) + ": a record larger than " +
             std::string(kMaxRecordText));
        return;
      }
      if (field_count_ == fields_.size()) fields_.emplace_back();
      fields_[field_count_++].assign(data == nullptr ? "" : data, size);
    } catch (const std::exception& e) {
      stop(here() + e.what());
    }
  }

  void endRow(int terminator) noexcept {
    if (stopped_) return;
    try {
      if (!have_header_) {
        header();
      } else if (!isBlankRow()) {
        dataRow(terminator);
      }
    } catch (const std::exception& e) {
      stop(here() + e.what());
    }
    field_count_ = 0;
    record_bytes_ = 0;
    record_line_ = line_breaks_ + 1;
  }

  // libcsv skips empty lines itself; a line of only spaces is one field of spaces to it.
  bool isBlankRow() const {
    return field_count_ == 1 && !fields_[0].empty() &&
           reader_internal::trimSpaces(fields_[0]).empty();
  }

  void header() {
    const std::string at = "line " + std::to_string(record_line_) + ": ";
    if (isBlankRow()) return;
    columns_.clear();
    for (size_t i = 0; i < field_count_; ++i) {
      const std::string_view name = reader_internal::trimSpaces(fields_[i]);
      if (auto problem = findTextProblem(name)) {
        stop(at + "column " + std::to_string(i + 1) + " of the header: " + problem->describe());
        return;
      }
      if (name.empty()) {
        stop(at + "column " + std::to_string(i + 1) + " of the header has no name");
        return;
      }
      const auto seen = std::find(columns_.begin(), columns_.end(), name);
      if (seen != columns_.end()) {
        stop(at + "the header names column " + inQuotes(name) + " twice (columns " +
             std::to_string(seen - columns_.begin() + 1) + " and " + std::to_string(i + 1) + ")");
        return;
      }
      columns_.emplace_back(name);
    }
    have_header_ = true;
    if (!sink_.onHeader(columns_)) stop(at + "the read was stopped at the header row");
  }

  std::string columnName(size_t i) const {
    return i < columns_.size() ? "column " + inQuotes(columns_[i])
                               : "column " + std::to_string(i + 1);
  }

  // Moves the fields read into record_ (named by the header; fields beyond it are dropped).
  void fillRecord() {
    const size_t named = std::min(field_count_, columns_.size());
    record_.fields.resize(named);
    for (size_t i = 0; i < named; ++i) {
      auto& [name, value] = record_.fields[i];
      name = columns_[i];
      value.text.swap(fields_[i]);
      value.items.clear();
      value.is_list = false;
      value.is_null = false;
    }
  }

  void dataRow(int terminator) {
    // The last line, without its line break, with fewer fields than the header: the file was
    // cut there (a whole line ends with a line break, or has every field).
    if (terminator == -1 && field_count_ < columns_.size()) {
      stop("line " + std::to_string(record_line_) + ": the last record is cut short (" +
           std::to_string(field_count_) + " of " + std::to_string(columns_.size()) + " fields)");
      return;
    }
    std::string problem;
    if (field_count_ != columns_.size()) {
      problem = std::to_string(field_count_) + (field_count_ == 1 ? " field" : " fields") +
                ", the header has " + std::to_string(columns_.size());
    }
    for (size_t i = 0; i < field_count_; ++i) {
      if (auto text_problem = findTextProblem(fields_[i], U"\t\n\r")) {
        if (!problem.empty()) problem += "; ";
        problem += columnName(i) + ": " + text_problem->describe() + " at byte " +
                   std::to_string(text_problem->offset + 1);
        break;
      }
    }
    emit(std::move(problem));
  }

  void malformedRow(bool after_closing_quote) {
    const std::string what =
        after_closing_quote
            ? "text after the closing quote of " + columnName(field_count_)
            : "a quote inside " + columnName(field_count_) + ", which is not quoted";
    if (!have_header_) {
      stop("line " + std::to_string(record_line_) + ": the header row is malformed: " + what);
      return;
    }
    emit(what + " (the rest of the line is skipped)");
    field_count_ = 0;
    record_bytes_ = 0;
  }

  void emit(std::string problem) {
    fillRecord();
    record_.line = record_line_;
    record_.number = ++numbered_;
    record_.problem = std::move(problem);
    sink_.onRecord(record_);
    ++outcome_.records;
  }

  RecordSink& sink_;
  const char delimiter_;
  csv_parser parser_{};
  bool parser_ready_ = false;
  reader_internal::BomStripper bom_;
  std::string released_;

  size_t line_breaks_ = 0;     // line feeds passed so far
  bool partial_line_ = false;  // bytes passed since the last line feed
  bool skipping_line_ = false;

  std::vector<std::string> fields_;  // the fields of the row being read; the first field_count_
  size_t field_count_ = 0;
  size_t record_bytes_ = 0;
  size_t record_line_ = 1;  // the line the row being read started on

  bool have_header_ = false;
  std::vector<std::string> columns_;
  Record record_;
  size_t numbered_ = 0;

  bool stopped_ = false;
  bool finished_ = false;
  ReadOutcome outcome_;
};

}  // namespace

std::unique_ptr<RecordReader> makeCsvReader(const CsvOptions& options, RecordSink& sink) {
  return std::make_unique<CsvReader>(options, sink);
}

}  // namespace scim_agent
