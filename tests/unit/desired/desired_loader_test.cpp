#include "agent/desired/desired_loader.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/desired/desired_json.h"
#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Strings = std::vector<std::string>;

std::vector<std::string> messages(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags.items()) out.push_back(d.toString());
  return out;
}

constexpr const char* kHeader = "apiVersion: scim-agent/v1\nusers:\n";

// "  - externalId: ID / userName / displayName" (3 lines) plus `extra` lines (4-space indented).
std::string user(const std::string& id, const std::string& extra = "") {
  std::string name = id;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return "  - externalId: " + id + "\n    userName: " + name +
         "@corp.example\n    displayName: User " + id + "\n" + extra;
}

class DesiredTest : public ::testing::Test {
 protected:
  DesiredTest() : path_(dir_.file("users.yaml")) {}
  DesiredState loadText(const std::string& yaml, const LoadOptions& options = {}) {
    path_ = dir_.write("users.yaml", yaml);
    return loadPath(path_, options);
  }
  DesiredState loadPath(const std::string& path, const LoadOptions& options = {}) {
    diags_ = Diagnostics();
    return loadDesired(path, options, diags_);
  }
  // Loads kHeader + `users` and expects exactly one diagnostic.
  std::string onlyError(const std::string& users, const LoadOptions& options = {}) {
    loadText(kHeader + users, options);
    EXPECT_EQ(diags_.size(), 1u) << ::testing::PrintToString(messages(diags_));
    return diags_.empty() ? "" : diags_.items()[0].toString();
  }
  std::string at(int line, int column) const { return at(path_, line, column); }
  static std::string at(const std::string& file, int line, int column) {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  }

  TempDir dir_;
  std::string path_;
  Diagnostics diags_;
};

// --- Mapping ------------------------------------------------------------------------------------

TEST_F(DesiredTest, MapsEveryAttributeOfAUser) {
  DesiredState state = loadText(std::string(kHeader) +
                                "  - externalId: EMP-1001\n"
                                "    userName: jdoe@corp.example\n"
                                "    displayName: John Doe\n"
                                "    title: Support Engineer\n"
                                "    active: true\n"
                                "    emails: [{ value: j.doe@corp.example, type: work }]\n"
                                "    phoneNumbers:\n"
                                "      - { value: \"+15550100\", type: work }\n"
                                "      - { value: \"tel:+15550101;ext=12\", type: mobile }\n"
                                "      - { value: \"+15550102\", type: home }\n"
                                "    department: SUPPORT\n"
                                "    division: Home\n"
                                "    employeeNumber: \"1001\"\n"
                                "    dateHire: 2024-02-29\n"
                                "    manager: EMP-1000\n"
                                "    groups: [Support Agents, Escalations, Support Agents]\n"
                                "    roles: [supervisor, agent]\n"
                                "    routingSkills: [{ name: Networking, proficiency: 2 },"
                                " { name: Billing, proficiency: 3.5 }]\n"
                                "    routingLanguages: [{ name: English, proficiency: 5 }]\n" +
                                user("EMP-1000"));
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
  ASSERT_EQ(state.users.size(), 2u);
  const DesiredUser& u = state.users[0];
  EXPECT_EQ(u.external_id, "EMP-1001");
  EXPECT_EQ(u.user_name, "jdoe@corp.example");
  EXPECT_EQ(u.display_name, "John Doe");
  EXPECT_EQ(u.title, "Support Engineer");
  EXPECT_EQ(u.status, UserStatus::kActive);
  EXPECT_EQ(u.work_email, "j.doe@corp.example");
  ASSERT_TRUE(u.phone_numbers);
  EXPECT_EQ(*u.phone_numbers,
            (std::vector<PhoneNumber>{
                {"+15550102", "home"}, {"tel:+15550101;ext=12", "mobile"}, {"+15550100", "work"}}));
  EXPECT_EQ(u.department, "SUPPORT");
  EXPECT_EQ(u.division, "Home");
  EXPECT_EQ(u.employee_number, "1001");
  EXPECT_EQ(u.date_hire, "2024-02-29");
  EXPECT_EQ(u.manager, "EMP-1000");
  EXPECT_EQ(u.groups, (Strings{"Escalations", "Support Agents"}));
  EXPECT_EQ(u.roles, (Strings{"agent", "supervisor"}));
  EXPECT_EQ(u.routing_skills, (std::vector<Proficiency>{{"Billing", 3.5}, {"Networking", 2}}));
  EXPECT_EQ(u.routing_languages, (std::vector<Proficiency>{{"English", 5}}));
  EXPECT_EQ(u.source, (SourcePos{path_, 3, 5}));
  EXPECT_EQ(state.users[1].source, (SourcePos{path_, 22, 5}));
  EXPECT_EQ(state.digest.size(), 64u);
}

