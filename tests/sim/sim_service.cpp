#include "tests/sim/sim_service.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include <Poco/Base64Decoder.h>
#include <Poco/Exception.h>

#include "tests/sim/platform_routes.h"
#include "tests/sim/scim_filter.h"
#include "tests/sim/scim_parse.h"
#include "tests/sim/scim_patch.h"
#include "tests/sim/scim_render.h"
#include "tests/sim/sim_error.h"
#include "tests/sim/sim_json.h"
#include "tests/sim/sim_rewrites.h"
#include "tests/sim/sim_store.h"

namespace scim_agent::sim {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxRequestBytes = 512000;  // request.bytes.max (genesys-api.md §6.3, §7)
constexpr int64_t kDefaultCount = 25;        // genesys-api.md §2.3
constexpr int64_t kPageLimit = 25;
constexpr int kPageLimitRetryAfter = 1;
constexpr std::string_view kScimContentType = "application/scim+json";
constexpr std::string_view kJsonContentType = "application/json";

enum class Family { kNone, kOAuth, kScim, kPlatform };

enum class RouteKind {
  kUnknown,
  kToken,
  kUsers,
  kUser,
  kGroups,
  kGroup,
  kServiceProviderConfig,
  kResourceTypes,
  kResourceType,
  kPlatformSearch,
  kPlatformUser,
  kPlatformApi,  // the clean-up calls of platform_routes.h
};

struct Route {
  RouteKind kind = RouteKind::kUnknown;
  Family family = Family::kNone;
  std::string key;  // counter key
  std::string id;   // {id} path parameter, as sent
  std::optional<PlatformRoute> platform;  // set for kPlatformApi
};

struct Target {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};

struct Config {
  int version_conflict_status = 400;
  bool enforce_page_limit = true;
  int token_ttl_seconds = 86399;
  bool new_id_on_recreate = false;
  int rate_limit_per_minute = 0;
  int rate_limit_burst = 5;
  int latency_ms = 0;
  int latency_jitter_ms = 0;
  double error_rate = 0.0;
  double drop_rate = 0.0;
  bool drop_after_write = false;
  double conflict_rate = 0.0;
  uint64_t fault_seed = 1;
  bool fault_token_endpoint = false;
  bool delete_requires_queue_cleanup = true;
};

// One entry of GET /sim/requests.
struct LoggedRequest {
  uint64_t seq = 0;
  std::string method;
  std::string path;
  std::string route;
  int status = 0;  // 0: the connection was dropped
};

constexpr size_t kMaxLoggedRequests = 200000;

// One request's draws from the fault generator, taken whether or not they are used.
struct FaultDraw {
  double drop = 1.0;      // drop when < dropRate
  double error = 1.0;     // 5xx when < errorRate
  int error_pick = 0;     // index into kRandomErrorStatuses
  double conflict = 1.0;  // bump when < conflictRate
  uint64_t jitter = 0;    // % (latencyJitterMs + 1)
};

constexpr int kRandomErrorStatuses[] = {500, 502, 503, 504};

struct FaultCounters {
  uint64_t errors = 0;
  uint64_t drops = 0;
  uint64_t conflicts = 0;
  uint64_t rate_limited = 0;
};

// Statuses /sim/counters always lists, even at zero.
constexpr std::string_view kKnownStatuses[] = {"429", "500", "502", "503", "504", "dropped"};

double clampRate(double rate) { return std::isnan(rate) ? 0.0 : std::clamp(rate, 0.0, 1.0); }

struct TokenInfo {
  std::string client_id;
  SteadyClock::time_point expires_at;
  double bucket = -1.0;  // rate-limit tokens left; < 0 until first use
  SteadyClock::time_point bucket_time;
};

struct FaultRule {
  std::string route;  // counter key, or "" for every API route
  int status = 503;
  bool drop = false;
  int retry_after = 1;
  int delay_ms = 0;
  int remaining = 1;
  int skip = 0;
};

// The route keys that /sim/counters always lists, even at zero.
constexpr std::string_view kKnownRoutes[] = {
    "POST /oauth/token",          "GET /scim/v2/users",          "GET /scim/v2/users/{id}",
    "POST /scim/v2/users",        "PUT /scim/v2/users/{id}",     "PATCH /scim/v2/users/{id}",
    "DELETE /scim/v2/users/{id}", "GET /scim/v2/groups",         "GET /scim/v2/groups/{id}",
    "PATCH /scim/v2/groups/{id}", "POST /platform/users/search", "PATCH /platform/users/{id}",
    "GET /api/v2/users/{userId}/queues",
    "GET /api/v2/users/{userId}/roles",
    "PUT /api/v2/users/{userId}/roles",
    "GET /api/v2/routing/queues",
    "GET /api/v2/routing/queues/{queueId}/members",
    "POST /api/v2/routing/queues/{queueId}/members",
    "DELETE /api/v2/routing/queues/{queueId}/members/{memberId}",
    "GET /api/v2/authorization/subjects/{subjectId}",
    "POST /api/v2/authorization/subjects/{subjectId}/bulkremove",
    "DELETE /api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}",
    "GET /api/v2/authorization/roles",
    "GET /api/v2/authorization/divisions",
    "GET /api/v2/routing/skills",
    "GET /api/v2/routing/languages",
    "DELETE /api/v2/tokens/{userId}",
    "DELETE /api/v2/tokens/me",
    "POST /api/v2/analytics/conversations/details/query",
    "GET /api/v2/users",
};

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
        hexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parseForm(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view part = text.substr(start, end - start);
    if (!part.empty()) {
      const size_t eq = part.find('=');
      if (eq == std::string_view::npos) {
        pairs.emplace_back(percentDecode(part, true), "");
      } else {
        pairs.emplace_back(percentDecode(part.substr(0, eq), true),
                           percentDecode(part.substr(eq + 1), true));
      }
    }
    start = end + 1;
  }
  return pairs;
}

Target parseTarget(const std::string& raw) {
  Target target;
  const size_t question = raw.find('?');
  std::string_view path = std::string_view(raw).substr(0, question);
  // An absolute-form target ("http://host/path") carries the path after the authority.
  if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) {
    const size_t slash = path.find('/', path.find("//") + 2);
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  target.path = percentDecode(path, false);
  if (question != std::string::npos)
    target.query = parseForm(std::string_view(raw).substr(question + 1));
  return target;
}

std::optional<std::string> queryParam(const Target& target, std::string_view name) {
  for (const auto& [key, value] : target.query) {
    if (equalsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

// Every value of a repeatable, comma-separated parameter (genesys-api.md §2.3: accept both).
std::vector<std::string> listParam(const Target& target, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [key, value] : target.query) {
    if (!equalsIgnoreCase(key, name)) continue;
    std::stringstream stream(value);
    std::string item;
    while (std::getline(stream, item, ',')) {
      const size_t first = item.find_first_not_of(" \t");
      const size_t last = item.find_last_not_of(" \t");
      if (first != std::string::npos) values.push_back(item.substr(first, last - first + 1));
    }
  }
  return values;
}

int64_t intParam(const Target& target, std::string_view name, int64_t fallback) {
  const std::optional<std::string> text = queryParam(target, name);
  if (!text || text->empty()) return fallback;
  int64_t value = 0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  auto result = std::from_chars(begin, end, value);
  if (result.ec == std::errc::result_out_of_range) return (*text)[0] == '-' ? -1 : 1'000'000'000;
  if (result.ec != std::errc() || result.ptr != end) {
    throw invalidValue("Query parameter '" + std::string(name) + "' must be an integer.");
  }
  return value;
}

std::string mediaType(const std::string& content_type) {
  std::string type = toLower(content_type.substr(0, content_type.find(';')));
  type.erase(std::remove_if(type.begin(), type.end(), [](char c) { return c == ' ' || c == '\t'; }),
             type.end());
  return type;
}

bool isControlPath(const std::string& path) {
  return path == "/sim" || path.rfind("/sim/", 0) == 0;
}

Route matchRoute(const std::string& method, const std::string& raw_path) {
  std::string path = raw_path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  std::vector<std::string> segments;
  {
    std::stringstream stream(path);
    std::string segment;
    while (std::getline(stream, segment, '/')) {
      if (!segment.empty()) segments.push_back(segment);
    }
  }
  std::vector<std::string> lower;
  for (const std::string& segment : segments) lower.push_back(toLower(segment));
  Route route;
  route.key = method + " (unmatched)";
  auto set = [&](RouteKind kind, Family family, std::string_view key_path, std::string id = {}) {
    route.kind = kind;
    route.family = family;
    route.key = method + " " + std::string(key_path);
    route.id = std::move(id);
  };

  if (lower.size() == 2 && lower[0] == "oauth" && lower[1] == "token") {
    set(RouteKind::kToken, Family::kOAuth, "/oauth/token");
    return route;
  }
  if (lower.size() >= 3 && lower[0] == "api" && lower[1] == "v2" && lower[2] == "scim") {
    route.family = Family::kScim;
    size_t i = 3;
    if (lower.size() > 4 && lower[3] == "v2") i = 4;
    const size_t rest = lower.size() - i;
    if (rest == 0) return route;
    const std::string& resource = lower[i];
    if (resource == "users" && rest == 1) set(RouteKind::kUsers, Family::kScim, "/scim/v2/users");
    if (resource == "users" && rest == 2) {
      set(RouteKind::kUser, Family::kScim, "/scim/v2/users/{id}", segments[i + 1]);
    }
    if (resource == "groups" && rest == 1)
      set(RouteKind::kGroups, Family::kScim, "/scim/v2/groups");
    if (resource == "groups" && rest == 2) {
      set(RouteKind::kGroup, Family::kScim, "/scim/v2/groups/{id}", segments[i + 1]);
    }
    if (resource == "serviceproviderconfig" && rest == 1) {
      set(RouteKind::kServiceProviderConfig, Family::kScim, "/scim/v2/serviceproviderconfig");
    }
    if (resource == "resourcetypes" && rest == 1) {
      set(RouteKind::kResourceTypes, Family::kScim, "/scim/v2/resourcetypes");
    }
    if (resource == "resourcetypes" && rest == 2) {
      set(RouteKind::kResourceType, Family::kScim, "/scim/v2/resourcetypes/{id}", segments[i + 1]);
    }
    return route;
  }
  if (lower.size() >= 2 && lower[0] == "api" && lower[1] == "v2") {
    if (std::optional<PlatformRoute> platform = matchPlatformRoute(segments)) {
      set(RouteKind::kPlatformApi, Family::kPlatform, platform->path_template);
      route.platform = std::move(platform);
      return route;
    }
  }
  if (lower.size() == 4 && lower[0] == "api" && lower[1] == "v2" && lower[2] == "users") {
    if (lower[3] == "search") {
      set(RouteKind::kPlatformSearch, Family::kPlatform, "/platform/users/search");
    } else {
      set(RouteKind::kPlatformUser, Family::kPlatform, "/platform/users/{id}", segments[3]);
    }
    return route;
  }
  if (lower.size() >= 2 && lower[0] == "api" && lower[1] == "v2") route.family = Family::kPlatform;
  return route;
}

bool methodAllowed(RouteKind kind, const std::string& method) {
  switch (kind) {
    case RouteKind::kToken:
    case RouteKind::kPlatformSearch:
      return method == "POST";
    case RouteKind::kUsers:
      return method == "GET" || method == "POST";
    case RouteKind::kUser:
      return method == "GET" || method == "PUT" || method == "PATCH" || method == "DELETE";
    case RouteKind::kGroup:
      return method == "GET" || method == "PUT" || method == "PATCH";
    case RouteKind::kPlatformUser:
      return method == "GET" || method == "PATCH";
    case RouteKind::kGroups:
    case RouteKind::kServiceProviderConfig:
    case RouteKind::kResourceTypes:
    case RouteKind::kResourceType:
      return method == "GET";
    case RouteKind::kPlatformApi:
    case RouteKind::kUnknown:
      return false;  // kPlatformApi: see platformMethodAllowed()
  }
  return false;
}

std::string allowedMethods(RouteKind kind) {
  std::string allowed;
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    if (methodAllowed(kind, method)) allowed += (allowed.empty() ? "" : ", ") + std::string(method);
  }
  return allowed;
}

uint64_t splitMix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

SimResponse bodyResponse(int status, std::string_view content_type, std::string body) {
  SimResponse response;
  response.status = status;
  response.content_type = std::string(content_type);
  response.body = std::move(body);
  return response;
}

SimResponse scimError(int status, const std::string& scim_type, const std::string& detail) {
  JsonWriter out;
  out.beginObject();
  out.key("schemas").beginArray().string(kErrorSchema).endArray();
  out.field("status", std::to_string(status));
  if (!scim_type.empty()) out.field("scimType", scim_type);
  out.field("detail", detail).endObject();
  return bodyResponse(status, kScimContentType, out.take());
}

std::string defaultPlatformCode(int status) {
  switch (status) {
    case 400:
      return "bad.request";
    case 401:
      return "bad.credentials";
    case 403:
      return "missing.permissions";
    case 404:
      return "not.found";
    case 405:
      return "method.not.allowed";
    case 409:
      return "general.conflict";
    case 413:
      return "request.entity.too.large";
    case 415:
      return "unsupported.media.type";
    case 429:
      return "too.many.requests.retry.after";
    case 502:
      return "bad.gateway";
    case 503:
      return "service.unavailable";
    case 504:
      return "gateway.timeout";
    default:
      return status >= 500 ? "internal.server.error" : "bad.request";
  }
}

SimResponse platformError(int status, const std::string& code, const std::string& message) {
  JsonWriter out;
  out.beginObject().field("message", message).field("code", code).fieldInt("status", status);
  out.endObject();
  return bodyResponse(status, kJsonContentType, out.take());
}

SimResponse unauthorized() {
  // genesys-api.md §1.4: the body third-party code matches for a bad or expired token.
  return platformError(401, "bad.credentials", "Invalid login credentials.");
}

SimResponse oauthError(int status, const std::string& error, const std::string& description) {
  JsonWriter out;
  out.beginObject().field("error", error).field("description", description);
  out.field("error_description", description).endObject();
  SimResponse response = bodyResponse(status, kJsonContentType, out.take());
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

std::string stateName(UserState state) {
  switch (state) {
    case UserState::kActive:
      return "active";
    case UserState::kInactive:
      return "inactive";
    case UserState::kDeleted:
      return "deleted";
  }
  return "active";
}

std::optional<UserState> parseState(std::string_view name) {
  if (equalsIgnoreCase(name, "active")) return UserState::kActive;
  if (equalsIgnoreCase(name, "inactive")) return UserState::kInactive;
  if (equalsIgnoreCase(name, "deleted")) return UserState::kDeleted;
  return std::nullopt;
}

int64_t parseSeedVersion(const Poco::Dynamic::Var& value) {
  if (isNull(value)) return 1;
  int64_t version = -1;
  if (value.isInteger()) {
    version = value.convert<int64_t>();
  } else if (value.isString()) {
    version = parseVersion(value.extract<std::string>());
  }
  if (version < 1) throw invalidValue("Seed 'version' must be a positive integer.");
  return version;
}

std::string seedName(const Poco::Dynamic::Var& item, std::string_view what) {
  if (isObject(item)) {
    const JsonObject object = asObject(item);
    Poco::Dynamic::Var name = getField(object, "name");
    if (isNull(name)) name = getField(object, "value");
    return requireString(name, what);
  }
  return requireString(item, what);
}

}  // namespace

std::string SimRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoreCase(key, name)) return value;
  }
  return {};
}

