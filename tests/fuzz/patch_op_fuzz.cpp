// Fuzz target: the PatchOp bodies (agent/scim/user_codec): ops read from the input
// ([{"op","path","value"}…] or a Plan-like array) → patchRequestBody → text → parseJson must give
// back the same operations; groupMembersPatchBody likewise for member ids.
#include "agent/codec/json_parse.h"
#include "agent/scim/user_codec.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scim_agent;
  Result<Json> json = parseJson(fuzz::asText(data, size));
  if (!json.ok() || !json->isArray()) return 0;
  std::vector<PatchOp> ops;
  std::vector<std::string> ids;
  for (const Json& item : json->asArray()) {
    if (item.isString()) ids.push_back(item.asString());
    if (!item.isObject()) continue;
    ops.push_back({item.getString("op"), item.getString("path"), item.get("value")});
  }
  const std::string text = patchRequestBody(ops).dump();
  Result<Json> body = parseJson(text);
  if (!body.ok()) fuzz::fail("patch: a PatchOp body parseJson refuses", text);
  const Json& operations = body->get("Operations");
  if (!operations.isArray() || operations.asArray().size() != ops.size()) {
    fuzz::fail("patch: Operations lost or gained an op", text);
  }
  for (size_t i = 0; i < ops.size(); ++i) {
    const Json& op = operations.asArray()[i];
    if (op.getString("op") != ops[i].op || op.getString("path") != ops[i].path ||
        op.get("value") != ops[i].value) {
      fuzz::fail("patch: an op changed on the wire", text);
    }
  }
  const size_t half = ids.size() / 2;
  const std::string members =
      groupMembersPatchBody({ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(half)},
                            {ids.begin() + static_cast<std::ptrdiff_t>(half), ids.end()})
          .dump();
  if (!parseJson(members).ok()) fuzz::fail("patch: a members body parseJson refuses", members);
  return 0;
}