TEST_F(DesiredTest, UndeclaredAttributesStayNulloptAndEmptyOnesClear) {
  DesiredState state =
      loadText(std::string(kHeader) + user("EMP-1",
                                           "    title: \"\"\n    groups: []\n    emails: []\n"
                                           "    manager: \"\"\n"));
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
  const DesiredUser& u = state.users.at(0);
  EXPECT_EQ(u.title, "");
  EXPECT_EQ(u.groups, Strings{});
  EXPECT_EQ(u.work_email, "");
  EXPECT_EQ(u.manager, "");
  EXPECT_EQ(u.department, std::nullopt);
  EXPECT_EQ(u.phone_numbers, std::nullopt);
  EXPECT_EQ(u.roles, std::nullopt);
  EXPECT_EQ(u.routing_skills, std::nullopt);
}

TEST_F(DesiredTest, EmployeeNumberAsYamlNumberIsKeptAsWritten) {
  DesiredState state =
      loadText(std::string(kHeader) + user("EMP-1", "    employeeNumber: 01001\n"));
  ASSERT_TRUE(diags_.empty());
  EXPECT_EQ(state.users.at(0).employee_number, "01001");
}

TEST_F(DesiredTest, StatusAndActiveMapToUserStatus) {
  DesiredState state = loadText(std::string(kHeader) + user("EMP-1", "    active: false\n") +
                                user("EMP-2", "    status: terminated\n") +
                                user("EMP-3", "    status: suspended\n    active: false\n") +
                                user("EMP-4", "    status: active\n    active: true\n"));
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(state.users.at(0).status, UserStatus::kSuspended);
  EXPECT_EQ(state.users.at(1).status, UserStatus::kTerminated);
  EXPECT_EQ(state.users.at(2).status, UserStatus::kSuspended);
  EXPECT_EQ(state.users.at(3).status, UserStatus::kActive);
}

// --- One test per validation rule ---------------------------------------------------------------

TEST_F(DesiredTest, MissingApiVersionIsAnError) {
  loadText("users:\n" + user("EMP-1"));
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(1, 1) + "missing apiVersion: every spec file starts with "
                                     "\"apiVersion: scim-agent/v1\""));
}

TEST_F(DesiredTest, WrongApiVersionIsAnError) {
  loadText("apiVersion: scim-agent/v2\nusers:\n" + user("EMP-1"));
  EXPECT_THAT(
      messages(diags_),
      ElementsAre(at(1, 1) + "unsupported apiVersion \"scim-agent/v2\" (expected scim-agent/v1)"));
}

TEST_F(DesiredTest, MissingExternalIdIsAnError) {
  EXPECT_EQ(onlyError("  - userName: a@corp.example\n    displayName: A\n"),
            at(3, 5) + "missing required key \"externalId\"");
}

TEST_F(DesiredTest, MissingUserNameIsAnError) {
  EXPECT_EQ(onlyError("  - externalId: EMP-1\n    displayName: A\n"),
            at(3, 5) + "missing required key \"userName\"");
}

TEST_F(DesiredTest, UserNameMustBeAnEmail) {
  EXPECT_EQ(onlyError("  - externalId: EMP-1\n    userName: jdoe\n    displayName: A\n"),
            at(4, 5) + "userName \"jdoe\" is not an email address");
}

