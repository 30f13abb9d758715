#include "agent/config/config.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "unit/config/temp_dir.h"

namespace scim_agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Env = std::map<std::string, std::string>;

std::vector<std::string> messages(const Diagnostics& diags) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diags.items()) out.push_back(d.toString());
  return out;
}

class ConfigTest : public ::testing::Test {
 protected:
  // Writes agent.yaml (and a client-secret file next to it) and loads it.
  std::optional<Config> load(const std::string& yaml, const Env& env = {}) {
    dir_.write("client-secret", "s3cret\n");
    path_ = dir_.write("agent.yaml", yaml);
    diags_ = Diagnostics();
    return loadConfig(path_, env, diags_);
  }

  // agent.yaml position prefix: "<dir>/agent.yaml:line:column: ".
  std::string at(int line, int column) const {
    return path_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
  }

  TempDir dir_;
  std::string path_;
  Diagnostics diags_;
};

constexpr const char* kMinimal =
    "target:\n"
    "  region: us-east-1\n"
    "  clientId: abc\n"
    "  clientSecretFile: client-secret\n";

TEST_F(ConfigTest, LoadsMinimalConfigWithDefaults) {
  auto config = load(kMinimal);
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_TRUE(diags_.empty());
  EXPECT_EQ(config->path, path_);
  EXPECT_EQ(config->target.kind, "genesys");
  EXPECT_EQ(config->target.region, "us-east-1");
  EXPECT_EQ(config->target.api_base, "https://api.mypurecloud.com");
  EXPECT_EQ(config->target.login_base, "https://login.mypurecloud.com");
  EXPECT_EQ(config->target.client.client_id, "abc");
  EXPECT_EQ(config->target.client.client_secret, "s3cret");
  EXPECT_FALSE(config->target.elevated);
  EXPECT_EQ(config->target.requests_per_minute, 300);
  EXPECT_EQ(config->target.concurrency, 4);
  EXPECT_EQ(config->target.page_size, 25);
  EXPECT_TRUE(config->target.tls_verify);
  EXPECT_EQ(config->target.ca_file, "");
  EXPECT_EQ(config->desired_path, "");
  EXPECT_EQ(config->state_path, "/var/lib/scim-agent/state.db");
  EXPECT_FALSE(config->has_policy);
  EXPECT_EQ(config->serve_listen, "127.0.0.1:8443");
}

TEST_F(ConfigTest, RegionTableAcceptsIdsAndHosts) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"us-east-1", "mypurecloud.com"},        {"eu-west-1", "mypurecloud.ie"},
      {"mypurecloud.ie", "mypurecloud.ie"},    {"usw2.pure.cloud", "usw2.pure.cloud"},
      {"us-west-2", "usw2.pure.cloud"},        {"ap-southeast-2", "mypurecloud.com.au"},
      {"eu-central-1", "mypurecloud.de"},      {"us-east-2", "use2.us-gov-pure.cloud"},
      {"api.mypurecloud.jp", "mypurecloud.jp"}};
  for (const auto& [region, host] : cases) {
    auto config = load("target:\n  region: " + region +
                       "\n  clientId: abc\n  clientSecretFile: client-secret\n");
    ASSERT_TRUE(config) << region;
    EXPECT_EQ(config->target.api_base, "https://api." + host) << region;
    EXPECT_EQ(config->target.login_base, "https://login." + host) << region;
  }
  EXPECT_EQ(regionHost("EU-WEST-1"), "mypurecloud.ie");
  EXPECT_EQ(regionHost("mars-1"), std::nullopt);
}

TEST_F(ConfigTest, UnknownRegionIsAnErrorWithSuggestion) {
  auto config = load(
      "target:\n"
      "  region: us-east1\n"
      "  clientId: abc\n"
      "  clientSecretFile: client-secret\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(2, 3) + "unknown region \"us-east1\" (did you mean \"us-east-1\"?)"));
}

TEST_F(ConfigTest, UnknownRegionWithoutSuggestionListsTheRegions) {
  auto config = load(
      "target:\n"
      "  region: atlantis-deep-1\n"
      "  clientId: abc\n"
      "  clientSecretFile: client-secret\n");
  EXPECT_FALSE(config);
  ASSERT_EQ(messages(diags_).size(), 1u);
  const std::string m = messages(diags_)[0];
  EXPECT_NE(m.find(at(2, 3) + "unknown region \"atlantis-deep-1\""), std::string::npos) << m;
  // The fact itself, not a pointer to a document the user does not have.
  EXPECT_NE(m.find("eu-west-1 = mypurecloud.ie"), std::string::npos) << m;
  EXPECT_NE(m.find("apiBase and loginBase"), std::string::npos) << m;
  EXPECT_EQ(m.find(".md"), std::string::npos) << m;
}

