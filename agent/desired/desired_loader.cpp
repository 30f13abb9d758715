#include "agent/desired/desired_loader.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>

#include "agent/base/utf8.h"
#include "agent/codec/json_parse.h"
#include "agent/config/policy_yaml.h"
#include "agent/config/yaml_reader.h"
#include "agent/desired/desired_json.h"
#include "agent/desired/reject_limit.h"

namespace scim_agent {

namespace fs = std::filesystem;

namespace {

constexpr const char* kApiVersion = "scim-agent/v1";
constexpr size_t kMaxRoutingEntries = 50;  // Genesys' limit per user for skills and languages
// The loader keeps the first this many problems and counts the rest: 200,000 aliases of one
// user must not cost 400,000 messages of memory (validate prints the first 200 anyway).
constexpr size_t kMaxKeptProblems = 1000;

const std::vector<std::string>& topLevelKeys() {
  static const std::vector<std::string> keys = {"apiVersion", "users",  "defaults",
                                                "groupsByDepartment", "policy", "sources"};
  return keys;
}

const std::vector<std::string>& userKeys() {
  static const std::vector<std::string> keys = {
      "externalId", "userName", "displayName",  "name",       "title",         "active",
      "status",     "emails",   "phoneNumbers", "department", "division",      "employeeNumber",
      "dateHire",   "manager",  "groups",       "roles",      "routingSkills", "routingLanguages"};
  return keys;
}

std::string quote(const std::string& s) { return quotedForMessage(s); }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out.empty() ? "none" : out;
}

void sortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// A place without its own copy of the file name: an index into Loader::place_files_.
struct Place {
  std::int32_t file = -1;  // -1: none
  std::int32_t line = 0;
  std::int32_t column = 0;
};

// A user (or the defaults) as read from one mapping, before merging and cross-checks. Kept for
// every user until the end of the load, so it holds only what the cross-checks need.
struct ParsedUser {
  DesiredUser user;  // user.source: the user's mapping, or its HR record
  int source = -1;  // the HR source (index in DesiredState::sources) it came from; -1: YAML
  bool parsed = true;     // false: the item was not a mapping (its problems say why)
  bool rejected = false;  // an HR record the cross-checks rejected (in its source's rejects)
  bool has_status = false;
  bool has_display_name_key = false;  // the user's own mapping has the key
  // The keys the cross-checks point at (after merging: the user's own key, or the defaults'
  // key the value came from); none: at the user.
  Place manager_pos;
  Place department_pos;
  Place roles_pos;
  // What reading the user's mapping found: read while the file streams, reported in load order
  // when the load finishes (after the policy's and the defaults' problems, as before).
  std::vector<Diagnostic> problems;
};

// The users of one spec file, read while it streamed: users_[begin, end) of the Loader, and
// what they were read with.
struct FileUsers {
  std::string path;
  size_t text_hash = 0;  // of the file's bytes, to know it again when it is read again
  size_t begin = 0;
  size_t end = 0;
  std::map<std::string, int> limits;  // the policy.maxAttributeLength they were read with
};

class Loader {
 public:
  Loader(const LoadOptions& options, Diagnostics& out) : options_(options), out_(out) {}

  // Reads one spec file. Its users stream (agent/config/yaml_stream.h): each item of `users:`
  // is read into a ParsedUser as soon as the parser has it, and its YAML dropped, so a file of
  // 100,000 users never exists as one yaml-cpp tree (which costs about 15 KiB per user). The
  // rest of the file (apiVersion, policy, defaults, …: small) is read from yaml-cpp's tree as
  // before. A user's problems wait in its ParsedUser and are reported by finish(), in the order
  // and at the places the tree-based loader reported them.
  //
  // Users are checked against policy.maxAttributeLength, which a later file (or this one, after
  // `users:`) may still change: they are read with the limits known when the file streams, and
  // finish() reads the file again when the final ones differ.
  void readFile(const std::string& path) {
    std::optional<std::string> text = readYamlFileText(path, path, diags_);
    if (!text) return;
    read_files_.push_back(DesiredFile{path, sha256Hex(*text)});
    FileUsers file;
    file.path = path;
    file.text_hash = std::hash<std::string>{}(*text);
    file.begin = users_.size();
    std::map<std::string, std::pair<SourcePos, size_t>> repeats;  // place → (pos, extra copies)
    StreamedYaml doc = streamUsers(*text, path, file.limits, /*limits_given=*/false, users_,
                                   repeats, diags_);
    text.reset();
    if (!doc.ok) {
      users_.resize(file.begin);  // a file with a syntax error declares nothing
      return;
    }
    file.end = users_.size();
    if (file.end > file.begin) files_.push_back(file);
    if (doc.root.IsNull()) return;  // an empty file (or only comments) declares nothing
    YamlMap top(path, doc.root, "the file", yamlPos(path, doc.root), topLevelKeys(), diags_);
    if (!top.ok()) return;

    if (const YamlEntry* e = top.find("apiVersion")) {
      if (auto version = readString(*e, diags_)) {
        if (*version != kApiVersion) {
          diags_.add(e->pos, "unsupported apiVersion " + quote(*version) + " (expected " +
                                 kApiVersion + ")");
        }
      }
    } else {
      diags_.add(yamlPos(path, doc.root),
                 std::string("missing apiVersion: every spec file starts with \"apiVersion: ") +
                     kApiVersion + "\"");
    }
    takeSection(top, "policy", policy_);
    if (const YamlEntry* e = top.find("sources")) {
      if (options_.sources) {
        diags_.add(e->pos, "\"sources\" is in agent.yaml already (at " +
                               options_.sources->pos.toString() + "); list them in one place");
      } else if (!sources_) {
        sources_dir_ = fs::absolute(fs::path(path)).parent_path().string();
      }
      takeSection(top, "sources", sources_);
    }
    if (takeSection(top, "defaults", defaults_)) {
      // Read as the users are (StreamNode), from the same document.
      defaults_tree_ = doc.tree;
      defaults_node_ = topLevelValue(doc.tree, "defaults");
    }
    takeSection(top, "groupsByDepartment", groups_by_department_);
    if (const YamlEntry* e = top.find("users")) {
      if (doc.streamed) {
        // An item at the place of an earlier one is a YAML alias of that user (an alias is its
        // anchor's node): not read again, and reported once with its count, so 200,000 aliases
        // cost one message.
        for (const auto& [place, repeat] : repeats) {
          diags_.add(repeat.first, "the user here is listed " +
                                       std::to_string(repeat.second + 1) +
                                       " times (YAML aliases of it): one entry per user");
        }
      } else if (e->value.IsNull()) {  // `users:` with nothing under it
        flush();
        return;
      } else {
        // Not a sequence (a sequence streams): the error is readSequence's.
        (void)readSequence(*e, diags_);
      }
    }
    flush();
  }