TEST_F(DesiredTest, DisplayNameIsRequiredForGenesys) {
  EXPECT_EQ(onlyError("  - externalId: EMP-1\n    userName: a@corp.example\n"),
            at(3, 5) + "missing required key \"displayName\" (Genesys Cloud requires it)");
  LoadOptions scim;
  scim.target_kind = "scim";
  loadText(std::string(kHeader) + "  - externalId: EMP-1\n    userName: a@corp.example\n", scim);
  EXPECT_TRUE(diags_.empty());
}

TEST_F(DesiredTest, NameIsRefusedForGenesys) {
  EXPECT_EQ(onlyError(user("EMP-1", "    name: { givenName: John, familyName: Doe }\n")),
            at(6, 5) + "name is not supported by Genesys Cloud; use displayName");
}

TEST_F(DesiredTest, NameIsAcceptedForScim) {
  LoadOptions scim;
  scim.target_kind = "scim";
  loadText(std::string(kHeader) + user("EMP-1", "    name: { givenName: John, familyName: Doe }\n"),
           scim);
  EXPECT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
}

TEST_F(DesiredTest, ContradictoryActiveAndStatusIsAnError) {
  EXPECT_EQ(onlyError(user("EMP-1", "    active: true\n    status: terminated\n")),
            at(7, 5) + "active: true contradicts status: terminated");
}

TEST_F(DesiredTest, UnknownStatusIsAnError) {
  EXPECT_EQ(onlyError(user("EMP-1", "    status: retired\n")),
            at(6, 5) + "status must be active, suspended or terminated, got \"retired\"");
}

TEST_F(DesiredTest, ActiveMustBeABoolean) {
  EXPECT_EQ(onlyError(user("EMP-1", "    active: \"yes\"\n")),
            at(6, 5) +
                "expected a boolean (true or false) for \"active\", got the quoted string "
                "\"yes\"");
}

TEST_F(DesiredTest, EmailOfTypeOtherIsReadOnly) {
  EXPECT_EQ(onlyError(user("EMP-1",
                           "    emails:\n      - value: x@corp.example\n"
                           "        type: other\n")),
            at(8, 9) + "emails of type other mirror userName and are read-only");
}

TEST_F(DesiredTest, AtMostOneWorkEmail) {
  EXPECT_EQ(onlyError(user("EMP-1",
                           "    emails:\n      - { value: a@corp.example, type: work }\n"
                           "      - { value: b@corp.example }\n")),
            at(8, 9) + "at most one work email (first at " + path_ + ":7:9)");
}

TEST_F(DesiredTest, BadEmailIsAnError) {
  EXPECT_EQ(onlyError(user("EMP-1", "    emails: [{ value: \"not an email\", type: work }]\n")),
            at(6, 16) + "email \"not an email\" is not an email address");
}

TEST_F(DesiredTest, UnknownEmailTypeIsAnError) {
  EXPECT_EQ(onlyError(user("EMP-1", "    emails: [{ value: a@corp.example, type: home }]\n")),
            at(6, 39) + "email type must be work, got \"home\"");
}

TEST_F(DesiredTest, PhoneNumberMustBeE164) {
  EXPECT_EQ(
      onlyError(user("EMP-1", "    phoneNumbers: [{ value: \"555-0100\", type: work }]\n")),
      at(6, 22) + "phone number \"555-0100\" must be E.164 (+15550100) or tel:+15550100;ext=123");
}

TEST_F(DesiredTest, OnePhoneNumberPerType) {
  EXPECT_EQ(onlyError(user("EMP-1",
                           "    phoneNumbers:\n"
                           "      - { value: \"+15550100\", type: work }\n"
                           "      - { value: \"+15550101\", type: work }\n")),
            at(8, 31) + "one phone number per type: \"work\" is already at " + path_ + ":7:31");
}

TEST_F(DesiredTest, UnknownPhoneTypeIsAnError) {
  EXPECT_EQ(onlyError(user("EMP-1", "    phoneNumbers: [{ value: \"+15550100\", type: mobil }]\n")),
            at(6, 42) + "unknown phone type \"mobil\" (did you mean \"mobile\"?)");
}

