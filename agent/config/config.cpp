#include "agent/config/config.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>

#include "agent/base/duration.h"
#include "agent/config/config_env.h"
#include "agent/config/policy_yaml.h"
#include "agent/config/report_yaml.h"
#include "agent/config/secret_file.h"
#include "agent/config/yaml_reader.h"

namespace scim_agent {

namespace fs = std::filesystem;

namespace {

std::string quote(const std::string& s) { return quotedForMessage(s); }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// genesys-api.md §1.1: region id → host; API host = "api." + host, login host = "login." + host.
struct RegionEntry {
  const char* id;
  const char* host;
};
constexpr RegionEntry kRegions[] = {
    {"us-east-1", "mypurecloud.com"},         {"eu-west-1", "mypurecloud.ie"},
    {"ap-southeast-2", "mypurecloud.com.au"}, {"ap-northeast-1", "mypurecloud.jp"},
    {"eu-central-1", "mypurecloud.de"},       {"us-west-2", "usw2.pure.cloud"},
    {"ca-central-1", "cac1.pure.cloud"},      {"ap-northeast-2", "apne2.pure.cloud"},
    {"eu-west-2", "euw2.pure.cloud"},         {"ap-south-1", "aps1.pure.cloud"},
    {"us-east-2", "use2.us-gov-pure.cloud"},  {"sa-east-1", "sae1.pure.cloud"},
    {"me-central-1", "mec1.pure.cloud"},      {"ap-northeast-3", "apne3.pure.cloud"},
    {"eu-central-2", "euc2.pure.cloud"},      {"mx-central-1", "mxc1.pure.cloud"},
    {"ap-southeast-1", "apse1.pure.cloud"},
};

const std::vector<std::string>& regionNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& r : kRegions) {
      v.emplace_back(r.id);
      v.emplace_back(r.host);
    }
    return v;
  }();
  return names;
}

struct Url {
  std::string scheme;  // lower-case
  std::string host;    // without brackets
};

// Parses scheme://host[:port][/path]; nullopt when it is not such a URL.
std::optional<Url> parseUrl(const std::string& text) {
  const size_t sep = text.find("://");
  if (sep == std::string::npos || sep == 0) return std::nullopt;
  Url url;
  url.scheme = lower(text.substr(0, sep));
  const size_t start = sep + 3;
  const size_t end = text.find_first_of("/?#", start);
  const std::string authority =
      text.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;
  std::string port;
  if (authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    url.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port = authority.substr(close + 2);
      if (port.empty()) return std::nullopt;
    }
  } else {
    const size_t colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
  }
  if (url.host.empty()) return std::nullopt;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      port.size() > 5) {
    return std::nullopt;
  }
  return url;
}