TEST_F(ConfigTest, ApiBaseAndLoginBaseReplaceRegion) {
  auto config = load(
      "target:\n"
      "  apiBase: http://127.0.0.1:18089/\n"
      "  loginBase: http://localhost:18089\n"
      "  clientId: abc\n"
      "  clientSecretFile: client-secret\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->target.api_base, "http://127.0.0.1:18089");
  EXPECT_EQ(config->target.login_base, "http://localhost:18089");
  EXPECT_EQ(config->target.region, "");
}

TEST_F(ConfigTest, HttpToNonLoopbackHostIsRefused) {
  auto config = load(
      "target:\n"
      "  apiBase: http://api.example.com\n"
      "  loginBase: https://login.example.com\n"
      "  clientId: abc\n"
      "  clientSecretFile: client-secret\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(2, 3) + "plain http:// is allowed only for loopback hosts (127.0.0.1, "
                                     "localhost, ::1); use https:// for \"api.example.com\""));
}

TEST_F(ConfigTest, HttpsToAnyHostAndHttpToIpv6LoopbackAreAccepted) {
  auto config = load(
      "target:\n"
      "  apiBase: https://scim.example.com/base\n"
      "  loginBase: http://[::1]:8080\n"
      "  clientId: abc\n"
      "  clientSecretFile: client-secret\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->target.api_base, "https://scim.example.com/base");
  EXPECT_EQ(config->target.login_base, "http://[::1]:8080");
}

TEST_F(ConfigTest, ApiBaseWithoutLoginBaseIsAnError) {
  auto config = load(
      "target:\n"
      "  apiBase: https://scim.example.com\n"
      "  clientId: abc\n"
      "  clientSecretFile: client-secret\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(2, 3) + "apiBase and loginBase go together: loginBase is missing"));
}

TEST_F(ConfigTest, MalformedBaseUrlIsAnError) {
  auto config = load(
      "target:\n"
      "  apiBase: ftp://x\n"
      "  loginBase: nonsense\n"
      "  clientId: abc\n"
      "  clientSecretFile: client-secret\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(
      messages(diags_),
      ElementsAre(at(2, 3) + "apiBase must be an http:// or https:// URL, got \"ftp://x\"",
                  at(3, 3) + "loginBase must be an http:// or https:// URL, got \"nonsense\""));
}

TEST_F(ConfigTest, RegionOrApiBaseIsRequired) {
  auto config = load(
      "target:\n"
      "  clientId: abc\n"
      "  clientSecretFile: client-secret\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(1, 1) + "target needs region, or apiBase and loginBase"));
}

TEST_F(ConfigTest, MissingTargetIsAnError) {
  auto config = load("state: /tmp/x.db\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_), ElementsAre(at(1, 1) + "missing required key \"target\""));
}

TEST_F(ConfigTest, TlsVerifyFalseOnlyForLoopback) {
  auto refused = load(
      "target:\n"
      "  region: us-east-1\n"
      "  clientId: abc\n"
      "  clientSecretFile: client-secret\n"
      "  tls:\n"
      "    verify: false\n");
  EXPECT_FALSE(refused);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(6, 5) + "tls.verify: false is allowed only for loopback targets "
                                     "(apiBase and loginBase on 127.0.0.1, localhost or ::1)"));

  auto accepted = load(
      "target:\n"
      "  apiBase: https://127.0.0.1:9443\n"
      "  loginBase: https://127.0.0.1:9443\n"
      "  clientId: abc\n"
      "  clientSecretFile: client-secret\n"
      "  tls: { verify: false }\n");
  ASSERT_TRUE(accepted) << ::testing::PrintToString(messages(diags_));
  EXPECT_FALSE(accepted->target.tls_verify);
}