struct SimService::State {
  explicit State(const SimOptions& options) : clients(options.clients) {
    config.version_conflict_status = options.version_conflict_status;
    config.enforce_page_limit = options.enforce_page_limit;
    config.token_ttl_seconds = options.token_ttl_seconds;
    config.new_id_on_recreate = options.new_id_on_recreate;
    config.rate_limit_per_minute = std::max(0, options.rate_limit_per_minute);
    config.rate_limit_burst = std::max(1, options.rate_limit_burst);
    config.latency_ms = std::max(0, options.latency_ms);
    config.latency_jitter_ms = std::max(0, options.latency_jitter_ms);
    config.error_rate = clampRate(options.error_rate);
    config.drop_rate = clampRate(options.drop_rate);
    config.drop_after_write = options.drop_after_write;
    config.conflict_rate = clampRate(options.conflict_rate);
    config.fault_seed = options.fault_seed;
    config.fault_token_endpoint = options.fault_token_endpoint;
    config.delete_requires_queue_cleanup = options.delete_requires_queue_cleanup;
    if (config.version_conflict_status != 409) config.version_conflict_status = 400;
    fault_rng.seed(config.fault_seed);
    resetCounters();
  }

  std::mutex mutex;
  Config config;
  std::vector<std::pair<std::string, std::string>> clients;
  SimStore store;
  RenderOptions render;
  std::unordered_map<std::string, TokenInfo> tokens;
  uint64_t token_state = 0x5C1A6E47D0C0FFEEull;
  uint64_t correlation_counter = 0;
  std::string correlation_id;
  uint64_t total_requests = 0;
  std::map<std::string, uint64_t> routes;
  std::map<std::string, uint64_t> statuses;
  std::deque<FaultRule> faults;
  Rewrites rewrites;  // POST /sim/rewrites: forced discrepancies
  std::mt19937_64 fault_rng;
  FaultCounters fault_counts;
  std::deque<LoggedRequest> request_log;
  uint64_t request_seq = 0;

  // ---- bookkeeping ------------------------------------------------------------------------

  void resetCounters() {
    total_requests = 0;
    routes.clear();
    statuses.clear();
    fault_counts = FaultCounters{};
    request_log.clear();
    request_seq = 0;
    for (std::string_view key : kKnownRoutes) routes[std::string(key)] = 0;
    for (std::string_view key : kKnownStatuses) statuses[std::string(key)] = 0;
  }

  void count(const std::string& key, const SimResponse& response) {
    ++total_requests;
    ++routes[key];
    ++statuses[response.drop_connection ? "dropped" : std::to_string(response.status)];
  }

  void logRequest(const std::string& method, const std::string& path, const std::string& key,
                  const SimResponse& response) {
    LoggedRequest entry;
    entry.seq = ++request_seq;
    entry.method = method;
    entry.path = path;
    entry.route = key;
    entry.status = response.drop_connection ? 0 : response.status;
    request_log.push_back(std::move(entry));
    if (request_log.size() > kMaxLoggedRequests) request_log.pop_front();
  }

  std::string requestsJson(uint64_t since) {
    JsonWriter out;
    out.beginArray();
    for (const LoggedRequest& entry : request_log) {
      if (entry.seq <= since) continue;
      out.beginObject().fieldInt("seq", static_cast<int64_t>(entry.seq));
      out.field("method", entry.method).field("path", entry.path).field("route", entry.route);
      out.fieldInt("status", entry.status).endObject();
    }
    out.endArray();
    return out.take();
  }

  std::string nextCorrelationId() {
    char buffer[40];
    std::snprintf(buffer, sizeof(buffer), "c0000000-0000-4000-9000-%012llx",
                  static_cast<unsigned long long>(++correlation_counter));
    return buffer;
  }

  SimResponse tooManyRequests(int retry_after) {
    // Normalised Genesys 429 (genesys-api.md §7, F-429).
    JsonWriter out;
    out.beginObject();
    out.field("message", "Rate limit exceeded the maximum. Retry the request in [" +
                             std::to_string(retry_after) + "] seconds");
    out.field("code", "too.many.requests.retry.after").fieldInt("status", 429);
    out.field("contextId", correlation_id);
    out.key("details").beginArray().endArray().key("errors").beginArray().endArray();
    out.endObject();
    SimResponse response = bodyResponse(429, kJsonContentType, out.take());
    response.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return response;
  }

  SimResponse errorFor(Family family, const SimError& error) {
    if (error.status() == 401) return unauthorized();
    if (family == Family::kScim) return scimError(error.status(), error.scimType(), error.detail());
    const std::string code =
        error.platformCode().empty() ? defaultPlatformCode(error.status()) : error.platformCode();
    return platformError(error.status(), code, error.detail());
  }

  // ---- faults -------------------------------------------------------------------------------

