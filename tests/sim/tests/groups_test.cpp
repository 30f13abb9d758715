// Groups: list/filter/get, membership PATCH, users' read-only `groups` attribute
// (genesys-api.md §2.2, §3.4, §5.2).

#include <string>

#include "sim_client.h"

namespace scim_agent::sim::testing {
namespace {

class GroupsTest : public SimFixture {
 protected:
  void SetUp() override {
    SimFixture::SetUp();
    seed(R"({"users":[{"userName":"a@corp.example","displayName":"A"},
                      {"userName":"b@corp.example","displayName":"B"},
                      {"userName":"c@corp.example","displayName":"C"}],
             "groups":[{"displayName":"Support Agents","members":["a@corp.example"]},
                       {"displayName":"Sales","id":"group-sales"}]})");
    a_ = userByName("a@corp.example")->getValue<std::string>("id");
    b_ = userByName("b@corp.example")->getValue<std::string>("id");
    c_ = userByName("c@corp.example")->getValue<std::string>("id");
    auto groups =
        api("GET", "/api/v2/scim/v2/Groups?filter=" + encode("displayName eq \"Support Agents\""));
    support_ = groups.json()->getArray("Resources")->getObject(0)->getValue<std::string>("id");
  }

  HttpResult patchGroup(const std::string& id, const std::string& operations,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    return api("PATCH", "/api/v2/scim/v2/Groups/" + id, patchBody(operations), std::move(headers));
  }

  std::vector<std::string> memberIds(const Poco::JSON::Object::Ptr& group) {
    std::vector<std::string> ids;
    auto members = group->getArray("members");
    for (size_t i = 0; i < members->size(); ++i) {
      ids.push_back(members->getObject(static_cast<unsigned>(i))->getValue<std::string>("value"));
    }
    return ids;
  }

  std::string a_, b_, c_, support_;
};

TEST_F(GroupsTest, ListFilterAndGet) {
  auto all = api("GET", "/api/v2/scim/v2/Groups").json();
  EXPECT_EQ(all->getValue<int>("totalResults"), 2);
  auto group = all->getArray("Resources")->getObject(0);
  EXPECT_EQ(arr(group->get("schemas"))->getElement<std::string>(0),
            "urn:ietf:params:scim:schemas:core:2.0:Group");
  EXPECT_EQ(group->getValue<std::string>("displayName"), "Support Agents");
  auto member = group->getArray("members")->getObject(0);
  EXPECT_EQ(member->getValue<std::string>("value"), a_);
  EXPECT_EQ(member->getValue<std::string>("display"), "A");
  EXPECT_EQ(member->getValue<std::string>("type"), "User");
  EXPECT_EQ(member->getValue<std::string>("$ref"),
            server_->baseUrl() + "/api/v2/scim/v2/Users/" + a_);
  EXPECT_EQ(group->getObject("meta")->getValue<std::string>("resourceType"), "Group");
  EXPECT_EQ(group->getObject("meta")->getValue<std::string>("version"), "\"1\"");

  EXPECT_EQ(api("GET", "/api/v2/scim/v2/groups?filter=" + encode("displayname eq sales"))
                .json()
                ->getValue<int>("totalResults"),
            1);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Groups?filter=" + encode("id eq group-sales"))
                .json()
                ->getValue<int>("totalResults"),
            1);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Groups?filter=" + encode("members eq x")).status, 400);
  auto slim = api("GET", "/api/v2/scim/v2/Groups?excludedAttributes=members").json();
  EXPECT_FALSE(slim->getArray("Resources")->getObject(0)->has("members"));

  HttpResult one = api("GET", "/api/v2/scim/v2/Groups/group-sales");
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.header("etag"), "\"1\"");
  EXPECT_EQ(
      api("GET", "/api/v2/scim/v2/Groups/group-sales", "", {{"If-None-Match", "\"1\""}}).status,
      304);
  EXPECT_EQ(api("GET", "/api/v2/scim/v2/Groups/nope").status, 404);
}

