// Issue 13 item 5: a plan with many creates reads the deleted Genesys users once, page by page
// (GET /api/v2/users?state=deleted), instead of one POST /api/v2/users/search per create; a plan
// with few creates searches for each; either way the deleted users holding the creates' userNames
// are planned as restores, and the plan's cost says which way it looked and why. Counted with
// genesys-sim's request counters.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "agent/codec/json_parse.h"
#include "tests/support/harness.h"
#include "tests/support/org.h"

namespace scim_agent::testing {
namespace {

const std::string kListing = "GET /api/v2/users";
const std::string kSearch = "POST /platform/users/search";
const std::string kRestore = "PATCH /platform/users/{id}";
const std::string kCreate = "POST /scim/v2/users";

// The people EMP-0001 … EMP-<n>, none of them live yet.
std::vector<Person> newPeople(int n) {
  std::vector<Person> people;
  people.reserve(static_cast<size_t>(n));
  for (int i = 1; i <= n; ++i) people.push_back({employeeId(i), employeeMail(i)});
  return people;
}

// An org with the group "Everyone", no live user, and `unrelated` deleted users nobody asks for
// plus one deleted user for each of `returning` (userNames as given: their case may differ from
// the desired one's).
Json orgWithDeleted(int unrelated, const std::vector<std::string>& returning) {
  Json seed = seedOrg({}, {.groups = {"Everyone"}});
  Json users = Json::array();
  for (int i = 1; i <= unrelated; ++i) {
    char name[48];
    std::snprintf(name, sizeof name, "gone%05d@corp.example", i);
    users.push(Json(Json::Object{{"userName", name}, {"displayName", "Gone"}, {"deleted", true}}));
  }
  for (const std::string& name : returning) {
    users.push(
        Json(Json::Object{{"userName", name}, {"displayName", "Was Here"}, {"deleted", true}}));
  }
  seed["users"] = users;
  return seed;
}

int countOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string planText(const std::string& config) {
  RunResult r = runAgent({"plan", "--config", config});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return r.out;
}

TEST(DeletedLookupTest, ManyCreatesListTheDeletedUsersOnceAndRestoreTheMatches) {
  SimProcess sim;
  // 253 deleted users: 3 pages of 100. Three of them hold userNames of the 60 creates, one in
  // other letter case.
  sim.seed(orgWithDeleted(250, {employeeMail(5), "USER0017@Corp.Example", employeeMail(60)}));
  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(newPeople(60)));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  sim.resetCounters();
  const std::string out = planText(config);
  EXPECT_EQ(sim.count(kListing), 3) << "every page once";
  EXPECT_EQ(sim.count(kSearch), 0) << "no search per create";
  for (const char* id : {"EMP-0005", "EMP-0017", "EMP-0060"}) {
    EXPECT_NE(out.find(std::string("+ restore ") + id), std::string::npos) << id << "\n" << out;
  }
  EXPECT_EQ(countOf(out, "+ restore "), 3) << out;
  EXPECT_NE(out.find("Plan: 57 to create, 3 to restore"), std::string::npos) << out;
  EXPECT_NE(out.find("Deleted users: 1 listing of 253 (3 pages) instead of 60 searches: more "
                     "than 50 creates, and the listing takes fewer calls."),
            std::string::npos)
      << out;

