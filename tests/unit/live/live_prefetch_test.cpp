#include "agent/live/live_prefetch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "agent/codec/json_parse.h"
#include "agent/scim/genesys_directory.h"
#include "agent/scim/token_source.h"
#include "agent/scim/user_codec.h"
#include "tests/unit/scim/scripted_transport.h"

namespace scim_agent {
namespace {

using testing::response;
using testing::ScriptedTransport;

constexpr int kPageSize = 25;

std::string userJson(int n, bool with_roles) {
  const std::string id = "u" + std::to_string(n);
  std::string out = R"({"id":")" + id + R"(","userName":")" + id +
                    R"(@corp.example","externalId":"EMP-)" + std::to_string(n) +
                    R"(","active":true,"meta":{"version":"\"1\""})";
  if (with_roles) out += R"(,"roles":[{"value":"agent"},{"value":"supervisor"}])";
  return out + "}";
}

std::string listPage(int total, int start, bool with_roles) {
  const int count = std::max(0, std::min(kPageSize, total - start + 1));
  std::string resources;
  for (int i = 0; i < count; ++i) {
    if (i) resources += ",";
    resources += userJson(start + i, with_roles);
  }
  return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":)" +
         std::to_string(total) + R"(,"startIndex":)" + std::to_string(start) +
         R"(,"itemsPerPage":)" + std::to_string(count) + R"(,"Resources":[)" + resources + "]}";
}

// A SCIM service of `active_users` active users (none inactive, no groups) over a scripted
// transport: honours startIndex and excludedAttributes=roles, counts the user pages, and may
// hold every user page until released (to cancel a read in the middle).
class PagedService {
 public:
  explicit PagedService(int active_users) : active_users_(active_users) {}

  Result<HttpResponse> answer(const HttpRequest& request) {
    const std::string& url = request.url;
    if (url.find("/Groups") != std::string::npos) {
      ++group_pages;
      return response(200, listPage(0, 1, false));
    }
    const bool inactive = url.find("filter=") != std::string::npos;
    const bool with_roles = url.find("roles") == std::string::npos;  // not excluded
    int start = 1;
    if (auto at = url.find("startIndex="); at != std::string::npos) {
      start = std::stoi(url.substr(at + 11));
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++user_pages_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !hold_; });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(page_delay_ms));
    return response(200, listPage(inactive ? 0 : active_users_, start, with_roles));
  }

  void hold() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = true;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = false;
    cv_.notify_all();
  }
  // Waits until `n` user pages were asked for.
  void awaitUserPages(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return user_pages_ >= n; });
  }
  int userPages() {
    std::lock_guard<std::mutex> lock(mu_);
    return user_pages_;
  }

  std::atomic<int> group_pages{0};
  int page_delay_ms = 0;

 private:
  int active_users_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool hold_ = false;
  int user_pages_ = 0;
};

// A GenesysDirectory over a PagedService (the scripted transport answers from other threads
// than the test's: ScriptedTransport locks).
class PrefetchTest : public ::testing::Test {
 protected:
  explicit PrefetchTest(int users = 200) : service(users) {}

  DirectoryOptions options() {
    DirectoryOptions o;
    o.api_base = "http://127.0.0.1:9";
    o.random = [] { return 0.5; };
    return o;
  }

  PagedService service;
  ScriptedTransport login{[](const HttpRequest&) -> Result<HttpResponse> {
    return response(200, R"({"access_token":"t1","token_type":"bearer","expires_in":86399})");
  }};
  OAuthTokenSource tokens{login, {"http://127.0.0.1:9", "demo-client", "demo-secret"}};
  ScriptedTransport api{[this](const HttpRequest& r) { return service.answer(r); }};
  GenesysDirectory directory{api, tokens, options()};
};

std::string canonical(const LiveState& state) {
  std::string out;
  for (const LiveUser& u : state.users) out += liveUserToCanonicalJson(u).dump() + "\n";
  return out;
}

LiveReadOptions withoutRoles() {
  LiveReadOptions o;
  o.roles = false;
  return o;
}

TEST_F(PrefetchTest, AReadOfMoreAttributesIsNarrowedToWhatIsNeeded) {
  Result<LiveState> direct = readLive(directory, withoutRoles());
  ASSERT_TRUE(direct.ok()) << direct.error().message;
  ASSERT_EQ(direct->users.size(), 200u);
  EXPECT_FALSE(direct->users.front().roles_known);
  const int pages_direct = service.userPages();

  LivePrefetch prefetch(directory, LiveReadOptions{});  // everything, roles included
  Result<LiveState> taken = prefetch.take(withoutRoles());
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  // The same users as a read without roles gives, byte for byte, from one read of as many pages.
  EXPECT_EQ(canonical(*taken), canonical(*direct));
  EXPECT_EQ(service.userPages(), 2 * pages_direct);
}

