// Probabilistic faults from a seed (errorRate, dropRate, dropAfterWrite, conflictRate, latency
// jitter), the per-token rate limit and the fault counters (issue #3; genesys-api.md §6-§7).

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Exception.h>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;
using Clock = std::chrono::steady_clock;

constexpr int kDropped = -1;  // "status" of a connection closed without an answer
const std::string kUser1 = "00000000-0000-4000-8000-000000000001";

// Talks to one server; a dropped connection is reported as kDropped and the next call opens a
// new connection.
class FaultClient {
 public:
  explicit FaultClient(uint16_t port) : port_(port) { reconnect(); }

  std::string fetchToken() {
    HttpResult result = http_->send("POST", "/oauth/token",
                                    "grant_type=client_credentials&client_id=demo-client&"
                                    "client_secret=demo-secret",
                                    {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(result.status, 200) << result.body;
    return result.status == 200 ? result.json()->getValue<std::string>("access_token") : "";
  }

  // The answer, or status kDropped when the server closed the connection without one.
  HttpResult call(const std::string& method, const std::string& target,
                  const std::string& body = {}, Headers headers = {}) {
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/scim+json");
    try {
      return http_->send(method, target, body, headers);
    } catch (const Poco::Exception&) {
      reconnect();
      HttpResult dropped;
      dropped.status = kDropped;
      return dropped;
    }
  }

  HttpResult control(const std::string& method, const std::string& target,
                     const std::string& body = {}) {
    HttpClient client(port_);
    return client.send(method, target, body,
                       body.empty() ? Headers{} : Headers{{"Content-Type", "application/json"}});
  }

  void config(const std::string& json) {
    HttpResult result = control("POST", "/sim/config", json);
    ASSERT_EQ(result.status, 200) << json << " -> " << result.body;
  }

  std::string token;

 private:
  void reconnect() { http_ = std::make_unique<HttpClient>(port_); }

  uint16_t port_;
  std::unique_ptr<HttpClient> http_;
};

std::string titlePatch(int i) {
  return patchBody(R"({"op":"replace","path":"title","value":"T)" + std::to_string(i) + R"("})");
}

// Seeds one user, then reads and conditionally patches it, creating a user now and then; returns
// every status (kDropped for a dropped connection).
std::vector<int> runMixedSequence(FaultClient& client) {
  EXPECT_EQ(client
                .control("POST", "/sim/seed",
                         R"({"users":[{"userName":"a@corp.example","displayName":"A"}]})")
                .status,
            200);
  std::vector<int> statuses;
  std::string etag = "\"1\"";
  for (int i = 0; i < 40; ++i) {
    HttpResult read = client.call("GET", "/api/v2/scim/v2/Users/" + kUser1);
    statuses.push_back(read.status);
    if (read.status == 200) etag = read.header("etag");
    statuses.push_back(
        client.call("PATCH", "/api/v2/scim/v2/Users/" + kUser1, titlePatch(i), {{"If-Match", etag}})
            .status);
    if (i % 5 == 0) {
      statuses.push_back(client
                             .call("POST", "/api/v2/scim/v2/Users",
                                   R"({"userName":"n)" + std::to_string(i) +
                                       R"(@corp.example","displayName":"N"})")
                             .status);
    }
  }
  return statuses;
}

SimOptions mixedFaultOptions(uint64_t seed) {
  SimOptions options;
  options.error_rate = 0.2;
  options.drop_rate = 0.1;
  options.conflict_rate = 0.3;
  options.fault_seed = seed;
  return options;
}

bool contains(const std::vector<int>& statuses, int status) {
  return std::find(statuses.begin(), statuses.end(), status) != statuses.end();
}

TEST(FaultSeedTest, SameSeedSameRequestsGiveTheSameFaults) {
  std::vector<int> runs[3];
  std::string states[3];
  const uint64_t seeds[3] = {42, 42, 43};
  for (int r = 0; r < 3; ++r) {
    SimServer server(mixedFaultOptions(seeds[r]));
    server.start();
    FaultClient client(server.port());
    client.token = client.fetchToken();
    runs[r] = runMixedSequence(client);
    states[r] = server.stateJson(true);
  }
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_EQ(states[0], states[1]);
  EXPECT_NE(runs[0], runs[2]);  // another seed, other faults
  // The sequence did meet every kind of fault.
  EXPECT_TRUE(contains(runs[0], kDropped));
  EXPECT_TRUE(contains(runs[0], 400));  // version conflict (invalidVers)
  EXPECT_TRUE(std::any_of(runs[0].begin(), runs[0].end(), [](int s) { return s >= 500; }));
  EXPECT_TRUE(contains(runs[0], 200));
}

