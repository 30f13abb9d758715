// Mapping (agent/sources/mapping.h): reading `mapping:` and `tables:` with every problem at its
// file:line:column, and mapping records to desired users or terminations, with row rejects and
// --explain traces.
#include "agent/sources/mapping.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace scim_agent {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Loaded {
  std::unique_ptr<Mapping> mapping;
  std::vector<std::string> diags;  // "file:line:column: message"
};

// Parses a source's YAML (its `mapping:` and `tables:` keys) from hr.yaml.
Loaded load(const std::string& yaml, MappingOptions options = {}) {
  Diagnostics diags;
  YamlDocument doc = parseYamlText(yaml, "hr.yaml", diags);
  EXPECT_TRUE(doc.ok) << yaml;
  YamlMap top("hr.yaml", doc.root, "a source", SourcePos{"hr.yaml", 1, 1}, {"mapping", "tables"},
              diags);
  Loaded out;
  out.mapping = Mapping::parse(top.find("mapping"), top.find("tables"), options, diags);
  for (const Diagnostic& d : diags.items()) out.diags.push_back(d.toString());
  EXPECT_EQ(out.mapping == nullptr, !out.diags.empty());
  return out;
}

std::vector<std::string> problemsOf(const std::string& yaml, MappingOptions options = {}) {
  return load(yaml, options).diags;
}

Record aRecord(std::vector<std::pair<std::string, std::string>> fields) {
  Record r;
  r.line = 7;
  r.number = 6;
  for (auto& [name, value] : fields)
    r.fields.push_back({name, FieldValue{value, {}, false, false}});
  return r;
}

const char* kBasic = R"(mapping:
  externalId: "EMP-{id}"
  userName: "{email | lower | trim}"
  displayName: "{first} {last}"
)";

TEST(MappingParseTest, ABasicMappingMapsARecord) {
  Loaded l = load(kBasic);
  ASSERT_THAT(l.diags, IsEmpty());
  EXPECT_THAT(l.mapping->fields(), ElementsAre("email", "first", "id", "last"));
  MappedRecord m = l.mapping->map(aRecord(
      {{"id", "1001"}, {"email", " Ada@Corp.Example "}, {"first", "Ada"}, {"last", "Lovelace"}}));
  EXPECT_THAT(m.problems, IsEmpty());
  EXPECT_EQ(m.external_id, "EMP-1001");
  EXPECT_EQ(m.user.external_id, "EMP-1001");
  EXPECT_EQ(m.user.user_name, "ada@corp.example");
  EXPECT_EQ(m.user.display_name, "Ada Lovelace");
  EXPECT_EQ(m.user.status, UserStatus::kActive);
  // Attributes the mapping does not name stay undeclared.
  EXPECT_FALSE(m.user.title);
  EXPECT_FALSE(m.user.groups);
  EXPECT_FALSE(m.user.phone_numbers);
  EXPECT_FALSE(m.user.work_email);
  EXPECT_THAT(m.trace, IsEmpty());  // only when asked
}

