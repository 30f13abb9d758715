// The JSON readers of record.h over simdjson's On-Demand API (Debian libsimdjson-dev 3.0.1).
//
// Why On-Demand and not the DOM: numbers must reach the mapping as written ("1.50", an
// employee number of 30 digits), and On-Demand hands out each scalar's raw token; it also points
// into the input, which gives each record's line. Its price: it checks only what is read. So every
// scalar is read (atoms and numbers are checked against the JSON grammar here), and any error of
// the document's structure ends the read as not whole: a record is never taken from a document
// that does not parse.
//
// What is a problem of one record (it reaches the sink with `problem` set) and what is not:
// - a record: an element or line that is not an object, a string with an invalid escape (a lone
//   surrogate) or a control character (tab and line breaks allowed), a duplicate key, nesting
//   deeper than kMaxDepth, a null inside a list; in jsonl also a line that does not parse (it
//   ends at its line feed, so the next line is a fresh start) or is longer than kMaxRecordBytes.
// - the read (not whole): an array document that does not parse or close, invalid UTF-8 anywhere
//   in it (simdjson validates the whole input before reading any of it), more input than
//   max_bytes, an empty input, a last jsonl line without its line feed that does not parse.

#include <algorithm>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "agent/base/utf8.h"
#include "agent/sources/reader_internal.h"
#include "agent/sources/record.h"

namespace scim_agent {
namespace {

namespace ondemand = simdjson::ondemand;
using reader_internal::kMaxRecordBytes;
using reader_internal::kMaxRecordText;

constexpr size_t kMaxDepth = 32;  // objects and arrays inside one record, the record included

std::string inQuotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string_view trimJsonSpace(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  return token;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 8259 §6: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool isJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && isDigit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

const char* typeName(ondemand::json_type type) {
  switch (type) {
    case ondemand::json_type::array:
      return "an array";
    case ondemand::json_type::object:
      return "an object";
    case ondemand::json_type::number:
      return "a number";
    case ondemand::json_type::string:
      return "a string";
    case ondemand::json_type::boolean:
      return "a boolean";
    case ondemand::json_type::null:
      return "null";
  }
  return "a value";
}

// Flattens one JSON object into a Record's fields (record.h): nested objects become dotted
// names, arrays of scalars lists, other arrays indexed names. Problems of the record go to
// `problem` (the first one); a broken document stops the walk with `broken` set.
class Flattener {
 public:
  explicit Flattener(Record& record) : record_(record) {}

  // Clears the record's fields and problem and fills them from `object`. False when the
  // document is broken (broken() says why, brokenAt() where).
  bool flatten(ondemand::object& object) {
    record_.fields.clear();
    record_.problem.clear();
    paths_.clear();
    name_.clear();
    broken_.clear();
    broken_at_ = nullptr;
    if (!walkObject(object, 1)) return false;
    checkDuplicates();
    return true;
  }

  // Reads a value that is not a record (an array element that is not an object) only to check
  // that the document holds together.
  bool check(ondemand::value& value) {
    record_.fields.clear();
    paths_.clear();
    name_.clear();
    broken_.clear();
    broken_at_ = nullptr;
    std::string saved = std::move(record_.problem);
    const bool ok = walkValue(value, 1);
    record_.fields.clear();
    record_.problem = std::move(saved);
    return ok;
  }

  const std::string& broken() const { return broken_; }
  const char* brokenAt() const { return broken_at_; }

 private:
  void addProblem(const std::string& problem) {
    if (record_.problem.empty()) record_.problem = problem;
  }

  bool fail(simdjson::error_code error, const char* at) {
    broken_ = simdjson::error_message(error);
    broken_at_ = at;
    return false;
  }
  bool fail(std::string what, const char* at) {
    broken_ = std::move(what);
    broken_at_ = at;
    return false;
  }

  std::string fieldName() const {
    return name_.empty() ? std::string("the record") : "field " + inQuotes(name_);
  }

  bool checkText(std::string_view text) {
    if (auto problem = findTextProblem(text, U"\t\n\r")) {
      addProblem(fieldName() + ": " + problem->describe() + " at byte " +
                 std::to_string(problem->offset + 1));
    }
    return true;
  }

  // The text of a scalar; false when the document is broken. `ok` false when the scalar is
  // unusable for the record (a problem was recorded).
  bool scalar(ondemand::value& value, ondemand::json_type type, std::string& text, bool& is_null,
              bool& ok) {
    const std::string_view token = trimJsonSpace(value.raw_json_token());
    is_null = false;
    ok = true;
    switch (type) {
      case ondemand::json_type::string: {
        std::string_view s;
        const auto error = value.get_string().get(s);
        if (error == simdjson::STRING_ERROR) {
          addProblem(fieldName() + ": a string with an invalid escape");
          ok = false;
          return true;
        }
        if (error) return fail(error, token.data());
        text.assign(s);
        checkText(text);
        return true;
      }
      case ondemand::json_type::number:
        if (!isJsonNumber(token))
          return fail("not a JSON value: " + std::string(token), token.data());
        text.assign(token);
        return true;
      case ondemand::json_type::boolean:
        if (token != "true" && token != "false") {
          return fail("not a JSON value: " + std::string(token), token.data());
        }
        text.assign(token);
        return true;
      case ondemand::json_type::null:
        if (token != "null") return fail("not a JSON value: " + std::string(token), token.data());
        text.clear();
        is_null = true;
        return true;
      case ondemand::json_type::object:
      case ondemand::json_type::array:
        break;
    }
    return fail("not a JSON value", token.data());
  }

  FieldValue& addField() {
    record_.fields.emplace_back(name_, FieldValue{});
    return record_.fields.back().second;
  }

  bool tooDeep(size_t depth) {
    if (depth <= kMaxDepth) return false;
    addProblem(fieldName() + ": nested deeper than " + std::to_string(kMaxDepth) + " levels");
    return true;
  }

  bool walkValue(ondemand::value& value, size_t depth) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) return fail(error, nullptr);
    if (type == ondemand::json_type::object) {
      if (tooDeep(depth)) return true;  // left unread: simdjson skips it
      ondemand::object object;
      if (auto error = value.get_object().get(object)) return fail(error, nullptr);
      return walkObject(object, depth);
    }
    if (type == ondemand::json_type::array) {
      if (tooDeep(depth)) return true;
      ondemand::array array;
      if (auto error = value.get_array().get(array)) return fail(error, nullptr);
      return walkArray(array, depth);
    }
    std::string text;
    bool is_null = false;
    bool ok = true;
    if (!scalar(value, type, text, is_null, ok)) return false;
    if (ok) {
      FieldValue& field = addField();
      field.text = std::move(text);
      field.is_null = is_null;
    }
    return true;
  }

