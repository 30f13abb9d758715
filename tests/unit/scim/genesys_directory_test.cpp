#include "agent/scim/genesys_directory.h"

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "agent/scim/user_codec.h"
#include "tests/unit/scim/scripted_transport.h"

namespace scim_agent {
namespace {

using std::chrono::milliseconds;
using testing::ManualClock;
using testing::response;
using testing::ScriptedTransport;

std::string userJson(const std::string& id, const std::string& version = "\"1\"") {
  return R"({"id":")" + id + R"(","userName":")" + id + R"(@corp.example","active":true,)" +
         R"("meta":{"version":)" + jsonQuote(version) + "}}";
}

std::string page(int total, int start, int count, int id_from = -1) {
  if (id_from < 0) id_from = start;
  std::string resources;
  for (int i = 0; i < count; ++i) {
    if (i) resources += ",";
    resources += userJson("u" + std::to_string(id_from + i));
  }
  return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":)" +
         std::to_string(total) + R"(,"startIndex":)" + std::to_string(start) +
         R"(,"itemsPerPage":)" + std::to_string(count) + R"(,"Resources":[)" + resources + "]}";
}

std::string scimError(int status, const std::string& scim_type, const std::string& detail) {
  return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":")" +
         std::to_string(status) + R"(","scimType":")" + scim_type + R"(","detail":")" + detail +
         R"("})";
}

// A directory over a scripted API transport, with OAuth tokens t1, t2, … from a scripted login
// transport, a manual clock and a fixed jitter draw of 0.5.
class DirectoryTest : public ::testing::Test {
 protected:
  DirectoryOptions options() {
    DirectoryOptions o;
    o.api_base = "http://127.0.0.1:9";
    o.now = clock.nowFn();
    o.sleep = clock.sleepFn();
    o.random = [] { return 0.5; };
    return o;
  }

  std::vector<milliseconds> sleeps() const { return clock.sleeps; }

  ManualClock clock;
  int issued = 0;
  ScriptedTransport login{[this](const HttpRequest&) -> Result<HttpResponse> {
    return response(200, R"({"access_token":"t)" + std::to_string(++issued) +
                             R"(","token_type":"bearer","expires_in":86399})");
  }};
  OAuthTokenSource tokens{login, {"http://127.0.0.1:9", "demo-client", "demo-secret"},
                          clock.nowFn()};
  ScriptedTransport api;
  GenesysDirectory directory{api, tokens, options()};
};

TEST_F(DirectoryTest, ListsEveryPageAdvancingByItemsPerPage) {
  api.push(200, page(60, 1, 25));
  api.push(200, page(60, 26, 25));
  api.push(200, page(60, 51, 10));
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_TRUE(users.ok()) << users.error().message;
  EXPECT_EQ(users->size(), 60u);
  EXPECT_EQ(users->front().id, "u1");
  EXPECT_EQ(users->back().id, "u60");
  const auto requests = api.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].url, "http://127.0.0.1:9/api/v2/scim/v2/Users?startIndex=1&count=25");
  EXPECT_EQ(requests[1].url, "http://127.0.0.1:9/api/v2/scim/v2/Users?startIndex=26&count=25");
  EXPECT_EQ(requests[2].url, "http://127.0.0.1:9/api/v2/scim/v2/Users?startIndex=51&count=25");
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].headers.get("Accept"), "application/scim+json");
  EXPECT_EQ(requests[0].headers.get("Authorization"), "Bearer t1");
  EXPECT_FALSE(requests[0].headers.has("Content-Type"));
  EXPECT_EQ(login.count(), 1u);  // the token is reused
  EXPECT_EQ(directory.counters().requests.at("GET /Users"), 3);
}

