// `scim-agent adopt --report` against the real genesys-sim: the first-run report lists every user
// in its class, exits 0 or 2, and writes nothing to Genesys.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "agent/codec/json_parse.h"
#include "tests/support/harness.h"

namespace scim_agent::testing {
namespace {

Json liveUser(const std::string& ext, const std::string& user_name, const std::string& title,
              bool active = true) {
  Json u = Json::object();
  if (!ext.empty()) u["externalId"] = ext;
  u["userName"] = user_name;
  u["displayName"] = "Person " + user_name.substr(0, user_name.find('@'));
  u["title"] = title;
  u["active"] = active;
  return u;
}

std::string userYaml(const std::string& ext, const std::string& user_name,
                     const std::string& title) {
  return "  - externalId: " + ext + "\n    userName: " + user_name + "\n    displayName: Person " +
         user_name.substr(0, user_name.find('@')) + "\n    title: " + title + "\n";
}

const char* kPolicy =
    "apiVersion: scim-agent/v1\n"
    "policy:\n"
    "  scope: { externalIdPattern: \"^EMP-\" }\n"
    "  unmanaged: ignore\n"
    "  onRemoval: suspend\n"
    "  maxDestructive: { count: 25, percent: 50 }\n"
    "  managedAttributes: [displayName, title, active]\n";

// An org with one user of each kind the report knows.
Json firstRunOrg() {
  Json users = Json::array();
  users.push(liveUser("EMP-0001", "matched@corp.example", "Agent"));
  users.push(liveUser("EMP-0002", "retitled@corp.example", "Agent"));
  users.push(liveUser("", "adopt@corp.example", "Agent"));
  users.push(liveUser("EMP-0005", "twin-a@corp.example", "Agent"));
  users.push(liveUser("EMP-0005", "twin-b@corp.example", "Agent"));
  users.push(liveUser("EMP-0009", "leaver@corp.example", "Agent"));
  users.push(liveUser("CONTRACTOR-1", "contractor@corp.example", "Contractor"));
  Json seed = Json::object();
  seed["users"] = users;
  return seed;
}

std::string firstRunDesired() {
  return std::string(kPolicy) + "users:\n" + userYaml("EMP-0001", "matched@corp.example", "Agent") +
         userYaml("EMP-0002", "retitled@corp.example", "Lead") +
         userYaml("EMP-0003", "adopt@corp.example", "Agent") +
         userYaml("EMP-0005", "twin-a@corp.example", "Agent") +
         userYaml("EMP-0200", "newcomer@corp.example", "Agent");
}

// Every request the agent made: reads only. The deleted-user search and the analytics query are
// POSTs that read (genesys-api.md §3.6); any other route that is not a GET or the token writes.
void expectNoWrites(SimProcess& sim) {
  const Json counters = sim.counters();
  int gets = 0;
  for (const auto& [route, value] : counters.get("routes").asObject()) {
    if (value.asNumber() == 0) continue;
    const bool read = route.rfind("GET ", 0) == 0 || route == "POST /oauth/token" ||
                      route == "POST /platform/users/search" ||
                      route == "POST /api/v2/analytics/conversations/details/query";
    EXPECT_TRUE(read) << route << " was called " << value.dump() << " times";
    if (route.rfind("GET ", 0) == 0) gets += static_cast<int>(value.asNumber());
  }
  EXPECT_GT(gets, 0) << "the live users were read";
}

std::set<std::string> keysOf(const Json& list) {
  std::set<std::string> out;
  for (const Json& e : list.asArray()) {
    out.insert(e.has("externalId") ? e.getString("externalId") : e.getString("userName"));
  }
  return out;
}

class AdoptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_.seed(firstRunOrg());
    desired_ = dir_.write("users.yaml", firstRunDesired());
    config_ = writeAgentConfig(dir_, sim_, desired_);
  }

  SimProcess sim_;
  TempDir dir_;
  std::string desired_;
  std::string config_;
};

TEST_F(AdoptTest, ReportListsEveryClassAndExitsTwoWithoutWriting) {
  const Json before = sim_.state();
  RunResult r = runAgent({"adopt", "--report", "--config", config_});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  for (const char* needle :
       {"Ambiguous: not touched by apply until resolved (1):", "? EMP-0005 (twin-a@corp.example)",
        "Would be suspended or deleted by the first apply (1):", "! EMP-0009 (leaver@corp.example)",
        "suspend (removed from desired state)",
        "Matched by userName: would be adopted (externalId set) (1):",
        "~ EMP-0003 (adopt@corp.example)", "(no externalId)]: update externalId",
        "Would be created (1):", "+ EMP-0200 (newcomer@corp.example)",
        "Matched by externalId (2):", "= EMP-0001 (matched@corp.example)",
        "= EMP-0002 (retitled@corp.example)", "update title (attributes differ)", "Unmanaged (1):",
        "- CONTRACTOR-1 (contractor@corp.example)", "policy.unmanaged ignore: left alone",
        "Review before the first apply: 1 ambiguous user and 1 user would be suspended or "
        "deleted."}) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
  }
  expectNoWrites(sim_);
  EXPECT_EQ(sim_.state().dump(), before.dump()) << "the org is exactly as it was";
}

