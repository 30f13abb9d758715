#include "tests/sim/scim_filter.h"

#include <cctype>
#include <optional>

#include "tests/sim/scim_model.h"
#include "tests/sim/sim_error.h"
#include "tests/sim/sim_json.h"

namespace scim_agent::sim {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

class FilterLexer {
 public:
  explicit FilterLexer(std::string_view text) : text_(text) {}

  void skipSpace() {
    while (pos_ < text_.size() && isSpace(text_[pos_])) ++pos_;
  }
  bool atEnd() {
    skipSpace();
    return pos_ >= text_.size();
  }
  // An attribute path: everything up to whitespace, keeping a bracketed value filter whole.
  std::string attributePath() {
    skipSpace();
    const size_t start = pos_;
    int depth = 0;
    char quote = 0;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (quote != 0) {
        if (c == '\\')
          ++pos_;
        else if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'') {
        if (depth == 0) break;
        quote = c;
      } else if (c == '[') {
        ++depth;
      } else if (c == ']') {
        --depth;
      } else if (isSpace(c) && depth == 0) {
        break;
      }
      ++pos_;
    }
    if (depth != 0 || quote != 0) throw invalidFilter("Unbalanced brackets or quotes in filter.");
    return std::string(text_.substr(start, pos_ - start));
  }
  std::string word() {
    skipSpace();
    const size_t start = pos_;
    while (pos_ < text_.size() && !isSpace(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  // A comparison value: quoted (then nothing may follow) or the rest of the text.
  std::string value(bool rest_allowed) {
    skipSpace();
    if (pos_ >= text_.size()) throw invalidFilter("Filter is missing a comparison value.");
    const char first = text_[pos_];
    if (first == '"' || first == '\'') {
      ++pos_;
      std::string result;
      while (pos_ < text_.size() && text_[pos_] != first) {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        result.push_back(text_[pos_++]);
      }
      if (pos_ >= text_.size()) throw invalidFilter("Unterminated string in filter.");
      ++pos_;
      return result;
    }
    if (!rest_allowed) return word();
    std::string rest(text_.substr(pos_));
    pos_ = text_.size();
    while (!rest.empty() && isSpace(rest.back())) rest.pop_back();
    // An unquoted value cannot carry a logical operator: `a eq x and b eq y` is not supported.
    FilterLexer words(rest);
    words.word();
    while (!words.atEnd()) {
      const std::string next = words.word();
      if (equalsIgnoreCase(next, "and") || equalsIgnoreCase(next, "or")) {
        throw invalidFilter("Logical operators are not supported in filters.");
      }
    }
    return rest;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

void expectEq(const std::string& op) {
  if (equalsIgnoreCase(op, "eq")) return;
  static constexpr std::string_view kKnown[] = {"ne", "co", "sw", "ew", "pr",
                                                "gt", "ge", "lt", "le"};
  for (std::string_view known : kKnown) {
    if (equalsIgnoreCase(op, known)) {
      throw invalidFilter("Filter operator '" + op + "' is not supported; only 'eq' is.");
    }
  }
  throw invalidFilter("Invalid filter operator '" + op + "'.");
}

std::string stripPrefix(const std::string& lowered, std::string_view prefix) {
  const std::string wanted = toLower(prefix) + ":";
  return lowered.rfind(wanted, 0) == 0 ? lowered.substr(wanted.size()) : lowered;
}

std::optional<FilterAttr> userAttribute(const std::string& raw) {
  std::string name = stripPrefix(toLower(raw), kUserSchema);
  name = stripPrefix(name, kEnterpriseSchema);
  if (name == "id") return FilterAttr::kId;
  if (name == "username") return FilterAttr::kUserName;
  if (name == "externalid") return FilterAttr::kExternalId;
  if (name == "active") return FilterAttr::kActive;
  if (name == "email" || name == "emails" || name == "emails.value") return FilterAttr::kEmail;
  if (name == "employeenumber") return FilterAttr::kEmployeeNumber;
  if (name == "division") return FilterAttr::kDivision;
  if (name == "manager" || name == "manager.value") return FilterAttr::kManager;
  return std::nullopt;
}

// `externalIds[authority eq "a" and value eq "v"]`, URN prefix optional.
ScimFilter parseExternalIdsFilter(const std::string& path) {
  const size_t open = path.find('[');
  std::string name = stripPrefix(toLower(path.substr(0, open)), kGenesysSchema);
  if (name != "externalids" || path.back() != ']') {
    throw invalidFilter("Unsupported filter attribute '" + path + "'.");
  }
  FilterLexer inner(std::string_view(path).substr(open + 1, path.size() - open - 2));
  ScimFilter filter;
  filter.attribute = FilterAttr::kExternalIds;
  bool have_authority = false;
  bool have_value = false;
  for (int clause = 0; clause < 2; ++clause) {
    if (clause == 1 && !equalsIgnoreCase(inner.word(), "and")) {
      throw invalidFilter("externalIds filter needs 'authority eq … and value eq …'.");
    }
    const std::string attr = toLower(inner.attributePath());
    expectEq(inner.word());
    const std::string value = inner.value(false);
    if (attr == "authority") {
      filter.authority = value;
      have_authority = true;
    } else if (attr == "value") {
      filter.value = value;
      have_value = true;
    }
  }
  if (!have_authority || !have_value || !inner.atEnd()) {
    throw invalidFilter("externalIds filter needs 'authority eq … and value eq …'.");
  }
  return filter;
}

}  // namespace

ScimFilter parseUserFilter(std::string_view text) {
  FilterLexer lexer(text);
  const std::string path = lexer.attributePath();
  if (path.empty()) throw invalidFilter("Empty filter.");
  if (path.find('[') != std::string::npos) {
    ScimFilter filter = parseExternalIdsFilter(path);
    if (!lexer.atEnd()) throw invalidFilter("Logical operators are not supported in filters.");
    return filter;
  }
  const std::optional<FilterAttr> attribute = userAttribute(path);
  if (!attribute) throw invalidFilter("Unsupported filter attribute '" + path + "'.");
  expectEq(lexer.word());
  ScimFilter filter;
  filter.attribute = *attribute;
  filter.value = lexer.value(true);
  if (!lexer.atEnd()) throw invalidFilter("Logical operators are not supported in filters.");
  if (filter.attribute == FilterAttr::kActive) {
    if (equalsIgnoreCase(filter.value, "true")) {
      filter.active = true;
    } else if (!equalsIgnoreCase(filter.value, "false")) {
      throw invalidFilter("'active' filter value must be true or false.");
    }
  }
  return filter;
}

ScimFilter parseGroupFilter(std::string_view text) {
  FilterLexer lexer(text);
  const std::string path = stripPrefix(toLower(lexer.attributePath()), kGroupSchema);
  ScimFilter filter;
  if (path == "id") {
    filter.attribute = FilterAttr::kId;
  } else if (path == "displayname") {
    filter.attribute = FilterAttr::kDisplayName;
  } else if (path == "externalid") {
    filter.attribute = FilterAttr::kExternalId;
  } else {
    throw invalidFilter("Unsupported filter attribute '" + path + "'.");
  }
  expectEq(lexer.word());
  filter.value = lexer.value(true);
  if (!lexer.atEnd()) throw invalidFilter("Logical operators are not supported in filters.");
  return filter;
}

}  // namespace scim_agent::sim