TEST(MappingParseTest, EveryAttributeOfSpec5CanBeMapped) {
  Loaded l = load(R"(mapping:
  externalId: "{id}"
  userName: "{email}"
  displayName: "{name | title}"
  title: "{job}"
  status: "{state | lower}"
  emails: "{email}"
  phoneNumbers:
    - { value: "{work_phone}", type: work }
    - { value: "{mobile}", type: "{mobile_type}" }
  department: "{dept | map(departments)}"
  division: Home
  employeeNumber: "{id}"
  dateHire: "{hired | date(\"%m/%d/%Y\")}"
  manager: "{boss | default(\"\")}"
  groups: ["{dept | map(groups)}", "{extra | split(\";\")}", "All Staff"]
  roles: "{roles | split(\",\")}"
  routingSkills:
    - { name: "{skill}", proficiency: "{skill_level | default(\"3\")}" }
    - { name: "{skill2}", proficiency: 5 }
  routingLanguages: "{languages | split(\";\")}"
tables:
  departments: { "100": SUPPORT }
  groups: { "100": [Support Agents, Phones] }
)");
  ASSERT_THAT(l.diags, IsEmpty());
  MappedRecord m = l.mapping->map(aRecord({{"id", "1001"},
                                           {"email", "ada@corp.example"},
                                           {"name", "ada LOVELACE"},
                                           {"job", "Engineer"},
                                           {"state", "Active"},
                                           {"work_phone", "+15550100"},
                                           {"mobile", ""},
                                           {"mobile_type", "mobile"},
                                           {"dept", "100"},
                                           {"hired", "3/1/2024"},
                                           {"boss", ""},
                                           {"extra", "Sales; All Staff;"},
                                           {"roles", "agent,supervisor"},
                                           {"skill", "Billing"},
                                           {"skill_level", ""},
                                           {"skill2", ""},
                                           {"languages", "English:5; French:2.5"}}));
  ASSERT_THAT(m.problems, IsEmpty());
  const DesiredUser& u = m.user;
  EXPECT_EQ(u.display_name, "Ada Lovelace");
  EXPECT_EQ(u.title, "Engineer");
  EXPECT_EQ(u.status, UserStatus::kActive);
  EXPECT_EQ(u.work_email, "ada@corp.example");
  // The mobile entry had no number: dropped.
  EXPECT_EQ(u.phone_numbers, (std::vector<PhoneNumber>{{"+15550100", "work"}}));
  EXPECT_EQ(u.department, "SUPPORT");
  EXPECT_EQ(u.division, "Home");
  EXPECT_EQ(u.employee_number, "1001");
  EXPECT_EQ(u.date_hire, "2024-03-01");
  EXPECT_EQ(u.manager, "");  // declared empty: clears
  EXPECT_EQ(u.groups, (std::vector<std::string>{"All Staff", "Phones", "Sales", "Support Agents"}));
  EXPECT_EQ(u.roles, (std::vector<std::string>{"agent", "supervisor"}));
  // skill2 was empty: dropped; the default proficiency applied.
  EXPECT_EQ(u.routing_skills, (std::vector<Proficiency>{{"Billing", 3}}));
  EXPECT_EQ(u.routing_languages, (std::vector<Proficiency>{{"English", 5}, {"French", 2.5}}));
}

TEST(MappingParseTest, ScalarsAreLiteralTemplates) {
  Loaded l = load(R"(mapping:
  externalId: 1001
  userName: ada@corp.example
  displayName: Ada
  active: false
)");
  ASSERT_THAT(l.diags, IsEmpty());
  MappedRecord m = l.mapping->map(aRecord({}));
  EXPECT_THAT(m.problems, IsEmpty());
  EXPECT_EQ(m.external_id, "1001");
  EXPECT_EQ(m.user.status, UserStatus::kSuspended);
  EXPECT_THAT(l.mapping->fields(), IsEmpty());
}

// --- problems in the config, each at its place -------------------------------------------

TEST(MappingParseTest, UnknownAttributeWithSuggestion) {
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  titel: \"{job}\"\n  frobnicate: x\n"),
              ElementsAre("hr.yaml:5:3: unknown attribute \"titel\" in mapping (did you mean "
                          "\"title\"?)",
                          "hr.yaml:6:3: unknown attribute \"frobnicate\" in mapping"));
}

TEST(MappingParseTest, ProblemsInsideAQuotedTemplateAtTheirColumn) {
  // `  title: "` is 10 characters: the text starts at column 11.
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title: \"{job | lowr}\"\n"),
              ElementsAre("hr.yaml:5:18: unknown filter \"lowr\" (did you mean \"lower\"?)"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title: \"{job | replace(\\\"a\\\")}\"\n"),
              ElementsAre("hr.yaml:5:18: filter \"replace\" takes 2 arguments (\"from\", \"to\"), "
                          "got 1"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title: 'x {job | replace(\"a\")}'\n"),
              ElementsAre("hr.yaml:5:20: filter \"replace\" takes 2 arguments (\"from\", \"to\"), "
                          "got 1"));
  // An escape, or a quote, may stand before the problem: the column in the file cannot be told
  // from the value, so the key's place.
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title: \"{\\\"x\\\" | replace(\\\"a\\\")}\"\n"),
              ElementsAre("hr.yaml:5:3: filter \"replace\" takes 2 arguments (\"from\", \"to\"), "
                          "got 1"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title: '{\"x\" | replace(\"a\")}'\n"),
              ElementsAre("hr.yaml:5:3: filter \"replace\" takes 2 arguments (\"from\", \"to\"), "
                          "got 1"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title: 'Dr. {job'\n"),
              ElementsAre("hr.yaml:5:15: unclosed \"{\" in template"));
}

