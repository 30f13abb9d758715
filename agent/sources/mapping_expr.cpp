// Templates and conditions of the mapping language: a lexer, a recursive-descent parser and the
// evaluator (filters are in mapping_filters.cpp).

#include "agent/sources/mapping_expr.h"

#include <algorithm>
#include <cstdio>

#include "agent/config/yaml_reader.h"

namespace scim_agent::mapping {

namespace {

bool isIdentChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || u >= 0x80;  // bytes of UTF-8 letters ("prénom")
}

// -?digits(.digits)?: a bare number is a literal, not a field.
bool isNumber(std::string_view s) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  const size_t digits_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == digits_start) return false;
  if (i < s.size() && s[i] == '.') {
    const size_t fraction = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == fraction) return false;
  }
  return i == s.size();
}

enum class Tok {
  kIdent,
  kString,
  kPipe,
  kLParen,
  kRParen,
  kComma,
  kLBracket,
  kRBracket,
  kEqual,
  kNotEqual,
  kRBrace,
  kEnd,
  kBad,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // an identifier's name, a string's decoded text
  size_t offset = 0;
  size_t end = 0;
  bool quoted = false;  // a `quoted field` (a name with spaces): never a number literal
};

// How a token reads in a message.
std::string describe(const Token& t, std::string_view source) {
  switch (t.kind) {
    case Tok::kEnd:
      return "the end";
    case Tok::kString:
      return "the string " + quoteLiteral(t.text);
    default:
      return quoteLiteral(source.substr(t.offset, t.end - t.offset));
  }
}

class Lexer {
 public:
  Lexer(std::string_view text, size_t start) : s_(text), pos_(start) {}

  // The next token; a kBad token carries its message in `text`.
  Token next() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
    Token t;
    t.offset = pos_;
    if (pos_ >= s_.size()) {
      t.kind = Tok::kEnd;
      t.end = pos_;
      return t;
    }
    const char c = s_[pos_];
    auto single = [&](Tok kind) {
      t.kind = kind;
      t.end = ++pos_;
      return t;
    };
    switch (c) {
      case '|':
        return single(Tok::kPipe);
      case '(':
        return single(Tok::kLParen);
      case ')':
        return single(Tok::kRParen);
      case ',':
        return single(Tok::kComma);
      case '[':
        return single(Tok::kLBracket);
      case ']':
        return single(Tok::kRBracket);
      case '}':
        return single(Tok::kRBrace);
      case '=':
      case '!':
        if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '=') {
          t.kind = c == '=' ? Tok::kEqual : Tok::kNotEqual;
          pos_ += 2;
          t.end = pos_;
          return t;
        }
        t.kind = Tok::kBad;
        t.text = std::string("unexpected ") + quoteLiteral(std::string(1, c)) + " (did you mean " +
                 quoteLiteral(std::string(1, c) + "=") + "?)";
        t.end = ++pos_;
        return t;
      case '"':
        return string(t);
      case '`':
        return quotedField(t);
      default:
        break;
    }
    if (isIdentChar(c)) {
      while (pos_ < s_.size() && isIdentChar(s_[pos_])) ++pos_;
      t.kind = Tok::kIdent;
      t.text = std::string(s_.substr(t.offset, pos_ - t.offset));
      t.end = pos_;
      return t;
    }
    t.kind = Tok::kBad;
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "%02X", u);
      t.text = std::string("unexpected control character U+00") + buffer;
    } else {
      t.text = "unexpected " + quoteLiteral(std::string(1, c));
    }
    t.end = ++pos_;
    return t;
  }

 private:
  // `First Name`: a field whose name is not an identifier (CSV headers with spaces). No escapes;
  // any character but a backtick and a control character.
  Token quotedField(Token& t) {
    const size_t close = s_.find('`', pos_ + 1);
    t.kind = Tok::kBad;
    if (close == std::string_view::npos) {
      t.text = "unclosed \"`\" (a quoted field is `Name With Spaces`)";
      t.end = pos_ = s_.size();
      return t;
    }
    const std::string_view name = s_.substr(pos_ + 1, close - pos_ - 1);
    t.end = pos_ = close + 1;
    if (name.empty()) {
      t.text = "an empty quoted field \"``\"";
      return t;
    }
    for (char c : name) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) {
        t.text = "a control character in a quoted field";
        return t;
      }
    }
    t.kind = Tok::kIdent;
    t.quoted = true;
    t.text = std::string(name);
    return t;
  }

  Token string(Token& t) {
    ++pos_;  // the opening quote
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        t.kind = Tok::kString;
        t.end = ++pos_;
        return t;
      }
      if (c == '\\') {
        if (pos_ + 1 < s_.size() && (s_[pos_ + 1] == '"' || s_[pos_ + 1] == '\\')) {
          t.text += s_[pos_ + 1];
          pos_ += 2;
          continue;
        }
        t.kind = Tok::kBad;
        t.offset = pos_;
        t.text = pos_ + 1 < s_.size() ? "unknown escape " + std::string(s_.substr(pos_, 2)) +
                                            " in a string (only \\\" and \\\\ are escapes)"
                                      : std::string("a string ends in a lone \"\\\"");
        t.end = s_.size();
        pos_ = s_.size();
        return t;
      }
      t.text += c;
      ++pos_;
    }
    t.kind = Tok::kBad;
    t.text = "unclosed string";
    t.end = pos_;
    return t;
  }

  std::string_view s_;
  size_t pos_;
};

