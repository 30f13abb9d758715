// Secret hygiene (issue 5, SPEC §12 "Logs"): with --verbose (every log line, every API request
// line), neither the OAuth client secret, nor the webhook secret, nor a bearer token the
// simulator issued ever reaches stdout, stderr, the state DB (with its -wal and -shm files) or a
// plan file.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "agent/codec/json_parse.h"
#include "tests/support/harness.h"
#include "tests/support/webhook_receiver.h"

namespace scim_agent::testing {
namespace {

const std::string kClientId = "hygiene-client";
const std::string kClientSecret = "CliSecret-9f2c71e4-zq-never-logged";
const std::string kWebhookSecret = "HookSecret-41d0b8aa-zq-never-logged";

// One token from the simulator's /oauth/token for our client (client_id/secret in the form,
// as genesys-api.md §1.2 allows).
std::string issueToken(const SimProcess& sim) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(sim.port()));
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/oauth/token",
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::HTMLForm form;
  form.set("grant_type", "client_credentials");
  form.set("client_id", kClientId);
  form.set("client_secret", kClientSecret);
  form.prepareSubmit(request);
  form.write(session.sendRequest(request));
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  if (response.getStatus() != 200) throw std::runtime_error("token: " + body);
  Result<Json> json = parseJson(body);
  if (!json.ok()) throw std::runtime_error(json.error().message);
  return json->getString("access_token");
}

TEST(SecretsTest, NoSecretOrTokenInOutputStateOrPlans) {
  const std::vector<std::string> client = {"--client", kClientId + ":" + kClientSecret};
  // The simulator issues tokens from a fixed sequence, the same in every process: a probe
  // simulator tells us the tokens the agent's simulator will hand out (checked below by the
  // number of token requests it saw).
  constexpr int kProbedTokens = 40;
  std::vector<std::string> tokens;
  {
    SimProcess probe(client);
    for (int i = 0; i < kProbedTokens; ++i) tokens.push_back(issueToken(probe));
  }
  SimProcess sim(client);
  Json seed = Json::object();
  Json users = Json::array();
  for (const char* id : {"EMP-1", "EMP-2"}) {
    Json u = Json::object();
    u["externalId"] = id;
    u["userName"] = std::string(id) == "EMP-1" ? "stay@corp.example" : "leaver@corp.example";
    u["displayName"] = id;
    users.push(u);
  }
  seed["users"] = users;
  seed["groups"] = Json(Json::Array{Json(Json::Object{{"displayName", "Everyone"}})});
  sim.seed(seed);
  // Our own token from this simulator: the first of the sequence (the agent's come after it).
  const std::string own_token = issueToken(sim);
  EXPECT_EQ(own_token, tokens[0]) << "the simulator's token sequence changed";
  tokens.push_back(own_token);

  WebhookReceiver receiver;
  TempDir dir;
  dir.write("client-secret", kClientSecret + "\n");
  dir.write("desired/org.yaml",
            "apiVersion: scim-agent/v1\n"
            "policy:\n  scope: { externalIdPattern: \"^EMP-\" }\n"
            "  maxDestructive: { count: 100, percent: 100 }\n"
            "users:\n"
            "  - externalId: EMP-1\n    userName: stay@corp.example\n    displayName: Stay\n"
            "    groups: [Everyone]\n"
            "  - externalId: EMP-2\n    userName: leaver@corp.example\n    displayName: EMP-2\n"
            "    status: terminated\n"
            "  - externalId: EMP-3\n    userName: new@corp.example\n    displayName: New\n");
  std::ostringstream y;
  y << "target:\n  kind: genesys\n  apiBase: " << sim.baseUrl() << "\n  loginBase: "
    << sim.baseUrl() << "\n  clientId: " << kClientId
    << "\n  clientSecretFile: " << dir.file("client-secret")
    << "\n  rateLimit: { requestsPerMinute: 6000, concurrency: 4 }\n"
    << "desired: " << dir.file("desired") << "\nstate: " << dir.file("state.db") << "\n";
  dir.write("agent.yaml", y.str());
  const std::string config = addWebhookConfig(dir, receiver.url("/hooks/scim"), kWebhookSecret);

  std::vector<std::pair<std::string, RunResult>> runs;
  auto run = [&](std::vector<std::string> args) {
    args.push_back("--verbose");
    RunResult r = runAgent(args);
    runs.emplace_back(args[0], r);
    return r;
  };
  RunResult r = run({"validate", "--config", config});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run({"adopt", "--report", "--config", config, "--out", dir.file("adopt.txt")});
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 2) << r.out << r.err;
  r = run({"plan", "--config", config, "--out", dir.file("plan.json")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run({"plan", "--config", config, "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run({"apply", "--config", config, "--auto-approve"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run({"apply", "--config", config, "--auto-approve", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run({"history", "--config", config});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = run({"history", "--config", config, "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // The runs did what they should, so the test looked at real work: the webhook was called
  // (signed with the secret), the verbose log has API request lines.
  EXPECT_FALSE(receiver.accepted().empty()) << "the suspend notification was delivered";
  for (const auto& w : receiver.accepted()) EXPECT_TRUE(verifyWebhookSignature(w, kWebhookSecret));
  bool saw_request_line = false;
  for (const auto& [name, result] : runs) {
    saw_request_line = saw_request_line || result.err.find("\"api request\"") != std::string::npos;
  }
  EXPECT_TRUE(saw_request_line) << "--verbose logs each API request";
  const int token_requests = sim.count("POST /oauth/token");
  EXPECT_GE(token_requests, 2);
  ASSERT_LE(token_requests, kProbedTokens) << "probe more tokens";

  std::vector<std::pair<std::string, std::string>> places;  // name, bytes
  for (const auto& [name, result] : runs) {
    places.emplace_back(name + " stdout", result.out);
    places.emplace_back(name + " stderr", result.err);
  }
  for (const char* file : {"state.db", "state.db-wal", "state.db-shm", "plan.json", "adopt.txt"}) {
    if (std::filesystem::exists(dir.file(file))) {
      places.emplace_back(file, readFile(dir.file(file)));
    }
  }
  // Anything else the agent left beside its state (locks, snapshots, outbox files).
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name == "client-secret" || name == "webhook-secret") continue;
    places.emplace_back(entry.path().string(), readFile(entry.path().string()));
  }
  ASSERT_FALSE(readFile(dir.file("state.db")).empty());

  std::vector<std::pair<std::string, std::string>> secrets = {
      {"client secret", kClientSecret}, {"webhook secret", kWebhookSecret}};
  for (const std::string& t : tokens) secrets.emplace_back("bearer token", t);
  for (const auto& [where, bytes] : places) {
    for (const auto& [what, secret] : secrets) {
      EXPECT_EQ(bytes.find(secret), std::string::npos) << "the " << what << " is in " << where;
    }
    // Half a secret is still a leak (a truncated line, a prefix in a message).
    EXPECT_EQ(bytes.find(kClientSecret.substr(0, 16)), std::string::npos) << where;
    EXPECT_EQ(bytes.find(kWebhookSecret.substr(0, 16)), std::string::npos) << where;
  }
}

}  // namespace
}  // namespace scim_agent::testing