  DesiredState finish() {
    DesiredState state;
    state.policy = options_.base_policy;
    if (policy_) readPolicy(*policy_, state.policy, diags_);
    limits_ = &state.policy.max_attribute_length;
    if (groups_by_department_) state.groups_by_department = readGroupsByDepartment();
    flush();

    std::optional<ParsedUser> defaults;
    if (defaults_) {
      const StreamEntry entry{defaults_->key, defaults_node_, defaults_->pos, defaults_->file};
      StreamMap map(entry, userKeys(), diags_);
      if (map.ok()) defaults = parseUser(map, defaults_->pos, /*is_defaults=*/true);
      flush();
    }
    defaults_tree_.reset();

    for (const FileUsers& file : files_) {
      if (file.limits != *limits_) rereadUsers(file);
    }
    files_.clear();
    // users_ keeps every item's problems in load order; an item that was not a mapping leaves
    // only those.
    std::deque<ParsedUser> users;
    while (!users_.empty()) {
      ParsedUser& p = users_.front();
      for (Diagnostic& d : p.problems) diags_.add(std::move(d.pos), std::move(d.message));
      p.problems = {};
      if (p.parsed) {
        if (defaults) mergeDefaults(p, *defaults);
        users.push_back(std::move(p));
      }
      users_.pop_front();
      flush();
    }
    readSources(state, defaults, users);
    flush();
    crossCheck(users, state);
    flush();
    for (SourceOutcome& source : state.sources) checkRejectLimit(source, state.policy);
    if (dropped_ > 0) {
      // Sorts first (no file): the counts printed after it are of the kept problems.
      out_.add(SourcePos{},
               std::to_string(kept_ + dropped_) + " problems found; only the first " +
                   std::to_string(kept_) + " were kept and are counted below");
    }

    for (SourceOutcome& source : state.sources) source.users = 0;
    state.users.reserve(users.size());
    while (!users.empty()) {  // front to back, each freed once moved: one copy at a time
      ParsedUser& p = users.front();
      if (!p.rejected) {
        if (p.source >= 0) ++state.sources[static_cast<size_t>(p.source)].users;
        if (!p.user.external_id.empty()) state.users.push_back(std::move(p.user));
      }
      users.pop_front();
    }
    state.digest = desiredDigest(state.users, state.policy, state.groups_by_department);
    state.files = std::move(read_files_);
    return state;
  }

 private:
  // Moves what the last step found into the caller's diagnostics, keeping at most
  // kMaxKeptProblems in all and counting the rest.
  void flush() {
    for (const Diagnostic& d : diags_.items()) {
      if (kept_ < kMaxKeptProblems) {
        out_.add(d.pos, d.message);
        ++kept_;
      } else {
        ++dropped_;
      }
    }
    diags_ = Diagnostics();
  }