  bool walkObject(ondemand::object& object, size_t depth) {
    const size_t prefix = name_.size();
    for (auto member : object) {
      ondemand::field field;
      if (auto error = std::move(member).get(field)) return fail(error, nullptr);
      std::string_view key;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
        name_.resize(prefix);
        addProblem((prefix == 0 ? std::string("a key") : "a key in " + fieldName()) +
                   " with an invalid escape");
        continue;  // its value is skipped
      }
      if (auto problem = findTextProblem(key)) {  // reported without the key's text
        addProblem((prefix == 0 ? std::string("a key") : "a key in " + fieldName()) + ": " +
                   problem->describe());
      }
      if (prefix > 0) name_ += '.';
      name_.append(key);
      paths_.push_back(name_);
      const bool ok = walkValue(field.value(), depth + 1);
      name_.resize(prefix);
      if (!ok) return false;
    }
    return true;
  }

  // An array of scalars is one list field; once an element is an object or an array, every
  // element gets an indexed name instead ("phones.0.number", "phones.1").
  bool walkArray(ondemand::array& array, size_t depth) {
    const size_t prefix = name_.size();
    std::vector<std::string> items;
    bool indexed = false;
    bool null_item = false;
    size_t index = 0;
    auto indexName = [&](size_t i) {
      name_.resize(prefix);
      if (prefix > 0) name_ += '.';
      name_ += std::to_string(i);
    };
    for (auto element : array) {
      ondemand::value value;
      if (auto error = element.get(value)) return fail(error, nullptr);
      ondemand::json_type type;
      if (auto error = value.type().get(type)) return fail(error, nullptr);
      const bool container =
          type == ondemand::json_type::object || type == ondemand::json_type::array;
      if (container && !indexed) {
        indexed = true;
        for (size_t i = 0; i < items.size(); ++i) {  // the scalars before it, by index
          indexName(i);
          addField().text = std::move(items[i]);
        }
        items.clear();
      }
      if (indexed) {
        indexName(index);
        paths_.push_back(name_);
        if (!walkValue(value, depth + 1)) return false;
      } else {
        std::string text;
        bool is_null = false;
        bool ok = true;
        if (!scalar(value, type, text, is_null, ok)) return false;
        null_item = null_item || is_null;
        if (ok) items.push_back(std::move(text));
      }
      ++index;
    }
    name_.resize(prefix);
    if (!indexed) {
      if (null_item) addProblem(fieldName() + ": a list may not hold null");
      FieldValue& field = addField();
      field.is_list = true;
      field.items = std::move(items);
    }
    return true;
  }