struct FilterSpec {
  const char* name;
  Filter::Kind kind;
  size_t min_args;
  size_t max_args;
  const char* arg_names;  // for messages: `("from", "to")`
};

const std::vector<FilterSpec>& filterSpecs() {
  static const std::vector<FilterSpec> specs = {
      {"lower", Filter::Kind::kLower, 0, 0, ""},
      {"upper", Filter::Kind::kUpper, 0, 0, ""},
      {"trim", Filter::Kind::kTrim, 0, 0, ""},
      {"title", Filter::Kind::kTitle, 0, 0, ""},
      {"default", Filter::Kind::kDefault, 1, 1, "(\"value\")"},
      {"replace", Filter::Kind::kReplace, 2, 2, "(\"from\", \"to\")"},
      {"split", Filter::Kind::kSplit, 1, 1, "(\"separator\")"},
      {"date", Filter::Kind::kDate, 1, 1, "(\"format\")"},
      {"map", Filter::Kind::kMap, 1, 2, "(table, \"fallback\")"},
  };
  return specs;
}

std::string joinedNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

std::string brief(std::string_view s) {
  constexpr size_t kMax = 80;
  if (s.size() <= kMax) return std::string(s);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole chars
  return std::string(s.substr(0, cut)) + "…";
}

std::string quoteLiteral(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string describeValue(const Value& v) {
  if (!v.is_list) return v.text;
  std::string out = "[";
  for (size_t i = 0; i < v.items.size(); ++i) {
    if (i > 0) out += ", ";
    out += quoteLiteral(v.items[i]);
  }
  return out + "]";
}

const std::vector<std::string>& filterNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const FilterSpec& spec : filterSpecs()) out.push_back(spec.name);
    return out;
  }();
  return names;
}

// The parser of one template or condition. It stops at the first syntax error of the text;
// problems that leave the syntax whole (an unknown filter, a wrong argument count, an unknown
// table) are all reported.
class Parser {
 public:
  Parser(std::string_view text, const Tables& tables, std::vector<ParseError>& errors,
         std::vector<FieldUse>& fields)
      : text_(text), tables_(tables), errors_(errors), fields_(fields), lexer_(text, 0) {}

