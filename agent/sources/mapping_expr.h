#pragma once

// The expression part of the mapping language (mapping.h): templates with filters, and `when:`
// conditions. Parsed once (Mapping::parse), evaluated per record without parsing again. Internal
// to agent/sources; mapping.cpp turns offsets into config positions and errors into messages.
//
// Bounded by construction: a template or condition is at most kMaxTextLength bytes, a condition
// nests at most kMaxNesting deep, an operand has at most kMaxFilters filters, and no value grows
// beyond kMaxValueBytes. Nothing is executed; the only data read is the record and the tables.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/sources/record.h"

namespace scim_agent::mapping {

inline constexpr size_t kMaxTextLength = 4096;
inline constexpr int kMaxNesting = 32;
inline constexpr size_t kMaxFilters = 16;
inline constexpr size_t kMaxValueBytes = size_t{1} << 20;

// A value while a template or condition is evaluated: one text, or a list of texts.
struct Value {
  bool is_list = false;
  std::string text;                // when !is_list
  std::vector<std::string> items;  // when is_list

  // An empty text, or a list without items.
  bool empty() const { return is_list ? items.empty() : text.empty(); }
};

// `text`, or a list as ["a", "b"] (for --explain and messages).
std::string describeValue(const Value& v);
// `s` cut to its first 80 bytes (whole UTF-8 characters) and "…" when longer, for messages.
std::string brief(std::string_view s);
// `s` in double quotes, with " and \ escaped (as a string literal of the language is written).
std::string quoteLiteral(std::string_view s);

// A lookup table (`tables:`): a key as written maps to a text or a list of texts.
using Table = std::map<std::string, Value, std::less<>>;
using Tables = std::map<std::string, Table, std::less<>>;

// A problem found while parsing, at a byte offset of the text parsed.
struct ParseError {
  size_t offset = 0;
  std::string message;
};

// A field named by a template or condition, at a byte offset of its text.
struct FieldUse {
  std::string name;
  size_t offset = 0;
};

// What evaluation tells --explain: which tables were used and how.
struct Explain {
  std::vector<std::string> notes;  // `map(departments): "100" → "SUPPORT"`
};

// One part of a date("…") format.
struct DateItem {
  char directive = 0;  // 'Y', 'y', 'm', 'd', 'b', 'B'; 0 for a literal character
  char literal = 0;
};

struct Filter {
  enum class Kind { kLower, kUpper, kTrim, kTitle, kDefault, kReplace, kSplit, kDate, kMap };
  Kind kind = Kind::kLower;
  std::vector<std::string> args;  // string arguments; map: the fallback, when given
  const Table* table = nullptr;   // map
  std::string table_name;         // map
  std::vector<DateItem> date;     // date
  std::string source;             // as messages name it: `date("%m/%d/%Y")`, `map(departments)`
};

// A field (or a "string literal") and its filters.
struct Operand {
  bool literal = false;
  std::string text;  // the literal's text, or the field's name
  std::vector<Filter> filters;
};

// Evaluates `operand` on `record`. False, with `error` set (`map(departments): no entry "300"`),
// when a filter cannot produce a value for this record.
bool evaluateOperand(const Operand& operand, const Record& record, Value& out, std::string& error,
                     Explain* explain);

// A template: text with {…} parts.
class Template {
 public:
  // The value for `record`: a text, or a list when the template is exactly one {…} that gives a
  // list. False, with `error` set, when a filter fails or a {…} inside longer text gives a list.
  bool evaluate(const Record& record, Value& out, std::string& error, Explain* explain) const;
  const std::string& source() const { return source_; }
  // True when the template has no {…} part: its value is literal() for every record.
  bool isLiteral() const;
  std::string literal() const;

 private:
  friend class Parser;
  struct Part {
    bool is_expr = false;
    std::string text;  // literal text, or the {…} as written
    Operand expr;
  };
  std::vector<Part> parts_;
  std::string source_;
};

// A `when:` condition.
class Condition {
 public:
  // Whether it holds for `record`. False, with `error` set, when an operand's filter fails.
  bool evaluate(const Record& record, bool& holds, std::string& error, Explain* explain) const;
  const std::string& source() const { return source_; }

 private:
  friend class Parser;
  struct Node {
    enum class Kind { kOr, kAnd, kNot, kEqual, kNotEqual, kIn, kEmpty, kNotEmpty };
    Kind kind = Kind::kOr;
    std::vector<size_t> children;  // kOr, kAnd (two or more), kNot (one)
    Operand left;
    Operand right;                  // kEqual, kNotEqual
    std::vector<std::string> list;  // kIn
  };
  bool evaluateNode(size_t index, const Record& record, bool& holds, std::string& error,
                    Explain* explain) const;
  std::vector<Node> nodes_;
  size_t root_ = 0;
  std::string source_;
};

// Parse `text`. Every problem found is appended to `errors` (at least one when nullopt is
// returned); the fields named are appended to `fields`. `tables` must outlive the result.
std::optional<Template> parseTemplate(std::string_view text, const Tables& tables,
                                      std::vector<ParseError>& errors,
                                      std::vector<FieldUse>& fields);
std::optional<Condition> parseCondition(std::string_view text, const Tables& tables,
                                        std::vector<ParseError>& errors,
                                        std::vector<FieldUse>& fields);

// The filters' names, in the order the reference lists them.
const std::vector<std::string>& filterNames();

// Applies one filter to `v` (mapping_filters.cpp). False, with `error` set, when it cannot.
bool applyFilter(const Filter& filter, Value& v, std::string& error, Explain* explain);
// Compiles a date("…") format into `out`; the problem when it is not one (an unsupported
// directive, a year, month or day missing or given twice).
std::optional<std::string> compileDateFormat(std::string_view format, std::vector<DateItem>& out);

}  // namespace scim_agent::mapping
