// The template and condition language of HR mappings (agent/sources/mapping_expr.h): every
// filter, table lookups, every condition form and its precedence, and parse errors at their
// offsets.
#include "agent/sources/mapping_expr.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace scim_agent::mapping {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

FieldValue text(const std::string& s) { return FieldValue{s, {}, false, false}; }
FieldValue list(std::vector<std::string> items) {
  return FieldValue{"", std::move(items), true, false};
}
FieldValue null() { return FieldValue{"", {}, false, true}; }

Record aRecord() {
  Record r;
  r.line = 2;
  r.number = 1;
  r.fields = {
      {"first_name", text("ada")},
      {"last_name", text("LOVELACE")},
      {"padded", text("  Ada  Lovelace \t")},
      {"status", text("Terminated")},
      {"dept", text("100")},
      {"dept_bad", text("300")},
      {"hire", text("03/01/2024")},
      {"groups", text("Support; Sales;;  Billing ")},
      {"tags", list({"a", "B", "c"})},
      {"empty", text("")},
      {"nothing", null()},
      {"empty_list", list({})},
      {"manager.id", text("EMP-7")},
      {"name", text("mary-jane o'NEIL élise")},
      {"First Name", text("Grace")},
      {"2024", text("a field named like a number")},
      {"and", text("yes")},
  };
  return r;
}

Tables someTables() {
  Tables t;
  t["departments"]["100"] = Value{false, "SUPPORT", {}};
  t["departments"]["200"] = Value{false, "ENG", {}};
  t["groups"]["100"] = Value{true, "", {"Support Agents", "Phones"}};
  t["groups"]["a"] = Value{false, "Group A", {}};
  t["groups"]["c"] = Value{true, "", {"Group C1", "Group C2"}};
  return t;
}

// The template's value for aRecord() (a list as ["a", "b"]), or "ERROR: …".
std::string eval(const std::string& tmpl, const Tables& tables = someTables()) {
  std::vector<ParseError> errors;
  std::vector<FieldUse> fields;
  auto t = parseTemplate(tmpl, tables, errors, fields);
  if (!t) {
    std::string out = "PARSE:";
    for (const ParseError& e : errors) out += " " + std::to_string(e.offset) + ": " + e.message;
    return out;
  }
  Value v;
  std::string error;
  if (!t->evaluate(aRecord(), v, error, nullptr)) return "ERROR: " + error;
  return v.is_list ? describeValue(v) : v.text;
}

// "offset: message" for each parse error of a template (or condition).
std::vector<std::string> templateErrors(const std::string& tmpl,
                                        const Tables& tables = someTables()) {
  std::vector<ParseError> errors;
  std::vector<FieldUse> fields;
  EXPECT_FALSE(parseTemplate(tmpl, tables, errors, fields).has_value()) << tmpl;
  std::vector<std::string> out;
  for (const ParseError& e : errors) out.push_back(std::to_string(e.offset) + ": " + e.message);
  return out;
}

std::vector<std::string> conditionErrors(const std::string& cond) {
  std::vector<ParseError> errors;
  std::vector<FieldUse> fields;
  EXPECT_FALSE(parseCondition(cond, someTables(), errors, fields).has_value()) << cond;
  std::vector<std::string> out;
  for (const ParseError& e : errors) out.push_back(std::to_string(e.offset) + ": " + e.message);
  return out;
}

// "true", "false" or "ERROR: …".
std::string holds(const std::string& cond) {
  std::vector<ParseError> errors;
  std::vector<FieldUse> fields;
  const Tables tables = someTables();  // a parsed condition refers to its tables: keep them
  auto c = parseCondition(cond, tables, errors, fields);
  if (!c) return "PARSE: " + (errors.empty() ? std::string() : errors[0].message);
  bool h = false;
  std::string error;
  if (!c->evaluate(aRecord(), h, error, nullptr)) return "ERROR: " + error;
  return h ? "true" : "false";
}

TEST(MappingTemplateTest, TextFieldsAndLiteralBraces) {
  EXPECT_EQ(eval("{first_name} {last_name}"), "ada LOVELACE");
  EXPECT_EQ(eval("EMP-{dept}"), "EMP-100");
  EXPECT_EQ(eval("plain text"), "plain text");
  EXPECT_EQ(eval(""), "");
  EXPECT_EQ(eval("{{literal}} {dept}"), "{literal} 100");
  EXPECT_EQ(eval("{manager.id}"), "EMP-7");
  EXPECT_EQ(eval("{missing}"), "");               // a missing field is empty
  EXPECT_EQ(eval("{nothing}"), "");               // so is a JSON null
  EXPECT_EQ(eval("{\"lit}eral\"}"), "lit}eral");  // a "}" inside a string does not close
  EXPECT_EQ(eval("{ first_name | upper }"), "ADA");
}

