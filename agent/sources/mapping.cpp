// The mapping of HR records to desired users (mapping.h): reading `mapping:` and `tables:` from
// the config, and applying them to one record. Templates and conditions are mapping_expr.h's.

#include "agent/sources/mapping.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <optional>
#include <set>
#include <utility>

#include "agent/base/clock.h"
#include "agent/base/utf8.h"
#include "agent/model/user_checks.h"
#include "agent/sources/mapping_expr.h"

namespace scim_agent {

namespace {

using mapping::Condition;
using mapping::Explain;
using mapping::FieldUse;
using mapping::ParseError;
using mapping::Template;
using mapping::Value;

constexpr size_t kMaxRoutingEntries = 50;  // Genesys' limit per user, as the YAML loader says

// How an attribute's value is written and produced.
enum class Kind {
  kText,           // one template
  kList,           // groups, roles: templates giving texts or lists
  kEmail,          // emails: the work email
  kPhones,         // phoneNumbers: [{value, type}]
  kProficiencies,  // routingSkills, routingLanguages: [{name, proficiency}] or "Name:3" items
  kName,           // name (target.kind scim only): checked, not produced
};

struct AttributeDef {
  const char* name;
  Kind kind;
};

const std::vector<AttributeDef>& userAttributes() {
  static const std::vector<AttributeDef> defs = {
      {"externalId", Kind::kText},      {"userName", Kind::kText},
      {"displayName", Kind::kText},     {"name", Kind::kName},
      {"title", Kind::kText},           {"active", Kind::kText},
      {"status", Kind::kText},          {"emails", Kind::kEmail},
      {"phoneNumbers", Kind::kPhones},  {"department", Kind::kText},
      {"division", Kind::kText},        {"employeeNumber", Kind::kText},
      {"dateHire", Kind::kText},        {"manager", Kind::kText},
      {"groups", Kind::kList},          {"roles", Kind::kList},
      {"routingSkills", Kind::kProficiencies}, {"routingLanguages", Kind::kProficiencies},
  };
  return defs;
}

const std::vector<AttributeDef>& terminationAttributes() {
  static const std::vector<AttributeDef> defs = {{"externalId", Kind::kText},
                                                 {"terminationDate", Kind::kText}};
  return defs;
}

std::vector<std::string> namesOf(const std::vector<AttributeDef>& defs) {
  std::vector<std::string> out;
  for (const AttributeDef& d : defs) out.push_back(d.name);
  return out;
}

std::string quote(const std::string& s) { return quotedForMessage(s); }

// An entry of a two-key list ({value, type}, {name, proficiency}).
struct EntrySpec {
  Template first;
  Template second;
  SourcePos pos;
};

// One way of giving a value (an attribute's whole value, or a case's `value:`).
struct Form {
  std::vector<Template> templates;  // kText, kEmail, kName: at most 1; kList: any; kProficiencies
                                    // "Name:3" form: 1
  std::vector<EntrySpec> entries;   // kPhones, kProficiencies
  SourcePos pos;
};

struct Case {
  std::optional<Condition> when;  // none: always holds
  Form value;
  SourcePos pos;
};

struct AttributeSpec {
  std::string name;
  Kind kind = Kind::kText;
  SourcePos pos;  // the key in the mapping
  bool has_cases = false;
  std::vector<Case> cases;  // without has_cases: one case without `when`
};

bool isSeparatorFree(const std::string& prefix) {
  return prefix.find_first_of("\"'\\\n") == std::string::npos;
}

// A parsed mapping.
struct MappingData {
  MappingOptions options;
  mapping::Tables tables;
  std::vector<AttributeSpec> attributes;  // externalId first, then as the mapping lists them
  std::vector<std::pair<std::string, SourcePos>> field_uses;  // in the order named
};

// Reads the config into an Impl, reporting every problem.
class MappingReader {
 public:
  MappingReader(MappingData& impl, Diagnostics& diags) : impl_(impl), diags_(diags) {}

  void readTables(const YamlEntry& entry) {
    if (entry.value.IsNull()) return;
    if (!entry.value.IsMap()) {
      diags_.add(entry.pos, "expected a mapping for \"tables\" (a table's name to its entries), got " +
                                describeNode(entry.value));
      return;
    }
    std::map<std::string, SourcePos> seen;
    for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
      const SourcePos pos = yamlPos(entry.file, it->first);
      auto name = keyText(it->first, pos, "a table name");
      if (!name) continue;
      auto [first, inserted] = seen.emplace(*name, pos);
      if (!inserted) {
        diags_.add(pos, "duplicate table " + quote(*name) + " (first at " +
                            first->second.toString() + ")");
        continue;
      }
      readTable(entry.file, *name, it->second, pos);
    }
  }