TEST_F(DirectoryTest, InactiveListingFiltersAndProjects) {
  api.push(200, page(1, 1, 1));
  ListOptions list;
  list.inactive = true;
  list.excluded_attributes = {kAttrRoles, kAttrRoutingSkills};
  Result<std::vector<LiveUser>> users = directory.listUsers(list);
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(api.requests()[0].url,
            "http://127.0.0.1:9/api/v2/scim/v2/Users?startIndex=1&count=25"
            "&filter=active%20eq%20false&excludedAttributes=roles%2C"
            "urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Aextension%3Agenesys%3Apurecloud%3A2.0%3AUser"
            "%3AroutingSkills");
  EXPECT_FALSE(users->at(0).roles_known);
  EXPECT_FALSE(users->at(0).routing_skills_known);
  EXPECT_TRUE(users->at(0).routing_languages_known);
}

TEST_F(DirectoryTest, EmptyPageBeforeTheEndFailsTheListing) {
  // A read that is not whole is a failed read (SPEC §16), not the 25 users read so far.
  api.push(200, page(100, 1, 25));
  api.push(200, page(100, 26, 0));
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_EQ(users.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(users.error().message,
            "GET /Users?startIndex=26&count=25 (page 2): a short page: 0 resources, before the "
            "end (startIndex 26, totalResults 100): the listing cannot be read whole");
  EXPECT_EQ(api.count(), 2u);
}

TEST_F(DirectoryTest, PageShorterThanItsItemsPerPageFailsTheListing) {
  api.push(200, page(60, 1, 25));
  std::string short_page = page(60, 26, 10);
  const std::string ten = "\"itemsPerPage\":10";
  short_page.replace(short_page.find(ten), ten.size(), "\"itemsPerPage\":25");
  api.push(200, short_page);
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_NE(users.error().message.find("(page 2): a short page: 10 resources where itemsPerPage "
                                       "says 25, before the end"),
            std::string::npos)
      << users.error().message;
}

TEST_F(DirectoryTest, RepeatedPageFailsTheListing) {
  api.push(200, page(1000, 1, 25));
  api.push(200, page(1000, 26, 25, 1));  // page 1 again, under the right startIndex
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_EQ(users.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(users.error().message.find("(page 2): the page repeats the previous page (the same "
                                       "25 ids)"),
            std::string::npos)
      << users.error().message;
  EXPECT_EQ(api.count(), 2u);
}

TEST_F(DirectoryTest, PageOfUsersAlreadyReadFailsTheListing) {
  api.push(200, page(1000, 1, 25));
  api.push(200, page(1000, 26, 25));
  api.push(200, page(1000, 51, 25, 1));  // page 1 again: alternating pages never end
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_NE(users.error().message.find("(page 3): every one of the 25 resources on the page was "
                                       "read on an earlier page"),
            std::string::npos)
      << users.error().message;
}

TEST_F(DirectoryTest, AnswerForAnotherStartIndexFailsTheListing) {
  api.push(200, page(1000, 1, 25));
  api.push(200, page(1000, 1, 25, 26));  // new users, but "startIndex":1 again
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_NE(users.error().message.find("answered startIndex 1 to a request for startIndex 26"),
            std::string::npos)
      << users.error().message;
}

TEST_F(DirectoryTest, AbsurdTotalResultsFailsAtTheFirstPage) {
  api.push(200, page(1'000'000'000, 1, 25));
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_EQ(users.error().message,
            "GET /Users?startIndex=1&count=25 (page 1): totalResults 1000000000 is not believable "
            "(at most 1000000 are read): the listing cannot be read whole");
  EXPECT_EQ(api.count(), 1u);
}

TEST_F(DirectoryTest, TotalResultsThatJumpsFailsTheListing) {
  api.push(200, page(60, 1, 25));
  api.push(200, page(600, 26, 25));
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_NE(users.error().message.find("totalResults changed from 60 on the first page to 600"),
            std::string::npos)
      << users.error().message;
}

TEST_F(DirectoryTest, ListingThatNeverEndsIsCutAtThePageBudget) {
  // The first page holds 10 of 100 (a server may cap its pages): 10 pages, plus a margin of 3.
  // Then one user a page: every page new and consistent, but the listing does not end in time.
  api.push(200, page(100, 1, 10));
  for (int p = 0; p < 20; ++p) api.push(200, page(100, 11 + p, 1));
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_NE(users.error().message.find("(page 14): the listing did not end within 13 pages "
                                       "(totalResults 100 on the first page)"),
            std::string::npos)
      << users.error().message;
  EXPECT_EQ(api.count(), 14u);
}

TEST_F(DirectoryTest, NullResourcesWhileMoreAreExpectedFailsTheListing) {
  api.push(200, R"({"totalResults":60,"startIndex":1,"itemsPerPage":25,"Resources":null})");
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_NE(users.error().message.find("(page 1): Resources is null or absent while "
                                       "totalResults 60 says users from 1 on are there"),
            std::string::npos)
      << users.error().message;
}

TEST_F(DirectoryTest, EmptyListingWithoutResourcesIsFine) {
  api.push(200, R"({"totalResults":0,"startIndex":1,"itemsPerPage":0})");
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_TRUE(users.ok()) << users.error().message;
  EXPECT_TRUE(users->empty());
}

TEST_F(DirectoryTest, UserSeenAtTwoVersionsIsReturnedAtBoth) {
  // Created and edited mid-read: page 2 starts with the last user of page 1, at version 2.
  std::string second = page(51, 26, 25, 25);
  const std::string v1 = R"("meta":{"version":"\"1\""})";
  second.replace(second.find(v1), v1.size(), R"("meta":{"version":"\"2\""})");
  api.push(200, page(51, 1, 25));
  api.push(200, second);
  api.push(200, page(51, 51, 1, 50));
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_TRUE(users.ok()) << users.error().message;
  ASSERT_EQ(users->size(), 51u);
  EXPECT_EQ(users->at(24).id, "u25");
  EXPECT_EQ(users->at(24).version, "\"1\"");
  EXPECT_EQ(users->at(25).id, "u25");
  EXPECT_EQ(users->at(25).version, "\"2\"");
}

TEST_F(DirectoryTest, ShortPagesAdvanceByWhatWasReturned) {
  api.push(200, page(30, 1, 10));
  api.push(200, page(30, 11, 10));
  api.push(200, page(30, 21, 10));
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->size(), 30u);
  EXPECT_NE(api.requests()[1].url.find("startIndex=11&"), std::string::npos);
}