TEST_F(ConfigTest, CaFileResolvesAgainstConfigDirectoryAndMustExist) {
  dir_.write("certs/ca.pem", "---");
  auto config = load(std::string(kMinimal) + "  tls: { caFile: certs/ca.pem }\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->target.ca_file, dir_.file("certs/ca.pem"));

  auto missing = load(std::string(kMinimal) + "  tls: { caFile: nope.pem }\n");
  EXPECT_FALSE(missing);
  EXPECT_THAT(messages(diags_), ElementsAre(at(5, 10) + "caFile " + dir_.file("nope.pem") +
                                            " is not a readable file"));
}

TEST_F(ConfigTest, RateLimitAndPageSizeAreRead) {
  auto config = load(std::string(kMinimal) +
                     "  rateLimit: { requestsPerMinute: 3000, concurrency: 8 }\n"
                     "  pageSize: 100\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->target.requests_per_minute, 3000);
  EXPECT_EQ(config->target.concurrency, 8);
  EXPECT_EQ(config->target.page_size, 100);
}

TEST_F(ConfigTest, OutOfRangeConcurrencyIsAnError) {
  auto config = load(std::string(kMinimal) + "  rateLimit:\n    concurrency: 0\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(6, 5) + "concurrency must be between 1 and 64, got 0"));
}

TEST_F(ConfigTest, SecretFileWinsOverCredentialsDirectoryAndEnvironment) {
  TempDir credentials;
  credentials.write("client-secret", "from-credential\n");
  auto config = load(kMinimal, Env{{"CREDENTIALS_DIRECTORY", credentials.path()},
                                   {"SCIM_AGENT_CLIENT_SECRET", "from-env"}});
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->target.client.client_secret, "s3cret");
  EXPECT_EQ(config->target.client.secret_source, "file " + dir_.file("client-secret"));
}

TEST_F(ConfigTest, CredentialsDirectoryWinsOverEnvironment) {
  TempDir credentials;
  credentials.write("client-secret", "from-credential\r\n");
  auto config = load(
      "target:\n  region: us-east-1\n  clientId: abc\n",
      Env{{"CREDENTIALS_DIRECTORY", credentials.path()}, {"SCIM_AGENT_CLIENT_SECRET", "from-env"}});
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->target.client.client_secret, "from-credential");
  EXPECT_EQ(config->target.client.secret_source, "credential client-secret");
}

TEST_F(ConfigTest, EnvironmentSecretIsTheLastResort) {
  TempDir empty_credentials;  // set, but without the credential file
  auto config = load("target:\n  region: us-east-1\n  clientId: abc\n",
                     Env{{"CREDENTIALS_DIRECTORY", empty_credentials.path()},
                         {"SCIM_AGENT_CLIENT_SECRET", "from-env"}});
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->target.client.client_secret, "from-env");
  EXPECT_EQ(config->target.client.secret_source, "env SCIM_AGENT_CLIENT_SECRET");
}

TEST_F(ConfigTest, MissingSecretNamesTheThreePlacesLooked) {
  auto config = load("target:\n  region: us-east-1\n  clientId: abc\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(
      messages(diags_),
      ElementsAre(at(1, 1) + "no client secret for target: looked for target.clientSecretFile (not "
                             "set), the systemd credential $CREDENTIALS_DIRECTORY/client-secret "
                             "(CREDENTIALS_DIRECTORY is not set), and the environment variable "
                             "SCIM_AGENT_CLIENT_SECRET (not set)"));
}

TEST_F(ConfigTest, UnreadableSecretFileIsAnErrorNamingTheFile) {
  auto config = load(
      "target:\n"
      "  region: us-east-1\n"
      "  clientId: abc\n"
      "  clientSecretFile: /nonexistent/secret\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(4, 3) + "cannot read clientSecretFile /nonexistent/secret: "
                                     "No such file or directory"));
}

TEST_F(ConfigTest, EmptySecretFileIsAnError) {
  dir_.write("empty-secret", "\n");
  auto config = load(
      "target:\n"
      "  region: us-east-1\n"
      "  clientId: abc\n"
      "  clientSecretFile: empty-secret\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_), ElementsAre(at(4, 3) + "cannot read clientSecretFile " +
                                            dir_.file("empty-secret") + ": is empty"));
}