  // The plan JSON keeps it; markdown shows it.
  RunResult json = runAgent({"plan", "--config", config, "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto doc = parseJson(json.out);
  ASSERT_TRUE(doc.ok()) << json.out;
  EXPECT_EQ(doc->get("cost").getString("deletedLookup").rfind("1 listing of 253 (3 pages)", 0), 0u)
      << json.out;
  RunResult md = runAgent({"plan", "--config", config, "--format", "markdown"});
  EXPECT_NE(md.out.find("Deleted users: 1 listing of 253"), std::string::npos) << md.out;

  sim.resetCounters();
  RunResult r = runAgent({"apply", "--config", config, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(sim.count(kSearch), 0);
  EXPECT_EQ(sim.count(kRestore), 3);
  EXPECT_EQ(sim.count(kCreate), 57);
  EXPECT_EQ(sim.userByExternalId("EMP-0017").getString("state"), "active");
}

TEST(DeletedLookupTest, FewCreatesSearchForEachAndRestoreTheMatch) {
  SimProcess sim;
  sim.seed(orgWithDeleted(250, {employeeMail(2)}));
  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(newPeople(3)));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  sim.resetCounters();
  const std::string out = planText(config);
  EXPECT_EQ(sim.count(kSearch), 3) << "one search per create";
  EXPECT_EQ(sim.count(kListing), 0) << "no listing for a few creates";
  EXPECT_NE(out.find("+ restore EMP-0002"), std::string::npos) << out;
  EXPECT_EQ(countOf(out, "+ restore "), 1) << out;
  EXPECT_NE(out.find("Deleted users: 3 searches, one per create: 50 creates or fewer."),
            std::string::npos)
      << out;
}

// A listing that fails part way is not taken for a whole one: the users on the pages it missed
// may be deleted ones, so every create is searched for, and the matches are still restored.
TEST(DeletedLookupTest, ListingThatFailsPartWayFallsBackToOneSearchPerCreate) {
  SimProcess sim;
  sim.seed(orgWithDeleted(250, {employeeMail(5), employeeMail(55)}));
  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(newPeople(60)));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  sim.resetCounters();
  auto faults = parseJson(R"({"failNext":[{"route":"GET /api/v2/users","status":500,"count":1,
                                          "after":1}]})");
  ASSERT_TRUE(faults.ok());
  sim.faults(*faults);
  const std::string out = planText(config);
  EXPECT_EQ(sim.count(kListing), 2) << "page 1, then the failed page 2";
  EXPECT_EQ(sim.count(kSearch), 60);
  EXPECT_NE(out.find("+ restore EMP-0005"), std::string::npos) << out;
  EXPECT_NE(out.find("+ restore EMP-0055"), std::string::npos) << out;
  EXPECT_EQ(out.find("could not check for a deleted Genesys user"), std::string::npos) << out;
  EXPECT_NE(out.find("Deleted users: 60 searches, one per create: the listing of deleted users "
                     "could not be read whole (GET /api/v2/users?state=deleted&pageSize=100&"
                     "pageNumber=2 → 500"),
            std::string::npos)
      << out;
}

// More pages of deleted users than creates: the first page tells, and the searches are cheaper.
TEST(DeletedLookupTest, ListingLongerThanTheCreatesStopsAtItsFirstPage) {
  SimProcess sim;
  sim.seed(orgWithDeleted(5'200, {employeeMail(7)}));  // 5,201: 53 pages for 51 creates
  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(newPeople(51)));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  sim.resetCounters();
  const std::string out = planText(config);
  EXPECT_EQ(sim.count(kListing), 1);
  EXPECT_EQ(sim.count(kSearch), 51);
  EXPECT_EQ(countOf(out, "+ restore "), 1) << out;
  EXPECT_NE(out.find("+ restore EMP-0007"), std::string::npos) << out;
  EXPECT_NE(out.find("Deleted users: 51 searches, one per create: the listing of 5,201 deleted "
                     "users would take 53 pages (1 page read)."),
            std::string::npos)
      << out;
}

// The issue's figure: an initial import of 10,000 new users against an org holding 5,000 deleted
// users, 50 of whom are in the import, plans with fewer than 500 calls (it made 10,000 searches
// before) and plans those 50 as restores.
TEST(DeletedLookupTest, InitialImportOfTenThousandPlansWithFewerThanFiveHundredCalls) {
  SimProcess sim;
  std::vector<std::string> returning;
  for (int i = 1; i <= 50; ++i) returning.push_back(employeeMail(i * 200));
  sim.seed(orgWithDeleted(4'950, returning));
  TempDir dir;
  dir.write("desired/org.yaml", desiredYaml(newPeople(10'000)));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired"));

  sim.resetCounters();
  const std::string out = planText(config);
  const Json counters = sim.counters();
  EXPECT_LT(counters.getNumber("total"), 500) << counters.dump();
  EXPECT_EQ(sim.count(kSearch), 0);
  EXPECT_EQ(sim.count(kListing), 50);
  EXPECT_EQ(countOf(out, "+ restore "), 50);
  EXPECT_NE(out.find("+ restore EMP-10000"), std::string::npos);
  EXPECT_NE(out.find("Plan: 9950 to create, 50 to restore"), std::string::npos)
      << out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
  EXPECT_NE(out.find("Deleted users: 1 listing of 5,000 (50 pages) instead of 10,000 searches"),
            std::string::npos);
}

}  // namespace
}  // namespace scim_agent::testing
