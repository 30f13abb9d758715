#include "agent/scim/genesys_platform.h"

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"
#include "agent/scim/genesys_directory.h"
#include "tests/unit/scim/scripted_transport.h"

namespace scim_agent {
namespace {

using std::chrono::milliseconds;
using testing::ManualClock;
using testing::response;
using testing::ScriptedTransport;

constexpr const char* kBase = "http://127.0.0.1:9";

// A Platform ErrorBody (genesys-api.md §6.2).
std::string errorBody(int status, const std::string& code, const std::string& message) {
  return R"({"message":")" + message + R"(","code":")" + code + R"(","status":)" +
         std::to_string(status) + R"(,"contextId":"c-1","details":[],"errors":[]})";
}

// A UserQueueEntityListing page with queues `ids`.
std::string queuePage(const std::vector<std::string>& ids, bool joined, int page_number,
                      int page_count, int total) {
  std::string entities;
  for (const auto& id : ids) {
    if (!entities.empty()) entities += ",";
    entities += R"({"id":")" + id + R"(","name":"Queue )" + id + R"(","joined":)" +
                (joined ? "true" : "false") + "}";
  }
  std::string out = R"({"entities":[)" + entities + R"(],"pageSize":100,"pageNumber":)" +
                    std::to_string(page_number);
  if (page_count >= 0) out += R"(,"pageCount":)" + std::to_string(page_count);
  if (total >= 0) out += R"(,"total":)" + std::to_string(total);
  return out + "}";
}

Json parsed(const std::string& text) {
  Result<Json> json = parseJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? *json : Json();
}

// A platform over a scripted API transport, with OAuth tokens t1, t2, … from a scripted login
// transport, a manual clock and a fixed jitter draw of 0.5 (as DirectoryTest).
class PlatformTest : public ::testing::Test {
 protected:
  GenesysClientOptions options() {
    GenesysClientOptions o;
    o.api_base = std::string(kBase) + "/";
    o.now = clock.nowFn();
    o.sleep = clock.sleepFn();
    o.random = [] { return 0.5; };
    return o;
  }

  std::string url(const std::string& path) const { return std::string(kBase) + path; }
  int counted(const std::string& key) const {
    const GenesysCounters c = platform.counters();
    auto it = c.requests.find(key);
    return it == c.requests.end() ? 0 : it->second;
  }

  ManualClock clock;
  int issued = 0;
  ScriptedTransport login{[this](const HttpRequest&) -> Result<HttpResponse> {
    return response(200, R"({"access_token":"t)" + std::to_string(++issued) +
                             R"(","token_type":"bearer","expires_in":86399})");
  }};
  OAuthTokenSource tokens{login, {kBase, "demo-client", "demo-secret"}, clock.nowFn()};
  ScriptedTransport api;
  GenesysPlatform platform{api, tokens, options()};
};

TEST_F(PlatformTest, IsAvailable) { EXPECT_TRUE(platform.available()); }

TEST_F(PlatformTest, ListsJoinedThenUnjoinedQueuesEveryPageMergedById) {
  api.push(200, queuePage({"q3", "q1"}, true, 1, 2, 3));
  api.push(200, queuePage({"q5"}, true, 2, 2, 3));
  api.push(200, queuePage({"q2", "q1"}, false, 1, 1, 2));  // q1 again: the listing shifted
  Result<std::vector<QueueMembership>> queues = platform.listUserQueues("u1");
  ASSERT_TRUE(queues.ok()) << queues.error().message;
  EXPECT_EQ(*queues, (std::vector<QueueMembership>{{"q1", "Queue q1", true},
                                                   {"q2", "Queue q2", false},
                                                   {"q3", "Queue q3", true},
                                                   {"q5", "Queue q5", true}}));
  const auto requests = api.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].url, url("/api/v2/users/u1/queues?pageSize=100&pageNumber=1&joined=true"));
  EXPECT_EQ(requests[1].url, url("/api/v2/users/u1/queues?pageSize=100&pageNumber=2&joined=true"));
  EXPECT_EQ(requests[2].url, url("/api/v2/users/u1/queues?pageSize=100&pageNumber=1&joined=false"));
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].headers.get("Accept"), "application/json");
  EXPECT_EQ(requests[0].headers.get("Authorization"), "Bearer t1");
  EXPECT_FALSE(requests[0].headers.has("Content-Type"));
  EXPECT_EQ(counted("GET /api/v2/users/{userId}/queues"), 3);
}