TEST_F(ConfigTest, LiteralClientSecretIsRefused) {
  auto config = load(std::string(kMinimal) + "  clientSecret: hunter2\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(5, 3) + "secrets are never in agent.yaml; use clientSecretFile"));
  for (const auto& m : messages(diags_)) EXPECT_THAT(m, ::testing::Not(HasSubstr("hunter2")));
}

TEST_F(ConfigTest, ElevatedClientUsesItsOwnCredentialAndVariable) {
  TempDir credentials;
  credentials.write("elevated-client-secret", "elevated-secret\n");
  auto config = load(std::string(kMinimal) + "  elevated: { clientId: admin-client }\n",
                     Env{{"CREDENTIALS_DIRECTORY", credentials.path()}});
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  ASSERT_TRUE(config->target.elevated);
  EXPECT_EQ(config->target.elevated->client_id, "admin-client");
  EXPECT_EQ(config->target.elevated->client_secret, "elevated-secret");
  EXPECT_EQ(config->target.elevated->secret_source, "credential elevated-client-secret");

  auto from_env = load(std::string(kMinimal) + "  elevated: { clientId: admin-client }\n",
                       Env{{"SCIM_AGENT_ELEVATED_CLIENT_SECRET", "e"}});
  ASSERT_TRUE(from_env) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(from_env->target.elevated->secret_source, "env SCIM_AGENT_ELEVATED_CLIENT_SECRET");
}

TEST_F(ConfigTest, ElevatedWithoutClientIdIsAnError) {
  auto config = load(std::string(kMinimal) + "  elevated:\n    clientSecretFile: client-secret\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_), ElementsAre(at(5, 3) + "target.elevated needs clientId"));
}

TEST_F(ConfigTest, EnvironmentOverridesEveryScalar) {
  dir_.write("other-secret", "other\n");
  const Env env = {
      {"SCIM_AGENT_TARGET_KIND", "scim"},
      {"SCIM_AGENT_TARGET_APIBASE", "http://127.0.0.1:18089"},
      {"SCIM_AGENT_TARGET_LOGINBASE", "http://127.0.0.1:18089"},
      {"SCIM_AGENT_TARGET_CLIENTID", "env-client"},
      {"SCIM_AGENT_TARGET_CLIENTSECRETFILE", "other-secret"},
      {"SCIM_AGENT_TARGET_RATELIMIT_REQUESTSPERMINUTE", "1200"},
      {"SCIM_AGENT_TARGET_RATELIMIT_CONCURRENCY", "2"},
      {"SCIM_AGENT_TARGET_TLS_VERIFY", "false"},
      {"SCIM_AGENT_TARGET_PAGESIZE", "50"},
      {"SCIM_AGENT_DESIRED", "specs"},
      {"SCIM_AGENT_STATE", "/srv/state.db"},
      {"SCIM_AGENT_POLICY_ONREMOVAL", "delete"},
      {"SCIM_AGENT_POLICY_MAXDESTRUCTIVE_COUNT", "7"},
      {"SCIM_AGENT_POLICY_MAXSOURCESHRINK", "20%"},
      {"SCIM_AGENT_SERVE_LISTEN", "0.0.0.0:9000"},
  };
  auto config = load(std::string(kMinimal) + "desired: /etc/scim-agent/desired\n", env);
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->target.kind, "scim");
  EXPECT_EQ(config->target.api_base, "http://127.0.0.1:18089");
  EXPECT_EQ(config->target.client.client_id, "env-client");
  EXPECT_EQ(config->target.client.client_secret, "other");
  EXPECT_EQ(config->target.requests_per_minute, 1200);
  EXPECT_EQ(config->target.concurrency, 2);
  EXPECT_FALSE(config->target.tls_verify);
  EXPECT_EQ(config->target.page_size, 50);
  EXPECT_EQ(config->desired_path, dir_.file("specs"));
  EXPECT_EQ(config->state_path, "/srv/state.db");
  EXPECT_TRUE(config->has_policy);
  EXPECT_EQ(config->policy.on_removal, RemovalPolicy::kDelete);
  EXPECT_EQ(config->policy.max_destructive_count, 7);
  EXPECT_EQ(config->policy.max_source_shrink_percent, 20);
  EXPECT_EQ(config->serve_listen, "0.0.0.0:9000");
}

TEST_F(ConfigTest, EnvironmentRegionOverridesFileRegion) {
  auto config = load(kMinimal, Env{{"SCIM_AGENT_TARGET_REGION", "eu-west-1"}});
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->target.api_base, "https://api.mypurecloud.ie");
}

TEST_F(ConfigTest, EmptyEnvironmentValueIsIgnored) {
  auto config = load(kMinimal, Env{{"SCIM_AGENT_TARGET_REGION", ""}});
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->target.region, "us-east-1");
}

