// OAuth client credentials and bearer checks (genesys-api.md §1).

#include <chrono>
#include <thread>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

class AuthTest : public SimFixture {};

TEST_F(AuthTest, BasicAuthIssuesBearerToken) {
  HttpResult result = http_->send("POST", "/oauth/token", "grant_type=client_credentials",
                                  {{"Content-Type", "application/x-www-form-urlencoded"},
                                   {"Authorization", "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="}});
  ASSERT_EQ(result.status, 200) << result.body;
  auto json = result.json();
  EXPECT_EQ(json->getValue<std::string>("token_type"), "bearer");
  EXPECT_EQ(json->getValue<int>("expires_in"), 86399);
  EXPECT_GE(json->getValue<std::string>("access_token").size(), 40u);
  EXPECT_NE(json->getValue<std::string>("access_token"), token_);
}

TEST_F(AuthTest, FormCredentialsAreAccepted) {
  HttpResult result =
      http_->send("POST", "/oauth/token",
                  "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(result.status, 200) << result.body;
}

TEST_F(AuthTest, JsonBodyIsRejected) {
  HttpResult result = http_->send("POST", "/oauth/token", R"({"grant_type":"client_credentials"})",
                                  {{"Content-Type", "application/json"},
                                   {"Authorization", "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="}});
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.json()->getValue<std::string>("error"), "invalid_request");
}

TEST_F(AuthTest, BadSecretIsInvalidClient) {
  HttpResult result = http_->send(
      "POST", "/oauth/token", "grant_type=client_credentials&client_id=demo-client&client_secret=x",
      {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(result.status, 401);
  EXPECT_EQ(result.json()->getValue<std::string>("error"), "invalid_client");
}

TEST_F(AuthTest, OtherGrantIsUnauthorizedClient) {
  HttpResult result = http_->send("POST", "/oauth/token", "grant_type=password",
                                  {{"Content-Type", "application/x-www-form-urlencoded"},
                                   {"Authorization", "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="}});
  EXPECT_EQ(result.status, 400);
  auto json = result.json();
  EXPECT_EQ(json->getValue<std::string>("error"), "unauthorized_client");
  EXPECT_EQ(json->getValue<std::string>("error_description"),
            "client is not authorized to use the client_credential grant type");
}

TEST_F(AuthTest, MissingOrUnknownBearerIs401BadCredentials) {
  for (const std::string& header : {std::string(), std::string("Bearer nope")}) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!header.empty()) headers.emplace_back("Authorization", header);
    HttpResult result = http_->send("GET", "/api/v2/scim/v2/Users", "", headers);
    EXPECT_EQ(result.status, 401);
    EXPECT_EQ(result.body,
              R"({"message":"Invalid login credentials.","code":"bad.credentials","status":401})");
  }
}

TEST_F(AuthTest, RevokedTokensAreRefused) {
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
  EXPECT_EQ(control("POST", "/sim/tokens/revoke").status, 200);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 401);
}

class ShortTokenTest : public SimFixture {
 protected:
  SimOptions options() override {
    SimOptions opts;
    opts.token_ttl_seconds = 1;
    return opts;
  }
};

TEST_F(ShortTokenTest, ExpiredTokenIs401) {
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  HttpResult result = api("GET", "/api/v2/scim/v2/Users");
  EXPECT_EQ(result.status, 401);
  EXPECT_EQ(result.json()->getValue<std::string>("code"), "bad.credentials");
  token_ = fetchToken();
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Users").status, 200);
}

}  // namespace
}  // namespace scim_agent::sim::testing
