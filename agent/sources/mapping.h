#pragma once

// The mapping language of HR sources (SPEC §6; reference in specs/README.md): it turns one
// record (record.h) into one desired user, or one termination. Small and safe: templates,
// filters, lookup tables and conditions; nothing is executed, nothing reads outside the record.
//
//   mapping:
//     externalId: "EMP-{employee_id}"
//     userName:   "{email | lower | trim}"
//     displayName: "{first_name} {last_name}"
//     department: "{dept_code | map(departments)}"
//     groups:     "{groups | split(\";\")}"
//     dateHire:   "{hire_date | date(\"%m/%d/%Y\")}"
//     manager:    "{manager.id | default(\"\")}"
//     active:
//       - when: 'status == "terminated" or status in ["leave", "suspended"]'
//         value: false
//       - value: true
//     phoneNumbers:
//       - { value: "{work_phone}", type: work }
//     routingSkills:
//       - { name: "{skill}", proficiency: "{skill_level | default(\"3\")}" }
//   tables:
//     departments: { "100": SUPPORT, "200": ENG }
//
// Templates: text with {FIELD | filter | filter(args)} parts; "{{" and "}}" are literal braces.
// A FIELD is [A-Za-z0-9_.-]+, or any name in backticks (`First Name`), in conditions too.
// A template that is exactly one {…} keeps a list value (from split, or a JSON array); otherwise
// a list is an error for that record. Filters: lower, upper, trim, title, default("x"),
// replace("a","b"), split(","), date("%m/%d/%Y") (to YYYY-MM-DD), map(table) and
// map(table, "fallback"). On a list, every filter but default applies to each item.
// Conditions: OPERAND == OPERAND, !=, OPERAND in ["a", "b"], OPERAND is empty, OPERAND is not
// empty, and, or, not, parentheses; an OPERAND is a field with optional filters
// (`status | lower`) or a "string literal".
// A value given as a list of cases ({when, value}) takes the first case whose `when` holds (a
// case without `when` always holds); when none holds the attribute is not declared.
//
// The details (mapping_expr.h, mapping_reader.cpp, mapping.cpp):
// - Fields: names of [A-Za-z0-9_.-] and UTF-8 bytes. A missing field and a JSON null are "".
//   A bare number (3, 2.5, -1) is a literal, not a field. Strings are "double-quoted" with \"
//   and \\ as the only escapes.
// - lower, upper and title change ASCII letters only (other bytes stay as they are); title
//   starts a word after a space or a hyphen ("mary-jane o'neil" → "Mary-Jane O'neil"). trim
//   removes ASCII white space. default applies to "" and to an empty list. replace replaces
//   every occurrence ("from" not empty). split trims each item and drops empty ones ("" splits
//   to the empty list). date takes %Y (4 digits), %y (2 digits; 69–99 → 19xx), %m and %d (1 or
//   2 digits), %b and %B (English month names, any case), %% and literal characters; the whole
//   text must match and be a calendar date from 1900; "" stays "". map looks the text up as
//   written; "" maps to "" unless the table has a "" key; a key whose value is a list gives a
//   list; on a list every item is looked up and the results flattened.
// - Conditions: precedence not > and > or; `==` and `!=` compare exactly (use | lower); a list
//   operand equals a text when one of its items does, and is `in [...]` when one of its items
//   is; `is empty` holds for "" and the empty list. A filter failing in a condition (a map()
//   miss) rejects the record.
// - Attribute values: a scalar is a template (`active: false`, `proficiency: 3` are literal
//   text). groups and roles: a template or a YAML list of templates; each may give a list; the
//   results are flattened, "" dropped, sorted and unique. emails: a template (the work email;
//   "" declares it empty) or [{value, type: work}]. phoneNumbers: a list of {value, type}, both
//   templates; an entry whose value is "" is dropped. routingSkills and routingLanguages: a list
//   of {name, proficiency} (an entry whose name is "" is dropped; proficiency a number 0–5), or
//   one template giving "Name:3" items ("{skills | split(\";\")}"). A list value counts as a
//   list of cases when it is one for the attribute: any item has `when` (emails, phoneNumbers,
//   routing*), any item is a mapping (groups, roles), always (the one-value attributes).
// - active: true/false, yes/no, 1/0 in any case; status: active, suspended or terminated
//   (exactly); both given must agree. terminationDate: YYYY-MM-DD (00:00 UTC) or an ISO-8601
//   instant, written back in UTC ("2026-11-30T16:30:00Z", a fraction kept as microseconds).
// - Places: a problem inside a template or condition is reported at its column when the value
//   is a plain scalar, or a quoted one with no quote or backslash before the problem (whose
//   escapes could shift it); else at the attribute's key.
// - Bounds: a template or condition is at most 4096 bytes, nests at most 32 deep and has at
//   most 16 filters per operand; a value longer than 1 MiB rejects the record.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/config/yaml_reader.h"
#include "agent/model/user.h"
#include "agent/sources/record.h"