TEST_F(ConfigTest, EnvironmentValueOfWrongTypeNamesTheVariable) {
  auto config = load(kMinimal, Env{{"SCIM_AGENT_TARGET_RATELIMIT_CONCURRENCY", "many"},
                                   {"SCIM_AGENT_TARGET_TLS_VERIFY", "maybe"}});
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_),
              ElementsAre("SCIM_AGENT_TARGET_RATELIMIT_CONCURRENCY: expected an integer for "
                          "\"concurrency\", got \"many\"",
                          "SCIM_AGENT_TARGET_TLS_VERIFY: expected a boolean (true or false) for "
                          "\"verify\", got \"maybe\""));
}

TEST_F(ConfigTest, EnvironmentVariableTableCoversTheContractNames) {
  std::vector<std::string> names;
  for (const auto& v : configEnvironmentVariables()) names.push_back(v.variable);
  for (const char* expected :
       {"SCIM_AGENT_TARGET_KIND", "SCIM_AGENT_TARGET_REGION", "SCIM_AGENT_TARGET_APIBASE",
        "SCIM_AGENT_TARGET_LOGINBASE", "SCIM_AGENT_TARGET_CLIENTID",
        "SCIM_AGENT_TARGET_CLIENTSECRETFILE", "SCIM_AGENT_TARGET_RATELIMIT_REQUESTSPERMINUTE",
        "SCIM_AGENT_TARGET_RATELIMIT_CONCURRENCY", "SCIM_AGENT_TARGET_TLS_CAFILE",
        "SCIM_AGENT_TARGET_TLS_VERIFY", "SCIM_AGENT_DESIRED", "SCIM_AGENT_STATE"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

TEST_F(ConfigTest, MissingConfigFileIsAnErrorNamingIt) {
  Diagnostics diags;
  const std::string path = dir_.file("nope.yaml");
  EXPECT_FALSE(loadConfig(path, {}, diags));
  EXPECT_THAT(messages(diags), ElementsAre(path + ": config file not found; pass --config FILE, or set "
                                                   "SCIM_AGENT_CONFIG, to use another agent.yaml"));
}

TEST_F(ConfigTest, YamlSyntaxErrorHasPosition) {
  auto config = load("target:\n  region: [us-east-1\n");
  EXPECT_FALSE(config);
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_THAT(messages(diags_)[0], HasSubstr(path_ + ":"));
  EXPECT_THAT(messages(diags_)[0], HasSubstr("YAML syntax error"));
  EXPECT_GT(diags_.items()[0].pos.line, 0);
}

TEST_F(ConfigTest, UnknownKeysAndWrongTypesAreAllReportedWithPositions) {
  auto config = load(
      "target:\n"
      "  regoin: us-east-1\n"
      "  clientId: [abc]\n"
      "  clientSecretFile: client-secret\n"
      "  rateLimit: 5\n"
      "stat: /tmp/state.db\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(6, 1) + "unknown key \"stat\" (did you mean \"state\"?)",
                          at(2, 3) + "unknown key \"regoin\" (did you mean \"region\"?)",
                          at(1, 1) + "target needs region, or apiBase and loginBase",
                          at(3, 3) + "expected a string for \"clientId\", got a sequence",
                          at(5, 3) + "expected a mapping for \"rateLimit\", got \"5\""));
}

TEST_F(ConfigTest, RelativePathsResolveAgainstTheConfigDirectory) {
  auto config = load(std::string(kMinimal) +
                     "desired: specs/org.yaml\n"
                     "state: ../state/state.db\n"
                     "serve: { listen: 127.0.0.1:9000, eventSecretFile: event-secret }\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->desired_path, dir_.file("specs/org.yaml"));
  EXPECT_EQ(config->state_path,
            (std::filesystem::path(dir_.path()).parent_path() / "state/state.db").string());
  EXPECT_EQ(config->serve_event_secret_file, dir_.file("event-secret"));
  EXPECT_EQ(config->serve_listen, "127.0.0.1:9000");
}

TEST_F(ConfigTest, PolicySectionIsReadOverDefaults) {
  auto config = load(std::string(kMinimal) +
                     "policy:\n"
                     "  scope: { externalIdPattern: \"^EMP-\" }\n"
                     "  unmanaged: report\n"
                     "  deleteAfter: 2w\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_TRUE(config->has_policy);
  EXPECT_EQ(config->policy.scope_external_id_pattern, "^EMP-");
  EXPECT_EQ(config->policy.unmanaged, UnmanagedPolicy::kReport);
  EXPECT_EQ(config->policy.delete_after_days, 14);
  EXPECT_EQ(config->policy.on_removal, RemovalPolicy::kSuspend);  // SPEC default kept
  EXPECT_EQ(config->policy.max_destructive_count, 25);
}

TEST_F(ConfigTest, NotifyWebhookFollowsTheHttpsRule) {
  auto config =
      load(std::string(kMinimal) +
           "notify:\n  webhook: { url: \"https://hooks.example.com/x\", secretFile: s }\n");
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags_));
  EXPECT_EQ(config->notify_webhook_url, "https://hooks.example.com/x");
  EXPECT_EQ(config->notify_webhook_secret_file, dir_.file("s"));

  auto refused =
      load(std::string(kMinimal) + "notify:\n  webhook:\n    url: http://hooks.example.com/x\n");
  EXPECT_FALSE(refused);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(7, 5) + "plain http:// is allowed only for loopback hosts (127.0.0.1, "
                                     "localhost, ::1); use https:// for \"hooks.example.com\""));
}

