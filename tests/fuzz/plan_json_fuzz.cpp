// Fuzz target: the plan.json reader (parseJson + planFromJson), and the round trip it promises:
// planToJson(planFromJson(planToJson(p))) == planToJson(p).
#include "agent/codec/json_parse.h"
#include "agent/plan/plan_json.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scim_agent;
  Result<Json> json = parseJson(fuzz::asText(data, size));
  if (!json.ok()) return 0;
  Result<Plan> plan = planFromJson(*json);
  if (!plan.ok()) return 0;
  const Json once = planToJson(*plan);
  const std::string text = once.dump();
  Result<Json> reparsed = parseJson(text);
  if (!reparsed.ok()) fuzz::fail("plan: planToJson wrote text parseJson refuses", text);
  Result<Plan> again = planFromJson(*reparsed);
  if (!again.ok()) fuzz::fail("plan: planFromJson refuses what planToJson wrote", text);
  const std::string twice = planToJson(*again).dump();
  if (twice != text) fuzz::fail("plan: round trip changed the document", text + "\n" + twice);
  return 0;
}