TEST(MappingParseTest, ProblemsInsideAPlainTemplateAtTheirColumn) {
  // `  title: ` is 9 characters: a plain scalar starts at column 10.
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title: Dr. {job | uper}\n"),
              ElementsAre("hr.yaml:5:21: unknown filter \"uper\" (did you mean \"upper\"?)"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  department: D-{dept | map(departmnts)}\n" +
                         "tables:\n  departments: {}\n  groups: {}\n"),
              ElementsAre("hr.yaml:5:29: map(departmnts): no table \"departmnts\" (tables: "
                          "departments, groups)"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title: Dr. {job\n"),
              ElementsAre("hr.yaml:5:14: unclosed \"{\" in template"));
}

TEST(MappingParseTest, ConditionProblemsAtTheirColumn) {
  EXPECT_THAT(problemsOf(std::string(kBasic) + R"(  active:
    - when: 'status == '
      value: false
    - value: true
)"),
              // `    - when: '` is 13 characters; "==" ends at offset 9, the end at 10.
              ElementsAre("hr.yaml:6:24: condition: expected an operand after \"==\", got the "
                          "end"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + R"(  active:
    - when: status = "x"
      value: false
)"),
              ElementsAre("hr.yaml:6:20: condition: unexpected \"=\" (did you mean \"==\"?)"));
}

TEST(MappingParseTest, RequiredKeysAndGenesysRules) {
  EXPECT_THAT(problemsOf("mapping:\n  title: x\n"),
              ElementsAre("hr.yaml:1:1: missing required key \"externalId\" in mapping",
                          "hr.yaml:1:1: missing required key \"userName\" in mapping",
                          "hr.yaml:1:1: missing required key \"displayName\" in mapping (Genesys "
                          "Cloud requires it)"));
  MappingOptions scim;
  scim.target_kind = "scim";
  EXPECT_THAT(problemsOf("mapping:\n  externalId: x\n  userName: a@b.example\n", scim), IsEmpty());
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  name: { givenName: \"{first}\" }\n"),
              ElementsAre("hr.yaml:5:3: name is not supported by Genesys Cloud; use displayName"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  name: { givenName: \"{first}\" }\n", scim),
              IsEmpty());
  EXPECT_THAT(problemsOf("tables: {}\n"), ElementsAre("a source of role users needs a mapping"));
  EXPECT_THAT(problemsOf("mapping: [a]\n"),
              ElementsAre("hr.yaml:1:1: expected a mapping for \"mapping\" (attribute to "
                          "template), got a sequence"));
}

TEST(MappingParseTest, ValueShapes) {
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title: { a: b }\n"),
              ElementsAre("hr.yaml:5:3: expected a template (text) or a list of cases for "
                          "\"title\", got a mapping"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title:\n    - x\n"),
              ElementsAre(::testing::StartsWith("hr.yaml:6:7: expected a mapping for \"a case")));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title:\n    - when: a == \"b\"\n"),
              ElementsAre("hr.yaml:6:7: a case needs a value"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title:\n    - value: a\n    - value: b\n"),
              ElementsAre("hr.yaml:7:7: case 2 of \"title\" is never used: an earlier case has no "
                          "\"when\""));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  title:\n    - { when: x == y, valeu: b }\n"),
              ElementsAre("hr.yaml:6:23: unknown key \"valeu\" (did you mean \"value\"?)",
                          "hr.yaml:6:7: a case needs a value"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  phoneNumbers: \"{phone}\"\n"),
              ElementsAre("hr.yaml:5:3: expected a list of {value, type} or a list of cases for "
                          "\"phoneNumbers\", got the quoted string \"{phone}\""));
}

TEST(MappingParseTest, LiteralPhoneTypesAndProficienciesAreCheckedAtParse) {
  EXPECT_THAT(
      problemsOf(std::string(kBasic) + "  phoneNumbers:\n    - { value: \"{p}\", type: wrok }\n"
                                       "    - { value: \"{q}\" }\n"),
      ElementsAre("hr.yaml:6:29: unknown phone type \"wrok\" (did you mean \"work\"?)",
                  "hr.yaml:7:7: a phone number needs a type"));
  EXPECT_THAT(problemsOf(std::string(kBasic) +
                         "  routingSkills:\n    - { name: Billing, proficiency: 7 }\n"),
              ElementsAre("hr.yaml:6:37: proficiency must be between 0 and 5, got 7"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "  emails: [{ value: \"{e}\", type: other }]\n"),
              ElementsAre("hr.yaml:5:34: emails of type other mirror userName and are read-only"));
}