TEST(FaultSeedTest, ResetAndFaultSeedRestartTheSequence) {
  SimServer server(mixedFaultOptions(42));
  server.start();
  FaultClient client(server.port());
  client.token = client.fetchToken();  // survives /sim/reset
  auto run = [&] {
    EXPECT_EQ(client.control("POST", "/sim/reset").status, 200);
    return runMixedSequence(client);
  };
  const std::vector<int> first = run();
  EXPECT_EQ(run(), first);  // /sim/reset restarts the generator from faultSeed

  client.config(R"({"faultSeed":7})");
  const std::vector<int> seven = run();
  EXPECT_NE(seven, first);
  client.config(R"({"faultSeed":7})");  // re-seeds even though the seed is unchanged
  EXPECT_EQ(run(), seven);
}

class FaultTest : public SimFixture {
 protected:
  void SetUp() override {
    SimFixture::SetUp();
    client_ = std::make_unique<FaultClient>(server_->port());
    client_->token = token_;
  }

  Poco::JSON::Object::Ptr counters() { return control("GET", "/sim/counters").json(); }

  std::unique_ptr<FaultClient> client_;
};

TEST_F(FaultTest, ErrorRateAnswersAboutThatShareWithPlatform5xx) {
  client_->config(R"({"errorRate":0.5,"faultSeed":2024})");
  ASSERT_EQ(control("POST", "/sim/counters/reset").status, 200);
  std::set<int> seen;
  int errors = 0;
  for (int i = 0; i < 200; ++i) {
    HttpResult result =
        i % 2 == 0
            ? client_->call("GET", "/api/v2/scim/v2/Users")
            : client_->call("POST", "/api/v2/users/search",
                            R"({"query":[{"fields":["email"],"value":"x@y","type":"EXACT"}]})");
    if (result.status == 200) continue;
    ASSERT_GE(result.status, 500) << result.body;
    ++errors;
    seen.insert(result.status);
    auto body = result.json();  // Platform ErrorBody, also on SCIM routes
    EXPECT_EQ(body->getValue<int>("status"), result.status);
    EXPECT_FALSE(body->getValue<std::string>("message").empty());
    EXPECT_FALSE(body->getValue<std::string>("code").empty());
    EXPECT_EQ(result.header("retry-after"), result.status == 503 ? "1" : "") << result.status;
  }
  EXPECT_GT(errors, 70);
  EXPECT_LT(errors, 130);
  EXPECT_EQ(seen, (std::set<int>{500, 502, 503, 504}));

  auto json = counters();
  auto statuses = json->getObject("statuses");
  EXPECT_EQ(statuses->getValue<int>("500") + statuses->getValue<int>("502") +
                statuses->getValue<int>("503") + statuses->getValue<int>("504"),
            errors);
  EXPECT_EQ(statuses->getValue<int>("200"), 200 - errors);
  EXPECT_EQ(json->getObject("faults")->getValue<int>("errors"), errors);
}

TEST_F(FaultTest, DropRateClosesConnectionsWithoutAnAnswerAndBeforeTheWrite) {
  client_->config(R"({"dropRate":1.0})");
  ASSERT_EQ(control("POST", "/sim/counters/reset").status, 200);
  EXPECT_ANY_THROW(api("GET", "/api/v2/scim/v2/Users"));  // the client sees a connection error
  http_ = std::make_unique<HttpClient>(server_->port());
  EXPECT_EQ(client_
                ->call("POST", "/api/v2/scim/v2/Users",
                       R"({"userName":"b@corp.example","displayName":"B"})")
                .status,
            kDropped);
  EXPECT_EQ(control("GET", "/sim/state").json()->getArray("users")->size(), 0u);  // not written
  auto json = counters();
  EXPECT_EQ(json->getObject("statuses")->getValue<int>("dropped"), 2);
  EXPECT_EQ(json->getObject("faults")->getValue<int>("drops"), 2);
  EXPECT_EQ(json->getValue<int>("total"), 2);
}

