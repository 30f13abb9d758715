#include "agent/scim/genesys_platform.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include <Poco/String.h>

namespace scim_agent {

namespace {

// A listing that never reaches its pageCount (a server bug) stops here instead of looping.
constexpr int kMaxPages = 10'000;
// genesys-api.md §8.4: "paging {pageSize, pageNumber}"; 100 is the commonly cited maximum.
constexpr int kMaxConversationPageSize = 100;
// GET /api/v2/users: the doc names no maximum (§8.5); 100 is what the other listings allow.
constexpr int kMaxUserPageSize = 100;

std::string encode(const std::string& s) { return GenesysClient::encode(s); }

ApiCall platformCall(std::string method, std::string route_template, std::string path) {
  ApiCall call;
  call.method = std::move(method);
  call.route_template = std::move(route_template);
  call.path = std::move(path);
  call.media_type = "application/json";
  // Every Platform call scim-agent makes is safe to repeat (see genesys_platform.h).
  call.retryable = true;
  return call;
}

// kInvalidInput before anything is sent: "DELETE /api/v2/tokens/{userId}: empty userId".
Error invalidArgument(const ApiCall& call, const std::string& what) {
  return Error(ErrorCode::kInvalidInput, call.method + " " + call.route_template + ": " + what);
}

Error malformed(const ApiCall& call, const HttpResponse& response, const std::string& why) {
  return Error(ErrorCode::kInvalidInput, call.method + " " + call.route() + " → " +
                                             std::to_string(response.status) + ": " + why);
}

// The response body as a JSON object, or kInvalidInput naming what it should have been.
Result<Json> readObject(const ApiCall& call, const HttpResponse& response, const char* model) {
  Result<Json> json = GenesysClient::parseBody(call, response);
  if (!json.ok()) return json.error();
  if (!json->isObject()) return malformed(call, response, std::string("not a ") + model);
  return json;
}

// The array member `key`: empty when absent or null, kInvalidInput when something else.
Result<Json::Array> readArray(const ApiCall& call, const HttpResponse& response, const Json& body,
                              const std::string& key) {
  const Json& value = body.get(key);
  if (value.isNull()) return Json::Array{};
  if (!value.isArray()) return malformed(call, response, "\"" + key + "\" is not an array");
  return value.asArray();
}

Status succeededOrGone(const Result<HttpResponse>& response) {
  // Already gone, possibly by our own earlier try whose answer was lost (SPEC §9).
  if (!response.ok() && response.error().code != ErrorCode::kNotFound) return response.error();
  return Status::success();
}

}  // namespace

GenesysPlatform::GenesysPlatform(std::shared_ptr<GenesysClient> client, PlatformOptions options)
    : client_(std::move(client)), options_(options) {
  options_.queue_page_size = std::max(1, options_.queue_page_size);
  options_.grants_per_request = std::max(1, options_.grants_per_request);
}

GenesysPlatform::GenesysPlatform(HttpTransport& transport, TokenSource& tokens,
                                 GenesysClientOptions options, PlatformOptions platform_options)
    : GenesysPlatform(std::make_shared<GenesysClient>(transport, tokens, std::move(options)),
                      platform_options) {}

Result<std::vector<QueueMembership>> GenesysPlatform::listQueues(const std::string& user_id,
                                                                 bool joined) {
  std::vector<QueueMembership> queues;
  int64_t seen = 0;
  for (int page = 1; page <= kMaxPages; ++page) {
    ApiCall call = platformCall("GET", "/api/v2/users/{userId}/queues",
                                "/api/v2/users/" + encode(user_id) + "/queues");
    call.query = {{"pageSize", std::to_string(options_.queue_page_size)},
                  {"pageNumber", std::to_string(page)},
                  {"joined", joined ? "true" : "false"}};
    Result<HttpResponse> response = client_->send(call);
    if (!response.ok()) return response.error();
    Result<Json> json = readObject(call, *response, "UserQueueEntityListing");
    if (!json.ok()) return json.error();
    Result<Json::Array> entities = readArray(call, *response, *json, "entities");
    if (!entities.ok()) return entities.error();
    for (const Json& entity : *entities) {
      QueueMembership queue;
      queue.queue_id = entity.getString("id");
      if (queue.queue_id.empty()) return malformed(call, *response, "a queue without an id");
      queue.queue_name = entity.getString("name");
      queue.joined = entity.getBool("joined", joined);
      queues.push_back(std::move(queue));
    }
    // The last page: pageCount when sent, else total, else a short page. An empty page ends the
    // read whatever they say (the listing shrank while it was read).
    seen += static_cast<int64_t>(entities->size());
    const auto page_count = static_cast<int64_t>(json->getNumber("pageCount", -1));
    const auto total = static_cast<int64_t>(json->getNumber("total", -1));
    if (entities->empty()) return queues;
    if (page_count >= 0) {
      if (page >= page_count) return queues;
    } else if (total >= 0) {
      if (seen >= total) return queues;
    } else if (static_cast<int64_t>(entities->size()) < options_.queue_page_size) {
      return queues;
    }
  }
  return Error(ErrorCode::kUnavailable, "GET /api/v2/users/" + encode(user_id) +
                                            "/queues: listing did not end after " +
                                            std::to_string(kMaxPages) + " pages");
}

Result<std::vector<QueueMembership>> GenesysPlatform::listUserQueues(const std::string& user_id) {
  if (user_id.empty()) {
    return invalidArgument(platformCall("GET", "/api/v2/users/{userId}/queues", ""),
                           "empty userId");
  }
  // joined defaults to true, so one listing misses the queues the user is a member of but has
  // not joined (genesys-api.md §8.1).
  std::map<std::string, QueueMembership> by_id;
  for (const bool joined : {true, false}) {
    Result<std::vector<QueueMembership>> queues = listQueues(user_id, joined);
    if (!queues.ok()) return queues.error();
    for (QueueMembership& queue : *queues) by_id.try_emplace(queue.queue_id, std::move(queue));
  }
  std::vector<QueueMembership> out;
  out.reserve(by_id.size());
  for (auto& [id, queue] : by_id) out.push_back(std::move(queue));
  return out;
}

Status GenesysPlatform::removeFromQueue(const std::string& queue_id, const std::string& user_id) {
  ApiCall call = platformCall("POST", "/api/v2/routing/queues/{queueId}/members",
                              "/api/v2/routing/queues/" + encode(queue_id) + "/members");
  if (queue_id.empty() || user_id.empty()) return invalidArgument(call, "empty queueId or userId");
  call.query = {{"delete", "true"}};
  Json member = Json::object();
  member["id"] = user_id;
  call.body = Json(Json::Array{member}).dump();
  return succeededOrGone(client_->send(call));
}

Result<std::vector<RoleGrant>> GenesysPlatform::listGrants(const std::string& user_id) {
  ApiCall call = platformCall("GET", "/api/v2/authorization/subjects/{subjectId}",
                              "/api/v2/authorization/subjects/" + encode(user_id));
  if (user_id.empty()) return invalidArgument(call, "empty subjectId");
  call.query = {{"includeDuplicates", "false"}};
  Result<HttpResponse> response = client_->send(call);
  if (!response.ok()) return response.error();
  Result<Json> json = readObject(call, *response, "AuthzSubject");
  if (!json.ok()) return json.error();
  Result<Json::Array> items = readArray(call, *response, *json, "grants");
  if (!items.ok()) return items.error();
  std::vector<RoleGrant> grants;
  for (const Json& item : *items) {
    RoleGrant grant;
    grant.role_id = item.get("role").getString("id");
    grant.role_name = item.get("role").getString("name");
    grant.division_id = item.get("division").getString("id");
    if (grant.role_id.empty() || grant.division_id.empty()) {
      return malformed(call, *response, "a grant without a role id or a division id");
    }
    grants.push_back(std::move(grant));
  }
  auto key = [](const RoleGrant& g) { return std::tie(g.role_id, g.division_id, g.role_name); };
  std::sort(grants.begin(), grants.end(),
            [&](const RoleGrant& a, const RoleGrant& b) { return key(a) < key(b); });
  grants.erase(std::unique(grants.begin(), grants.end()), grants.end());
  return grants;
}

Status GenesysPlatform::removeGrants(const std::string& user_id,
                                     const std::vector<RoleGrant>& grants) {
  if (grants.empty()) return Status::success();
  const std::string path = "/api/v2/authorization/subjects/" + encode(user_id) + "/bulkremove";
  const std::string route_template = "/api/v2/authorization/subjects/{subjectId}/bulkremove";
  if (user_id.empty()) {
    return invalidArgument(platformCall("POST", route_template, path), "empty subjectId");
  }
  // A grant is (role, division): the name plays no part, and a pair is sent once.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const RoleGrant& grant : grants) pairs.emplace_back(grant.role_id, grant.division_id);
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());

