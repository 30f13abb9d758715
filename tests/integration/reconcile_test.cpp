// End to end: the real scim-agent against the real genesys-sim (issue #2's acceptance scenario).
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "tests/support/harness.h"
#include "tests/support/org.h"

namespace scim_agent::testing {
namespace {

const char* kEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

std::string department(int n) { return n <= 20 ? "SUPPORT" : n <= 30 ? "ENG" : "SALES"; }

Json liveUser(const std::string& ext, const std::string& user_name, const std::string& title,
              const std::string& dept, bool active) {
  Json u = Json::object();
  if (!ext.empty()) u["externalId"] = ext;
  u["userName"] = user_name;
  u["displayName"] = "Person " + user_name.substr(0, user_name.find('@'));
  u["title"] = title;
  u["active"] = active;
  Json enterprise = Json::object();
  enterprise["department"] = dept;
  enterprise["division"] = "Home";
  u[kEnterprise] = enterprise;
  return u;
}

// 60 live users: EMP-0001..0050 (0041..0045 inactive), 5 without externalId (adoptable), 5
// outside the scope; four groups, three with members.
Json seed60() {
  Json seed = Json::object();
  Json users = Json::array();
  for (int n = 1; n <= 50; ++n) {
    users.push(liveUser(employeeId(n), employeeMail(n), "Agent", department(n), !(n >= 41 && n <= 45)));
  }
  for (int n = 1; n <= 5; ++n) {
    users.push(liveUser("", "adopt0" + std::to_string(n) + "@corp.example", "Agent", "SUPPORT", true));
  }
  for (int n = 1; n <= 5; ++n) {
    users.push(liveUser("CONTRACTOR-" + std::to_string(n),
                        "contractor" + std::to_string(n) + "@corp.example", "Contractor", "", true));
  }
  seed["users"] = users;
  auto group = [](const std::string& name, std::vector<int> members) {
    Json g = Json::object();
    g["displayName"] = name;
    Json m = Json::array();
    for (int n : members) m.push(employeeMail(n));
    g["members"] = m;
    return g;
  };
  Json groups = Json::array();
  std::vector<int> support, eng, sales;
  for (int n = 1; n <= 20; ++n) support.push_back(n);
  for (int n = 21; n <= 30; ++n) eng.push_back(n);
  for (int n : {31, 32, 33, 34, 35, 46, 47}) sales.push_back(n);
  groups.push(group("Support Agents", support));
  groups.push(group("Engineering", eng));
  groups.push(group("Sales", sales));
  groups.push(group("Leads", {}));
  seed["groups"] = groups;
  return seed;
}

std::string userYaml(const std::string& ext, const std::string& user_name, const std::string& title,
                     const std::string& dept, const std::string& extra = "") {
  std::ostringstream y;
  y << "  - externalId: " << ext << "\n"
    << "    userName: " << user_name << "\n"
    << "    displayName: Person " << user_name.substr(0, user_name.find('@')) << "\n"
    << "    title: " << title << "\n"
    << "    department: " << dept << "\n"
    << extra;
  return y.str();
}

// The desired state: 5 title updates, a department move, 2 reactivations, 5 removals, 3
// adoptions, 10 creates (one whose manager is created too), one extra group.
std::string desiredYaml() {
  std::ostringstream y;
  y << "apiVersion: scim-agent/v1\n"
    << "defaults:\n  division: Home\n"
    << "groupsByDepartment:\n  SUPPORT: [Support Agents]\n  ENG: [Engineering]\n  SALES: [Sales]\n"
    << "policy:\n"
    << "  scope: { externalIdPattern: \"^EMP-\" }\n"
    << "  onRemoval: suspend\n"
    << "  maxDestructive: { count: 25, percent: 50 }\n"
    << "  managedAttributes: [displayName, title, department, division, manager, groups, active]\n"
    << "users:\n";
  for (int n = 1; n <= 42; ++n) {
    std::string title = (n >= 5 && n <= 9) ? "Senior Agent" : "Agent";
    std::string dept = n == 21 ? "SALES" : department(n);
    std::string extra = n == 3 ? "    groups: [Leads]\n" : "";
    y << userYaml(employeeId(n), employeeMail(n), title, dept, extra);
  }
  for (int n = 1; n <= 3; ++n) {
    y << userYaml(employeeId(100 + n), "adopt0" + std::to_string(n) + "@corp.example", "Agent", "SUPPORT");
  }
  for (int n = 200; n <= 209; ++n) {
    std::string manager = n == 201 ? employeeId(200) : employeeId(1);
    y << userYaml(employeeId(n), employeeMail(n), "New Agent", "SUPPORT", "    manager: " + manager + "\n");
  }
  return y.str();
}

std::set<std::string> groupNames(const Json& user) {
  std::set<std::string> out;
  if (!user.get("groups").isArray()) return out;
  for (const auto& g : user.get("groups").asArray()) out.insert(g.getString("display"));
  return out;
}

class ReconcileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.seed(seed60());
    desired_ = dir_.write("desired/org.yaml", desiredYaml());
    config_ = writeAgentConfig(dir_, sim_, dir_.file("desired"));
  }
  RunResult agent(std::vector<std::string> args) {
    args.push_back("--config");
    args.push_back(config_);
    return runAgent(args);
  }