TEST_F(FaultTest, DropAfterWriteAppliesThePostThenDrops) {
  client_->config(R"({"dropRate":1.0,"dropAfterWrite":true})");
  EXPECT_EQ(client_
                ->call("POST", "/api/v2/scim/v2/Users",
                       R"({"userName":"b@corp.example","displayName":"B"})")
                .status,
            kDropped);
  auto users = control("GET", "/sim/state").json()->getArray("users");
  ASSERT_EQ(users->size(), 1u);  // the outcome the client could not see
  EXPECT_EQ(users->getObject(0)->getValue<std::string>("userName"), "b@corp.example");
  // A refused request (here 401) is answered, not dropped: nothing was written.
  HttpClient bare(server_->port());
  EXPECT_EQ(bare.send("GET", "/api/v2/scim/v2/Users").status, 401);

  client_->config(R"({"dropRate":0.0})");
  EXPECT_EQ(userByName("b@corp.example")->getValue<std::string>("id"), kUser1);
  auto json = counters();
  EXPECT_EQ(json->getObject("routes")->getValue<int>("POST /scim/v2/users"), 1);
  EXPECT_EQ(json->getObject("statuses")->getValue<int>("dropped"), 1);
}

TEST_F(FaultTest, ConflictRateBumpsTheVersionBeforeAMatchingIfMatchWrite) {
  seed(R"({"users":[{"userName":"a@corp.example","displayName":"A","title":"Agent"}]})");
  const std::string path = "/api/v2/scim/v2/Users/" + kUser1;
  client_->config(R"({"conflictRate":1.0})");

  HttpResult conflict = api("PATCH", path, titlePatch(1), {{"If-Match", "\"1\""}});
  EXPECT_EQ(conflict.status, 400) << conflict.body;
  EXPECT_EQ(conflict.json()->getValue<std::string>("scimType"), "invalidVers");
  HttpResult read = api("GET", path);
  EXPECT_EQ(read.header("etag"), "\"2\"");  // bumped, as if an admin had edited the user
  EXPECT_EQ(read.json()->getValue<std::string>("title"), "Agent");  // the PATCH did not apply

  // A stale If-Match fails as usual without a further bump; no If-Match is never a conflict.
  EXPECT_EQ(api("PATCH", path, titlePatch(2), {{"If-Match", "\"1\""}}).status, 400);
  EXPECT_EQ(api("GET", path).header("etag"), "\"2\"");
  EXPECT_EQ(api("PATCH", path, titlePatch(3)).status, 200);  // version 3

  client_->config(R"({"versionConflictStatus":409})");
  EXPECT_EQ(api("DELETE", path, "", {{"If-Match", "\"3\""}}).status, 409);
  EXPECT_EQ(api("PUT", path, R"({"userName":"a@corp.example","displayName":"A"})",
                {{"If-Match", "\"4\""}})
                .status,
            409);
  EXPECT_EQ(api("GET", path).header("etag"), "\"5\"");
  EXPECT_EQ(counters()->getObject("faults")->getValue<int>("conflicts"), 3);

  client_->config(R"({"conflictRate":0.0})");
  EXPECT_EQ(api("PATCH", path, titlePatch(4), {{"If-Match", "\"5\""}}).status, 200);
}