  const auto batch = static_cast<size_t>(options_.grants_per_request);
  for (size_t from = 0; from < pairs.size(); from += batch) {
    Json list = Json::array();
    for (size_t i = from; i < std::min(pairs.size(), from + batch); ++i) {
      Json grant = Json::object();
      grant["roleId"] = pairs[i].first;
      grant["divisionId"] = pairs[i].second;
      list.push(std::move(grant));
    }
    Json body = Json::object();
    body["grants"] = std::move(list);
    ApiCall call = platformCall("POST", route_template, path);
    call.body = body.dump();
    Result<HttpResponse> response = client_->send(call);
    if (!response.ok()) return response.error();
  }
  return Status::success();
}

Status GenesysPlatform::revokeTokens(const std::string& user_id) {
  ApiCall call =
      platformCall("DELETE", "/api/v2/tokens/{userId}", "/api/v2/tokens/" + encode(user_id));
  // An empty id would address DELETE /api/v2/tokens/, and "me" the agent's own token (§8.3).
  if (user_id.empty() || user_id == "me") return invalidArgument(call, "not a user id: " + user_id);
  return succeededOrGone(client_->send(call));
}

Result<ConversationPage> GenesysPlatform::queryConversations(const std::string& user_id,
                                                             const std::string& interval,
                                                             int page_number, int page_size) {
  ApiCall call = platformCall("POST", "/api/v2/analytics/conversations/details/query",
                              "/api/v2/analytics/conversations/details/query");
  if (user_id.empty()) return invalidArgument(call, "empty userId");
  if (interval.find('/') == std::string::npos) {
    return invalidArgument(call, "interval \"" + interval + "\" is not <start>/<end>");
  }
  if (page_number < 1 || page_size < 1 || page_size > kMaxConversationPageSize) {
    return invalidArgument(call, "page " + std::to_string(page_number) + " of size " +
                                     std::to_string(page_size) + " (pages from 1, size 1 to " +
                                     std::to_string(kMaxConversationPageSize) + ")");
  }
  // ConversationQuery as in genesys-api.md §8.4.
  Json predicate = Json::object();
  predicate["type"] = "dimension";
  predicate["dimension"] = "userId";
  predicate["operator"] = "matches";
  predicate["value"] = user_id;
  Json filter = Json::object();
  filter["type"] = "and";
  filter["predicates"] = Json(Json::Array{predicate});
  Json paging = Json::object();
  paging["pageSize"] = page_size;
  paging["pageNumber"] = page_number;
  Json body = Json::object();
  body["interval"] = interval;
  body["order"] = "asc";
  body["orderBy"] = "conversationStart";
  body["paging"] = std::move(paging);
  body["segmentFilters"] = Json(Json::Array{filter});
  call.body = body.dump();

  Result<HttpResponse> response = client_->send(call);
  if (!response.ok()) return response.error();
  Result<Json> json = readObject(call, *response, "AnalyticsConversationQueryResponse");
  if (!json.ok()) return json.error();
  // Genesys leaves `conversations` out of a page with nothing on it.
  Result<Json::Array> conversations = readArray(call, *response, *json, "conversations");
  if (!conversations.ok()) return conversations.error();
  ConversationPage page;
  page.conversations = std::move(conversations).value();
  page.total_hits = static_cast<int64_t>(json->getNumber("totalHits", 0));
  return page;
}