  void checkDuplicates() {
    std::sort(paths_.begin(), paths_.end());
    const auto dup = std::adjacent_find(paths_.begin(), paths_.end());
    if (dup != paths_.end()) addProblem("the key " + inQuotes(*dup) + " appears twice");
  }

  Record& record_;
  std::string name_;                // the name of the value being read
  std::vector<std::string> paths_;  // every key's full name, for duplicates
  std::string broken_;
  const char* broken_at_ = nullptr;
};

// Counts line feeds up to an offset, moving forward through the buffer.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}
  size_t lineAt(size_t offset) {
    offset = std::min(offset, text_.size());
    if (offset < offset_) {
      offset_ = 0;
      line_ = 1;
    }
    line_ +=
        static_cast<size_t>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(offset_),
                                       text_.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
    offset_ = offset;
    return line_;
  }

 private:
  std::string_view text_;
  size_t offset_ = 0;
  size_t line_ = 1;
};

// What both JSON readers share: the BOM at the start, the bound on the input's size, and the
// outcome, whose first problem ends the read (not whole).
class JsonReaderBase : public RecordReader {
 public:
  void feed(std::string_view bytes) final {
    if (finished_ || !outcome_.whole) return;
    try {
      const std::string_view data = bom_.push(bytes, released_);
      take(released_);
      take(data);
    } catch (const std::exception& e) {
      stop(feedFailedAt() + e.what());
    }
  }

 protected:
  JsonReaderBase(uint64_t max_bytes, RecordSink& sink) : sink_(sink), max_bytes_(max_bytes) {}

  // The input's next bytes, without the BOM.
  virtual void take(std::string_view data) = 0;
  // The start of the problem of a feed that threw: "reading the input: ", "line 3: ".
  virtual std::string feedFailedAt() const = 0;

  // Ends the read as not whole, with `problem` (the first one stays).
  void stop(std::string problem) {
    if (!outcome_.whole) return;
    outcome_.whole = false;
    outcome_.problem = std::move(problem);
  }
  void stopTooLarge() {
    stop("the input is larger than its bound of " + std::to_string(max_bytes_) + " bytes");
  }

  RecordSink& sink_;
  const uint64_t max_bytes_;
  reader_internal::BomStripper bom_;
  Record record_;
  bool finished_ = false;
  ReadOutcome outcome_;

 private:
  std::string released_;
};

// lines == false: the whole input is one array of objects.
class JsonArrayReader final : public JsonReaderBase {
 public:
  JsonArrayReader(uint64_t max_bytes, RecordSink& sink) : JsonReaderBase(max_bytes, sink) {}

  ReadOutcome finish() override {
    if (finished_) return outcome_;
    finished_ = true;
    try {
      take(bom_.end());
      outcome_.lines = static_cast<size_t>(std::count(buffer_.begin(), buffer_.end(), '\n')) +
                       (!buffer_.empty() && buffer_.back() != '\n' ? 1 : 0);
      if (outcome_.whole) read();
    } catch (const std::exception& e) {
      stop(std::string("reading the input: ") + e.what());
    }
    // The input is not needed any more; release it now rather than with the reader.
    std::string().swap(buffer_);
    return outcome_;
  }