TEST(MappingParseTest, TablesProblems) {
  EXPECT_THAT(problemsOf(std::string(kBasic) + "tables: [a]\n"),
              ElementsAre("hr.yaml:5:1: expected a mapping for \"tables\" (a table's name to its "
                          "entries), got a sequence"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "tables:\n  departments: [a]\n"),
              ElementsAre("hr.yaml:6:3: expected a mapping for table \"departments\" (key to "
                          "value), got a sequence"));
  EXPECT_THAT(problemsOf(std::string(kBasic) +
                         "tables:\n  d:\n    \"100\": { a: b }\n    \"200\": [x, [y]]\n"),
              ElementsAre("hr.yaml:7:5: table \"d\": expected a string or a list of strings for "
                          "\"100\", got a mapping",
                          "hr.yaml:8:16: table \"d\": expected a string or a list of strings for "
                          "\"200\", got a sequence"));
  EXPECT_THAT(problemsOf(std::string(kBasic) + "tables:\n  d: { \"1\": a, \"1\": b }\n"),
              ElementsAre("hr.yaml:6:16: duplicate key \"1\" in table \"d\" (first at "
                          "hr.yaml:6:8)"));
}

TEST(MappingParseTest, TableKeysAreTakenAsWritten) {
  Loaded l = load(std::string(kBasic) + "  department: \"{d | map(t)}\"\n" +
                  "tables:\n  t: { 010: ten, 1.50: x, true: yes }\n");
  ASSERT_THAT(l.diags, IsEmpty());
  auto dept = [&](const std::string& d) {
    MappedRecord m = l.mapping->map(
        aRecord({{"id", "1"}, {"email", "a@b.example"}, {"first", "A"}, {"last", "B"}, {"d", d}}));
    return m.problems.empty() ? *m.user.department : m.problems[0];
  };
  EXPECT_EQ(dept("010"), "ten");
  EXPECT_EQ(dept("1.50"), "x");
  EXPECT_EQ(dept("true"), "yes");
  EXPECT_EQ(dept("10"), "department: map(t): no entry \"10\"");
}

TEST(MappingParseTest, UnknownColumnsAtTheirPlace) {
  Loaded l = load(R"(mapping:
  externalId: "EMP-{employee_id}"
  userName: "{email}"
  displayName: "{frist_name} {last_name}"
  active:
    - when: 'stauts == "terminated"'
      value: false
    - value: true
)");
  ASSERT_THAT(l.diags, IsEmpty());
  Diagnostics diags;
  EXPECT_FALSE(l.mapping->checkColumns(
      {"employee_id", "email", "first_name", "last_name", "status"}, "hr.csv", diags));
  std::vector<std::string> got;
  for (const Diagnostic& d : diags.items()) got.push_back(d.toString());
  EXPECT_THAT(got, ElementsAre("hr.yaml:4:18: unknown column \"frist_name\" in hr.csv (did you "
                               "mean \"first_name\"?)",
                               "hr.yaml:6:14: unknown column \"stauts\" in hr.csv (did you mean "
                               "\"status\"?)"));
  Diagnostics none;
  EXPECT_TRUE(l.mapping->checkColumns({"employee_id", "email", "frist_name", "last_name", "stauts"},
                                      "hr.csv", none));
  EXPECT_TRUE(none.empty());
}

// --- mapping records ------------------------------------------------------------------------

const char* kWithCases = R"(mapping:
  externalId: "EMP-{id}"
  userName: "{email | lower}"
  displayName: "{first} {last}"
  active:
    - when: 'status | lower == "terminated" or status | lower in ["leave", "suspended"]'
      value: false
    - value: true
  title:
    - when: level == "1"
      value: "Junior {job}"
    - when: level is not empty
      value: "{job}"
)";

MappedRecord mapWithCases(const std::string& status, const std::string& level,
                          bool explain = false) {
  static Loaded l = load(kWithCases);
  EXPECT_THAT(l.diags, IsEmpty());
  return l.mapping->map(aRecord({{"id", "7"},
                                 {"email", "a@corp.example"},
                                 {"first", "A"},
                                 {"last", "B"},
                                 {"status", status},
                                 {"job", "Agent"},
                                 {"level", level}}),
                        explain);
}

TEST(MappingRecordTest, CasesChooseActiveFalseForTerminated) {
  EXPECT_EQ(mapWithCases("Terminated", "").user.status, UserStatus::kSuspended);
  EXPECT_EQ(mapWithCases("leave", "").user.status, UserStatus::kSuspended);
  EXPECT_EQ(mapWithCases("active", "").user.status, UserStatus::kActive);
  EXPECT_EQ(mapWithCases("", "").user.status, UserStatus::kActive);
}

TEST(MappingRecordTest, FirstHoldingCaseWinsAndNoneLeavesUndeclared) {
  EXPECT_EQ(mapWithCases("", "1").user.title, "Junior Agent");
  EXPECT_EQ(mapWithCases("", "2").user.title, "Agent");
  EXPECT_FALSE(mapWithCases("", "").user.title);
}