TEST_F(FaultTest, ControlRoutesAndTheTokenEndpointAreNeverFaulted) {
  client_->config(R"({"errorRate":1.0,"dropRate":1.0,"latencyMs":400})");
  auto started = Clock::now();
  EXPECT_EQ(control("GET", "/sim/health").status, 200);
  EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(400));  // no latency either
  EXPECT_EQ(control("GET", "/sim/state").status, 200);
  EXPECT_EQ(control("GET", "/sim/config").status, 200);
  EXPECT_EQ(control("GET", "/sim/counters").status, 200);
  EXPECT_EQ(control("POST", "/sim/counters/reset").status, 200);
  seed(R"({"users":[{"userName":"a@corp.example","displayName":"A"}]})");
  EXPECT_FALSE(fetchToken().empty());  // faultTokenEndpoint is off by default
  started = Clock::now();
  EXPECT_EQ(client_->call("GET", "/api/v2/scim/v2/Users").status, kDropped);  // drop wins
  EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(400));

  client_->config(R"({"dropRate":0.0,"latencyMs":0})");
  EXPECT_GE(client_->call("GET", "/api/v2/scim/v2/Users").status, 500);
  EXPECT_GE(client_->call("GET", "/api/v2/users/" + kUser1).status, 500);  // Platform too
  client_->config(R"({"faultTokenEndpoint":true})");
  EXPECT_GE(http_
                ->send("POST", "/oauth/token",
                       "grant_type=client_credentials&client_id=demo-client&"
                       "client_secret=demo-secret",
                       {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            500);
  auto faults = counters()->getObject("faults");
  EXPECT_EQ(faults->getValue<int>("drops"), 1);
  EXPECT_EQ(faults->getValue<int>("errors"), 3);
}

TEST_F(FaultTest, LatencyJitterAddsUpToTheConfiguredMilliseconds) {
  client_->config(R"({"latencyMs":5,"latencyJitterMs":60})");
  Clock::duration total{};
  for (int i = 0; i < 12; ++i) {
    const auto started = Clock::now();
    EXPECT_EQ(client_->call("GET", "/api/v2/scim/v2/ServiceProviderConfig").status, 200);
    const auto elapsed = Clock::now() - started;
    EXPECT_GE(elapsed, std::chrono::milliseconds(5));
    total += elapsed;
  }
  // 12 x (5 + U[0,60]) ms: about 420 ms; well above the 60 ms of latencyMs alone.
  EXPECT_GT(total, std::chrono::milliseconds(160));
  EXPECT_LT(total, std::chrono::milliseconds(12 * 65 + 2000));
}

TEST_F(FaultTest, ConfigShowsEveryFaultKeyAndRejectsBadValuesWhole) {
  HttpResult result = control("POST", "/sim/config", R"({
      "errorRate":0.25,"dropRate":0.5,"dropAfterWrite":true,"conflictRate":1,"faultSeed":99,
      "latencyMs":3,"latencyJitterMs":4,"rateLimitPerMinute":300,"rateLimitBurst":7,
      "faultTokenEndpoint":true,"tokenTtlSeconds":60})");
  ASSERT_EQ(result.status, 200) << result.body;
  auto config = control("GET", "/sim/config").json();
  EXPECT_DOUBLE_EQ(config->getValue<double>("errorRate"), 0.25);
  EXPECT_DOUBLE_EQ(config->getValue<double>("dropRate"), 0.5);
  EXPECT_TRUE(config->getValue<bool>("dropAfterWrite"));
  EXPECT_DOUBLE_EQ(config->getValue<double>("conflictRate"), 1.0);
  EXPECT_EQ(config->getValue<int>("faultSeed"), 99);
  EXPECT_EQ(config->getValue<int>("latencyMs"), 3);
  EXPECT_EQ(config->getValue<int>("latencyJitterMs"), 4);
  EXPECT_EQ(config->getValue<int>("rateLimitPerMinute"), 300);
  EXPECT_EQ(config->getValue<int>("rateLimitBurst"), 7);
  EXPECT_TRUE(config->getValue<bool>("faultTokenEndpoint"));
  EXPECT_EQ(config->getValue<int>("tokenTtlSeconds"), 60);

  for (const std::string bad :
       {R"({"errorRate":1.5})", R"({"dropRate":-0.1})", R"({"conflictRate":"x"})",
        R"({"rateLimitBurst":0})", R"({"faultSeed":-1})", R"({"dropAfterWrite":3})",
        R"({"errorRate":0.0,"latencyMs":"slow"})"}) {
    EXPECT_EQ(control("POST", "/sim/config", bad).status, 400) << bad;
  }
  EXPECT_DOUBLE_EQ(control("GET", "/sim/config").json()->getValue<double>("errorRate"), 0.25);

  auto defaults = SimOptions{};
  EXPECT_EQ(defaults.rate_limit_burst, 5);
  EXPECT_FALSE(defaults.drop_after_write);
  EXPECT_FALSE(defaults.fault_token_endpoint);
}