  std::optional<Template> parseTemplate() {
    if (!checkLength("template")) return std::nullopt;
    Template t;
    t.source_ = std::string(text_);
    std::string literal;
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == '{' && i + 1 < text_.size() && text_[i + 1] == '{') {
        literal += '{';
        i += 2;
      } else if (c == '}' && i + 1 < text_.size() && text_[i + 1] == '}') {
        literal += '}';
        i += 2;
      } else if (c == '}') {
        return fail(i, "unmatched \"}\" in template (write \"}}\" for a literal \"}\")");
      } else if (c == '{') {
        if (!literal.empty()) {
          t.parts_.push_back(Template::Part{false, std::move(literal), {}});
          literal.clear();
        }
        lexer_ = Lexer(text_, i + 1);
        advance();
        if (token_.kind == Tok::kRBrace) return fail(i, "empty \"{}\" in template");
        if (token_.kind == Tok::kEnd) return fail(i, "unclosed \"{\" in template");
        Operand operand;
        if (!parseOperand(operand, "after \"{\"")) return std::nullopt;
        if (token_.kind == Tok::kEnd) return fail(i, "unclosed \"{\" in template");
        if (token_.kind != Tok::kRBrace) {
          failToken("expected \"|\" or \"}\" in template");
          return std::nullopt;
        }
        t.parts_.push_back(
            Template::Part{true, std::string(text_.substr(i, token_.end - i)), std::move(operand)});
        i = token_.end;
      } else {
        literal += c;
        ++i;
      }
    }
    if (!literal.empty()) t.parts_.push_back(Template::Part{false, std::move(literal), {}});
    if (errors_.size() != errors_at_start_) return std::nullopt;
    return t;
  }

  std::optional<Condition> parseCondition() {
    if (!checkLength("condition")) return std::nullopt;
    condition_ = Condition();
    condition_.source_ = std::string(text_);
    prefix_ = "condition: ";
    advance();
    if (token_.kind == Tok::kEnd) return fail(0, "empty");
    auto root = parseOr(0);
    if (!root) return std::nullopt;
    if (token_.kind != Tok::kEnd) {
      return fail(token_.offset, "expected \"and\", \"or\" or the end, got " + here());
    }
    if (errors_.size() != errors_at_start_) return std::nullopt;
    condition_.root_ = *root;
    return std::move(condition_);
  }

 private:
  bool checkLength(const char* what) {
    if (text_.size() <= kMaxTextLength) return true;
    errors_.push_back(ParseError{0, std::string(what) + " is " + std::to_string(text_.size()) +
                                        " bytes long; at most " + std::to_string(kMaxTextLength)});
    return false;
  }

  std::nullopt_t fail(size_t offset, std::string message) {
    errors_.push_back(ParseError{offset, prefix_ + std::move(message)});
    return std::nullopt;
  }

  void advance() { token_ = lexer_.next(); }
  std::string here() const { return describe(token_, text_); }
  bool isKeyword(const char* word) const {
    return token_.kind == Tok::kIdent && !token_.quoted && token_.text == word;
  }

  // A bad token is reported as itself.
  bool failToken(const std::string& expected) {
    if (token_.kind == Tok::kBad) {
      errors_.push_back(ParseError{token_.offset, prefix_ + token_.text});
    } else {
      errors_.push_back(ParseError{token_.offset, prefix_ + expected + ", got " + here()});
    }
    return false;
  }

  // FIELD or "literal", then `| filter(args)`…
  bool parseOperand(Operand& out, const std::string& after) {
    if (token_.kind == Tok::kString) {
      out.literal = true;
      out.text = token_.text;
    } else if (token_.kind == Tok::kIdent && !token_.quoted && isNumber(token_.text)) {
      out.literal = true;
      out.text = token_.text;
    } else if (token_.kind == Tok::kIdent) {
      out.text = token_.text;
      fields_.push_back(FieldUse{token_.text, token_.offset});
    } else {
      return failToken("expected a field or a \"string\"" + (after.empty() ? "" : " " + after));
    }
    advance();
    while (token_.kind == Tok::kPipe) {
      advance();
      if (out.filters.size() == kMaxFilters) {
        errors_.push_back(ParseError{token_.offset, prefix_ + "too many filters (at most " +
                                                        std::to_string(kMaxFilters) + ")"});
        return false;
      }
      Filter filter;
      if (!parseFilter(filter)) return false;
      out.filters.push_back(std::move(filter));
    }
    return true;
  }

  struct Arg {
    bool is_string = false;
    std::string text;
    size_t offset = 0;
  };

  bool parseFilter(Filter& filter) {
    if (token_.kind != Tok::kIdent) return failToken("expected a filter after \"|\"");
    const std::string name = token_.text;
    const size_t name_offset = token_.offset;
    advance();
    std::vector<Arg> args;
    if (token_.kind == Tok::kLParen) {
      advance();
      if (token_.kind != Tok::kRParen) {
        while (true) {
          if (token_.kind != Tok::kString && token_.kind != Tok::kIdent) {
            return failToken("expected an argument of " + quoteLiteral(name));
          }
          args.push_back(Arg{token_.kind == Tok::kString, token_.text, token_.offset});
          advance();
          if (token_.kind == Tok::kRParen) break;
          if (token_.kind != Tok::kComma) {
            return failToken("expected \",\" or \")\" in the arguments of " + quoteLiteral(name));
          }
          advance();
        }
      }
      advance();  // the ")"
    }
    const auto& specs = filterSpecs();
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const FilterSpec& s) { return name == s.name; });
    if (spec == specs.end()) {
      const std::string suggestion = closestName(name, filterNames());
      report(name_offset,
             "unknown filter " + quoteLiteral(name) +
                 (suggestion.empty() ? " (filters: " + joinedNames(filterNames()) + ")"
                                     : " (did you mean " + quoteLiteral(suggestion) + "?)"));
      return true;  // the syntax goes on; the error is counted
    }
    filter.kind = spec->kind;
    if (args.size() < spec->min_args || args.size() > spec->max_args) {
      std::string takes;
      if (spec->max_args == 0) {
        takes = "takes no arguments";
      } else if (spec->min_args == spec->max_args) {
        takes = "takes " + std::to_string(spec->min_args) +
                (spec->min_args == 1 ? " argument " : " arguments ") + spec->arg_names;
      } else {
        takes = "takes " + std::to_string(spec->min_args) + " or " +
                std::to_string(spec->max_args) + " arguments " + spec->arg_names;
      }
      report(name_offset,
             "filter " + quoteLiteral(name) + " " + takes + ", got " + std::to_string(args.size()));
      return true;
    }
    // Every argument is a "string" (a bare number too), but map's table name is a name.
    for (size_t i = 0; i < args.size(); ++i) {
      const bool table_name = spec->kind == Filter::Kind::kMap && i == 0;
      if (!table_name && !args[i].is_string && !isNumber(args[i].text)) {
        report(args[i].offset, "filter " + quoteLiteral(name) + ": argument " +
                                   std::to_string(i + 1) + " must be a \"string\", got " +
                                   args[i].text);
        return true;
      }
    }
    filter.source = name + "(";
    for (size_t i = 0; i < args.size(); ++i) {
      const bool table_name = spec->kind == Filter::Kind::kMap && i == 0;
      if (i > 0) filter.source += ", ";
      filter.source += table_name && !args[i].is_string ? args[i].text : quoteLiteral(args[i].text);
    }
    filter.source += ")";
    if (args.empty()) filter.source = name;

    switch (spec->kind) {
      case Filter::Kind::kReplace:
        if (args[0].text.empty()) {
          report(args[0].offset, "filter \"replace\": \"from\" must not be empty");
        }
        filter.args = {args[0].text, args[1].text};
        break;
      case Filter::Kind::kSplit:
        if (args[0].text.empty()) {
          report(args[0].offset, "filter \"split\": the separator must not be empty");
        }
        filter.args = {args[0].text};
        break;
      case Filter::Kind::kDefault:
        filter.args = {args[0].text};
        break;
      case Filter::Kind::kDate:
        if (auto problem = compileDateFormat(args[0].text, filter.date)) {
          report(args[0].offset, filter.source + ": " + *problem);
        }
        break;
      case Filter::Kind::kMap: {
        filter.table_name = args[0].text;
        auto table = tables_.find(args[0].text);
        if (table == tables_.end()) {
          std::vector<std::string> names;
          for (const auto& [table_name, entries] : tables_) names.push_back(table_name);
          report(args[0].offset, "map(" + args[0].text + "): no table " +
                                     quoteLiteral(args[0].text) +
                                     (names.empty() ? std::string(" (no tables are declared)")
                                                    : " (tables: " + joinedNames(names) + ")"));
        } else {
          filter.table = &table->second;
        }
        if (args.size() == 2) filter.args = {args[1].text};
        break;
      }
      default:
        break;
    }
    return true;
  }

  void report(size_t offset, std::string message) {
    errors_.push_back(ParseError{offset, prefix_ + std::move(message)});
  }

  // or := and ("or" and)*
  std::optional<size_t> parseOr(int depth) {
    auto first = parseAnd(depth);
    if (!first) return std::nullopt;
    if (!isKeyword("or")) return first;
    Condition::Node node;
    node.kind = Condition::Node::Kind::kOr;
    node.children.push_back(*first);
    while (isKeyword("or")) {
      advance();
      auto next = parseAnd(depth);
      if (!next) return std::nullopt;
      node.children.push_back(*next);
    }
    return add(std::move(node));
  }

  // and := not ("and" not)*
  std::optional<size_t> parseAnd(int depth) {
    auto first = parseNot(depth);
    if (!first) return std::nullopt;
    if (!isKeyword("and")) return first;
    Condition::Node node;
    node.kind = Condition::Node::Kind::kAnd;
    node.children.push_back(*first);
    while (isKeyword("and")) {
      advance();
      auto next = parseNot(depth);
      if (!next) return std::nullopt;
      node.children.push_back(*next);
    }
    return add(std::move(node));
  }

  // not := "not" not | "(" or ")" | comparison
  std::optional<size_t> parseNot(int depth) {
    if (depth >= kMaxNesting) {
      return fail(token_.offset,
                  "nested too deeply (at most " + std::to_string(kMaxNesting) + " levels)");
    }
    if (isKeyword("not")) {
      advance();
      auto inner = parseNot(depth + 1);
      if (!inner) return std::nullopt;
      Condition::Node node;
      node.kind = Condition::Node::Kind::kNot;
      node.children.push_back(*inner);
      return add(std::move(node));
    }
    if (token_.kind == Tok::kLParen) {
      const size_t open = token_.offset;
      advance();
      auto inner = parseOr(depth + 1);
      if (!inner) return std::nullopt;
      if (token_.kind == Tok::kEnd) return fail(open, "unclosed \"(\"");
      if (token_.kind != Tok::kRParen) {
        failToken("expected \")\"");
        return std::nullopt;
      }
      advance();
      return inner;
    }
    return parseComparison();
  }

  // comparison := operand ("==" | "!=") operand | operand "in" [list] | operand "is" ["not"]
  // "empty"
  std::optional<size_t> parseComparison() {
    Condition::Node node;
    if (isKeyword("and") || isKeyword("or")) {
      failToken("expected a field or a \"string\"");
      return std::nullopt;
    }
    if (!parseOperand(node.left, "")) return std::nullopt;
    if (token_.kind == Tok::kEqual || token_.kind == Tok::kNotEqual) {
      node.kind = token_.kind == Tok::kEqual ? Condition::Node::Kind::kEqual
                                             : Condition::Node::Kind::kNotEqual;
      const std::string op = token_.kind == Tok::kEqual ? "==" : "!=";
      advance();
      if (token_.kind != Tok::kString && token_.kind != Tok::kIdent) {
        failToken("expected an operand after " + quoteLiteral(op));
        return std::nullopt;
      }
      if (isKeyword("and") || isKeyword("or") || isKeyword("not")) {
        failToken("expected an operand after " + quoteLiteral(op));
        return std::nullopt;
      }
      if (!parseOperand(node.right, "after " + quoteLiteral(op))) return std::nullopt;
      return add(std::move(node));
    }
    if (isKeyword("in")) {
      node.kind = Condition::Node::Kind::kIn;
      advance();
      if (token_.kind != Tok::kLBracket) {
        failToken("expected \"[\" after \"in\"");
        return std::nullopt;
      }
      advance();
      if (token_.kind != Tok::kRBracket) {
        while (true) {
          if (token_.kind == Tok::kString ||
              (token_.kind == Tok::kIdent && isNumber(token_.text))) {
            node.list.push_back(token_.text);
          } else {
            failToken("expected a \"string\" in the list");
            return std::nullopt;
          }
          advance();
          if (token_.kind == Tok::kRBracket) break;
          if (token_.kind != Tok::kComma) {
            failToken("expected \",\" or \"]\" in the list");
            return std::nullopt;
          }
          advance();
        }
      }
      advance();  // the "]"
      return add(std::move(node));
    }
    if (isKeyword("is")) {
      advance();
      node.kind = Condition::Node::Kind::kEmpty;
      if (isKeyword("not")) {
        node.kind = Condition::Node::Kind::kNotEmpty;
        advance();
      }
      if (!isKeyword("empty")) {
        failToken(node.kind == Condition::Node::Kind::kEmpty
                      ? "expected \"empty\" or \"not empty\" after \"is\""
                      : "expected \"empty\" after \"is not\"");
        return std::nullopt;
      }
      advance();
      return add(std::move(node));
    }
    failToken("expected \"==\", \"!=\", \"in\" or \"is\" after " +
              (node.left.literal ? quoteLiteral(node.left.text) : node.left.text));
    return std::nullopt;
  }

  size_t add(Condition::Node node) {
    condition_.nodes_.push_back(std::move(node));
    return condition_.nodes_.size() - 1;
  }

  std::string_view text_;
  const Tables& tables_;
  std::vector<ParseError>& errors_;
  std::vector<FieldUse>& fields_;
  size_t errors_at_start_ = errors_.size();
  Lexer lexer_;
  Token token_;
  std::string prefix_;  // "condition: " in a condition, "" in a template
  Condition condition_;
};