 private:
  std::string feedFailedAt() const override { return "reading the input: "; }

  void take(std::string_view data) override {
    if (!outcome_.whole || data.empty()) return;
    if (buffer_.size() + data.size() > max_bytes_) {
      stopTooLarge();
      std::string().swap(buffer_);
      return;
    }
    buffer_.append(data);
  }

  std::string lineOf(const char* at, LineCounter& lines) {
    if (at == nullptr || at < buffer_.data() || at > buffer_.data() + buffer_.size()) return "";
    return "line " + std::to_string(lines.lineAt(static_cast<size_t>(at - buffer_.data()))) + ": ";
  }

  // Why simdjson refused the input, with the line when it can be found.
  std::string refused(simdjson::error_code error) {
    LineCounter lines(buffer_);
    if (error == simdjson::UTF8_ERROR || error == simdjson::UNESCAPED_CHARS) {
      if (auto problem = findTextProblem(buffer_, U"\t\n\r")) {
        return "line " + std::to_string(lines.lineAt(problem->offset)) + ": " + problem->describe();
      }
    }
    const size_t end = buffer_.find_last_not_of(" \t\r\n");
    if (end != std::string::npos && buffer_[end] != ']') {
      return "line " + std::to_string(lines.lineAt(end)) +
             ": the JSON array does not close (the input is cut short)";
    }
    return std::string("the JSON does not parse: ") + simdjson::error_message(error);
  }

  void read() {
    if (buffer_.find_first_not_of(" \t\r\n") == std::string::npos) {
      stop("the file is empty");
      return;
    }
    buffer_.reserve(buffer_.size() + simdjson::SIMDJSON_PADDING);
    ondemand::parser parser;
    ondemand::document doc;
    if (auto error = parser.iterate(buffer_.data(), buffer_.size(), buffer_.capacity()).get(doc)) {
      stop(refused(error));
      return;
    }
    ondemand::json_type type;
    if (auto error = doc.type().get(type)) {
      stop(refused(error));
      return;
    }
    if (type != ondemand::json_type::array) {
      stop(std::string("the document is ") + typeName(type) + ", not an array of records");
      return;
    }
    ondemand::array array;
    if (auto error = doc.get_array().get(array)) {
      stop(refused(error));
      return;
    }
    LineCounter lines(buffer_);
    Flattener flattener(record_);
    for (auto element : array) {
      ondemand::value value;
      if (auto error = element.get(value)) {
        stop(refused(error));
        return;
      }
      const char* at = value.raw_json_token().data();
      record_.line = lines.lineAt(static_cast<size_t>(at - buffer_.data()));
      record_.number = outcome_.records + 1;
      ondemand::json_type element_type;
      if (auto error = value.type().get(element_type)) {
        stop(refused(error));
        return;
      }
      bool ok = true;
      if (element_type == ondemand::json_type::object) {
        ondemand::object object;
        ok = value.get_object().get(object) == simdjson::SUCCESS && flattener.flatten(object);
      } else {
        record_.problem = std::string("not a JSON object but ") + typeName(element_type);
        ok = flattener.check(value);
      }
      if (!ok) {
        LineCounter where(buffer_);
        const std::string place = lineOf(flattener.brokenAt(), where);
        stop((place.empty() ? "line " + std::to_string(record_.line) + ": " : place) +
             "the JSON does not parse: " + flattener.broken());
        return;
      }
      sink_.onRecord(record_);
      ++outcome_.records;
    }
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS) {
      LineCounter where(buffer_);
      stop(lineOf(rest, where) + "text after the JSON array");
    }
  }

  std::string buffer_;
};

// lines == true: one object per line, each line parsed on its own as it completes.
class JsonLinesReader final : public JsonReaderBase {
 public:
  JsonLinesReader(uint64_t max_bytes, RecordSink& sink)
      : JsonReaderBase(max_bytes, sink), flattener_(record_) {}

  ReadOutcome finish() override {
    if (finished_) return outcome_;
    finished_ = true;
    try {
      take(bom_.end());
      if (outcome_.whole && (!line_.empty() || line_too_long_)) {
        ++line_breaks_;  // counted as a line though it has no line feed
        endLine(false);
      }
      if (outcome_.whole && !saw_content_) stop("the file is empty");
    } catch (const std::exception& e) {
      stop("line " + std::to_string(line_breaks_) + ": " + e.what());
    }
    outcome_.lines = line_breaks_;
    return outcome_;
  }

