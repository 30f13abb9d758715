#include "agent/plan/patch.h"

namespace scim_agent {

namespace {
Json memberList(const std::vector<std::string>& ids) {
  Json list = Json::array();
  for (const std::string& id : ids) list.push(Json(Json::Object{{"value", id}}));
  return list;
}

Json body(Json operations) {
  Json out = Json::object();
  out["schemas"] = Json(Json::Array{Json(kPatchOpSchema)});
  out["Operations"] = std::move(operations);
  return out;
}
}  // namespace

Json patchRequestBody(const std::vector<PatchOp>& ops) {
  Json operations = Json::array();
  for (const PatchOp& op : ops) {
    Json o = Json::object();
    o["op"] = op.op;
    if (!op.path.empty()) o["path"] = op.path;
    if (op.op != "remove" && !op.value.isNull()) o["value"] = op.value;
    operations.push(std::move(o));
  }
  return body(std::move(operations));
}

Json groupPatchBody(const std::vector<std::string>& add_ids,
                    const std::vector<std::string>& remove_ids) {
  Json operations = Json::array();
  if (!add_ids.empty()) {
    operations.push(
        Json(Json::Object{{"op", "add"}, {"path", "members"}, {"value", memberList(add_ids)}}));
  }
  if (!remove_ids.empty()) {
    operations.push(Json(
        Json::Object{{"op", "remove"}, {"path", "members"}, {"value", memberList(remove_ids)}}));
  }
  return body(std::move(operations));
}

}  // namespace scim_agent
