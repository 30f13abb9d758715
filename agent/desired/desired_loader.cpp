#include "agent/desired/desired_loader.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "agent/base/utf8.h"
#include "agent/config/policy_yaml.h"
#include "agent/config/yaml_reader.h"
#include "agent/desired/desired_json.h"

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

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

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

// A user (or the defaults) as read from one mapping, before merging and cross-checks.
struct ParsedUser {
  DesiredUser user;
  int source = -1;  // the HR source (index in DesiredState::sources) it came from; -1: YAML
  bool rejected = false;  // an HR record the cross-checks rejected (in its source's rejects)
  SourcePos where;  // the user's mapping, or its HR record
  bool has_status = false;
  // The position of each attribute's key, for cross-checks (after merging: the user's own key,
  // or the defaults' key the value came from).
  std::map<std::string, SourcePos> key_pos;
};

class Loader {
 public:
  Loader(const LoadOptions& options, Diagnostics& out) : options_(options), out_(out) {}

  void readFile(const std::string& path) {
    YamlDocument doc = loadYamlFile(path, path, diags_);
    if (!doc.ok) return;
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
    takeSection(top, "defaults", defaults_);
    takeSection(top, "groupsByDepartment", groups_by_department_);
    if (const YamlEntry* e = top.find("users")) {
      if (e->value.IsNull()) {  // `users:` with nothing under it
        flush();
        return;
      }
      if (auto items = readSequence(*e, diags_)) takeUsers(*items);
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
      YamlMap map(*defaults_, userKeys(), diags_);
      if (map.ok()) defaults = parseUser(map, defaults_->pos, /*is_defaults=*/true);
      flush();
    }

    std::vector<ParsedUser> users;
    for (const YamlEntry& item : user_items_) {
      YamlMap map(item.file, item.value, "a user", item.pos, userKeys(), diags_);
      if (map.ok()) {
        ParsedUser user = parseUser(map, item.pos, /*is_defaults=*/false);
        if (defaults) mergeDefaults(user, *defaults);
        users.push_back(std::move(user));
      }
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

    for (ParsedUser& p : users) {
      if (p.rejected) continue;
      if (p.source >= 0) ++state.sources[static_cast<size_t>(p.source)].users;
      if (!p.user.external_id.empty()) state.users.push_back(std::move(p.user));
    }
    state.digest = desiredDigest(state.users, state.policy, state.groups_by_department);
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

  // The items of a `users:` sequence. An item at the place of an earlier one is a YAML alias of
  // that user (yaml-cpp gives an alias its anchor's mark): not parsed again, and reported once
  // with its count, so 200,000 aliases cost one message.
  void takeUsers(const std::vector<YamlEntry>& items) {
    std::map<std::string, std::pair<SourcePos, size_t>> repeats;  // place → (pos, extra copies)
    for (const YamlEntry& item : items) {
      if (item.pos.line > 0 && !user_places_.insert(item.pos.toString()).second) {
        auto& [pos, count] = repeats[item.pos.toString()];
        pos = item.pos;
        ++count;
        continue;
      }
      user_items_.push_back(item);
    }
    for (const auto& [place, repeat] : repeats) {
      diags_.add(repeat.first, "the user here is listed " + std::to_string(repeat.second + 1) +
                                   " times (YAML aliases of it): one entry per user");
    }
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
  std::optional<std::string> readLimited(const YamlEntry& e) {
    auto s = readString(e, diags_);
    if (s && !withinLimit(e.pos, e.key, *s)) return std::nullopt;
    return s;
  }

  // Adds a diagnostic unless the same one was added already (a bad default is reported once, not
  // once per user that inherits it).
  void report(const SourcePos& pos, const std::string& message) {
    if (reported_.insert(pos.toString() + "\n" + message).second) diags_.add(pos, message);
  }

  void takeSection(const YamlMap& top, const std::string& key, std::optional<YamlEntry>& slot) {
    const YamlEntry* e = top.find(key);
    if (!e) return;
    if (slot) {
      diags_.add(e->pos, quote(key) + " may appear in one file only (first at " +
                             slot->pos.toString() + ")");
      return;
    }
    slot = *e;
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

  ParsedUser parseUser(const YamlMap& map, const SourcePos& where, bool is_defaults) {
    ParsedUser p;
    p.where = where;
    DesiredUser& u = p.user;
    std::optional<bool> active;
    const YamlEntry* status_entry = nullptr;
    std::optional<UserStatus> status;

    for (const YamlEntry& e : map.entries()) {
      p.key_pos[e.key] = e.pos;
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
          YamlMap name(e,
                       {"givenName", "familyName", "formatted", "middleName", "honorificPrefix",
                        "honorificSuffix"},
                       diags_);
          for (const YamlEntry& part : name.entries()) (void)readString(part, diags_);
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
  std::optional<std::vector<std::string>> readNameList(const YamlEntry& e) {
    auto items = readSequence(e, diags_);
    if (!items) return std::nullopt;
    std::vector<std::string> names;
    for (const YamlEntry& item : *items) {
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

  void readEmails(const YamlEntry& e, DesiredUser& u) {
    auto items = readSequence(e, diags_);
    if (!items) return;
    std::optional<std::string> work;
    std::optional<SourcePos> first_work;
    bool ok = true;
    for (const YamlEntry& item : *items) {
      YamlMap email(item.file, item.value, "an email", item.pos, {"value", "type"}, diags_);
      if (!email.ok()) {
        ok = false;
        continue;
      }
      std::string type = "work";
      if (const YamlEntry* t = email.find("type")) {
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
      const YamlEntry* v = email.find("value");
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

  void readPhones(const YamlEntry& e, DesiredUser& u) {
    auto items = readSequence(e, diags_);
    if (!items) return;
    std::vector<PhoneNumber> phones;
    std::map<std::string, SourcePos> seen;
    bool ok = true;
    for (const YamlEntry& item : *items) {
      auto pair = entryPair(item, "a phone number", "phoneNumbers", {"value", "a value"},
                            {"type", "a type"});
      const YamlEntry* t = pair ? &pair->second : nullptr;
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
    YamlEntry second;
  };
  std::optional<EntryPair> entryPair(const YamlEntry& item, const std::string& what,
                                     const std::string& attribute, KeyName a, KeyName b) {
    YamlMap map(item.file, item.value, what, item.pos, {a.key, b.key}, diags_);
    if (!map.ok()) return std::nullopt;
    const YamlEntry* first = map.find(a.key);
    const YamlEntry* second = map.find(b.key);
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

  std::optional<std::vector<Proficiency>> readProficiencies(const YamlEntry& e) {
    auto items = readSequence(e, diags_);
    if (!items) return std::nullopt;
    std::vector<Proficiency> out;
    std::map<std::string, SourcePos> seen;
    bool ok = true;
    for (const YamlEntry& item : *items) {
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
  // `fields`: pairs of a DesiredUser member and its key in the spec.
  template <typename T, typename... Fields>
  static void takeDefaults(ParsedUser& p, const ParsedUser& d, T DesiredUser::*field,
                           const char* key, Fields... fields) {
    if (!(p.user.*field) && (d.user.*field)) {
      p.user.*field = d.user.*field;
      auto pos = d.key_pos.find(key);
      if (pos != d.key_pos.end()) p.key_pos[key] = pos->second;
    }
    if constexpr (sizeof...(fields) > 0) takeDefaults(p, d, fields...);
  }

  static void mergeDefaults(ParsedUser& p, const ParsedUser& d) {
    DesiredUser& u = p.user;
    const DesiredUser& du = d.user;
    takeDefaults(p, d, &DesiredUser::display_name, "displayName", &DesiredUser::title, "title",
                 &DesiredUser::work_email, "emails", &DesiredUser::phone_numbers, "phoneNumbers",
                 &DesiredUser::department, "department", &DesiredUser::division, "division",
                 &DesiredUser::employee_number, "employeeNumber", &DesiredUser::date_hire,
                 "dateHire", &DesiredUser::manager, "manager", &DesiredUser::groups, "groups",
                 &DesiredUser::roles, "roles", &DesiredUser::routing_skills, "routingSkills",
                 &DesiredUser::routing_languages, "routingLanguages");
    if (!p.has_status && d.has_status) {
      u.status = du.status;
      p.has_status = true;
    }
  }

  SourcePos keyPos(const ParsedUser& p, const char* key) const {
    auto it = p.key_pos.find(key);
    return it == p.key_pos.end() ? p.where : it->second;
  }

  void crossCheck(std::vector<ParsedUser>& users, DesiredState& state) {
    const Policy& policy = state.policy;
    const auto& groups_by_department = state.groups_by_department;

    // Uniqueness: externalId case-exact, userName case-insensitive (SPEC §5).
    std::map<std::string, SourcePos> external_ids;
    std::map<std::string, SourcePos> user_names;
    for (ParsedUser& p : users) {
      const DesiredUser& u = p.user;
      if (!u.external_id.empty()) {
        auto [first, inserted] = external_ids.emplace(u.external_id, p.where);
        if (!inserted) {
          diags_.add(p.where, "duplicate externalId " + quote(u.external_id) + " (first at " +
                                  first->second.toString() + ")");
        }
      }
      if (!u.user_name.empty()) {
        auto [first, inserted] = user_names.emplace(lower(u.user_name), p.where);
        if (!inserted) {
          diags_.add(p.where, "duplicate userName " + quote(u.user_name) + " (first at " +
                                  first->second.toString() + ")");
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
          !p.key_pos.count("displayName")) {
        diags_.add(p.where, "missing required key \"displayName\" (Genesys Cloud requires it)");
      }

      if (u.manager && !u.manager->empty()) {
        const SourcePos pos = keyPos(p, "manager");
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
        problem(p, state, keyPos(p, "department"), message + ")");
      }

      if (u.roles && u.department) {
        auto allowed = policy.roles_by_department.find(*u.department);
        if (allowed != policy.roles_by_department.end()) {
          for (const std::string& role : *u.roles) {
            if (!std::binary_search(allowed->second.begin(), allowed->second.end(), role)) {
              problem(p, state, keyPos(p, "roles"), "role " + quote(role) + " is not allowed for department " +
                                             *u.department +
                                             " (allowed: " + joined(allowed->second) + ")");
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
      u.source = p.where;
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
    source.rejects.push_back(SourceReject{p.where, p.user.external_id, message});
  }

  // Reads every HR source (SPEC §6) and adds its users to `users`, defaults applied.
  void readSources(DesiredState& state, const std::optional<ParsedUser>& defaults,
                   std::vector<ParsedUser>& users) {
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
        p.where = p.user.source;
        p.source = index;
        p.has_status = true;
        if (defaults) mergeDefaults(p, *defaults);
        users.push_back(std::move(p));
      }
      if (options_.explained) {
        for (SourceExplanation& e : read.explained) options_.explained->push_back(std::move(e));
      }
      state.sources.push_back(std::move(read.outcome));
      // Counted again in load(), without the records the cross-checks reject: the reader's
      // count would be added to it twice.
      state.sources.back().users = 0;
    }
  }

  // policy.maxRejectedRecords: more rejects than it allows fail the run (SPEC §6).
  static void checkRejectLimit(SourceOutcome& source, const Policy& policy) {
    const double rejected = static_cast<double>(source.rejects.size());
    if (rejected == 0) return;
    const double records = static_cast<double>(std::max<size_t>(source.records, 1));
    const bool over = policy.max_rejected_is_percent
                          ? rejected * 100.0 > policy.max_rejected_records * records
                          : rejected > policy.max_rejected_records;
    if (!over) return;
    char limit[32];
    std::snprintf(limit, sizeof limit, policy.max_rejected_is_percent ? "%g%%" : "%g",
                  policy.max_rejected_records);
    source.over_reject_limit = true;
    source.reject_limit = std::to_string(source.rejects.size()) + " of " +
                          std::to_string(source.records) + " records rejected, more than "
                          "policy.maxRejectedRecords " + limit;
  }

  const LoadOptions& options_;
  Diagnostics& out_;    // the caller's: at most kMaxKeptProblems, plus one count of the rest
  Diagnostics diags_;   // what the current step found; flush() moves it to out_
  size_t kept_ = 0;
  size_t dropped_ = 0;
  const std::map<std::string, int>* limits_ = nullptr;  // the effective policy's, in finish()
  std::set<std::string> user_places_;
  std::optional<YamlEntry> policy_;
  std::optional<YamlEntry> defaults_;
  std::optional<YamlEntry> groups_by_department_;
  std::optional<YamlEntry> sources_;  // a spec file's sources:
  std::string sources_dir_;           // that file's folder
  std::vector<YamlEntry> user_items_;
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