TEST(MappingRecordTest, ActiveAndStatusValues) {
  Loaded l = load(std::string(kBasic) + "  active: \"{a}\"\n  status: \"{s}\"\n");
  ASSERT_THAT(l.diags, IsEmpty());
  auto run = [&](const std::string& a, const std::string& s) {
    MappedRecord m = l.mapping->map(aRecord({{"id", "1"},
                                             {"email", "a@b.example"},
                                             {"first", "A"},
                                             {"last", "B"},
                                             {"a", a},
                                             {"s", s}}));
    if (!m.problems.empty()) return m.problems[0];
    return std::string(userStatusName(m.user.status));
  };
  EXPECT_EQ(run("TRUE", "active"), "active");
  EXPECT_EQ(run("yes", "active"), "active");
  EXPECT_EQ(run("0", "suspended"), "suspended");
  EXPECT_EQ(run("No", "terminated"), "terminated");
  EXPECT_EQ(run("true", "terminated"), "active: true contradicts status: terminated");
  EXPECT_EQ(run("false", "active"), "active: false contradicts status: active");
  EXPECT_EQ(run("maybe", "active"), "active must be true or false, got \"maybe\"");
  EXPECT_EQ(run("true", "gone"), "status must be active, suspended or terminated, got \"gone\"");
}

TEST(MappingRecordTest, NestedJsonFieldsAndLists) {
  Loaded l =
      load(std::string(kBasic) +
           "  manager: \"{manager.id | default(\\\"\\\")}\"\n"
           "  groups: \"{teams}\"\n"
           "  phoneNumbers:\n    - { value: \"{phones.0.number}\", type: \"{phones.0.kind}\" }\n");
  ASSERT_THAT(l.diags, IsEmpty());
  Record r = aRecord({{"id", "1"},
                      {"email", "a@b.example"},
                      {"first", "A"},
                      {"last", "B"},
                      {"manager.id", "EMP-9"},
                      {"phones.0.number", "+442071234567"},
                      {"phones.0.kind", "mobile"}});
  r.fields.push_back({"teams", FieldValue{"", {"Sales", "Billing", "Sales", ""}, true, false}});
  MappedRecord m = l.mapping->map(r);
  ASSERT_THAT(m.problems, IsEmpty());
  EXPECT_EQ(m.user.manager, "EMP-9");
  EXPECT_EQ(m.user.groups, (std::vector<std::string>{"Billing", "Sales"}));
  EXPECT_EQ(m.user.phone_numbers, (std::vector<PhoneNumber>{{"+442071234567", "mobile"}}));
  // A JSON null manager: declared empty.
  Record no_manager = r;
  no_manager.fields[4].second = FieldValue{"", {}, false, true};
  EXPECT_EQ(l.mapping->map(no_manager).user.manager, "");
}

TEST(MappingRecordTest, ListAttributesFromColumns) {
  Loaded l = load(std::string(kBasic) + R"(  phoneNumbers:
    - { value: "{work_phone}", type: work }
    - { value: "{cell}", type: mobile }
  routingSkills:
    - { name: "{skill1}", proficiency: "{level1}" }
    - { name: "{skill2}", proficiency: "{level2 | default(\"1\")}" }
)");
  ASSERT_THAT(l.diags, IsEmpty());
  auto run = [&](std::vector<std::pair<std::string, std::string>> extra) {
    std::vector<std::pair<std::string, std::string>> f = {
        {"id", "1"}, {"email", "a@b.example"}, {"first", "A"}, {"last", "B"}};
    f.insert(f.end(), extra.begin(), extra.end());
    return l.mapping->map(aRecord(f));
  };
  MappedRecord m = run({{"work_phone", "+15550100"},
                        {"cell", "+15550101"},
                        {"skill1", "Sales"},
                        {"level1", "4"},
                        {"skill2", "Billing"},
                        {"level2", ""}});
  ASSERT_THAT(m.problems, IsEmpty());
  EXPECT_EQ(m.user.phone_numbers,
            (std::vector<PhoneNumber>{{"+15550101", "mobile"}, {"+15550100", "work"}}));
  EXPECT_EQ(m.user.routing_skills, (std::vector<Proficiency>{{"Billing", 1}, {"Sales", 4}}));

  m = run({{"work_phone", ""},
           {"cell", ""},
           {"skill1", ""},
           {"level1", ""},
           {"skill2", ""},
           {"level2", ""}});
  ASSERT_THAT(m.problems, IsEmpty());
  EXPECT_EQ(m.user.phone_numbers, std::vector<PhoneNumber>{});  // declared empty
  EXPECT_EQ(m.user.routing_skills, std::vector<Proficiency>{});

  m = run({{"work_phone", "555-0100"},
           {"cell", ""},
           {"skill1", "Sales"},
           {"level1", "9"},
           {"skill2", "Sales"},
           {"level2", "x"}});
  EXPECT_THAT(m.problems,
              ElementsAre("phone number \"555-0100\" must be E.164 (+15550100) or "
                          "tel:+15550100;ext=123",
                          "routingSkills \"Sales\": proficiency must be between 0 and 5, got 9",
                          "routingSkills \"Sales\": proficiency \"x\" is not a number"));
  EXPECT_FALSE(m.user.phone_numbers);
  EXPECT_FALSE(m.user.routing_skills);
}

