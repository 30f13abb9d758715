// Fuzz target: the HR mapping language (agent/sources/mapping.h, mapping_expr.h). The first byte
// picks what the rest is: 0 a template, 1 a `when:` condition, 2 a source's YAML (`mapping:` and
// `tables:`). Whatever parses is evaluated on a fixed record (with --explain), so the parser,
// the filters and the mapper all see hostile input.
#include "agent/config/yaml_reader.h"
#include "agent/sources/mapping.h"
#include "agent/sources/mapping_expr.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace scim_agent;

const Record& fixedRecord() {
  static const Record record = [] {
    Record r;
    r.line = 2;
    r.number = 1;
    auto text = [](const char* s) { return FieldValue{s, {}, false, false}; };
    r.fields = {{"id", text("1001")},
                {"email", text(" Ada@Corp.Example ")},
                {"first", text("ada")},
                {"last", text("LOVELACE")},
                {"status", text("Terminated")},
                {"dept", text("100")},
                {"hire", text("03/01/2024")},
                {"groups", text("Support; Sales;;")},
                {"skills", text("Billing:3;Sales:9")},
                {"phone", text("+15550100")},
                {"left", text("2026-11-30")},
                {"manager.id", text("EMP-7")},
                {"nothing", FieldValue{"", {}, false, true}},
                {"tags", FieldValue{"", {"a", "b", ""}, true, false}}};
    return r;
  }();
  return record;
}

const mapping::Tables& fixedTables() {
  static const mapping::Tables tables = [] {
    mapping::Tables t;
    t["departments"]["100"] = mapping::Value{false, "SUPPORT", {}};
    t["groups"]["100"] = mapping::Value{true, "", {"Support Agents", "Phones"}};
    return t;
  }();
  return tables;
}

void checkErrors(const std::vector<mapping::ParseError>& errors, size_t size, bool parsed) {
  if (parsed != errors.empty()) fuzz::fail("mapping: parsed and errors disagree", "");
  for (const mapping::ParseError& e : errors) {
    if (e.offset > size) fuzz::fail("mapping: error offset past the text", e.message);
    if (e.message.empty()) fuzz::fail("mapping: empty error message", "");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(fuzz::asText(data + 1, size - 1));
  std::vector<mapping::ParseError> errors;
  std::vector<mapping::FieldUse> fields;
  mapping::Explain explain;
  std::string error;
  switch (data[0] % 3) {
    case 0: {
      auto t = mapping::parseTemplate(text, fixedTables(), errors, fields);
      checkErrors(errors, text.size(), t.has_value());
      if (t) {
        mapping::Value v;
        if (!t->evaluate(fixedRecord(), v, error, &explain) && error.empty()) {
          fuzz::fail("mapping: a template failed without a reason", text);
        }
      }
      break;
    }
    case 1: {
      auto c = mapping::parseCondition(text, fixedTables(), errors, fields);
      checkErrors(errors, text.size(), c.has_value());
      if (c) {
        bool holds = false;
        if (!c->evaluate(fixedRecord(), holds, error, &explain) && error.empty()) {
          fuzz::fail("mapping: a condition failed without a reason", text);
        }
      }
      break;
    }
    default: {
      Diagnostics diags;
      YamlDocument doc = parseYamlText(text, "source.yaml", diags);
      if (!doc.ok || !doc.root.IsMap()) break;
      YamlMap top("source.yaml", doc.root, "a source", SourcePos{"source.yaml", 1, 1},
                  {"mapping", "tables", "role"}, diags);
      MappingOptions options;
      if (top.has("role")) options.role = SourceRole::kTerminations;
      Diagnostics found;  // the mapping's own problems, not the YAML's above
      auto m = Mapping::parse(top.find("mapping"), top.find("tables"), options, found);
      if ((m == nullptr) == found.empty())
        fuzz::fail("mapping: result and diagnostics disagree", text);
      if (m) {
        (void)m->fields();
        Diagnostics columns;
        m->checkColumns({"id", "email", "first", "last"}, "hr.csv", columns);
        MappedRecord r = m->map(fixedRecord(), /*explain=*/true);
        if (r.problems.empty() && options.role == SourceRole::kUsers && r.external_id.empty()) {
          fuzz::fail("mapping: an accepted user without an externalId", text);
        }
      }
      break;
    }
  }
  return 0;
}