  void readMapping(const YamlEntry* entry, const MappingOptions& options) {
    const bool users = options.role == SourceRole::kUsers;
    const auto& defs = users ? userAttributes() : terminationAttributes();
    const SourcePos where = entry ? entry->pos : SourcePos{};
    std::map<std::string, const AttributeDef*> by_name;
    for (const AttributeDef& d : defs) by_name[d.name] = &d;

    std::vector<std::pair<const AttributeDef*, YamlEntry>> given;
    if (entry && !entry->value.IsNull()) {
      if (!entry->value.IsMap()) {
        diags_.add(entry->pos, "expected a mapping for \"mapping\" (attribute to template), got " +
                                   describeNode(entry->value));
        return;
      }
      std::map<std::string, SourcePos> seen;
      for (auto it = entry->value.begin(); it != entry->value.end(); ++it) {
        const SourcePos pos = yamlPos(entry->file, it->first);
        auto key = keyText(it->first, pos, "an attribute name");
        if (!key) continue;
        auto [first, inserted] = seen.emplace(*key, pos);
        if (!inserted) {
          diags_.add(pos, "duplicate attribute " + quote(*key) + " in mapping (first at " +
                              first->second.toString() + ")");
          continue;
        }
        auto def = by_name.find(*key);
        if (def == by_name.end()) {
          std::string message = "unknown attribute " + quote(*key) + " in mapping";
          const std::string suggestion = closestName(*key, namesOf(defs));
          if (!suggestion.empty()) {
            message += " (did you mean " + quote(suggestion) + "?)";
          } else if (!users) {
            message += " (a source of role terminations maps externalId and terminationDate)";
          }
          diags_.add(pos, message);
          continue;
        }
        given.emplace_back(def->second, YamlEntry{*key, it->second, pos, entry->file});
      }
    }

    if (users) {
      for (const char* required : {"externalId", "userName"}) {
        if (!seenKey(given, required)) {
          diags_.add(where, std::string("missing required key \"") + required + "\" in mapping");
        }
      }
      if (options.target_kind == "genesys" && !seenKey(given, "displayName")) {
        diags_.add(where,
                   "missing required key \"displayName\" in mapping (Genesys Cloud requires it)");
      }
    }

    // externalId first: a record that fails later still names its person. (Two passes, not a
    // sort: assigning a YAML::Node assigns the node it refers to.)
    for (bool id_pass : {true, false}) {
      for (const auto& [def, e] : given) {
        if ((std::string(def->name) == "externalId") != id_pass) continue;
        if (def->kind == Kind::kName && options.target_kind == "genesys") {
          diags_.add(e.pos, "name is not supported by Genesys Cloud; use displayName");
          continue;
        }
        readAttribute(*def, e);
      }
    }

    if (!users) {
      // Without a mapping for them, the record's own fields of those names.
      for (const char* name : {"externalId", "terminationDate"}) {
        if (seenKey(given, name)) continue;
        std::vector<ParseError> errors;
        std::vector<FieldUse> fields;
        auto t = mapping::parseTemplate(std::string("{") + name + "}", impl_.tables, errors,
                                        fields);
        AttributeSpec spec;
        spec.name = name;
        spec.pos = where;
        spec.cases.push_back(Case{std::nullopt, Form{{std::move(*t)}, {}, where}, where});
        impl_.field_uses.emplace_back(name, where);
        impl_.attributes.push_back(std::move(spec));
      }
      std::stable_sort(impl_.attributes.begin(), impl_.attributes.end(),
                       [](const AttributeSpec& a, const AttributeSpec& b) {
                         return a.name == "externalId" && b.name != "externalId";
                       });
    }
  }

 private:
  static bool seenKey(const std::vector<std::pair<const AttributeDef*, YamlEntry>>& given,
                      const char* name) {
    return std::any_of(given.begin(), given.end(),
                       [&](const auto& g) { return std::string(g.first->name) == name; });
  }

  std::optional<std::string> keyText(const YAML::Node& key, const SourcePos& pos,
                                     const char* what) {
    if (!key.IsScalar()) {
      diags_.add(pos, std::string("expected ") + what + ", got " + describeNode(key));
      return std::nullopt;
    }
    if (auto problem = textProblem(key.Scalar(), what)) {
      diags_.add(pos, *problem);
      return std::nullopt;
    }
    return key.Scalar();
  }

  void readTable(const std::string& file, const std::string& name, const YAML::Node& node,
                 const SourcePos& pos) {
    mapping::Table& table = impl_.tables[name];
    if (node.IsNull()) return;
    if (!node.IsMap()) {
      diags_.add(pos, "expected a mapping for table " + quote(name) + " (key to value), got " +
                          describeNode(node));
      return;
    }
    std::map<std::string, SourcePos> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const SourcePos key_pos = yamlPos(file, it->first);
      auto key = keyText(it->first, key_pos, "a key");
      if (!key) continue;
      auto [first, inserted] = seen.emplace(*key, key_pos);
      if (!inserted) {
        diags_.add(key_pos, "duplicate key " + quote(*key) + " in table " + quote(name) +
                                " (first at " + first->second.toString() + ")");
        continue;
      }
      const YAML::Node& v = it->second;
      const std::string what = "table " + quote(name) + ": expected a string or a list of strings for " +
                               quote(*key) + ", got ";
      Value value;
      if (v.IsScalar()) {
        value.text = v.Scalar();
        if (auto problem = textProblem(value.text, "table " + quote(name))) {
          diags_.add(key_pos, *problem);
          continue;
        }
      } else if (v.IsSequence()) {
        value.is_list = true;
        bool ok = true;
        for (const YAML::Node& item : v) {
          if (!item.IsScalar()) {
            diags_.add(yamlPos(file, item), what + describeNode(item));
            ok = false;
            continue;
          }
          if (auto problem = textProblem(item.Scalar(), "table " + quote(name))) {
            diags_.add(yamlPos(file, item), *problem);
            ok = false;
            continue;
          }
          value.items.push_back(item.Scalar());
        }
        if (!ok) continue;
      } else {
        diags_.add(key_pos, what + describeNode(v));
        continue;
      }
      table.emplace(*key, std::move(value));
    }
  }