TEST(MappingRecordTest, TemplatedPhoneTypesAndDuplicates) {
  Loaded l = load(std::string(kBasic) + R"(  phoneNumbers:
    - { value: "{p1}", type: "{t1}" }
    - { value: "{p2}", type: "{t2}" }
)");
  ASSERT_THAT(l.diags, IsEmpty());
  auto run = [&](const std::string& t1, const std::string& t2) {
    return l.mapping
        ->map(aRecord({{"id", "1"},
                       {"email", "a@b.example"},
                       {"first", "A"},
                       {"last", "B"},
                       {"p1", "+15550100"},
                       {"p2", "+15550101"},
                       {"t1", t1},
                       {"t2", t2}}))
        .problems;
  };
  EXPECT_THAT(run("work", "home"), IsEmpty());
  EXPECT_THAT(run("work", "work"),
              ElementsAre("one phone number per type: \"work\" is given twice"));
  EXPECT_THAT(run("wrok", "home"),
              ElementsAre("unknown phone type \"wrok\" (did you mean \"work\"?)"));
}

TEST(MappingRecordTest, ProficienciesFromOneColumn) {
  Loaded l = load(std::string(kBasic) + "  routingSkills: \"{skills | split(\\\";\\\")}\"\n");
  ASSERT_THAT(l.diags, IsEmpty());
  auto run = [&](const std::string& skills) {
    return l.mapping->map(aRecord({{"id", "1"},
                                   {"email", "a@b.example"},
                                   {"first", "A"},
                                   {"last", "B"},
                                   {"skills", skills}}));
  };
  EXPECT_EQ(run("Billing:3; Sales : 4.5").user.routing_skills,
            (std::vector<Proficiency>{{"Billing", 3}, {"Sales", 4.5}}));
  EXPECT_EQ(run("").user.routing_skills, std::vector<Proficiency>{});
  EXPECT_THAT(run("Billing").problems,
              ElementsAre("routingSkills: \"Billing\" is not NAME:PROFICIENCY (Billing:3)"));
  EXPECT_THAT(run("Billing:3;Billing:4").problems,
              ElementsAre("duplicate \"Billing\" in \"routingSkills\""));
}

TEST(MappingRecordTest, EmailsTemplateAndYamlForm) {
  for (const char* emails : {"  emails: \"{e}\"\n", "  emails: [{ value: \"{e}\", type: work }]\n",
                             "  emails: [{ value: \"{e}\" }]\n"}) {
    Loaded l = load(std::string(kBasic) + emails);
    ASSERT_THAT(l.diags, IsEmpty()) << emails;
    auto run = [&](const std::string& e) {
      return l.mapping->map(aRecord(
          {{"id", "1"}, {"email", "a@b.example"}, {"first", "A"}, {"last", "B"}, {"e", e}}));
    };
    EXPECT_EQ(run("ada@work.example").user.work_email, "ada@work.example");
    EXPECT_EQ(run("").user.work_email, "");  // declared empty
    EXPECT_THAT(run("ada@").problems, ElementsAre("email \"ada@\" is not an email address"));
  }
  Loaded none = load(std::string(kBasic) + "  emails: []\n");
  ASSERT_THAT(none.diags, IsEmpty());
  EXPECT_EQ(none.mapping->map(aRecord({{"id", "1"}, {"email", "a@b.example"}})).user.work_email,
            "");
}