TEST_F(DirectoryTest, UserSeenOnTwoPagesIsKeptOnce) {
  // Someone was created mid-read: page 2 starts with the last user of page 1 again.
  api.push(200, page(51, 1, 25));
  api.push(200, page(51, 26, 25, 25));
  api.push(200, page(51, 51, 1, 50));
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->size(), 50u);
}

TEST_F(DirectoryTest, FailedPageFailsTheWholeListing) {
  api.push(200, page(60, 1, 25));
  for (int i = 0; i < 4; ++i) api.push(503, "");
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_EQ(users.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(users.error().message,
            "GET /Users?startIndex=26&count=25 → 503 (after 4 tries)");
  EXPECT_EQ(api.count(), 5u);
}

TEST_F(DirectoryTest, MalformedUserFailsTheListing) {
  api.push(200, R"({"totalResults":1,"itemsPerPage":1,"Resources":[{"id":"x"}]})");
  Result<std::vector<LiveUser>> users = directory.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_EQ(users.error().code, ErrorCode::kInvalidInput);
}

TEST_F(DirectoryTest, RateLimitedGetWaitsRetryAfter) {
  api.push(429, R"({"message":"Rate limit exceeded","status":429})", {{"Retry-After", "7"}});
  api.push(200, userJson("u1"));
  Result<LiveUser> user = directory.getUser("u1");
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(sleeps(), (std::vector<milliseconds>{milliseconds(7250)}));
  EXPECT_EQ(directory.counters().retries, 1);
  EXPECT_EQ(directory.counters().requests.at("GET /Users"), 2);
}

TEST_F(DirectoryTest, RateLimitWithoutRetryAfterWaitsTheDefault) {
  api.push(429, "");
  api.push(200, userJson("u1"));
  ASSERT_TRUE(directory.getUser("u1").ok());
  EXPECT_EQ(sleeps(), (std::vector<milliseconds>{milliseconds(3250)}));
}

TEST_F(DirectoryTest, RetryAfterBeyondTheCapIsNotWaited) {
  api.push(429, "", {{"Retry-After", "600"}});
  Result<LiveUser> user = directory.getUser("u1");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code, ErrorCode::kRateLimited);
  EXPECT_EQ(user.error().retry_after_seconds, 600);
  EXPECT_TRUE(sleeps().empty());
}