  std::optional<SimResponse> takeFault(const Route& route) {
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (!it->route.empty() && !sameRouteKey(it->route, route.key)) continue;
      if (it->skip > 0) {
        --it->skip;
        continue;
      }
      const FaultRule rule = *it;
      if (--it->remaining <= 0) faults.erase(it);
      SimResponse response;
      if (rule.drop) {
        ++fault_counts.drops;
        response.drop_connection = true;
      } else if (rule.status == 429) {
        ++fault_counts.rate_limited;
        response = tooManyRequests(rule.retry_after);
      } else if (route.family == Family::kScim && rule.status < 500) {
        response = scimError(rule.status, "", "Injected fault.");
      } else {
        response = platformError(rule.status, defaultPlatformCode(rule.status), "Injected fault.");
      }
      if (!rule.drop && rule.status != 429) ++fault_counts.errors;
      response.delay = std::chrono::milliseconds(rule.delay_ms);
      return response;
    }
    return std::nullopt;
  }

  // ---- probabilistic faults -------------------------------------------------------------------

  double unitDraw() { return static_cast<double>(fault_rng() >> 11) * 0x1.0p-53; }

  // Exactly five draws per call, in a fixed order, so the sequence depends only on the number
  // of requests (std::mt19937_64's output is fixed by the standard; no std:: distributions,
  // whose results differ between standard libraries).
  FaultDraw drawFaults() {
    FaultDraw draw;
    draw.drop = unitDraw();
    draw.error = unitDraw();
    draw.error_pick = static_cast<int>(fault_rng() % std::size(kRandomErrorStatuses));
    draw.conflict = unitDraw();
    draw.jitter = fault_rng();
    return draw;
  }

  std::chrono::milliseconds jitterFor(const FaultDraw& draw) const {
    if (config.latency_jitter_ms <= 0) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(
        static_cast<int64_t>(draw.jitter % (static_cast<uint64_t>(config.latency_jitter_ms) + 1)));
  }

  bool faultable(const Route& route) const {
    return route.family == Family::kScim || route.family == Family::kPlatform ||
           (route.family == Family::kOAuth && config.fault_token_endpoint);
  }

  bool dropsNow(const Route& route, const FaultDraw& draw, bool after_write) const {
    return faultable(route) && config.drop_after_write == after_write &&
           draw.drop < config.drop_rate;
  }

  SimResponse droppedConnection() {
    ++fault_counts.drops;
    SimResponse response;
    response.drop_connection = true;
    return response;
  }

  // The random drop (before handling) or 5xx for this request, if any.
  std::optional<SimResponse> randomFault(const Route& route, const FaultDraw& draw) {
    if (!faultable(route)) return std::nullopt;
    if (dropsNow(route, draw, false)) return droppedConnection();
    if (draw.error >= config.error_rate) return std::nullopt;
    ++fault_counts.errors;
    const int status = kRandomErrorStatuses[draw.error_pick];
    std::string message;
    switch (status) {
      case 500:
        message = "The server encountered an unexpected condition (genesys-sim errorRate).";
        break;
      case 502:
        message = "Bad gateway (genesys-sim errorRate).";
        break;
      case 503:
        message = "The service is temporarily unavailable (genesys-sim errorRate).";
        break;
      default:
        message = "The request timed out (genesys-sim errorRate).";
        break;
    }
    SimResponse response = platformError(status, defaultPlatformCode(status), message);
    if (status == 503) response.headers.emplace_back("Retry-After", "1");
    return response;
  }

  // conflictRate: a SCIM PUT/PATCH/DELETE of a user with a matching If-Match finds the user
  // edited first, as if an administrator had changed it between the client's read and write: its
  // displayName gains " (edited)" (once) and its version is bumped, so tests can check that the
  // client re-planned rather than overwrote that edit.
  void maybeConflict(const SimRequest& request, const Route& route, const FaultDraw& draw) {
    if (route.kind != RouteKind::kUser || !faultable(route)) return;
    if (request.method != "PUT" && request.method != "PATCH" && request.method != "DELETE") return;
    if (draw.conflict >= config.conflict_rate) return;
    const std::string if_match = request.header("If-Match");
    if (if_match.empty() || if_match == "*") return;
    SimUser* user = store.liveUserById(route.id);
    if (user == nullptr || parseVersion(if_match) != user->version) return;
    if (user->fields.display_name.find(" (edited)") == std::string::npos) user->fields.display_name += " (edited)";
    store.bumpUser(*user);
    ++fault_counts.conflicts;
  }

  // ---- auth ---------------------------------------------------------------------------------

  std::string newToken() {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string token;
    while (token.size() < 86) {
      uint64_t bits = splitMix(token_state);
      for (int i = 0; i < 10 && token.size() < 86; ++i) {
        token.push_back(kAlphabet[bits & 63]);
        bits >>= 6;
      }
    }
    return token;
  }

  SimResponse issueToken(const SimRequest& request) {
    if (mediaType(request.header("Content-Type")) != "application/x-www-form-urlencoded") {
      return oauthError(400, "invalid_request",
                        "Content-Type must be application/x-www-form-urlencoded.");
    }
    const auto form = parseForm(request.body);
    auto formValue = [&](std::string_view name) -> std::optional<std::string> {
      for (const auto& [key, value] : form) {
        if (key == name) return value;
      }
      return std::nullopt;
    };
    std::optional<std::string> client_id;
    std::string secret;
    const std::string authorization = request.header("Authorization");
    if (startsWithIgnoreCase(authorization, "Basic ")) {
      std::string decoded;
      try {
        std::istringstream encoded(authorization.substr(6));
        Poco::Base64Decoder decoder(encoded);
        decoded.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
      } catch (const Poco::Exception&) {
        decoded.clear();
      }
      const size_t colon = decoded.find(':');
      if (colon != std::string::npos) {
        client_id = decoded.substr(0, colon);
        secret = decoded.substr(colon + 1);
      }
    } else if (formValue("client_id")) {
      // Undocumented but observed to work (genesys-api.md §1.2).
      client_id = formValue("client_id");
      secret = formValue("client_secret").value_or("");
    }
    if (!client_id) return oauthError(401, "invalid_client", "Client authentication failed.");
    const bool known = std::any_of(clients.begin(), clients.end(), [&](const auto& client) {
      return client.first == *client_id && client.second == secret;
    });
    if (!known) return oauthError(401, "invalid_client", "Client authentication failed.");
    const std::optional<std::string> grant = formValue("grant_type");
    if (!grant || grant->empty())
      return oauthError(400, "invalid_request", "grant_type is required.");
    if (*grant != "client_credentials") {
      // Verbatim from a captured Genesys response (genesys-api.md §1.3).
      return oauthError(400, "unauthorized_client",
                        "client is not authorized to use the client_credential grant type");
    }
    if (tokens.size() > 100000) purgeExpiredTokens();
    const std::string token = newToken();
    const int ttl = std::max(0, config.token_ttl_seconds);
    TokenInfo info;
    info.client_id = *client_id;
    info.expires_at = SteadyClock::now() + std::chrono::seconds(ttl);
    tokens[token] = info;
    JsonWriter out;
    out.beginObject().field("access_token", token).field("token_type", "bearer");
    out.fieldInt("expires_in", ttl).endObject();
    SimResponse response = bodyResponse(200, kJsonContentType, out.take());
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  }

  void purgeExpiredTokens() {
    const auto now = SteadyClock::now();
    for (auto it = tokens.begin(); it != tokens.end();) {
      it = it->second.expires_at <= now ? tokens.erase(it) : std::next(it);
    }
  }

  // nullopt when the caller may proceed; otherwise the 401 / 429 to send.
  std::optional<SimResponse> authenticate(const SimRequest& request) {
    const std::string authorization = request.header("Authorization");
    if (!startsWithIgnoreCase(authorization, "Bearer ")) return unauthorized();
    std::string token = authorization.substr(7);
    token.erase(0, token.find_first_not_of(" \t"));
    token.erase(token.find_last_not_of(" \t") + 1);
    auto it = tokens.find(token);
    if (it == tokens.end()) return unauthorized();
    const auto now = SteadyClock::now();
    if (now >= it->second.expires_at) {
      tokens.erase(it);
      return unauthorized();
    }
    const int per_minute = config.rate_limit_per_minute;
    if (per_minute > 0) {
      // Token bucket per access token (genesys-api.md §7: the limit is per token): holds
      // rateLimitBurst, refills per_minute/60 per second; a refused request takes nothing.
      const double burst = std::max(1, config.rate_limit_burst);
      TokenInfo& info = it->second;
      if (info.bucket < 0) {
        info.bucket = burst;
        info.bucket_time = now;
      }
      const double elapsed = std::chrono::duration<double>(now - info.bucket_time).count();
      info.bucket = std::min(burst, info.bucket + elapsed * per_minute / 60.0);
      info.bucket_time = now;
      if (info.bucket < 1.0) {
        const double wait = (1.0 - info.bucket) * 60.0 / per_minute;
        ++fault_counts.rate_limited;
        return tooManyRequests(std::max(1, static_cast<int>(std::ceil(wait))));
      }
      info.bucket -= 1.0;
    }
    return std::nullopt;
  }

  // ---- API dispatch -------------------------------------------------------------------------

  SimResponse api(const SimRequest& request, const Target& target, const Route& route,
                  const FaultDraw& draw) {
    if (route.kind == RouteKind::kUnknown) {
      if (route.family == Family::kScim) return scimError(404, "", "Resource not found.");
      return platformError(404, "not.found", "The requested resource was not found.");
    }
    if (std::optional<SimResponse> fault = takeFault(route)) return *fault;
    bool admitted = false;
    SimResponse response = serve(request, target, route, draw, admitted);
    // dropAfterWrite: the request was handled (a write took effect) but the client never hears
    // so, an unknown outcome. Requests refused earlier (405/401/429/random 5xx) are not dropped.
    if (admitted && dropsNow(route, draw, true)) return droppedConnection();
    return response;
  }

  // `admitted` becomes true once the request passed method, auth, rate limit and random faults.
  SimResponse serve(const SimRequest& request, const Target& target, const Route& route,
                    const FaultDraw& draw, bool& admitted) {
    if (route.kind == RouteKind::kToken) {
      if (request.method != "POST") return oauthError(405, "invalid_request", "Use POST.");
      if (std::optional<SimResponse> fault = randomFault(route, draw)) return *fault;
      admitted = true;
      return issueToken(request);
    }
    try {
      const bool allowed = route.platform
                               ? platformMethodAllowed(route.platform->kind, request.method)
                               : methodAllowed(route.kind, request.method);
      if (!allowed) {
        SimResponse response = errorFor(
            route.family,
            SimError(405, "", "Method " + request.method + " is not supported on this resource."));
        response.headers.emplace_back("Allow", route.platform
                                                   ? platformAllowedMethods(route.platform->kind)
                                                   : allowedMethods(route.kind));
        return response;
      }
      if (std::optional<SimResponse> denied = authenticate(request)) return *denied;
      if (std::optional<SimResponse> fault = randomFault(route, draw)) return *fault;
      admitted = true;
      if (request.body.size() > kMaxRequestBytes) {
        return platformError(413, "request.entity.too.large",
                             "The request is over the size limit. Maximum bytes: " +
                                 std::to_string(kMaxRequestBytes));
      }
      if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
        const std::string type = mediaType(request.header("Content-Type"));
        if (type != "application/scim+json" && type != "application/json") {
          throw SimError(415, "", "Unsupported or incorrect media type.");
        }
      }
      maybeConflict(request, route, draw);
      switch (route.kind) {
        case RouteKind::kUsers:
          return request.method == "GET" ? listUsers(target) : createUser(request);
        case RouteKind::kUser:
          if (request.method == "GET") return getUser(request, target, route.id);
          if (request.method == "PUT") return replaceUser(request, target, route.id);
          if (request.method == "PATCH") return patchUser(request, target, route.id);
          return deleteUser(request, route.id);
        case RouteKind::kGroups:
          return listGroups(target);
        case RouteKind::kGroup:
          if (request.method == "GET") return getGroup(request, target, route.id);
          if (request.method == "PUT") return replaceGroup(request, target, route.id);
          return patchGroup(request, target, route.id);
        case RouteKind::kServiceProviderConfig:
          return serviceProviderConfig(request);
        case RouteKind::kResourceTypes:
          return resourceTypes();
        case RouteKind::kResourceType:
          return resourceType(route.id);
        case RouteKind::kPlatformSearch:
          return platformSearch(request);
        case RouteKind::kPlatformUser:
          return request.method == "GET" ? platformGetUser(target, route.id)
                                         : platformPatchUser(request, route.id);
        case RouteKind::kPlatformApi:
          if (route.platform->kind == PlatformKind::kTokensMe) return revokeOwnToken(request);
          return handlePlatform(store, *route.platform, request.method, target.query,
                                request.body);
        case RouteKind::kToken:
        case RouteKind::kUnknown:
          break;
      }
      return scimError(404, "", "Resource not found.");
    } catch (const SimError& error) {
      return errorFor(route.family, error);
    }
  }

  // DELETE /api/v2/tokens/me: the caller's own token stops working (genesys-api.md §8.3).
  SimResponse revokeOwnToken(const SimRequest& request) {
    std::string token = request.header("Authorization").substr(7);
    token.erase(0, token.find_first_not_of(" \t"));
    token.erase(token.find_last_not_of(" \t") + 1);
    tokens.erase(token);
    SimResponse response;
    response.status = 204;
    return response;
  }

  // ---- SCIM users ---------------------------------------------------------------------------

  SimResponse scimResource(int status, std::string body, int64_t version) {
    SimResponse response = bodyResponse(status, kScimContentType, std::move(body));
    response.headers.emplace_back("ETag", formatVersion(version));
    return response;
  }

  SimResponse userResponse(int status, const SimUser& user, const UserProjection& projection) {
    JsonWriter out;
    writeUser(out, user, store, projection, render);
    SimResponse response = scimResource(status, out.take(), user.version);
    if (status == 201) response.headers.emplace_back("Location", userLocation(render, user.id));
    return response;
  }

  static UserProjection projectionFor(const Target& target) {
    return userProjection(listParam(target, "attributes"), listParam(target, "excludedAttributes"));
  }

  SimUser& requireUser(const std::string& id) {
    SimUser* user = store.liveUserById(id);
    if (user == nullptr) throw SimError(404, "", "User " + id + " not found.", "not.found");
    return *user;
  }

  void checkIfMatch(const SimRequest& request, int64_t version) {
    const std::string if_match = request.header("If-Match");
    if (if_match.empty() || if_match == "*") return;
    if (parseVersion(if_match) != version) {
      // 400 invalidVers per the swagger parameter text, 409 per its response table (§4).
      throw SimError(config.version_conflict_status, "invalidVers",
                     "Version does not match current version.", "general.conflict");
    }
  }

  static bool notModified(const SimRequest& request, int64_t version) {
    const std::string if_none_match = request.header("If-None-Match");
    return !if_none_match.empty() &&
           (if_none_match == "*" || parseVersion(if_none_match) == version);
  }

  static SimResponse notModifiedResponse(int64_t version) {
    SimResponse response;
    response.status = 304;
    response.headers.emplace_back("ETag", formatVersion(version));
    return response;
  }

  SimResponse listUsers(const Target& target) {
    int64_t start = intParam(target, "startIndex", 1);
    if (start < 1) start = 1;
    int64_t count = intParam(target, "count", kDefaultCount);
    if (count < 0) count = 0;
    const UserProjection projection = projectionFor(target);
    std::optional<ScimFilter> filter;
    if (const std::optional<std::string> text = queryParam(target, "filter");
        text && !text->empty()) {
      filter = parseUserFilter(*text);
    }
    // genesys-api.md §2.3: pages over 25 with the secondary lookups may answer 429.
    if (config.enforce_page_limit && count > kPageLimit && projection.has(kExpensiveUserAttrs)) {
      return tooManyRequests(kPageLimitRetryAfter);
    }

    std::vector<size_t> matches;
    const std::vector<size_t>* list = &matches;
    if (!filter) {
      // Genesys lists only active users unless filtered (genesys-api.md §2.3).
      list = &store.activeUsers();
    } else if (filter->attribute == FilterAttr::kActive) {
      list = filter->active ? &store.activeUsers() : &store.inactiveUsers();
    } else if (filter->attribute == FilterAttr::kId) {
      if (const SimUser* user = store.liveUserById(filter->value)) matches.push_back(user->index);
    } else if (filter->attribute == FilterAttr::kUserName) {
      if (const SimUser* user = store.liveUserByUserName(filter->value)) {
        matches.push_back(user->index);
      }
    } else if (filter->attribute == FilterAttr::kExternalId) {
      for (const SimUser* user : store.liveUsersByExternalId(filter->value)) {
        matches.push_back(user->index);
      }
    } else {
      for (const auto& user : store.users()) {
        if (!user->deleted && matchesScan(*user, *filter)) matches.push_back(user->index);
      }
    }

    const size_t total = list->size();
    const size_t begin = std::min(total, static_cast<size_t>(start - 1));
    const size_t end = begin + std::min(total - begin, static_cast<size_t>(count));
    JsonWriter out;
    out.beginObject();
    out.key("schemas").beginArray().string(kListResponseSchema).endArray();
    out.fieldInt("totalResults", static_cast<int64_t>(total));
    out.fieldInt("startIndex", start);
    out.fieldInt("itemsPerPage", static_cast<int64_t>(end - begin));
    out.key("Resources").beginArray();
    for (size_t i = begin; i < end; ++i) {
      writeUser(out, store.userAt((*list)[i]), store, projection, render);
    }
    out.endArray().endObject();
    return bodyResponse(200, kScimContentType, out.take());
  }

  static bool matchesScan(const SimUser& user, const ScimFilter& filter) {
    const UserFields& f = user.fields;
    switch (filter.attribute) {
      case FilterAttr::kEmail:
        return equalsIgnoreCase(f.user_name, filter.value) ||
               (f.work_email && equalsIgnoreCase(*f.work_email, filter.value));
      case FilterAttr::kEmployeeNumber:
        return f.employee_number && *f.employee_number == filter.value;
      case FilterAttr::kDivision:
        return equalsIgnoreCase(f.division, filter.value);
      case FilterAttr::kManager:
        return f.manager_id && *f.manager_id == filter.value;
      case FilterAttr::kExternalIds:
        if (isScimAuthority(filter.authority)) {
          return f.external_id && *f.external_id == filter.value;
        }
        return std::any_of(
            f.external_ids.begin(), f.external_ids.end(), [&](const ExternalIdEntry& entry) {
              return entry.authority == filter.authority && entry.value == filter.value;
            });
      default:
        return false;
    }
  }

  SimResponse getUser(const SimRequest& request, const Target& target, const std::string& id) {
    const SimUser& user = requireUser(id);
    if (notModified(request, user.version)) return notModifiedResponse(user.version);
    return userResponse(200, user, projectionFor(target));
  }

  SimResponse createUser(const SimRequest& request) {
    const JsonObject doc = parseJsonObject(request.body);
    UserFields fields = parseUserDocument(doc);
    rewrites.apply(nullptr, fields);
    SimUser* revived = nullptr;
    if (!fields.user_name.empty() && store.liveUserByUserName(fields.user_name) == nullptr &&
        !config.new_id_on_recreate) {
      revived = store.deletedUserByUserName(fields.user_name);
    }
    if (revived != nullptr) {
      // POST of a deleted user's userName reactivates that record: same id, earlier roles
      // and division gone (genesys-api.md §3.6, H-OKTA-DEL); the posted attributes apply.
      store.reviveUser(*revived, std::move(fields));
      return userResponse(201, *revived, UserProjection{});
    }
    const SimUser& user = store.createUser(std::move(fields));
    return userResponse(201, user, UserProjection{});
  }

  SimResponse replaceUser(const SimRequest& request, const Target& target, const std::string& id) {
    SimUser& user = requireUser(id);
    checkIfMatch(request, user.version);
    const JsonObject doc = parseJsonObject(request.body);
    UserFields fields = parseUserDocument(doc);
    if (!hasField(doc, "active")) fields.active = user.fields.active;
    store.updateUser(user, std::move(fields));
    return userResponse(200, user, projectionFor(target));
  }

  SimResponse patchUser(const SimRequest& request, const Target& target, const std::string& id) {
    SimUser& user = requireUser(id);
    checkIfMatch(request, user.version);
    const JsonObject doc = parseJsonObject(request.body);
    UserFields fields = user.fields;
    applyUserPatch(fields, doc);
    rewrites.apply(&user.fields, fields);
    store.updateUser(user, std::move(fields));
    return userResponse(200, user, projectionFor(target));
  }

  SimResponse deleteUser(const SimRequest& request, const std::string& id) {
    SimUser& user = requireUser(id);
    checkIfMatch(request, user.version);
    // Referential rule (README "deleteRequiresQueueCleanup"): a user still in a queue is refused,
    // so tests can prove the client empties queues before it deletes.
    if (config.delete_requires_queue_cleanup && !user.queues.empty()) {
      const size_t n = user.queues.size();
      throw SimError(409, "", "User " + user.id + " is still a member of " + std::to_string(n) +
                                  (n == 1 ? " queue" : " queues") +
                                  "; remove the queue memberships before deleting the user.",
                     "general.conflict");
    }
    store.deleteUser(user);
    SimResponse response;
    response.status = 204;
    return response;
  }

  // ---- SCIM groups --------------------------------------------------------------------------

  static GroupProjection groupProjectionFor(const Target& target) {
    return groupProjection(listParam(target, "attributes"),
                           listParam(target, "excludedAttributes"));
  }

  SimGroup& requireGroup(const std::string& id) {
    SimGroup* group = store.groupById(id);
    if (group == nullptr) throw SimError(404, "", "Group " + id + " not found.", "not.found");
    return *group;
  }

  SimResponse groupResponse(const SimGroup& group, const GroupProjection& projection) {
    JsonWriter out;
    writeGroup(out, group, store, projection, render);
    return scimResource(200, out.take(), group.version);
  }

  SimResponse listGroups(const Target& target) {
    int64_t start = intParam(target, "startIndex", 1);
    if (start < 1) start = 1;
    int64_t count = intParam(target, "count", kDefaultCount);
    if (count < 0) count = 0;
    const GroupProjection projection = groupProjectionFor(target);
    std::vector<const SimGroup*> matches;
    const std::optional<std::string> text = queryParam(target, "filter");
    if (text && !text->empty()) {
      const ScimFilter filter = parseGroupFilter(*text);
      for (const auto& group : store.groups()) {
        const bool hit = (filter.attribute == FilterAttr::kId && group->id == filter.value) ||
                         (filter.attribute == FilterAttr::kDisplayName &&
                          equalsIgnoreCase(group->display_name, filter.value)) ||
                         (filter.attribute == FilterAttr::kExternalId && group->external_id &&
                          *group->external_id == filter.value);
        if (hit) matches.push_back(group.get());
      }
    } else {
      for (const auto& group : store.groups()) matches.push_back(group.get());
    }
    const size_t total = matches.size();
    const size_t begin = std::min(total, static_cast<size_t>(start - 1));
    const size_t end = begin + std::min(total - begin, static_cast<size_t>(count));
    JsonWriter out;
    out.beginObject();
    out.key("schemas").beginArray().string(kListResponseSchema).endArray();
    out.fieldInt("totalResults", static_cast<int64_t>(total));
    out.fieldInt("startIndex", start);
    out.fieldInt("itemsPerPage", static_cast<int64_t>(end - begin));
    out.key("Resources").beginArray();
    for (size_t i = begin; i < end; ++i) writeGroup(out, *matches[i], store, projection, render);
    out.endArray().endObject();
    return bodyResponse(200, kScimContentType, out.take());
  }

  SimResponse getGroup(const SimRequest& request, const Target& target, const std::string& id) {
    const SimGroup& group = requireGroup(id);
    if (notModified(request, group.version)) return notModifiedResponse(group.version);
    return groupResponse(group, groupProjectionFor(target));
  }

  void commitGroup(SimGroup& group, GroupChange change) {
    if (change.members != group.members) store.setGroupMembers(group, change.members, false);
    group.display_name = std::move(change.display_name);
    group.external_id = std::move(change.external_id);
    store.touchGroup(group);
  }

  SimResponse patchGroup(const SimRequest& request, const Target& target, const std::string& id) {
    SimGroup& group = requireGroup(id);
    checkIfMatch(request, group.version);
    const JsonObject doc = parseJsonObject(request.body);
    commitGroup(group, applyGroupPatch(group, store, doc));
    return groupResponse(group, groupProjectionFor(target));
  }

  SimResponse replaceGroup(const SimRequest& request, const Target& target, const std::string& id) {
    SimGroup& group = requireGroup(id);
    checkIfMatch(request, group.version);
    const JsonObject doc = parseJsonObject(request.body);
    GroupChange change;
    change.display_name = requireString(getField(doc, "displayName"), "displayName");
    if (change.display_name.empty()) throw invalidValue("Attribute 'displayName' is required.");
    const SimGroup* other = store.groupByDisplayName(change.display_name);
    if (other != nullptr && other != &group) {
      throw SimError(409, "uniqueness", "Group name already in use.", "general.conflict");
    }
    change.external_id = parseOptionalString(getField(doc, "externalId"), "externalId");
    change.members = resolveMembers(store, getField(doc, "members"));
    commitGroup(group, std::move(change));
    return groupResponse(group, groupProjectionFor(target));
  }

  // ---- SCIM discovery -----------------------------------------------------------------------

  SimResponse serviceProviderConfig(const SimRequest& request) {
    // Values are the simulator's defaults for a [GAP] (genesys-api.md §3.5).
    if (notModified(request, 1)) return notModifiedResponse(1);
    JsonWriter out;
    out.beginObject();
    out.key("schemas").beginArray();
    out.string("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig").endArray();
    out.field("documentationUri", "https://developer.genesys.cloud/useragentmanagement/scim/");
    out.key("patch").beginObject().fieldBool("supported", true).endObject();
    out.key("filter").beginObject().fieldBool("supported", true).fieldInt("maxResults", 25);
    out.endObject();
    out.key("changePassword").beginObject().fieldBool("supported", true).endObject();
    out.key("sort").beginObject().fieldBool("supported", false).endObject();
    out.key("etag").beginObject().fieldBool("supported", true).endObject();
    out.key("bulk").beginObject().fieldBool("supported", false).fieldInt("maxOperations", 0);
    out.fieldInt("maxPayloadSize", 0).endObject();
    out.key("authenticationSchemes").beginArray().beginObject();
    out.field("name", "OAuth Bearer Token");
    out.field("description", "Authentication scheme using the OAuth Bearer Token standard.");
    out.field("specUri", "https://tools.ietf.org/html/rfc6750");
    out.field("documentationUri", "https://developer.genesys.cloud/authorization/platform-auth/");
    out.field("type", "oauthbearertoken").fieldBool("primary", true);
    out.endObject().endArray();
    out.key("meta").beginObject().field("resourceType", "ServiceProviderConfig");
    out.field("location", render.base_url + "/api/v2/scim/v2/ServiceProviderConfig");
    out.field("version", formatVersion(1)).endObject();
    out.endObject();
    return scimResource(200, out.take(), 1);
  }

  void writeResourceType(JsonWriter& out, bool user) {
    out.beginObject();
    out.key("schemas").beginArray().string("urn:ietf:params:scim:schemas:core:2.0:ResourceType");
    out.endArray();
    out.field("id", user ? "User" : "Group").field("name", user ? "User" : "Group");
    out.field("endpoint", user ? "/Users" : "/Groups");
    out.field("description", user ? "User Account" : "Group");
    out.field("schema", user ? kUserSchema : kGroupSchema);
    if (user) {
      out.key("schemaExtensions").beginArray();
      out.beginObject().field("schema", kEnterpriseSchema).fieldBool("required", false).endObject();
      out.beginObject().field("schema", kGenesysSchema).fieldBool("required", false).endObject();
      out.endArray();
    }
    out.key("meta").beginObject().field("resourceType", "ResourceType");
    out.field("location",
              render.base_url + "/api/v2/scim/v2/ResourceTypes/" + (user ? "User" : "Group"));
    out.endObject().endObject();
  }

  SimResponse resourceTypes() {
    JsonWriter out;
    out.beginObject();
    out.key("schemas").beginArray().string(kListResponseSchema).endArray();
    out.fieldInt("totalResults", 2).fieldInt("startIndex", 1).fieldInt("itemsPerPage", 2);
    out.key("Resources").beginArray();
    writeResourceType(out, true);
    writeResourceType(out, false);
    out.endArray().endObject();
    return bodyResponse(200, kScimContentType, out.take());
  }

  SimResponse resourceType(const std::string& name) {
    if (!equalsIgnoreCase(name, "User") && !equalsIgnoreCase(name, "Group")) {
      throw SimError(404, "", "Resource type " + name + " not found.");
    }
    JsonWriter out;
    writeResourceType(out, equalsIgnoreCase(name, "User"));
    return bodyResponse(200, kScimContentType, out.take());
  }

  // ---- Platform users -----------------------------------------------------------------------

  SimResponse platformSearch(const SimRequest& request) {
    const JsonObject doc = parseJsonObject(request.body);
    const Poco::Dynamic::Var query = getField(doc, "query");
    if (!isArray(query)) throw SimError(400, "", "'query' must be an array.", "bad.request");
    std::set<UserState> states;
    std::vector<std::pair<std::string, std::vector<std::string>>> criteria;  // field -> values
    for (const Poco::Dynamic::Var& item : asList(query)) {
      if (!isObject(item)) throw SimError(400, "", "Query items must be objects.", "bad.request");
      const JsonObject criterion = asObject(item);
      const Poco::Dynamic::Var type = getField(criterion, "type");
      if (!isNull(type) &&
          !(type.isString() && equalsIgnoreCase(type.extract<std::string>(), "EXACT"))) {
        throw SimError(400, "", "genesys-sim supports only EXACT user searches.", "bad.request");
      }
      std::vector<std::string> values;
      const Poco::Dynamic::Var value = getField(criterion, "value");
      if (!isNull(value)) values.push_back(requireString(value, "value"));
      for (const Poco::Dynamic::Var& v : asList(getField(criterion, "values"))) {
        values.push_back(requireString(v, "values"));
      }
      for (const Poco::Dynamic::Var& field : asList(getField(criterion, "fields"))) {
        const std::string name = toLower(requireString(field, "fields"));
        if (name == "state") {
          for (const std::string& state_name : values) {
            const std::optional<UserState> state = parseState(state_name);
            if (!state)
              throw SimError(400, "", "Unknown state '" + state_name + "'.", "bad.request");
            states.insert(*state);
          }
        } else if (name == "email" || name == "id" || name == "name" || name == "username") {
          criteria.emplace_back(name == "username" ? "email" : name, values);
        } else {
          throw SimError(400, "", "Unsupported search field '" + name + "'.", "bad.request");
        }
      }
    }
    if (states.empty()) states = {UserState::kActive, UserState::kInactive};
    const int64_t page_size = std::clamp<int64_t>(
        getField(doc, "pageSize").isEmpty() ? 25
                                            : requireInteger(getField(doc, "pageSize"), "pageSize"),
        1, 100);
    const int64_t page_number =
        std::max<int64_t>(1, getField(doc, "pageNumber").isEmpty()
                                 ? 1
                                 : requireInteger(getField(doc, "pageNumber"), "pageNumber"));
    std::vector<const SimUser*> matches;
    for (const auto& user : store.users()) {
      if (states.count(user->state()) == 0) continue;
      bool hit = true;
      for (const auto& [field, values] : criteria) {
        const bool any = std::any_of(values.begin(), values.end(), [&](const std::string& v) {
          if (field == "id") return user->id == v;
          if (field == "name") return equalsIgnoreCase(user->fields.display_name, v);
          return equalsIgnoreCase(user->fields.user_name, v) ||
                 (user->fields.work_email && equalsIgnoreCase(*user->fields.work_email, v));
        });
        hit = hit && any;
      }
      if (hit) matches.push_back(user.get());
    }
    const size_t begin =
        std::min(matches.size(), static_cast<size_t>((page_number - 1) * page_size));
    const size_t end = std::min(matches.size(), begin + static_cast<size_t>(page_size));
    JsonWriter out;
    out.beginObject().fieldInt("total", static_cast<int64_t>(matches.size()));
    out.fieldInt("pageCount",
                 static_cast<int64_t>((matches.size() + static_cast<size_t>(page_size) - 1) /
                                      static_cast<size_t>(page_size)));
    out.fieldInt("pageSize", page_size).fieldInt("pageNumber", page_number);
    out.key("results").beginArray();
    for (size_t i = begin; i < end; ++i) writePlatformUser(out, *matches[i]);
    out.endArray().endObject();
    return bodyResponse(200, kJsonContentType, out.take());
  }

  SimUser& requirePlatformUser(const std::string& id) {
    SimUser* user = store.userById(id);
    if (user == nullptr) throw SimError(404, "", "The requested user was not found.", "not.found");
    return *user;
  }

  SimResponse platformGetUser(const Target& target, const std::string& id) {
    const SimUser& user = requirePlatformUser(id);
    const std::string state = toLower(queryParam(target, "state").value_or("active"));
    if (user.deleted && state != "deleted" && state != "any") {
      throw SimError(404, "", "The requested user was not found.", "not.found");
    }
    JsonWriter out;
    writePlatformUser(out, user);
    return bodyResponse(200, kJsonContentType, out.take());
  }

  SimResponse platformPatchUser(const SimRequest& request, const std::string& id) {
    SimUser& user = requirePlatformUser(id);
    const JsonObject doc = parseJsonObject(request.body);
    const Poco::Dynamic::Var version = getField(doc, "version");
    if (isNull(version) || !version.isInteger()) {
      throw SimError(400, "", "The user version is required.", "bad.request");
    }
    if (version.convert<int64_t>() != user.version) {
      throw SimError(409, "",
                     "The version supplied does not match the current version of the user.",
                     "general.conflict");
    }
    const Poco::Dynamic::Var state_value = getField(doc, "state");
    if (isNull(state_value)) {
      throw SimError(400, "", "genesys-sim supports only state changes on this endpoint.",
                     "bad.request");
    }
    const std::optional<UserState> state = parseState(requireString(state_value, "state"));
    if (!state) throw SimError(400, "", "Unknown state.", "bad.request");
    // "state … can be used to restore a deleted user … it is the only modifiable field" (§3.6).
    store.setState(user, *state);
    JsonWriter out;
    writePlatformUser(out, user);
    return bodyResponse(200, kJsonContentType, out.take());
  }

  // ---- control ------------------------------------------------------------------------------

  SimResponse control(const SimRequest& request, const Target& target) {
    std::string path = toLower(target.path);
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    const std::string& method = request.method;
    try {
      if (path == "/sim/seed" && method == "POST") {
        return bodyResponse(200, kJsonContentType, seed(request.body));
      }
      if (path == "/sim/state" && method == "GET") {
        const std::string stable = toLower(queryParam(target, "stable").value_or(""));
        return bodyResponse(200, kJsonContentType, stateJson(stable == "true" || stable == "1"));
      }
      if (path == "/sim/counters" && method == "GET") {
        return bodyResponse(200, kJsonContentType, countersJson());
      }
      if (path == "/sim/requests" && method == "GET") {
        const int64_t since = intParam(target, "since", 0);
        return bodyResponse(200, kJsonContentType,
                            requestsJson(static_cast<uint64_t>(std::max<int64_t>(0, since))));
      }
      if (path == "/sim/counters/reset" && method == "POST") {
        resetCounters();
        return bodyResponse(200, kJsonContentType, countersJson());
      }
      if (path == "/sim/reset" && method == "POST") {
        resetAll();
        return bodyResponse(200, kJsonContentType, "{\"reset\":true}");
      }
      if (path == "/sim/config" && (method == "GET" || method == "POST")) {
        if (method == "POST") updateConfig(parseJsonObject(request.body));
        return bodyResponse(200, kJsonContentType, configJson());
      }
      if (path == "/sim/touch" && method == "POST") return touch(parseJsonObject(request.body));
      if (path == "/sim/faults" && (method == "GET" || method == "POST")) {
        if (method == "POST") addFaults(parseJsonObject(request.body));
        return bodyResponse(200, kJsonContentType, faultsJson());
      }
      if (path == "/sim/rewrites" && (method == "GET" || method == "POST")) {
        if (method == "POST") rewrites.add(parseJsonObject(request.body));
        return bodyResponse(200, kJsonContentType, rewrites.json());
      }
      if (path == "/sim/faults/clear" && method == "POST") {
        faults.clear();
        return bodyResponse(200, kJsonContentType, faultsJson());
      }
      if (path == "/sim/tokens/revoke" && method == "POST") {
        const size_t revoked = tokens.size();
        tokens.clear();
        return bodyResponse(200, kJsonContentType, "{\"revoked\":" + std::to_string(revoked) + "}");
      }
      if (path == "/sim/health" && method == "GET") {
        return bodyResponse(200, kJsonContentType, "{\"status\":\"ok\"}");
      }
      throw SimError(404, "", "Unknown control route " + method + " " + target.path + ".");
    } catch (const SimError& error) {
      JsonWriter out;
      out.beginObject().field("error", error.detail()).fieldInt("status", error.status());
      if (!error.scimType().empty()) out.field("scimType", error.scimType());
      out.endObject();
      return bodyResponse(error.status(), kJsonContentType, out.take());
    }
  }

  void resetAll() {
    store.reset();
    faults.clear();
    rewrites.clear();
    fault_rng.seed(config.fault_seed);
    resetCounters();
  }

  std::string stateJson(bool stable) {
    RenderOptions options = render;
    options.stable = stable;
    options.mark_deleted = true;
    options.user_extra = [this](JsonWriter& out, const SimUser& user) {
      writeUserExtras(out, user);
    };
    JsonWriter out;
    out.beginObject().field("now", formatTimestamp(store.now()));
    out.key("users").beginArray();
    for (const auto& user : store.users()) writeUser(out, *user, store, UserProjection{}, options);
    out.endArray().key("groups").beginArray();
    for (const auto& group : store.groups()) {
      writeGroup(out, *group, store, GroupProjection{}, options);
    }
    out.endArray().key("roles").beginArray();
    for (const SimRole& role : store.roles()) {
      out.beginObject().field("id", role.id).field("name", role.name).endObject();
    }
    out.endArray().key("divisions").beginArray();
    for (const SimDivision& division : store.divisions()) {
      out.beginObject().field("id", division.id).field("name", division.name).endObject();
    }
    out.endArray().key("queues").beginArray();
    for (const auto& queue : store.queues()) {
      const SimDivision& division = store.divisions()[queue->division];
      out.beginObject().field("id", queue->id).field("name", queue->name);
      out.key("division").beginObject().field("id", division.id).field("name", division.name);
      out.endObject().key("members").beginArray();
      for (const QueueMember& member : queue->members) {
        out.beginObject().field("userId", store.userAt(member.user).id);
        out.fieldBool("joined", member.joined).field("memberBy", "user").endObject();
      }
      out.endArray().endObject();
    }
    out.endArray();
    out.fieldInt("conversationCount", static_cast<int64_t>(store.conversations().size()));
    out.endObject();
    return out.take();
  }

  // The simulator-only part of a /sim/state user.
  void writeUserExtras(JsonWriter& out, const SimUser& user) {
    out.field("state", stateName(user.state()));
    out.key("queues").beginArray();
    for (size_t queue_index : user.queues) {
      const SimQueue& queue = *store.queues()[queue_index];
      const QueueMember* member = store.queueMember(queue, user.index);
      out.beginObject().field("id", queue.id).field("name", queue.name);
      out.fieldBool("joined", member != nullptr && member->joined).endObject();
    }
    out.endArray().key("grants").beginArray();
    for (const Grant& grant : user.grants) {
      const SimRole& role = store.roles()[grant.role];
      const SimDivision& division = store.divisions()[grant.division];
      out.beginObject().field("role", role.name).field("roleId", role.id);
      out.field("division", division.name).field("divisionId", division.id).endObject();
    }
    out.endArray().fieldInt("tokensRevoked", user.tokens_revoked);
    out.fieldInt("conversationCount", static_cast<int64_t>(user.conversations.size()));
  }

  std::string countersJson() {
    JsonWriter out;
    out.beginObject().fieldInt("total", static_cast<int64_t>(total_requests));
    out.key("routes").beginObject();
    for (const auto& [key, value] : routes) out.fieldInt(key, static_cast<int64_t>(value));
    out.endObject().key("statuses").beginObject();
    for (const auto& [key, value] : statuses) out.fieldInt(key, static_cast<int64_t>(value));
    out.endObject().key("faults").beginObject();
    out.fieldInt("errors", static_cast<int64_t>(fault_counts.errors));
    out.fieldInt("drops", static_cast<int64_t>(fault_counts.drops));
    out.fieldInt("conflicts", static_cast<int64_t>(fault_counts.conflicts));
    out.fieldInt("rateLimited", static_cast<int64_t>(fault_counts.rate_limited));
    out.endObject().endObject();
    return out.take();
  }

  std::string configJson() {
    JsonWriter out;
    out.beginObject().fieldInt("versionConflictStatus", config.version_conflict_status);
    out.fieldBool("enforcePageLimit", config.enforce_page_limit);
    out.fieldInt("tokenTtlSeconds", config.token_ttl_seconds);
    out.fieldBool("newIdOnRecreate", config.new_id_on_recreate);
    out.fieldInt("rateLimitPerMinute", config.rate_limit_per_minute);
    out.fieldInt("rateLimitBurst", config.rate_limit_burst);
    out.fieldInt("latencyMs", config.latency_ms);
    out.fieldInt("latencyJitterMs", config.latency_jitter_ms);
    out.key("errorRate").number(config.error_rate);
    out.key("dropRate").number(config.drop_rate);
    out.fieldBool("dropAfterWrite", config.drop_after_write);
    out.key("conflictRate").number(config.conflict_rate);
    out.fieldInt("faultSeed", static_cast<int64_t>(config.fault_seed));
    out.fieldBool("faultTokenEndpoint", config.fault_token_endpoint);
    out.fieldBool("deleteRequiresQueueCleanup", config.delete_requires_queue_cleanup);
    out.endObject();
    return out.take();
  }

  void updateConfig(const JsonObject& doc) {
    Config next = config;
    bool reseed = false;
    auto rate = [](const Poco::Dynamic::Var& value, const std::string& key) {
      const double r = requireNumber(value, key);
      if (!(r >= 0.0 && r <= 1.0)) throw invalidValue(key + " must be between 0.0 and 1.0.");
      return r;
    };
    for (auto it = doc->begin(); it != doc->end(); ++it) {
      const std::string& key = it->first;
      if (key == "versionConflictStatus") {
        next.version_conflict_status = static_cast<int>(requireInteger(it->second, key));
        if (next.version_conflict_status != 400 && next.version_conflict_status != 409) {
          throw invalidValue("versionConflictStatus must be 400 or 409.");
        }
      } else if (key == "enforcePageLimit") {
        next.enforce_page_limit = requireBool(it->second, key);
      } else if (key == "tokenTtlSeconds") {
        next.token_ttl_seconds =
            static_cast<int>(std::max<int64_t>(0, requireInteger(it->second, key)));
      } else if (key == "newIdOnRecreate") {
        next.new_id_on_recreate = requireBool(it->second, key);
      } else if (key == "rateLimitPerMinute") {
        next.rate_limit_per_minute =
            static_cast<int>(std::max<int64_t>(0, requireInteger(it->second, key)));
      } else if (key == "latencyMs") {
        next.latency_ms = static_cast<int>(std::max<int64_t>(0, requireInteger(it->second, key)));
      } else if (key == "rateLimitBurst") {
        const int64_t burst = requireInteger(it->second, key);
        if (burst < 1 || burst > 1'000'000) throw invalidValue("rateLimitBurst must be 1-1000000.");
        next.rate_limit_burst = static_cast<int>(burst);
      } else if (key == "latencyJitterMs") {
        next.latency_jitter_ms =
            static_cast<int>(std::clamp<int64_t>(requireInteger(it->second, key), 0, 600'000));
      } else if (key == "errorRate") {
        next.error_rate = rate(it->second, key);
      } else if (key == "dropRate") {
        next.drop_rate = rate(it->second, key);
      } else if (key == "dropAfterWrite") {
        next.drop_after_write = requireBool(it->second, key);
      } else if (key == "conflictRate") {
        next.conflict_rate = rate(it->second, key);
      } else if (key == "faultSeed") {
        const int64_t seed = requireInteger(it->second, key);
        if (seed < 0) throw invalidValue("faultSeed must be a non-negative integer.");
        next.fault_seed = static_cast<uint64_t>(seed);
        reseed = true;
      } else if (key == "faultTokenEndpoint") {
        next.fault_token_endpoint = requireBool(it->second, key);
      } else if (key == "deleteRequiresQueueCleanup") {
        next.delete_requires_queue_cleanup = requireBool(it->second, key);
      } else {
        throw invalidValue("Unknown config key '" + key + "'.");
      }
    }
    if (next.rate_limit_per_minute != config.rate_limit_per_minute ||
        next.rate_limit_burst != config.rate_limit_burst) {
      for (auto& [token, info] : tokens) info.bucket = -1.0;
    }
    config = next;
    if (reseed) fault_rng.seed(config.fault_seed);
  }

  SimResponse touch(const JsonObject& doc) {
    SimUser* user = nullptr;
    if (hasField(doc, "id")) {
      user = store.liveUserById(requireString(getField(doc, "id"), "id"));
    } else if (hasField(doc, "userName")) {
      user = store.liveUserByUserName(requireString(getField(doc, "userName"), "userName"));
    } else {
      throw invalidValue("touch needs 'id' or 'userName'.");
    }
    if (user == nullptr) throw SimError(404, "", "No such (non-deleted) user.");
    UserFields fields = user->fields;
    bool changed = false;
    for (auto it = doc->begin(); it != doc->end(); ++it) {
      const std::string key = toLower(it->first);
      const Poco::Dynamic::Var& value = it->second;
      if (key == "id" || (key == "username" && !hasField(doc, "id"))) continue;
      changed = true;
      if (key == "title") {
        fields.title = parseOptionalString(value, "title");
      } else if (key == "displayname") {
        fields.display_name = requireString(value, "displayName");
      } else if (key == "active") {
        fields.active = requireBool(value, "active");
      } else if (key == "department") {
        fields.department = parseOptionalString(value, "department");
      } else if (key == "division") {
        fields.division =
            parseOptionalString(value, "division").value_or(std::string(kHomeDivision));
      } else if (key == "externalid") {
        fields.external_id = parseOptionalString(value, "externalId");
      } else if (key == "username") {
        fields.user_name = requireString(value, "userName");
      } else {
        throw invalidValue("touch cannot change '" + it->first + "'.");
      }
    }
    if (changed) {
      store.updateUser(*user, std::move(fields));
    } else {
      store.bumpUser(*user);
    }
    JsonWriter out;
    writeUser(out, *user, store, UserProjection{}, render);
    return bodyResponse(200, kJsonContentType, out.take());
  }

  void addFaults(const JsonObject& doc) {
    std::vector<Poco::Dynamic::Var> items;
    if (hasField(doc, "faults") || hasField(doc, "failNext")) {
      for (const char* key : {"faults", "failNext"}) {
        for (const Poco::Dynamic::Var& item : asList(getField(doc, key))) items.push_back(item);
      }
    } else {
      items.emplace_back(doc);
    }
    std::vector<FaultRule> rules;
    for (const Poco::Dynamic::Var& item : items) {
      if (!isObject(item)) throw invalidValue("Each fault must be an object.");
      const JsonObject object = asObject(item);
      FaultRule rule;
      auto intField = [&](std::string_view name, int fallback) {
        const Poco::Dynamic::Var value = getField(object, name);
        return isNull(value) ? fallback : static_cast<int>(requireInteger(value, name));
      };
      const Poco::Dynamic::Var route = getField(object, "route");
      if (!isNull(route)) rule.route = requireString(route, "route");
      rule.status = intField("status", 503);
      const Poco::Dynamic::Var drop = getField(object, "drop");
      rule.drop = !isNull(drop) && requireBool(drop, "drop");
      rule.retry_after = std::max(0, intField("retryAfter", 1));
      rule.delay_ms = std::max(0, intField("delayMs", 0));
      rule.remaining = intField("count", 1);
      rule.skip = std::max(0, intField("after", 0));
      if (rule.remaining < 1) throw invalidValue("Fault 'count' must be at least 1.");
      if (!rule.drop && (rule.status < 400 || rule.status > 599)) {
        throw invalidValue("Fault 'status' must be a 4xx or 5xx status.");
      }
      rules.push_back(rule);
    }
    faults.insert(faults.end(), rules.begin(), rules.end());
  }

  std::string faultsJson() {
    JsonWriter out;
    out.beginObject().key("faults").beginArray();
    for (const FaultRule& rule : faults) {
      out.beginObject().field("route", rule.route).fieldInt("status", rule.status);
      out.fieldBool("drop", rule.drop).fieldInt("retryAfter", rule.retry_after);
      out.fieldInt("delayMs", rule.delay_ms).fieldInt("count", rule.remaining);
      out.fieldInt("after", rule.skip).endObject();
    }
    out.endArray().endObject();
    return out.take();
  }

  // ---- seeding ------------------------------------------------------------------------------

  struct SeedUser {
    UserFields fields;
    std::optional<std::string> id;
    std::optional<std::string> manager_ref;
    int64_t version = 1;
    bool deleted = false;
    std::vector<std::pair<std::string, std::string>> grants;  // role name, division name or id
  };

  struct SeedNamed {  // a seeded role or division
    std::string name;
    std::optional<std::string> id;
  };

  struct SeedQueue {
    std::string name;
    std::optional<std::string> id;
    std::string division;  // name or id; "" = Home
    std::vector<std::pair<std::string, bool>> members;  // user ref, joined
  };

  struct SeedParticipant {
    std::optional<std::string> user_ref;
    std::string purpose;
  };

  struct SeedConversation {
    std::optional<std::string> id;
    int64_t start_ms = 0;
    int64_t end_ms = 0;
    std::string direction = "inbound";
    std::optional<std::vector<std::string>> division_ids;
    std::vector<SeedParticipant> participants;
  };

  struct SeedGenerator {
    int64_t per_user = 0;
    int64_t days = 0;
    std::optional<int64_t> until_ms;
  };

  static std::vector<SeedNamed> parseNamed(const JsonObject& doc, std::string_view key) {
    std::vector<SeedNamed> list;
    for (const Poco::Dynamic::Var& item : asList(getField(doc, key))) {
      SeedNamed named;
      named.name = seedName(item, key);
      if (named.name.empty()) throw invalidValue(std::string(key) + ": a name is empty.");
      if (isObject(item)) {
        const Poco::Dynamic::Var id = getField(asObject(item), "id");
        if (!isNull(id)) named.id = requireString(id, "id");
      }
      list.push_back(std::move(named));
    }
    return list;
  }

  // A user reference in a seed: a user id or a userName (case-insensitive).
  static std::string userRef(const Poco::Dynamic::Var& item, std::string_view what) {
    if (!isObject(item)) return requireString(item, what);
    const JsonObject object = asObject(item);
    for (const char* key : {"user", "userId", "userName", "id", "value"}) {
      const Poco::Dynamic::Var value = getField(object, key);
      if (!isNull(value)) return requireString(value, what);
    }
    throw invalidValue(std::string(what) + " needs 'user', 'userId' or 'userName'.");
  }

  bool divisionKnown(const std::string& ref, const std::vector<SeedNamed>& seeded) const {
    if (ref.empty() || store.divisionById(ref) || store.divisionByName(ref)) return true;
    if (store.catalog().divisions.empty()) return true;  // anything goes: created by name
    return std::any_of(seeded.begin(), seeded.end(), [&](const SeedNamed& d) {
      return equalsIgnoreCase(d.name, ref) || (d.id && *d.id == ref);
    });
  }

  size_t resolveDivision(const std::string& ref) {
    if (ref.empty()) return 0;
    if (std::optional<size_t> index = store.divisionById(ref)) return *index;
    return store.ensureDivision(ref);
  }

  bool roleKnown(const std::string& name) const {
    return store.catalog().roles.empty() || store.catalog().roles.count(name) != 0 ||
           store.roleByName(name).has_value();
  }

  struct SeedGroup {
    std::string display_name;
    std::optional<std::string> id;
    std::optional<std::string> external_id;
    std::vector<std::string> member_refs;
  };

  // All-or-nothing: everything is parsed and checked before the first write.
  std::string seed(const std::string& body) {
    const JsonObject doc = parseJsonObject(body);
    const Catalog original = store.catalog();
    try {
      return seedChecked(doc);
    } catch (...) {
      store.catalog() = original;
      throw;
    }
  }

  std::string seedChecked(const JsonObject& doc) {
    Catalog& catalog = store.catalog();
    const std::pair<std::string_view, std::set<std::string>*> lists[] = {
        {"skills", &catalog.skills}, {"languages", &catalog.languages}};
    for (const auto& [key, set] : lists) {
      for (const Poco::Dynamic::Var& item : asList(getField(doc, key))) {
        set->insert(seedName(item, key));
      }
    }
    const std::vector<SeedNamed> seed_roles = parseNamed(doc, "roles");
    const std::vector<SeedNamed> seed_divisions = parseNamed(doc, "divisions");
    {
      std::set<std::string> ids;
      for (const SeedNamed& role : seed_roles) {
        if (role.id && (store.roleById(*role.id) || !ids.insert(*role.id).second)) {
          throw invalidValue("roles: id '" + *role.id + "' is already used.");
        }
        const std::optional<size_t> existing = store.roleByName(role.name);
        if (role.id && existing && store.roles()[*existing].id != *role.id) {
          throw invalidValue("roles: role '" + role.name + "' already exists with another id.");
        }
        catalog.roles.insert(role.name);
      }
      for (const SeedNamed& division : seed_divisions) {
        if (division.id && (store.divisionById(*division.id) || !ids.insert(*division.id).second)) {
          throw invalidValue("divisions: id '" + *division.id + "' is already used.");
        }
        catalog.divisions.insert(division.name);
      }
    }

    std::vector<SeedUser> users;
    std::unordered_set<std::string> batch_ids;
    std::unordered_set<std::string> batch_live_ids;
    std::unordered_set<std::string> batch_live_names;
    size_t position = 0;
    for (const Poco::Dynamic::Var& item : asList(getField(doc, "users"))) {
      ++position;
      const std::string where = "users[" + std::to_string(position - 1) + "]: ";
      try {
        if (!isObject(item)) throw invalidValue("must be an object.");
        const JsonObject object = asObject(item);
        SeedUser user;
        user.fields = parseUserDocument(object);
        user.manager_ref = user.fields.manager_id;
        user.fields.manager_id.reset();
        const Poco::Dynamic::Var id = getField(object, "id");
        if (!isNull(id)) user.id = requireString(id, "id");
        const Poco::Dynamic::Var deleted = getField(object, "deleted");
        user.deleted = !isNull(deleted) && requireBool(deleted, "deleted");
        user.version = parseSeedVersion(getField(object, "version"));
        for (const Poco::Dynamic::Var& grant : asList(getField(object, "grants"))) {
          if (!isObject(grant)) throw invalidValue("grants: each grant must be an object.");
          const JsonObject g = asObject(grant);
          const std::string role = requireString(getField(g, "role"), "grants.role");
          const Poco::Dynamic::Var division = getField(g, "division");
          const std::string division_ref =
              isNull(division) ? std::string() : requireString(division, "grants.division");
          if (!roleKnown(role)) throw invalidValue("Unknown role '" + role + "'.");
          if (!divisionKnown(division_ref, seed_divisions)) {
            throw invalidValue("Unknown division '" + division_ref + "'.");
          }
          if (user.deleted) throw invalidValue("a deleted user holds no grants.");
          user.grants.emplace_back(role, division_ref);
        }
        if (user.id) {
          if (user.id->empty() || store.isIdTaken(*user.id) || !batch_ids.insert(*user.id).second) {
            throw invalidValue("id '" + *user.id + "' is already used.");
          }
        }
        if (user.deleted) {
          if (user.fields.user_name.empty())
            throw invalidValue("Attribute 'userName' is required.");
        } else {
          store.validate(user.fields, nullptr, false);
          if (!batch_live_names.insert(toLower(user.fields.user_name)).second) {
            throw SimError(409, "uniqueness", "User name already in use by non-deleted user.");
          }
          if (user.id) batch_live_ids.insert(*user.id);
        }
        users.push_back(std::move(user));
      } catch (const SimError& error) {
        throw SimError(error.status() == 409 ? 400 : error.status(), error.scimType(),
                       where + error.detail());
      }
    }

    auto resolvable = [&](const std::string& ref) {
      return store.liveUserById(ref) != nullptr || batch_live_ids.count(ref) != 0 ||
             store.liveUserByUserName(ref) != nullptr || batch_live_names.count(toLower(ref)) != 0;
    };
    for (size_t i = 0; i < users.size(); ++i) {
      if (users[i].manager_ref && !resolvable(*users[i].manager_ref)) {
        throw invalidValue("users[" + std::to_string(i) + "]: manager '" + *users[i].manager_ref +
                           "' is neither a user id nor a userName.");
      }
    }

    std::vector<SeedGroup> groups;
    std::unordered_set<std::string> batch_group_names;
    position = 0;
    for (const Poco::Dynamic::Var& item : asList(getField(doc, "groups"))) {
      const std::string where = "groups[" + std::to_string(position++) + "]: ";
      if (!isObject(item)) throw invalidValue(where + "must be an object.");
      const JsonObject object = asObject(item);
      SeedGroup group;
      group.display_name = requireString(getField(object, "displayName"), "displayName");
      if (group.display_name.empty()) throw invalidValue(where + "displayName is required.");
      if (store.groupByDisplayName(group.display_name) != nullptr ||
          !batch_group_names.insert(toLower(group.display_name)).second) {
        throw invalidValue(where + "group '" + group.display_name + "' already exists.");
      }
      const Poco::Dynamic::Var id = getField(object, "id");
      if (!isNull(id)) {
        group.id = requireString(id, "id");
        if (group.id->empty() || store.isIdTaken(*group.id) ||
            !batch_ids.insert(*group.id).second) {
          throw invalidValue(where + "id '" + *group.id + "' is already used.");
        }
      }
      group.external_id = parseOptionalString(getField(object, "externalId"), "externalId");
      for (const Poco::Dynamic::Var& member : asList(getField(object, "members"))) {
        std::string ref = isObject(member)
                              ? requireString(getField(asObject(member), "value"), "members.value")
                              : requireString(member, "members");
        if (!resolvable(ref)) {
          throw invalidValue(where + "member '" + ref + "' is neither a user id nor a userName.");
        }
        group.member_refs.push_back(std::move(ref));
      }
      groups.push_back(std::move(group));
    }

    std::vector<SeedQueue> queues;
    std::set<std::string> batch_queue_names;
    position = 0;
    for (const Poco::Dynamic::Var& item : asList(getField(doc, "queues"))) {
      const std::string where = "queues[" + std::to_string(position++) + "]: ";
      if (!isObject(item)) throw invalidValue(where + "must be an object.");
      const JsonObject object = asObject(item);
      SeedQueue queue;
      queue.name = requireString(getField(object, "name"), "name");
      if (queue.name.empty()) throw invalidValue(where + "name is required.");
      if (store.queueByName(queue.name) != nullptr ||
          !batch_queue_names.insert(toLower(queue.name)).second) {
        throw invalidValue(where + "queue '" + queue.name + "' already exists.");
      }
      const Poco::Dynamic::Var id = getField(object, "id");
      if (!isNull(id)) {
        queue.id = requireString(id, "id");
        if (queue.id->empty() || store.queueById(*queue.id) != nullptr ||
            !batch_ids.insert(*queue.id).second) {
          throw invalidValue(where + "id '" + *queue.id + "' is already used.");
        }
      }
      const Poco::Dynamic::Var division = getField(object, "division");
      if (!isNull(division)) queue.division = requireString(division, "division");
      if (!divisionKnown(queue.division, seed_divisions)) {
        throw invalidValue(where + "unknown division '" + queue.division + "'.");
      }
      for (const Poco::Dynamic::Var& member : asList(getField(object, "members"))) {
        std::string ref = userRef(member, "members");
        bool joined = true;
        if (isObject(member)) {
          const Poco::Dynamic::Var value = getField(asObject(member), "joined");
          if (!isNull(value)) joined = requireBool(value, "joined");
        }
        if (!resolvable(ref)) {
          throw invalidValue(where + "member '" + ref + "' is neither a user id nor a userName.");
        }
        queue.members.emplace_back(std::move(ref), joined);
      }
      queues.push_back(std::move(queue));
    }

    // Conversations may name deleted users too (their history outlives them, §3.6).
    std::unordered_set<std::string> batch_any;
    for (const SeedUser& user : users) {
      if (user.id) batch_any.insert(*user.id);
      batch_any.insert(toLower(user.fields.user_name));
    }
    auto resolvableAny = [&](const std::string& ref) {
      return store.userById(ref) != nullptr || store.liveUserByUserName(ref) != nullptr ||
             store.deletedUserByUserName(ref) != nullptr || batch_any.count(ref) != 0 ||
             batch_any.count(toLower(ref)) != 0;
    };
    std::vector<SeedConversation> conversations;
    std::unordered_set<std::string> batch_conversation_ids;
    position = 0;
    for (const Poco::Dynamic::Var& item : asList(getField(doc, "conversations"))) {
      const std::string where = "conversations[" + std::to_string(position++) + "]: ";
      try {
        if (!isObject(item)) throw invalidValue("must be an object.");
        const JsonObject object = asObject(item);
        SeedConversation conversation;
        const Poco::Dynamic::Var id = getField(object, "id");
        if (!isNull(id)) {
          conversation.id = requireString(id, "id");
          if (conversation.id->empty() || store.hasConversation(*conversation.id) ||
              !batch_conversation_ids.insert(*conversation.id).second) {
            throw invalidValue("id '" + *conversation.id + "' is already used.");
          }
        }
        const std::string start =
            requireString(getField(object, "conversationStart"), "conversationStart");
        const std::optional<int64_t> start_ms = parseIsoTimestamp(start);
        if (!start_ms) throw invalidValue("conversationStart '" + start + "' is not ISO-8601.");
        conversation.start_ms = *start_ms;
        conversation.end_ms = *start_ms + 5 * 60 * 1000;
        const Poco::Dynamic::Var end = getField(object, "conversationEnd");
        if (!isNull(end)) {
          const std::optional<int64_t> end_ms =
              parseIsoTimestamp(requireString(end, "conversationEnd"));
          if (!end_ms || *end_ms < *start_ms) {
            throw invalidValue("conversationEnd must be an ISO-8601 time after the start.");
          }
          conversation.end_ms = *end_ms;
        }
        const Poco::Dynamic::Var direction = getField(object, "originatingDirection");
        if (!isNull(direction)) {
          conversation.direction = requireString(direction, "originatingDirection");
        }
        if (hasField(object, "divisionIds")) {
          std::vector<std::string> ids;
          for (const Poco::Dynamic::Var& value : asList(getField(object, "divisionIds"))) {
            ids.push_back(requireString(value, "divisionIds"));
          }
          conversation.division_ids = std::move(ids);
        }
        for (const Poco::Dynamic::Var& ref : asList(getField(object, "users"))) {
          conversation.participants.push_back(SeedParticipant{userRef(ref, "users"), "agent"});
        }
        for (const Poco::Dynamic::Var& value : asList(getField(object, "participants"))) {
          if (!isObject(value)) throw invalidValue("participants must be objects.");
          const JsonObject p = asObject(value);
          SeedParticipant participant;
          const Poco::Dynamic::Var purpose = getField(p, "purpose");
          const bool has_user = hasField(p, "user") || hasField(p, "userId") ||
                                hasField(p, "userName");
          if (has_user) participant.user_ref = userRef(value, "participants");
          participant.purpose = isNull(purpose) ? (has_user ? "agent" : "customer")
                                                : requireString(purpose, "purpose");
          conversation.participants.push_back(std::move(participant));
        }
        for (const SeedParticipant& participant : conversation.participants) {
          if (participant.user_ref && !resolvableAny(*participant.user_ref)) {
            throw invalidValue("participant '" + *participant.user_ref +
                               "' is neither a user id nor a userName.");
          }
        }
        conversations.push_back(std::move(conversation));
      } catch (const SimError& error) {
        throw SimError(400, error.scimType(), where + error.detail());
      }
    }

    std::optional<SeedGenerator> generator;
    if (hasField(doc, "conversationsPerUser") || hasField(doc, "conversationDays")) {
      SeedGenerator g;
      g.per_user = requireInteger(getField(doc, "conversationsPerUser"), "conversationsPerUser");
      g.days = requireInteger(getField(doc, "conversationDays"), "conversationDays");
      if (g.per_user < 0 || g.per_user > 10000) {
        throw invalidValue("conversationsPerUser must be 0-10000.");
      }
      if (g.days < 1 || g.days > 3650) throw invalidValue("conversationDays must be 1-3650.");
      const Poco::Dynamic::Var until = getField(doc, "conversationsUntil");
      if (!isNull(until)) {
        g.until_ms = parseIsoTimestamp(requireString(until, "conversationsUntil"));
        if (!g.until_ms) throw invalidValue("conversationsUntil must be an ISO-8601 time.");
      }
      const uint64_t total = static_cast<uint64_t>(g.per_user) *
                             (store.users().size() + users.size() + 1);
      if (total + store.conversations().size() > 5'000'000) {
        throw invalidValue("genesys-sim holds at most 5,000,000 conversations.");
      }
      generator = g;
    }

    // Commit.
    for (const SeedNamed& division : seed_divisions) store.ensureDivision(division.name, division.id);
    for (const SeedNamed& role : seed_roles) store.ensureRole(role.name, role.id);
    auto resolve = [&](const std::string& ref) -> SimUser& {
      SimUser* user = store.liveUserById(ref);
      if (user == nullptr) user = store.liveUserByUserName(ref);
      return *user;  // checked by resolvable() above
    };
    JsonWriter out;
    out.beginObject().key("users").beginArray();
    std::vector<SimUser*> created;
    for (SeedUser& seed_user : users) {
      SimUser& user = store.createUser(seed_user.fields, seed_user.id, seed_user.version,
                                       seed_user.deleted, false);
      created.push_back(&user);
      out.beginObject().field("id", user.id).field("userName", user.fields.user_name).endObject();
    }
    for (size_t i = 0; i < users.size(); ++i) {
      if (users[i].manager_ref) created[i]->fields.manager_id = resolve(*users[i].manager_ref).id;
      for (const auto& [role, division] : users[i].grants) {
        store.grant(*created[i], store.ensureRole(role), resolveDivision(division));
      }
      created[i]->grants_version = 1;
    }
    out.endArray().key("groups").beginArray();
    for (SeedGroup& seed_group : groups) {
      SimGroup& group =
          store.createGroup(seed_group.display_name, seed_group.id, seed_group.external_id);
      std::vector<size_t> members;
      for (const std::string& ref : seed_group.member_refs) members.push_back(resolve(ref).index);
      store.setGroupMembers(group, members, false);
      out.beginObject().field("id", group.id).field("displayName", group.display_name).endObject();
    }
    out.endArray().key("queues").beginArray();
    for (const SeedQueue& seed_queue : queues) {
      SimQueue& queue =
          store.createQueue(seed_queue.name, resolveDivision(seed_queue.division), seed_queue.id);
      for (const auto& [ref, joined] : seed_queue.members) {
        store.addQueueMember(queue, resolve(ref), joined);
      }
      out.beginObject().field("id", queue.id).field("name", queue.name).endObject();
    }
    out.endArray();
    auto resolveAny = [&](const std::string& ref) -> SimUser& {
      SimUser* user = store.userById(ref);
      if (user == nullptr) user = store.liveUserByUserName(ref);
      if (user == nullptr) user = store.deletedUserByUserName(ref);
      return *user;  // checked by resolvableAny() above
    };
    size_t added = 0;
    for (SeedConversation& seed_conversation : conversations) {
      SimConversation conversation;
      conversation.id = seed_conversation.id ? *seed_conversation.id : store.newConversationId();
      conversation.start_ms = seed_conversation.start_ms;
      conversation.end_ms = seed_conversation.end_ms;
      conversation.direction = seed_conversation.direction;
      conversation.division_ids = seed_conversation.division_ids
                                      ? *seed_conversation.division_ids
                                      : std::vector<std::string>{store.divisions()[0].id};
      const bool has_customer = std::any_of(
          seed_conversation.participants.begin(), seed_conversation.participants.end(),
          [](const SeedParticipant& p) { return !p.user_ref; });
      if (!has_customer) {
        conversation.participants.push_back(
            Participant{store.newParticipantId(), "customer", std::nullopt});
      }
      for (const SeedParticipant& participant : seed_conversation.participants) {
        Participant p{store.newParticipantId(), participant.purpose, std::nullopt};
        if (participant.user_ref) p.user = resolveAny(*participant.user_ref).index;
        conversation.participants.push_back(std::move(p));
      }
      store.addConversation(std::move(conversation));
      ++added;
    }
    if (generator) added += generateConversations(*generator);
    out.fieldInt("conversations", static_cast<int64_t>(added));
    out.field("now", formatTimestamp(store.now())).endObject();
    return out.take();
  }

  // {"conversationsPerUser":N,"conversationDays":D}: N conversations for every user in the
  // store (deleted ones included), spread over the D days before the logical clock's now (or
  // conversationsUntil). Placement comes from a hash of (user index, k), so it repeats exactly.
  size_t generateConversations(const SeedGenerator& g) {
    if (g.per_user == 0) return 0;
    constexpr int64_t kDayMs = 86'400'000;
    const int64_t end = g.until_ms ? *g.until_ms : store.now();
    const int64_t span = g.days * kDayMs;
    const int64_t begin = end - span;
    const int64_t slot = std::max<int64_t>(1, span / g.per_user);
    size_t added = 0;
    const size_t user_count = store.users().size();
    for (size_t u = 0; u < user_count; ++u) {
      const SimUser& user = store.userAt(u);
      const std::optional<size_t> division = store.divisionByName(user.fields.division);
      const std::string& division_id = store.divisions()[division.value_or(0)].id;
      for (int64_t k = 0; k < g.per_user; ++k) {
        uint64_t state = (static_cast<uint64_t>(u) << 20) ^ static_cast<uint64_t>(k);
        const uint64_t h = splitMix(state);
        SimConversation conversation;
        conversation.id = store.newConversationId();
        conversation.start_ms = std::min(end - 1, begin + k * slot +
                                                      static_cast<int64_t>(h % static_cast<uint64_t>(slot)));
        conversation.end_ms = conversation.start_ms + 60'000 +
                              static_cast<int64_t>((h >> 24) % 1'800'000);
        conversation.direction = ((h >> 48) & 1) != 0 ? "outbound" : "inbound";
        conversation.division_ids = {division_id};
        conversation.participants.push_back(
            Participant{store.newParticipantId(), "customer", std::nullopt});
        conversation.participants.push_back(Participant{store.newParticipantId(), "agent", u});
        store.addConversation(std::move(conversation));
        ++added;
      }
    }
    return added;
  }
};

SimService::SimService(const SimOptions& options) : state_(std::make_unique<State>(options)) {}

SimService::~SimService() = default;

void SimService::setBaseUrl(std::string base_url) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->render.base_url = std::move(base_url);
}

SimResponse SimService::handle(const SimRequest& request) {
  const Target target = parseTarget(request.target);
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (isControlPath(target.path)) return state_->control(request, target);
  const Route route = matchRoute(request.method, target.path);
  state_->correlation_id = state_->nextCorrelationId();
  const FaultDraw draw = state_->drawFaults();
  SimResponse response = state_->api(request, target, route, draw);
  state_->count(route.key, response);
  state_->logRequest(request.method, target.path, route.key, response);
  response.headers.emplace_back("ININ-Correlation-Id", state_->correlation_id);
  response.delay += std::chrono::milliseconds(state_->config.latency_ms) + state_->jitterFor(draw);
  return response;
}

std::string SimService::seed(const std::string& json) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  try {
    return state_->seed(json);
  } catch (const SimError& error) {
    throw std::invalid_argument(error.detail());
  }
}

std::string SimService::stateJson(bool stable) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->stateJson(stable);
}

std::string SimService::countersJson() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->countersJson();
}

void SimService::resetCounters() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->resetCounters();
}

void SimService::reset() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->resetAll();
}

}  // namespace scim_agent::sim