TEST(MappingRecordTest, RejectsKeepTheExternalIdWhenItCanBeRead) {
  Loaded l = load(std::string(kBasic) + "  department: \"{dept | map(d)}\"\n" +
                  "tables:\n  d: { \"100\": SUPPORT }\n");
  ASSERT_THAT(l.diags, IsEmpty());
  MappedRecord bad_email = l.mapping->map(
      aRecord({{"id", "1001"}, {"email", "bob@"}, {"first", "B"}, {"last", "C"}, {"dept", "300"}}));
  EXPECT_THAT(bad_email.problems, ElementsAre("userName \"bob@\" is not an email address",
                                              "department: map(d): no entry \"300\""));
  EXPECT_EQ(bad_email.external_id, "EMP-1001");  // still shields the person
}

TEST(MappingRecordTest, AnEmptyExternalIdIsARejectWithoutOne) {
  Loaded l = load("mapping:\n  externalId: \"{id}\"\n  userName: \"{email}\"\n  displayName: x\n");
  ASSERT_THAT(l.diags, IsEmpty());
  MappedRecord m = l.mapping->map(aRecord({{"id", ""}, {"email", "a@b.example"}}));
  EXPECT_THAT(m.problems, ElementsAre("externalId must not be empty"));
  EXPECT_EQ(m.external_id, "");
  m = l.mapping->map(aRecord({{"email", "a@b.example"}}));  // no such field at all
  EXPECT_THAT(m.problems, ElementsAre("externalId must not be empty"));
}

TEST(MappingRecordTest, TheRecordsOwnProblemComesFirst) {
  Loaded l = load(kBasic);
  Record r = aRecord({{"id", "5"}, {"email", "x"}, {"first", "A"}, {"last", "B"}});
  r.problem = "invalid UTF-8 in field 3";
  MappedRecord m = l.mapping->map(r);
  EXPECT_THAT(m.problems,
              ElementsAre("invalid UTF-8 in field 3", "userName \"x\" is not an email address"));
  EXPECT_EQ(m.external_id, "EMP-5");
}

TEST(MappingRecordTest, OtherChecksOfTheYamlLoader) {
  MappingOptions options;
  options.max_attribute_length["title"] = 5;
  Loaded l =
      load(std::string(kBasic) + "  title: \"{t}\"\n  dateHire: \"{h}\"\n" + "  groups: \"{g}\"\n",
           options);
  ASSERT_THAT(l.diags, IsEmpty());
  auto run = [&](const std::string& first, const std::string& t, const std::string& h,
                 const std::string& g) {
    return l.mapping
        ->map(aRecord({{"id", "1"},
                       {"email", "a@b.example"},
                       {"first", first},
                       {"last", ""},
                       {"t", t},
                       {"h", h},
                       {"g", g}}))
        .problems;
  };
  EXPECT_THAT(run("A", "Lead", "2024-02-29", "x"), IsEmpty());
  EXPECT_THAT(
      run("A", "Leader", "", ""),
      ElementsAre("title is 6 characters long; the limit is 5 (policy.maxAttributeLength.title)"));
  EXPECT_THAT(run("A", "Ünï", "2023-02-29", ""),
              ElementsAre("dateHire \"2023-02-29\" is not a date (YYYY-MM-DD)"));
  // "{first} {last}" with both empty is " ": not empty. A displayName of "" is refused:
  Loaded empty_name =
      load("mapping:\n  externalId: x\n  userName: a@b.example\n  displayName: \"{n}\"\n");
  EXPECT_THAT(empty_name.mapping->map(aRecord({})).problems,
              ElementsAre("displayName must not be empty (Genesys Cloud requires it)"));
  // A list where one value is expected.
  Loaded list_title = load(std::string(kBasic) + "  title: \"{t | split(\\\",\\\")}\"\n");
  EXPECT_THAT(
      list_title.mapping->map(aRecord({{"id", "1"}, {"email", "a@b.example"}, {"t", "a,b"}}))
          .problems,
      ElementsAre("title: \"{t | split(\\\",\\\")}\" gives a list ([\"a\", \"b\"]); title "
                  "takes one value"));
}

// --- role terminations ------------------------------------------------------------------------