  // Streams `text` (one spec file at `path`), reading each item of its `users:` into `out`
  // (one ParsedUser each, in document order). Aliases of an earlier item are counted in
  // `repeats`, not read. The items are checked against `limits` when given (the final
  // policy.maxAttributeLength), else against the limits known when `users:` starts
  // (expectedLimits), which `limits` receives.
  StreamedYaml streamUsers(const std::string& text, const std::string& path,
                           std::map<std::string, int>& limits, bool limits_given,
                           std::deque<ParsedUser>& out,
                           std::map<std::string, std::pair<SourcePos, size_t>>& repeats,
                           Diagnostics& diags) {
    if (!limits_given) limits = options_.base_policy.max_attribute_length;
    const std::map<std::string, int>* outer_limits = limits_;
    limits_ = &limits;
    std::vector<std::uint64_t> places;  // line and column of every item so far, sorted
    StreamBuilder::Handlers handlers;
    handlers.on_start = [&](const StreamNode& top) {
      if (!limits_given) limits = expectedLimits(path, top);
    };
    handlers.on_item = [&](const StreamNode& item) {
      const SourcePos pos = yamlPos(path, item);
      if (pos.line > 0) {
        const std::uint64_t place = (static_cast<std::uint64_t>(pos.line) << 32) |
                                    static_cast<std::uint32_t>(pos.column);
        auto at = std::lower_bound(places.begin(), places.end(), place);
        if (at != places.end() && *at == place) {
          auto& [first, count] = repeats[pos.toString()];
          first = pos;
          ++count;
          return;
        }
        places.insert(at, place);
      }
      out.push_back(readUser(path, item, pos));
    };
    StreamedYaml doc = streamYamlText(text, path, "users", handlers, diags);
    limits_ = outer_limits;
    return doc;
  }

  // One item of `users:`, with its problems kept in it (not in diags_).
  ParsedUser readUser(const std::string& path, const StreamNode& item, const SourcePos& pos) {
    Diagnostics outer;
    std::swap(diags_, outer);
    struct Restore {  // diags_ is the caller's again however this returns
      Diagnostics& a;
      Diagnostics& b;
      ~Restore() { std::swap(a, b); }
    } restore{diags_, outer};
    ParsedUser p;
    StreamMap map(path, item, "a user", pos, userKeys(), diags_);
    if (map.ok()) {
      p = parseUser(map, pos, /*is_defaults=*/false);
    } else {
      p.parsed = false;
    }
    p.problems = diags_.items();
    return p;
  }

  // policy.maxAttributeLength as far as it is known while a file streams: agent.yaml's, then an
  // earlier file's policy, or else this file's when it comes before `users:` (`top` is the
  // file's top-level mapping so far). A guess: finish() compares it with the final one.
  std::map<std::string, int> expectedLimits(const std::string& path, const StreamNode& top) {
    Diagnostics ignored;
    if (policy_) {
      Policy policy = options_.base_policy;
      readPolicy(*policy_, policy, ignored);
      return policy.max_attribute_length;
    }
    std::map<std::string, int> limits = options_.base_policy.max_attribute_length;
    const StreamNode node = valueOf(top, "policy");
    if (node.IsNull()) return limits;
    StreamMap policy(path, node, "policy", SourcePos{}, policyKeys(), ignored);
    const StreamEntry* entry = policy.find("maxAttributeLength");
    if (!entry) return limits;
    std::vector<std::string> known;
    for (const auto& [name, limit] : defaultMaxAttributeLengths()) known.push_back(name);
    StreamMap map(*entry, known, ignored);
    for (const StreamEntry& e : map.entries()) {
      const auto n = readInt(e, ignored);
      if (n && *n >= 1 && *n <= kMaxAttributeLengthCeiling) {
        limits[e.key] = static_cast<int>(*n);
      }
    }
    return limits;
  }

  // The value of the first `key` of a top-level mapping (as YamlMap keeps the first), or null.
  static StreamNode valueOf(const StreamNode& map, const std::string& key) {
    if (!map.IsMap()) return StreamNode();
    for (size_t i = 0; i < map.size(); ++i) {
      if (map.key(i).IsScalar() && map.key(i).Scalar() == key) return map.value(i);
    }
    return StreamNode();
  }
  static StreamNode topLevelValue(const std::shared_ptr<StreamTree>& tree,
                                  const std::string& key) {
    return tree ? valueOf(tree->root(), key) : StreamNode();
  }

  // Reads the users of `file` again with the final policy.maxAttributeLength (*limits_), into
  // the same places of users_. The file must be as it was: otherwise the first reading stays,
  // with an error saying why.
  void rereadUsers(const FileUsers& file) {
    Diagnostics ignored;  // the file's own problems were reported the first time
    std::optional<std::string> text = readYamlFileText(file.path, file.path, ignored);
    if (!text || std::hash<std::string>{}(*text) != file.text_hash) {
      diags_.add(SourcePos{file.path, 0, 0},
                 "the file changed while the desired state was read; read it again");
      return;
    }
    std::map<std::string, int> limits = *limits_;
    std::deque<ParsedUser> again;
    std::map<std::string, std::pair<SourcePos, size_t>> repeats;
    StreamedYaml doc = streamUsers(*text, file.path, limits, /*limits_given=*/true, again,
                                   repeats, ignored);
    if (!doc.ok || again.size() != file.end - file.begin) {
      diags_.add(SourcePos{file.path, 0, 0},
                 "the file changed while the desired state was read; read it again");
      return;
    }
    for (size_t i = 0; i < again.size(); ++i) users_[file.begin + i] = std::move(again[i]);
  }

  // False (after a diagnostic at `pos`) when `value` is longer than policy.maxAttributeLength
  // allows for `attribute`.
  bool withinLimit(const SourcePos& pos, const std::string& attribute, const std::string& value) {
    if (!limits_) return true;
    auto limit = limits_->find(attribute);
    if (limit == limits_->end()) return true;
    // Bytes first: a value is never shorter in bytes than in characters.
    if (value.size() <= static_cast<size_t>(limit->second)) return true;
    const size_t length = utf8Length(value);
    if (length <= static_cast<size_t>(limit->second)) return true;
    diags_.add(pos, attribute + " is " + std::to_string(length) +
                        " characters long; the limit is " + std::to_string(limit->second) +
                        " (policy.maxAttributeLength." + attribute + ")");
    return false;
  }

