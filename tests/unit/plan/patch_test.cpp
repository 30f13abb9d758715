#include "agent/plan/patch.h"

#include <gtest/gtest.h>

namespace scim_agent {
namespace {

TEST(PatchTest, RequestBodyKeepsOperationOrderAndOmitsValueOnRemove) {
  const std::vector<PatchOp> ops = {
      {"replace", "active", Json(false)},
      {"replace", "phoneNumbers[type eq \"work\"].value", Json("+1555")},
      {"remove", "title", Json()},
  };
  EXPECT_EQ(patchRequestBody(ops).dump(),
            R"({"Operations":[{"op":"replace","path":"active","value":false},)"
            R"({"op":"replace","path":"phoneNumbers[type eq \"work\"].value","value":"+1555"},)"
            R"({"op":"remove","path":"title"}],)"
            R"("schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})");
}

TEST(PatchTest, EmptyOperationList) {
  EXPECT_EQ(patchRequestBody({}).dump(),
            R"({"Operations":[],"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})");
}

TEST(PatchTest, GroupBodyAddsThenRemovesMembers) {
  EXPECT_EQ(
      groupPatchBody({"u1", "u2"}, {"u3"}).dump(),
      R"({"Operations":[{"op":"add","path":"members","value":[{"value":"u1"},{"value":"u2"}]},)"
      R"({"op":"remove","path":"members","value":[{"value":"u3"}]}],)"
      R"("schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})");
}

TEST(PatchTest, GroupBodyLeavesOutAnEmptySide) {
  EXPECT_EQ(groupPatchBody({}, {"u3"}).get("Operations").asArray().size(), 1u);
  EXPECT_EQ(groupPatchBody({}, {"u3"}).get("Operations").asArray()[0].getString("op"), "remove");
  EXPECT_EQ(groupPatchBody({"u1"}, {}).get("Operations").asArray()[0].getString("op"), "add");
}

}  // namespace
}  // namespace scim_agent