 private:
  std::string feedFailedAt() const override {
    return "line " + std::to_string(line_breaks_ + 1) + ": ";
  }

  void take(std::string_view data) override {
    while (!data.empty() && outcome_.whole) {
      const size_t lf = data.find('\n');
      const std::string_view part = data.substr(0, lf);
      if (total_bytes_ + part.size() + (lf == std::string_view::npos ? 0 : 1) > max_bytes_) {
        stopTooLarge();
        return;
      }
      total_bytes_ += part.size();
      if (!line_too_long_) {
        if (line_.size() + part.size() > kMaxRecordBytes) {
          line_too_long_ = true;
          line_.clear();
        } else {
          line_.append(part);
        }
      }
      if (lf == std::string_view::npos) return;
      ++total_bytes_;
      ++line_breaks_;
      endLine(true);
      data.remove_prefix(lf + 1);
    }
  }

  // The line just ended (number line_breaks_); `terminated` false for a last line without its
  // line feed.
  void endLine(bool terminated) {
    const bool too_long = line_too_long_;
    line_too_long_ = false;
    if (!too_long && reader_internal::isBlank(line_)) {
      line_.clear();
      return;
    }
    saw_content_ = true;
    record_.line = line_breaks_;
    record_.number = outcome_.records + 1;
    record_.fields.clear();
    record_.problem.clear();
    std::string problem;
    if (too_long) {
      problem = "the line is longer than " + std::string(kMaxRecordText);
    } else {
      problem = parseLine();
    }
    line_.clear();
    if (!problem.empty() && !terminated) {
      stop("line " + std::to_string(line_breaks_) + ": the last line is cut short (" + problem +
           ")");
      return;
    }
    if (!problem.empty()) {
      record_.fields.clear();  // what a broken line seemed to hold is not trusted
      record_.problem = std::move(problem);
    }
    sink_.onRecord(record_);
    ++outcome_.records;
  }

  // Fills record_ from line_. Returns why the line does not parse, empty when it does (a
  // problem of the record itself is left in record_.problem).
  std::string parseLine() {
    line_.reserve(line_.size() + simdjson::SIMDJSON_PADDING);
    ondemand::document doc;
    if (auto error = parser_.iterate(line_.data(), line_.size(), line_.capacity()).get(doc)) {
      if (error == simdjson::UTF8_ERROR || error == simdjson::UNESCAPED_CHARS) {
        if (auto problem = findTextProblem(line_, U"\t\r")) {
          return problem->describe() + " at byte " + std::to_string(problem->offset + 1);
        }
      }
      return std::string("it does not parse: ") + simdjson::error_message(error);
    }
    ondemand::json_type type;
    if (auto error = doc.type().get(type)) {
      return std::string("it does not parse: ") + simdjson::error_message(error);
    }
    if (type != ondemand::json_type::object) {
      // Left unread: whatever it holds, the line is not a record.
      record_.problem = std::string("not a JSON object but ") + typeName(type);
      return "";
    }
    ondemand::object object;
    if (auto error = doc.get_object().get(object)) {
      return std::string("it does not parse: ") + simdjson::error_message(error);
    }
    if (!flattener_.flatten(object)) return "it does not parse: " + flattener_.broken();
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == simdjson::SUCCESS) {
      return "it does not parse: text after the object";
    }
    return "";
  }

  ondemand::parser parser_;
  std::string line_;  // the line being read, without its line feed (reused)
  bool line_too_long_ = false;
  uint64_t total_bytes_ = 0;
  size_t line_breaks_ = 0;
  bool saw_content_ = false;
  Flattener flattener_;
};

}  // namespace

std::unique_ptr<RecordReader> makeJsonReader(bool lines, uint64_t max_bytes, RecordSink& sink) {
  if (lines) return std::make_unique<JsonLinesReader>(max_bytes, sink);
  return std::make_unique<JsonArrayReader>(max_bytes, sink);
}

}  // namespace scim_agent
