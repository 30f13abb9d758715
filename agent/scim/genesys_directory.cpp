#include "agent/scim/genesys_directory.h"

#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_map>

#include "agent/codec/json_parse.h"
#include "agent/scim/scim_errors.h"
#include "agent/scim/user_codec.h"

namespace scim_agent {

namespace {

constexpr const char* kScimJson = "application/scim+json";
// A listing that never reaches totalResults (a server bug) stops here instead of looping.
constexpr int kMaxPages = 100'000;

std::string encode(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "!#$&'()*+,/:;=?@[]\"%<>\\^`{|} ", out);
  return out;
}

bool equalsIgnoreCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// A SCIM filter string literal: "…" with " and \ escaped (RFC 7644 §3.4.2.2, JSON rules).
std::string filterLiteral(const std::string& s) { return jsonQuote(s); }

std::string joinComma(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

bool isSuccess(int status) { return status >= 200 && status <= 299; }

}  // namespace

// One logical API call; execute() may send it several times.
struct GenesysDirectory::Call {
  std::string method;
  std::string collection;  // "/Users" or "/Groups": the counter key
  std::string path;        // below the SCIM base, e.g. "/Users/9f0c…"
  std::vector<std::pair<std::string, std::string>> query;  // unencoded
  std::optional<std::string> body;
  std::string if_match;
  bool retryable = false;

  // "/Users?startIndex=26&count=25&filter=active eq false": the route as error messages show it.
  std::string route() const {
    std::string out = path;
    char sep = '?';
    for (const auto& [k, v] : query) {
      out += sep + k + "=" + v;
      sep = '&';
    }
    return out;
  }
};

GenesysDirectory::GenesysDirectory(HttpTransport& transport, TokenSource& tokens,
                                   DirectoryOptions options)
    : transport_(transport),
      tokens_(tokens),
      options_(std::move(options)),
      base_url_(options_.api_base),
      pacer_(options_.requests_per_minute, options_.burst, options_.now,
             [this](std::chrono::milliseconds d) { sleepFor(d); }) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  base_url_ += "/api/v2/scim/v2";
  if (options_.max_tries < 1) options_.max_tries = 1;
}

DirectoryCounters GenesysDirectory::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

void GenesysDirectory::resetCounters() {
  std::lock_guard<std::mutex> lock(mu_);
  counters_ = DirectoryCounters{};
}

void GenesysDirectory::count(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  ++counters_.requests[key];
  ++counters_.total;
}

void GenesysDirectory::sleepFor(std::chrono::milliseconds d) {
  if (d.count() <= 0) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    counters_.waited += d;
  }
  options_.sleep(d);
}