TEST_F(PlatformTest, QueuePagesEndByTotalWithoutPageCountAndOnAnEmptyPage) {
  api.push(200, queuePage({"q1"}, true, 1, -1, 2));
  api.push(200, queuePage({"q2"}, true, 2, -1, 2));
  api.push(200, queuePage({}, false, 1, 5, 40));  // says more, but nothing came: done
  Result<std::vector<QueueMembership>> queues = platform.listUserQueues("u1");
  ASSERT_TRUE(queues.ok()) << queues.error().message;
  EXPECT_EQ(queues->size(), 2u);
  EXPECT_EQ(api.count(), 3u);
}

TEST_F(PlatformTest, SmallerPageSizeIsSent) {
  ScriptedTransport transport;
  GenesysPlatform small(transport, tokens, options(), PlatformOptions{25, 50});
  transport.push(200, queuePage({}, true, 1, 0, 0));
  transport.push(200, queuePage({}, false, 1, 0, 0));
  ASSERT_TRUE(small.listUserQueues("u1").ok());
  EXPECT_EQ(transport.requests()[0].url,
            url("/api/v2/users/u1/queues?pageSize=25&pageNumber=1&joined=true"));
}

TEST_F(PlatformTest, FailedQueuePageFailsTheListing) {
  api.push(200, queuePage({"q1"}, true, 1, 1, 1));
  api.push(404, errorBody(404, "not.found", "User not found"));
  Result<std::vector<QueueMembership>> queues = platform.listUserQueues("u1");
  ASSERT_FALSE(queues.ok());
  EXPECT_EQ(queues.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(queues.error().message,
            "GET /api/v2/users/u1/queues?pageSize=100&pageNumber=1&joined=false → 404: User "
            "not found");
  EXPECT_EQ(queues.error().http_status, 404);
}

TEST_F(PlatformTest, MalformedQueueListingIsInvalidInput) {
  api.push(200, R"({"entities":{"id":"q1"}})");
  Result<std::vector<QueueMembership>> queues = platform.listUserQueues("u1");
  ASSERT_FALSE(queues.ok());
  EXPECT_EQ(queues.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(queues.error().message.find("\"entities\" is not an array"), std::string::npos);
}

TEST_F(PlatformTest, RemovesFromQueueWithTheBulkDelete) {
  api.push(204, "");
  ASSERT_TRUE(platform.removeFromQueue("q1", "u1").ok());
  const HttpRequest r = api.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, url("/api/v2/routing/queues/q1/members?delete=true"));
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"([{"id":"u1"}])");
  EXPECT_EQ(counted("POST /api/v2/routing/queues/{queueId}/members"), 1);
}

TEST_F(PlatformTest, QueueOrTokensAlreadyGoneIsSuccess) {
  api.push(404, errorBody(404, "not.found", "Queue not found"));
  api.push(404, errorBody(404, "not.found", "User not found"));
  EXPECT_TRUE(platform.removeFromQueue("q1", "u1").ok());
  EXPECT_TRUE(platform.revokeTokens("u1").ok());
  EXPECT_EQ(api.count(), 2u);
}

TEST_F(PlatformTest, ForbiddenIsForbiddenNamingRouteAndStatus) {
  api.push(403,
           errorBody(403, "missing.permissions", "Missing permission routing:queueMember:manage"));
  Status removed = platform.removeFromQueue("q1", "u1");
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(removed.error().message,
            "POST /api/v2/routing/queues/q1/members?delete=true → 403: Missing permission "
            "routing:queueMember:manage");
}

TEST_F(PlatformTest, ListsGrantsSortedByRoleThenDivision) {
  api.push(200, R"({"id":"u1","name":"Ann","version":3,"grants":[
    {"subjectId":"u1","role":{"id":"r2","name":"Supervisor"},"division":{"id":"d1"}},
    {"subjectId":"u1","role":{"id":"r1","name":"Agent"},"division":{"id":"d2"}},
    {"subjectId":"u1","role":{"id":"r1","name":"Agent"},"division":{"id":"d1"}}]})");
  Result<std::vector<RoleGrant>> grants = platform.listGrants("u1");
  ASSERT_TRUE(grants.ok()) << grants.error().message;
  EXPECT_EQ(*grants,
            (std::vector<RoleGrant>{
                {"r1", "Agent", "d1"}, {"r1", "Agent", "d2"}, {"r2", "Supervisor", "d1"}}));
  EXPECT_EQ(api.requests()[0].method, "GET");
  EXPECT_EQ(api.requests()[0].url,
            url("/api/v2/authorization/subjects/u1?includeDuplicates=false"));
  EXPECT_EQ(counted("GET /api/v2/authorization/subjects/{subjectId}"), 1);
}