TEST_F(FaultTest, CountersListFaultStatusesAndResetZeroesThem) {
  auto json = counters();
  for (const char* key : {"429", "500", "502", "503", "504", "dropped"}) {
    EXPECT_EQ(json->getObject("statuses")->getValue<int>(key), 0) << key;
  }
  for (const char* key : {"errors", "drops", "conflicts", "rateLimited"}) {
    EXPECT_EQ(json->getObject("faults")->getValue<int>(key), 0) << key;
  }
  ASSERT_EQ(control("POST", "/sim/faults",
                    R"({"faults":[{"status":503},{"drop":true},{"status":429}]})")
                .status,
            200);
  EXPECT_EQ(client_->call("GET", "/api/v2/scim/v2/Users").status, 503);
  EXPECT_EQ(client_->call("GET", "/api/v2/scim/v2/Users").status, kDropped);
  EXPECT_EQ(client_->call("GET", "/api/v2/scim/v2/Users").status, 429);
  json = counters();
  EXPECT_EQ(json->getObject("statuses")->getValue<int>("503"), 1);
  EXPECT_EQ(json->getObject("statuses")->getValue<int>("dropped"), 1);
  EXPECT_EQ(json->getObject("statuses")->getValue<int>("429"), 1);
  EXPECT_EQ(json->getObject("faults")->getValue<int>("errors"), 1);
  EXPECT_EQ(json->getObject("faults")->getValue<int>("drops"), 1);
  EXPECT_EQ(json->getObject("faults")->getValue<int>("rateLimited"), 1);

  json = control("POST", "/sim/counters/reset").json();
  EXPECT_EQ(json->getValue<int>("total"), 0);
  EXPECT_EQ(json->getObject("statuses")->getValue<int>("dropped"), 0);
  EXPECT_EQ(json->getObject("faults")->getValue<int>("errors"), 0);
  EXPECT_EQ(json->getObject("faults")->getValue<int>("rateLimited"), 0);
}

class TokenBucketTest : public SimFixture {
 protected:
  SimOptions options() override {
    SimOptions opts;
    opts.rate_limit_per_minute = 30;  // a token every 2 s
    opts.rate_limit_burst = 2;
    return opts;
  }
};

TEST_F(TokenBucketTest, EachAccessTokenHasItsOwnBucketAnd429CarriesTheGenesysBody) {
  const std::string first = token_;
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
  HttpResult limited = api("GET", "/api/v2/scim/v2/Users");
  ASSERT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("retry-after"), "2");
  EXPECT_EQ(limited.header("content-type"), "application/json");
  EXPECT_EQ(limited.body,
            R"({"message":"Rate limit exceeded the maximum. Retry the request in [2] seconds",)"
            R"("code":"too.many.requests.retry.after","status":429,"contextId":")" +
                limited.header("inin-correlation-id") + R"(","details":[],"errors":[]})");

  token_ = fetchToken();  // /oauth/token is not limited; a new token has a full bucket
  ASSERT_NE(token_, first);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Groups").status, 200);
  EXPECT_EQ(api("POST", "/api/v2/users/search", R"({"query":[]})",
                {{"Content-Type", "application/json"}})
                .status,
            200);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 429);
  token_ = first;
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 429);  // still empty

  for (int i = 0; i < 10; ++i) EXPECT_EQ(control("GET", "/sim/health").status, 200);
  auto counters = control("GET", "/sim/counters").json();
  EXPECT_EQ(counters->getObject("statuses")->getValue<int>("429"), 3);
  EXPECT_EQ(counters->getObject("faults")->getValue<int>("rateLimited"), 3);
}

TEST_F(TokenBucketTest, RetryAfterRoundsUpAndRefusedRequestsTakeNoToken) {
  // 6 a minute, burst 1: the next token is 10 s away.
  ASSERT_EQ(control("POST", "/sim/config", R"({"rateLimitPerMinute":6,"rateLimitBurst":1})").status,
            200);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
  HttpResult limited = api("GET", "/api/v2/scim/v2/Users");
  ASSERT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("retry-after"), "10");
  EXPECT_NE(limited.body.find("Retry the request in [10] seconds"), std::string::npos);

  // 120 a minute: a token every 500 ms; refused requests do not delay the next token.
  ASSERT_EQ(control("POST", "/sim/config", R"({"rateLimitPerMinute":120})").status, 200);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
  for (int i = 0; i < 3; ++i) {
    HttpResult refused = api("GET", "/api/v2/scim/v2/Users");
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(refused.header("retry-after"), "1");  // under 500 ms, rounded up to whole seconds
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
}

}  // namespace
}  // namespace scim_agent::sim::testing