TEST_F(DesiredTest, DateHireMustBeARealDate) {
  EXPECT_EQ(onlyError(user("EMP-1", "    dateHire: 2023-02-29\n")),
            at(6, 5) + "dateHire \"2023-02-29\" is not a date (YYYY-MM-DD)");
  EXPECT_EQ(onlyError(user("EMP-1", "    dateHire: 01/03/2024\n")),
            at(6, 5) + "dateHire \"01/03/2024\" is not a date (YYYY-MM-DD)");
}

TEST_F(DesiredTest, ManagerMustExistAmongDesiredUsers) {
  EXPECT_EQ(onlyError(user("EMP-1", "    manager: EMP-9\n")),
            at(6, 5) + "manager \"EMP-9\" is not the externalId of any desired user");
}

TEST_F(DesiredTest, ManagerCannotBeTheUserItself) {
  EXPECT_EQ(onlyError(user("EMP-1", "    manager: EMP-1\n")),
            at(6, 5) + "manager \"EMP-1\" is the user itself");
}

TEST_F(DesiredTest, RoleMustBeAllowedForTheDepartment) {
  loadText(std::string(kHeader) +
           user("EMP-1", "    department: SUPPORT\n    roles: [admin, agent]\n") +
           "policy:\n  roles: { SUPPORT: [agent, supervisor] }\n");
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(7, 5) + "role \"admin\" is not allowed for department SUPPORT "
                                     "(allowed: agent, supervisor)"));
}

TEST_F(DesiredTest, UnknownDepartmentIsAnErrorWhenDepartmentsAreDeclared) {
  loadText(std::string(kHeader) + user("EMP-1", "    department: SUPORT\n") +
           "groupsByDepartment: { SUPPORT: [Support Agents] }\n");
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(6, 5) + "unknown department \"SUPORT\" (not in groupsByDepartment "
                                     "or policy.roles; did you mean \"SUPPORT\"?)"));
  // Without groupsByDepartment or policy.roles any department goes.
  loadText(std::string(kHeader) + user("EMP-1", "    department: ANYTHING\n"));
  EXPECT_TRUE(diags_.empty());
}

TEST_F(DesiredTest, ProficiencyMustBeBetweenZeroAndFive) {
  EXPECT_EQ(onlyError(user("EMP-1", "    routingSkills: [{ name: Billing, proficiency: 7 }]\n")),
            at(6, 38) + "proficiency must be between 0 and 5, got 7");
}

TEST_F(DesiredTest, RoutingNamesMustBeUnique) {
  EXPECT_EQ(
      onlyError(user("EMP-1",
                     "    routingLanguages:\n"
                     "      - { name: English, proficiency: 5 }\n"
                     "      - { name: English, proficiency: 3 }\n")),
      at(8, 11) + "duplicate \"English\" in \"routingLanguages\" (first at " + path_ + ":7:11)");
}

TEST_F(DesiredTest, AtMostFiftyRoutingSkills) {
  std::string skills = "    routingSkills:\n";
  for (int i = 0; i < 51; ++i) {
    skills += "      - { name: S" + std::to_string(i) + ", proficiency: 1 }\n";
  }
  EXPECT_EQ(onlyError(user("EMP-1", skills)),
            at(6, 5) + "at most 50 entries in \"routingSkills\", got 51");
}

TEST_F(DesiredTest, UnknownKeySuggestsTheClosestKey) {
  EXPECT_EQ(onlyError(user("EMP-1", "    titel: Lead\n")),
            at(6, 5) + "unknown key \"titel\" (did you mean \"title\"?)");
}

TEST_F(DesiredTest, UnknownKeyWithoutCloseMatch) {
  EXPECT_EQ(onlyError(user("EMP-1", "    favouriteColour: blue\n")),
            at(6, 5) + "unknown key \"favouriteColour\"");
}

TEST_F(DesiredTest, UnknownKeyInsideAListItem) {
  EXPECT_EQ(onlyError(user("EMP-1", "    emails: [{ value: a@corp.example, typ: work }]\n")),
            at(6, 39) + "unknown key \"typ\" (did you mean \"type\"?)");
}

