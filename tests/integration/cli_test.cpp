// The command line itself: help, usage errors, validation output and exit codes.
#include <gtest/gtest.h>

#include "tests/support/harness.h"
#include "tests/support/temp_dir.h"

namespace scim_agent::testing {
namespace {

// An agent.yaml in `dir` for a Genesys on 127.0.0.1 port 1, where nothing listens, with the desired
// state users.yaml and the state file state.db (paths relative to `dir`); returns its path.
std::string writeOfflineConfig(const TempDir& dir) {
  dir.write("client-secret", "x\n");
  return dir.write("agent.yaml",
                   "target:\n"
                   "  apiBase: http://127.0.0.1:1\n"
                   "  loginBase: http://127.0.0.1:1\n"
                   "  clientId: c\n"
                   "  clientSecretFile: client-secret\n"
                   "desired: users.yaml\n"
                   "state: state.db\n");
}

TEST(CliTest, EveryCommandHasHelp) {
  for (const char* command : {"validate", "plan", "apply", "approve", "adopt", "serve", "run",
                              "terminations", "history", "version"}) {
    RunResult r = runAgent({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command << r.err;
    EXPECT_NE(r.out.find(std::string("usage: scim-agent ") + command), std::string::npos) << r.out;
  }
  RunResult top = runAgent({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("plan"), std::string::npos);
  EXPECT_NE(top.out.find("  terminations  List"), std::string::npos) << "summaries line up";
}

TEST(CliTest, UnknownCommandAndOptionAreUsageErrors) {
  EXPECT_EQ(runAgent({"frobnicate"}).exit_code, 64);
  RunResult r = runAgent({"plan", "--no-such-option"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("no-such-option"), std::string::npos) << r.err;
  EXPECT_EQ(runAgent({}).exit_code, 64);
}

TEST(CliTest, ValidateReportsEveryErrorWithItsPlace) {
  TempDir dir;
  const std::string spec = dir.write("users.yaml",
                                     "apiVersion: scim-agent/v1\n"
                                     "users:\n"
                                     "  - externalId: EMP-1\n"
                                     "    userName: a@corp.example\n"
                                     "    displayName: A\n"
                                     "    titel: Typo\n"
                                     "  - externalId: EMP-1\n"
                                     "    userName: not-an-email\n"
                                     "    displayName: B\n"
                                     "    manager: EMP-404\n");
  const std::string config = writeOfflineConfig(dir);
  RunResult r = runAgent({"validate", "--config", config});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find(spec + ":6:5: unknown key \"titel\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(spec + ":7:"), std::string::npos) << "duplicate externalId\n" << r.err;
  EXPECT_NE(r.err.find(spec + ":8:"), std::string::npos) << "bad email\n" << r.err;
  EXPECT_NE(r.err.find(spec + ":10:"), std::string::npos) << "manager not found\n" << r.err;
}

TEST(CliTest, ValidateAcceptsTheExampleOrg) {
  const std::string example = std::string(SCIM_AGENT_SOURCE_DIR) + "/specs/example";
  // A checkout's example/client-secret is 0644, which is refused; use a 0600 copy.
  TempDir dir;
  const std::string secret = dir.write("client-secret", "demo-secret\n");
  RunResult r = runAgent({"validate", "--config", example + "/agent.yaml"},
                         {{"SCIM_AGENT_TARGET_CLIENTSECRETFILE", secret}});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("valid"), std::string::npos) << r.out;
}

TEST(CliTest, UnreachableGenesysIsAClearError) {
  TempDir dir;
  dir.write("users.yaml", "apiVersion: scim-agent/v1\nusers: []\n");
  const std::string config = writeOfflineConfig(dir);
  RunResult r = runAgent({"plan", "--config", config});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
}

TEST(CliTest, WrongCredentialsAreAClearError) {
  SimProcess sim;
  TempDir dir;
  dir.write("users.yaml", "apiVersion: scim-agent/v1\nusers: []\n");
  const std::string config = writeAgentConfig(dir, sim, dir.file("users.yaml"));
  dir.write("client-secret", "wrong-secret\n");
  RunResult r = runAgent({"plan", "--config", config});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("demo-client"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("wrong-secret"), std::string::npos) << "the secret is never printed";
}

TEST(CliTest, HistoryListsRuns) {
  SimProcess sim;
  TempDir dir;
  dir.write("users.yaml", "apiVersion: scim-agent/v1\nusers: []\n");
  const std::string config = writeAgentConfig(dir, sim, dir.file("users.yaml"));
  ASSERT_EQ(runAgent({"plan", "--config", config}).exit_code, 0);
  RunResult r = runAgent({"history", "--config", config});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("plan"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace scim_agent::testing