  // The place of byte `offset` of a scalar's text: exact for a plain scalar, and for a quoted one
  // when nothing before the offset may have been written as an escape; else the entry's key.
  static SourcePos placeIn(const std::string& file, const YAML::Node& node,
                           const SourcePos& entry_pos, const std::string& text, size_t offset) {
    SourcePos pos = yamlPos(file, node);
    if (pos.line == 0) return pos.file == file ? entry_pos : pos;  // an environment variable
    if (text.find('\n') != std::string::npos) return entry_pos;
    if (isPlainScalar(node)) {
      pos.column += static_cast<int>(offset);
      return pos;
    }
    if (!isSeparatorFree(text.substr(0, std::min(offset, text.size())))) return entry_pos;
    pos.column += 1 + static_cast<int>(offset);
    return pos;
  }

  // Where an entry's value is (its key's place when yaml-cpp cannot tell).
  static SourcePos valuePos(const YamlEntry& e) {
    SourcePos pos = yamlPos(e.file, e.value);
    return pos.line == 0 && pos.file == e.file ? e.pos : pos;
  }

  // A scalar's text, checked; nullopt after a diagnostic.
  std::optional<std::string> scalarText(const YamlEntry& e, const char* expected) {
    if (!e.value.IsScalar()) {
      diags_.add(e.pos, std::string("expected ") + expected + " for " + quote(e.key) + ", got " +
                            describeNode(e.value));
      return std::nullopt;
    }
    if (auto problem = textProblem(e.value.Scalar(), e.key)) {
      diags_.add(e.pos, *problem);
      return std::nullopt;
    }
    return e.value.Scalar();
  }

  void reportErrors(const YamlEntry& e, const std::string& text,
                    const std::vector<ParseError>& errors) {
    for (const ParseError& error : errors) {
      diags_.add(placeIn(e.file, e.value, e.pos, text, error.offset), error.message);
    }
  }

  void noteFields(const YamlEntry& e, const std::string& text,
                  const std::vector<FieldUse>& fields) {
    for (const FieldUse& f : fields) {
      impl_.field_uses.emplace_back(f.name, placeIn(e.file, e.value, e.pos, text, f.offset));
    }
  }

  std::optional<Template> readTemplate(const YamlEntry& e) {
    auto text = scalarText(e, "a template (text)");
    if (!text) return std::nullopt;
    std::vector<ParseError> errors;
    std::vector<FieldUse> fields;
    auto t = mapping::parseTemplate(*text, impl_.tables, errors, fields);
    reportErrors(e, *text, errors);
    noteFields(e, *text, fields);
    return t;
  }

  std::optional<Condition> readCondition(const YamlEntry& e) {
    auto text = scalarText(e, "a condition (text)");
    if (!text) return std::nullopt;
    std::vector<ParseError> errors;
    std::vector<FieldUse> fields;
    auto c = mapping::parseCondition(*text, impl_.tables, errors, fields);
    reportErrors(e, *text, errors);
    noteFields(e, *text, fields);
    return c;
  }

  // True when a sequence value of an attribute of `kind` is a list of cases.
  static bool isCaseList(Kind kind, const YAML::Node& node) {
    if (!node.IsSequence()) return false;
    switch (kind) {
      case Kind::kText:
        return true;
      case Kind::kList:
        for (const YAML::Node& item : node) {
          if (item.IsMap()) return true;
        }
        return false;
      case Kind::kEmail:
      case Kind::kPhones:
      case Kind::kProficiencies:
        for (const YAML::Node& item : node) {
          if (item.IsMap() && item["when"]) return true;
        }
        return false;
      case Kind::kName:
        return false;
    }
    return false;
  }