TEST_F(PrefetchTest, ACoveringReadIsUsedAsItIs) {
  LivePrefetch prefetch(directory, LiveReadOptions{});
  Result<LiveState> taken = prefetch.take(LiveReadOptions{});
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_EQ(taken->users.size(), 200u);
  EXPECT_TRUE(taken->users.front().roles_known);
  EXPECT_EQ(taken->users.front().roles, (std::vector<std::string>{"agent", "supervisor"}));
  // 8 pages of active users, 1 (empty) of inactive ones: read once.
  EXPECT_EQ(service.userPages(), 9);
  EXPECT_EQ(service.group_pages.load(), 1);
}

TEST_F(PrefetchTest, AReadLackingAnAttributeIsStoppedAndMadeAgainWithIt) {
  service.hold();
  LivePrefetch prefetch(directory, withoutRoles());
  service.awaitUserPages(1);  // the early read is in its first page
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    service.release();
  });
  Result<LiveState> taken = prefetch.take(LiveReadOptions{});
  releaser.join();
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_EQ(taken->users.size(), 200u);
  EXPECT_TRUE(taken->users.front().roles_known);
  EXPECT_EQ(taken->users.front().roles, (std::vector<std::string>{"agent", "supervisor"}));
  // The early read stopped after the page it was in: 1 page, then 9 for the read with roles.
  EXPECT_EQ(service.userPages(), 1 + 9);
  EXPECT_EQ(service.group_pages.load(), 1);
  // The second read asked for roles; the first had projected them out.
  std::vector<std::string> listings;
  for (const HttpRequest& r : api.requests()) {
    if (r.url.find("/Users") != std::string::npos) listings.push_back(r.url);
  }
  ASSERT_EQ(listings.size(), 10u);
  EXPECT_NE(listings.front().find("excludedAttributes=roles"), std::string::npos)
      << listings.front();
  for (size_t i = 1; i < listings.size(); ++i) {
    EXPECT_EQ(listings[i].find("excludedAttributes"), std::string::npos) << listings[i];
  }
}

TEST_F(PrefetchTest, DestroyingTheReadStopsItBetweenPagesAndWaitsForIt) {
  service.page_delay_ms = 2;
  {
    LivePrefetch prefetch(directory, LiveReadOptions{});
    service.awaitUserPages(2);
  }  // the desired state failed to load: the read is given up
  const int pages = service.userPages();
  EXPECT_LE(pages, 3) << "at most the page in flight follows the cancel";
  EXPECT_EQ(service.group_pages.load(), 0);
  // Nothing is sent once the LivePrefetch is gone (its thread was joined).
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(service.userPages(), pages);
}

TEST_F(PrefetchTest, ACancelledListingSendsNoFurtherPageAndSaysSo) {
  std::atomic<bool> cancel{false};
  ListOptions list;
  list.cancel = &cancel;
  service.hold();
  Result<std::vector<LiveUser>> listed = Error(ErrorCode::kInternal, "not listed");
  std::thread reader([&] { listed = directory.listUsers(list); });
  service.awaitUserPages(1);
  cancel.store(true);
  service.release();
  reader.join();
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(listed.error().message.find("GET /Users?startIndex=26&count=25"), std::string::npos)
      << listed.error().message;
  EXPECT_NE(listed.error().message.find("(page 2): the listing was cancelled before this page"),
            std::string::npos)
      << listed.error().message;
  EXPECT_EQ(service.userPages(), 1);
}

TEST_F(PrefetchTest, AReadCancelledBeforeItStartsSendsNothing) {
  std::atomic<bool> cancel{true};
  LiveReadOptions options;
  options.cancel = &cancel;
  Result<LiveState> live = readLive(directory, options);
  ASSERT_FALSE(live.ok());
  EXPECT_NE(live.error().message.find("reading the active users failed: "), std::string::npos)
      << live.error().message;
  EXPECT_EQ(service.userPages(), 0);
  EXPECT_EQ(service.group_pages.load(), 0);
  EXPECT_EQ(api.count(), 0u);
}

TEST_F(PrefetchTest, ASecondTakeReadsAgain) {
  LivePrefetch prefetch(directory, LiveReadOptions{});
  ASSERT_TRUE(prefetch.take(LiveReadOptions{}).ok());
  ASSERT_TRUE(prefetch.take(LiveReadOptions{}).ok());
  EXPECT_EQ(service.userPages(), 18);
}

TEST(LiveReadOptionsTest, CoverageAndPolicy) {
  LiveReadOptions all;
  LiveReadOptions none;
  none.roles = none.routing_skills = none.routing_languages = false;
  EXPECT_TRUE(liveReadCovers(all, none));
  EXPECT_TRUE(liveReadCovers(all, all));
  EXPECT_FALSE(liveReadCovers(none, all));
  LiveReadOptions skills = none;
  skills.routing_skills = true;
  EXPECT_FALSE(liveReadCovers(none, skills));
  EXPECT_TRUE(liveReadCovers(skills, none));

  Policy policy;
  EXPECT_TRUE(liveReadOptionsFor(policy).roles);  // every attribute managed by default
  policy.managed_attributes = {Attribute::kTitle, Attribute::kRoutingLanguages};
  const LiveReadOptions read = liveReadOptionsFor(policy);
  EXPECT_FALSE(read.roles);
  EXPECT_FALSE(read.routing_skills);
  EXPECT_TRUE(read.routing_languages);
}

}  // namespace
}  // namespace scim_agent