TEST_F(PlatformTest, SubjectWithoutGrantsHasNone) {
  api.push(200, R"({"id":"u1","name":"Ann"})");
  Result<std::vector<RoleGrant>> grants = platform.listGrants("u1");
  ASSERT_TRUE(grants.ok());
  EXPECT_TRUE(grants->empty());
}

TEST_F(PlatformTest, GrantWithoutDivisionIsInvalidInput) {
  api.push(200, R"({"grants":[{"role":{"id":"r1"}}]})");
  EXPECT_EQ(platform.listGrants("u1").error().code, ErrorCode::kInvalidInput);
}

TEST_F(PlatformTest, RemovesGrantsInBatchesOfFifty) {
  std::vector<RoleGrant> grants;
  for (int i = 0; i < 120; ++i) {
    grants.push_back({"r" + std::to_string(1000 + i), "Role", "d1"});
  }
  grants.push_back(grants.front());  // twice in the input: sent once
  for (int i = 0; i < 3; ++i) api.push(204, "");
  ASSERT_TRUE(platform.removeGrants("u1", grants).ok());
  const auto requests = api.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.url, url("/api/v2/authorization/subjects/u1/bulkremove"));
    EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  }
  EXPECT_EQ(parsed(requests[0].body).get("grants").asArray().size(), 50u);
  EXPECT_EQ(parsed(requests[1].body).get("grants").asArray().size(), 50u);
  EXPECT_EQ(parsed(requests[2].body).get("grants").asArray().size(), 20u);
  EXPECT_EQ(parsed(requests[0].body).get("grants").asArray()[0],
            parsed(R"({"roleId":"r1000","divisionId":"d1"})"));
  EXPECT_EQ(counted("POST /api/v2/authorization/subjects/{subjectId}/bulkremove"), 3);
}

TEST_F(PlatformTest, RemovingNoGrantsSendsNothing) {
  EXPECT_TRUE(platform.removeGrants("u1", {}).ok());
  EXPECT_EQ(api.count(), 0u);
}

TEST_F(PlatformTest, FailedBatchStopsTheRemoval) {
  std::vector<RoleGrant> grants;
  for (int i = 0; i < 60; ++i) grants.push_back({"r" + std::to_string(100 + i), "", "d1"});
  api.push(400, errorBody(400, "bad.request", "Invalid division"));
  Status removed = platform.removeGrants("u1", grants);
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.error().code, ErrorCode::kRejected);
  EXPECT_EQ(api.count(), 1u);
}

TEST_F(PlatformTest, RevokesTokensWithDelete) {
  api.push(204, "");
  ASSERT_TRUE(platform.revokeTokens("u1").ok());
  EXPECT_EQ(api.requests()[0].method, "DELETE");
  EXPECT_EQ(api.requests()[0].url, url("/api/v2/tokens/u1"));
  EXPECT_TRUE(api.requests()[0].body.empty());
  EXPECT_EQ(counted("DELETE /api/v2/tokens/{userId}"), 1);
}

TEST_F(PlatformTest, RefusesToRevokeOwnOrEmptyToken) {
  EXPECT_EQ(platform.revokeTokens("me").error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(platform.revokeTokens("").error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(platform.listUserQueues("").error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(api.count(), 0u);
}

TEST_F(PlatformTest, QueriesConversationsWithTheDetailQuery) {
  api.push(200, R"({"conversations":[{"conversationId":"c1"},{"conversationId":"c2"}],
                    "totalHits":7})");
  Result<ConversationPage> page =
      platform.queryConversations("u1", "2026-01-01T00:00:00.000Z/2026-01-31T00:00:00.000Z", 2, 50);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->conversations.size(), 2u);
  EXPECT_EQ(page->conversations[1].getString("conversationId"), "c2");
  EXPECT_EQ(page->total_hits, 7);
  const HttpRequest r = api.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, url("/api/v2/analytics/conversations/details/query"));
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(parsed(r.body), parsed(R"({
    "interval": "2026-01-01T00:00:00.000Z/2026-01-31T00:00:00.000Z",
    "order": "asc",
    "orderBy": "conversationStart",
    "paging": {"pageSize": 50, "pageNumber": 2},
    "segmentFilters": [
      {"type": "and",
       "predicates": [{"type": "dimension", "dimension": "userId", "operator": "matches",
                       "value": "u1"}]}]})"));
  EXPECT_EQ(counted("POST /api/v2/analytics/conversations/details/query"), 1);
}