  void readAttribute(const AttributeDef& def, const YamlEntry& e) {
    AttributeSpec spec;
    spec.name = def.name;
    spec.kind = def.kind;
    spec.pos = e.pos;
    bool ok = true;
    if (isCaseList(def.kind, e.value)) {
      spec.has_cases = true;
      bool unconditional_seen = false;
      size_t number = 0;
      for (const YAML::Node& item : e.value) {
        ++number;
        const SourcePos item_pos = yamlPos(e.file, item);
        YamlMap map(e.file, item, "a case ({when, value})", item_pos, {"when", "value"}, diags_);
        if (!map.ok()) {
          ok = false;
          continue;
        }
        Case c;
        c.pos = item_pos;
        if (unconditional_seen) {
          diags_.add(item_pos, "case " + std::to_string(number) + " of " + quote(e.key) +
                                   " is never used: an earlier case has no \"when\"");
          ok = false;
        }
        if (const YamlEntry* when = map.find("when")) {
          c.when = readCondition(*when);
          if (!c.when) ok = false;
        } else {
          unconditional_seen = true;
        }
        const YamlEntry* value = map.find("value");
        if (!value) {
          diags_.add(item_pos, "a case needs a value");
          ok = false;
          continue;
        }
        YamlEntry named = *value;
        named.key = e.key;
        auto form = readForm(def.kind, named);
        if (!form) {
          ok = false;
          continue;
        }
        c.value = std::move(*form);
        spec.cases.push_back(std::move(c));
      }
    } else {
      auto form = readForm(def.kind, e);
      if (!form) return;
      spec.cases.push_back(Case{std::nullopt, std::move(*form), e.pos});
    }
    if (ok) impl_.attributes.push_back(std::move(spec));
  }

  std::optional<Form> readForm(Kind kind, const YamlEntry& e) {
    Form form;
    form.pos = e.pos;
    switch (kind) {
      case Kind::kText: {
        if (!e.value.IsScalar()) {
          diags_.add(e.pos, "expected a template (text) or a list of cases for " + quote(e.key) +
                                ", got " + describeNode(e.value));
          return std::nullopt;
        }
        auto t = readTemplate(e);
        if (!t) return std::nullopt;
        form.templates.push_back(std::move(*t));
        return form;
      }
      case Kind::kList:
      case Kind::kProficiencies:
      case Kind::kEmail:
        if (e.value.IsScalar()) {
          auto t = readTemplate(e);
          if (!t) return std::nullopt;
          form.templates.push_back(std::move(*t));
          return form;
        }
        if (kind == Kind::kList) return readTemplateList(e);
        if (kind == Kind::kEmail) return readEmailList(e);
        return readEntries(e, "an entry of " + quote(e.key), "name", "proficiency");
      case Kind::kPhones:
        return readEntries(e, "a phone number", "value", "type");
      case Kind::kName: {
        YamlMap parts(e, {"givenName", "familyName", "formatted", "middleName", "honorificPrefix",
                          "honorificSuffix"},
                      diags_);
        if (!parts.ok()) return std::nullopt;
        bool ok = true;
        for (const YamlEntry& part : parts.entries()) {
          if (!readTemplate(part)) ok = false;
        }
        if (!ok) return std::nullopt;
        return form;
      }
    }
    return std::nullopt;
  }

  std::optional<Form> readTemplateList(const YamlEntry& e) {
    auto items = readSequence(e, diags_);
    if (!items) return std::nullopt;
    Form form;
    form.pos = e.pos;
    bool ok = true;
    for (const YamlEntry& item : *items) {
      auto t = readTemplate(item);
      if (!t) {
        ok = false;
        continue;
      }
      form.templates.push_back(std::move(*t));
    }
    if (!ok) return std::nullopt;
    return form;
  }