  // readString, then withinLimit for the entry's key.
  std::optional<std::string> readLimited(const StreamEntry& e) {
    auto s = readString(e, diags_);
    if (s && !withinLimit(e.pos, e.key, *s)) return std::nullopt;
    return s;
  }

  // Adds a diagnostic unless the same one was added already (a bad default is reported once, not
  // once per user that inherits it).
  void report(const SourcePos& pos, const std::string& message) {
    if (reported_.insert(pos.toString() + "\n" + message).second) diags_.add(pos, message);
  }

  // True when `key` was taken from `top` into `slot`.
  bool takeSection(const YamlMap& top, const std::string& key, std::optional<YamlEntry>& slot) {
    const YamlEntry* e = top.find(key);
    if (!e) return false;
    if (slot) {
      diags_.add(e->pos, quote(key) + " may appear in one file only (first at " +
                             slot->pos.toString() + ")");
      return false;
    }
    slot = *e;
    return true;
  }

  std::map<std::string, std::vector<std::string>> readGroupsByDepartment() {
    std::map<std::string, std::vector<std::string>> out;
    const YamlEntry& entry = *groups_by_department_;
    if (!entry.value.IsMap()) {
      diags_.add(entry.pos,
                 "expected a mapping for \"groupsByDepartment\" (department code to "
                 "group names), got " +
                     describeNode(entry.value));
      return out;
    }
    std::map<std::string, SourcePos> seen;
    for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
      const SourcePos pos = yamlPos(entry.file, it->first);
      if (!it->first.IsScalar()) {
        diags_.add(pos, "expected a department code as key in \"groupsByDepartment\", got " +
                            describeNode(it->first));
        continue;
      }
      const std::string department = it->first.Scalar();
      if (auto problem = textProblem(department, "a department code")) {
        diags_.add(pos, *problem);
        continue;
      }
      auto [first, inserted] = seen.emplace(department, pos);
      if (!inserted) {
        diags_.add(pos, "duplicate department " + quote(department) +
                            " in \"groupsByDepartment\" (first at " + first->second.toString() +
                            ")");
        continue;
      }
      YamlEntry list{department, it->second, pos, entry.file};
      if (auto groups = readStringList(list, diags_)) {
        sortUnique(*groups);
        out[department] = std::move(*groups);
      }
    }
    return out;
  }

  ParsedUser parseUser(const StreamMap& map, const SourcePos& where, bool is_defaults) {
    ParsedUser p;
    p.user.source = where;
    DesiredUser& u = p.user;
    std::optional<bool> active;
    const StreamEntry* status_entry = nullptr;
    std::optional<UserStatus> status;

    for (const StreamEntry& e : map.entries()) {
      if (e.key == "displayName") {
        p.has_display_name_key = true;
      } else if (e.key == "manager") {
        p.manager_pos = place(e.pos);
      } else if (e.key == "department") {
        p.department_pos = place(e.pos);
      } else if (e.key == "roles") {
        p.roles_pos = place(e.pos);
      }
      if (is_defaults && (e.key == "externalId" || e.key == "userName")) {
        diags_.add(e.pos, e.key + " identifies one user and cannot be set in defaults");
        continue;
      }
      if (e.key == "externalId") {
        if (auto s = readLimited(e)) {
          if (s->empty()) {
            diags_.add(e.pos, "externalId must not be empty");
          } else {
            u.external_id = *s;
          }
        }
      } else if (e.key == "userName") {
        if (auto s = readLimited(e)) {
          if (!looksLikeEmail(*s)) {
            diags_.add(e.pos, "userName " + quote(*s) + " is not an email address");
          }
          u.user_name = *s;
        }
      } else if (e.key == "displayName") {
        if (auto s = readLimited(e)) {
          if (s->empty() && options_.target_kind == "genesys") {
            diags_.add(e.pos, "displayName must not be empty (Genesys Cloud requires it)");
          } else {
            u.display_name = *s;
          }
        }
      } else if (e.key == "name") {
        if (options_.target_kind == "genesys") {
          diags_.add(e.pos, "name is not supported by Genesys Cloud; use displayName");
        } else {
          // target.kind scim: accepted and checked for shape; the SCIM client does not send it.
          StreamMap name(e,
                       {"givenName", "familyName", "formatted", "middleName", "honorificPrefix",
                        "honorificSuffix"},
                       diags_);
          for (const StreamEntry& part : name.entries()) (void)readString(part, diags_);
        }
      } else if (e.key == "title") {
        if (auto s = readLimited(e)) u.title = *s;
      } else if (e.key == "active") {
        active = readBool(e, diags_);
      } else if (e.key == "status") {
        status_entry = &e;
        if (auto s = readString(e, diags_)) {
          if (*s == "active") {
            status = UserStatus::kActive;
          } else if (*s == "suspended") {
            status = UserStatus::kSuspended;
          } else if (*s == "terminated") {
            status = UserStatus::kTerminated;
          } else {
            diags_.add(e.pos, "status must be active, suspended or terminated, got " + quote(*s));
          }
        }
      } else if (e.key == "emails") {
        readEmails(e, u);
      } else if (e.key == "phoneNumbers") {
        readPhones(e, u);
      } else if (e.key == "department") {
        if (auto s = readLimited(e)) u.department = *s;
      } else if (e.key == "division") {
        if (auto s = readLimited(e)) u.division = *s;
      } else if (e.key == "employeeNumber") {
        if (auto s = readLimited(e)) u.employee_number = *s;
      } else if (e.key == "dateHire") {
        if (auto s = readString(e, diags_)) {
          if (!s->empty() && !isValidDate(*s)) {
            diags_.add(e.pos, "dateHire " + quote(*s) + " is not a date (YYYY-MM-DD)");
          } else {
            u.date_hire = *s;
          }
        }
      } else if (e.key == "manager") {
        if (auto s = readLimited(e)) u.manager = *s;
      } else if (e.key == "groups") {
        if (auto groups = readNameList(e)) u.groups = std::move(*groups);
      } else if (e.key == "roles") {
        if (auto roles = readNameList(e)) u.roles = std::move(*roles);
      } else if (e.key == "routingSkills") {
        u.routing_skills = readProficiencies(e);
      } else if (e.key == "routingLanguages") {
        u.routing_languages = readProficiencies(e);
      }
    }

    // active and status: either, or both when they agree.
    if (active && status && (*active != (*status == UserStatus::kActive))) {
      diags_.add(status_entry->pos, std::string("active: ") + (*active ? "true" : "false") +
                                        " contradicts status: " + userStatusName(*status));
    } else if (status) {
      u.status = *status;
      p.has_status = true;
    } else if (active) {
      u.status = *active ? UserStatus::kActive : UserStatus::kSuspended;
      p.has_status = true;
    }

    if (!is_defaults) {
      if (!map.has("externalId")) diags_.add(where, "missing required key \"externalId\"");
      if (!map.has("userName")) diags_.add(where, "missing required key \"userName\"");
    }
    return p;
  }