TEST_F(DesiredTest, UnknownTopLevelKey) {
  loadText("apiVersion: scim-agent/v1\nuser:\n" + user("EMP-1"));
  ASSERT_FALSE(diags_.empty());
  EXPECT_EQ(messages(diags_)[0], at(2, 1) + "unknown key \"user\" (did you mean \"users\"?)");
}

TEST_F(DesiredTest, WrongTypeNamesTheKeyAndWhatWasFound) {
  EXPECT_EQ(onlyError(user("EMP-1", "    title: [Lead]\n")),
            at(6, 5) + "expected a string for \"title\", got a sequence");
}

TEST_F(DesiredTest, NullIsAWrongType) {
  EXPECT_EQ(onlyError(user("EMP-1", "    title:\n")),
            at(6, 5) + "expected a string for \"title\", got null");
}

TEST_F(DesiredTest, YamlSyntaxErrorIsOneDiagnostic) {
  loadText(std::string(kHeader) + "  - externalId: EMP-1\n    userName: [a@corp.example\n");
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_THAT(messages(diags_)[0], ::testing::StartsWith(path_ + ":"));
  EXPECT_THAT(messages(diags_)[0], HasSubstr("YAML syntax error: "));
  EXPECT_GT(diags_.items()[0].pos.line, 0);
  EXPECT_GT(diags_.items()[0].pos.column, 0);
}

TEST_F(DesiredTest, DuplicateExternalIdNamesTheFirstPlace) {
  loadText(std::string(kHeader) + user("EMP-7") +
           "  - externalId: EMP-7\n"
           "    userName: other@corp.example\n"
           "    displayName: Other\n");
  EXPECT_THAT(messages(diags_), ElementsAre(at(6, 5) + "duplicate externalId \"EMP-7\" (first at " +
                                            path_ + ":3:5)"));
}

TEST_F(DesiredTest, ExternalIdIsCaseExact) {
  loadText(std::string(kHeader) +
           "  - externalId: emp-7\n    userName: a@corp.example\n"
           "    displayName: A\n" +
           user("EMP-7"));
  EXPECT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
}

TEST_F(DesiredTest, DuplicateUserNameIsCaseInsensitive) {
  loadText(std::string(kHeader) + user("EMP-1") +
           "  - externalId: EMP-2\n"
           "    userName: EMP-1@Corp.Example\n"
           "    displayName: Other\n");
  EXPECT_THAT(messages(diags_), ElementsAre(at(6, 5) +
                                            "duplicate userName \"EMP-1@Corp.Example\" "
                                            "(first at " +
                                            path_ + ":3:5)"));
}

TEST_F(DesiredTest, DuplicatesAcrossFilesNameBothFiles) {
  const std::string a = dir_.write("specs/a.yaml", std::string(kHeader) + user("EMP-1"));
  const std::string b = dir_.write("specs/b.yaml", std::string(kHeader) + user("EMP-1"));
  loadPath(dir_.file("specs"));
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(b, 3, 5) + "duplicate externalId \"EMP-1\" (first at " + a + ":3:5)",
                          at(b, 3, 5) + "duplicate userName \"emp-1@corp.example\" (first at " + a +
                              ":3:5)"));
}

TEST_F(DesiredTest, ReportsEveryErrorAtOnce) {
  loadText(std::string(kHeader) +
           "  - externalId: EMP-1\n"         // 3
           "    userName: not-an-email\n"    // 4  bad userName
           "    displayName: A\n"            // 5
           "    titel: Lead\n"               // 6  unknown key
           "    dateHire: 2024-13-01\n"      // 7  bad date
           "    manager: EMP-404\n"          // 8  unknown manager
           "  - externalId: EMP-1\n"         // 9  duplicate externalId
           "    userName: b@corp.example\n"  // 10
           "    displayName: B\n");          // 11
  EXPECT_EQ(diags_.size(), 5u) << ::testing::PrintToString(messages(diags_));
  std::vector<std::string> sorted;
  for (const Diagnostic& d : diags_.sorted()) sorted.push_back(d.toString());
  EXPECT_THAT(
      sorted,
      ElementsAre(at(4, 5) + "userName \"not-an-email\" is not an email address",
                  at(6, 5) + "unknown key \"titel\" (did you mean \"title\"?)",
                  at(7, 5) + "dateHire \"2024-13-01\" is not a date (YYYY-MM-DD)",
                  at(8, 5) + "manager \"EMP-404\" is not the externalId of any desired user",
                  at(9, 5) + "duplicate externalId \"EMP-1\" (first at " + path_ + ":3:5)"));
}

