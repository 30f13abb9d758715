#include "agent/scim/genesys_directory.h"

#include <unordered_map>

#include "agent/base/text.h"
#include "agent/codec/json_parse.h"
#include "agent/scim/user_codec.h"

namespace scim_agent {

namespace {

constexpr const char* kScimJson = "application/scim+json";
constexpr const char* kScimPrefix = "/api/v2/scim/v2";
// A listing that never reaches totalResults (a server bug) stops here instead of looping.
constexpr int kMaxPages = 100'000;

std::string encode(const std::string& s) { return GenesysClient::encode(s); }

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

// A call on `collection` ("/Users" or "/Groups", also its counter key) at `path` below the SCIM
// base.
ApiCall scimCall(std::string method, const std::string& collection, std::string path) {
  ApiCall call;
  call.method = std::move(method);
  call.route_template = collection;
  call.prefix = kScimPrefix;
  call.path = std::move(path);
  call.media_type = kScimJson;
  return call;
}

}  // namespace

GenesysDirectory::GenesysDirectory(HttpTransport& transport, TokenSource& tokens,
                                   DirectoryOptions options)
    : GenesysDirectory(std::make_shared<GenesysClient>(transport, tokens, std::move(options))) {}

GenesysDirectory::GenesysDirectory(std::shared_ptr<GenesysClient> client)
    : client_(std::move(client)), base_url_(client_->apiBase() + kScimPrefix) {}

Result<LiveUser> GenesysDirectory::parseUser(const ApiCall& call, const HttpResponse& response,
                                             const std::vector<std::string>& excluded) {
  Result<Json> json = GenesysClient::parseBody(call, response);
  if (!json.ok()) return json.error();
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
    ApiCall call = scimCall("GET", collection, collection);
    call.query = {{"startIndex", std::to_string(start)}, {"count", std::to_string(page_size)}};
    call.query.insert(call.query.end(), query.begin(), query.end());
    call.retryable = true;
    Result<Json> json = getList(call);
    if (!json.ok()) return json.error();
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

Result<Json> GenesysDirectory::getList(const ApiCall& call) {
  Result<HttpResponse> response = execute(call);
  if (!response.ok()) return response.error();
  Result<Json> json = parseJson(response->body);
  if (!json.ok() || !json->isObject()) {
    return Error(ErrorCode::kInvalidInput,
                 "GET " + call.route() + " → " + std::to_string(response->status) +
                     ": not a SCIM list response" +
                     (json.ok() ? std::string() : ": " + json.error().message));
  }
  return json;
}

Result<std::optional<LiveUser>> GenesysDirectory::findUser(
    const std::string& attribute, const std::string& value,
    const std::function<bool(const Json&)>& matches) {
  ApiCall call = scimCall("GET", "/Users", "/Users");
  call.query = {{"filter", attribute + " eq " + filterLiteral(value)}};
  call.retryable = true;
  Result<Json> json = getList(call);
  if (!json.ok()) return json.error();
  const Json& list = json->get("Resources");
  if (!list.isArray()) return std::optional<LiveUser>();
  for (const Json& resource : list.asArray()) {
    // The filter is the server's; check the match ourselves rather than trust it.
    if (!matches(resource)) continue;
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

Result<std::optional<LiveUser>> GenesysDirectory::findUserByUserName(const std::string& user_name) {
  return findUser("userName", user_name, [&](const Json& resource) {
    return equalsIgnoreCase(resource.getString("userName"), user_name);
  });
}

Result<std::optional<LiveUser>> GenesysDirectory::findUserByExternalId(
    const std::string& external_id) {
  return findUser("externalId", external_id, [&](const Json& resource) {
    return resource.getString("externalId") == external_id;
  });
}

Result<LiveUser> GenesysDirectory::getUser(const std::string& id) {
  ApiCall call = scimCall("GET", "/Users", "/Users/" + encode(id));
  call.retryable = true;
  Result<HttpResponse> response = execute(call);
  if (!response.ok()) return response.error();
  return parseUser(call, *response);
}

Result<LiveUser> GenesysDirectory::createUser(const Json& body) {
  ApiCall call = scimCall("POST", "/Users", "/Users");
  call.body = body.dump();
  call.retryable = false;  // never blindly (SPEC §9): the caller looks the user up first
  Result<HttpResponse> response = execute(call);
  if (!response.ok()) return response.error();
  return parseUser(call, *response);
}

Result<LiveUser> GenesysDirectory::patchUser(const std::string& id, const std::string& if_match,
                                             const std::vector<PatchOp>& ops) {
  ApiCall call = scimCall("PATCH", "/Users", "/Users/" + encode(id));
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
  ApiCall call = scimCall("DELETE", "/Users", "/Users/" + encode(id));
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
  ApiCall call = scimCall("PATCH", "/Groups", "/Groups/" + encode(group_id));
  call.body = groupMembersPatchBody(add_ids, remove_ids).dump();
  call.retryable = true;  // membership add/remove has set semantics: repeating is harmless
  Result<HttpResponse> response = execute(call);
  if (!response.ok()) return response.error();
  return Status::success();
}

}  // namespace scim_agent