TEST_F(DirectoryTest, ServerErrorsBackOffExponentially) {
  api.push(503, "");
  api.push(502, "");
  api.push(testing::dropped());
  api.push(200, userJson("u1"));
  Result<LiveUser> user = directory.getUser("u1");
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(sleeps(), (std::vector<milliseconds>{milliseconds(3000), milliseconds(9000),
                                                 milliseconds(27000)}));
}

TEST_F(DirectoryTest, GivesUpAfterFourTries) {
  for (int i = 0; i < 5; ++i) api.push(504, "");
  Result<LiveUser> user = directory.getUser("u1");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(api.count(), 4u);
  EXPECT_EQ(sleeps().size(), 3u);
  EXPECT_NE(user.error().message.find("(after 4 tries)"), std::string::npos);
}

TEST_F(DirectoryTest, InternalServerErrorIsNotRetried) {
  api.push(500, "");
  EXPECT_EQ(directory.getUser("u1").error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(api.count(), 1u);
}

TEST_F(DirectoryTest, PostIsRetriedAfter429Only) {
  // A 429 was refused before anything was done: the POST is sent again after Retry-After.
  Json body = Json::object();
  body["userName"] = "new@corp.example";
  ScriptedTransport transport;
  transport.push(response(429, ""));
  transport.push(201, userJson("new"));
  GenesysDirectory dir(transport, tokens, options());
  Result<LiveUser> created = dir.createUser(body);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(transport.count(), 2u);
  EXPECT_EQ(sleeps().size(), 1u);
}

TEST_F(DirectoryTest, PostWithUnknownOutcomeIsNeverRetried) {
  Json body = Json::object();
  body["userName"] = "new@corp.example";
  for (const Result<HttpResponse>& first :
       {Result<HttpResponse>(response(503, "")),
        Result<HttpResponse>(testing::dropped("POST http://127.0.0.1:9/api/v2/scim/v2/Users: "
                                              "connection closed before a response"))}) {
    ScriptedTransport transport;
    transport.push(first);
    transport.push(201, userJson("new"));
    GenesysDirectory dir(transport, tokens, options());
    Result<LiveUser> created = dir.createUser(body);
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(transport.count(), 1u) << created.error().message;
  }
  EXPECT_TRUE(sleeps().empty());
}

TEST_F(DirectoryTest, DroppedPostSaysTheOutcomeIsUnknown) {
  api.push(testing::dropped("POST http://127.0.0.1:9/api/v2/scim/v2/Users: connection reset"));
  Result<LiveUser> created = directory.createUser(Json::object());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(created.error().message.find("outcome unknown"), std::string::npos);
}

TEST_F(DirectoryTest, CreatePostsScimJson) {
  api.push(201, userJson("new"));
  Json body = Json::object();
  body["userName"] = "new@corp.example";
  Result<LiveUser> created = directory.createUser(body);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->id, "new");
  const HttpRequest r = api.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "http://127.0.0.1:9/api/v2/scim/v2/Users");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/scim+json");
  EXPECT_EQ(r.body, R"({"userName":"new@corp.example"})");
}

TEST_F(DirectoryTest, CreateConflictIsConflict) {
  api.push(409, scimError(409, "uniqueness", "User name already in use by non-deleted user."));
  Result<LiveUser> created = directory.createUser(Json::object());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, ErrorCode::kConflict);
  EXPECT_EQ(created.error().message,
            "POST /Users → 409 uniqueness: User name already in use by non-deleted user.");
}