Result<std::optional<DeletedUser>> GenesysPlatform::findDeletedUser(const std::string& user_name) {
  ApiCall call = platformCall("POST", "/api/v2/users/search", "/api/v2/users/search");
  if (user_name.empty()) return invalidArgument(call, "empty email");
  // UserSearchRequest (genesys-api.md §8.5): the email, among deleted users only.
  Json email = Json::object();
  email["fields"] = Json(Json::Array{"email"});
  email["value"] = user_name;
  email["type"] = "EXACT";
  Json state = Json::object();
  state["fields"] = Json(Json::Array{"state"});
  state["values"] = Json(Json::Array{"deleted"});
  state["type"] = "EXACT";
  Json body = Json::object();
  body["pageSize"] = 25;
  body["pageNumber"] = 1;
  body["query"] = Json(Json::Array{email, state});
  call.body = body.dump();

  Result<HttpResponse> response = client_->send(call);
  if (!response.ok()) return response.error();
  Result<Json> json = readObject(call, *response, "UsersSearchResponse");
  if (!json.ok()) return json.error();
  Result<Json::Array> results = readArray(call, *response, *json, "results");
  if (!results.ok()) return results.error();
  std::optional<DeletedUser> found;
  for (const Json& result : *results) {
    // The search is the server's; check the match ourselves rather than trust it.
    if (Poco::icompare(result.getString("email"), user_name) != 0) continue;
    if (result.has("state") && result.getString("state") != "deleted") continue;
    DeletedUser user;
    user.id = result.getString("id");
    if (user.id.empty()) return malformed(call, *response, "a user without an id");
    user.email = result.getString("email");
    user.name = result.getString("name");
    user.version = static_cast<int64_t>(result.getNumber("version", 0));
    // The same login deleted more than once: the latest.
    if (!found || user.version > found->version) found = std::move(user);
  }
  return found;
}

