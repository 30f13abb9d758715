#pragma once

#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "agent/base/diagnostics.h"
#include "agent/base/text.h"  // editDistance, used with closestName
#include "agent/config/yaml_stream.h"

namespace scim_agent {

// Strict, position-aware reading of YAML for agent.yaml and the desired-state specs. Shared by
// agent/config and agent/desired so both report problems the same way:
//   file:line:column: expected a string for "title", got a sequence
//   file:line:column: unknown key "titel" (did you mean "title"?)
// Nothing here throws: yaml-cpp exceptions stop in this module and become diagnostics.
//
// Values set from the environment (agent.yaml's SCIM_AGENT_… overrides) are scalar nodes tagged
// `!env:VARIABLE`; their position is reported as the variable's name instead of a file place.

// The tag prefix marking a node whose value came from an environment variable.
inline constexpr const char* kEnvTagPrefix = "!env:";

// Where `node` is: `file` with its 1-based line and column, or the environment variable it came
// from, or just `file` when yaml-cpp knows no position.
SourcePos yamlPos(const std::string& file, const YAML::Node& node);
SourcePos yamlPos(const std::string& file, const StreamNode& node);

// The result of parsing a YAML file. `root` is the first document (a null node for an empty
// file); `ok` is false after a read or syntax error, which was added to the diagnostics.
struct YamlDocument {
  bool ok = false;
  YAML::Node root;
};

// Reads `path` and parses it. `display` is the file name used in diagnostics. A file that cannot
// be read, a syntax error (at the position yaml-cpp reports) and a file with more than one
// document each give one diagnostic. The text must be valid UTF-8 without control characters
// other than tab, CR and LF: each invalid byte and control character is a diagnostic at its
// line:column ("invalid UTF-8 at byte 57 (0xFF)", "control character U+0000 at byte 9 …"; at
// most 20 per file, then a count), and such a file is not parsed (ok is false).
YamlDocument loadYamlFile(const std::string& path, const std::string& display, Diagnostics& diags);
// Same, for text already in memory.
YamlDocument parseYamlText(const std::string& text, const std::string& display, Diagnostics& diags);

// The bytes of `path`; nullopt after a diagnostic ("cannot read file: …") at `display`.
std::optional<std::string> readYamlFileText(const std::string& path, const std::string& display,
                                            Diagnostics& diags);

// parseYamlText for a large document, read piece by piece (yaml_stream.h): the items of the
// sequence under the top-level key `streamed_key` go to handlers.on_item one at a time, as they
// are parsed, and are not in `root` (that key's value is a sequence of at most one null item
// there); the rest of the document is in `root` as parseYamlText gives it, every position the
// same. When the key is absent or its value is not a sequence, nothing is streamed and `root`
// is the whole document. Every diagnostic is parseYamlText's, at the same places. When the
// result is not ok, items may have gone to on_item before the problem was found: the caller
// drops them.
//
// `root` is read by yaml-cpp from the text without the streamed sequence, so its tree stays
// small. When that cannot be cut out (a flow-style top level, a sequence with an anchor or a
// tag, an alias after the sequence to an anchor inside it), `root` is read from the whole text
// and holds the sequence's items too (the caller ignores them): same results, more memory.
struct StreamedYaml {
  bool ok = false;
  bool streamed = false;  // the sequence's items went to on_item
  YAML::Node root;
  std::shared_ptr<StreamTree> tree;  // the same document as StreamNodes (the sequence empty)
};
StreamedYaml streamYamlText(const std::string& text, const std::string& display,
                            const std::string& streamed_key,
                            const StreamBuilder::Handlers& handlers, Diagnostics& diags);

// How a node reads in a message: `a string`, `a sequence`, `a mapping`, `null`, or for a scalar
// that is not the expected type its text (`"maybe"`, `the quoted string "true"`), with control
// characters and invalid bytes escaped (\u001B, \xFF).
std::string describeNode(const YAML::Node& node);
std::string describeNode(const StreamNode& node);

// `text` for a message: in double quotes, control characters and invalid bytes escaped, and cut
// to its first 80 characters followed by "…" when longer (a 1 MB value stays out of messages).
std::string quotedForMessage(const std::string& text);

// True for a plain (unquoted) scalar, and for values from the environment.
bool isPlainScalar(const YAML::Node& node);
bool isPlainScalar(const StreamNode& node);

// The candidate closest to `word` when its edit distance is at most `max_distance` (the first of
// equals wins), else "".
std::string closestName(const std::string& word, const std::vector<std::string>& candidates,
                        size_t max_distance = 2);
// `unknown key "titel" (did you mean "title"?)` or `unknown key "foo"`.
std::string unknownKeyMessage(const std::string& key, const std::vector<std::string>& known);

// One entry of a mapping: its key, its value, and the key's position (for a value from the
// environment, the variable). `Node` is YAML::Node (YamlEntry) or StreamNode (StreamEntry).
template <class Node>
struct BasicYamlEntry {
  std::string key;
  Node value;
  SourcePos pos;
  std::string file;  // the file `value` belongs to (for positions of nested nodes)
};
using YamlEntry = BasicYamlEntry<YAML::Node>;
using StreamEntry = BasicYamlEntry<StreamNode>;

// The checked keys of one mapping. Construction reports, each once: a node that is not a mapping
// (`expected a mapping for "target", got a string`), keys that are not strings, unknown keys
// (with a suggestion) and duplicate keys (`duplicate key "title" (first at f:3:5)`).
// Only the first occurrence of a known key is kept.
template <class Node>
class BasicYamlMap {
 public:
  using Entry = BasicYamlEntry<Node>;

