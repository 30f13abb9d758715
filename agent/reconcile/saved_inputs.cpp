#include "agent/reconcile/saved_inputs.h"

#include <algorithm>

#include "agent/codec/json_parse.h"
#include "agent/desired/desired_json.h"
#include "agent/desired/desired_loader.h"

namespace scim_agent {

std::string desiredSettingsDigest(const Policy& base_policy, const std::string& target_kind,
                                  bool sources) {
  Json settings = Json::object();
  settings["policy"] = policyJson(base_policy);
  // policyJson leaves maxAttributeLength out (it bounds what validates, nothing at apply); here
  // it counts: a lower limit may make the same files fail to load.
  Json lengths = Json::object();
  for (const auto& [key, limit] : base_policy.max_attribute_length) lengths[key] = limit;
  settings["maxAttributeLength"] = std::move(lengths);
  settings["targetKind"] = target_kind;
  settings["sources"] = sources;
  return sha256Hex(settings.dump());
}

std::optional<PlanInputs> planInputs(const DesiredState& desired, const Plan& plan,
                                     const std::set<std::string>& held_by_termination,
                                     const std::string& settings_digest) {
  if (!desired.sources.empty() || desired.files.empty()) return std::nullopt;
  PlanInputs inputs;
  inputs.files = desired.files;
  inputs.settings = settings_digest;
  inputs.policy = policyJson(desired.policy);
  inputs.desired_users = static_cast<int64_t>(desired.users.size());
  std::set<std::string> named;
  for (const Action& a : plan.actions) {
    if (!a.external_id.empty()) named.insert(a.external_id);
    for (const auto* members : {&a.add_members, &a.remove_members}) {
      for (const MemberRef& m : *members) {
        if (!m.external_id.empty()) named.insert(m.external_id);
      }
    }
  }
  for (const DesiredUser& d : desired.users) {
    if (!named.count(d.external_id)) continue;
    const UserStatus own = held_by_termination.count(d.external_id) ? UserStatus::kActive : d.status;
    inputs.users.push_back(PlanInputUser{d.external_id, own, d.source});
  }
  std::sort(inputs.users.begin(), inputs.users.end(),
            [](const PlanInputUser& a, const PlanInputUser& b) { return a.external_id < b.external_id; });
  return inputs;
}

std::string inputsChange(const PlanInputs& inputs, const std::string& desired_path,
                         const std::string& settings_digest) {
  if (inputs.settings != settings_digest) return "agent.yaml's policy, target kind or sources changed";
  const std::vector<std::string> files = desiredFiles(desired_path);
  if (files.size() != inputs.files.size()) {
    return "the desired files are " + std::to_string(files.size()) + ", not the " +
           std::to_string(inputs.files.size()) + " the plan was made from";
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i] != inputs.files[i].path) return files[i] + " is not a file the plan was made from";
    const std::optional<std::string> sha = sha256FileHex(files[i]);
    if (!sha) return files[i] + " cannot be read";
    if (*sha != inputs.files[i].sha256) return files[i] + " changed";
  }
  return "";
}

Result<DesiredState> desiredFromInputs(const PlanInputs& inputs, const std::string& digest) {
  auto policy = policyFromJson(inputs.policy);
  if (!policy.ok()) return policy.error();
  DesiredState desired;
  desired.policy = std::move(policy.value());
  desired.digest = digest;
  desired.files = inputs.files;
  desired.users.reserve(inputs.users.size());
  for (const PlanInputUser& u : inputs.users) {
    if (u.external_id.empty()) return Error(ErrorCode::kCorrupt, "a desired entry without externalId");
    DesiredUser d;
    d.external_id = u.external_id;
    d.status = u.status;
    d.source = u.source;
    desired.users.push_back(std::move(d));
  }
  return desired;
}

}  // namespace scim_agent