TEST_F(DirectoryTest, PatchEchoesIfMatchAndSendsPatchOp) {
  api.push(200, userJson("u1", "\"4\""));
  Result<LiveUser> patched =
      directory.patchUser("u1", "\"3\"", {{"replace", "title", Json("Lead")}});
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ(patched->version, "\"4\"");
  const HttpRequest r = api.requests()[0];
  EXPECT_EQ(r.method, "PATCH");
  EXPECT_EQ(r.url, "http://127.0.0.1:9/api/v2/scim/v2/Users/u1");
  EXPECT_EQ(r.headers.get("If-Match"), "\"3\"");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/scim+json");
  EXPECT_EQ(r.body, patchRequestBody({{"replace", "title", Json("Lead")}}).dump());
}

TEST_F(DirectoryTest, StalePatchIsStaleInBothModes) {
  api.push(400, scimError(400, "invalidVers", "Version does not match current version."));
  api.push(409, scimError(409, "", "Version does not match current version."));
  api.push(412, "");
  for (int i = 0; i < 3; ++i) {
    Result<LiveUser> patched = directory.patchUser("u1", "\"1\"", {{"replace", "title", Json("x")}});
    ASSERT_FALSE(patched.ok());
    EXPECT_EQ(patched.error().code, ErrorCode::kStale) << patched.error().message;
  }
  EXPECT_EQ(api.count(), 3u);  // a version conflict is never retried
}

TEST_F(DirectoryTest, PatchWithIfMatchIsRetriedWithoutIsNot) {
  api.push(testing::dropped());
  api.push(200, userJson("u1"));
  EXPECT_TRUE(directory.patchUser("u1", "\"1\"", {{"replace", "title", Json("x")}}).ok());
  EXPECT_EQ(api.count(), 2u);

  api.push(testing::dropped());
  EXPECT_FALSE(directory.patchUser("u1", "", {{"replace", "title", Json("x")}}).ok());
  EXPECT_EQ(api.count(), 3u);
  EXPECT_FALSE(api.requests()[2].headers.has("If-Match"));
}

TEST_F(DirectoryTest, DeleteTreatsNotFoundAsDone) {
  api.push(204, "");
  api.push(404, scimError(404, "", "not found"));
  api.push(409, scimError(409, "", "Version does not match current version."));
  EXPECT_TRUE(directory.deleteUser("u1", "\"2\"").ok());
  EXPECT_TRUE(directory.deleteUser("u1", "\"2\"").ok());
  Status stale = directory.deleteUser("u1", "\"2\"");
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kStale);
  EXPECT_EQ(api.requests()[0].method, "DELETE");
  EXPECT_EQ(api.requests()[0].headers.get("If-Match"), "\"2\"");
  EXPECT_EQ(directory.counters().requests.at("DELETE /Users"), 3);
}

TEST_F(DirectoryTest, ExpiredTokenIsRefreshedOnceAndRetried) {
  api.push(401, R"({"message":"Invalid login credentials.","code":"bad.credentials","status":401})");
  api.push(201, userJson("new"));
  Result<LiveUser> created = directory.createUser(Json::object());  // even a POST: refused
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(api.requests()[0].headers.get("Authorization"), "Bearer t1");
  EXPECT_EQ(api.requests()[1].headers.get("Authorization"), "Bearer t2");
  EXPECT_EQ(login.count(), 2u);
  EXPECT_EQ(directory.counters().token_refreshes, 1);
}

TEST_F(DirectoryTest, SecondUnauthorizedIsFinal) {
  api.push(401, "");
  api.push(401, "");
  api.push(200, userJson("u1"));
  Result<LiveUser> user = directory.getUser("u1");
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(api.count(), 2u);
  EXPECT_EQ(login.count(), 2u);
}

