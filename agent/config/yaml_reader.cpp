#include "agent/config/yaml_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include "agent/base/utf8.h"
#include "agent/config/yaml_errors.h"

namespace scim_agent {

namespace {

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }


// Control characters and invalid bytes shown as \u001B / \xFF, so a message never carries them
// to a terminal.
std::string printable(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const Utf8Char c = decodeUtf8(s, i);
    char buffer[16];
    if (!c.valid) {
      std::snprintf(buffer, sizeof buffer, "\\x%02X", static_cast<unsigned char>(s[i]));
      out += buffer;
    } else if (isControlCharacter(c.code_point)) {
      std::snprintf(buffer, sizeof buffer, "\\u%04X", static_cast<unsigned>(c.code_point));
      out += buffer;
    } else {
      out.append(s, i, c.length);
    }
    i += c.length;
  }
  return out;
}

std::string quote(const std::string& s) { return quotedForMessage(s); }

// At most this many text problems are listed per file; the rest are counted in one line.
constexpr size_t kMaxTextProblemsPerFile = 20;

// The raw file: valid UTF-8, and no control characters but tab, CR and LF (YAML 1.2 §5.1 allows
// only those outside quoted escapes). Each problem at its line and column (columns count
// characters, as yaml-cpp's do). Returns false when there was any.
bool checkFileText(const std::string& text, const std::string& display, Diagnostics& diags) {
  size_t problems = 0;
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < text.size();) {
    const Utf8Char c = decodeUtf8(text, i);
    const bool control = c.valid && isControlCharacter(c.code_point) && c.code_point != U'\t' &&
                         c.code_point != U'\n' && c.code_point != U'\r';
    if (!c.valid || control) {
      if (++problems <= kMaxTextProblemsPerFile) {
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[i]));
        diags.add(SourcePos{display, line, column},
                  c.valid ? "control character " + codePointName(c.code_point) + " at byte " +
                                std::to_string(i) +
                                " (only tab, CR and LF may appear unescaped in a file)"
                          : "invalid UTF-8 at byte " + std::to_string(i) + " (" + byte + ")");
      }
    }
    if (c.valid && c.code_point == U'\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += c.length;
  }
  if (problems > kMaxTextProblemsPerFile) {
    diags.add(SourcePos{display, 0, 0},
              "… and " + std::to_string(problems - kMaxTextProblemsPerFile) +
                  " more invalid bytes or control characters in this file (" +
                  std::to_string(problems) + " in all)");
  }
  return problems == 0;
}

// Values a YAML 1.2 core schema reads as booleans. yaml-cpp also takes yes/no/on/off (YAML 1.1);
// we do not, so `country: NO` style surprises cannot reach a boolean setting.
std::optional<bool> boolFromText(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

template <class Node>
std::string typeError(const char* expected, const BasicYamlEntry<Node>& entry) {
  return std::string("expected ") + expected + " for " + quote(entry.key) + ", got " +
         describeNode(entry.value);
}

// Iteration over both node types: a mapping's pairs (key, value) and a sequence's items.
template <class F>
void forEachPair(const YAML::Node& node, F f) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // copies: the iterator yields a temporary
    const YAML::Node value = it->second;
    f(key, value);
  }
}
template <class F>
void forEachPair(const StreamNode& node, F f) {
  for (size_t i = 0; i < node.size(); ++i) f(node.key(i), node.value(i));
}
template <class F>
void forEachItem(const YAML::Node& node, F f) {
  for (const YAML::Node& item : node) f(item);
}
template <class F>
void forEachItem(const StreamNode& node, F f) {
  for (size_t i = 0; i < node.size(); ++i) f(node.item(i));
}

template <class Node>
SourcePos positionOf(const std::string& file, const Node& node) {
  if (node.IsDefined() && startsWith(node.Tag(), kEnvTagPrefix)) {
    return SourcePos{node.Tag().substr(std::strlen(kEnvTagPrefix)), 0, 0};
  }
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return SourcePos{file, 0, 0};
  return SourcePos{file, mark.line + 1, mark.column + 1};
}