  // A list of names (groups, roles): strings, not empty; sorted and unique.
  std::optional<std::vector<std::string>> readNameList(const StreamEntry& e) {
    auto items = readSequence(e, diags_);
    if (!items) return std::nullopt;
    std::vector<std::string> names;
    for (const StreamEntry& item : *items) {
      auto name = readLimited(item);
      if (!name) continue;
      if (name->empty()) {
        diags_.add(item.pos, "an empty name in " + quote(e.key));
        continue;
      }
      names.push_back(*name);
    }
    sortUnique(names);
    return names;
  }

  void readEmails(const StreamEntry& e, DesiredUser& u) {
    auto items = readSequence(e, diags_);
    if (!items) return;
    std::optional<std::string> work;
    std::optional<SourcePos> first_work;
    bool ok = true;
    for (const StreamEntry& item : *items) {
      StreamMap email(item.file, item.value, "an email", item.pos, {"value", "type"}, diags_);
      if (!email.ok()) {
        ok = false;
        continue;
      }
      std::string type = "work";
      if (const StreamEntry* t = email.find("type")) {
        auto s = readString(*t, diags_);
        if (!s) {
          ok = false;
          continue;
        }
        type = *s;
        if (type == "other") {
          diags_.add(t->pos, "emails of type other mirror userName and are read-only");
          ok = false;
          continue;
        }
        if (type != "work") {
          diags_.add(t->pos, "email type must be work, got " + quote(type));
          ok = false;
          continue;
        }
      }
      const StreamEntry* v = email.find("value");
      if (!v) {
        diags_.add(item.pos, "an email needs a value");
        ok = false;
        continue;
      }
      auto value = readString(*v, diags_);
      if (!value || !withinLimit(v->pos, "emails", *value)) {
        ok = false;
        continue;
      }
      if (!looksLikeEmail(*value)) {
        diags_.add(v->pos, "email " + quote(*value) + " is not an email address");
        ok = false;
        continue;
      }
      if (first_work) {
        diags_.add(item.pos, "at most one work email (first at " + first_work->toString() + ")");
        ok = false;
        continue;
      }
      first_work = item.pos;
      work = *value;
    }
    if (ok) u.work_email = work.value_or("");
  }

