#pragma once

// The parsed form of a source's mapping (mapping.h), shared by the config reader
// (mapping_reader.cpp) and the record mapper (mapping.cpp). Internal to agent/sources.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/config/yaml_reader.h"
#include "agent/sources/mapping.h"
#include "agent/sources/mapping_expr.h"

namespace scim_agent::mapping {

inline constexpr size_t kMaxRoutingEntries =
    50;  // Genesys' limit per user, as the YAML loader says

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

// The attributes a mapping may name, by role.
const std::vector<AttributeDef>& userAttributes();
const std::vector<AttributeDef>& terminationAttributes();

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

// A parsed mapping.
struct MappingData {
  MappingOptions options;
  Tables tables;
  std::vector<AttributeSpec> attributes;  // externalId first, then as the mapping lists them
  std::vector<std::pair<std::string, SourcePos>> field_uses;  // in the order named
};

// Reads a source's `mapping:` and `tables:` (either may be null) into `data` (whose options are
// set), every problem to `diags` at its place (mapping_reader.cpp).
void readMappingConfig(const YamlEntry* mapping, const YamlEntry* tables, MappingData& data,
                       Diagnostics& diags);

}  // namespace scim_agent::mapping
