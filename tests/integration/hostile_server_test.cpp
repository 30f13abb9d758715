// The scim-agent binary against a hostile Genesys (tests/support/hostile_server.h): a read that
// is not whole, or that breaks a bound, is a failed read (SPEC §8, §16): `plan` exits 1 naming
// the problem, makes no plan and writes nothing.

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/harness.h"
#include "tests/support/hostile_server.h"
#include "tests/support/org.h"
#include "tests/support/temp_dir.h"

namespace scim_agent::testing {
namespace {

// agent.yaml pointing apiBase and loginBase at `server`, with small bounds (1 MiB, 3 s) and a
// desired state of five people.
std::string writeHostileConfig(const TempDir& dir, const HostileServer& server) {
  std::vector<Person> people;
  for (int n = 1; n <= 5; ++n) {
    Person p;
    p.external_id = "EMP-" + std::to_string(n);
    p.user_name = "user" + std::to_string(n) + "@example.com";
    p.groups = {};
    people.push_back(p);
  }
  dir.write("desired/org.yaml", desiredYaml(people));
  dir.write("client-secret", "demo-secret\n");
  std::ostringstream y;
  y << "target:\n"
    << "  kind: genesys\n"
    << "  apiBase: " << server.baseUrl() << "\n"
    << "  loginBase: " << server.baseUrl() << "\n"
    << "  clientId: demo-client\n"
    << "  clientSecretFile: " << dir.file("client-secret") << "\n"
    << "  maxResponseBytes: 1MiB\n"
    << "  requestDeadline: 3s\n"
    << "desired: " << dir.file("desired") << "\n"
    << "state: " << dir.file("state.db") << "\n";
  return dir.write("agent.yaml", y.str());
}

HostileOptions hostile(Hostility hostility) {
  HostileOptions o;
  o.hostility = hostility;
  return o;
}

// `plan` against the server: exit 1, `problem` in the message, no plan, nothing written.
void expectFailedRead(HostileServer& server, const std::string& problem) {
  TempDir dir;
  const std::string config = writeHostileConfig(dir, server);
  const auto began = std::chrono::steady_clock::now();
  RunResult r = runAgent({"plan", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(problem), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("create"), std::string::npos) << "no plan from half a picture: " << r.out;
  EXPECT_EQ(server.writes(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(60));
}

TEST(HostileServerTest, PlanFailsOnAnEndlessRepeatedPage) {
  HostileServer server(hostile(Hostility::kEndlessPage));  // totalResults 10^9
  expectFailedRead(server, "totalResults 1000000000 is not believable");
  EXPECT_EQ(server.listPages(), 1);
}

TEST(HostileServerTest, PlanFailsOnARepeatedPage) {
  HostileOptions o = hostile(Hostility::kEndlessPage);
  o.endless_total = 5000;
  HostileServer server(o);
  expectFailedRead(server, "(page 2): the page repeats the previous page (the same 25 ids)");
  EXPECT_EQ(server.listPages(), 2);
}

TEST(HostileServerTest, PlanFailsOnAnOversizedBody) {
  HostileServer server(hostile(Hostility::kOversizedChunked));  // 64 MiB, no Content-Length
  // The cap is 1 MiB when the CLI passes target.maxResponseBytes through, 16 MiB otherwise.
  expectFailedRead(server, "(target.maxResponseBytes); stopped reading after ");
  EXPECT_LT(server.bodyBytesSent(), int64_t{48} << 20);
}

TEST(HostileServerTest, PlanFailsOnAShortPage) {
  HostileServer server(hostile(Hostility::kShortPage));
  expectFailedRead(server, "a short page: 10 resources where itemsPerPage says 25");
}

TEST(HostileServerTest, PlanFailsOnNullResources) {
  HostileServer server(hostile(Hostility::kNullResources));
  expectFailedRead(server, "Resources is null or absent while totalResults 60");
}

}  // namespace
}  // namespace scim_agent::testing
