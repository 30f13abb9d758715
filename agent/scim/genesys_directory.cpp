#include "agent/scim/genesys_directory.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <unordered_map>

#include "agent/base/text.h"
#include "agent/codec/json_parse.h"
#include "agent/scim/scim_page.h"
#include "agent/scim/user_codec.h"

namespace scim_agent {

namespace {

constexpr const char* kScimJson = "application/scim+json";
constexpr const char* kScimPrefix = "/api/v2/scim/v2";
// The most resources one listing may hold: a totalResults above it is not believed (SPEC §16).
constexpr int64_t kMaxListed = 1'000'000;

// A JSON number as the server sent it, for messages ("1000000000", not "1e+09").
std::string formatCount(double n) {
  if (n >= -9e15 && n <= 9e15 && n == static_cast<double>(static_cast<int64_t>(n))) {
    return std::to_string(static_cast<int64_t>(n));
  }
  return std::to_string(n);
}

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

namespace {

// A listing read whole: the resources kept (duplicates dropped), and the error of the first kept
// resource that is not a valid one, reported only once the listing has been read whole (a
// listing that is not whole is the first thing to tell).
template <typename T>
struct Listing {
  std::vector<T> resources;
  std::optional<Error> first_error;
};

// Reads every page of `collection`, each body decoded by `decode` (a ScimPageDecoder; its
// failure is "not a SCIM list response").
// `cancel` (may be null): checked before each page request (ListOptions::cancel).
template <typename T, typename Decode>
Result<Listing<T>> listPages(GenesysClient& client, const std::string& collection,
                             const std::vector<std::pair<std::string, std::string>>& query,
                             int page_size, Decode&& decode,
                             const std::atomic<bool>* cancel = nullptr) {
  if (page_size < 1) page_size = 25;
  Listing<T> listing;
  // id → meta.version of every copy read so far: a copy at a version already read is dropped.
  std::unordered_map<std::string, std::vector<std::string>> seen;
  std::vector<std::string> ids;
  std::vector<std::string> previous_ids;
  int64_t first_total = -1;
  int64_t max_pages = 0;
  int64_t start = 1;
  for (int64_t page = 1;; ++page) {
    ApiCall call = scimCall("GET", collection, collection);
    call.query = {{"startIndex", std::to_string(start)}, {"count", std::to_string(page_size)}};
    call.query.insert(call.query.end(), query.begin(), query.end());
    call.retryable = true;
    if (cancel != nullptr && cancel->load(std::memory_order_acquire)) {
      return Error(ErrorCode::kUnavailable, "GET " + call.route() + " (page " +
                                                std::to_string(page) +
                                                "): the listing was cancelled before this page");
    }
    Result<HttpResponse> response = client.send(call);
    if (!response.ok()) return response.error();
    Result<ScimPage<T>> decoded = decode(response->body);
    if (!decoded.ok()) {
      const std::string& why = decoded.error().message;
      return Error(ErrorCode::kInvalidInput, "GET " + call.route() + " → " +
                                                 std::to_string(response->status) +
                                                 ": not a SCIM list response" +
                                                 (why.empty() ? std::string() : ": " + why));
    }
    const ScimPageHeader& header = decoded->header;
    std::vector<ScimPageItem<T>>& items = decoded->items;
    // Every check below fails the whole listing: a read that is not whole is a failed read,
    // never half a picture (SPEC §8, §16).
    auto notWhole = [&](const std::string& why) {
      return Error(ErrorCode::kInvalidInput, "GET " + call.route() + " (page " +
                                                 std::to_string(page) + "): " + why +
                                                 ": the listing cannot be read whole");
    };
    if (!header.total_results) return notWhole("no totalResults");
    const double total_number = *header.total_results;
    if (total_number < 0 || total_number > static_cast<double>(kMaxListed)) {
      return notWhole("totalResults " + formatCount(total_number) +
                      " is not believable (at most " + std::to_string(kMaxListed) +
                      " are read)");
    }
    const auto total = static_cast<int64_t>(total_number);
    if (first_total < 0) {
      first_total = total;
    } else if (std::llabs(total - first_total) > std::max<int64_t>(page_size, first_total / 10)) {
      return notWhole("totalResults changed from " + std::to_string(first_total) +
                      " on the first page to " + std::to_string(total));
    }
    if (page > 1 && page > max_pages) {
      return notWhole("the listing did not end within " + std::to_string(max_pages) +
                      " pages (totalResults " + std::to_string(first_total) +
                      " on the first page)");
    }
    if (header.start_index && static_cast<int64_t>(*header.start_index) != start) {
      return notWhole("answered startIndex " + formatCount(*header.start_index) +
                      " to a request for startIndex " + std::to_string(start));
    }
    const bool is_list = header.resources == ScimPageHeader::Resources::kList;
    if (!is_list && start <= total) {
      return notWhole(std::string("Resources is ") +
                      (header.resources == ScimPageHeader::Resources::kAbsentOrNull
                           ? "null or absent"
                           : "not a list") +
                      " while totalResults " + std::to_string(total) + " says users from " +
                      std::to_string(start) + " on are there");
    }
    const size_t received = items.size();
    if (start > total && received > 0) {
      return notWhole("startIndex " + std::to_string(start) + " is beyond totalResults " +
                      std::to_string(total) + ", yet the page holds " +
                      std::to_string(received) + " resources");
    }
    // A server may send fewer than were asked for (RFC 7644 §3.4.2.4: it caps its pages) and
    // says so in itemsPerPage; a page shorter than its own itemsPerPage, or an empty page, before
    // totalResults is reached has lost resources.
    const auto declared = static_cast<int64_t>(header.items_per_page);
    const auto got = static_cast<int64_t>(received);
    if ((got == 0 || got < declared) && start + got - 1 < total) {
      return notWhole("a short page: " + std::to_string(got) + " resources" +
                      (declared > got ? " where itemsPerPage says " + std::to_string(declared)
                                      : std::string()) +
                      ", before the end (startIndex " + std::to_string(start) +
                      ", totalResults " + std::to_string(total) + ")");
    }

    if (page == 1) {
      // The page budget: the pages totalResults takes at the first page's size (a server may
      // cap its pages below what was asked for), with room for a listing that grows a little
      // while it is read. A server that never lets the listing end is stopped there.
      const int64_t per_page = got > 0 ? std::min<int64_t>(got, page_size) : page_size;
      const int64_t pages = (total + per_page - 1) / per_page;
      max_pages = pages + 2 + pages / 10;
    }

    ids.clear();
    size_t fresh = 0;
    for (ScimPageItem<T>& item : items) {
      const std::string& id = item.resource.id;
      const std::string& version = item.resource.version;
      ids.push_back(id);
      if (!id.empty()) {
        std::vector<std::string>& versions = seen[id];
        // A listing that shifts while it is read (a user created meanwhile) shows a user on
        // two pages: the same id at the same version is kept once.
        if (std::find(versions.begin(), versions.end(), version) != versions.end()) continue;
        if (versions.empty()) ++fresh;
        versions.push_back(version);
      } else {
        ++fresh;
      }
      // The same id at another version is kept too: the caller decides (readLive leaves such a
      // user alone for the run).
      if (item.error && !listing.first_error) listing.first_error = std::move(item.error);
      listing.resources.push_back(std::move(item.resource));
      if (listing.resources.size() > static_cast<size_t>(kMaxListed)) {
        return notWhole("more than " + std::to_string(kMaxListed) + " resources");
      }
    }
    if (received > 0 && ids == previous_ids) {
      return notWhole("the page repeats the previous page (the same " + std::to_string(received) +
                      " ids)");
    }
    if (received > 0 && fresh == 0) {
      return notWhole("every one of the " + std::to_string(received) +
                      " resources on the page was read on an earlier page");
    }
    std::swap(previous_ids, ids);

    // Next page: startIndex + itemsPerPage (genesys-api.md §2.3).
    int64_t step = declared;
    if (step <= 0 || step > got) step = got;
    if (got == 0 || start + step > total) return listing;
    start += step;
  }
}

}  // namespace

Result<std::vector<LiveUser>> GenesysDirectory::listUsers(const ListOptions& options) {
  std::vector<std::pair<std::string, std::string>> query;
  // Without a filter Genesys lists active users only (genesys-api.md §2.3).
  if (options.inactive) query.emplace_back("filter", "active eq false");
  if (!options.excluded_attributes.empty()) {
    query.emplace_back("excludedAttributes", joinComma(options.excluded_attributes));
  }
  // One decoder (one simdjson parser and buffer) for every page of the listing.
  ScimPageDecoder decoder;
  Result<Listing<LiveUser>> listing = listPages<LiveUser>(
      *client_, "/Users", query, options.page_size, [&](std::string_view body) {
        return decoder.users(body, options.excluded_attributes);
      }, options.cancel);
  if (!listing.ok()) return listing.error();
  if (listing->first_error) {
    Error e = *listing->first_error;
    e.message = "GET /Users" + std::string(options.inactive ? " (inactive)" : "") + ": " +
                e.message;
    return e;
  }
  return std::move(listing->resources);
}

Result<std::vector<Group>> GenesysDirectory::listGroups() {
  ScimPageDecoder decoder;
  Result<Listing<Group>> listing =
      listPages<Group>(*client_, "/Groups", {{"excludedAttributes", "members"}}, 25,
                       [&](std::string_view body) { return decoder.groups(body); });
  if (!listing.ok()) return listing.error();
  std::vector<Group> groups;
  groups.reserve(listing->resources.size());
  std::unordered_map<std::string, size_t> position;  // id → index in groups
  for (Group& group : listing->resources) {
    if (group.id.empty()) {
      return Error(ErrorCode::kInvalidInput, "GET /Groups: malformed SCIM group: missing id");
    }
    // A group read at two versions (renamed while listed) is kept once, as last read: only
    // its id and name are used, and memberships are written by id.
    if (auto it = position.find(group.id); it != position.end()) {
      groups[it->second] = std::move(group);
    } else {
      position[group.id] = groups.size();
      groups.push_back(std::move(group));
    }
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