// --- Defaults, groupsByDepartment, policy -------------------------------------------------------

TEST_F(DesiredTest, DefaultsFillWhatTheUserDoesNotDeclare) {
  DesiredState state =
      loadText(std::string(kHeader) + user("EMP-1", "    title: Lead\n    groups: [Leads]\n") +
               user("EMP-2") +
               "defaults:\n"
               "  division: Home\n"
               "  title: Agent\n"
               "  groups: [Everyone]\n"
               "  status: suspended\n");
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
  const DesiredUser& lead = state.users.at(0);
  EXPECT_EQ(lead.title, "Lead");             // own value wins
  EXPECT_EQ(lead.groups, Strings{"Leads"});  // lists are replaced, not concatenated
  EXPECT_EQ(lead.division, "Home");
  EXPECT_EQ(lead.status, UserStatus::kSuspended);
  const DesiredUser& plain = state.users.at(1);
  EXPECT_EQ(plain.title, "Agent");
  EXPECT_EQ(plain.groups, Strings{"Everyone"});
  EXPECT_EQ(plain.division, "Home");
}

TEST_F(DesiredTest, DefaultsCannotSetIdentifiers) {
  loadText(std::string(kHeader) + user("EMP-1") + "defaults:\n  externalId: X\n");
  EXPECT_THAT(
      messages(diags_),
      ElementsAre(at(7, 3) + "externalId identifies one user and cannot be set in defaults"));
}

TEST_F(DesiredTest, BadDefaultIsReportedOnceNotPerUser) {
  loadText(std::string(kHeader) + user("EMP-1") + user("EMP-2") +
           "defaults:\n  department: NOPE\ngroupsByDepartment: { SUPPORT: [Support Agents] }\n");
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(10, 3) + "unknown department \"NOPE\" (not in groupsByDepartment or "
                                      "policy.roles)"));
}

TEST_F(DesiredTest, GroupsByDepartmentSeedsTheGroups) {
  DesiredState state = loadText(std::string(kHeader) +
                                user("EMP-1",
                                     "    department: SUPPORT\n    groups: [Escalations, "
                                     "Support Agents]\n") +
                                user("EMP-2", "    department: SUPPORT\n") +
                                user("EMP-3", "    department: SALES\n") +
                                "groupsByDepartment:\n"
                                "  SUPPORT: [Support Agents, All Staff]\n"
                                "  SALES: []\n");
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(state.users.at(0).groups, (Strings{"All Staff", "Escalations", "Support Agents"}));
  EXPECT_EQ(state.users.at(1).groups, (Strings{"All Staff", "Support Agents"}));
  EXPECT_EQ(state.users.at(2).groups, Strings{});
  EXPECT_EQ(state.groups_by_department.at("SUPPORT"), (Strings{"All Staff", "Support Agents"}));
}

TEST_F(DesiredTest, SpecPolicyOverridesAgentPolicyKeyByKey) {
  LoadOptions options;
  options.base_policy.on_removal = RemovalPolicy::kDelete;
  options.base_policy.max_destructive_count = 3;
  options.base_policy.scope_external_id_pattern = "^OLD-";
  DesiredState state = loadText(std::string(kHeader) + user("EMP-1") +
                                    "policy:\n"
                                    "  scope: { externalIdPattern: \"^EMP-\" }\n"
                                    "  maxDestructive: { percent: 1 }\n",
                                options);
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(state.policy.scope_external_id_pattern, "^EMP-");
  EXPECT_EQ(state.policy.on_removal, RemovalPolicy::kDelete);  // from agent.yaml
  EXPECT_EQ(state.policy.max_destructive_count, 3);            // from agent.yaml
  EXPECT_EQ(state.policy.max_destructive_percent, 1);          // from the spec
}