Result<DeletedUserPage> GenesysPlatform::listDeletedUsers(int page_number, int page_size) {
  ApiCall call = platformCall("GET", "/api/v2/users", "/api/v2/users");
  if (page_number < 1 || page_size < 1 || page_size > kMaxUserPageSize) {
    return invalidArgument(call, "page " + std::to_string(page_number) + " of size " +
                                     std::to_string(page_size) + " (pages from 1, size 1 to " +
                                     std::to_string(kMaxUserPageSize) + ")");
  }
  // The Platform listing of users in one state (genesys-api.md §3.6, §8.5).
  call.query = {{"state", "deleted"},
                {"pageSize", std::to_string(page_size)},
                {"pageNumber", std::to_string(page_number)}};
  Result<HttpResponse> response = client_->send(call);
  if (!response.ok()) return response.error();
  Result<Json> json = readObject(call, *response, "UserEntityListing");
  if (!json.ok()) return json.error();
  Result<Json::Array> entities = readArray(call, *response, *json, "entities");
  if (!entities.ok()) return entities.error();
  DeletedUserPage page;
  page.entities = static_cast<int64_t>(entities->size());
  // Absent or null paging fields are -1 (not stated); anything else but a number is malformed.
  for (const auto& [key, field] : {std::pair{"pageSize", &page.page_size},
                                   std::pair{"pageNumber", &page.page_number},
                                   std::pair{"total", &page.total},
                                   std::pair{"pageCount", &page.page_count}}) {
    const Json& value = json->get(key);
    if (value.isNull()) continue;
    if (!value.isNumber()) return malformed(call, *response, std::string(key) + " is not a number");
    *field = static_cast<int64_t>(value.asNumber());
  }
  for (const Json& entity : *entities) {
    // The listing is the server's; check the state ourselves, as findDeletedUser does.
    if (entity.has("state") && entity.getString("state") != "deleted") continue;
    DeletedUser user;
    user.id = entity.getString("id");
    if (user.id.empty()) return malformed(call, *response, "a user without an id");
    user.email = entity.getString("email");
    if (user.email.empty()) user.email = entity.getString("username");
    user.name = entity.getString("name");
    user.version = static_cast<int64_t>(entity.getNumber("version", 0));
    page.users.push_back(std::move(user));
  }
  return page;
}