TEST_F(GroupsTest, PatchAddsAndRemovesMembersAndUsersReflectIt) {
  HttpResult added = patchGroup(support_, R"({"op":"add","path":"members","value":[{"value":")" +
                                              b_ + R"("},{"value":")" + c_ + R"("}]})");
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(memberIds(added.json()), (std::vector<std::string>{a_, b_, c_}));
  EXPECT_EQ(added.header("etag"), "\"2\"");

  auto b = api("GET", "/api/v2/scim/v2/Users/" + b_);
  EXPECT_EQ(b.header("etag"), "\"1\"");  // membership does not bump the user
  auto groups = b.json()->getArray("groups");
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_EQ(groups->getObject(0)->getValue<std::string>("value"), support_);
  EXPECT_EQ(groups->getObject(0)->getValue<std::string>("display"), "Support Agents");

  HttpResult removed = patchGroup(support_,
                                  R"({"op":"remove","path":"members[value eq \")" + a_ + R"(\"]"},
      {"op":"remove","path":"members","value":[{"value":")" +
                                      c_ + R"("}]})",
                                  {{"If-Match", "\"2\""}});
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(memberIds(removed.json()), (std::vector<std::string>{b_}));
  EXPECT_EQ(removed.header("etag"), "\"3\"");
  EXPECT_FALSE(api("GET", "/api/v2/scim/v2/Users/" + a_).json()->has("groups"));

  HttpResult stale =
      patchGroup(support_, R"({"op":"add","path":"members","value":[{"value":")" + a_ + R"("}]})",
                 {{"If-Match", "\"2\""}});
  EXPECT_EQ(stale.status, 400);
  EXPECT_EQ(stale.json()->getValue<std::string>("scimType"), "invalidVers");
}

TEST_F(GroupsTest, UnknownMemberIsInvalidValueAndChangesNothing) {
  HttpResult result = patchGroup(support_, R"({"op":"add","path":"members","value":[{"value":")" +
                                               b_ + R"("},{"value":"ghost"}]})");
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.json()->getValue<std::string>("scimType"), "invalidValue");
  auto group = api("GET", "/api/v2/scim/v2/Groups/" + support_).json();
  EXPECT_EQ(memberIds(group), (std::vector<std::string>{a_}));
  EXPECT_EQ(group->getObject("meta")->getValue<std::string>("version"), "\"1\"");
  EXPECT_EQ(patchGroup(support_, R"({"op":"replace","path":"id","value":"x"})")
                .json()
                ->getValue<std::string>("scimType"),
            "mutability");
  EXPECT_EQ(patchGroup(support_, R"({"op":"remove"})").json()->getValue<std::string>("scimType"),
            "noTarget");
}

TEST_F(GroupsTest, DeletingAUserRemovesItFromGroups) {
  ASSERT_EQ(api("DELETE", "/api/v2/scim/v2/Users/" + a_).status, 204);
  auto group = api("GET", "/api/v2/scim/v2/Groups/" + support_).json();
  EXPECT_TRUE(memberIds(group).empty());
  EXPECT_EQ(group->getObject("meta")->getValue<std::string>("version"), "\"2\"");
}

TEST_F(GroupsTest, GroupsCannotBeCreatedOrDeleted) {
  HttpResult post = api("POST", "/api/v2/scim/v2/Groups", R"({"displayName":"New"})");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.json()->getValue<std::string>("status"), "405");
  EXPECT_EQ(api("DELETE", "/api/v2/scim/v2/Groups/" + support_).status, 405);
  auto counters = control("GET", "/sim/counters").json()->getObject("routes");
  EXPECT_EQ(counters->getValue<int>("POST /scim/v2/groups"), 1);
  EXPECT_EQ(counters->getValue<int>("DELETE /scim/v2/groups/{id}"), 1);
}

TEST_F(GroupsTest, PutReplacesMembers) {
  HttpResult result =
      api("PUT", "/api/v2/scim/v2/Groups/" + support_,
          R"({"displayName":"Support Agents","members":[{"value":")" + c_ + R"("}]})");
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(memberIds(result.json()), (std::vector<std::string>{c_}));
}

}  // namespace
}  // namespace scim_agent::sim::testing