template <class Node>
bool plainScalar(const Node& node) {
  if (!node.IsScalar()) return false;
  const std::string& tag = node.Tag();
  return tag == "?" || startsWith(tag, kEnvTagPrefix);
}

template <class Node>
std::string description(const Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsSequence()) return "a sequence";
  if (node.IsMap()) return "a mapping";
  if (node.IsScalar()) {
    if (!plainScalar(node)) return "the quoted string " + quote(node.Scalar());
    return quote(node.Scalar());
  }
  return "an unknown node";
}

template <class Node>
std::optional<std::string> stringOf(const BasicYamlEntry<Node>& entry, Diagnostics& diags) {
  if (!entry.value.IsScalar()) {
    diags.add(entry.pos, typeError("a string", entry));
    return std::nullopt;
  }
  if (auto problem = textProblem(entry.value.Scalar(), entry.key)) {
    diags.add(entry.pos, *problem);
    return std::nullopt;
  }
  return entry.value.Scalar();
}

template <class Node>
std::optional<bool> boolOf(const BasicYamlEntry<Node>& entry, Diagnostics& diags) {
  if (plainScalar(entry.value)) {
    if (auto b = boolFromText(entry.value.Scalar())) return b;
  }
  diags.add(entry.pos, typeError("a boolean (true or false)", entry));
  return std::nullopt;
}

template <class Node>
std::optional<long long> intOf(const BasicYamlEntry<Node>& entry, Diagnostics& diags) {
  if (plainScalar(entry.value)) {
    const std::string& s = entry.value.Scalar();
    size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    const bool digits = i < s.size() && s.size() - i <= 15 &&
                        std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
    if (digits) return std::stoll(s);
  }
  diags.add(entry.pos, typeError("an integer", entry));
  return std::nullopt;
}

template <class Node>
std::optional<double> numberOf(const BasicYamlEntry<Node>& entry, Diagnostics& diags) {
  if (plainScalar(entry.value)) {
    const std::string& s = entry.value.Scalar();
    bool digit_seen = false;
    bool dot_seen = false;
    bool valid = !s.empty();
    for (size_t i = 0; i < s.size() && valid; ++i) {
      const char c = s[i];
      if (c >= '0' && c <= '9') {
        digit_seen = true;
      } else if (c == '.' && !dot_seen) {
        dot_seen = true;
      } else if (!((c == '-' || c == '+') && i == 0)) {
        valid = false;
      }
    }
    if (valid && digit_seen) return std::stod(s);
  }
  diags.add(entry.pos, typeError("a number", entry));
  return std::nullopt;
}

template <class Node>
std::optional<std::vector<BasicYamlEntry<Node>>> sequenceOf(const BasicYamlEntry<Node>& entry,
                                                            Diagnostics& diags) {
  if (!entry.value.IsSequence()) {
    diags.add(entry.pos, typeError("a sequence", entry));
    return std::nullopt;
  }
  std::vector<BasicYamlEntry<Node>> items;
  forEachItem(entry.value, [&](const Node& item) {
    items.push_back(
        BasicYamlEntry<Node>{entry.key, item, positionOf(entry.file, item), entry.file});
  });
  return items;
}

template <class Node>
std::optional<std::vector<std::string>> stringListOf(const BasicYamlEntry<Node>& entry,
                                                     Diagnostics& diags) {
  auto items = sequenceOf(entry, diags);
  if (!items) return std::nullopt;
  std::vector<std::string> out;
  for (const BasicYamlEntry<Node>& item : *items) {
    if (auto s = stringOf(item, diags)) out.push_back(*s);
  }
  return out;
}

// Reads the document structure only, for the first two documents: where each starts and where
// its root node is. yaml-cpp 0.7's LoadAll never returns on a stray top-level "," (each document
// ends without consuming it; found by tests/fuzz, regressions/config), so documents are counted
// here, bounded, and only the first is loaded.
class DocumentCounter final : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    YAML::Mark root = YAML::Mark::null_mark();  // until a node was seen
  };
  std::vector<Document> documents;

  void OnDocumentStart(const YAML::Mark& mark) override {
    documents.push_back({mark, YAML::Mark::null_mark()});
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (!documents.empty() && documents.back().root.is_null()) documents.back().root = mark;
  }
};

}  // namespace