Result<std::vector<std::string>> GenesysPlatform::listNames(const std::string& path) {
  constexpr int kPageSize = 100;
  constexpr int64_t kMaxPages = 1000;
  ApiCall call = platformCall("GET", path, path);
  if (path != "/api/v2/authorization/roles" && path != "/api/v2/authorization/divisions" &&
      path != "/api/v2/routing/skills" && path != "/api/v2/routing/languages") {
    return invalidArgument(call, "not a name listing");
  }
  std::vector<std::string> names;
  for (int64_t page = 1;; ++page) {
    call.query = {{"pageSize", std::to_string(kPageSize)}, {"pageNumber", std::to_string(page)}};
    Result<HttpResponse> response = client_->send(call);
    if (!response.ok()) return response.error();
    Result<Json> json = readObject(call, *response, "EntityListing");
    if (!json.ok()) return json.error();
    Result<Json::Array> entities = readArray(call, *response, *json, "entities");
    if (!entities.ok()) return entities.error();
    for (const Json& entity : *entities) {
      const std::string name = entity.getString("name");
      if (!name.empty()) names.push_back(name);
    }
    const Json& count = json->get("pageCount");
    // Without pageCount, an empty or short page is the last.
    const bool last = count.isNumber() ? page >= static_cast<int64_t>(count.asNumber())
                                       : entities->size() < static_cast<size_t>(kPageSize);
    if (last || entities->empty()) break;
    if (page >= kMaxPages) return malformed(call, *response, "more than 1000 pages");
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Status GenesysPlatform::restoreUser(const std::string& id, int64_t version) {
  ApiCall call = platformCall("PATCH", "/api/v2/users/{userId}", "/api/v2/users/" + encode(id));
  if (id.empty()) return invalidArgument(call, "empty userId");
  Json body = Json::object();
  body["state"] = "active";
  body["version"] = version;
  call.body = body.dump();
  Result<HttpResponse> response = client_->send(call);
  if (response.ok()) return Status::success();
  Error e = response.error();
  // errorFromResponse makes a 409 on PATCH kStale; the Platform may instead answer 400 with a
  // message about the version (genesys-api.md §4; the wording is not documented).
  const std::string detail = Poco::toLower(e.message.substr(e.message.find(" → ") + 1));
  if (e.code == ErrorCode::kRejected && e.http_status == 400 &&
      detail.find("version") != std::string::npos) {
    e.code = ErrorCode::kStale;
  }
  return e;
}

DeletedListing readDeletedListing(PlatformDirectory& platform, int64_t max_pages, int page_size) {
  DeletedListing out;
  std::set<std::string> ids;
  int64_t size = page_size;
  int64_t page_count = -1;
  int64_t listed = 0;
  auto fail = [&](std::string why) {
    out.problem = std::move(why);
    return out;
  };
  for (int64_t page = 1;; ++page) {
    if (page > kMaxPages) {
      return fail("the listing did not end after " + std::to_string(kMaxPages) + " pages");
    }
    Result<DeletedUserPage> got = platform.listDeletedUsers(static_cast<int>(page), page_size);
    if (!got.ok()) return fail(got.error().message);
    ++out.pages_read;
    DeletedUserPage& p = *got;
    const std::string at = "page " + std::to_string(page);
    if (p.page_number >= 0 && p.page_number != page) {
      return fail(at + " came back as page " + std::to_string(p.page_number));
    }
    if (page == 1) {
      // A server may give fewer per page than asked: its own pageSize is the unit.
      size = p.page_size > 0 ? p.page_size : page_size;
      out.total = p.total;
      page_count = p.page_count;
      out.pages = page_count >= 0 ? page_count : p.total >= 0 ? (p.total + size - 1) / size : -1;
      if (out.pages > max_pages) {
        out.too_long = true;
        return out;
      }
    } else if (p.total != out.total) {
      return fail("the total changed from " + std::to_string(out.total) + " to " +
                  std::to_string(p.total) + " at " + at);
    } else if (p.page_count != page_count) {
      return fail("pageCount changed from " + std::to_string(page_count) + " to " +
                  std::to_string(p.page_count) + " at " + at);
    } else if (p.page_size > 0 && p.page_size != size) {
      return fail("the page size changed from " + std::to_string(size) + " to " +
                  std::to_string(p.page_size) + " at " + at);
    }
    for (DeletedUser& u : p.users) {
      if (!ids.insert(u.id).second) {
        return fail("user " + u.id + " listed twice (again on " + at + ")");
      }
      out.users.push_back(std::move(u));
    }
    listed += p.entities;
    // The last page: by the stated count when there is one, else the first short page.
    const bool last = out.pages >= 0 ? page >= out.pages : p.entities < size;
    if (!last && p.entities < size) {
      return fail(at + " of " + std::to_string(out.pages) + " held " + std::to_string(p.entities) +
                  " users, not " + std::to_string(size));
    }
    if (last) {
      if (out.total >= 0 && listed != out.total) {
        return fail(std::to_string(listed) + " users listed of a stated total of " +
                    std::to_string(out.total));
      }
      out.pages = out.pages_read;
      out.whole = true;
      return out;
    }
    if (out.pages < 0 && out.pages_read >= max_pages) {
      out.too_long = true;  // no count, and max_pages read without reaching the end
      return out;
    }
  }
}

}  // namespace scim_agent