  // emails: [{value, type: work}]: the work email (at most one); [] declares it empty.
  std::optional<Form> readEmailList(const YamlEntry& e) {
    auto items = readSequence(e, diags_);
    if (!items) return std::nullopt;
    Form form;
    form.pos = e.pos;
    bool ok = true;
    for (const YamlEntry& item : *items) {
      YamlMap email(item.file, item.value, "an email", item.pos, {"value", "type"}, diags_);
      if (!email.ok()) {
        ok = false;
        continue;
      }
      if (const YamlEntry* t = email.find("type")) {
        auto type = scalarText(*t, "a string");
        if (!type) {
          ok = false;
          continue;
        }
        if (*type == "other") {
          diags_.add(valuePos(*t), "emails of type other mirror userName and are read-only");
          ok = false;
          continue;
        }
        if (*type != "work") {
          diags_.add(valuePos(*t), "email type must be work, got " + quote(*type));
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
      if (!form.templates.empty()) {
        diags_.add(item.pos, "at most one work email (first at " + form.pos.toString() + ")");
        ok = false;
        continue;
      }
      auto t = readTemplate(*v);
      if (!t) {
        ok = false;
        continue;
      }
      form.pos = item.pos;
      form.templates.push_back(std::move(*t));
    }
    if (!ok) return std::nullopt;
    if (form.templates.empty()) {
      std::vector<ParseError> errors;
      std::vector<FieldUse> fields;
      form.templates.push_back(*mapping::parseTemplate("", impl_.tables, errors, fields));
    }
    return form;
  }

  // [{a, b}] entries: phone numbers {value, type}, proficiencies {name, proficiency}. A literal
  // type or proficiency is checked here; templated ones per record.
  std::optional<Form> readEntries(const YamlEntry& e, const std::string& what, const char* a,
                                  const char* b) {
    if (!e.value.IsSequence()) {
      diags_.add(e.pos, "expected a list of {" + std::string(a) + ", " + b + "} or a list of cases for " +
                            quote(e.key) + ", got " + describeNode(e.value));
      return std::nullopt;
    }
    auto items = readSequence(e, diags_);
    if (!items) return std::nullopt;
    Form form;
    form.pos = e.pos;
    bool ok = true;
    for (const YamlEntry& item : *items) {
      YamlMap map(item.file, item.value, what, item.pos, {a, b}, diags_);
      if (!map.ok()) {
        ok = false;
        continue;
      }
      const YamlEntry* first = map.find(a);
      const YamlEntry* second = map.find(b);
      if (!first || !second) {
        const std::string an_a = std::string("a ") + a;
        const std::string an_b = std::string("a ") + b;
        diags_.add(item.pos, what + " needs " +
                                 (!first && !second ? an_a + " and " + an_b
                                  : !first          ? an_a
                                                    : an_b));
        ok = false;
        continue;
      }
      auto t1 = readTemplate(*first);
      auto t2 = readTemplate(*second);
      if (!t1 || !t2) {
        ok = false;
        continue;
      }
      if (t2->isLiteral() && !checkLiteralSecond(e.key, *second, t2->literal())) {
        ok = false;
        continue;
      }
      form.entries.push_back(EntrySpec{std::move(*t1), std::move(*t2), item.pos});
    }
    if (!ok) return std::nullopt;
    return form;
  }

  bool checkLiteralSecond(const std::string& attribute, const YamlEntry& e,
                          const std::string& text) {
    const SourcePos pos = valuePos(e);
    if (attribute == "phoneNumbers") {
      const auto& types = phoneNumberTypes();
      if (std::find(types.begin(), types.end(), text) != types.end()) return true;
      std::string message = "unknown phone type " + quote(text);
      const std::string suggestion = closestName(text, types);
      if (suggestion.empty()) {
        std::string all;
        for (const std::string& t : types) all += (all.empty() ? "" : ", ") + t;
        message += " (one of " + all + ")";
      } else {
        message += " (did you mean " + quote(suggestion) + "?)";
      }
      diags_.add(pos, message);
      return false;
    }
    char* end = nullptr;
    const double p = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(p >= 0 && p <= 5)) {
      diags_.add(pos, "proficiency must be between 0 and 5, got " + text);
      return false;
    }
    return true;
  }

  MappingData& impl_;
  Diagnostics& diags_;
};

// Applies a parsed mapping to one record.
class RecordMapper {
 public:
  RecordMapper(const MappingData& impl, const Record& record, bool explain, MappedRecord& out)
      : impl_(impl), record_(record), explain_(explain), out_(out) {}

  void run() {
    if (!record_.problem.empty()) out_.problems.push_back(record_.problem);
    for (const AttributeSpec& spec : impl_.attributes) mapAttribute(spec);
    finishStatus();
  }

 private:
  void problem(std::string message) { out_.problems.push_back(std::move(message)); }

  void trace(const std::string& attribute, const std::string& value, const std::string& how,
             const SourcePos& where) {
    if (explain_) out_.trace.push_back(AttributeTrace{attribute, value, how, where});
  }

  // The notes of an evaluation, for --explain: "; map(departments): "100" → "SUPPORT"".
  static std::string notes(const Explain& e) {
    std::string out;
    for (const std::string& n : e.notes) out += "; " + n;
    return out;
  }

  // The case that holds, or nullptr (and `how` says why). False after a problem.
  bool chooseCase(const AttributeSpec& spec, const Case*& chosen, std::string& how) {
    chosen = nullptr;
    Explain explain;
    for (size_t i = 0; i < spec.cases.size(); ++i) {
      const Case& c = spec.cases[i];
      bool holds = true;
      if (c.when) {
        std::string error;
        if (!c.when->evaluate(record_, holds, error, explain_ ? &explain : nullptr)) {
          problem(spec.name + ": case " + std::to_string(i + 1) + ": " + error);
          return false;
        }
      }
      if (holds) {
        chosen = &c;
        if (spec.has_cases) {
          how = "case " + std::to_string(i + 1) + ": " +
                (c.when ? "when " + c.when->source() : std::string("(no when)"));
        }
        how += notes(explain);
        return true;
      }
    }
    how = "no case holds" + notes(explain);
    return true;
  }

  // A template's value, for `attribute`; nullopt after a problem.
  std::optional<Value> evaluate(const std::string& attribute, const Template& t,
                                std::string& how) {
    Value v;
    std::string error;
    Explain explain;
    if (!t.evaluate(record_, v, error, explain_ ? &explain : nullptr)) {
      problem(attribute + ": " + error);
      return std::nullopt;
    }
    if (explain_) how += (how.empty() ? "" : " → ") + mapping::quoteLiteral(t.source()) + notes(explain);
    return v;
  }