  TempDir dir_;
  SimProcess sim_;
  std::string desired_;
  std::string config_;
};

TEST_F(ReconcileTest, AppliesCreatesUpdatesRemovalsAndGroupsThenConverges) {
  sim_.resetCounters();
  RunResult plan = agent({"plan", "--out", dir_.file("plan.json"), "--detailed-exitcode"});
  ASSERT_EQ(plan.exit_code, 2) << plan.out << plan.err;
  EXPECT_NE(plan.out.find("10 to create"), std::string::npos) << plan.out;

  // Reading costs list pages only: 55 active users → 3 pages, 5 inactive → 1 page, 1 groups page.
  EXPECT_EQ(sim_.count("GET /scim/v2/users"), 4);
  EXPECT_EQ(sim_.count("GET /scim/v2/users/{id}"), 0);
  EXPECT_EQ(sim_.count("GET /scim/v2/groups"), 1);
  EXPECT_EQ(sim_.writes(), 0) << "plan must not write";

  sim_.resetCounters();
  RunResult apply = agent({"apply", dir_.file("plan.json")});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;

  // One POST per new user; one PATCH per changed user (5 titles, 1 department, 2 reactivations,
  // 5 suspensions, 3 adoptions, and the follow-up manager of EMP-0201, created in the same
  // plan); one PATCH per group touched; no reads of single users.
  EXPECT_EQ(sim_.count("POST /scim/v2/users"), 10);
  EXPECT_EQ(sim_.count("PATCH /scim/v2/users/{id}"), 17);
  EXPECT_EQ(sim_.count("PATCH /scim/v2/groups/{id}"), 4);
  EXPECT_EQ(sim_.count("GET /scim/v2/users/{id}"), 0);
  EXPECT_EQ(sim_.count("DELETE /scim/v2/users/{id}"), 0);

  // End state equals the desired state.
  auto users = sim_.usersByExternalId();
  for (int n = 1; n <= 42; ++n) {
    SCOPED_TRACE(employeeId(n));
    ASSERT_TRUE(users.count(employeeId(n)));
    const Json& u = users[employeeId(n)];
    EXPECT_TRUE(u.getBool("active"));
    EXPECT_EQ(u.getString("title"), (n >= 5 && n <= 9) ? "Senior Agent" : "Agent");
    const std::string dept = n == 21 ? "SALES" : department(n);
    EXPECT_EQ(u.get(kEnterprise).getString("department"), dept);
    std::set<std::string> expected{dept == "SUPPORT" ? "Support Agents"
                                   : dept == "ENG"   ? "Engineering"
                                                     : "Sales"};
    if (n == 3) expected.insert("Leads");
    EXPECT_EQ(groupNames(u), expected);
  }
  for (int n = 46; n <= 50; ++n) {
    SCOPED_TRACE(employeeId(n));
    EXPECT_FALSE(users[employeeId(n)].getBool("active", true));
    EXPECT_TRUE(groupNames(users[employeeId(n)]).empty());
  }
  for (int n = 43; n <= 45; ++n) EXPECT_FALSE(users[employeeId(n)].getBool("active", true));
  for (int n = 1; n <= 3; ++n) {
    ASSERT_TRUE(users.count(employeeId(100 + n)));
    EXPECT_EQ(users[employeeId(100 + n)].getString("userName"), "adopt0" + std::to_string(n) + "@corp.example");
  }
  EXPECT_TRUE(users.count("userName:adopt04@corp.example")) << "unmanaged users are left alone";
  EXPECT_TRUE(users["CONTRACTOR-1"].getBool("active")) << "out-of-scope users are left alone";
  for (int n = 200; n <= 209; ++n) {
    ASSERT_TRUE(users.count(employeeId(n)));
    const std::string manager = n == 201 ? employeeId(200) : employeeId(1);
    EXPECT_EQ(users[employeeId(n)].get(kEnterprise).get("manager").getString("value"),
              users[manager].getString("id"));
    EXPECT_EQ(groupNames(users[employeeId(n)]), std::set<std::string>{"Support Agents"});
  }
  // No duplicate userName anywhere.
  std::set<std::string> names;
  const Json state = sim_.state();
  for (const auto& u : state.get("users").asArray()) {
    EXPECT_TRUE(names.insert(u.getString("userName")).second) << u.getString("userName");
  }

  // A second plan has nothing to do, and costs reads only.
  sim_.resetCounters();
  RunResult again = agent({"plan", "--detailed-exitcode"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("No changes"), std::string::npos) << again.out;
  EXPECT_EQ(sim_.writes(), 0);
  RunResult apply_again = agent({"apply", "--auto-approve"});
  EXPECT_EQ(apply_again.exit_code, 0) << apply_again.out << apply_again.err;
  EXPECT_EQ(sim_.writes(), 0);
}

TEST_F(ReconcileTest, SavedPlanMadeStaleIsReportedNotForced) {
  RunResult plan = agent({"plan", "--out", dir_.file("plan.json")});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  // Someone edits EMP-0005 in the admin UI after the plan was made.
  Json edit = Json::object();
  edit["userName"] = employeeMail(5);
  edit["title"] = "Edited In Genesys";
  sim_.touch(edit);

  RunResult apply = agent({"apply", dir_.file("plan.json")});
  EXPECT_EQ(apply.exit_code, 1) << apply.out << apply.err;
  EXPECT_NE((apply.out + apply.err).find("stale"), std::string::npos) << apply.out;
  auto users = sim_.usersByExternalId();
  EXPECT_EQ(users[employeeId(5)].getString("title"), "Edited In Genesys") << "the other change survives";
  EXPECT_EQ(users[employeeId(6)].getString("title"), "Senior Agent") << "other actions still applied";
}

TEST_F(ReconcileTest, PlanFromOtherDesiredInputsIsRefused) {
  RunResult plan = agent({"plan", "--out", dir_.file("plan.json")});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  dir_.write("desired/org.yaml", desiredYaml() + userYaml(employeeId(300), employeeMail(300), "Late", "SUPPORT"));
  sim_.resetCounters();
  RunResult apply = agent({"apply", dir_.file("plan.json")});
  EXPECT_EQ(apply.exit_code, 1);
  EXPECT_NE(apply.err.find("other desired inputs"), std::string::npos) << apply.err;
  EXPECT_EQ(sim_.writes(), 0);
}

TEST_F(ReconcileTest, DryRunAndUnconfirmedApplyWriteNothing) {
  sim_.resetCounters();
  RunResult dry = agent({"apply", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("Dry run"), std::string::npos);
  RunResult unconfirmed = agent({"apply"});  // stdin is /dev/null, not a terminal
  EXPECT_EQ(unconfirmed.exit_code, 1);
  EXPECT_NE(unconfirmed.err.find("--auto-approve"), std::string::npos) << unconfirmed.err;
  EXPECT_EQ(sim_.writes(), 0);
}

TEST_F(ReconcileTest, GuardrailHoldsDestructiveActions) {
  // 5 suspensions of ~55 managed users is over a 5% limit: nothing destructive is applied.
  std::string yaml = desiredYaml();
  yaml.replace(yaml.find("percent: 50"), 11, "percent: 5");
  dir_.write("desired/org.yaml", yaml);
  RunResult plan = agent({"plan", "--detailed-exitcode"});
  EXPECT_EQ(plan.exit_code, 3) << plan.out << plan.err;
  RunResult apply = agent({"apply", "--auto-approve"});
  EXPECT_EQ(apply.exit_code, 3) << apply.out << apply.err;
  auto users = sim_.usersByExternalId();
  for (int n = 46; n <= 50; ++n) EXPECT_TRUE(users[employeeId(n)].getBool("active")) << employeeId(n);
  EXPECT_TRUE(users.count(employeeId(200))) << "creates still applied";
  RunResult forced = agent({"apply", "--auto-approve", "--allow-destructive"});
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  users = sim_.usersByExternalId();
  for (int n = 46; n <= 50; ++n) EXPECT_FALSE(users[employeeId(n)].getBool("active", true)) << employeeId(n);
}

}  // namespace
}  // namespace scim_agent::testing
