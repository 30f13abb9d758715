// 50,000 users: seeding, paging and indexed lookups give the right answers at that size (SPEC §14
// runs against the sim). How fast is for benchmarks (tests/bench), not for tests.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

TEST(ScaleTest, FiftyThousandUsersPageAndLookUp) {
  SimServer server(SimOptions{});
  std::string doc = R"({"users":[)";
  for (int i = 0; i < 50000; ++i) {
    const std::string n = std::to_string(i);
    if (i > 0) doc += ",";
    doc += R"({"userName":"user)" + n + R"(@corp.example","displayName":"User )" + n +
           R"(","externalId":"EMP-)" + n + R"("})";
  }
  doc += "]}";
  server.seed(doc);
  server.start();
  HttpClient client(server.port());
  const std::string bearer =
      "Bearer " +
      client
          .send("POST", "/oauth/token",
                "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
                {{"Content-Type", "application/x-www-form-urlencoded"}})
          .json()
          ->getValue<std::string>("access_token");
  // 400 pages of 25 across the whole org, then indexed lookups.
  for (int page = 0; page < 400; ++page) {
    const int start = 1 + page * 125;
    HttpResult result =
        client.send("GET", "/api/v2/scim/v2/Users?count=25&startIndex=" + std::to_string(start), "",
                    {{"Authorization", bearer}});
    ASSERT_EQ(result.status, 200);
  }
  for (int i = 0; i < 200; ++i) {
    HttpResult result = client.send(
        "GET",
        "/api/v2/scim/v2/Users?filter=" + encode("externalId eq EMP-" + std::to_string(i * 211)),
        "", {{"Authorization", bearer}});
    ASSERT_EQ(result.json()->getValue<int>("totalResults"), 1);
  }
  HttpResult last = client.send("GET", "/api/v2/scim/v2/Users?startIndex=50000&count=25", "",
                                {{"Authorization", bearer}});
  EXPECT_EQ(last.json()->getValue<int>("itemsPerPage"), 1);
  EXPECT_EQ(last.json()->getValue<int>("totalResults"), 50000);
  server.stop();
}

TEST(ScaleTest, ConcurrentClientsAreServedConsistently) {
  SimServer server(SimOptions{});
  server.seed(R"({"users":[{"userName":"a@corp.example","displayName":"A"}]})");
  server.start();
  std::atomic<int> ok{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&] {
      HttpClient client(server.port());
      const std::string bearer =
          "Bearer " +
          client
              .send("POST", "/oauth/token",
                    "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
                    {{"Content-Type", "application/x-www-form-urlencoded"}})
              .json()
              ->getValue<std::string>("access_token");
      for (int i = 0; i < 50; ++i) {
        HttpResult result =
            client.send("PATCH", "/api/v2/scim/v2/Users/00000000-0000-4000-8000-000000000001",
                        patchBody(R"({"op":"replace","path":"title","value":"T"})"),
                        {{"Authorization", bearer}, {"Content-Type", "application/scim+json"}});
        if (result.status == 200) ++ok;
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  EXPECT_EQ(ok.load(), 300);
  // Every write bumped the version exactly once.
  EXPECT_NE(server.stateJson(true).find(R"("version":"\"301\"")"), std::string::npos);
  server.stop();
}

}  // namespace
}  // namespace scim_agent::sim::testing
