// Reading a source's `mapping:` and `tables:` from the config (mapping.h): every problem at its
// file:line:column, templates and conditions parsed once (mapping_expr.h).

#include <algorithm>
#include <cstdlib>
#include <map>

#include "agent/model/user_checks.h"
#include "agent/sources/mapping_spec.h"

namespace scim_agent::mapping {

namespace {

std::string quote(const std::string& s) { return quotedForMessage(s); }

std::vector<std::string> namesOf(const std::vector<AttributeDef>& defs) {
  std::vector<std::string> out;
  for (const AttributeDef& d : defs) out.push_back(d.name);
  return out;
}

bool isSeparatorFree(const std::string& prefix) {
  return prefix.find_first_of("\"'\\\n") == std::string::npos;
}

// Reads the config into an Impl, reporting every problem.
class MappingReader {
 public:
  MappingReader(MappingData& impl, Diagnostics& diags) : impl_(impl), diags_(diags) {}

  void readTables(const YamlEntry& entry) {
    if (entry.value.IsNull()) return;
    if (!entry.value.IsMap()) {
      diags_.add(entry.pos,
                 "expected a mapping for \"tables\" (a table's name to its entries), got " +
                     describeNode(entry.value));
      return;
    }
    forEachKey(entry.file, entry.value, "a table name", "table", "",
               [&](const std::string& name, const SourcePos& pos, const YAML::Node& value) {
                 readTable(entry.file, name, value, pos);
               });
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
      forEachKey(entry->file, entry->value, "an attribute name", "attribute", " in mapping",
                 [&](const std::string& key, const SourcePos& pos, const YAML::Node& value) {
                   auto def = by_name.find(key);
                   if (def == by_name.end()) {
                     std::string message = "unknown attribute " + quote(key) + " in mapping";
                     const std::string suggestion = closestName(key, namesOf(defs));
                     if (!suggestion.empty()) {
                       message += " (did you mean " + quote(suggestion) + "?)";
                     } else if (!users) {
                       message +=
                           " (a source of role terminations maps externalId and terminationDate)";
                     }
                     diags_.add(pos, message);
                     return;
                   }
                   given.emplace_back(def->second, YamlEntry{key, value, pos, entry->file});
                 });
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
        AttributeSpec spec;
        spec.name = name;
        spec.pos = where;
        spec.cases.push_back(Case{
            std::nullopt, Form{{fixedTemplate(std::string("{") + name + "}")}, {}, where}, where});
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

  // Calls `body(key, pos, value)` for each entry of the mapping `node` in document order, but
  // for keys that are not text (`what` names them) and duplicates, which are reported:
  // `duplicate <noun> "k"<where> (first at f:3:5)`.
  template <class Body>
  void forEachKey(const std::string& file, const YAML::Node& node, const char* what,
                  const char* noun, const std::string& where, Body body) {
    std::map<std::string, SourcePos> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const SourcePos pos = yamlPos(file, it->first);
      auto key = keyText(it->first, pos, what);
      if (!key) continue;
      auto [first, inserted] = seen.emplace(*key, pos);
      if (!inserted) {
        diags_.add(pos, std::string("duplicate ") + noun + " " + quote(*key) + where +
                            " (first at " + first->second.toString() + ")");
        continue;
      }
      const YAML::Node value = it->second;  // a copy: `it->` is a temporary proxy
      body(*key, pos, value);
    }
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
    Table& table = impl_.tables[name];
    if (node.IsNull()) return;
    if (!node.IsMap()) {
      diags_.add(pos, "expected a mapping for table " + quote(name) + " (key to value), got " +
                          describeNode(node));
      return;
    }
    forEachKey(file, node, "a key", "key", " in table " + quote(name),
               [&](const std::string& key, const SourcePos& key_pos, const YAML::Node& v) {
                 if (auto value = readTableValue(file, name, key, key_pos, v)) {
                   table.emplace(key, std::move(*value));
                 }
               });
  }

