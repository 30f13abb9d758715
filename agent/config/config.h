#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/base/host.h"
#include "agent/config/yaml_reader.h"
#include "agent/model/policy.h"

namespace scim_agent {

// OAuth client credentials. The secret is resolved at load time from, in this order: the file
// named by clientSecretFile, the systemd credential ($CREDENTIALS_DIRECTORY/<name>), the
// environment variable. It is never in agent.yaml and must never be logged or put in a message.
struct ClientCredentials {
  std::string client_id;
  std::string client_secret;  // resolved; never logged
  // Where the secret came from, for messages: "file /path", "credential client-secret" or
  // "env SCIM_AGENT_CLIENT_SECRET".
  std::string secret_source;
};

// target: the service scim-agent provisions.
struct TargetConfig {
  std::string kind = "genesys";  // genesys | scim
  std::string region;            // as written (a region id or host); "" when apiBase is used
  // Absolute base URLs without a trailing slash: from the region table (genesys-api.md §1.1,
  // https://api.<host>, https://login.<host>) or from apiBase/loginBase. The token endpoint is
  // login_base + "/oauth/token", SCIM is api_base + "/api/v2/scim/v2" (SPEC §4).
  std::string api_base;
  std::string login_base;
  ClientCredentials client;
  std::optional<ClientCredentials> elevated;  // retried once on 403 (SPEC §9)
  int requests_per_minute = 300;
  int concurrency = 4;
  std::string ca_file;     // absolute path, "" for the system trust store
  bool tls_verify = true;  // false only for loopback targets
  int page_size = 25;      // users per page on full-attribute reads (genesys-api.md §2.3)
  // Bounds on what the server may send (SPEC §16): a response body over max_response_bytes
  // (maxResponseBytes: bytes, or with a KiB/MiB/GiB unit; 1KiB..1GiB) and a request not answered
  // whole within request_deadline (requestDeadline: the duration grammar, 1s..1h) are failures.
  int64_t max_response_bytes = int64_t{16} << 20;  // 16 MiB
  std::chrono::seconds request_deadline{120};
};

// agent.yaml (SPEC §4), with environment overrides applied and relative paths resolved against
// the directory of the config file.
struct Config {
  std::string path;  // the config file as given
  TargetConfig target;
  std::string desired_path;  // file or directory; "" when agent.yaml has no `desired:`
  // `sources:` as written (HR exports, SPEC §6), checked by agent/sources; and the folder of
  // agent.yaml, which relative locations resolve against.
  std::optional<YamlEntry> sources;
  std::string sources_dir;
  std::string state_path = "/var/lib/scim-agent/state.db";
  // planSigningKeyFile: the key saved plans are signed with (a secret file, so a plan made in CI
  // verifies on another host); "" = a key kept in the state DB.
  std::string plan_signing_key_file;
  Policy policy;            // agent.yaml's policy: section over SPEC defaults
  bool has_policy = false;  // agent.yaml (or the environment) set some policy key
  std::string notify_webhook_url;
  std::string notify_webhook_secret_file;  // absolute path or ""
  std::string serve_listen = "127.0.0.1:8443";
  std::string serve_event_secret_file;  // absolute path or ""
  // serve.tls: HTTPS with this certificate (chain) and key, PEM, absolute paths; both "" = plain
  // HTTP, which serve allows only on a loopback listen address.
  std::string serve_tls_cert_file;
  std::string serve_tls_key_file;
  // serve.maxConnections and serve.requestTimeout; nullopt: serve's defaults (ServeOptions).
  std::optional<int> serve_max_connections;
  std::optional<std::chrono::seconds> serve_request_timeout;
  // metrics.textfileDir: where `run` writes scim_agent.prom for node_exporter; "" = nowhere.
  std::string metrics_textfile_dir;  // absolute path or ""
  // report.dir (report_yaml.h): where every `run` writes its discrepancy report and the report
  // timer its compliance report; absolute path, "" = unset.
  std::string report_dir;
  // report.terminationSla: a termination suspended later than this after it was known is listed
  // by the compliance report.
  std::chrono::seconds termination_sla{3600};
};

// Loads agent.yaml from `path`. `env` is the process environment as a map (tests pass their
// own; see processEnvironment). Every scalar setting can be overridden by SCIM_AGENT_ + its key
// path upper-cased with levels joined by "_" (SCIM_AGENT_TARGET_RATELIMIT_CONCURRENCY); see
// configEnvironmentVariables(). Secrets are read here (files relative to the config's directory).
//
// Every problem is added to `diags` as file:line:column: message (or VARIABLE: message for a bad
// environment value), all of them, not just the first. Returns nullopt when there was any error.
// Never throws.
std::optional<Config> loadConfig(const std::string& path,
                                 const std::map<std::string, std::string>& env, Diagnostics& diags);

// The environment of this process (environ) as a map.
std::map<std::string, std::string> processEnvironment();

// One environment override: the variable and the agent.yaml key path it replaces.
struct ConfigEnvVariable {
  std::string variable;  // "SCIM_AGENT_TARGET_RATELIMIT_CONCURRENCY"
  std::string key_path;  // "target.rateLimit.concurrency"
};
// Every override loadConfig honours, in agent.yaml order (for docs and `--help`).
const std::vector<ConfigEnvVariable>& configEnvironmentVariables();

// Secret environment variables and systemd credential names (SPEC §4).
inline constexpr const char* kClientSecretEnv = "SCIM_AGENT_CLIENT_SECRET";
inline constexpr const char* kElevatedClientSecretEnv = "SCIM_AGENT_ELEVATED_CLIENT_SECRET";
inline constexpr const char* kClientSecretCredential = "client-secret";
inline constexpr const char* kElevatedClientSecretCredential = "elevated-client-secret";

// The region table of genesys-api.md §1.1: a region id ("us-east-1") or a host
// ("mypurecloud.com", "api.mypurecloud.com") → the host ("mypurecloud.com"); nullopt if unknown.
std::optional<std::string> regionHost(const std::string& region);

}  // namespace scim_agent