TEST_F(PlatformTest, MissingConversationsIsAnEmptyPage) {
  api.push(200, R"({"totalHits":0})");
  Result<ConversationPage> page = platform.queryConversations("u1", "a/b", 1, 100);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->conversations.empty());
  EXPECT_EQ(page->total_hits, 0);
}

TEST_F(PlatformTest, BadConversationPagingIsRefusedBeforeSending) {
  EXPECT_EQ(platform.queryConversations("u1", "a/b", 0, 100).error().code,
            ErrorCode::kInvalidInput);
  EXPECT_EQ(platform.queryConversations("u1", "a/b", 1, 101).error().code,
            ErrorCode::kInvalidInput);
  EXPECT_EQ(platform.queryConversations("u1", "2026-01-01", 1, 100).error().code,
            ErrorCode::kInvalidInput);
  EXPECT_EQ(api.count(), 0u);
}

TEST_F(PlatformTest, ConversationQueryIsARetriedRead) {
  // A POST, but it only reads: repeating it after an unknown outcome is harmless.
  api.push(503, errorBody(503, "service.unavailable", "busy"));
  api.push(
      testing::dropped("POST http://127.0.0.1:9/api/v2/analytics/conversations/details/"
                       "query: connection reset"));
  api.push(200, R"({"conversations":[{"conversationId":"c1"}],"totalHits":1})");
  Result<ConversationPage> page = platform.queryConversations("u1", "a/b", 1, 100);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(api.count(), 3u);
  EXPECT_EQ(clock.sleeps, (std::vector<milliseconds>{milliseconds(3000), milliseconds(9000)}));
  EXPECT_EQ(platform.counters().retries, 2);
}

TEST_F(PlatformTest, FindsTheLatestDeletedUserByEmailCaseInsensitively) {
  api.push(200, R"({"total":4,"pageCount":1,"pageSize":25,"pageNumber":1,"results":[
    {"id":"old","name":"Ann","email":"ann@corp.example","state":"deleted","version":3},
    {"id":"new","name":"Ann B","email":"Ann@Corp.Example","state":"deleted","version":9},
    {"id":"other","name":"Annie","email":"annie@corp.example","state":"deleted","version":99},
    {"id":"live","name":"Ann","email":"ann@corp.example","state":"active","version":50}]})");
  Result<std::optional<DeletedUser>> found = platform.findDeletedUser("ANN@corp.example");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "new");
  EXPECT_EQ((*found)->email, "Ann@Corp.Example");
  EXPECT_EQ((*found)->name, "Ann B");
  EXPECT_EQ((*found)->version, 9);
  const HttpRequest r = api.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, url("/api/v2/users/search"));
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(parsed(r.body), parsed(R"({"pageSize":25,"pageNumber":1,"query":[
    {"fields":["email"],"value":"ANN@corp.example","type":"EXACT"},
    {"fields":["state"],"values":["deleted"],"type":"EXACT"}]})"));
  EXPECT_EQ(counted("POST /api/v2/users/search"), 1);
}

TEST_F(PlatformTest, NoDeletedUserIsNullopt) {
  api.push(200, R"({"total":0,"pageCount":0,"pageSize":25,"pageNumber":1})");
  api.push(200, R"({"total":0,"results":[]})");
  for (int i = 0; i < 2; ++i) {
    Result<std::optional<DeletedUser>> found = platform.findDeletedUser("x@corp.example");
    ASSERT_TRUE(found.ok());
    EXPECT_FALSE(found->has_value());
  }
}