SourcePos yamlPos(const std::string& file, const YAML::Node& node) {
  return positionOf(file, node);
}
SourcePos yamlPos(const std::string& file, const StreamNode& node) {
  return positionOf(file, node);
}

namespace {

// Reads the second document of `parser` (the first was handled already, starting at
// `first_start`): when there is one, a diagnostic, and true.
bool secondDocument(YAML::Parser& parser, const YAML::Mark& first_start, const std::string& text,
                    const std::string& display, Diagnostics& diags) {
  DocumentCounter counter;
  if (!parser.HandleNextDocument(counter) || counter.documents.empty()) return false;
  const DocumentCounter::Document& second = counter.documents[0];
  const YAML::Mark& at = second.root.is_null() ? second.start : second.root;
  if (second.start.pos == first_start.pos) {  // nothing was consumed: a token out of place
    const char c = at.pos >= 0 && static_cast<size_t>(at.pos) < text.size() ? text[at.pos] : 0;
    diags.add(SourcePos{display, at.line + 1, at.column + 1},
              c > ' ' && c < 127 ? std::string("YAML syntax error: unexpected '") + c + "'"
                                 : std::string("YAML syntax error: unexpected token"));
  } else {
    diags.add(SourcePos{display, at.line + 1, at.column + 1},
              "a file holds one YAML document; split the others into their own files");
  }
  return true;
}

// yaml-cpp's message and place, with the line shown and what is likely wrong (yaml_errors.h).
void syntaxError(const YAML::Exception& e, const std::string& text, const std::string& display,
                 Diagnostics& diags) {
  SourcePos pos{display, 0, 0};
  if (!e.mark.is_null()) pos = SourcePos{display, e.mark.line + 1, e.mark.column + 1};
  diags.add(pos, e.mark.is_null() ? "YAML syntax error: " + e.msg
                                  : yamlSyntaxErrorMessage(text, e.mark.line, e.mark.column, e.msg));
}

// `text` without the streamed sequence the builder found, for yaml-cpp to read the rest: the
// bytes from the sequence's start to the start of the next top-level key's line become an empty
// sequence of the same style ("[]", or "-": one null item) and the line feeds they held, so the
// rest reads as before, every later line and column where it was (yaml-cpp counts lines by LF).
// A sequence stays in the key's place: an empty value there could join the next line to it
// (`? users` / `:` / `: x`). nullopt when the cut is not safe, or when the sequence starts with
// an anchor or a tag (rare: the whole text is read then).
std::optional<std::string> withoutStreamedSequence(const std::string& text,
                                                   const StreamBuilder& builder) {
  if (!builder.removable()) return std::nullopt;
  const long begin = builder.regionBegin();
  if (begin < 0 || begin >= static_cast<long>(text.size())) return std::nullopt;
  const char first = text[static_cast<size_t>(begin)];
  if (first != '-' && first != '[') return std::nullopt;
  long end = static_cast<long>(text.size());
  const YAML::Mark next = builder.nextKeyMark();
  if (!next.is_null()) {
    end = next.pos - next.column;
    // Only indentation (or an explicit key's "?") may come before the key on its line.
    if (end <= begin || next.pos > static_cast<long>(text.size())) return std::nullopt;
    if (text[static_cast<size_t>(end) - 1] != '\n') return std::nullopt;
    for (long i = end; i < next.pos; ++i) {
      const char c = text[static_cast<size_t>(i)];
      if (c != ' ' && c != '\t' && c != '?') return std::nullopt;
    }
  }
  std::string out = text.substr(0, static_cast<size_t>(begin));
  out += first == '[' ? "[]" : "-";
  out.append(static_cast<size_t>(std::count(text.begin() + begin, text.begin() + end, '\n')),
             '\n');
  out.append(text, static_cast<size_t>(end));
  return out;
}

}  // namespace