TEST_F(DesiredTest, SectionsMayAppearInOneFileOnly) {
  const std::string a =
      dir_.write("d/a.yaml", "apiVersion: scim-agent/v1\npolicy:\n  unmanaged: report\n");
  const std::string b = dir_.write(
      "d/b.yaml", "apiVersion: scim-agent/v1\ndefaults: {}\npolicy:\n  unmanaged: ignore\n");
  const std::string c = dir_.write("d/c.yaml", "apiVersion: scim-agent/v1\ndefaults: {}\n");
  loadPath(dir_.file("d"));
  EXPECT_THAT(
      messages(diags_),
      ElementsAre(
          at(b, 3, 1) + "\"policy\" may appear in one file only (first at " + a + ":2:1)",
          at(c, 2, 1) + "\"defaults\" may appear in one file only (first at " + b + ":2:1)"));
}

// --- Files and directories ----------------------------------------------------------------------

TEST_F(DesiredTest, DirectoryIsReadInNameOrder) {
  dir_.write("d/20-b.yaml", std::string(kHeader) + user("EMP-3"));
  dir_.write("d/10-a.yml", std::string(kHeader) + user("EMP-2") + user("EMP-1"));
  dir_.write("d/notes.txt", "not yaml");
  dir_.write("d/.hidden.yaml", "garbage: [");
  dir_.write("d/sub/x.yaml", "garbage: [");
  DesiredState state = loadPath(dir_.file("d"));
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));
  ASSERT_EQ(state.users.size(), 3u);
  EXPECT_EQ(state.users[0].external_id, "EMP-2");
  EXPECT_EQ(state.users[1].external_id, "EMP-1");
  EXPECT_EQ(state.users[2].external_id, "EMP-3");
  EXPECT_EQ(state.users[2].source.file, dir_.file("d/20-b.yaml"));
  EXPECT_EQ(desiredFiles(dir_.file("d")),
            (Strings{dir_.file("d/10-a.yml"), dir_.file("d/20-b.yaml")}));
}

TEST_F(DesiredTest, MissingPathIsAnError) {
  const std::string missing = dir_.file("nope");
  DesiredState state = loadPath(missing);
  EXPECT_THAT(messages(diags_),
              ElementsAre(missing + ": desired state not found: no such file or directory"));
  EXPECT_TRUE(state.users.empty());
}

TEST_F(DesiredTest, EmptyDirectoryAndEmptyUsersAreNotErrors) {
  std::filesystem::create_directories(dir_.file("empty"));
  DesiredState state = loadPath(dir_.file("empty"));
  EXPECT_TRUE(diags_.empty());
  EXPECT_TRUE(state.users.empty());
  EXPECT_EQ(state.digest.size(), 64u);

  loadText("apiVersion: scim-agent/v1\nusers: []\n");
  EXPECT_TRUE(diags_.empty());
  loadText("# nothing yet\n");
  EXPECT_TRUE(diags_.empty());
}

// --- Digest -------------------------------------------------------------------------------------

TEST_F(DesiredTest, DigestIgnoresFileLayoutAndOrder) {
  const std::string policy = "policy:\n  roles: { SUPPORT: [agent] }\n";
  const std::string gbd = "groupsByDepartment: { SUPPORT: [Support Agents] }\n";
  const std::string u1 = user("EMP-1", "    department: SUPPORT\n    roles: [agent]\n");
  const std::string u2 = user("EMP-2", "    title: Lead\n    groups: [B, A]\n");

  dir_.write("one/all.yaml", std::string(kHeader) + u1 + u2 + policy + gbd);
  DesiredState one = loadPath(dir_.file("one"));
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));

  dir_.write("two/a.yaml", std::string(kHeader) + u2 + gbd);
  dir_.write("two/b.yaml", "# policy last\n" + policy + "apiVersion: scim-agent/v1\nusers:\n" + u1);
  DesiredState two = loadPath(dir_.file("two"));
  ASSERT_TRUE(diags_.empty()) << ::testing::PrintToString(messages(diags_));

  EXPECT_EQ(one.digest, two.digest);

  dir_.write("three/all.yaml", std::string(kHeader) + u1 +
                                   user("EMP-2", "    title: Senior Lead\n    groups: [B, A]\n") +
                                   policy + gbd);
  DesiredState three = loadPath(dir_.file("three"));
  ASSERT_TRUE(diags_.empty());
  EXPECT_NE(one.digest, three.digest);

  dir_.write("four/all.yaml", std::string(kHeader) + u1 + u2 +
                                  "policy:\n  roles: { SUPPORT: [agent, supervisor] }\n" + gbd);
  DesiredState four = loadPath(dir_.file("four"));
  ASSERT_TRUE(diags_.empty());
  EXPECT_NE(one.digest, four.digest);
}

