// Issue 9: a suspend held by `apply --hold-destructive` is applied by no entry point but
// `approve` — not by `run`, not by serve's start-up or periodic cycle, not by an HR event for
// another user — against genesys-sim.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "agent/codec/hmac_sha256.h"
#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "tests/support/harness.h"
#include "tests/support/org.h"
#include "tests/support/temp_dir.h"

namespace scim_agent::testing {
namespace {

const std::string kSecret = "held-entry-points-secret";
const std::string kUserPatch = "PATCH /scim/v2/users/{id}";
const std::string kTokens = "DELETE /api/v2/tokens/{userId}";

// EMP-1 and EMP-2 stay (with `title`), EMP-3 is live but removed from the desired state.
std::vector<Person> people(const std::string& title) {
  return {{"EMP-1", "emp-1@example.com", "active", "", title, {}},
          {"EMP-2", "emp-2@example.com", "active", "", title, {}},
          {"EMP-3", "emp-3@example.com", "", "", "Engineer", {}}};
}

int postEvent(int port, const std::string& type, const std::string& external_id) {
  const std::string body = "{\"type\":\"" + type + "\",\"externalId\":\"" + external_id +
                           "\",\"occurredAt\":\"2026-11-23T09:00:00Z\"}";
  const std::string ts = std::to_string(static_cast<long long>(std::time(nullptr)));
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request("POST", "/v1/events", Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("X-Scim-Agent-Timestamp", ts);
  request.set("X-Scim-Agent-Signature", timestampedSignature(kSecret, ts, body));
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::string ignored;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), ignored);
  return response.getStatus();
}

// Polls `done` every 50 ms for up to 30 s (no timed assertion: a slow machine only waits longer).
template <typename F>
bool eventually(F done) {
  for (int i = 0; i < 600; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

int runsRecorded(const TempDir& dir) {
  auto store = StateStore::open(dir.file("state.db"));
  if (!store.ok()) return -1;
  auto runs = (*store)->listRuns(0);
  return runs.ok() ? static_cast<int>(runs->size()) : -1;
}

std::vector<std::string> pending(const TempDir& dir) {
  auto store = StateStore::open(dir.file("state.db"));
  std::vector<std::string> out;
  if (!store.ok()) return out;
  auto rows = (*store)->pendingHeldActions();
  if (rows.ok()) {
    for (const HeldAction& h : *rows) out.push_back(h.external_id);
  }
  return out;
}

TEST(HeldEntryPointsTest, OnlyApproveAppliesAHeldSuspend) {
  SimProcess sim;
  sim.seed(seedOrg(people("Engineer")));
  TempDir dir;
  dir.write("desired.yaml", desiredYaml(people("Engineer")));
  const std::string config = writeAgentConfig(dir, sim, dir.file("desired.yaml"));
  dir.write("event-secret", kSecret + "\n");
  std::ofstream(config, std::ios::app) << "serve: { listen: 127.0.0.1:0, eventSecretFile: "
                                       << dir.file("event-secret") << " }\n";
  auto held = [&] {
    const Json u = sim.userByExternalId("EMP-3");
    return u.getBool("active") && u.getNumber("tokensRevoked", -1) == 0;
  };

  RunResult r = runAgent({"apply", "--config", config, "--auto-approve", "--hold-destructive"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ASSERT_EQ(pending(dir), std::vector<std::string>{"EMP-3"});
  ASSERT_TRUE(held()) << sim.userByExternalId("EMP-3").dump();

  // The timer's run.
  sim.resetCounters();
  r = runAgent({"run", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(held());
  EXPECT_EQ(sim.count(kUserPatch), 0);
  EXPECT_EQ(sim.count(kTokens), 0);

  // serve: its start-up cycle and periodic cycles, then an HR event for another user.
  dir.write("desired.yaml", desiredYaml(people("Lead")));  // EMP-1, EMP-2: a new title
  const int runs_before = runsRecorded(dir);
  const std::string port_file = dir.file("serve.port");
  {
    AgentProcess serve({"serve", "--config", config, "--interval", "1s", "--port-file", port_file});
    int port = 0;
    ASSERT_TRUE(eventually([&] { return static_cast<bool>(std::ifstream(port_file) >> port); }));
    // At least two full cycles (start-up and periodic), each an apply run.
    ASSERT_TRUE(eventually([&] { return runsRecorded(dir) >= runs_before + 2; }));
    EXPECT_EQ(sim.userByExternalId("EMP-2").getString("title"), "Lead");  // the cycles applied
    EXPECT_TRUE(held());
    const int runs_after_cycles = runsRecorded(dir);
    ASSERT_EQ(postEvent(port, "update", "EMP-1"), 202);
    ASSERT_TRUE(eventually([&] { return runsRecorded(dir) > runs_after_cycles; }));
    serve.terminate();
    serve.wait();
  }
  EXPECT_TRUE(held());
  EXPECT_EQ(sim.count(kTokens), 0);
  EXPECT_EQ(pending(dir), std::vector<std::string>{"EMP-3"});

  // approve applies it: suspended, tokens revoked, the row resolved.
  sim.resetCounters();
  r = runAgent({"approve", "--config", config, "--externalId", "EMP-3"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(sim.userByExternalId("EMP-3").getBool("active"));
  EXPECT_EQ(sim.count(kTokens), 1);
  EXPECT_TRUE(pending(dir).empty());
}

}  // namespace
}  // namespace scim_agent::testing