TEST_F(PlatformTest, ListsOnePageOfDeletedUsersWithItsPaging) {
  api.push(200, R"({"entities":[
    {"id":"d1","name":"Ann","email":"Ann@corp.example","username":"ann@corp.example",
     "state":"deleted","version":4},
    {"id":"d2","name":"Bob","username":"bob@corp.example","version":2},
    {"id":"a1","name":"Live","email":"live@corp.example","state":"active","version":7}],
    "pageSize":3,"pageNumber":2,"total":8,"pageCount":3})");
  Result<DeletedUserPage> page = platform.listDeletedUsers(2, 3);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->users.size(), 2u) << "an entry in another state is not returned";
  EXPECT_EQ(page->users[0].id, "d1");
  EXPECT_EQ(page->users[0].email, "Ann@corp.example");
  EXPECT_EQ(page->users[0].name, "Ann");
  EXPECT_EQ(page->users[0].version, 4);
  EXPECT_EQ(page->users[1].email, "bob@corp.example") << "username when there is no email";
  EXPECT_EQ(page->entities, 3);
  EXPECT_EQ(page->page_size, 3);
  EXPECT_EQ(page->page_number, 2);
  EXPECT_EQ(page->total, 8);
  EXPECT_EQ(page->page_count, 3);
  const HttpRequest r = api.requests()[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, url("/api/v2/users?state=deleted&pageSize=3&pageNumber=2"));
  EXPECT_EQ(counted("GET /api/v2/users"), 1);
}

TEST_F(PlatformTest, DeletedUserPageWithoutPagingFieldsSaysSo) {
  api.push(200, R"({"entities":[]})");
  api.push(200, R"({})");
  for (int i = 0; i < 2; ++i) {
    Result<DeletedUserPage> page = platform.listDeletedUsers(1, 100);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_TRUE(page->users.empty());
    EXPECT_EQ(page->entities, 0);
    EXPECT_EQ(page->page_size, -1);
    EXPECT_EQ(page->page_number, -1);
    EXPECT_EQ(page->total, -1);
    EXPECT_EQ(page->page_count, -1);
  }
}

TEST_F(PlatformTest, MalformedDeletedUserPageIsInvalidInput) {
  api.push(200, R"({"entities":[{"name":"no id","state":"deleted"}]})");
  api.push(200, R"({"entities":[],"total":"many"})");
  api.push(200, R"({"entities":{}})");
  for (const char* why : {"a user without an id", "total is not a number", "\"entities\""}) {
    Result<DeletedUserPage> page = platform.listDeletedUsers(1, 100);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(page.error().message.find(why), std::string::npos) << page.error().message;
    EXPECT_NE(page.error().message.find("GET /api/v2/users"), std::string::npos);
  }
}

TEST_F(PlatformTest, BadDeletedUserPagingIsRefusedBeforeSending) {
  for (const auto& [number, size] : {std::pair{0, 100}, std::pair{1, 0}, std::pair{1, 101}}) {
    Result<DeletedUserPage> page = platform.listDeletedUsers(number, size);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().code, ErrorCode::kInvalidInput);
  }
  EXPECT_EQ(api.count(), 0u);
}

TEST_F(PlatformTest, DeletedUserListingIsARetriedRead) {
  api.push(503, "");
  api.push(200, R"({"entities":[],"total":0})");
  EXPECT_TRUE(platform.listDeletedUsers(1, 100).ok());
  EXPECT_EQ(api.count(), 2u);
}

TEST_F(PlatformTest, UserSearchIsRetriedAfterAnOutage) {
  api.push(504, "");
  api.push(200, R"({"results":[]})");
  EXPECT_TRUE(platform.findDeletedUser("x@corp.example").ok());
  EXPECT_EQ(api.count(), 2u);
}

TEST_F(PlatformTest, RestoresWithStateAndVersion) {
  api.push(200, R"({"id":"u1","state":"active","version":5})");
  ASSERT_TRUE(platform.restoreUser("u1", 4).ok());
  const HttpRequest r = api.requests()[0];
  EXPECT_EQ(r.method, "PATCH");
  EXPECT_EQ(r.url, url("/api/v2/users/u1"));
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"state":"active","version":4})");
  EXPECT_EQ(counted("PATCH /api/v2/users/{userId}"), 1);
}

TEST_F(PlatformTest, RestoreWithAnOldVersionIsStale) {
  api.push(409, errorBody(409, "general.conflict", "The user has been modified"));
  api.push(400, errorBody(400, "bad.request", "User version 4 is out of date"));
  api.push(400, errorBody(400, "bad.request", "Invalid state"));
  api.push(404, errorBody(404, "not.found", "User not found"));
  Status conflict = platform.restoreUser("u1", 4);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kStale);
  EXPECT_EQ(conflict.error().message, "PATCH /api/v2/users/u1 → 409: The user has been modified");
  EXPECT_EQ(platform.restoreUser("u1", 4).error().code, ErrorCode::kStale);
  EXPECT_EQ(platform.restoreUser("u1", 4).error().code, ErrorCode::kRejected);
  EXPECT_EQ(platform.restoreUser("u1", 4).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(api.count(), 4u);  // none of these is retried
}