TEST_F(DirectoryTest, TokenEndpointOutageIsRetriedEvenBeforeAPost) {
  int calls = 0;
  ScriptedTransport flaky_login([&](const HttpRequest&) -> Result<HttpResponse> {
    if (++calls == 1) return response(503, "");
    return response(200, R"({"access_token":"ok","expires_in":86399})");
  });
  OAuthTokenSource flaky_tokens(flaky_login, {"http://127.0.0.1:9", "c", "s"}, clock.nowFn());
  GenesysDirectory dir(api, flaky_tokens, options());
  api.push(201, userJson("new"));
  EXPECT_TRUE(dir.createUser(Json::object()).ok());
  EXPECT_EQ(api.count(), 1u);
  EXPECT_EQ(calls, 2);
}

TEST_F(DirectoryTest, RefusedClientFailsWithoutSendingTheRequest) {
  ScriptedTransport refusing([](const HttpRequest&) -> Result<HttpResponse> {
    return response(401, R"({"error":"invalid_client","error_description":"bad secret"})");
  });
  OAuthTokenSource bad_tokens(refusing, {"http://127.0.0.1:9", "c", "s3cr3t"}, clock.nowFn());
  GenesysDirectory dir(api, bad_tokens, options());
  Result<std::vector<LiveUser>> users = dir.listUsers({});
  ASSERT_FALSE(users.ok());
  EXPECT_EQ(users.error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(users.error().message.find("s3cr3t"), std::string::npos);
  EXPECT_NE(users.error().message.find("OAuth client c was refused: invalid_client (bad secret)"),
            std::string::npos);
  EXPECT_EQ(api.count(), 0u);
}

TEST_F(DirectoryTest, ForbiddenRetriesOnceWithTheElevatedClient) {
  StaticTokenSource elevated("admin-token");
  DirectoryOptions o = options();
  o.elevated_tokens = &elevated;
  GenesysDirectory dir(api, tokens, o);
  api.push(403, R"({"message":"missing permission directory:user:delete","status":403})");
  api.push(204, "");
  EXPECT_TRUE(dir.deleteUser("u1", "\"1\"").ok());
  EXPECT_EQ(api.requests()[1].headers.get("Authorization"), "Bearer admin-token");

  api.push(403, "");
  Status forbidden = directory.deleteUser("u1", "\"1\"");  // no elevated client configured
  ASSERT_FALSE(forbidden.ok());
  EXPECT_EQ(forbidden.error().code, ErrorCode::kForbidden);
}

TEST_F(DirectoryTest, FindsUserByUserName) {
  api.push(200, R"({"totalResults":1,"itemsPerPage":1,"startIndex":1,"Resources":[)" +
                    std::string(R"({"id":"u7","userName":"A.B@Corp.example"})") + "]}");
  api.push(200, R"({"totalResults":0,"itemsPerPage":0,"startIndex":1,"Resources":[]})");
  Result<std::optional<LiveUser>> found = directory.findUserByUserName("a.b@corp.example");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "u7");
  EXPECT_EQ(api.requests()[0].url,
            "http://127.0.0.1:9/api/v2/scim/v2/Users?filter=userName%20eq%20%22a.b%40corp.example%22");
  Result<std::optional<LiveUser>> none = directory.findUserByUserName("x\"y@corp.example");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_NE(api.requests()[1].url.find("%22x%5C%22y%40corp.example%22"), std::string::npos);
}

