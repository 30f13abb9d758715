#include "agent/scim/scim_errors.h"

#include <gtest/gtest.h>

#include "tests/unit/scim/scripted_transport.h"

namespace scim_agent {
namespace {

using testing::response;

std::string scimError(int status, const std::string& scim_type, const std::string& detail) {
  return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":")" +
         std::to_string(status) + R"(",)" +
         (scim_type.empty() ? "" : R"("scimType":")" + scim_type + R"(",)") + R"("detail":")" +
         detail + R"("})";
}

struct Row {
  const char* method;
  int status;
  std::string body;
  ErrorCode expected;
};

TEST(ScimErrorsTest, MapsStatusesOnce) {
  const std::vector<Row> table = {
      {"PATCH", 400, scimError(400, "invalidVers", "Version does not match current version."),
       ErrorCode::kStale},
      {"DELETE", 400, scimError(400, "invalidVers", "x"), ErrorCode::kStale},
      {"PATCH", 400, R"({"message":"The version does not match the current version","status":400})",
       ErrorCode::kStale},
      {"PATCH", 409, scimError(409, "", "Version does not match current version."),
       ErrorCode::kStale},
      {"PUT", 409, scimError(409, "", "conflict"), ErrorCode::kStale},
      {"DELETE", 409, scimError(409, "", "conflict"), ErrorCode::kStale},
      {"PATCH", 412, "", ErrorCode::kStale},
      {"POST", 409, scimError(409, "uniqueness", "User name already in use by non-deleted user."),
       ErrorCode::kConflict},
      {"GET", 404, scimError(404, "", "not found"), ErrorCode::kNotFound},
      {"DELETE", 404, "", ErrorCode::kNotFound},
      {"GET", 401, R"({"message":"Invalid login credentials.","code":"bad.credentials","status":401})",
       ErrorCode::kUnauthorized},
      {"GET", 403, R"({"message":"Missing permission","status":403})", ErrorCode::kForbidden},
      {"GET", 429, R"({"message":"Rate limit exceeded","status":429})", ErrorCode::kRateLimited},
      {"GET", 500, "", ErrorCode::kUnavailable},
      {"GET", 502, "<html>bad gateway</html>", ErrorCode::kUnavailable},
      {"GET", 503, "", ErrorCode::kUnavailable},
      {"GET", 504, "", ErrorCode::kUnavailable},
      {"GET", 408, "", ErrorCode::kUnavailable},
      {"PATCH", 400, scimError(400, "mutability", "groups is read-only"), ErrorCode::kRejected},
      {"POST", 400, scimError(400, "invalidValue", "unknown role"), ErrorCode::kRejected},
      {"GET", 400, scimError(400, "invalidFilter", "bad filter"), ErrorCode::kRejected},
      {"POST", 413, "", ErrorCode::kRejected},
      {"POST", 415, "", ErrorCode::kRejected},
      {"GET", 304, "", ErrorCode::kRejected},
  };
  for (const Row& row : table) {
    const Error e = errorFromResponse(row.method, "/Users/u1", response(row.status, row.body));
    EXPECT_EQ(e.code, row.expected) << row.method << " " << row.status << " " << row.body
                                    << " → " << errorCodeName(e.code);
    EXPECT_EQ(e.http_status, row.status);
    EXPECT_NE(e.message.find(std::string(row.method) + " /Users/u1 → " +
                             std::to_string(row.status)),
              std::string::npos)
        << e.message;
  }
}

TEST(ScimErrorsTest, MessageNamesRouteStatusScimTypeAndDetail) {
  const Error e = errorFromResponse(
      "PATCH", "/Users/9f0c",
      response(400, scimError(400, "invalidVers", "Version does not match current version.")));
  EXPECT_EQ(e.message, "PATCH /Users/9f0c → 400 invalidVers: Version does not match current version.");
  EXPECT_EQ(e.scim_type, "invalidVers");
}

TEST(ScimErrorsTest, RetryAfterIsRead) {
  const Error e =
      errorFromResponse("GET", "/Users", response(429, "{}", {{"retry-after", "42"}}));
  EXPECT_EQ(e.code, ErrorCode::kRateLimited);
  EXPECT_EQ(e.retry_after_seconds, 42);
  EXPECT_EQ(errorFromResponse("GET", "/Users", response(429, "")).retry_after_seconds, -1);
  EXPECT_EQ(retryAfterSeconds(response(429, "", {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}})),
            -1);
  EXPECT_EQ(retryAfterSeconds(response(503, "", {{"Retry-After", " 7 "}})), 7);
}

TEST(ScimErrorsTest, NonJsonBodyIsExcerptedOnOneLine) {
  const Error e = errorFromResponse("GET", "/Users", response(502, "<html>\nBad gateway\n</html>"));
  EXPECT_EQ(e.message, "GET /Users → 502: <html> Bad gateway </html>");
}

}  // namespace
}  // namespace scim_agent