  // One text: a list is a problem.
  std::optional<std::string> evaluateText(const std::string& attribute, const Template& t,
                                          std::string& how) {
    auto v = evaluate(attribute, t, how);
    if (!v) return std::nullopt;
    if (v->is_list) {
      problem(attribute + ": " + mapping::quoteLiteral(t.source()) + " gives a list (" +
              mapping::brief(mapping::describeValue(*v)) + "); " + attribute + " takes one value");
      return std::nullopt;
    }
    return std::move(v->text);
  }

  bool withinLimit(const std::string& attribute, const std::string& value) {
    const auto& limits = impl_.options.max_attribute_length;
    auto limit = limits.find(attribute);
    if (limit == limits.end()) return true;
    if (value.size() <= static_cast<size_t>(limit->second)) return true;
    const size_t length = utf8Length(value);
    if (length <= static_cast<size_t>(limit->second)) return true;
    problem(attribute + " is " + std::to_string(length) + " characters long; the limit is " +
            std::to_string(limit->second) + " (policy.maxAttributeLength." + attribute + ")");
    return false;
  }

  void mapAttribute(const AttributeSpec& spec) {
    const Case* chosen = nullptr;
    std::string how;
    if (!chooseCase(spec, chosen, how)) return;
    if (!chosen) {
      trace(spec.name, "(not set)", how, spec.pos);
      if (spec.name == "externalId" || spec.name == "userName" ||
          spec.name == "terminationDate") {
        problem(spec.name + " has no value: no case holds");
      }
      return;
    }
    const Form& form = chosen->value;
    switch (spec.kind) {
      case Kind::kText: {
        auto text = evaluateText(spec.name, form.templates[0], how);
        if (!text) return;
        trace(spec.name, *text, how, spec.pos);
        takeText(spec, std::move(*text));
        return;
      }
      case Kind::kList:
        return mapList(spec, form, how);
      case Kind::kEmail: {
        auto text = evaluateText(spec.name, form.templates[0], how);
        if (!text) return;
        trace(spec.name, *text, how, spec.pos);
        if (!text->empty() && !looksLikeEmail(*text)) {
          problem("email " + quote(*text) + " is not an email address");
          return;
        }
        if (!withinLimit("emails", *text)) return;
        out_.user.work_email = std::move(*text);
        return;
      }
      case Kind::kPhones:
        return mapPhones(spec, form, how);
      case Kind::kProficiencies:
        return mapProficiencies(spec, form, how);
      case Kind::kName:
        return;
    }
  }

  void takeText(const AttributeSpec& spec, std::string text) {
    DesiredUser& u = out_.user;
    const std::string& name = spec.name;
    if (name == "externalId") {
      if (text.empty()) {
        problem("externalId must not be empty");
        return;
      }
      if (!withinLimit(name, text)) return;
      out_.external_id = text;
      u.external_id = std::move(text);
    } else if (name == "userName") {
      if (!looksLikeEmail(text)) {
        problem("userName " + quote(text) + " is not an email address");
        return;
      }
      if (!withinLimit(name, text)) return;
      u.user_name = std::move(text);
    } else if (name == "displayName") {
      if (text.empty() && impl_.options.target_kind == "genesys") {
        problem("displayName must not be empty (Genesys Cloud requires it)");
        return;
      }
      if (withinLimit(name, text)) u.display_name = std::move(text);
    } else if (name == "title") {
      if (withinLimit(name, text)) u.title = std::move(text);
    } else if (name == "department") {
      if (withinLimit(name, text)) u.department = std::move(text);
    } else if (name == "division") {
      if (withinLimit(name, text)) u.division = std::move(text);
    } else if (name == "employeeNumber") {
      if (withinLimit(name, text)) u.employee_number = std::move(text);
    } else if (name == "manager") {
      if (withinLimit(name, text)) u.manager = std::move(text);
    } else if (name == "dateHire") {
      if (!text.empty() && !isValidDate(text)) {
        problem("dateHire " + quote(text) + " is not a date (YYYY-MM-DD)");
        return;
      }
      u.date_hire = std::move(text);
    } else if (name == "active") {
      std::string lower = text;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower == "true" || lower == "yes" || lower == "1") {
        active_ = true;
      } else if (lower == "false" || lower == "no" || lower == "0") {
        active_ = false;
      } else {
        problem("active must be true or false, got " + quote(text));
      }
    } else if (name == "status") {
      if (text == "active") {
        status_ = UserStatus::kActive;
      } else if (text == "suspended") {
        status_ = UserStatus::kSuspended;
      } else if (text == "terminated") {
        status_ = UserStatus::kTerminated;
      } else {
        problem("status must be active, suspended or terminated, got " + quote(text));
      }
    } else if (name == "terminationDate") {
      takeTerminationDate(text);
    }
  }