TEST_F(DirectoryTest, FindsUserByExternalIdMatchingExactly) {
  // The server's filter answered loosely: a case-variant first, then the user asked for.
  api.push(200, R"({"totalResults":2,"itemsPerPage":2,"startIndex":1,"Resources":[)"
                R"({"id":"u6","userName":"x@corp.example","externalId":"emp-7"},)"
                R"({"id":"u7","userName":"y@corp.example","externalId":"EMP-7"}]})");
  api.push(200, R"({"totalResults":1,"itemsPerPage":1,"startIndex":1,"Resources":[)"
                R"({"id":"u6","userName":"x@corp.example","externalId":"emp-7"}]})");
  api.push(200, R"({"totalResults":0,"itemsPerPage":0,"startIndex":1,"Resources":[]})");
  api.push(200, R"({"totalResults":0,"itemsPerPage":0,"startIndex":1})");
  api.push(200, "<html>");
  Result<std::optional<LiveUser>> found = directory.findUserByExternalId("EMP-7");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "u7");
  EXPECT_EQ(api.requests()[0].method, "GET");
  EXPECT_EQ(api.requests()[0].url,
            "http://127.0.0.1:9/api/v2/scim/v2/Users?filter=externalId%20eq%20%22EMP-7%22");
  Result<std::optional<LiveUser>> other_case = directory.findUserByExternalId("EMP-7");
  ASSERT_TRUE(other_case.ok());
  EXPECT_FALSE(other_case->has_value());
  // Quote and backslash escaped in the literal.
  Result<std::optional<LiveUser>> none = directory.findUserByExternalId("E\\\"1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_NE(api.requests()[2].url.find("%22E%5C%5C%5C%221%22"), std::string::npos)
      << api.requests()[2].url;
  Result<std::optional<LiveUser>> no_resources = directory.findUserByExternalId("EMP-8");
  ASSERT_TRUE(no_resources.ok());
  EXPECT_FALSE(no_resources->has_value());
  Result<std::optional<LiveUser>> garbled = directory.findUserByExternalId("EMP-9");
  ASSERT_FALSE(garbled.ok());
  EXPECT_EQ(garbled.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(garbled.error().message.find("not a SCIM list response"), std::string::npos);
}

TEST_F(DirectoryTest, ListsGroupsWithoutMembers) {
  api.push(200, R"({"totalResults":2,"itemsPerPage":2,"startIndex":1,"Resources":[
    {"id":"g1","displayName":"Support","meta":{"version":"\"2\""}},
    {"id":"g2","displayName":"Sales"}]})");
  Result<std::vector<Group>> groups = directory.listGroups();
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ(groups->at(0).display_name, "Support");
  EXPECT_EQ(groups->at(0).version, "\"2\"");
  EXPECT_EQ(api.requests()[0].url,
            "http://127.0.0.1:9/api/v2/scim/v2/Groups?startIndex=1&count=25"
            "&excludedAttributes=members");
}

TEST_F(DirectoryTest, PatchesGroupMembersInOneRequest) {
  EXPECT_TRUE(directory.patchGroupMembers("g1", {}, {}).ok());
  EXPECT_EQ(api.count(), 0u);
  api.push(200, R"({"id":"g1","displayName":"Support"})");
  EXPECT_TRUE(directory.patchGroupMembers("g1", {"u1", "u2"}, {"u3"}).ok());
  const HttpRequest r = api.requests()[0];
  EXPECT_EQ(r.method, "PATCH");
  EXPECT_EQ(r.url, "http://127.0.0.1:9/api/v2/scim/v2/Groups/g1");
  EXPECT_EQ(r.body, groupMembersPatchBody({"u1", "u2"}, {"u3"}).dump());
  EXPECT_EQ(directory.counters().requests.at("PATCH /Groups"), 1);
}

TEST_F(DirectoryTest, PacesRequestsWithATokenBucket) {
  DirectoryOptions o = options();
  o.requests_per_minute = 60;
  o.burst = 1;
  GenesysDirectory paced(api, tokens, o);
  for (int i = 0; i < 3; ++i) api.push(200, userJson("u1"));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(paced.getUser("u1").ok());
  EXPECT_EQ(sleeps(), (std::vector<milliseconds>{milliseconds(1000), milliseconds(1000)}));
  EXPECT_EQ(paced.counters().waited, milliseconds(2000));
}

TEST_F(DirectoryTest, IdsAreEncodedInPaths) {
  api.push(404, "");
  EXPECT_EQ(directory.getUser("a/b c").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(api.requests()[0].url, "http://127.0.0.1:9/api/v2/scim/v2/Users/a%2Fb%20c");
}

}  // namespace
}  // namespace scim_agent