TEST_F(PlatformTest, EveryCallIsRetriedAfterADroppedConnection) {
  const auto drop = [] { return testing::dropped("connection reset by the server"); };
  const auto ok_after_drop = [&](int status, const std::string& body) {
    api.push(drop());
    api.push(status, body);
  };
  ok_after_drop(200, queuePage({}, true, 1, 0, 0));
  api.push(200, queuePage({}, false, 1, 0, 0));
  EXPECT_TRUE(platform.listUserQueues("u1").ok());
  ok_after_drop(204, "");
  EXPECT_TRUE(platform.removeFromQueue("q1", "u1").ok());
  ok_after_drop(200, R"({"grants":[]})");
  EXPECT_TRUE(platform.listGrants("u1").ok());
  ok_after_drop(204, "");
  EXPECT_TRUE(platform.removeGrants("u1", {{"r1", "", "d1"}}).ok());
  ok_after_drop(204, "");
  EXPECT_TRUE(platform.revokeTokens("u1").ok());
  ok_after_drop(200, R"({"totalHits":0})");
  EXPECT_TRUE(platform.queryConversations("u1", "a/b", 1, 100).ok());
  ok_after_drop(200, R"({"results":[]})");
  EXPECT_TRUE(platform.findDeletedUser("x@corp.example").ok());
  ok_after_drop(200, "{}");
  EXPECT_TRUE(platform.restoreUser("u1", 1).ok());
  EXPECT_EQ(platform.counters().retries, 8);
  EXPECT_EQ(api.remaining(), 0u);
}

TEST_F(PlatformTest, RateLimitedCallWaitsRetryAfter) {
  api.push(429,
           errorBody(429, "too.many.requests.retry.after",
                     "Rate limit exceeded the maximum. Retry the request in [7] seconds"),
           {{"Retry-After", "7"}});
  api.push(204, "");
  ASSERT_TRUE(platform.revokeTokens("u1").ok());
  EXPECT_EQ(clock.sleeps, (std::vector<milliseconds>{milliseconds(7250)}));
  EXPECT_EQ(counted("DELETE /api/v2/tokens/{userId}"), 2);
}

