// Issue #11: HR exports as desired state, end to end: the real scim-agent reads a CSV or JSON
// export named by agent.yaml's `sources:` (location relative to agent.yaml's folder), maps it,
// merges it with the YAML users, and plans against genesys-sim. The tests assert the simulator's
// end state, its request counters and the exit codes; the S3 and https fetches have their own
// tests (the fetch helper's).
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/harness.h"
#include "tests/support/org.h"
#include "tests/support/plan_doc.h"

namespace scim_agent::testing {
namespace {

const char* kEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

// The mapping of every users source here: a template, filters, a lookup table and a when-case.
const char* kUsersMapping = R"(    mapping:
      externalId: "EMP-{id}"
      userName: "{email | lower | trim}"
      displayName: "{first_name} {last_name}"
      department: "{dept | map(departments)}"
      active:
        - when: 'status == "terminated"'
          value: false
        - value: true
    tables:
      departments: { "100": Support, "200": Engineering }
)";

const char* kCsvHeader = "id,first_name,last_name,email,dept,status\n";

std::string number(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", n);
  return buf;
}

// One CSV row of person n: "0007,Person,0007,user0007@corp.example,100,active"; a bad row has an
// email without "@" (its externalId is still readable).
std::string csvRow(int n, bool bad = false, const std::string& status = "active") {
  const std::string email = bad ? "user" + number(n) + ".corp.example" : employeeMail(n);
  return number(n) + ",Person," + number(n) + "," + email + ",100," + status + "\n";
}

// A CSV of persons first..last, the ones in `bad` with a bad email.
std::string staffCsv(int first, int last, const std::set<int>& bad = {}) {
  std::string csv = kCsvHeader;
  for (int n = first; n <= last; ++n) csv += csvRow(n, bad.count(n) > 0);
  return csv;
}

// Live person n as seeded: displayName "Old n" (so a CSV row of theirs is a PATCH), in Everyone.
Person live(int n) {
  return {.external_id = employeeId(n), .user_name = employeeMail(n), .display_name = "Old " + number(n)};
}

// A person of the YAML file (EMP-09nn, outside the CSVs' numbers).
Person yamlPerson(int n) {
  return {.external_id = employeeId(900 + n), .user_name = employeeMail(900 + n),
          .display_name = "Yaml " + number(900 + n)};
}

std::string usersSource(const std::string& location, const std::string& type = "csv") {
  return "  - type: " + type + "\n    location: " + location + "\n    role: users\n" + kUsersMapping;
}

// An agent.yaml for `sim` with desired/users.yaml (the YAML people and `policy` lines) and the
// given `sources:` entries; returns its path.
std::string hrConfig(const TempDir& dir, const SimProcess& sim, const std::vector<Person>& yaml,
                     const std::string& sources, const std::string& policy = "") {
  return writeSourcesConfig(dir, sim,
                            desiredYaml(yaml, {.max_destructive = 1000, .policy = policy}), sources);
}

std::vector<Person> concat(std::vector<Person> a, const std::vector<Person>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bool active(SimProcess& sim, int n) { return sim.userByExternalId(employeeId(n)).getBool("active"); }

std::string department(const Json& user) { return user.get(kEnterprise).getString("department"); }

// 1. Users from a CSV are created and patched; the template, the table and the when-case each
// decide an attribute in the simulator.
TEST(HrSourcesTest, CsvUsersAreCreatedAndPatchedThroughTheMapping) {
  SimProcess sim;
  const std::vector<Person> yaml = {yamlPerson(1)};
  sim.seed(seedOrg(concat(yaml, {live(1), live(2)})));
  TempDir dir;
  dir.write("hr.csv", std::string(kCsvHeader) +
                          "0001,Ada,Lovelace, USER0001@Corp.Example ,100,active\n"
                          "0002,Bob,Builder,user0002@corp.example,200,terminated\n"
                          "0003,Cy,Young,user0003@corp.example,200,active\n");
  const std::string config = hrConfig(dir, sim, yaml, usersSource("hr.csv"));

  RunResult r = runAgent({"plan", "--format", "json", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json plan = parsed(r.out);
  EXPECT_EQ(actions(plan, "create", "EMP-0003"), 1) << r.out;
  EXPECT_EQ(actions(plan, "suspend", "EMP-0002"), 1) << r.out;
  // The action's why names the source row (SPEC §6).
  for (const auto& a : plan.get("actions").asArray()) {
    if (a.getString("externalId") != "EMP-0003") continue;
    EXPECT_EQ(a.get("source").getString("file"), "hr.csv") << a.dump();
    EXPECT_EQ(a.get("source").getNumber("line"), 4) << a.dump();
  }

  r = runAgent({"apply", "--auto-approve", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json ada = sim.userByExternalId("EMP-0001");
  EXPECT_EQ(ada.getString("displayName"), "Ada Lovelace");
  EXPECT_EQ(department(ada), "Support");
  EXPECT_TRUE(ada.getBool("active"));
  const Json bob = sim.userByExternalId("EMP-0002");
  EXPECT_EQ(bob.getString("displayName"), "Bob Builder");
  EXPECT_EQ(department(bob), "Engineering");
  EXPECT_FALSE(bob.getBool("active")) << "status terminated → active: false";
  const Json cy = sim.userByExternalId("EMP-0003");
  ASSERT_FALSE(cy.isNull()) << "created";
  EXPECT_EQ(cy.getString("userName"), "user0003@corp.example");
  EXPECT_EQ(cy.getString("displayName"), "Cy Young");
  EXPECT_EQ(department(cy), "Engineering");
  EXPECT_TRUE(cy.getBool("active"));
  // The YAML user merged beside them is left as it is.
  EXPECT_TRUE(sim.userByExternalId("EMP-0901").getBool("active"));
  EXPECT_EQ(sim.userByExternalId("EMP-0901").getString("displayName"), "Yaml 0901");

  // The CSV and the simulator now agree.
  sim.resetCounters();
  r = runAgent({"plan", "--detailed-exitcode", "--config", config});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim.writes(), 0);
}

// 2. 3 bad rows of 100 under maxRejectedRecords 1%: plan and apply exit 3 before anything is
// written, and list the first rejects with their CSV lines.
TEST(HrSourcesTest, TooManyRejectedRowsFailTheRunWithNothingWritten) {
  SimProcess sim;
  const std::vector<Person> yaml = {yamlPerson(1)};
  // Live: persons 1-10 with old names (PATCHes), 200 (in scope, no row: a suspend); the CSV's
  // others would be created.
  std::vector<Person> seeded = yaml;
  for (int n = 1; n <= 10; ++n) seeded.push_back(live(n));
  seeded.push_back(live(200));
  sim.seed(seedOrg(seeded));
  TempDir dir;
  dir.write("hr.csv", staffCsv(1, 100, {10, 50, 90}));
  const std::string config =
      hrConfig(dir, sim, yaml, usersSource("hr.csv"), "  maxRejectedRecords: 1%\n");
  const Json before = sim.state().get("users");
  sim.resetCounters();

  RunResult plan = runAgent({"plan", "--config", config});
  EXPECT_EQ(plan.exit_code, 3) << plan.out << plan.err;
  RunResult apply = runAgent({"apply", "--auto-approve", "--config", config});
  EXPECT_EQ(apply.exit_code, 3) << apply.out << apply.err;
  for (const RunResult* r : {&plan, &apply}) {
    EXPECT_NE(r->err.find("hr.csv:11"), std::string::npos) << r->err;  // person 10, line 11
    EXPECT_NE(r->err.find("hr.csv:51"), std::string::npos) << r->err;
    EXPECT_NE(r->err.find("maxRejectedRecords"), std::string::npos) << r->err;
  }
  EXPECT_EQ(sim.writes(), 0) << sim.counters().dump();
  EXPECT_EQ(sim.state().get("users"), before) << "no user changed";
  EXPECT_TRUE(active(sim, 200));
  EXPECT_TRUE(sim.userByExternalId(employeeId(11)).isNull()) << "nobody created";
}

// 3. Rejects within the limit: the bad row is skipped, the others applied; its person, live and
// in scope, is not suspended, while a live person with no row at all is.
TEST(HrSourcesTest, RejectedRowIsSkippedAndShieldsItsPerson) {
  SimProcess sim;
  const std::vector<Person> yaml = {yamlPerson(1)};
  std::vector<Person> seeded = yaml;
  for (int n = 1; n <= 10; ++n) seeded.push_back(live(n));
  seeded.push_back(live(20));  // no row: removed from HR
  sim.seed(seedOrg(seeded));
  TempDir dir;
  dir.write("hr.csv", staffCsv(1, 10, {5}));
  const std::string config =
      hrConfig(dir, sim, yaml, usersSource("hr.csv"), "  maxRejectedRecords: 2\n");

  RunResult plan = runAgent({"plan", "--format", "json", "--config", config});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  const Json doc = parsed(plan.out);
  EXPECT_EQ(actions(doc, "suspend", employeeId(5)), 0) << plan.out;
  EXPECT_EQ(actions(doc, "update", employeeId(5)), 0) << plan.out;
  EXPECT_EQ(actions(doc, "suspend", employeeId(20)), 1) << plan.out;
  const Json rejected = notice(doc, "", employeeId(5));
  EXPECT_FALSE(rejected.isNull()) << noticesText(doc);

  RunResult r = runAgent({"apply", "--auto-approve", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("hr.csv:6"), std::string::npos) << "the reject is reported: " << r.err;
  for (int n = 1; n <= 10; ++n) {
    const Json u = sim.userByExternalId(employeeId(n));
    EXPECT_TRUE(u.getBool("active")) << n;
    EXPECT_EQ(u.getString("displayName"), n == 5 ? "Old 0005" : "Person " + number(n)) << n;
  }
  EXPECT_FALSE(active(sim, 20)) << "without a row at all the person is suspended";
}

// An HR record naming a group the org does not have is a rejected record (issue 14): its person
// is neither created nor changed nor suspended, the rest applies, and the reject counts against
// policy.maxRejectedRecords once the org's groups are known.
TEST(HrSourcesTest, RecordNamingAnUnknownGroupIsRejected) {
  SimProcess sim;
  std::vector<Person> seeded;
  for (int n = 1; n <= 4; ++n) seeded.push_back(live(n));
  sim.seed(seedOrg(seeded, {.groups = {"Support"}}));
  TempDir dir;
  std::string csv = "id,first_name,last_name,email,dept,status,team\n";
  for (int n = 1; n <= 4; ++n) {
    csv += number(n) + ",Person," + number(n) + "," + employeeMail(n) + ",100,active," +
           (n == 3 ? "Suport" : "Support") + "\n";
  }
  dir.write("hr.csv", csv);
  // kUsersMapping with one more mapped attribute: groups, from the team column.
  std::string mapped = "  - type: csv\n    location: hr.csv\n    role: users\n" + std::string(kUsersMapping);
  mapped.insert(mapped.find("    tables:"), "      groups: \"{team | split(\\\";\\\")}\"\n");
  const std::string config = hrConfig(dir, sim, {}, mapped, "  maxRejectedRecords: 2\n");

  RunResult plan = runAgent({"plan", "--format", "json", "--config", config});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  const Json doc = parsed(plan.out);
  const Json rejected = notice(doc, "", employeeId(3));
  ASSERT_FALSE(rejected.isNull()) << noticesText(doc);
  EXPECT_NE(rejected.getString("message").find(
                "group \"Suport\" does not exist in Genesys (did you mean \"Support\"?)"),
            std::string::npos)
      << rejected.dump();
  EXPECT_EQ(actions(doc, "update", employeeId(3)), 0) << plan.out;
  EXPECT_EQ(actions(doc, "suspend", employeeId(3)), 0) << "a rejected record shields its person";

  RunResult r = runAgent({"apply", "--auto-approve", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (int n = 1; n <= 4; ++n) {
    const Json u = sim.userByExternalId(employeeId(n));
    EXPECT_TRUE(u.getBool("active")) << n;
    EXPECT_EQ(u.getString("displayName"), n == 3 ? "Old 0003" : "Person " + number(n)) << n;
    EXPECT_EQ(inGroup(u, "Support"), n != 3) << n;
  }

  // No reject allowed: the run fails before anything is applied.
  const std::string strict = hrConfig(dir, sim, {}, mapped, "  maxRejectedRecords: 0\n");
  sim.resetCounters();
  RunResult refused = runAgent({"run", "--config", strict});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE((refused.out + refused.err).find("1 of 4 records rejected, more than policy.maxRejectedRecords 0"),
            std::string::npos)
      << refused.out << refused.err;
  EXPECT_EQ(sim.writes(), 0);
}

// 4. A CSV cut inside its last row (no final newline, fewer fields) plans no suspend for the
// users it governs; the plan says the source could not be read whole.
TEST(HrSourcesTest, CsvCutInsideItsLastRowPlansNoSuspend) {
  SimProcess sim;
  const std::vector<Person> yaml = {yamlPerson(1)};
  std::vector<Person> seeded = yaml;
  for (int n : {1, 2, 3, 4, 5, 20, 21}) seeded.push_back(live(n));
  sim.seed(seedOrg(seeded));
  TempDir dir;
  dir.write("hr.csv", staffCsv(1, 4) + "0005,Person,00");  // cut inside row 5
  const std::string config = hrConfig(dir, sim, yaml, usersSource("hr.csv"));

  RunResult plan = runAgent({"plan", "--format", "json", "--config", config});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  const Json doc = parsed(plan.out);
  EXPECT_EQ(actions(doc, "suspend"), 0) << plan.out;
  EXPECT_EQ(actions(doc, "delete"), 0) << plan.out;
  EXPECT_FALSE(notice(doc, "could not be read whole").isNull()) << noticesText(doc);

  RunResult apply = runAgent({"apply", "--auto-approve", "--config", config});
  EXPECT_EQ(apply.exit_code, 1) << "a source not read whole fails the run: " << apply.out << apply.err;
  EXPECT_NE(apply.err.find("could not be read whole"), std::string::npos) << apply.err;
  for (int n : {1, 2, 3, 4, 5, 20, 21}) EXPECT_TRUE(active(sim, n)) << n;
  EXPECT_TRUE(sim.userByExternalId("EMP-0901").getBool("active"));
}

// 5. The same for a JSON source whose array is cut short.
TEST(HrSourcesTest, JsonArrayCutShortPlansNoSuspend) {
  SimProcess sim;
  const std::vector<Person> yaml = {yamlPerson(1)};
  std::vector<Person> seeded = yaml;
  for (int n : {1, 2, 3, 20, 21}) seeded.push_back(live(n));
  sim.seed(seedOrg(seeded));
  TempDir dir;
  std::string json = "[\n";
  for (int n = 1; n <= 3; ++n) {
    json += "  {\"id\": \"" + number(n) + "\", \"first_name\": \"Person\", \"last_name\": \"" +
            number(n) + "\", \"email\": \"" + employeeMail(n) +
            "\", \"dept\": \"100\", \"status\": \"active\"},\n";
  }
  json += "  {\"id\": \"0004\", \"first_na";  // cut short
  dir.write("hr.json", json);
  const std::string config = hrConfig(dir, sim, yaml, usersSource("hr.json", "json"));

  RunResult plan = runAgent({"plan", "--format", "json", "--config", config});
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  const Json doc = parsed(plan.out);
  EXPECT_EQ(actions(doc, "suspend"), 0) << plan.out;
  EXPECT_EQ(actions(doc, "delete"), 0) << plan.out;
  EXPECT_FALSE(notice(doc, "could not be read whole").isNull()) << noticesText(doc);

  RunResult apply = runAgent({"apply", "--auto-approve", "--config", config});
  EXPECT_EQ(apply.exit_code, 1) << "a source not read whole fails the run: " << apply.out << apply.err;
  EXPECT_NE(apply.err.find("could not be read whole"), std::string::npos) << apply.err;
  for (int n : {1, 2, 3, 20, 21}) EXPECT_TRUE(active(sim, n)) << n;
}

// 6. A YAML file and the CSV defining the same externalId: validate names both places.
TEST(HrSourcesTest, SameExternalIdInYamlAndCsvIsAnErrorNamingBoth) {
  SimProcess sim;
  TempDir dir;
  // users.yaml: line 5 is "users:", the first user's mapping starts on line 6, column 5.
  const std::vector<Person> yaml = {live(1), yamlPerson(1)};
  dir.write("hr.csv", staffCsv(2, 3) + csvRow(1));  // person 1 on line 4
  const std::string config = hrConfig(dir, sim, yaml, usersSource("hr.csv"));

  RunResult r = runAgent({"validate", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string line;  // the error's line
  std::istringstream lines(r.err);
  while (std::getline(lines, line) && line.find("EMP-0001") == std::string::npos) {
  }
  EXPECT_NE(line.find("hr.csv:4"), std::string::npos) << r.err;
  EXPECT_NE(line.find("users.yaml:6:5"), std::string::npos) << r.err;

  // A run refuses it the same way, before Genesys is asked anything.
  sim.resetCounters();
  r = runAgent({"plan", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(sim.writes(), 0);
}

// 7. A termination manifest (role terminations, a local JSON file): a past date suspends at
// once, a future one from its date on (the plan says when), and a later manifest that no longer
// lists a leaver keeps the hold.
TEST(HrSourcesTest, TerminationManifestHoldsOutliveTheFile) {
  SimProcess sim;
  const std::vector<Person> yaml = {live(1), live(2), live(3)};
  sim.seed(seedOrg(yaml));
  TempDir dir;
  dir.write("leavers.json",
            R"([{"externalId":"EMP-0001","terminationDate":"2020-01-01"},)"
            R"({"externalId":"EMP-0002","terminationDate":"2026-09-01"}])");
  const std::string config =
      hrConfig(dir, sim, yaml, "  - type: json\n    location: leavers.json\n    role: terminations\n");
  const std::map<std::string, std::string> june = {{"SCIM_AGENT_NOW", "2026-06-01T12:00:00Z"}};

  RunResult r = runAgent({"plan", "--format", "json", "--config", config}, june);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json doc = parsed(r.out);
  EXPECT_EQ(actions(doc, "suspend", "EMP-0001"), 1) << r.out;
  EXPECT_EQ(actions(doc, "suspend", "EMP-0002"), 0) << r.out;
  EXPECT_FALSE(notice(doc, "2026-09-01", "EMP-0002").isNull()) << noticesText(doc);
  EXPECT_TRUE(sim.userByExternalId("EMP-0001").getBool("active")) << "plan writes nothing";

  r = runAgent({"apply", "--auto-approve", "--config", config}, june);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json leaver = sim.userByExternalId("EMP-0001");
  EXPECT_FALSE(leaver.getBool("active"));
  EXPECT_FALSE(inGroup(leaver, "Everyone")) << "group memberships end with the suspension";
  EXPECT_TRUE(active(sim, 2)) << "not before its date";
  EXPECT_TRUE(active(sim, 3));

  // Tonight's manifest carries only the new leavers: one nobody has yet (held, not an error).
  dir.write("leavers.json", R"([{"externalId":"EMP-0777","terminationDate":"2020-01-01"}])");
  sim.resetCounters();
  r = runAgent({"apply", "--auto-approve", "--config", config}, june);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim.writes(), 0) << "the earlier leaver is not reactivated";
  EXPECT_FALSE(active(sim, 1));
  EXPECT_TRUE(active(sim, 2));
  r = runAgent({"plan", "--format", "json", "--config", config}, june);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(notice(parsed(r.out), "no user has this externalId", "EMP-0777").isNull())
      << r.out;

  // September: the future leaver's hold takes effect though no manifest lists it any more.
  r = runAgent({"apply", "--auto-approve", "--config", config},
               {{"SCIM_AGENT_NOW", "2026-09-02T00:00:00Z"}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(active(sim, 1));
  EXPECT_FALSE(active(sim, 2));
  EXPECT_TRUE(active(sim, 3));
}

// 7b. A termination manifest cut short takes none of its leavers, and says so.
TEST(HrSourcesTest, TerminationManifestCutShortTakesNoLeaver) {
  SimProcess sim;
  const std::vector<Person> yaml = {live(1), live(2)};
  sim.seed(seedOrg(yaml));
  TempDir dir;
  dir.write("leavers.json", R"([{"externalId":"EMP-0001","terminationDate":"2020-01-01"},)"
                            R"({"externalId":"EMP-00)");
  const std::string config =
      hrConfig(dir, sim, yaml, "  - type: json\n    location: leavers.json\n    role: terminations\n");

  RunResult r = runAgent({"plan", "--format", "json", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const Json doc = parsed(r.out);
  EXPECT_EQ(actions(doc, "suspend"), 0) << r.out;
  EXPECT_FALSE(notice(doc, "could not be read whole").isNull()) << noticesText(doc);
  r = runAgent({"apply", "--auto-approve", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(active(sim, 1));
  EXPECT_TRUE(active(sim, 2));

  // Whole again: the leaver is taken.
  dir.write("leavers.json", R"([{"externalId":"EMP-0001","terminationDate":"2020-01-01"}])");
  r = runAgent({"apply", "--auto-approve", "--config", config});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(active(sim, 1));
  EXPECT_TRUE(active(sim, 2));
}

// 8. validate reports per source: counts and the first rejects; exit 0 within
// maxRejectedRecords, 1 beyond it. --explain shows one person's raw record and mapped attributes.
TEST(HrSourcesTest, ValidateReportsEachSourceAndExplainsOnePerson) {
  SimProcess sim;
  TempDir dir;
  const std::vector<Person> yaml = {yamlPerson(1)};
  dir.write("hr.csv", staffCsv(1, 100, {42}));
  const std::string config =
      hrConfig(dir, sim, yaml, usersSource("hr.csv"), "  maxRejectedRecords: 1%\n");

  RunResult r = runAgent({"validate", "--config", config});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string report = r.out + r.err;
  EXPECT_NE(report.find("100 records, 99 mapped, 1 rejected"), std::string::npos) << report;
  EXPECT_NE(report.find("hr.csv:43"), std::string::npos) << report;

  dir.write("hr.csv", staffCsv(1, 100, {42, 43}));
  r = runAgent({"validate", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("hr.csv:44"), std::string::npos) << r.out << r.err;

  dir.write("hr.csv", std::string(kCsvHeader) + "0002,Bob,Builder,user0002@corp.example,200,terminated\n");
  r = runAgent({"validate", "--config", config, "--explain", "EMP-0002"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("hr.csv:2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("first_name = \"Bob\""), std::string::npos) << "the raw record: " << r.out;
  EXPECT_NE(r.out.find("dept = \"200\""), std::string::npos) << r.out;
  // Each mapped attribute with its value and what made it.
  std::map<std::string, std::string> mapped;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    for (const char* attribute : {"displayName", "department", "active", "userName"}) {
      if (line.rfind(std::string("    ") + attribute + " = ", 0) == 0) mapped[attribute] = line;
    }
  }
  EXPECT_NE(mapped["displayName"].find("Bob Builder"), std::string::npos) << r.out;
  EXPECT_NE(mapped["displayName"].find("{first_name} {last_name}"), std::string::npos) << r.out;
  EXPECT_NE(mapped["department"].find("Engineering"), std::string::npos) << r.out;
  EXPECT_NE(mapped["department"].find("departments"), std::string::npos) << r.out;
  EXPECT_NE(mapped["active"].find("false"), std::string::npos) << r.out;
  EXPECT_NE(mapped["active"].find("terminated"), std::string::npos) << "the case: " << r.out;
  EXPECT_NE(mapped["userName"].find("user0002@corp.example"), std::string::npos) << r.out;

  r = runAgent({"validate", "--config", config, "--explain", "EMP-4242"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
}

// 9. policy.maxSourceShrink per source: the CSV lost half its rows since its last good read
// while the whole desired state shrank less than the limit: blocked, nothing suspended.
TEST(HrSourcesTest, SourceThatShrankPastTheLimitIsBlocked) {
  SimProcess sim;
  // 60 YAML users keep the desired state's own shrink (70 → 65 users, 7%) under the limit: only
  // the source's (10 → 5, 50%) is over it.
  std::vector<Person> yaml;
  for (int n = 1; n <= 60; ++n) yaml.push_back(yamlPerson(n));
  std::vector<Person> seeded = yaml;
  for (int n = 1; n <= 10; ++n) seeded.push_back(live(n));
  sim.seed(seedOrg(seeded));
  TempDir dir;
  dir.write("hr.csv", staffCsv(1, 10));
  const std::string config =
      hrConfig(dir, sim, yaml, usersSource("hr.csv"), "  maxSourceShrink: 10%\n");

  RunResult r = runAgent({"apply", "--auto-approve", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (int n = 1; n <= 10; ++n) ASSERT_TRUE(active(sim, n)) << n;

  dir.write("hr.csv", staffCsv(1, 5));
  r = runAgent({"plan", "--detailed-exitcode", "--config", config});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("source hr.csv shrank from 10 to 5 users"), std::string::npos)
      << "the verdict names the source and both counts: " << r.err;
  sim.resetCounters();
  for (int attempt = 0; attempt < 2; ++attempt) {  // a blocked run is not the new baseline
    r = runAgent({"apply", "--auto-approve", "--config", config});
    EXPECT_EQ(r.exit_code, 3) << attempt << r.out << r.err;
  }
  for (int n = 1; n <= 10; ++n) EXPECT_TRUE(active(sim, n)) << n;
  EXPECT_EQ(sim.writes(), 0) << sim.counters().dump();
}

// 7d. GitOps: a plan saved with a leavers manifest applies its suspends (the holds are recorded
// when the saved plan is applied, so the policy gate agrees).
TEST(HrSourcesTest, ASavedPlanAppliesTheManifestsLeavers) {
  SimProcess sim;
  const std::vector<Person> yaml = {live(1), live(2)};
  sim.seed(seedOrg(yaml));
  TempDir dir;
  dir.write("leavers.json", R"([{"externalId":"EMP-0001","terminationDate":"2020-01-01"}])");
  const std::string config =
      hrConfig(dir, sim, yaml, "  - type: json\n    location: leavers.json\n    role: terminations\n");
  RunResult r = runAgent({"plan", "--out", dir.file("plan.json"), "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(active(sim, 1)) << "plan writes nothing";
  r = runAgent({"apply", dir.file("plan.json"), "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(active(sim, 1));
  EXPECT_TRUE(active(sim, 2));
}

// 7c. A manifest listing more new leavers than policy.maxDestructive allows is more likely the
// wrong file than a mass departure: none is taken (blocked, exit 3) until --allow-destructive.
TEST(HrSourcesTest, ATerminationManifestBeyondMaxDestructiveTakesNoLeaver) {
  SimProcess sim;
  std::vector<Person> yaml;
  for (int n = 1; n <= 6; ++n) yaml.push_back(live(n));
  sim.seed(seedOrg(yaml));
  TempDir dir;
  std::string manifest = "[";
  for (int n = 1; n <= 4; ++n) {
    manifest += std::string(n > 1 ? "," : "") + R"({"externalId":")" + employeeId(n) +
                R"(","terminationDate":"2020-01-01"})";
  }
  dir.write("leavers.json", manifest + "]");
  dir.write("desired/users.yaml", desiredYaml(yaml, {.max_destructive = 3}));
  writeAgentConfig(dir, sim, dir.file("desired"));
  const std::string config = dir.append(
      "agent.yaml", "sources:\n  - type: json\n    location: leavers.json\n    role: terminations\n");

  RunResult r = runAgent({"apply", "--auto-approve", "--config", config});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("4 new leavers in the termination manifests"), std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(sim.writes(), 0);
  for (int n = 1; n <= 6; ++n) EXPECT_TRUE(active(sim, n)) << n;
  r = runAgent({"terminations", "--format", "json", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("EMP-0001"), std::string::npos) << "no hold was recorded: " << r.out;

  r = runAgent({"apply", "--auto-approve", "--allow-destructive", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (int n = 1; n <= 4; ++n) EXPECT_FALSE(active(sim, n)) << n;
  EXPECT_TRUE(active(sim, 5));
  EXPECT_TRUE(active(sim, 6));
}

}  // namespace
}  // namespace scim_agent::testing