TEST_F(AdoptTest, JsonReportClassifiesEachUser) {
  RunResult r = runAgent({"adopt", "--report", "--config", config_, "--format", "json"});
  ASSERT_EQ(r.exit_code, 2) << r.err;
  auto doc = parseJson(r.out);
  ASSERT_TRUE(doc.ok()) << doc.error().message << "\n" << r.out;
  const Json& users = doc->get("users");
  EXPECT_EQ(keysOf(users.get("matched")), (std::set<std::string>{"EMP-0001", "EMP-0002"}));
  EXPECT_EQ(keysOf(users.get("adopted")), std::set<std::string>{"EMP-0003"});
  EXPECT_EQ(keysOf(users.get("ambiguous")), std::set<std::string>{"EMP-0005"});
  EXPECT_EQ(keysOf(users.get("destroyed")), std::set<std::string>{"EMP-0009"});
  EXPECT_EQ(keysOf(users.get("created")), std::set<std::string>{"EMP-0200"});
  EXPECT_EQ(keysOf(users.get("unmanaged")), std::set<std::string>{"CONTRACTOR-1"});
  EXPECT_TRUE(users.get("protected").asArray().empty());

  const Json& ambiguous = users.get("ambiguous").asArray().at(0);
  EXPECT_EQ(ambiguous.get("liveIds").asArray().size(), 2u) << ambiguous.dump();
  const Json& destroyed = users.get("destroyed").asArray().at(0);
  EXPECT_EQ(destroyed.getString("action"), "suspend");
  EXPECT_EQ(destroyed.getString("rule"), "removed from desired state");
  EXPECT_FALSE(destroyed.get("held").asBool());
  const Json& adopted = users.get("adopted").asArray().at(0);
  EXPECT_EQ(adopted.getString("match"), "userName");
  EXPECT_TRUE(adopted.get("liveExternalId").isNull());
  EXPECT_FALSE(doc->get("clean").asBool());
  EXPECT_EQ(doc->get("summary").getNumber("destroyed"), 1);
  expectNoWrites(sim_);
}

TEST_F(AdoptTest, GuardrailThatWouldHoldTheSuspendIsShown) {
  dir_.write("users.yaml", std::string(firstRunDesired())
                               .replace(firstRunDesired().find("count: 25, percent: 50"), 22,
                                        "count: 0, percent: 50"));
  RunResult r = runAgent({"adopt", "--report", "--config", config_, "--format", "json"});
  ASSERT_EQ(r.exit_code, 2) << r.err;
  auto doc = parseJson(r.out);
  ASSERT_TRUE(doc.ok()) << r.out;
  EXPECT_TRUE(doc->get("guardrail").get("blocked").asBool());
  EXPECT_TRUE(doc->get("users").get("destroyed").asArray().at(0).get("held").asBool());
  expectNoWrites(sim_);
}

TEST(AdoptCleanTest, OrgWithoutSurprisesExitsZero) {
  // Matches, an adoption, a create, an unmanaged user and a removed user that is already
  // inactive: nothing destructive, nothing ambiguous.
  SimProcess sim;
  Json users = Json::array();
  users.push(liveUser("EMP-0001", "matched@corp.example", "Agent"));
  users.push(liveUser("EMP-0002", "retitled@corp.example", "Agent"));
  users.push(liveUser("", "adopt@corp.example", "Agent"));
  users.push(liveUser("EMP-0010", "gone@corp.example", "Agent", /*active=*/false));
  users.push(liveUser("CONTRACTOR-1", "contractor@corp.example", "Contractor"));
  Json seed = Json::object();
  seed["users"] = users;
  sim.seed(seed);
  TempDir dir;
  const std::string desired =
      dir.write("users.yaml", std::string(kPolicy) + "users:\n" +
                                  userYaml("EMP-0001", "matched@corp.example", "Agent") +
                                  userYaml("EMP-0002", "retitled@corp.example", "Lead") +
                                  userYaml("EMP-0003", "adopt@corp.example", "Agent") +
                                  userYaml("EMP-0200", "newcomer@corp.example", "Agent"));
  const std::string config = writeAgentConfig(dir, sim, desired);

  RunResult r = runAgent({"adopt", "--report", "--config", config});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("No surprises"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Managed, nothing to do (1):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("EMP-0010 (gone@corp.example)"), std::string::npos) << r.out;
  expectNoWrites(sim);
}

TEST_F(AdoptTest, MarkdownGoesToTheOutFile) {
  RunResult r = runAgent({"adopt", "--report", "--config", config_, "--format", "markdown", "--out",
                          dir_.file("adopt.md")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.out.find("Saved the adopt report to " + dir_.file("adopt.md")), std::string::npos)
      << r.out;
  RunResult cat = runAgent({"adopt", "--report", "--config", config_, "--format", "markdown"});
  EXPECT_NE(cat.out.find("### scim-agent adopt report"), std::string::npos) << cat.out;
  EXPECT_NE(cat.out.find("| `EMP-0009` | `leaver@corp.example` |"), std::string::npos) << cat.out;
  expectNoWrites(sim_);
}

TEST_F(AdoptTest, AdoptWithoutReportIsAUsageError) {
  RunResult r = runAgent({"adopt", "--config", config_});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("--report is required"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("adoption itself happens in apply"), std::string::npos) << r.err;
  RunResult help = runAgent({"adopt", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("usage: scim-agent adopt --report"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("Exit 0 when"), std::string::npos) << help.out;
  EXPECT_EQ(runAgent({"adopt", "--report", "--config", config_, "--format", "csv"}).exit_code, 64);
  EXPECT_EQ(sim_.counters().get("total").asNumber(), 0) << "usage errors never reach Genesys";
}

}  // namespace
}  // namespace scim_agent::testing
