#include "agent/reconcile/plan_signature.h"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>

#include "agent/codec/hmac_sha256.h"

namespace scim_agent {

namespace {

constexpr const char* kAlgorithm = "HMAC-SHA256";

std::string mac(const std::string& key, const std::string& domain, const std::string& text) {
  Poco::HMACEngine<Sha256Engine> hmac(key);
  hmac.update(domain);
  hmac.update('\n');
  hmac.update(text);
  return Poco::DigestEngine::digestToHex(hmac.digest());
}

std::string actionMac(const std::string& key, size_t index, const Json& action) {
  return mac(key, "scim-agent plan action " + std::to_string(index), action.dump());
}

std::string documentMac(const std::string& key, const Json& doc) {
  Json unsigned_doc = doc;
  if (unsigned_doc.isObject()) unsigned_doc.asObject().erase("signature");
  return mac(key, "scim-agent plan document", unsigned_doc.dump());
}

// Compares two hex MACs in time independent of where they differ.
bool sameMac(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

const Json::Array& actionsOf(const Json& doc) {
  static const Json::Array kNone;
  const Json& actions = doc.get("actions");
  return actions.isArray() ? actions.asArray() : kNone;
}

}  // namespace

void signPlanDocument(Json& doc, const std::string& key) {
  Json macs = Json::array();
  const Json::Array& actions = actionsOf(doc);
  for (size_t i = 0; i < actions.size(); ++i) macs.push(actionMac(key, i, actions[i]));
  Json signature = Json::object();
  signature["algorithm"] = kAlgorithm;
  signature["actions"] = std::move(macs);
  doc.asObject().erase("signature");
  signature["document"] = documentMac(key, doc);
  doc["signature"] = std::move(signature);
}

Status verifyPlanDocument(const Json& doc, const std::string& key, const std::string& path) {
  auto refuse = [&](const std::string& what) {
    return Error(ErrorCode::kInvalidInput, path + " " + what + "; run plan again");
  };
  const Json& signature = doc.get("signature");
  if (!signature.isObject() || signature.getString("algorithm") != kAlgorithm ||
      !signature.get("actions").isArray() || !signature.get("document").isString()) {
    return refuse("is not signed by this scim-agent (no valid \"signature\")");
  }
  const Json::Array& actions = actionsOf(doc);
  const Json::Array& macs = signature.get("actions").asArray();
  for (size_t i = 0; i < actions.size() && i < macs.size(); ++i) {
    if (macs[i].isString() && sameMac(macs[i].asString(), actionMac(key, i, actions[i]))) continue;
    const Json& a = actions[i];
    std::string label = a.getString("kind");
    const std::string user = a.getString("externalId").empty() ? a.getString("userName")
                                                                : a.getString("externalId");
    if (!user.empty()) label += " " + user;
    if (!a.getString("groupName").empty()) label += " \"" + a.getString("groupName") + "\"";
    return refuse("was changed after it was made: actions[" + std::to_string(i) + "] (" + label +
                  ") is not the action that was planned, or the plan was signed with another key");
  }
  if (actions.size() != macs.size()) {
    return refuse("was changed after it was made: it has " + std::to_string(actions.size()) +
                  " actions, the plan had " + std::to_string(macs.size()));
  }
  if (!sameMac(signature.getString("document"), documentMac(key, doc))) {
    return refuse("was changed after it was made (outside its actions: digest, notices, cost)");
  }
  return Status::success();
}

}  // namespace scim_agent