  void readPhones(const StreamEntry& e, DesiredUser& u) {
    auto items = readSequence(e, diags_);
    if (!items) return;
    std::vector<PhoneNumber> phones;
    std::map<std::string, SourcePos> seen;
    bool ok = true;
    for (const StreamEntry& item : *items) {
      auto pair = entryPair(item, "a phone number", "phoneNumbers", {"value", "a value"},
                            {"type", "a type"});
      const StreamEntry* t = pair ? &pair->second : nullptr;
      const auto type = t ? readString(*t, diags_) : std::nullopt;
      if (!type) {
        ok = false;
        continue;
      }
      const std::string* value = &pair->text;
      const auto& types = phoneNumberTypes();
      if (std::find(types.begin(), types.end(), *type) == types.end()) {
        std::string message = "unknown phone type " + quote(*type);
        const std::string suggestion = closestName(*type, types);
        message += suggestion.empty() ? " (one of " + joined(types) + ")"
                                      : " (did you mean " + quote(suggestion) + "?)";
        diags_.add(t->pos, message);
        ok = false;
        continue;
      }
      if (!isValidPhoneNumber(*value)) {
        diags_.add(pair->text_pos, "phone number " + quote(*value) +
                               " must be E.164 (+15550100) or tel:+15550100;ext=123");
        ok = false;
        continue;
      }
      auto [first, inserted] = seen.emplace(*type, t->pos);
      if (!inserted) {
        diags_.add(t->pos, "one phone number per type: " + quote(*type) + " is already at " +
                               first->second.toString());
        ok = false;
        continue;
      }
      phones.push_back(PhoneNumber{*value, *type});
    }
    if (!ok) return;
    std::sort(phones.begin(), phones.end(),
              [](const PhoneNumber& a, const PhoneNumber& b) { return a.type < b.type; });
    u.phone_numbers = std::move(phones);
  }

  // A two-key list entry (a phone number's value and type, a skill's name and proficiency): the
  // first key's text, within policy.maxAttributeLength[`attribute`], and the second key's entry.
  // nullopt, with a diagnostic, when either key is absent, the text is not a string or too long,
  // or the entry is not such a map.
  struct KeyName {
    const char* key;
    const char* article;  // "a value"
  };
  struct EntryPair {
    std::string text;     // the first key's string
    SourcePos text_pos;   // where it is
    StreamEntry second;
  };
  std::optional<EntryPair> entryPair(const StreamEntry& item, const std::string& what,
                                     const std::string& attribute, KeyName a, KeyName b) {
    StreamMap map(item.file, item.value, what, item.pos, {a.key, b.key}, diags_);
    if (!map.ok()) return std::nullopt;
    const StreamEntry* first = map.find(a.key);
    const StreamEntry* second = map.find(b.key);
    if (!first || !second) {
      diags_.add(item.pos, what + " needs " +
                               (!first && !second ? std::string(a.article) + " and " + b.article
                                : !first          ? std::string(a.article)
                                                  : std::string(b.article)));
      return std::nullopt;
    }
    auto text = readString(*first, diags_);
    if (!text || !withinLimit(first->pos, attribute, *text)) return std::nullopt;
    return EntryPair{*text, first->pos, *second};
  }

  std::optional<std::vector<Proficiency>> readProficiencies(const StreamEntry& e) {
    auto items = readSequence(e, diags_);
    if (!items) return std::nullopt;
    std::vector<Proficiency> out;
    std::map<std::string, SourcePos> seen;
    bool ok = true;
    for (const StreamEntry& item : *items) {
      const auto pair = entryPair(item, "an entry of " + quote(e.key), e.key, {"name", "a name"},
                                  {"proficiency", "a proficiency"});
      const auto proficiency = pair ? readNumber(pair->second, diags_) : std::nullopt;
      if (!proficiency) {
        ok = false;
        continue;
      }
      const std::string* name = &pair->text;
      const SourcePos& name_pos = pair->text_pos;
      if (name->empty()) {
        diags_.add(name_pos, "an empty name in " + quote(e.key));
        ok = false;
        continue;
      }
      if (*proficiency < 0 || *proficiency > 5) {
        diags_.add(pair->second.pos, "proficiency must be between 0 and 5, got " + pair->second.value.Scalar());
        ok = false;
        continue;
      }
      auto [first, inserted] = seen.emplace(*name, name_pos);
      if (!inserted) {
        diags_.add(name_pos, "duplicate " + quote(*name) + " in " + quote(e.key) + " (first at " +
                               first->second.toString() + ")");
        ok = false;
        continue;
      }
      out.push_back(Proficiency{*name, *proficiency});
    }
    if (out.size() > kMaxRoutingEntries) {
      diags_.add(e.pos, "at most " + std::to_string(kMaxRoutingEntries) + " entries in " +
                            quote(e.key) + ", got " + std::to_string(out.size()));
      ok = false;
    }
    if (!ok) return std::nullopt;
    std::sort(out.begin(), out.end(),
              [](const Proficiency& a, const Proficiency& b) { return a.name < b.name; });
    return out;
  }

  // Defaults fill what the user does not declare; lists are replaced, never concatenated.
  // True when the value came from the defaults.
  template <typename T>
  static bool takeDefault(ParsedUser& p, const ParsedUser& d, T DesiredUser::*field) {
    if (!(p.user.*field) && (d.user.*field)) {
      p.user.*field = d.user.*field;
      return true;
    }
    return false;
  }

  static void mergeDefaults(ParsedUser& p, const ParsedUser& d) {
    DesiredUser& u = p.user;
    const DesiredUser& du = d.user;
    takeDefault(p, d, &DesiredUser::display_name);
    takeDefault(p, d, &DesiredUser::title);
    takeDefault(p, d, &DesiredUser::work_email);
    takeDefault(p, d, &DesiredUser::phone_numbers);
    // A value from the defaults is checked at the defaults' key.
    if (takeDefault(p, d, &DesiredUser::department)) p.department_pos = d.department_pos;
    takeDefault(p, d, &DesiredUser::division);
    takeDefault(p, d, &DesiredUser::employee_number);
    takeDefault(p, d, &DesiredUser::date_hire);
    if (takeDefault(p, d, &DesiredUser::manager)) p.manager_pos = d.manager_pos;
    takeDefault(p, d, &DesiredUser::groups);
    if (takeDefault(p, d, &DesiredUser::roles)) p.roles_pos = d.roles_pos;
    takeDefault(p, d, &DesiredUser::routing_skills);
    takeDefault(p, d, &DesiredUser::routing_languages);
    if (!p.has_status && d.has_status) {
      u.status = du.status;
      p.has_status = true;
    }
  }