  void takeTerminationDate(const std::string& text) {
    if (text.empty()) {
      problem("terminationDate must not be empty");
      return;
    }
    if (isValidDate(text)) {
      out_.termination_at = text + "T00:00:00Z";
      return;
    }
    if (auto t = parseIso8601(text)) {
      std::string s = formatIso8601(*t);
      const std::string zero = ".000000Z";
      if (s.size() > zero.size() && s.compare(s.size() - zero.size(), zero.size(), zero) == 0) {
        s.replace(s.size() - zero.size(), zero.size(), "Z");
      }
      out_.termination_at = std::move(s);
      return;
    }
    problem("terminationDate " + quote(text) +
            " is neither a date (YYYY-MM-DD) nor an ISO-8601 instant (2026-11-30T17:00:00Z)");
  }

  void finishStatus() {
    if (active_ && status_ && (*active_ != (*status_ == UserStatus::kActive))) {
      problem(std::string("active: ") + (*active_ ? "true" : "false") +
              " contradicts status: " + userStatusName(*status_));
    } else if (status_) {
      out_.user.status = *status_;
    } else if (active_) {
      out_.user.status = *active_ ? UserStatus::kActive : UserStatus::kSuspended;
    }
  }

  // groups, roles: every template's texts, flattened; empty ones dropped; sorted and unique.
  void mapList(const AttributeSpec& spec, const Form& form, std::string& how) {
    std::vector<std::string> names;
    std::string templates_how;
    for (const Template& t : form.templates) {
      std::string one;
      auto v = evaluate(spec.name, t, one);
      if (!v) return;
      templates_how += (templates_how.empty() ? "" : ", ") + one;
      if (v->is_list) {
        for (std::string& item : v->items) names.push_back(std::move(item));
      } else {
        names.push_back(std::move(v->text));
      }
    }
    names.erase(std::remove(names.begin(), names.end(), std::string()), names.end());
    for (const std::string& n : names) {
      if (!withinLimit(spec.name, n)) return;
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    if (explain_) {
      how += (how.empty() ? "" : " → ") + std::string("[") + templates_how + "]";
      trace(spec.name, mapping::describeValue(Value{true, "", names}), how, spec.pos);
    }
    if (spec.name == "groups") {
      out_.user.groups = std::move(names);
    } else {
      out_.user.roles = std::move(names);
    }
  }

  void mapPhones(const AttributeSpec& spec, const Form& form, std::string& how) {
    std::vector<PhoneNumber> phones;
    std::map<std::string, size_t> seen;
    bool ok = true;
    for (size_t i = 0; i < form.entries.size(); ++i) {
      const EntrySpec& entry = form.entries[i];
      const std::string at = spec.name + "[" + std::to_string(i) + "]";
      std::string value_how = how;
      std::string type_how = how;
      auto value = evaluateText(at + ".value", entry.first, value_how);
      auto type = evaluateText(at + ".type", entry.second, type_how);
      if (!value || !type) {
        ok = false;
        continue;
      }
      trace(at + ".value", *value, value_how, entry.pos);
      trace(at + ".type", *type, type_how, entry.pos);
      if (value->empty()) continue;  // no number in this record
      const auto& types = phoneNumberTypes();
      if (std::find(types.begin(), types.end(), *type) == types.end()) {
        std::string message = "unknown phone type " + quote(*type);
        const std::string suggestion = closestName(*type, types);
        if (!suggestion.empty()) message += " (did you mean " + quote(suggestion) + "?)";
        problem(message);
        ok = false;
        continue;
      }
      if (!isValidPhoneNumber(*value)) {
        problem("phone number " + quote(*value) +
                " must be E.164 (+15550100) or tel:+15550100;ext=123");
        ok = false;
        continue;
      }
      if (!withinLimit(spec.name, *value)) {
        ok = false;
        continue;
      }
      if (!seen.emplace(*type, i).second) {
        problem("one phone number per type: " + quote(*type) + " is given twice");
        ok = false;
        continue;
      }
      phones.push_back(PhoneNumber{std::move(*value), std::move(*type)});
    }
    if (!ok) return;
    std::sort(phones.begin(), phones.end(),
              [](const PhoneNumber& a, const PhoneNumber& b) { return a.type < b.type; });
    out_.user.phone_numbers = std::move(phones);
  }

  // A proficiency's text as a number 0–5; nullopt after a problem.
  std::optional<double> proficiency(const std::string& attribute, const std::string& name,
                                    const std::string& text) {
    char* end = nullptr;
    const double p = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(p)) {
      problem(attribute + " " + quote(name) + ": proficiency " + quote(text) +
              " is not a number");
      return std::nullopt;
    }
    if (p < 0 || p > 5) {
      problem(attribute + " " + quote(name) + ": proficiency must be between 0 and 5, got " +
              text);
      return std::nullopt;
    }
    return p;
  }