std::string stripTrailingSlashes(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::string resolvePath(const fs::path& base_dir, const std::string& value) {
  fs::path p(value);
  if (p.is_relative()) p = base_dir / p;
  return p.lexically_normal().string();
}

const char* kLiteralSecretMessage = "secrets are never in agent.yaml; use clientSecretFile";

// Client id and secret of `target` or `target.elevated` (SPEC §4: file, then systemd credential,
// then environment variable).
std::optional<ClientCredentials> readCredentials(const YamlMap& map, const std::string& what,
                                                 const SourcePos& where, const fs::path& base_dir,
                                                 const std::map<std::string, std::string>& env,
                                                 const char* credential_name, const char* env_name,
                                                 Diagnostics& diags) {
  ClientCredentials creds;
  bool ok = true;
  if (const YamlEntry* e = map.find("clientSecret")) {
    diags.add(e->pos, kLiteralSecretMessage);
    ok = false;
  }
  if (const YamlEntry* e = map.find("clientId")) {
    if (auto s = readString(*e, diags)) {
      if (s->empty()) {
        diags.add(e->pos, "clientId must not be empty");
        ok = false;
      }
      creds.client_id = *s;
    } else {
      ok = false;
    }
  } else {
    diags.add(where, what + " needs clientId");
    ok = false;
  }

  if (const YamlEntry* e = map.find("clientSecretFile")) {
    auto file = readString(*e, diags);
    if (!file) return std::nullopt;
    const std::string path = resolvePath(base_dir, *file);
    Result<std::string> secret = readSecretFile(path, "clientSecretFile");
    if (!secret.ok()) {
      diags.add(e->pos, secret.error().message);
      return std::nullopt;
    }
    creds.client_secret = std::move(secret).value();
    creds.secret_source = "file " + path;
  } else {
    std::string credential_path;
    auto dir = env.find("CREDENTIALS_DIRECTORY");
    if (dir != env.end() && !dir->second.empty()) {
      credential_path = (fs::path(dir->second) / credential_name).string();
    }
    std::error_code ec;
    auto variable = env.find(env_name);
    if (!credential_path.empty() && fs::exists(credential_path, ec)) {
      Result<std::string> secret = readSecretFile(credential_path, "systemd credential");
      if (!secret.ok()) {
        diags.add(where, secret.error().message);
        return std::nullopt;
      }
      creds.client_secret = std::move(secret).value();
      creds.secret_source = std::string("credential ") + credential_name;
    } else if (variable != env.end() && !variable->second.empty()) {
      creds.client_secret = variable->second;
      creds.secret_source = std::string("env ") + env_name;
    } else {
      const std::string credential_place =
          credential_path.empty() ? std::string("$CREDENTIALS_DIRECTORY/") + credential_name +
                                        " (CREDENTIALS_DIRECTORY is not set)"
                                  : credential_path;
      diags.add(where, "no client secret for " + what + ": looked for " + what +
                           ".clientSecretFile (not set), the systemd credential " +
                           credential_place + ", and the environment variable " + env_name +
                           " (not set)");
      return std::nullopt;
    }
  }
  if (!ok) return std::nullopt;
  return creds;
}

// An http(s) base URL; plain http only towards loopback. Returns the URL without trailing
// slashes, or nullopt after a diagnostic.
std::optional<std::string> readBaseUrl(const YamlEntry& entry, Diagnostics& diags,
                                       std::string* host_out) {
  auto text = readString(entry, diags);
  if (!text) return std::nullopt;
  auto url = parseUrl(*text);
  if (!url || (url->scheme != "http" && url->scheme != "https")) {
    diags.add(entry.pos, entry.key + " must be an http:// or https:// URL, got " + quote(*text));
    return std::nullopt;
  }
  if (url->scheme == "http" && !isLoopbackHost(url->host)) {
    diags.add(entry.pos,
              "plain http:// is allowed only for loopback hosts (127.0.0.1, "
              "localhost, ::1); use https:// for " +
                  quote(url->host));
    return std::nullopt;
  }
  if (host_out) *host_out = url->host;
  return stripTrailingSlashes(*text);
}

template <typename T>
std::optional<T> readIntInRange(const YamlEntry& entry, long long low, long long high,
                                Diagnostics& diags) {
  auto n = readInt(entry, diags);
  if (!n) return std::nullopt;
  if (*n < low || *n > high) {
    diags.add(entry.pos, entry.key + " must be between " + std::to_string(low) + " and " +
                             std::to_string(high) + ", got " + std::to_string(*n));
    return std::nullopt;
  }
  return static_cast<T>(*n);
}

// A byte count: a whole number of bytes, or one with a binary unit (KiB, MiB, GiB), between
// 1 KiB and 1 GiB: "16777216", "16MiB", "512KiB".
std::optional<int64_t> readByteSize(const YamlEntry& entry, Diagnostics& diags) {
  auto text = readString(entry, diags);
  if (!text) return std::nullopt;
  const std::string& s = *text;
  size_t digits = 0;
  while (digits < s.size() && digits < 12 && s[digits] >= '0' && s[digits] <= '9') ++digits;
  const std::string unit = s.substr(digits);
  int shift = -1;
  if (unit.empty()) shift = 0;
  if (unit == "KiB") shift = 10;
  if (unit == "MiB") shift = 20;
  if (unit == "GiB") shift = 30;
  if (digits > 0 && shift >= 0) {
    const int64_t number = std::stoll(s.substr(0, digits));  // at most 12 digits: no overflow
    if (number <= (int64_t{1} << 30) >> shift) {
      const int64_t n = number << shift;
      if (n >= (int64_t{1} << 10)) return n;
    }
  }
  diags.add(entry.pos, entry.key +
                           " must be a byte count between 1KiB and 1GiB, such as 16777216 or "
                           "16MiB (units KiB, MiB, GiB), got " +
                           quote(s));
  return std::nullopt;
}

void readTarget(const YamlEntry& entry, const fs::path& base_dir,
                const std::map<std::string, std::string>& env, TargetConfig& target,
                Diagnostics& diags) {
  YamlMap map(entry,
              {"kind", "region", "apiBase", "loginBase", "clientId", "clientSecretFile",
               "clientSecret", "elevated", "rateLimit", "tls", "pageSize", "maxResponseBytes",
               "requestDeadline"},
              diags);
  if (!map.ok()) return;

  if (const YamlEntry* e = map.find("kind")) {
    if (auto s = readString(*e, diags)) {
      if (*s == "genesys" || *s == "scim") {
        target.kind = *s;
      } else {
        diags.add(e->pos, "kind must be genesys or scim, got " + quote(*s));
      }
    }
  }

  // Endpoints: apiBase + loginBase replace region (SPEC §4).
  std::vector<std::string> hosts;
  const YamlEntry* api = map.find("apiBase");
  const YamlEntry* login = map.find("loginBase");
  if (api || login) {
    if (!api || !login) {
      const YamlEntry* given = api ? api : login;
      diags.add(given->pos, std::string("apiBase and loginBase go together: ") +
                                (api ? "loginBase" : "apiBase") + " is missing");
    }
    std::string host;
    if (api) {
      if (auto url = readBaseUrl(*api, diags, &host)) {
        target.api_base = *url;
        hosts.push_back(host);
      }
    }
    if (login) {
      if (auto url = readBaseUrl(*login, diags, &host)) {
        target.login_base = *url;
        hosts.push_back(host);
      }
    }
  } else if (const YamlEntry* e = map.find("region")) {
    if (auto s = readString(*e, diags)) {
      if (auto host = regionHost(*s)) {
        target.region = *s;
        target.api_base = "https://api." + *host;
        target.login_base = "https://login." + *host;
        hosts.push_back("api." + *host);
      } else {
        std::string message = "unknown region " + quote(*s);
        const std::string suggestion = closestName(*s, regionNames());
        if (suggestion.empty()) {
          // Every region the agent knows, so the user need not look them up elsewhere.
          message += " (a region id or its host: ";
          const char* sep = "";
          for (const auto& r : kRegions) {
            message += sep + std::string(r.id) + " = " + r.host;
            sep = ", ";
          }
          message += "; or set apiBase and loginBase instead)";
        } else {
          message += " (did you mean " + quote(suggestion) + "?)";
        }
        diags.add(e->pos, message);
      }
    }
  } else {
    diags.add(entry.pos, "target needs region, or apiBase and loginBase");
  }

  if (auto creds = readCredentials(map, "target", entry.pos, base_dir, env, kClientSecretCredential,
                                   kClientSecretEnv, diags)) {
    target.client = std::move(*creds);
  }

  if (const YamlEntry* e = map.find("elevated")) {
    YamlMap elevated(*e, {"clientId", "clientSecretFile", "clientSecret"}, diags);
    if (elevated.ok()) {
      target.elevated =
          readCredentials(elevated, "target.elevated", e->pos, base_dir, env,
                          kElevatedClientSecretCredential, kElevatedClientSecretEnv, diags);
    }
  }

  if (const YamlEntry* e = map.find("rateLimit")) {
    YamlMap limits(*e, {"requestsPerMinute", "concurrency"}, diags);
    if (const YamlEntry* r = limits.find("requestsPerMinute")) {
      if (auto n = readIntInRange<int>(*r, 1, 1000000, diags)) target.requests_per_minute = *n;
    }
    if (const YamlEntry* c = limits.find("concurrency")) {
      if (auto n = readIntInRange<int>(*c, 1, 64, diags)) target.concurrency = *n;
    }
  }

  if (const YamlEntry* e = map.find("pageSize")) {
    if (auto n = readIntInRange<int>(*e, 1, 1000, diags)) target.page_size = *n;
  }

  // Bounds on what the server may send (SPEC §16).
  if (const YamlEntry* e = map.find("maxResponseBytes")) {
    if (auto n = readByteSize(*e, diags)) target.max_response_bytes = *n;
  }
  if (const YamlEntry* e = map.find("requestDeadline")) {
    if (auto s = readString(*e, diags)) {
      const std::optional<std::chrono::seconds> d = parseDuration(*s);
      if (!d || *d < std::chrono::seconds(1) || *d > std::chrono::hours(1)) {
        diags.add(
            e->pos,
            e->key + " must be a duration between 1s and 1h such as 120s or 2m, got " + quote(*s));
      } else {
        target.request_deadline = *d;
      }
    }
  }

  if (const YamlEntry* e = map.find("tls")) {
    YamlMap tls(*e, {"caFile", "verify"}, diags);
    if (const YamlEntry* ca = tls.find("caFile")) {
      if (auto s = readString(*ca, diags)) {
        const std::string path = resolvePath(base_dir, *s);
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) {
          diags.add(ca->pos, "caFile " + path + " is not a readable file");
        } else {
          target.ca_file = path;
        }
      }
    }
    if (const YamlEntry* v = tls.find("verify")) {
      if (auto b = readBool(*v, diags)) {
        const bool all_loopback =
            !hosts.empty() && std::all_of(hosts.begin(), hosts.end(), isLoopbackHost);
        if (!*b && !all_loopback) {
          diags.add(v->pos,
                    "tls.verify: false is allowed only for loopback targets "
                    "(apiBase and loginBase on 127.0.0.1, localhost or ::1)");
        } else {
          target.tls_verify = *b;
        }
      }
    }
  }
}