std::optional<Template> parseTemplate(std::string_view text, const Tables& tables,
                                      std::vector<ParseError>& errors,
                                      std::vector<FieldUse>& fields) {
  return Parser(text, tables, errors, fields).parseTemplate();
}

std::optional<Condition> parseCondition(std::string_view text, const Tables& tables,
                                        std::vector<ParseError>& errors,
                                        std::vector<FieldUse>& fields) {
  return Parser(text, tables, errors, fields).parseCondition();
}

bool evaluateOperand(const Operand& operand, const Record& record, Value& out, std::string& error,
                     Explain* explain) {
  out = Value();
  if (operand.literal) {
    out.text = operand.text;
  } else if (const FieldValue* field = record.find(operand.text)) {
    if (field->is_list) {
      out.is_list = true;
      out.items = field->items;
    } else {
      out.text = field->text;  // a null is ""
    }
  }
  for (const Filter& filter : operand.filters) {
    if (!applyFilter(filter, out, error, explain)) return false;
  }
  return true;
}

bool Template::isLiteral() const {
  return std::none_of(parts_.begin(), parts_.end(), [](const Part& p) { return p.is_expr; });
}

std::string Template::literal() const {
  std::string out;
  for (const Part& p : parts_) {
    if (!p.is_expr) out += p.text;
  }
  return out;
}