TEST(MappingTemplateTest, AQuotedFieldNamesAColumnWithSpaces) {
  EXPECT_EQ(eval("{`First Name` | upper} {last_name}"), "GRACE LOVELACE");
  EXPECT_EQ(eval("{`2024`}"), "a field named like a number");  // quoted: never a literal
  EXPECT_EQ(holds("`First Name` == \"Grace\" and `and` == \"yes\""), "true");
  EXPECT_EQ(templateErrors("{`First Name}"),
            (std::vector<std::string>{"1: unclosed \"`\" (a quoted field is `Name With Spaces`)"}));
  EXPECT_EQ(templateErrors("{``}"), (std::vector<std::string>{"1: an empty quoted field \"``\""}));
}

TEST(MappingTemplateTest, ListsAreKeptOnlyByASingleExpression) {
  EXPECT_EQ(eval("{tags}"), R"(["a", "B", "c"])");
  EXPECT_EQ(eval("{groups | split(\";\")}"), R"(["Support", "Sales", "Billing"])");
  EXPECT_EQ(eval("x {tags}"),
            "ERROR: {tags} gives a list ([\"a\", \"B\", \"c\"]); a list is kept only by a "
            "template that is exactly one {…}");
}

TEST(MappingFilterTest, LowerUpperTrim) {
  EXPECT_EQ(eval("{last_name | lower}"), "lovelace");
  EXPECT_EQ(eval("{first_name | upper}"), "ADA");
  EXPECT_EQ(eval("[{padded | trim}]"), "[Ada  Lovelace]");
  EXPECT_EQ(eval("{tags | upper}"), R"(["A", "B", "C"])");
  EXPECT_EQ(eval("{tags | lower}"), R"(["a", "b", "c"])");
  EXPECT_EQ(eval("{empty | lower | upper | trim}"), "");
  EXPECT_EQ(eval("{\"ÉLISE\" | lower}"), "Élise");  // ASCII only; other bytes as they are
}

TEST(MappingFilterTest, Title) {
  EXPECT_EQ(eval("{name | title}"), "Mary-Jane O'neil élise");
  EXPECT_EQ(eval("{last_name | title}"), "Lovelace");
  EXPECT_EQ(eval("{tags | title}"), R"(["A", "B", "C"])");
  EXPECT_EQ(eval("{empty | title}"), "");
}

TEST(MappingFilterTest, Default) {
  EXPECT_EQ(eval("{empty | default(\"x\")}"), "x");
  EXPECT_EQ(eval("{nothing | default(\"x\")}"), "x");
  EXPECT_EQ(eval("{missing | default(\"3\")}"), "3");
  EXPECT_EQ(eval("{first_name | default(\"x\")}"), "ada");
  EXPECT_EQ(eval("{empty_list | default(\"x\")}"), "x");
  EXPECT_EQ(eval("{tags | default(\"x\")}"), R"(["a", "B", "c"])");
  EXPECT_EQ(eval("{missing | default(3)}"), "3");  // a bare number is a string
}

TEST(MappingFilterTest, Replace) {
  EXPECT_EQ(eval("{dept | replace(\"1\", \"X\")}"), "X00");
  EXPECT_EQ(eval("{dept | replace(\"0\", \"\")}"), "1");
  EXPECT_EQ(eval("{tags | replace(\"a\", \"z\")}"), R"(["z", "B", "c"])");
  EXPECT_EQ(eval("{empty | replace(\"a\", \"z\")}"), "");
  EXPECT_EQ(eval("{\"a\\\"b\" | replace(\"\\\"\", \"\\\\\")}"), "a\\b");
}

TEST(MappingFilterTest, ReplaceCannotGrowWithoutBound) {
  // 4096 bytes of template, each 'a' becoming 2000 bytes, on a 1 MB field: stops at the bound.
  Record r;
  r.fields = {{"big", text(std::string(1 << 20, 'a'))}};
  std::vector<ParseError> errors;
  std::vector<FieldUse> fields;
  auto t = parseTemplate("{big | replace(\"a\", \"" + std::string(2000, 'b') + "\")}", {}, errors,
                         fields);
  ASSERT_TRUE(t);
  Value v;
  std::string error;
  EXPECT_FALSE(t->evaluate(r, v, error, nullptr));
  EXPECT_THAT(error, ::testing::HasSubstr("longer than 1048576 bytes"));
}