YamlDocument parseYamlText(const std::string& text, const std::string& display,
                           Diagnostics& diags) {
  YamlDocument doc;
  if (!checkFileText(text, display, diags)) return doc;  // not parsed: its values are not text
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentCounter counter;
    if (parser.HandleNextDocument(counter) && !counter.documents.empty()) {
      if (secondDocument(parser, counter.documents[0].start, text, display, diags)) return doc;
      doc.root = YAML::Load(text);
    }
    doc.ok = true;
  } catch (const YAML::Exception& e) {
    syntaxError(e, text, display, diags);
  }
  return doc;
}

StreamedYaml streamYamlText(const std::string& text, const std::string& display,
                            const std::string& streamed_key,
                            const StreamBuilder::Handlers& handlers, Diagnostics& diags) {
  StreamedYaml doc;
  if (!checkFileText(text, display, diags)) return doc;  // not parsed: its values are not text
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    // One pass of the parser builds the document and hands on the streamed items; the second
    // document check and yaml-cpp's tree of the rest follow.
    StreamBuilder builder(streamed_key, handlers);
    if (parser.HandleNextDocument(builder) && builder.sawDocument()) {
      if (secondDocument(parser, builder.documentStart(), text, display, diags)) return doc;
      doc.streamed = builder.streamed();
      doc.tree = builder.tree();
      const std::optional<std::string> rest =
          doc.streamed ? withoutStreamedSequence(text, builder) : std::nullopt;
      if (rest) {
        try {
          doc.root = YAML::Load(*rest);
        } catch (const YAML::Exception&) {
          doc.root = YAML::Load(text);  // the cut went wrong after all: read the whole text
        }
      } else {
        doc.root = YAML::Load(text);
      }
    }
    doc.ok = true;
  } catch (const YAML::Exception& e) {
    syntaxError(e, text, display, diags);
  }
  return doc;
}

std::optional<std::string> readYamlFileText(const std::string& path, const std::string& display,
                                            Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    diags.add(SourcePos{display, 0, 0},
              std::string("cannot read file: ") + (err ? std::strerror(err) : "unknown error"));
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    diags.add(SourcePos{display, 0, 0}, "cannot read file: read error");
    return std::nullopt;
  }
  return std::move(text).str();
}

YamlDocument loadYamlFile(const std::string& path, const std::string& display, Diagnostics& diags) {
  std::optional<std::string> text = readYamlFileText(path, display, diags);
  if (!text) return {};
  return parseYamlText(*text, display, diags);
}

std::string quotedForMessage(const std::string& text) {
  constexpr size_t kMaxShown = 80;
  size_t end = 0;
  size_t shown = 0;
  while (end < text.size() && shown < kMaxShown) {
    end += decodeUtf8(text, end).length;
    ++shown;
  }
  std::string out = "\"" + printable(text.substr(0, end));
  return end < text.size() ? out + "…\"" : out + "\"";
}

std::string describeNode(const YAML::Node& node) { return description(node); }
std::string describeNode(const StreamNode& node) { return description(node); }

bool isPlainScalar(const YAML::Node& node) { return plainScalar(node); }
bool isPlainScalar(const StreamNode& node) { return plainScalar(node); }

