#include "agent/config/yaml_errors.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <vector>

namespace scim_agent {

namespace {

constexpr size_t kShownBefore = 60;  // display columns kept before the caret on a long line
constexpr size_t kShownWidth = 90;   // a longer line is cut around the caret

// A place in the text: 0-based line, byte column.
struct Place {
  int line = -1;
  size_t column = 0;
};

struct Hint {
  Place at;
  std::string text;
};

std::vector<std::string_view> splitLines(const std::string& text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

size_t indentOf(std::string_view l) {
  size_t i = 0;
  while (i < l.size() && l[i] == ' ') ++i;
  return i;
}

// Leading white space (spaces and tabs).
size_t whiteOf(std::string_view l) {
  size_t i = 0;
  while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
  return i;
}

bool blankOrComment(std::string_view l) {
  const size_t i = whiteOf(l);
  return i == l.size() || l[i] == '#';
}

bool isListItem(std::string_view l) {
  const size_t i = whiteOf(l);
  return i < l.size() && l[i] == '-' && (i + 1 == l.size() || l[i + 1] == ' ');
}

// Where a key would start on the line: after the indentation and any "- " list marks.
size_t keyStart(std::string_view l) {
  size_t i = whiteOf(l);
  while (i < l.size() && l[i] == '-' && (i + 1 == l.size() || l[i + 1] == ' ')) {
    ++i;
    while (i < l.size() && l[i] == ' ') ++i;
  }
  return i;
}

// The key's ':' (followed by a space or the end of the line) from `from`, outside a quoted key
// and before a comment; npos when the line holds no key.
size_t keyColon(std::string_view l, size_t from) {
  size_t i = from;
  if (i < l.size() && (l[i] == '"' || l[i] == '\'')) {
    const size_t close = l.find(l[i], i + 1);
    if (close == std::string_view::npos) return std::string_view::npos;
    i = close + 1;
  }
  for (; i < l.size(); ++i) {
    if (l[i] == '#' && (i == 0 || l[i - 1] == ' ' || l[i - 1] == '\t')) break;
    if (l[i] == ':' && (i + 1 == l.size() || l[i + 1] == ' ' || l[i + 1] == '\t')) return i;
  }
  return std::string_view::npos;
}

// The line's text without a trailing comment and white space.
std::string_view withoutComment(std::string_view l) {
  size_t end = l.size();
  for (size_t i = 0; i < l.size(); ++i) {
    if (l[i] == '#' && (i == 0 || l[i - 1] == ' ' || l[i - 1] == '\t')) {
      end = i;
      break;
    }
  }
  while (end > 0 && (l[end - 1] == ' ' || l[end - 1] == '\t')) --end;
  return l.substr(0, end);
}

// A value that is a block scalar (`key: |`, `- >-`): its lines are text, not YAML.
bool startsBlockScalar(std::string_view l) {
  const std::string_view s = withoutComment(l);
  size_t end = s.size();
  if (end > 0 && (s[end - 1] == '-' || s[end - 1] == '+')) --end;
  if (end == 0 || (s[end - 1] != '|' && s[end - 1] != '>')) return false;
  return end >= 2 && s[end - 2] == ' ';
}

int previousContentLine(const std::vector<std::string_view>& lines, int before) {
  for (int i = before - 1; i >= 0; --i) {
    if (!blankOrComment(lines[static_cast<size_t>(i)])) return i;
  }
  return -1;
}

// Quotes and flow brackets opened before the error and what became of them. A quote or bracket
// opens a value only where a value may start (after ':', '-', '[', '{', ',' or '?', or at the
// start of the line), so the apostrophe in O'Brien is text.
struct Openings {
  std::optional<Place> open_quote;       // still open at the error
  std::optional<Place> spanning_quote;   // opened on an earlier line, closed on the error's line
  std::vector<Place> open_brackets;      // unclosed '[' and '{', innermost last
};

Openings scanOpenings(const std::vector<std::string_view>& lines, Place error) {
  Openings out;
  bool in_quote = false;
  char quote = 0;
  Place opened;
  size_t block_parent = std::string_view::npos;  // indentation of a block scalar's key line
  const int last = std::min<int>(error.line, static_cast<int>(lines.size()) - 1);
  for (int li = 0; li <= last; ++li) {
    const std::string_view l = lines[static_cast<size_t>(li)];
    if (block_parent != std::string_view::npos && !in_quote) {
      if (blankOrComment(l) || indentOf(l) > block_parent) continue;
      block_parent = std::string_view::npos;
    }
    const size_t end = li == error.line ? std::min(error.column, l.size()) : l.size();
    char prev = 0;  // the last non-space character outside quotes on this line
    for (size_t i = 0; i < end; ++i) {
      const char c = l[i];
      if (in_quote) {
        if (quote == '"' && c == '\\') {
          ++i;
        } else if (c == quote && quote == '\'' && i + 1 < l.size() && l[i + 1] == '\'') {
          ++i;
        } else if (c == quote) {
          in_quote = false;
          if (opened.line != li && li == error.line) out.spanning_quote = opened;
          prev = c;
        }
        continue;
      }
      if (c == '#' && (i == 0 || l[i - 1] == ' ' || l[i - 1] == '\t')) break;
      const bool value_start = prev == 0 || prev == ':' || prev == '-' || prev == '[' ||
                               prev == '{' || prev == ',' || prev == '?';
      if ((c == '"' || c == '\'') && value_start) {
        in_quote = true;
        quote = c;
        opened = Place{li, i};
      } else if ((c == '[' || c == '{') && value_start) {
        out.open_brackets.push_back(Place{li, i});
      } else if ((c == ']' || c == '}') && !out.open_brackets.empty()) {
        out.open_brackets.pop_back();
      }
      if (c != ' ' && c != '\t') prev = c;
    }
    if (!in_quote && startsBlockScalar(l)) block_parent = indentOf(l);
  }
  if (in_quote && opened.line < error.line) out.open_quote = opened;
  return out;
}

std::optional<Hint> tabHint(const std::vector<std::string_view>& lines, int line) {
  for (int li : {line, previousContentLine(lines, line)}) {
    if (li < 0 || li >= static_cast<int>(lines.size())) continue;
    const std::string_view l = lines[static_cast<size_t>(li)];
    const size_t white = whiteOf(l);
    const size_t tab = l.substr(0, white).find('\t');
    if (tab != std::string_view::npos) {
      return Hint{Place{li, tab}, "a tab in the indentation: YAML indents with spaces"};
    }
  }
  return std::nullopt;
}

std::optional<Hint> missingColonHint(const std::vector<std::string_view>& lines, int line) {
  const int p = previousContentLine(lines, line);
  if (p < 0) return std::nullopt;
  const std::string_view prev = lines[static_cast<size_t>(p)];
  const std::string_view cur = lines[static_cast<size_t>(line)];
  const size_t key = keyStart(prev);
  if (key >= prev.size() || !(std::isalnum(static_cast<unsigned char>(prev[key])) || prev[key] == '_')) {
    return std::nullopt;
  }
  if (keyColon(prev, key) != std::string_view::npos) return std::nullopt;
  if (keyStart(cur) != key || keyColon(cur, keyStart(cur)) == std::string_view::npos) {
    return std::nullopt;
  }
  size_t word_end = key;
  while (word_end < prev.size() && prev[word_end] != ' ' && prev[word_end] != '\t') ++word_end;
  return Hint{Place{p, word_end}, "a key without ':'?"};
}

std::optional<Hint> listItemHint(const std::vector<std::string_view>& lines, int line) {
  const std::string_view cur = lines[static_cast<size_t>(line)];
  if (!isListItem(cur)) return std::nullopt;
  const size_t indent = whiteOf(cur);
  int nearest = -1;
  int aligned = -1;  // the nearest item above indented no deeper than this one
  for (int i = line - 1; i >= 0 && aligned < 0; --i) {
    const std::string_view l = lines[static_cast<size_t>(i)];
    if (!isListItem(l)) continue;
    if (nearest < 0) nearest = i;
    if (whiteOf(l) <= indent) aligned = i;
  }
  const int other = aligned >= 0 ? aligned : nearest;
  if (other < 0 || whiteOf(lines[static_cast<size_t>(other)]) == indent) return std::nullopt;
  return Hint{Place{line, indent}, "this list item is indented differently from the one above (line " +
                                       std::to_string(other + 1) + ")"};
}

std::optional<Hint> keyIndentHint(const std::vector<std::string_view>& lines, int line) {
  const std::string_view cur = lines[static_cast<size_t>(line)];
  if (isListItem(cur) || blankOrComment(cur)) return std::nullopt;
  const int p = previousContentLine(lines, line);
  if (p < 0) return std::nullopt;
  const std::string_view prev = lines[static_cast<size_t>(p)];
  const size_t key = keyStart(prev);
  const size_t colon = keyColon(prev, key);
  if (colon == std::string_view::npos) return std::nullopt;
  if (withoutComment(prev).size() <= colon + 1) return std::nullopt;  // opens a block: deeper is right
  if (whiteOf(cur) == key) return std::nullopt;
  return Hint{Place{line, whiteOf(cur)},
              "this key is indented differently from the one above (line " + std::to_string(p + 1) +
                  ")"};
}

std::optional<Hint> findHint(const std::vector<std::string_view>& lines, Place error,
                             const std::string& yaml_message) {
  if (yaml_message == "bad file") {
    return Hint{error,
                "nested too deeply: the YAML reader takes at most about 500 levels (is a bracket "
                "left open, or does each line indent further than the one before?)"};
  }
  const bool on_a_line = error.line >= 0 && error.line < static_cast<int>(lines.size());
  if (on_a_line) {
    if (auto h = tabHint(lines, error.line)) return h;
  }
  const Openings open = scanOpenings(lines, error);
  if (open.open_quote) return Hint{*open.open_quote, "a quote opened here is not closed"};
  if (open.spanning_quote) {
    return Hint{*open.spanning_quote,
                "a quote opened here is not closed (it runs on to line " +
                    std::to_string(error.line + 1) + ")"};
  }
  if (yaml_message.find("flow") != std::string::npos && !open.open_brackets.empty()) {
    const Place& b = open.open_brackets.back();
    const char c = lines[static_cast<size_t>(b.line)][b.column];
    return Hint{b, std::string("a '") + c + "' opened here is not closed (with '" +
                       (c == '[' ? ']' : '}') + "')"};
  }
  if (!on_a_line) return std::nullopt;
  if (auto h = missingColonHint(lines, error.line)) return h;
  if (auto h = listItemHint(lines, error.line)) return h;
  if (auto h = keyIndentHint(lines, error.line)) return h;
  return std::nullopt;
}

// "  12 | text" and "     |    ^" for `at`; tabs as "→"; a long line cut around the caret.
std::string excerpt(const std::vector<std::string_view>& lines, Place at) {
  const std::string_view l = lines[static_cast<size_t>(at.line)];
  std::vector<std::string> chars;  // one display column each
  size_t caret = 0;
  for (size_t i = 0; i < l.size();) {
    if (i < at.column) caret = chars.size() + 1;
    size_t n = 1;
    const unsigned char c = static_cast<unsigned char>(l[i]);
    if (c >= 0xC0) {
      while (i + n < l.size() && (static_cast<unsigned char>(l[i + n]) & 0xC0) == 0x80) ++n;
    }
    chars.push_back(c == '\t' ? std::string("→") : std::string(l.substr(i, n)));
    i += n;
  }
  if (at.column == 0) caret = 0;
  if (at.column > l.size()) caret = chars.size() + (at.column - l.size());
  size_t begin = 0;
  size_t end = chars.size();
  if (chars.size() > kShownWidth) {
    begin = caret > kShownBefore ? caret - kShownBefore : 0;
    end = std::min(chars.size(), begin + kShownWidth);
  }
  std::string shown = begin > 0 ? "…" : "";
  for (size_t i = begin; i < end; ++i) shown += chars[i];
  if (end < chars.size()) shown += "…";
  const size_t caret_col = caret - begin + (begin > 0 ? 1 : 0);
  const std::string number = std::to_string(at.line + 1);
  std::string out = "  " + number + " | " + shown + "\n";
  out += "  " + std::string(number.size(), ' ') + " | " + std::string(caret_col, ' ') + "^";
  return out;
}

}  // namespace

std::string yamlSyntaxErrorMessage(const std::string& text, int line, int column,
                                   const std::string& yaml_message) {
  std::string out = "YAML syntax error: " + yaml_message;
  if (line < 0) return out;
  const std::vector<std::string_view> lines = splitLines(text);
  // A text ending in a line feed has an empty last "line": an error there is at the end.
  const int real_lines = static_cast<int>(lines.size()) -
                         (!lines.empty() && lines.back().empty() ? 1 : 0);
  const Place error{line, column < 0 ? 0 : static_cast<size_t>(column)};
  const std::optional<Hint> hint = findHint(lines, error, yaml_message);
  if (hint && hint->at.line >= 0 && hint->at.line < real_lines) {
    out += "\n" + excerpt(lines, hint->at);
  } else if (line < real_lines) {
    out += "\n" + excerpt(lines, error);
  } else {
    out += "\n  (at the end of the file)";
  }
  if (hint) out += "\n  hint: " + hint->text;
  return out;
}

}  // namespace scim_agent