  BasicYamlMap() = default;
  // `what` names the mapping in the "expected a mapping" message; `where` is the place of that
  // message (usually the parent key).
  BasicYamlMap(const std::string& file, const Node& node, const std::string& what,
               const SourcePos& where, const std::vector<std::string>& known, Diagnostics& diags);
  // A mapping that is the value of `entry`.
  BasicYamlMap(const Entry& entry, const std::vector<std::string>& known, Diagnostics& diags);

  // False when the node was not a mapping (already reported) or absent.
  bool ok() const { return ok_; }
  const Entry* find(const std::string& key) const;
  bool has(const std::string& key) const { return find(key) != nullptr; }
  // The known entries, in document order.
  const std::vector<Entry>& entries() const { return entries_; }
  const std::string& file() const { return file_; }

 private:
  void read(const Node& node, const std::string& what, const SourcePos& where,
            const std::vector<std::string>& known, Diagnostics& diags);

  bool ok_ = false;
  std::string file_;
  std::vector<Entry> entries_;
};
extern template class BasicYamlMap<YAML::Node>;
extern template class BasicYamlMap<StreamNode>;
using YamlMap = BasicYamlMap<YAML::Node>;
using StreamMap = BasicYamlMap<StreamNode>;

// Typed readers. Each returns nullopt after adding a diagnostic at entry.pos when the value has
// the wrong type:  expected a string for "title", got a sequence.
//
// A string is any non-null scalar, taken as written (`employeeNumber: 1001` is "1001"). Its
// value, after YAML escapes are decoded, holds no control character at all (C0, DEL, C1: no
// value of agent.yaml or the specs is multi-line or tabbed), so a quoted "\0", "\x1b" or "\t"
// and a block scalar's newlines are refused: `control character U+0000 in title`. Map keys are
// checked the same way (YamlMap).
std::optional<std::string> readString(const YamlEntry& entry, Diagnostics& diags);
std::optional<std::string> readString(const StreamEntry& entry, Diagnostics& diags);
// What is wrong with `text` as a value (`what` names it): "control character U+0000 in title",
// "invalid UTF-8 at byte 3 of title"; nullopt when it is valid UTF-8 without control characters.
std::optional<std::string> textProblem(const std::string& text, const std::string& what);
// true/True/TRUE/false/False/FALSE, unquoted.
std::optional<bool> readBool(const YamlEntry& entry, Diagnostics& diags);
std::optional<bool> readBool(const StreamEntry& entry, Diagnostics& diags);
// A decimal integer, unquoted.
std::optional<long long> readInt(const YamlEntry& entry, Diagnostics& diags);
std::optional<long long> readInt(const StreamEntry& entry, Diagnostics& diags);
// A decimal number, unquoted.
std::optional<double> readNumber(const YamlEntry& entry, Diagnostics& diags);
std::optional<double> readNumber(const StreamEntry& entry, Diagnostics& diags);
// A sequence; each item becomes an entry with the same key and the item's own position.
std::optional<std::vector<YamlEntry>> readSequence(const YamlEntry& entry, Diagnostics& diags);
std::optional<std::vector<StreamEntry>> readSequence(const StreamEntry& entry,
                                                   Diagnostics& diags);
// A sequence of strings (a wrong item is reported at the item and skipped).
std::optional<std::vector<std::string>> readStringList(const YamlEntry& entry, Diagnostics& diags);
std::optional<std::vector<std::string>> readStringList(const StreamEntry& entry,
                                                       Diagnostics& diags);

}  // namespace scim_agent