Result<HttpResponse> GenesysDirectory::execute(const Call& call) {
  HttpRequest request;
  request.method = call.method;
  request.url = base_url_ + call.path;
  char sep = '?';
  for (const auto& [k, v] : call.query) {
    request.url += sep + k + "=" + encode(v);
    sep = '&';
  }
  request.headers.set("Accept", kScimJson);
  if (call.body) {
    request.headers.set("Content-Type", kScimJson);
    request.body = *call.body;
  }
  if (!call.if_match.empty()) request.headers.set("If-Match", call.if_match);

  const std::string counter_key = call.method + " " + call.collection;
  bool refreshed = false;
  bool elevated = false;
  int tries = 0;
  // Waits before the next try; false when the budget is spent.
  auto backoff = [&](const Error& error) {
    if (tries >= options_.max_tries) return false;
    std::chrono::milliseconds wait;
    if (error.code == ErrorCode::kRateLimited) {
      const int retry_after = error.retry_after_seconds >= 0
                                  ? error.retry_after_seconds
                                  : static_cast<int>(options_.default_retry_after.count());
      if (retry_after > options_.max_retry_after.count()) return false;
      wait = std::chrono::seconds(retry_after) +
             std::chrono::milliseconds(static_cast<int64_t>(options_.random() * 500));
    } else {
      const double base_ms = static_cast<double>(options_.first_backoff.count()) *
                             std::pow(options_.backoff_factor, tries - 1);
      wait = std::chrono::milliseconds(
          static_cast<int64_t>(base_ms * (0.75 + 0.5 * options_.random())));
      if (error.retry_after_seconds > 0) {
        if (error.retry_after_seconds > options_.max_retry_after.count()) return false;
        wait = std::max<std::chrono::milliseconds>(wait,
                                                   std::chrono::seconds(error.retry_after_seconds));
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++counters_.retries;
    }
    sleepFor(wait);
    return true;
  };
  auto annotate = [&](Error e) {
    if (tries > 1) e.message += " (after " + std::to_string(tries) + " tries)";
    return e;
  };

  for (;;) {
    ++tries;
    pacer_.acquire();

    TokenSource& source = elevated ? *options_.elevated_tokens : tokens_;
    Result<std::string> token = source.token();
    if (!token.ok()) {
      // Nothing was sent, so even a POST may try again when the token endpoint was busy.
      Error e = token.error();
      e.message = call.method + " " + call.route() + ": " + e.message;
      if ((e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kRateLimited) && backoff(e)) {
        continue;
      }
      return annotate(e);
    }
    request.headers.set("Authorization", "Bearer " + *token);

    count(counter_key);
    Result<HttpResponse> response = transport_.send(request);
    if (!response.ok()) {
      Error e = response.error();  // its message names the method and URL already
      if (e.code == ErrorCode::kUnavailable) {
        if (call.retryable && backoff(e)) continue;
        if (call.method == "POST") e.message += " (outcome unknown: the request may have been applied)";
      }
      return annotate(e);
    }
    if (isSuccess(response->status)) return std::move(response).value();

    if (response->status == 401 && !refreshed) {
      // Expired or revoked token: a fresh one, once (genesys-api.md §1.4). The request was
      // refused, so re-sending is safe for every method.
      refreshed = true;
      source.invalidate(*token);
      std::lock_guard<std::mutex> lock(mu_);
      ++counters_.token_refreshes;
      --tries;
      continue;
    }
    if (response->status == 403 && !elevated && options_.elevated_tokens != nullptr) {
      elevated = true;
      refreshed = false;
      std::lock_guard<std::mutex> lock(mu_);
      ++counters_.elevated;
      --tries;
      continue;
    }

    Error e = errorFromResponse(call.method, call.route(), *response);
    if (e.code == ErrorCode::kUnauthorized) e.message += " (with a freshly issued token)";
    // A 429 was refused by the rate limiter before anything was done ("Retry the request in [N]
    // seconds", genesys-api.md §7), so it is re-sent for every method, a POST included. A 5xx
    // may have been applied: only idempotent calls are re-sent here.
    if (response->status == 429 && backoff(e)) continue;
    const bool transient = response->status == 502 || response->status == 503 ||
                           response->status == 504;
    if (transient && call.retryable && backoff(e)) continue;
    return annotate(e);
  }
}

Result<LiveUser> GenesysDirectory::parseUser(const Call& call, const HttpResponse& response,
                                             const std::vector<std::string>& excluded) {
  Result<Json> json = parseJson(response.body);
  if (!json.ok()) {
    return Error(ErrorCode::kInvalidInput, call.method + " " + call.route() + " → " +
                                               std::to_string(response.status) + ": " +
                                               json.error().message);
  }
  Result<LiveUser> user = liveUserFromScim(*json, excluded);
  if (!user.ok()) {
    Error e = user.error();
    e.message = call.method + " " + call.route() + " → " + std::to_string(response.status) + ": " +
                e.message;
    return e;
  }
  return user;
}

Result<std::vector<Json>> GenesysDirectory::listResources(
    const std::string& collection, std::vector<std::pair<std::string, std::string>> query,
    int page_size) {
  if (page_size < 1) page_size = 25;
  std::vector<Json> resources;
  std::unordered_map<std::string, size_t> position;  // id → index in resources
  int64_t start = 1;
  for (int page = 0; page < kMaxPages; ++page) {
    Call call;
    call.method = "GET";
    call.collection = collection;
    call.path = collection;
    call.query = {{"startIndex", std::to_string(start)}, {"count", std::to_string(page_size)}};
    call.query.insert(call.query.end(), query.begin(), query.end());
    call.retryable = true;
    Result<HttpResponse> response = execute(call);
    if (!response.ok()) return response.error();

    Result<Json> json = parseJson(response->body);
    if (!json.ok() || !json->isObject()) {
      return Error(ErrorCode::kInvalidInput,
                   "GET " + call.route() + " → " + std::to_string(response->status) +
                       ": not a SCIM list response" +
                       (json.ok() ? std::string() : ": " + json.error().message));
    }
    const Json& list = json->get("Resources");
    const int64_t total = static_cast<int64_t>(json->getNumber("totalResults", 0));
    const size_t received = list.isArray() ? list.asArray().size() : 0;
    if (received > 0) {
      for (const Json& item : list.asArray()) {
        const std::string id = item.getString("id");
        // A listing that shifts while it is read (a user created or deactivated meanwhile) may
        // show a user on two pages: keep it once, as last read.
        if (auto it = position.find(id); !id.empty() && it != position.end()) {
          resources[it->second] = item;
        } else {
          if (!id.empty()) position[id] = resources.size();
          resources.push_back(item);
        }
      }
    }
    // Next page: startIndex + itemsPerPage (genesys-api.md §2.3). An empty page ends the read
    // even when totalResults says more: the listing shrank while it was read.
    int64_t step = static_cast<int64_t>(json->getNumber("itemsPerPage", 0));
    if (step <= 0 || step > static_cast<int64_t>(received)) step = static_cast<int64_t>(received);
    if (received == 0 || start + step > total) return resources;
    start += step;
  }
  return Error(ErrorCode::kUnavailable, "GET " + collection + ": listing did not end after " +
                                            std::to_string(kMaxPages) + " pages");
}

Result<std::vector<LiveUser>> GenesysDirectory::listUsers(const ListOptions& options) {
  std::vector<std::pair<std::string, std::string>> query;
  // Without a filter Genesys lists active users only (genesys-api.md §2.3).
  if (options.inactive) query.emplace_back("filter", "active eq false");
  if (!options.excluded_attributes.empty()) {
    query.emplace_back("excludedAttributes", joinComma(options.excluded_attributes));
  }
  Result<std::vector<Json>> resources = listResources("/Users", query, options.page_size);
  if (!resources.ok()) return resources.error();
  std::vector<LiveUser> users;
  users.reserve(resources->size());
  for (const Json& resource : *resources) {
    Result<LiveUser> user = liveUserFromScim(resource, options.excluded_attributes);
    if (!user.ok()) {
      Error e = user.error();
      e.message = "GET /Users" + std::string(options.inactive ? " (inactive)" : "") + ": " +
                  e.message;
      return e;
    }
    users.push_back(std::move(user).value());
  }
  return users;
}

Result<std::vector<Group>> GenesysDirectory::listGroups() {
  Result<std::vector<Json>> resources =
      listResources("/Groups", {{"excludedAttributes", "members"}}, 25);
  if (!resources.ok()) return resources.error();
  std::vector<Group> groups;
  groups.reserve(resources->size());
  for (const Json& resource : *resources) {
    Group group = groupFromScim(resource);
    if (group.id.empty()) {
      return Error(ErrorCode::kInvalidInput, "GET /Groups: malformed SCIM group: missing id");
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

Result<std::optional<LiveUser>> GenesysDirectory::findUserByUserName(const std::string& user_name) {
  Call call;
  call.method = "GET";
  call.collection = "/Users";
  call.path = "/Users";
  call.query = {{"filter", "userName eq " + filterLiteral(user_name)}};
  call.retryable = true;
  Result<HttpResponse> response = execute(call);
  if (!response.ok()) return response.error();
  Result<Json> json = parseJson(response->body);
  if (!json.ok() || !json->isObject()) {
    return Error(ErrorCode::kInvalidInput,
                 "GET " + call.route() + " → " + std::to_string(response->status) +
                     ": not a SCIM list response");
  }
  const Json& list = json->get("Resources");
  if (!list.isArray()) return std::optional<LiveUser>();
  for (const Json& resource : list.asArray()) {
    // The filter is the server's; check the match ourselves rather than trust it.
    if (!equalsIgnoreCase(resource.getString("userName"), user_name)) continue;
    Result<LiveUser> user = liveUserFromScim(resource);
    if (!user.ok()) {
      Error e = user.error();
      e.message = "GET " + call.route() + ": " + e.message;
      return e;
    }
    return std::optional<LiveUser>(std::move(user).value());
  }
  return std::optional<LiveUser>();
}

Result<LiveUser> GenesysDirectory::getUser(const std::string& id) {
  Call call;
  call.method = "GET";
  call.collection = "/Users";
  call.path = "/Users/" + encode(id);
  call.retryable = true;
  Result<HttpResponse> response = execute(call);
  if (!response.ok()) return response.error();
  return parseUser(call, *response);
}

Result<LiveUser> GenesysDirectory::createUser(const Json& body) {
  Call call;
  call.method = "POST";
  call.collection = "/Users";
  call.path = "/Users";
  call.body = body.dump();
  call.retryable = false;  // never blindly (SPEC §9): the caller looks the user up first
  Result<HttpResponse> response = execute(call);
  if (!response.ok()) return response.error();
  return parseUser(call, *response);
}

Result<LiveUser> GenesysDirectory::patchUser(const std::string& id, const std::string& if_match,
                                             const std::vector<PatchOp>& ops) {
  Call call;
  call.method = "PATCH";
  call.collection = "/Users";
  call.path = "/Users/" + encode(id);
  call.body = patchRequestBody(ops).dump();
  call.if_match = if_match;
  // With If-Match a repeat cannot apply twice: it is refused by version instead.
  call.retryable = !if_match.empty();
  Result<HttpResponse> response = execute(call);
  if (!response.ok()) return response.error();
  // Genesys answers 200 with the full user (genesys-api.md §5.1); tolerate an empty 204.
  if (response->body.empty()) return getUser(id);
  return parseUser(call, *response);
}

Status GenesysDirectory::deleteUser(const std::string& id, const std::string& if_match) {
  Call call;
  call.method = "DELETE";
  call.collection = "/Users";
  call.path = "/Users/" + encode(id);
  call.if_match = if_match;
  call.retryable = true;
  Result<HttpResponse> response = execute(call);
  if (!response.ok()) {
    // Already gone, possibly by our own earlier try whose answer was lost (SPEC §9).
    if (response.error().code == ErrorCode::kNotFound) return Status::success();
    return response.error();
  }
  return Status::success();
}

Status GenesysDirectory::patchGroupMembers(const std::string& group_id,
                                           const std::vector<std::string>& add_ids,
                                           const std::vector<std::string>& remove_ids) {
  if (add_ids.empty() && remove_ids.empty()) return Status::success();
  Call call;
  call.method = "PATCH";
  call.collection = "/Groups";
  call.path = "/Groups/" + encode(group_id);
  call.body = groupMembersPatchBody(add_ids, remove_ids).dump();
  call.retryable = true;  // membership add/remove has set semantics: repeating is harmless
  Result<HttpResponse> response = execute(call);
  if (!response.ok()) return response.error();
  return Status::success();
}

}  // namespace scim_agent