TEST_F(ConfigTest, SourcesAreKeptForTheSourceParserWithTheConfigFolder) {
  // agent/sources checks the entries (with their places here) when the desired state loads.
  auto config = load(std::string(kMinimal) + "sources:\n  - { type: csv }\n");
  ASSERT_TRUE(config);
  ASSERT_TRUE(config->sources.has_value());
  EXPECT_EQ(config->sources->pos.line, 5);
  EXPECT_FALSE(config->sources_dir.empty());
  auto not_a_list = load(std::string(kMinimal) + "sources: hr.csv\n");
  EXPECT_FALSE(not_a_list);
}

TEST_F(ConfigTest, UnknownKindIsAnError) {
  auto config = load(std::string(kMinimal) + "  kind: okta\n");
  EXPECT_FALSE(config);
  EXPECT_THAT(messages(diags_),
              ElementsAre(at(5, 3) + "kind must be genesys or scim, got \"okta\""));
}

TEST(LoopbackTest, RecognisesLoopbackHosts) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"}) {
    EXPECT_TRUE(isLoopbackHost(host)) << host;
  }
  for (const char* host : {"128.0.0.1", "127.0.0", "127.0.0.1.example.com", "example.com",
                           "10.0.0.1", "127.0.0.256", ""}) {
    EXPECT_FALSE(isLoopbackHost(host)) << host;
  }
}

}  // namespace
}  // namespace scim_agent

namespace scim_agent {
namespace {

TEST(ProcessEnvironmentTest, ReadsTheEnvironmentOfThisProcess) {
  ASSERT_EQ(setenv("SCIM_AGENT_TEST_PROBE", "a=b", 1), 0);
  const auto env = processEnvironment();
  ASSERT_TRUE(env.count("SCIM_AGENT_TEST_PROBE"));
  EXPECT_EQ(env.at("SCIM_AGENT_TEST_PROBE"), "a=b");
  unsetenv("SCIM_AGENT_TEST_PROBE");
}

}  // namespace
}  // namespace scim_agent

namespace scim_agent {
namespace {

TEST(ExampleConfigTest, DemoAgentYamlLoads) {
  const std::string dir = std::string(SCIM_AGENT_SOURCE_DIR) + "/specs/example";
  // A checkout gives example/client-secret mode 0644, which readSecretFile refuses (as a fresh
  // clone's user is told, with the chmod to run); the test reads a 0600 copy instead.
  TempDir secrets;
  const std::string secret = secrets.write("client-secret", "demo-secret\n");
  Diagnostics diags;
  auto config =
      loadConfig(dir + "/agent.yaml", {{"SCIM_AGENT_TARGET_CLIENTSECRETFILE", secret}}, diags);
  ASSERT_TRUE(config) << ::testing::PrintToString(messages(diags));
  EXPECT_EQ(config->target.api_base, "http://127.0.0.1:18089");
  EXPECT_EQ(config->target.client.client_id, "demo-client");
  EXPECT_EQ(config->target.client.client_secret, "demo-secret");
  EXPECT_EQ(config->target.requests_per_minute, 3000);
  EXPECT_EQ(config->desired_path,
            (std::filesystem::path(dir) / "org.yaml").lexically_normal().string());
  EXPECT_EQ(config->state_path, (std::filesystem::path(SCIM_AGENT_SOURCE_DIR) / ".demo/state.db")
                                    .lexically_normal()
                                    .string());
}

}  // namespace
}  // namespace scim_agent