TEST(MappingFilterTest, Split) {
  EXPECT_EQ(eval("{groups | split(\";\")}"), R"(["Support", "Sales", "Billing"])");
  EXPECT_EQ(eval("{empty | split(\";\")}"), "[]");
  EXPECT_EQ(eval("{dept | split(\",\")}"), R"(["100"])");
  EXPECT_EQ(eval("{\"a-b,c-d\" | split(\",\") | split(\"-\")}"), R"(["a", "b", "c", "d"])");
  EXPECT_EQ(eval("{groups | split(\"; \")}"), R"(["Support", "Sales;", "Billing"])");
}

TEST(MappingFilterTest, Date) {
  EXPECT_EQ(eval("{hire | date(\"%m/%d/%Y\")}"), "2024-03-01");
  EXPECT_EQ(eval("{\"3/1/2024\" | date(\"%m/%d/%Y\")}"), "2024-03-01");
  EXPECT_EQ(eval("{\"01-Mar-24\" | date(\"%d-%b-%y\")}"), "2024-03-01");
  EXPECT_EQ(eval("{\"1 march 1999\" | date(\"%d %B %Y\")}"), "1999-03-01");
  EXPECT_EQ(eval("{\"29.02.1970\" | date(\"%d.%m.%Y\")}"),
            "ERROR: date(\"%d.%m.%Y\"): \"29.02.1970\" is not a calendar date");
  EXPECT_EQ(eval("{\"2024-02-29\" | date(\"%Y-%m-%d\")}"), "2024-02-29");
  EXPECT_EQ(eval("{\"100%/2024/02/03\" | date(\"100%%/%Y/%m/%d\")}"), "2024-02-03");
  EXPECT_EQ(eval("{empty | date(\"%m/%d/%Y\")}"), "");  // no date stays no date
  EXPECT_EQ(eval("{\"13/45/2020\" | date(\"%m/%d/%Y\")}"),
            "ERROR: date(\"%m/%d/%Y\"): \"13/45/2020\" is not a calendar date");
  EXPECT_EQ(eval("{\"03/01/2024 \" | date(\"%m/%d/%Y\")}"),
            "ERROR: date(\"%m/%d/%Y\"): \"03/01/2024 \" does not match");  // whole input
  EXPECT_EQ(eval("{\"2024-03-01\" | date(\"%m/%d/%Y\")}"),
            "ERROR: date(\"%m/%d/%Y\"): \"2024-03-01\" does not match");
  EXPECT_EQ(eval("{\"03/01/24\" | date(\"%m/%d/%Y\")}"),
            "ERROR: date(\"%m/%d/%Y\"): \"03/01/24\" does not match");
  EXPECT_EQ(eval("{\"Foo 1 2024\" | date(\"%b %d %Y\")}"),
            "ERROR: date(\"%b %d %Y\"): \"Foo 1 2024\" does not match");
  EXPECT_EQ(eval("{\"1/2/2003,4/5/2006\" | split(\",\") | date(\"%m/%d/%Y\")}"),
            R"(["2003-01-02", "2006-04-05"])");
}

TEST(MappingFilterTest, DateFormatsAreCheckedAtParse) {
  EXPECT_THAT(templateErrors("{hire | date(\"%m/%d/%H\")}"),
              ElementsAre("13: date(\"%m/%d/%H\"): unsupported \"%H\" (supported: %Y %y %m %d %b "
                          "%B %%)"));
  EXPECT_THAT(templateErrors("{hire | date(\"%m/%Y\")}"),
              ElementsAre("13: date(\"%m/%Y\"): the format needs one year (%Y or %y), one month "
                          "(%m, %b or %B) and one day (%d)"));
  EXPECT_THAT(templateErrors("{hire | date(\"%m/%d/%Y%Y\")}"),
              ElementsAre(::testing::HasSubstr("the format needs one year")));
}