TEST_F(PlatformTest, InternalServerErrorIsNotRetried) {
  api.push(500, errorBody(500, "internal.server.error", "boom"));
  EXPECT_EQ(platform.listGrants("u1").error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(api.count(), 1u);
}

TEST_F(PlatformTest, ExpiredTokenIsRefreshedOnce) {
  api.push(401, errorBody(401, "bad.credentials", "Invalid login credentials."));
  api.push(200, R"({"grants":[]})");
  ASSERT_TRUE(platform.listGrants("u1").ok());
  EXPECT_EQ(api.requests()[0].headers.get("Authorization"), "Bearer t1");
  EXPECT_EQ(api.requests()[1].headers.get("Authorization"), "Bearer t2");
  EXPECT_EQ(platform.counters().token_refreshes, 1);
}

TEST_F(PlatformTest, ForbiddenRetriesOnceWithTheElevatedClient) {
  StaticTokenSource elevated("admin-token");
  GenesysClientOptions o = options();
  o.elevated_tokens = &elevated;
  GenesysPlatform with_elevated(api, tokens, o);
  api.push(403, errorBody(403, "missing.permissions", "Missing permission oauth:token:delete"));
  api.push(204, "");
  EXPECT_TRUE(with_elevated.revokeTokens("u1").ok());
  EXPECT_EQ(api.requests()[1].headers.get("Authorization"), "Bearer admin-token");
  EXPECT_EQ(with_elevated.counters().elevated, 1);
}

TEST_F(PlatformTest, IdsAreEncodedInPaths) {
  api.push(204, "");
  EXPECT_TRUE(platform.revokeTokens("a/b c").ok());
  EXPECT_EQ(api.requests()[0].url, url("/api/v2/tokens/a%2Fb%20c"));
}

// The SCIM and Platform clients of one OAuth client draw from one token bucket (genesys-api.md
// §7: the limit is per token) and count into one set of counters.
TEST_F(PlatformTest, SharesThePacerAndCountersWithTheDirectory) {
  GenesysClientOptions o = options();
  o.requests_per_minute = 60;
  o.burst = 1;
  GenesysDirectory directory(api, tokens, o);
  GenesysPlatform shared(directory.client());
  ASSERT_EQ(shared.client().get(), directory.client().get());

  api.push(200, R"({"id":"u1","userName":"u1@corp.example","active":true})");
  api.push(204, "");
  api.push(200, R"({"grants":[]})");
  ASSERT_TRUE(directory.getUser("u1").ok());
  ASSERT_TRUE(shared.revokeTokens("u1").ok());
  ASSERT_TRUE(shared.listGrants("u1").ok());
  // One bucket: the second and third requests each wait a second, whoever sends them.
  EXPECT_EQ(clock.sleeps, (std::vector<milliseconds>{milliseconds(1000), milliseconds(1000)}));
  const GenesysCounters counters = directory.counters();
  EXPECT_EQ(counters.total, 3);
  EXPECT_EQ(counters.requests.at("GET /Users"), 1);
  EXPECT_EQ(counters.requests.at("DELETE /api/v2/tokens/{userId}"), 1);
  EXPECT_EQ(counters.waited, milliseconds(2000));
  EXPECT_EQ(shared.counters().total, 3);
  EXPECT_EQ(api.requests()[0].url, url("/api/v2/scim/v2/Users/u1"));
  EXPECT_EQ(api.requests()[0].headers.get("Accept"), "application/scim+json");
  EXPECT_EQ(api.requests()[1].headers.get("Accept"), "application/json");
}

// ---- readDeletedListing -----------------------------------------------------------------------

// A PlatformDirectory whose deleted-user listing answers scripted pages (page n: pages[n-1];
// past the script, an empty page) and records the page numbers asked for.
class PagedPlatform final : public PlatformDirectory {
 public:
  std::vector<Result<DeletedUserPage>> pages;
  std::vector<int> asked;

  bool available() const override { return true; }
  Result<std::vector<QueueMembership>> listUserQueues(const std::string&) override {
    return std::vector<QueueMembership>{};
  }
  Status removeFromQueue(const std::string&, const std::string&) override { return Status(); }
  Result<std::vector<RoleGrant>> listGrants(const std::string&) override {
    return std::vector<RoleGrant>{};
  }
  Status removeGrants(const std::string&, const std::vector<RoleGrant>&) override {
    return Status();
  }
  Status revokeTokens(const std::string&) override { return Status(); }
  Result<ConversationPage> queryConversations(const std::string&, const std::string&, int,
                                              int) override {
    return ConversationPage{};
  }
  Result<std::optional<DeletedUser>> findDeletedUser(const std::string&) override {
    return std::optional<DeletedUser>();
  }
  Result<DeletedUserPage> listDeletedUsers(int page_number, int) override {
    asked.push_back(page_number);
    if (static_cast<size_t>(page_number) <= pages.size()) return pages[page_number - 1];
    return DeletedUserPage{};
  }
  Status restoreUser(const std::string&, int64_t) override { return Status(); }
};

// A page of deleted users `ids` (each "<id>@corp.example"), stating pageSize 2, its number, and
// total / pageCount when >= 0.
DeletedUserPage deletedPage(const std::vector<std::string>& ids, int64_t number, int64_t total,
                            int64_t page_count, int64_t page_size = 2) {
  DeletedUserPage page;
  for (const std::string& id : ids) page.users.push_back({id, id + "@corp.example", id, 1});
  page.entities = static_cast<int64_t>(ids.size());
  page.page_size = page_size;
  page.page_number = number;
  page.total = total;
  page.page_count = page_count;
  return page;
}

TEST(DeletedListingTest, WholeListingReadsEveryPageOnce) {
  PagedPlatform platform;
  platform.pages = {deletedPage({"a", "b"}, 1, 5, 3), deletedPage({"c", "d"}, 2, 5, 3),
                    deletedPage({"e"}, 3, 5, 3)};
  const DeletedListing listing = readDeletedListing(platform, 10, 2);
  EXPECT_TRUE(listing.whole) << listing.problem;
  EXPECT_FALSE(listing.too_long);
  EXPECT_EQ(listing.users.size(), 5u);
  EXPECT_EQ(listing.users[4].id, "e");
  EXPECT_EQ(listing.pages_read, 3);
  EXPECT_EQ(listing.pages, 3);
  EXPECT_EQ(listing.total, 5);
  EXPECT_EQ(platform.asked, (std::vector<int>{1, 2, 3}));
}

TEST(DeletedListingTest, AnEmptyListingIsWholeAfterOnePage) {
  PagedPlatform platform;
  platform.pages = {deletedPage({}, 1, 0, 0)};
  const DeletedListing listing = readDeletedListing(platform, 10, 2);
  EXPECT_TRUE(listing.whole) << listing.problem;
  EXPECT_EQ(listing.pages_read, 1);
}

TEST(DeletedListingTest, WithoutACountAShortPageEndsIt) {
  PagedPlatform platform;
  platform.pages = {deletedPage({"a", "b"}, -1, -1, -1, -1), deletedPage({"c"}, -1, -1, -1, -1)};
  const DeletedListing listing = readDeletedListing(platform, 10, 2);
  EXPECT_TRUE(listing.whole) << listing.problem;
  EXPECT_EQ(listing.users.size(), 3u);
  EXPECT_EQ(listing.pages, 2);
}

TEST(DeletedListingTest, ListingOfMorePagesThanAllowedStopsAtItsFirstPage) {
  PagedPlatform platform;
  platform.pages = {deletedPage({"a", "b"}, 1, 21, -1)};  // 11 pages of 2
  DeletedListing listing = readDeletedListing(platform, 10, 2);
  EXPECT_TRUE(listing.too_long);
  EXPECT_FALSE(listing.whole);
  EXPECT_EQ(listing.pages, 11);
  EXPECT_EQ(listing.total, 21);
  EXPECT_EQ(platform.asked, std::vector<int>{1});

  // Without a count: stops once the allowed pages did not reach the end.
  PagedPlatform uncounted;
  for (int i = 1; i <= 5; ++i) {
    uncounted.pages.push_back(deletedPage({"x" + std::to_string(i), "y" + std::to_string(i)}, i,
                                          -1, -1));
  }
  listing = readDeletedListing(uncounted, 3, 2);
  EXPECT_TRUE(listing.too_long);
  EXPECT_EQ(listing.pages, -1);
  EXPECT_EQ(uncounted.asked, (std::vector<int>{1, 2, 3}));
}

TEST(DeletedListingTest, AListingThatIsNotWholeSaysWhy) {
  struct Case {
    const char* name;
    std::vector<Result<DeletedUserPage>> pages;
    std::string problem;
  };
  const std::vector<Case> cases = {
      {"page repeated",
       {deletedPage({"a", "b"}, 1, 5, 3), deletedPage({"a", "b"}, 1, 5, 3)},
       "page 2 came back as page 1"},
      {"page repeated without its number",
       {deletedPage({"a", "b"}, -1, 5, 3), deletedPage({"b", "c"}, -1, 5, 3)},
       "user b listed twice (again on page 2)"},
      {"total changed",
       {deletedPage({"a", "b"}, 1, 5, 3), deletedPage({"c", "d"}, 2, 6, 3)},
       "the total changed from 5 to 6 at page 2"},
      {"pageCount changed",
       {deletedPage({"a", "b"}, 1, -1, 3), deletedPage({"c", "d"}, 2, -1, 4)},
       "pageCount changed from 3 to 4 at page 2"},
      {"short page",
       {deletedPage({"a", "b"}, 1, 5, 3), deletedPage({"c"}, 2, 5, 3)},
       "page 2 of 3 held 1 users, not 2"},
      {"fewer than the total",
       {deletedPage({"a", "b"}, 1, 5, 3), deletedPage({"c", "d"}, 2, 5, 3),
        deletedPage({}, 3, 5, 3)},
       "4 users listed of a stated total of 5"},
      {"failed page",
       {deletedPage({"a", "b"}, 1, 5, 3),
        Error(ErrorCode::kUnavailable, "GET /api/v2/users → 503: down")},
       "GET /api/v2/users → 503: down"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    PagedPlatform platform;
    platform.pages = c.pages;
    const DeletedListing listing = readDeletedListing(platform, 10, 2);
    EXPECT_FALSE(listing.whole);
    EXPECT_FALSE(listing.too_long);
    EXPECT_EQ(listing.problem, c.problem);
  }
}

}  // namespace
}  // namespace scim_agent
