#include "agent/scim/token_source.h"

#include <gtest/gtest.h>

#include "tests/unit/scim/scripted_transport.h"

namespace scim_agent {
namespace {

using std::chrono::seconds;
using testing::ManualClock;
using testing::ScriptedTransport;

OAuthClientOptions client() {
  return {"https://login.mypurecloud.com", "demo-client", "demo-secret"};
}

std::string tokenBody(const std::string& token, int expires_in) {
  return R"({"access_token":")" + token + R"(","token_type":"bearer","expires_in":)" +
         std::to_string(expires_in) + "}";
}

TEST(TokenSourceTest, SendsClientCredentialsRequest) {
  ScriptedTransport transport;
  transport.push(200, tokenBody("t1", 86399));
  OAuthTokenSource tokens(transport, client());
  Result<std::string> t = tokens.token();
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(*t, "t1");
  ASSERT_EQ(transport.count(), 1u);
  const HttpRequest r = transport.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://login.mypurecloud.com/oauth/token");
  // base64("demo-client:demo-secret")
  EXPECT_EQ(r.headers.get("authorization"), "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.body, "grant_type=client_credentials");
}

TEST(TokenSourceTest, LongCredentialsStayOnOneHeaderLine) {
  ScriptedTransport transport;
  transport.push(200, tokenBody("t1", 86399));
  OAuthTokenSource tokens(transport, {"http://127.0.0.1:1", std::string(60, 'i'),
                                      std::string(80, 's')});
  ASSERT_TRUE(tokens.token().ok());
  const std::string auth = *transport.requests()[0].headers.get("Authorization");
  EXPECT_EQ(auth.find('\n'), std::string::npos);
  EXPECT_EQ(auth.find('\r'), std::string::npos);
}

TEST(TokenSourceTest, CachesUntilTheRefreshMargin) {
  ManualClock clock;
  ScriptedTransport transport;
  transport.push(200, tokenBody("t1", 3600));
  transport.push(200, tokenBody("t2", 3600));
  OAuthTokenSource tokens(transport, client(), clock.nowFn());
  EXPECT_EQ(*tokens.token(), "t1");
  clock.advance(seconds(3600 - 61));
  EXPECT_EQ(*tokens.token(), "t1");  // margin is min(60 s, 10%) = 60 s
  EXPECT_EQ(tokens.fetchCount(), 1);
  clock.advance(seconds(2));
  EXPECT_EQ(*tokens.token(), "t2");
  EXPECT_EQ(tokens.fetchCount(), 2);
}

TEST(TokenSourceTest, ShortLifetimeUsesTenPercentMargin) {
  ManualClock clock;
  ScriptedTransport transport;
  transport.push(200, tokenBody("t1", 300));
  transport.push(200, tokenBody("t2", 300));
  OAuthTokenSource tokens(transport, client(), clock.nowFn());
  EXPECT_EQ(*tokens.token(), "t1");
  clock.advance(seconds(269));
  EXPECT_EQ(*tokens.token(), "t1");  // margin 30 s
  clock.advance(seconds(1));
  EXPECT_EQ(*tokens.token(), "t2");
}

TEST(TokenSourceTest, InvalidateForgetsOnlyTheRejectedToken) {
  ScriptedTransport transport;
  transport.push(200, tokenBody("t1", 86399));
  transport.push(200, tokenBody("t2", 86399));
  OAuthTokenSource tokens(transport, client());
  EXPECT_EQ(*tokens.token(), "t1");
  tokens.invalidate("some-older-token");  // another thread already moved on
  EXPECT_EQ(*tokens.token(), "t1");
  tokens.invalidate("t1");
  EXPECT_EQ(*tokens.token(), "t2");
  EXPECT_EQ(tokens.fetchCount(), 2);
}

TEST(TokenSourceTest, RefusedClientIsUnauthorizedWithoutTheSecret) {
  for (int status : {400, 401}) {
    ScriptedTransport transport;
    transport.push(status,
                   R"({"error":"invalid_client","error_description":"client authentication failed"})");
    OAuthTokenSource tokens(transport, client());
    Result<std::string> t = tokens.token();
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(t.error().message,
              "OAuth client demo-client was refused: invalid_client (client authentication "
              "failed); check the OAuth client id and secret: the client must exist in this org "
              "(region), with the Client Credentials grant");
    EXPECT_EQ(t.error().message.find("demo-secret"), std::string::npos);
    EXPECT_EQ(t.error().http_status, status);
  }
}

TEST(TokenSourceTest, RefusalNamesTheSettingsAndIsNotAskedAgainForAMinute) {
  ScriptedTransport transport;
  transport.push(401, R"({"error":"invalid_client","error_description":"bad secret"})");
  transport.push(200, tokenBody("t1", 86399));
  ManualClock clock;
  OAuthTokenSource tokens(transport, client(), clock.nowFn());
  tokens.setSettingsNames("target.clientId and target.clientSecretFile");
  Result<std::string> first = tokens.token();
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.error().message.find("check target.clientId and target.clientSecretFile"),
            std::string::npos)
      << first.error().message;
  // Callers side by side (a listing's pages, the elevated client) get the same answer without
  // a second request.
  for (int i = 0; i < 3; ++i) {
    Result<std::string> again = tokens.token();
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(again.error().message, first.error().message);
  }
  tokens.invalidate("");  // a 401 elsewhere does not forget the refusal
  EXPECT_FALSE(tokens.token().ok());
  EXPECT_EQ(tokens.fetchCount(), 1);
  // The client may be fixed in the org meanwhile: asked again after a minute.
  clock.advance(seconds(61));
  Result<std::string> later = tokens.token();
  ASSERT_TRUE(later.ok()) << later.error().message;
  EXPECT_EQ(*later, "t1");
  EXPECT_EQ(tokens.fetchCount(), 2);
}

TEST(TokenSourceTest, UnauthorizedGrantIsReported) {
  ScriptedTransport transport;
  transport.push(400, R"({"error":"unauthorized_client","description":"client is not authorized to use the client_credential grant type"})");
  OAuthTokenSource tokens(transport, client());
  Result<std::string> t = tokens.token();
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("unauthorized_client (client is not authorized"),
            std::string::npos);
}

TEST(TokenSourceTest, ServerErrorsAndTransportFailuresAreUnavailable) {
  ScriptedTransport transport;
  transport.push(503, "");
  transport.push(testing::dropped());
  transport.push(429, "", {{"Retry-After", "5"}});
  OAuthTokenSource tokens(transport, client());
  EXPECT_EQ(tokens.token().error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(tokens.token().error().code, ErrorCode::kUnavailable);
  Result<std::string> limited = tokens.token();
  EXPECT_EQ(limited.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(limited.error().retry_after_seconds, 5);
}

TEST(TokenSourceTest, OkWithoutTokenIsRejected) {
  ScriptedTransport transport;
  transport.push(200, R"({"token_type":"bearer"})");
  OAuthTokenSource tokens(transport, client());
  EXPECT_EQ(tokens.token().error().code, ErrorCode::kRejected);
}

}  // namespace
}  // namespace scim_agent