TEST(MappingTerminationsTest, DefaultsToTheRecordsFieldsAndReadsDatesAndInstants) {
  MappingOptions options;
  options.role = SourceRole::kTerminations;
  Loaded l = load("tables: {}\n", options);
  ASSERT_THAT(l.diags, IsEmpty());
  EXPECT_THAT(l.mapping->fields(), ElementsAre("externalId", "terminationDate"));
  auto run = [&](const std::string& id, const std::string& date) {
    return l.mapping->map(aRecord({{"externalId", id}, {"terminationDate", date}}));
  };
  MappedRecord m = run("E1", "2026-11-30");
  EXPECT_THAT(m.problems, IsEmpty());
  EXPECT_EQ(m.external_id, "E1");
  EXPECT_EQ(m.termination_at, "2026-11-30T00:00:00Z");
  EXPECT_EQ(run("E1", "2026-11-30T17:30:00+01:00").termination_at, "2026-11-30T16:30:00Z");
  EXPECT_EQ(run("E1", "2026-11-30T17:30:00.25Z").termination_at, "2026-11-30T17:30:00.250000Z");
  m = run("E2", "30/11/2026");
  EXPECT_THAT(m.problems,
              ElementsAre("terminationDate \"30/11/2026\" is neither a date "
                          "(YYYY-MM-DD) nor an ISO-8601 instant (2026-11-30T17:00:00Z)"));
  EXPECT_EQ(m.external_id, "E2");
  EXPECT_THAT(run("E3", "2026-02-30").problems, ElementsAre(::testing::HasSubstr("is neither")));
  EXPECT_THAT(run("E3", "").problems, ElementsAre("terminationDate must not be empty"));
}

TEST(MappingTerminationsTest, AMappingForTerminations) {
  MappingOptions options;
  options.role = SourceRole::kTerminations;
  Loaded l = load(
      "mapping:\n  externalId: \"EMP-{id}\"\n  terminationDate: \"{left | "
      "date(\\\"%d.%m.%Y\\\")}\"\n",
      options);
  ASSERT_THAT(l.diags, IsEmpty());
  MappedRecord m = l.mapping->map(aRecord({{"id", "4"}, {"left", "01.12.2026"}}));
  EXPECT_THAT(m.problems, IsEmpty());
  EXPECT_EQ(m.external_id, "EMP-4");
  EXPECT_EQ(m.termination_at, "2026-12-01T00:00:00Z");
  // Only externalId defaults when terminationDate is mapped, and the other way round.
  Loaded partial = load("mapping:\n  externalId: \"EMP-{id}\"\n", options);
  EXPECT_THAT(partial.mapping->fields(), ElementsAre("id", "terminationDate"));
  EXPECT_THAT(problemsOf("mapping:\n  userName: x\n", options),
              ElementsAre("hr.yaml:2:3: unknown attribute \"userName\" in mapping (a source of "
                          "role terminations maps externalId and terminationDate)"));
}

// --- explain ------------------------------------------------------------------------------------

TEST(MappingExplainTest, TracesEachAttributeWithItsTemplateCaseAndTable) {
  Loaded l = load(R"(mapping:
  externalId: "EMP-{id}"
  userName: "{email}"
  displayName: "{first} {last}"
  department: "{dept | map(departments, \"OTHER\")}"
  active:
    - when: 'status == "terminated"'
      value: false
    - value: true
  title:
    - when: level == "9"
      value: Boss
  phoneNumbers:
    - { value: "{phone}", type: work }
tables:
  departments: { "100": SUPPORT }
)");
  ASSERT_THAT(l.diags, IsEmpty());
  MappedRecord m = l.mapping->map(aRecord({{"id", "1"},
                                           {"email", "a@b.example"},
                                           {"first", "A"},
                                           {"last", "B"},
                                           {"dept", "100"},
                                           {"status", "terminated"},
                                           {"level", "1"},
                                           {"phone", "+15550100"}}),
                                  /*explain=*/true);
  ASSERT_THAT(m.problems, IsEmpty());
  std::vector<std::string> got;
  for (const AttributeTrace& t : m.trace) {
    got.push_back(t.attribute + " = " + t.value + " <- " + t.how + " @ " + t.where.toString());
  }
  EXPECT_THAT(
      got, ElementsAre(
               "externalId = EMP-1 <- \"EMP-{id}\" @ hr.yaml:2:3",
               "userName = a@b.example <- \"{email}\" @ hr.yaml:3:3",
               "displayName = A B <- \"{first} {last}\" @ hr.yaml:4:3",
               "department = SUPPORT <- \"{dept | map(departments, \\\"OTHER\\\")}\"; "
               "map(departments, \"OTHER\"): \"100\" → \"SUPPORT\" @ hr.yaml:5:3",
               "active = false <- case 1: when status == \"terminated\" → \"false\" @ hr.yaml:6:3",
               "title = (not set) <- no case holds @ hr.yaml:10:3",
               "phoneNumbers[0].value = +15550100 <- \"{phone}\" @ hr.yaml:14:7",
               "phoneNumbers[0].type = work <- \"work\" @ hr.yaml:14:7"));
}

}  // namespace
}  // namespace scim_agent