TEST(MappingFilterTest, MapTableHitMissFallbackAndLists) {
  EXPECT_EQ(eval("{dept | map(departments)}"), "SUPPORT");
  EXPECT_EQ(eval("{dept_bad | map(departments)}"), "ERROR: map(departments): no entry \"300\"");
  EXPECT_EQ(eval("{dept_bad | map(departments, \"OTHER\")}"), "OTHER");
  EXPECT_EQ(eval("{dept | map(departments, \"OTHER\")}"), "SUPPORT");
  EXPECT_EQ(eval("{empty | map(departments)}"), "");  // nothing to look up
  // A key to a list gives a list; a list maps item by item, flattened.
  EXPECT_EQ(eval("{dept | map(groups)}"), R"(["Support Agents", "Phones"])");
  EXPECT_EQ(eval("{tags | lower | map(groups, \"?\")}"),
            R"(["Group A", "?", "Group C1", "Group C2"])");
  EXPECT_EQ(eval("{tags | map(groups)}"), "ERROR: map(groups): no entry \"B\"");
  EXPECT_EQ(eval("{dept | map(\"departments\")}"), "SUPPORT");
  EXPECT_EQ(eval("{\" 100\" | map(departments)}"), "ERROR: map(departments): no entry \" 100\"");
}

TEST(MappingFilterTest, MapNotesWhichEntryForExplain) {
  std::vector<ParseError> errors;
  std::vector<FieldUse> fields;
  const Tables tables = someTables();
  auto t = parseTemplate("{dept | map(departments)} {dept_bad | map(departments, \"X\")}", tables,
                         errors, fields);
  ASSERT_TRUE(t);
  Value v;
  std::string error;
  Explain explain;
  ASSERT_TRUE(t->evaluate(aRecord(), v, error, &explain));
  EXPECT_THAT(explain.notes, ElementsAre("map(departments): \"100\" → \"SUPPORT\"",
                                         "map(departments, \"X\"): \"300\" → fallback \"X\""));
}

TEST(MappingFilterTest, FilterErrorsAtTheirOffsets) {
  EXPECT_THAT(templateErrors("{first_name | lowr}"),
              ElementsAre("14: unknown filter \"lowr\" (did you mean \"lower\"?)"));
  EXPECT_THAT(templateErrors("{first_name | frobnicate}"),
              ElementsAre("14: unknown filter \"frobnicate\" (filters: lower, upper, trim, title, "
                          "default, replace, split, date, map)"));
  EXPECT_THAT(templateErrors("{x | replace(\"a\")}"),
              ElementsAre("5: filter \"replace\" takes 2 arguments (\"from\", \"to\"), got 1"));
  EXPECT_THAT(templateErrors("{x | default}"),
              ElementsAre("5: filter \"default\" takes 1 argument (\"value\"), got 0"));
  EXPECT_THAT(templateErrors("{x | lower(\"a\")}"),
              ElementsAre("5: filter \"lower\" takes no arguments, got 1"));
  EXPECT_THAT(templateErrors("{x | map(a, \"b\", \"c\")}"),
              ElementsAre("5: filter \"map\" takes 1 or 2 arguments (table, \"fallback\"), got 3"));
  EXPECT_THAT(templateErrors("{x | map(departmnts)}"),
              ElementsAre("9: map(departmnts): no table \"departmnts\" (tables: departments, "
                          "groups)"));
  EXPECT_THAT(templateErrors("{x | map(departments)}", Tables{}),
              ElementsAre("9: map(departments): no table \"departments\" (no tables are "
                          "declared)"));
  EXPECT_THAT(templateErrors("{x | replace(\"\", \"b\")}"),
              ElementsAre("13: filter \"replace\": \"from\" must not be empty"));
  EXPECT_THAT(templateErrors("{x | split(\"\")}"),
              ElementsAre("11: filter \"split\": the separator must not be empty"));
  EXPECT_THAT(templateErrors("{x | default(y)}"),
              ElementsAre("13: filter \"default\": argument 1 must be a \"string\", got y"));
  // Every problem of one template, not just the first.
  EXPECT_THAT(templateErrors("{a | lowr} {b | uper}"),
              ElementsAre("5: unknown filter \"lowr\" (did you mean \"lower\"?)",
                          "16: unknown filter \"uper\" (did you mean \"upper\"?)"));
}