  void mapProficiencies(const AttributeSpec& spec, const Form& form, std::string& how) {
    std::vector<std::pair<std::string, std::string>> pairs;  // name, proficiency text
    if (!form.templates.empty()) {
      // "{skills | split(";")}" giving "Billing:3" items.
      auto v = evaluate(spec.name, form.templates[0], how);
      if (!v) return;
      const std::vector<std::string> items = v->is_list ? v->items
                                             : v->text.empty()
                                                 ? std::vector<std::string>{}
                                                 : std::vector<std::string>{v->text};
      trace(spec.name, mapping::describeValue(Value{true, "", items}), how, spec.pos);
      for (const std::string& item : items) {
        if (item.empty()) continue;
        const size_t colon = item.rfind(':');
        if (colon == std::string::npos) {
          problem(spec.name + ": " + quote(item) + " is not NAME:PROFICIENCY (Billing:3)");
          return;
        }
        auto strip = [](std::string s) {
          const size_t b = s.find_first_not_of(" \t");
          const size_t e = s.find_last_not_of(" \t");
          return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
        };
        pairs.emplace_back(strip(item.substr(0, colon)), strip(item.substr(colon + 1)));
      }
    } else {
      bool ok = true;
      for (size_t i = 0; i < form.entries.size(); ++i) {
        const EntrySpec& entry = form.entries[i];
        const std::string at = spec.name + "[" + std::to_string(i) + "]";
        std::string name_how = how;
        std::string level_how = how;
        auto name = evaluateText(at + ".name", entry.first, name_how);
        auto level = evaluateText(at + ".proficiency", entry.second, level_how);
        if (!name || !level) {
          ok = false;
          continue;
        }
        trace(at + ".name", *name, name_how, entry.pos);
        trace(at + ".proficiency", *level, level_how, entry.pos);
        pairs.emplace_back(std::move(*name), std::move(*level));
      }
      if (!ok) return;
    }
    std::vector<Proficiency> out;
    std::set<std::string> seen;
    bool ok = true;
    for (auto& [name, text] : pairs) {
      if (name.empty()) continue;  // no skill in this record
      auto p = proficiency(spec.name, name, text);
      if (!p || !withinLimit(spec.name, name)) {
        ok = false;
        continue;
      }
      if (!seen.insert(name).second) {
        problem("duplicate " + quote(name) + " in " + quote(spec.name));
        ok = false;
        continue;
      }
      out.push_back(Proficiency{name, *p});
    }
    if (out.size() > kMaxRoutingEntries) {
      problem("at most " + std::to_string(kMaxRoutingEntries) + " entries in " + quote(spec.name) +
              ", got " + std::to_string(out.size()));
      ok = false;
    }
    if (!ok) return;
    std::sort(out.begin(), out.end(),
              [](const Proficiency& a, const Proficiency& b) { return a.name < b.name; });
    if (spec.name == "routingSkills") {
      out_.user.routing_skills = std::move(out);
    } else {
      out_.user.routing_languages = std::move(out);
    }
  }

  const MappingData& impl_;
  const Record& record_;
  bool explain_;
  MappedRecord& out_;
  std::optional<bool> active_;
  std::optional<UserStatus> status_;
};

}  // namespace

struct Mapping::Impl : MappingData {};

Mapping::Mapping(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Mapping::~Mapping() = default;

std::unique_ptr<Mapping> Mapping::parse(const YamlEntry* mapping, const YamlEntry* tables,
                                        const MappingOptions& options, Diagnostics& diags) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  Diagnostics found;
  try {
    MappingReader reader(*impl, found);
    if (tables) reader.readTables(*tables);
    if (!mapping && options.role == SourceRole::kUsers) {
      found.add(SourcePos{}, "a source of role users needs a mapping");
    } else {
      reader.readMapping(mapping, options);
    }
  } catch (const std::exception& e) {
    // yaml-cpp may throw on a node it cannot convert; nothing may cross this edge (STYLE §4).
    found.add(mapping ? mapping->pos : SourcePos{}, std::string("cannot read mapping: ") + e.what());
  }
  diags.append(found);
  if (!found.empty()) return nullptr;
  return std::unique_ptr<Mapping>(new Mapping(std::move(impl)));
}

std::vector<std::string> Mapping::fields() const {
  std::vector<std::string> out;
  for (const auto& [name, pos] : impl_->field_uses) out.push_back(name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool Mapping::checkColumns(const std::vector<std::string>& columns,
                           const std::string& source_name, Diagnostics& diags) const {
  const std::set<std::string> known(columns.begin(), columns.end());
  std::set<std::string> reported;
  bool ok = true;
  for (const auto& [name, pos] : impl_->field_uses) {
    if (known.count(name)) continue;
    ok = false;
    if (!reported.insert(name).second) continue;
    std::string message = "unknown column " + quote(name) + " in " + source_name;
    const std::string suggestion = closestName(name, columns);
    if (!suggestion.empty()) message += " (did you mean " + quote(suggestion) + "?)";
    diags.add(pos, message);
  }
  return ok;
}

MappedRecord Mapping::map(const Record& record, bool explain) const {
  MappedRecord out;
  try {
    RecordMapper(*impl_, record, explain, out).run();
  } catch (const std::exception& e) {
    out.problems.push_back(std::string("cannot map the record: ") + e.what());
  }
  return out;
}

}  // namespace scim_agent