bool Template::evaluate(const Record& record, Value& out, std::string& error,
                        Explain* explain) const {
  if (parts_.size() == 1 && parts_[0].is_expr) {
    return evaluateOperand(parts_[0].expr, record, out, error, explain);
  }
  out = Value();
  Value part;
  for (const Part& p : parts_) {
    if (!p.is_expr) {
      out.text += p.text;
      continue;
    }
    if (!evaluateOperand(p.expr, record, part, error, explain)) return false;
    if (part.is_list) {
      error = p.text + " gives a list (" + brief(describeValue(part)) +
              "); a list is kept only by a template that is exactly one {…}";
      return false;
    }
    out.text += part.text;
    if (out.text.size() > kMaxValueBytes) {
      error = "the value is longer than " + std::to_string(kMaxValueBytes) + " bytes";
      return false;
    }
  }
  return true;
}

bool Condition::evaluate(const Record& record, bool& holds, std::string& error,
                         Explain* explain) const {
  if (nodes_.empty()) {
    holds = true;
    return true;
  }
  return evaluateNode(root_, record, holds, error, explain);
}

namespace {

// `==` on values: a list equals a text when one of its items does.
bool valuesEqual(const Value& a, const Value& b) {
  if (a.is_list && b.is_list) return a.items == b.items;
  if (a.is_list) return std::find(a.items.begin(), a.items.end(), b.text) != a.items.end();
  if (b.is_list) return std::find(b.items.begin(), b.items.end(), a.text) != b.items.end();
  return a.text == b.text;
}

}  // namespace