TEST(MappingTemplateTest, SyntaxErrorsAtTheirOffsets) {
  EXPECT_THAT(templateErrors("Hello {first_name"), ElementsAre("6: unclosed \"{\" in template"));
  EXPECT_THAT(templateErrors("{a | lower"), ElementsAre("0: unclosed \"{\" in template"));
  EXPECT_THAT(templateErrors("a } b"),
              ElementsAre("2: unmatched \"}\" in template (write \"}}\" for a literal \"}\")"));
  EXPECT_THAT(templateErrors("x {}"), ElementsAre("2: empty \"{}\" in template"));
  EXPECT_THAT(templateErrors("{a b}"),
              ElementsAre("3: expected \"|\" or \"}\" in template, got \"b\""));
  EXPECT_THAT(templateErrors("{a | }"), ElementsAre("5: expected a filter after \"|\", got \"}\""));
  EXPECT_THAT(templateErrors("{\"abc}"), ElementsAre("1: unclosed string"));
  EXPECT_THAT(templateErrors("{\"a\\n\"}"),
              ElementsAre("3: unknown escape \\n in a string (only \\\" and \\\\ are escapes)"));
  EXPECT_THAT(templateErrors("{a | map(x,}"),
              ElementsAre("11: expected an argument of \"map\", got \"}\""));
  EXPECT_THAT(templateErrors("{a = b}"), ElementsAre("3: unexpected \"=\" (did you mean \"==\"?)"));
  EXPECT_THAT(templateErrors("{a\x01}"), ElementsAre("2: unexpected control character U+0001"));
}

TEST(MappingTemplateTest, Bounds) {
  EXPECT_THAT(templateErrors(std::string(4097, 'a')),
              ElementsAre("0: template is 4097 bytes long; at most 4096"));
  std::string many = "{a";
  for (int i = 0; i < 17; ++i) many += " | trim";
  many += "}";
  EXPECT_THAT(templateErrors(many),
              ElementsAre(::testing::HasSubstr("too many filters (at most 16)")));
}

TEST(MappingTemplateTest, FieldsNamedWithOffsets) {
  std::vector<ParseError> errors;
  std::vector<FieldUse> fields;
  ASSERT_TRUE(parseTemplate("{first_name} {manager.id | default(\"x\")} {\"lit\"} {42}",
                            someTables(), errors, fields));
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].name, "first_name");
  EXPECT_EQ(fields[0].offset, 1u);
  EXPECT_EQ(fields[1].name, "manager.id");
  EXPECT_EQ(fields[1].offset, 14u);
}

TEST(MappingConditionTest, Comparisons) {
  EXPECT_EQ(holds("status == \"Terminated\""), "true");
  EXPECT_EQ(holds("status == \"terminated\""), "false");  // exact
  EXPECT_EQ(holds("status | lower == \"terminated\""), "true");
  EXPECT_EQ(holds("status != \"Terminated\""), "false");
  EXPECT_EQ(holds("\"100\" == dept"), "true");
  EXPECT_EQ(holds("dept == 100"), "true");  // a bare number is a literal
  EXPECT_EQ(holds("first_name == last_name | lower"), "false");
  EXPECT_EQ(holds("missing == \"\""), "true");
  EXPECT_EQ(holds("tags == \"B\""), "true");  // a list equals a text one of its items equals
  EXPECT_EQ(holds("tags != \"B\""), "false");
  EXPECT_EQ(holds("dept | map(departments) == \"SUPPORT\""), "true");
  EXPECT_EQ(holds("dept_bad | map(departments) == \"SUPPORT\""),
            "ERROR: map(departments): no entry \"300\"");
}

TEST(MappingConditionTest, InAndEmpty) {
  EXPECT_EQ(holds("status in [\"Leave\", \"Terminated\"]"), "true");
  EXPECT_EQ(holds("status in [\"leave\", \"terminated\"]"), "false");
  EXPECT_EQ(holds("status in []"), "false");
  EXPECT_EQ(holds("dept in [100, 200]"), "true");
  EXPECT_EQ(holds("tags in [\"x\", \"c\"]"), "true");
  EXPECT_EQ(holds("empty is empty"), "true");
  EXPECT_EQ(holds("nothing is empty"), "true");
  EXPECT_EQ(holds("missing is empty"), "true");
  EXPECT_EQ(holds("empty_list is empty"), "true");
  EXPECT_EQ(holds("tags is empty"), "false");
  EXPECT_EQ(holds("first_name is not empty"), "true");
  EXPECT_EQ(holds("empty is not empty"), "false");
  EXPECT_EQ(holds("padded | trim is not empty"), "true");
}