  // `pos` without its own copy of the file name (ParsedUser keeps three of them).
  Place place(const SourcePos& pos) {
    std::int32_t file = -1;
    for (size_t i = place_files_.size(); i-- > 0;) {
      if (place_files_[i] == pos.file) {
        file = static_cast<std::int32_t>(i);
        break;
      }
    }
    if (file < 0) {
      file = static_cast<std::int32_t>(place_files_.size());
      place_files_.push_back(pos.file);
    }
    return Place{file, pos.line, pos.column};
  }

  // Where the cross-checks report a problem of `key`: at that key, else at the user.
  SourcePos keyPos(const ParsedUser& p, const Place& key) const {
    if (key.file < 0) return p.user.source;
    return SourcePos{place_files_[static_cast<size_t>(key.file)], key.line, key.column};
  }

  // Orders userNames as their lowercase forms would, without making them.
  struct CaseInsensitiveLess {
    bool operator()(std::string_view a, std::string_view b) const {
      return std::lexicographical_compare(
          a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
            return std::tolower(x) < std::tolower(y);
          });
    }
  };

  void crossCheck(std::deque<ParsedUser>& users, DesiredState& state) {
    const Policy& policy = state.policy;
    const auto& groups_by_department = state.groups_by_department;

    // Uniqueness: externalId case-exact, userName case-insensitive (SPEC §5). The keys are the
    // users' own strings (users does not change while these maps live): no copy per user.
    std::map<std::string_view, const ParsedUser*, std::less<>> external_ids;
    std::map<std::string_view, const ParsedUser*, CaseInsensitiveLess> user_names;
    for (ParsedUser& p : users) {
      const DesiredUser& u = p.user;
      if (!u.external_id.empty()) {
        auto [first, inserted] = external_ids.emplace(u.external_id, &p);
        if (!inserted) {
          diags_.add(u.source, "duplicate externalId " + quote(u.external_id) + " (first at " +
                                   first->second->user.source.toString() + ")");
        }
      }
      if (!u.user_name.empty()) {
        auto [first, inserted] = user_names.emplace(u.user_name, &p);
        if (!inserted) {
          diags_.add(u.source, "duplicate userName " + quote(u.user_name) + " (first at " +
                                   first->second->user.source.toString() + ")");
        }
      }
      flush();
    }

    std::set<std::string> rejected_ids;
    for (const SourceOutcome& source : state.sources) {
      for (const SourceReject& r : source.rejects) {
        if (!r.external_id.empty()) rejected_ids.insert(r.external_id);
      }
    }

    std::vector<std::string> departments;
    for (const auto& [code, groups] : groups_by_department) departments.push_back(code);
    for (const auto& [code, roles] : policy.roles_by_department) departments.push_back(code);
    sortUnique(departments);

    for (ParsedUser& p : users) {
      DesiredUser& u = p.user;
      // A displayName that was there but refused is reported already.
      if (options_.target_kind == "genesys" && !u.display_name &&
          !p.has_display_name_key) {
        diags_.add(p.user.source,
                   "missing required key \"displayName\" (Genesys Cloud requires it)");
      }

      if (u.manager && !u.manager->empty()) {
        const SourcePos pos = keyPos(p, p.manager_pos);
        if (*u.manager == u.external_id) {
          problem(p, state, pos, "manager " + quote(*u.manager) + " is the user itself");
        } else if (rejected_ids.count(*u.manager) && !external_ids.count(*u.manager)) {
          // The manager's own HR record was rejected this run: leave the manager alone rather
          // than reject everyone who reports to that person.
          u.manager.reset();
        } else if (!external_ids.count(*u.manager)) {
          problem(p, state, pos,
                  "manager " + quote(*u.manager) + " is not the externalId of any desired user");
        }
      }

      if (u.department && !u.department->empty() && !departments.empty() &&
          !std::binary_search(departments.begin(), departments.end(), *u.department)) {
        std::string message = "unknown department " + quote(*u.department) +
                              " (not in groupsByDepartment or policy.roles";
        const std::string suggestion = closestName(*u.department, departments);
        if (!suggestion.empty()) message += "; did you mean " + quote(suggestion) + "?";
        problem(p, state, keyPos(p, p.department_pos), message + ")");
      }

      if (u.roles && u.department) {
        auto allowed = policy.roles_by_department.find(*u.department);
        if (allowed != policy.roles_by_department.end()) {
          for (const std::string& role : *u.roles) {
            if (!std::binary_search(allowed->second.begin(), allowed->second.end(), role)) {
              problem(p, state, keyPos(p, p.roles_pos),
                      "role " + quote(role) + " is not allowed for department " +
                          *u.department + " (allowed: " + joined(allowed->second) + ")");
            }
          }
        }
      }

      // groupsByDepartment seeds the groups: union with the user's own, sorted and unique.
      if (u.department) {
        auto seed = groups_by_department.find(*u.department);
        if (seed != groups_by_department.end()) {
          std::vector<std::string> groups = seed->second;
          if (u.groups) groups.insert(groups.end(), u.groups->begin(), u.groups->end());
          sortUnique(groups);
          u.groups = std::move(groups);
        }
      }
      flush();
    }
  }

  // A cross-check failed for `p`: a diagnostic for a YAML user; for an HR record, a reject of
  // that record (reported with its place, skipped, its person shielded for the run).
  void problem(ParsedUser& p, DesiredState& state, const SourcePos& pos, const std::string& message) {
    if (p.source < 0) {
      report(pos, message);
      return;
    }
    SourceOutcome& source = state.sources[static_cast<size_t>(p.source)];
    if (p.rejected) {
      source.rejects.back().message += "; " + message;
      return;
    }
    p.rejected = true;
    if (source.mapped > 0) --source.mapped;
    source.rejects.push_back(SourceReject{p.user.source, p.user.external_id, message});
  }

  // Reads every HR source (SPEC §6) and adds its users to `users`, defaults applied.
  void readSources(DesiredState& state, const std::optional<ParsedUser>& defaults,
                   std::deque<ParsedUser>& users) {
    const YamlEntry* entry = options_.sources ? &*options_.sources : sources_ ? &*sources_ : nullptr;
    if (!entry) return;
    const std::string& dir = options_.sources ? options_.sources_dir : sources_dir_;
    MappingOptions mapping;
    mapping.target_kind = options_.target_kind;
    mapping.max_attribute_length = state.policy.max_attribute_length;
    const std::vector<SourceSpec> specs = parseSources(*entry, dir, mapping, diags_);
    flush();
    if (!options_.read_sources) return;
    for (const SourceSpec& spec : specs) {
      SourceRead read = readSource(spec, options_.source_options, diags_);
      flush();
      // A source read with no data problem of its own but sorted out of order would be fine;
      // rejects keep file order, and a cross-check reject is appended after them.
      const int index = static_cast<int>(state.sources.size());
      for (DesiredUser& u : read.users) {
        ParsedUser p;
        p.user = std::move(u);
        p.source = index;
        p.has_status = true;
        if (defaults) mergeDefaults(p, *defaults);
        users.push_back(std::move(p));
      }
      if (options_.explained) {
        for (SourceExplanation& e : read.explained) options_.explained->push_back(std::move(e));
      }
      state.sources.push_back(std::move(read.outcome));
    }
  }

  const LoadOptions& options_;
  Diagnostics& out_;    // the caller's: at most kMaxKeptProblems, plus one count of the rest
  Diagnostics diags_;   // what the current step found; flush() moves it to out_
  size_t kept_ = 0;
  size_t dropped_ = 0;
  const std::map<std::string, int>* limits_ = nullptr;  // the effective policy's, in finish()
  std::optional<YamlEntry> policy_;
  std::optional<YamlEntry> defaults_;
  std::optional<YamlEntry> groups_by_department_;
  std::optional<YamlEntry> sources_;  // a spec file's sources:
  std::string sources_dir_;           // that file's folder
  // The users of the spec files, in load order (a deque: it grows without copying, and
  // finish() frees it from the front as it moves the users on).
  std::deque<ParsedUser> users_;
  std::vector<FileUsers> files_;  // the files users_ came from
  std::vector<DesiredFile> read_files_;  // every file read, with the hash of its bytes
  std::shared_ptr<StreamTree> defaults_tree_;  // keeps defaults_node_
  StreamNode defaults_node_;
  std::vector<std::string> place_files_;  // the files of Place
  std::set<std::string> reported_;
};

}  // namespace