namespace scim_agent {

enum class SourceRole { kUsers, kTerminations };

struct MappingOptions {
  SourceRole role = SourceRole::kUsers;
  std::string target_kind = "genesys";  // genesys | scim: `name` is refused for genesys (SPEC §5)
  // policy.maxAttributeLength: a mapped value longer than its limit rejects the record.
  std::map<std::string, int> max_attribute_length;
};

// How one attribute of one record was produced (validate --explain).
struct AttributeTrace {
  std::string attribute;  // "displayName", "phoneNumbers[0].value"
  std::string value;      // the result as text (a list as ["a", "b"]); "(not set)" when none
  std::string how;        // the template or case that produced it, with its tables:
                          // `"{first_name} {last_name}"`, `case 1: when status == "terminated"`
  SourcePos where;        // the mapping entry in the config
};

// A record mapped.
struct MappedRecord {
  // The externalId as mapped, even when `problems` is not empty ("" when it could not be
  // produced): a rejected record still shields its person (SPEC §16).
  std::string external_id;
  // role users: the desired user. Attributes the mapping does not name stay undeclared
  // (nullopt). status from `status:` or `active:`; user.source is left for the caller.
  DesiredUser user;
  // role terminations: when the person leaves, as an ISO-8601 UTC instant
  // ("2026-11-30T00:00:00Z"; a date-only value is 00:00 UTC that day).
  std::string termination_at;
  // Why the record is rejected (empty: accepted). Each names the attribute and, where it helps,
  // the value: `userName "bob@" is not an email address`, `map(departments): no entry "300"`,
  // `date("%m/%d/%Y"): "13/45/2020" does not match`. The record's own problem (Record::problem)
  // comes first when it has one.
  std::vector<std::string> problems;
  std::vector<AttributeTrace> trace;  // filled only when map() is asked to explain
};

class Mapping {
 public:
  // Parses a source's `mapping:` and `tables:` (either may be null). Every problem goes to
  // `diags` at its place in the config file, all of them: an unknown attribute key, a template
  // that does not close, an unknown filter (with a suggestion), a filter with the wrong
  // arguments, a map() of an undeclared table, a condition that does not parse (at the column
  // of the problem inside the string where it can be told). Returns nullptr when there was any.
  //
  // role users: keys are the attributes of SPEC §5 (externalId and userName required;
  // displayName required for genesys). role terminations: externalId and terminationDate, both
  // defaulting to the record's fields of those names when the mapping is absent.
  static std::unique_ptr<Mapping> parse(const YamlEntry* mapping, const YamlEntry* tables,
                                        const MappingOptions& options, Diagnostics& diags);

  ~Mapping();

  // The field names the mapping reads, sorted and unique (for the CSV header check and
  // --explain).
  std::vector<std::string> fields() const;
  // CSV: every field the mapping reads must be a column. Each one that is not is reported at
  // the place in the config that names it: `unknown column "frist_name" in hr.csv (did you mean
  // "first_name"?)`. False when any is missing.
  bool checkColumns(const std::vector<std::string>& columns, const std::string& source_name,
                    Diagnostics& diags) const;

  // Maps one record. Validates what it produces the way the YAML loader does for one user
  // (email and phone formats, E.164, YYYY-MM-DD dates, proficiency 0-5, one phone per type,
  // the Genesys phone types, maxAttributeLength, active/status values); cross-record checks
  // (duplicates, departments, roles, managers) are the caller's.
  MappedRecord map(const Record& record, bool explain = false) const;

 private:
  struct Impl;
  explicit Mapping(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace scim_agent