TEST(MappingConditionTest, LogicAndPrecedence) {
  EXPECT_EQ(holds("dept == \"100\" and first_name == \"ada\""), "true");
  EXPECT_EQ(holds("dept == \"100\" and first_name == \"bob\""), "false");
  EXPECT_EQ(holds("dept == \"200\" or first_name == \"ada\""), "true");
  EXPECT_EQ(holds("not dept == \"200\""), "true");
  EXPECT_EQ(holds("not not dept == \"200\""), "false");
  // and binds tighter than or: true or (false and false) = true; (true or false) and false = false.
  EXPECT_EQ(holds("dept == \"100\" or dept == \"x\" and dept == \"y\""), "true");
  EXPECT_EQ(holds("(dept == \"100\" or dept == \"x\") and dept == \"y\""), "false");
  // not binds tighter than and: (not true) and true = false; not (true and true) = false.
  EXPECT_EQ(holds("not dept == \"100\" or dept == \"100\""), "true");
  EXPECT_EQ(holds("not (dept == \"100\" or dept == \"200\")"), "false");
  EXPECT_EQ(holds("not dept == \"100\" and dept == \"100\""), "false");
  EXPECT_EQ(holds("((((dept == \"100\"))))"), "true");
}

TEST(MappingConditionTest, ShortCircuitSkipsFailingOperands) {
  EXPECT_EQ(holds("dept == \"100\" or dept_bad | map(departments) == \"x\""), "true");
  EXPECT_EQ(holds("dept == \"200\" and dept_bad | map(departments) == \"x\""), "false");
}

TEST(MappingConditionTest, ErrorsAtTheirOffsets) {
  EXPECT_THAT(conditionErrors("status =="),
              ElementsAre("9: condition: expected an operand after \"==\", got the end"));
  EXPECT_THAT(conditionErrors("status == and"),
              ElementsAre("10: condition: expected an operand after \"==\", got \"and\""));
  EXPECT_THAT(conditionErrors("status"),
              ElementsAre("6: condition: expected \"==\", \"!=\", \"in\" or \"is\" after status, "
                          "got the end"));
  EXPECT_THAT(conditionErrors("status = \"x\""),
              ElementsAre("7: condition: unexpected \"=\" (did you mean \"==\"?)"));
  EXPECT_THAT(conditionErrors("status in \"x\""),
              ElementsAre("10: condition: expected \"[\" after \"in\", got the string \"x\""));
  EXPECT_THAT(conditionErrors("status in [\"x\" \"y\"]"),
              ElementsAre("15: condition: expected \",\" or \"]\" in the list, got the string "
                          "\"y\""));
  EXPECT_THAT(conditionErrors("status in [x]"),
              ElementsAre("11: condition: expected a \"string\" in the list, got \"x\""));
  EXPECT_THAT(conditionErrors("status is full"),
              ElementsAre("10: condition: expected \"empty\" or \"not empty\" after \"is\", got "
                          "\"full\""));
  EXPECT_THAT(conditionErrors("(a == \"b\""), ElementsAre("0: condition: unclosed \"(\""));
  EXPECT_THAT(conditionErrors("a == \"b\")"),
              ElementsAre("8: condition: expected \"and\", \"or\" or the end, got \")\""));
  EXPECT_THAT(conditionErrors("a == \"b\" and"),
              ElementsAre("12: condition: expected a field or a \"string\", got the end"));
  EXPECT_THAT(conditionErrors(""), ElementsAre("0: condition: empty"));
  EXPECT_THAT(conditionErrors("a | lowr == \"x\""),
              ElementsAre("4: condition: unknown filter \"lowr\" (did you mean \"lower\"?)"));
  EXPECT_THAT(conditionErrors("a == \"x"), ElementsAre("5: condition: unclosed string"));
}

TEST(MappingConditionTest, NestingIsBounded) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "(";
  deep += "a == \"b\"";
  for (int i = 0; i < 40; ++i) deep += ")";
  EXPECT_THAT(conditionErrors(deep),
              ElementsAre("32: condition: nested too deeply (at most 32 levels)"));
  std::string nots;
  for (int i = 0; i < 40; ++i) nots += "not ";
  EXPECT_THAT(conditionErrors(nots + "a == \"b\""),
              ElementsAre(::testing::HasSubstr("nested too deeply")));
  std::string ok;
  for (int i = 0; i < 31; ++i) ok += "(";
  ok += "dept == \"100\"";
  for (int i = 0; i < 31; ++i) ok += ")";
  EXPECT_EQ(holds(ok), "true");
}

}  // namespace
}  // namespace scim_agent::mapping
