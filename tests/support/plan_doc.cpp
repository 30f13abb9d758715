#include "tests/support/plan_doc.h"

#include <gtest/gtest.h>

#include "agent/codec/json_parse.h"

namespace scim_agent::testing {

Json parsed(const std::string& text) {
  auto json = parseJson(text);
  EXPECT_TRUE(json.ok()) << text;
  return json.ok() ? *json : Json::object();
}

int actions(const Json& plan, const std::string& kind, const std::string& external_id) {
  int n = 0;
  for (const auto& a : plan.get("actions").asArray()) {
    if (a.getString("kind") != kind) continue;
    if (!external_id.empty() && a.getString("externalId") != external_id) continue;
    ++n;
  }
  return n;
}

Json notice(const Json& plan, const std::string& text, const std::string& external_id) {
  for (const auto& n : plan.get("notices").asArray()) {
    if (n.getString("message").find(text) == std::string::npos) continue;
    if (!external_id.empty() && n.getString("externalId") != external_id) continue;
    return n;
  }
  return Json();
}

std::string noticesText(const Json& plan) {
  std::string out;
  for (const auto& n : plan.get("notices").asArray()) out += n.dump() + "\n";
  return out;
}

}  // namespace scim_agent::testing