void readNotify(const YamlEntry& entry, const fs::path& base_dir, Config& config,
                Diagnostics& diags) {
  YamlMap notify(entry, {"webhook"}, diags);
  if (const YamlEntry* e = notify.find("webhook")) {
    YamlMap webhook(*e, {"url", "secretFile"}, diags);
    if (const YamlEntry* u = webhook.find("url")) {
      if (auto url = readBaseUrl(*u, diags, nullptr)) config.notify_webhook_url = *url;
    }
    if (const YamlEntry* s = webhook.find("secretFile")) {
      if (auto file = readString(*s, diags)) {
        config.notify_webhook_secret_file = resolvePath(base_dir, *file);
      }
    }
  }
}

void readServe(const YamlEntry& entry, const fs::path& base_dir, Config& config,
               Diagnostics& diags) {
  YamlMap serve(entry, {"listen", "eventSecretFile", "tls", "maxConnections", "requestTimeout"},
                diags);
  if (const YamlEntry* e = serve.find("listen")) {
    if (auto listen = readString(*e, diags)) {
      const size_t colon = listen->rfind(':');
      const std::string port = colon == std::string::npos ? "" : listen->substr(colon + 1);
      const bool port_ok =
          !port.empty() && port.size() <= 5 &&
          std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
          std::stol(port) <= 65535;
      if (colon == std::string::npos || colon == 0 || !port_ok) {
        diags.add(e->pos,
                  "listen must be host:port (for example 127.0.0.1:8443), got " + quote(*listen));
      } else {
        config.serve_listen = *listen;
      }
    }
  }
  if (const YamlEntry* e = serve.find("eventSecretFile")) {
    if (auto file = readString(*e, diags)) {
      config.serve_event_secret_file = resolvePath(base_dir, *file);
    }
  }
  if (const YamlEntry* e = serve.find("tls")) {
    YamlMap tls(*e, {"certFile", "keyFile"}, diags);
    if (tls.ok()) {
      std::string files[2];
      const char* keys[2] = {"certFile", "keyFile"};
      for (int i = 0; i < 2; ++i) {
        const YamlEntry* f = tls.find(keys[i]);
        if (!f) {
          diags.add(e->pos, std::string("tls needs certFile and keyFile: ") + keys[i] +
                                " is missing");
          continue;
        }
        if (auto s = readString(*f, diags)) {
          const std::string path = resolvePath(base_dir, *s);
          std::error_code ec;
          if (s->empty() || !fs::is_regular_file(path, ec)) {
            diags.add(f->pos, std::string(keys[i]) + " " + path + " is not a readable file");
          } else {
            files[i] = path;
          }
        }
      }
      if (!files[0].empty() && !files[1].empty()) {
        config.serve_tls_cert_file = files[0];
        config.serve_tls_key_file = files[1];
      }
    }
  }
  if (const YamlEntry* e = serve.find("maxConnections")) {
    if (auto n = readIntInRange<int>(*e, 1, 1024, diags)) config.serve_max_connections = *n;
  }
  if (const YamlEntry* e = serve.find("requestTimeout")) {
    if (auto s = readString(*e, diags)) {
      const std::optional<std::chrono::seconds> d = parseDuration(*s);
      if (!d || d->count() < 1 || d->count() > 600) {
        diags.add(e->pos, "requestTimeout must be a duration from 1s to 10m, like 10s or 1m, got " +
                              quote(*s));
      } else {
        config.serve_request_timeout = *d;
      }
    }
  }
}