  // A table's value for `key`: a string or a list of strings; nullopt after a diagnostic.
  std::optional<Value> readTableValue(const std::string& file, const std::string& name,
                                      const std::string& key, const SourcePos& key_pos,
                                      const YAML::Node& v) {
    const std::string what = "table " + quote(name) +
                             ": expected a string or a list of strings for " + quote(key) +
                             ", got ";
    Value value;
    if (v.IsScalar()) {
      value.text = v.Scalar();
      if (auto problem = textProblem(value.text, "table " + quote(name))) {
        diags_.add(key_pos, *problem);
        return std::nullopt;
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
      if (!ok) return std::nullopt;
    } else {
      diags_.add(key_pos, what + describeNode(v));
      return std::nullopt;
    }
    return value;
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

  // An entry's text parsed by `parse` (parseTemplate, parseCondition), its errors reported and its
  // fields noted at their places; nullopt after a diagnostic.
  template <class Parsed, class Parse>
  std::optional<Parsed> readParsed(const YamlEntry& e, const char* expected, Parse parse) {
    auto text = scalarText(e, expected);
    if (!text) return std::nullopt;
    std::vector<ParseError> errors;
    std::vector<FieldUse> fields;
    std::optional<Parsed> parsed = parse(*text, impl_.tables, errors, fields);
    reportErrors(e, *text, errors);
    noteFields(e, *text, fields);
    return parsed;
  }

  std::optional<Template> readTemplate(const YamlEntry& e) {
    return readParsed<Template>(e, "a template (text)", parseTemplate);
  }

  std::optional<Condition> readCondition(const YamlEntry& e) {
    return readParsed<Condition>(e, "a condition (text)", parseCondition);
  }

  // A template the reader writes itself (it parses).
  Template fixedTemplate(const std::string& text) const {
    std::vector<ParseError> errors;
    std::vector<FieldUse> fields;
    return *parseTemplate(text, impl_.tables, errors, fields);
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
        return readSingle(e);
      }
      case Kind::kList:
      case Kind::kProficiencies:
      case Kind::kEmail:
        if (e.value.IsScalar()) return readSingle(e);
        if (kind == Kind::kList) return readTemplateList(e);
        if (kind == Kind::kEmail) return readEmailList(e);
        return readEntries(e, "an entry of " + quote(e.key), "name", "proficiency");
      case Kind::kPhones:
        return readEntries(e, "a phone number", "value", "type");
      case Kind::kName: {
        YamlMap parts(e,
                      {"givenName", "familyName", "formatted", "middleName", "honorificPrefix",
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

  // The form of one template.
  std::optional<Form> readSingle(const YamlEntry& e) {
    auto t = readTemplate(e);
    if (!t) return std::nullopt;
    Form form;
    form.pos = e.pos;
    form.templates.push_back(std::move(*t));
    return form;
  }

  // A form read item by item from the sequence `e`: `read(item, form)` adds one item to the form,
  // or returns false after a diagnostic. Nullopt when any item failed (every item is read).
  template <class ReadItem>
  std::optional<Form> readItems(const YamlEntry& e, ReadItem read) {
    auto items = readSequence(e, diags_);
    if (!items) return std::nullopt;
    Form form;
    form.pos = e.pos;
    bool ok = true;
    for (const YamlEntry& item : *items) {
      if (!read(item, form)) ok = false;
    }
    if (!ok) return std::nullopt;
    return form;
  }

  std::optional<Form> readTemplateList(const YamlEntry& e) {
    return readItems(e, [&](const YamlEntry& item, Form& form) {
      auto t = readTemplate(item);
      if (!t) return false;
      form.templates.push_back(std::move(*t));
      return true;
    });
  }

  // emails: [{value, type: work}]: the work email (at most one); [] declares it empty.
  std::optional<Form> readEmailList(const YamlEntry& e) {
    auto emails = readItems(e, [&](const YamlEntry& item, Form& form) {
      YamlMap email(item.file, item.value, "an email", item.pos, {"value", "type"}, diags_);
      if (!email.ok()) return false;
      if (const YamlEntry* t = email.find("type")) {
        auto type = scalarText(*t, "a string");
        if (!type) return false;
        if (*type == "other") {
          diags_.add(valuePos(*t), "emails of type other mirror userName and are read-only");
          return false;
        }
        if (*type != "work") {
          diags_.add(valuePos(*t), "email type must be work, got " + quote(*type));
          return false;
        }
      }
      const YamlEntry* v = email.find("value");
      if (!v) {
        diags_.add(item.pos, "an email needs a value");
        return false;
      }
      if (!form.templates.empty()) {
        diags_.add(item.pos, "at most one work email (first at " + form.pos.toString() + ")");
        return false;
      }
      auto t = readTemplate(*v);
      if (!t) return false;
      form.pos = item.pos;
      form.templates.push_back(std::move(*t));
      return true;
    });
    if (!emails) return std::nullopt;
    if (emails->templates.empty()) emails->templates.push_back(fixedTemplate(""));
    return emails;
  }

  // [{a, b}] entries: phone numbers {value, type}, proficiencies {name, proficiency}. A literal
  // type or proficiency is checked here; templated ones per record.
  std::optional<Form> readEntries(const YamlEntry& e, const std::string& what, const char* a,
                                  const char* b) {
    if (!e.value.IsSequence()) {
      diags_.add(e.pos, "expected a list of {" + std::string(a) + ", " + b +
                            "} or a list of cases for " + quote(e.key) + ", got " +
                            describeNode(e.value));
      return std::nullopt;
    }
    return readItems(e, [&](const YamlEntry& item, Form& form) {
      YamlMap map(item.file, item.value, what, item.pos, {a, b}, diags_);
      if (!map.ok()) return false;
      const YamlEntry* first = map.find(a);
      const YamlEntry* second = map.find(b);
      if (!first || !second) {
        const std::string an_a = std::string("a ") + a;
        const std::string an_b = std::string("a ") + b;
        diags_.add(item.pos, what + " needs " +
                                 (!first && !second ? an_a + " and " + an_b
                                  : !first          ? an_a
                                                    : an_b));
        return false;
      }
      auto t1 = readTemplate(*first);
      auto t2 = readTemplate(*second);
      if (!t1 || !t2) return false;
      if (t2->isLiteral() && !checkLiteralSecond(e.key, *second, t2->literal())) return false;
      form.entries.push_back(EntrySpec{std::move(*t1), std::move(*t2), item.pos});
      return true;
    });
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

}  // namespace

const std::vector<AttributeDef>& userAttributes() {
  static const std::vector<AttributeDef> defs = {
      {"externalId", Kind::kText},
      {"userName", Kind::kText},
      {"displayName", Kind::kText},
      {"name", Kind::kName},
      {"title", Kind::kText},
      {"active", Kind::kText},
      {"status", Kind::kText},
      {"emails", Kind::kEmail},
      {"phoneNumbers", Kind::kPhones},
      {"department", Kind::kText},
      {"division", Kind::kText},
      {"employeeNumber", Kind::kText},
      {"dateHire", Kind::kText},
      {"manager", Kind::kText},
      {"groups", Kind::kList},
      {"roles", Kind::kList},
      {"routingSkills", Kind::kProficiencies},
      {"routingLanguages", Kind::kProficiencies},
  };
  return defs;
}

const std::vector<AttributeDef>& terminationAttributes() {
  static const std::vector<AttributeDef> defs = {{"externalId", Kind::kText},
                                                 {"terminationDate", Kind::kText}};
  return defs;
}

void readMappingConfig(const YamlEntry* mapping, const YamlEntry* tables, MappingData& data,
                       Diagnostics& diags) {
  MappingReader reader(data, diags);
  if (tables) reader.readTables(*tables);
  if (!mapping && data.options.role == SourceRole::kUsers) {
    diags.add(SourcePos{}, "a source of role users needs a mapping");
  } else {
    reader.readMapping(mapping, data.options);
  }
}

}  // namespace scim_agent::mapping