std::string closestName(const std::string& word, const std::vector<std::string>& candidates,
                        size_t max_distance) {
  std::string best;
  size_t best_distance = max_distance + 1;
  for (const std::string& candidate : candidates) {
    const size_t d = editDistance(word, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::string unknownKeyMessage(const std::string& key, const std::vector<std::string>& known) {
  std::string message = "unknown key " + quote(key);
  const std::string suggestion = closestName(key, known);
  if (!suggestion.empty()) message += " (did you mean " + quote(suggestion) + "?)";
  return message;
}

template <class Node>
BasicYamlMap<Node>::BasicYamlMap(const std::string& file, const Node& node, const std::string& what,
                                 const SourcePos& where, const std::vector<std::string>& known,
                                 Diagnostics& diags)
    : file_(file) {
  read(node, what, where, known, diags);
}

template <class Node>
BasicYamlMap<Node>::BasicYamlMap(const Entry& entry, const std::vector<std::string>& known,
                                 Diagnostics& diags)
    : file_(entry.file) {
  read(entry.value, entry.key, entry.pos, known, diags);
}

template <class Node>
void BasicYamlMap<Node>::read(const Node& node, const std::string& what, const SourcePos& where,
                              const std::vector<std::string>& known, Diagnostics& diags) {
  if (!node.IsMap()) {
    diags.add(where, "expected a mapping for " + quote(what) + ", got " + describeNode(node));
    return;
  }
  ok_ = true;
  std::map<std::string, SourcePos> seen;
  forEachPair(node, [&](const Node& key_node, const Node& value) {
    // A value set from the environment has no key position: point at the variable instead.
    SourcePos pos =
        startsWith(value.Tag(), kEnvTagPrefix) ? yamlPos(file_, value) : yamlPos(file_, key_node);
    if (!key_node.IsScalar()) {
      diags.add(pos, "expected a string key in " + quote(what) + ", got " + describeNode(key_node));
      return;
    }
    const std::string& key = key_node.Scalar();
    if (auto problem = textProblem(key, "a key")) {
      diags.add(pos, *problem);
      return;
    }
    auto [first, inserted] = seen.emplace(key, pos);
    if (!inserted) {
      diags.add(pos,
                "duplicate key " + quote(key) + " (first at " + first->second.toString() + ")");
      return;
    }
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      diags.add(pos, unknownKeyMessage(key, known));
      return;
    }
    entries_.push_back(Entry{key, value, std::move(pos), file_});
  });
}

template <class Node>
const BasicYamlEntry<Node>* BasicYamlMap<Node>::find(const std::string& key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

template class BasicYamlMap<YAML::Node>;
template class BasicYamlMap<StreamNode>;

std::optional<std::string> textProblem(const std::string& text, const std::string& what) {
  auto problem = findTextProblem(text);
  if (!problem) return std::nullopt;
  if (problem->kind == TextProblem::Kind::kInvalidUtf8) {
    return "invalid UTF-8 at byte " + std::to_string(problem->offset) + " of " + what;
  }
  return problem->describe() + " in " + what;
}

std::optional<std::string> readString(const YamlEntry& entry, Diagnostics& diags) {
  return stringOf(entry, diags);
}
std::optional<std::string> readString(const StreamEntry& entry, Diagnostics& diags) {
  return stringOf(entry, diags);
}
std::optional<bool> readBool(const YamlEntry& entry, Diagnostics& diags) {
  return boolOf(entry, diags);
}
std::optional<bool> readBool(const StreamEntry& entry, Diagnostics& diags) {
  return boolOf(entry, diags);
}
std::optional<long long> readInt(const YamlEntry& entry, Diagnostics& diags) {
  return intOf(entry, diags);
}
std::optional<long long> readInt(const StreamEntry& entry, Diagnostics& diags) {
  return intOf(entry, diags);
}
std::optional<double> readNumber(const YamlEntry& entry, Diagnostics& diags) {
  return numberOf(entry, diags);
}
std::optional<double> readNumber(const StreamEntry& entry, Diagnostics& diags) {
  return numberOf(entry, diags);
}
std::optional<std::vector<YamlEntry>> readSequence(const YamlEntry& entry, Diagnostics& diags) {
  return sequenceOf(entry, diags);
}
std::optional<std::vector<StreamEntry>> readSequence(const StreamEntry& entry,
                                                     Diagnostics& diags) {
  return sequenceOf(entry, diags);
}
std::optional<std::vector<std::string>> readStringList(const YamlEntry& entry, Diagnostics& diags) {
  return stringListOf(entry, diags);
}
std::optional<std::vector<std::string>> readStringList(const StreamEntry& entry,
                                                       Diagnostics& diags) {
  return stringListOf(entry, diags);
}

}  // namespace scim_agent