void readMetrics(const YamlEntry& entry, const fs::path& base_dir, Config& config,
                 Diagnostics& diags) {
  YamlMap metrics(entry, {"textfileDir"}, diags);
  if (const YamlEntry* e = metrics.find("textfileDir")) {
    if (auto dir = readString(*e, diags)) {
      if (dir->empty()) {
        diags.add(e->pos, "textfileDir must not be empty");
      } else {
        config.metrics_textfile_dir = resolvePath(base_dir, *dir);
      }
    }
  }
}

}  // namespace

std::optional<std::string> regionHost(const std::string& region) {
  const std::string r = lower(region);
  for (const auto& entry : kRegions) {
    const std::string host = entry.host;
    if (r == entry.id || r == host || r == "api." + host) return host;
  }
  return std::nullopt;
}

namespace {
std::optional<Config> loadConfigFile(const std::string& path,
                                     const std::map<std::string, std::string>& env,
                                     Diagnostics& diags);
}  // namespace

std::optional<Config> loadConfig(const std::string& path,
                                 const std::map<std::string, std::string>& env,
                                 Diagnostics& diags) {
  try {
    return loadConfigFile(path, env, diags);
  } catch (const std::exception& e) {
    // yaml-cpp and std::filesystem throw; nothing crosses this edge (STYLE §4).
    diags.add(SourcePos{path, 0, 0}, std::string("cannot load config: ") + e.what());
    return std::nullopt;
  }
}