TEST_F(DesiredTest, DigestDistinguishesUndeclaredFromEmpty) {
  DesiredState undeclared = loadText(std::string(kHeader) + user("EMP-1"));
  DesiredState empty = loadText(std::string(kHeader) + user("EMP-1", "    title: \"\"\n"));
  DesiredState terminated =
      loadText(std::string(kHeader) + user("EMP-1", "    status: terminated\n"));
  EXPECT_NE(undeclared.digest, empty.digest);
  EXPECT_NE(undeclared.digest, terminated.digest);
  EXPECT_EQ(desiredUserJson(undeclared.users.at(0)).has("title"), false);
  EXPECT_EQ(desiredUserJson(empty.users.at(0)).getString("title", "?"), "");
}

// --- The example in specs/ ----------------------------------------------------------------------

TEST(DesiredExampleTest, ExampleOrgLoadsWithoutDiagnostics) {
  Diagnostics diags;
  DesiredState state =
      loadDesired(std::string(SCIM_AGENT_SOURCE_DIR) + "/specs/example/org.yaml", {}, diags);
  EXPECT_TRUE(diags.empty()) << ::testing::PrintToString(messages(diags));
  EXPECT_GE(state.users.size(), 10u);
  EXPECT_EQ(state.policy.scope_external_id_pattern, "^EMP-");
  bool has_terminated = false;
  for (const DesiredUser& u : state.users) {
    has_terminated = has_terminated || u.status == UserStatus::kTerminated;
  }
  EXPECT_TRUE(has_terminated);
}

// --- Validation helpers -------------------------------------------------------------------------

TEST(DesiredValidationTest, EmailShapes) {
  for (const char* ok : {"a@corp.example", "j.doe+x@mail.corp.example", "A_B@x-y.io"}) {
    EXPECT_TRUE(looksLikeEmail(ok)) << ok;
  }
  for (const char* bad :
       {"", "a", "a@", "@corp.example", "a@corp", "a b@corp.example", "a@@corp.example",
        "a@corp..example", ".a@corp.example", "a@-corp.example", "a@corp.e"}) {
    EXPECT_FALSE(looksLikeEmail(bad)) << bad;
  }
}

TEST(DesiredValidationTest, PhoneShapes) {
  for (const char* ok : {"+15550100", "+442071234567", "tel:+15550100", "tel:+15550100;ext=123"}) {
    EXPECT_TRUE(isValidPhoneNumber(ok)) << ok;
  }
  for (const char* bad : {"", "15550100", "+", "+0123", "+1555-0100", "tel:15550100",
                          "tel:+15550100;ext=", "tel:+15550100;foo=1", "+1234567890123456"}) {
    EXPECT_FALSE(isValidPhoneNumber(bad)) << bad;
  }
}

TEST(DesiredValidationTest, Dates) {
  EXPECT_TRUE(isValidDate("2024-02-29"));
  EXPECT_TRUE(isValidDate("2000-02-29"));
  EXPECT_FALSE(isValidDate("1900-02-29"));
  EXPECT_FALSE(isValidDate("2023-02-29"));
  EXPECT_FALSE(isValidDate("2024-04-31"));
  EXPECT_FALSE(isValidDate("2024-4-01"));
  EXPECT_FALSE(isValidDate("2024-00-10"));
}

}  // namespace
}  // namespace scim_agent