std::vector<std::string> desiredFiles(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return {path};
  if (!fs::is_directory(path, ec)) return {};
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string ext = entry.path().extension().string();
    if (name.empty() || name[0] == '.') continue;
    if (ext != ".yaml" && ext != ".yml") continue;
    std::error_code type_ec;
    if (!entry.is_regular_file(type_ec)) continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> files;
  for (const std::string& name : names) files.push_back((fs::path(path) / name).string());
  return files;
}

DesiredState loadDesired(const std::string& path, const LoadOptions& options, Diagnostics& diags) {
  Loader loader(options, diags);
  std::error_code ec;
  try {
    if (!fs::exists(path, ec)) {
      diags.add(SourcePos{path, 0, 0}, "desired state not found: no such file or directory");
    } else if (!fs::is_regular_file(path, ec) && !fs::is_directory(path, ec)) {
      diags.add(SourcePos{path, 0, 0}, "desired state must be a file or a directory");
    } else {
      for (const std::string& file : desiredFiles(path)) loader.readFile(file);
    }
    return loader.finish();
  } catch (const std::exception& e) {
    // yaml-cpp and the filesystem library throw; nothing may cross this edge (STYLE §4).
    diags.add(SourcePos{path, 0, 0}, std::string("cannot load desired state: ") + e.what());
    return DesiredState{};
  }
}

}  // namespace scim_agent