namespace {

std::optional<Config> loadConfigFile(const std::string& path,
                                     const std::map<std::string, std::string>& env,
                                     Diagnostics& diags) {
  Diagnostics problems;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    // The path is where it looked; say how to look elsewhere (cli's Args::configPath).
    diags.add(SourcePos{path, 0, 0},
              "config file not found; pass --config FILE, or set SCIM_AGENT_CONFIG, to use "
              "another agent.yaml");
    return std::nullopt;
  }
  if (fs::is_directory(path, ec)) {
    diags.add(SourcePos{path, 0, 0}, "config file is a directory; expected agent.yaml");
    return std::nullopt;
  }
  YamlDocument doc = loadYamlFile(path, path, diags);
  if (!doc.ok) return std::nullopt;

  YAML::Node root = doc.root;
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);  // empty file: env may fill it
  if (!root.IsMap()) {
    problems.add(yamlPos(path, root),
                 "expected a mapping at the top of agent.yaml, got " + describeNode(root));
    diags.append(problems);
    return std::nullopt;
  }
  applyEnvironment(root, env);

  Config config;
  config.path = path;
  const fs::path base_dir = fs::absolute(fs::path(path), ec).parent_path();

  const SourcePos top{path, 1, 1};
  YamlMap map(path, root, "agent.yaml", top,
              {"target", "desired", "sources", "state", "planSigningKeyFile", "policy", "notify",
               "serve", "metrics", "report"},
              problems);

  if (const YamlEntry* e = map.find("target")) {
    readTarget(*e, base_dir, env, config.target, problems);
  } else {
    problems.add(top, "missing required key \"target\"");
  }
  if (const YamlEntry* e = map.find("desired")) {
    if (auto s = readString(*e, problems)) {
      if (s->empty()) {
        problems.add(e->pos, "desired must not be empty");
      } else {
        config.desired_path = resolvePath(base_dir, *s);
      }
    }
  }
  if (const YamlEntry* e = map.find("state")) {
    if (auto s = readString(*e, problems)) {
      if (s->empty()) {
        problems.add(e->pos, "state must not be empty");
      } else {
        config.state_path = resolvePath(base_dir, *s);
      }
    }
  }
  if (const YamlEntry* e = map.find("planSigningKeyFile")) {
    if (auto s = readString(*e, problems)) {
      if (s->empty()) {
        problems.add(e->pos, "planSigningKeyFile must not be empty (leave it out to use a key kept "
                             "in the state database)");
      } else {
        config.plan_signing_key_file = resolvePath(base_dir, *s);
      }
    }
  }
  if (const YamlEntry* e = map.find("sources")) {
    // Parsed (mapping included) by agent/sources when the desired state is loaded: `validate`
    // and every run check them there, with their places in this file.
    if (readSequence(*e, problems)) {
      config.sources = *e;
      config.sources_dir = base_dir.string();
    }
  }
  if (const YamlEntry* e = map.find("policy")) {
    readPolicy(*e, config.policy, problems);
    config.has_policy = true;
  }
  if (const YamlEntry* e = map.find("notify")) readNotify(*e, base_dir, config, problems);
  if (const YamlEntry* e = map.find("serve")) readServe(*e, base_dir, config, problems);
  if (const YamlEntry* e = map.find("metrics")) readMetrics(*e, base_dir, config, problems);
  if (const YamlEntry* e = map.find("report")) {
    readReport(*e, base_dir.string(), config, problems);
  }

  const bool failed = !problems.empty();
  diags.append(problems);
  if (failed) return std::nullopt;
  return config;
}

}  // namespace

}  // namespace scim_agent
