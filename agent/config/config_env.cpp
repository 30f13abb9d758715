#include "agent/config/config_env.h"

#include <cctype>
#include <sstream>

#include "agent/config/config.h"
#include "agent/config/yaml_reader.h"  // kEnvTagPrefix

extern char** environ;  // POSIX

namespace scim_agent {

namespace {

// The agent.yaml keys that hold scalars, in document order; each is overridable by
// SCIM_AGENT_<PATH> (dots → "_", upper-cased).
constexpr const char* kScalarKeyPaths[] = {
    "target.kind",
    "target.region",
    "target.apiBase",
    "target.loginBase",
    "target.clientId",
    "target.clientSecretFile",
    "target.elevated.clientId",
    "target.elevated.clientSecretFile",
    "target.rateLimit.requestsPerMinute",
    "target.rateLimit.concurrency",
    "target.tls.caFile",
    "target.tls.verify",
    "target.pageSize",
    "target.maxResponseBytes",
    "target.requestDeadline",
    "desired",
    "state",
    "planSigningKeyFile",
    "policy.scope.externalIdPattern",
    "policy.unmanaged",
    "policy.onRemoval",
    "policy.deleteAfter",
    "policy.maxDestructive.count",
    "policy.maxDestructive.percent",
    "policy.maxSourceShrink",
    "policy.maxRejectedRecords",
    "policy.restoreDeleted",
    "policy.archiveDays",
    "notify.webhook.url",
    "notify.webhook.secretFile",
    "serve.listen",
    "serve.eventSecretFile",
    "serve.tls.certFile",
    "serve.tls.keyFile",
    "serve.maxConnections",
    "serve.requestTimeout",
    "metrics.textfileDir",
    "report.dir",
    "report.terminationSla",
};

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(path);
  while (std::getline(in, part, '.')) parts.push_back(part);
  return parts;
}

std::string envNameFor(const std::string& key_path) {
  std::string name = "SCIM_AGENT_";
  for (char c : key_path) {
    name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

}  // namespace

void applyEnvironment(YAML::Node& root, const std::map<std::string, std::string>& env) {
  for (const ConfigEnvVariable& var : configEnvironmentVariables()) {
    auto it = env.find(var.variable);
    if (it == env.end() || it->second.empty()) continue;
    const std::vector<std::string> parts = splitPath(var.key_path);
    YAML::Node node = root;
    bool reachable = true;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      YAML::Node child = node[parts[i]];
      if (child.IsDefined() && !child.IsNull() && !child.IsMap()) {
        reachable = false;
        break;
      }
      node.reset(child);
    }
    if (!reachable) continue;
    YAML::Node value(it->second);
    value.SetTag(std::string(kEnvTagPrefix) + var.variable);
    node[parts.back()] = value;
  }
}

const std::vector<ConfigEnvVariable>& configEnvironmentVariables() {
  static const std::vector<ConfigEnvVariable> vars = [] {
    std::vector<ConfigEnvVariable> v;
    for (const char* path : kScalarKeyPaths) v.push_back({envNameFor(path), path});
    return v;
  }();
  return vars;
}

std::map<std::string, std::string> processEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return env;
}

}  // namespace scim_agent