bool Condition::evaluateNode(size_t index, const Record& record, bool& holds, std::string& error,
                             Explain* explain) const {
  const Node& node = nodes_[index];
  using Kind = Node::Kind;
  switch (node.kind) {
    case Kind::kOr:
    case Kind::kAnd: {
      const bool stop_on = node.kind == Kind::kOr;  // or stops at the first true, and at false
      for (size_t child : node.children) {
        bool h = false;
        if (!evaluateNode(child, record, h, error, explain)) return false;
        if (h == stop_on) {
          holds = stop_on;
          return true;
        }
      }
      holds = !stop_on;
      return true;
    }
    case Kind::kNot: {
      bool h = false;
      if (!evaluateNode(node.children[0], record, h, error, explain)) return false;
      holds = !h;
      return true;
    }
    case Kind::kEqual:
    case Kind::kNotEqual: {
      Value a;
      Value b;
      if (!evaluateOperand(node.left, record, a, error, explain)) return false;
      if (!evaluateOperand(node.right, record, b, error, explain)) return false;
      holds = valuesEqual(a, b) == (node.kind == Kind::kEqual);
      return true;
    }
    case Kind::kIn: {
      Value a;
      if (!evaluateOperand(node.left, record, a, error, explain)) return false;
      auto listed = [&](const std::string& s) {
        return std::find(node.list.begin(), node.list.end(), s) != node.list.end();
      };
      holds = a.is_list ? std::any_of(a.items.begin(), a.items.end(), listed) : listed(a.text);
      return true;
    }
    case Kind::kEmpty:
    case Kind::kNotEmpty: {
      Value a;
      if (!evaluateOperand(node.left, record, a, error, explain)) return false;
      holds = a.empty() == (node.kind == Kind::kEmpty);
      return true;
    }
  }
  return false;
}

}  // namespace scim_agent::mapping
