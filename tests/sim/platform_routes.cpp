#include "tests/sim/platform_routes.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <sstream>

#include "tests/sim/scim_render.h"
#include "tests/sim/sim_error.h"
#include "tests/sim/sim_json.h"

namespace scim_agent::sim {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kDefaultPageSize = 25;
constexpr int64_t kMaxListPageSize = 500;
constexpr int64_t kMaxMemberPageSize = 100;    // GET …/queues/{id}/members (genesys-api.md §8.1)
constexpr size_t kMaxBulkMembers = 100;        // POST …/queues/{id}/members (§8.1)
constexpr int64_t kMaxDetailPageSize = 100;    // [GAP] "100 commonly cited" (§8.4)
constexpr int64_t kMaxUserPageSize = 100;      // GET /api/v2/users: [GAP], as the others
constexpr int64_t kMaxIntervalFiltered = 31;   // days (§8.4, D-DETAIL)
constexpr int64_t kMaxIntervalUnfiltered = 7;  // days

struct Template {
  PlatformKind kind;
  std::string_view path;
  std::string_view methods;
};

// Order matters only where a literal could be taken for a parameter: /tokens/me before
// /tokens/{userId}.
constexpr Template kTemplates[] = {
    {PlatformKind::kUserQueues, "/api/v2/users/{userId}/queues", "GET"},
    {PlatformKind::kUserRoles, "/api/v2/users/{userId}/roles", "GET PUT"},
    {PlatformKind::kQueues, "/api/v2/routing/queues", "GET"},
    {PlatformKind::kQueueMembers, "/api/v2/routing/queues/{queueId}/members", "GET POST"},
    {PlatformKind::kQueueMember, "/api/v2/routing/queues/{queueId}/members/{memberId}", "DELETE"},
    {PlatformKind::kSubject, "/api/v2/authorization/subjects/{subjectId}", "GET"},
    {PlatformKind::kSubjectBulkRemove, "/api/v2/authorization/subjects/{subjectId}/bulkremove",
     "POST"},
    {PlatformKind::kSubjectGrant,
     "/api/v2/authorization/subjects/{subjectId}/divisions/{divisionId}/roles/{roleId}", "DELETE"},
    {PlatformKind::kRoles, "/api/v2/authorization/roles", "GET"},
    {PlatformKind::kDivisions, "/api/v2/authorization/divisions", "GET"},
    {PlatformKind::kSkills, "/api/v2/routing/skills", "GET"},
    {PlatformKind::kLanguages, "/api/v2/routing/languages", "GET"},
    {PlatformKind::kTokensMe, "/api/v2/tokens/me", "DELETE"},
    {PlatformKind::kTokens, "/api/v2/tokens/{userId}", "DELETE"},
    {PlatformKind::kConversationQuery, "/api/v2/analytics/conversations/details/query", "POST"},
    {PlatformKind::kUsers, "/api/v2/users", "GET"},
};

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool isPlaceholder(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

const Template& templateFor(PlatformKind kind) {
  for (const Template& entry : kTemplates) {
    if (entry.kind == kind) return entry;
  }
  return kTemplates[0];
}

SimError badRequest(const std::string& message) {
  return SimError(400, "", message, "bad.request");
}
SimError notFoundError(const std::string& message) {
  return SimError(404, "", message, "not.found");
}

SimResponse jsonResponse(int status, std::string body) {
  SimResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = std::move(body);
  return response;
}

SimResponse noContent() {
  SimResponse response;
  response.status = 204;
  return response;
}

std::optional<std::string> param(const QueryList& query, std::string_view name) {
  for (const auto& [key, value] : query) {
    if (equalsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

// Every value of a repeatable, comma-separated parameter (`id=a&id=b`, `id=a,b`).
std::vector<std::string> params(const QueryList& query, std::string_view name) {
  std::vector<std::string> values;
  for (const auto& [key, value] : query) {
    if (!equalsIgnoreCase(key, name)) continue;
    std::stringstream stream(value);
    std::string item;
    while (std::getline(stream, item, ',')) {
      if (!item.empty()) values.push_back(item);
    }
  }
  return values;
}

int64_t integerParam(const QueryList& query, std::string_view name, int64_t fallback) {
  const std::optional<std::string> text = param(query, name);
  if (!text || text->empty()) return fallback;
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto result = std::from_chars(text->data(), end, value);
  if (result.ec != std::errc() || result.ptr != end) {
    throw badRequest("Query parameter '" + std::string(name) + "' must be an integer.");
  }
  return value;
}

std::optional<bool> boolParam(const QueryList& query, std::string_view name) {
  const std::optional<std::string> text = param(query, name);
  if (!text || text->empty()) return std::nullopt;
  if (equalsIgnoreCase(*text, "true")) return true;
  if (equalsIgnoreCase(*text, "false")) return false;
  throw badRequest("Query parameter '" + std::string(name) + "' must be true or false.");
}

struct Page {
  int64_t size = kDefaultPageSize;
  int64_t number = 1;
};

Page pageFrom(int64_t size, int64_t number, int64_t max_size) {
  if (size < 1 || size > max_size) {
    throw badRequest("pageSize must be between 1 and " + std::to_string(max_size) + ".");
  }
  if (number < 1) throw badRequest("pageNumber must be 1 or more.");
  return Page{size, number};
}

Page pageParams(const QueryList& query, int64_t max_size) {
  return pageFrom(integerParam(query, "pageSize", kDefaultPageSize),
                  integerParam(query, "pageNumber", 1), max_size);
}

// {"entities":[…],"pageSize","pageNumber","total","pageCount"} over `total` items.
template <typename WriteItem>
std::string entityListing(size_t total, const Page& page, WriteItem write_item) {
  const size_t size = static_cast<size_t>(page.size);
  const size_t begin = std::min(total, static_cast<size_t>(page.number - 1) * size);
  const size_t end = std::min(total, begin + size);
  JsonWriter out;
  out.beginObject().key("entities").beginArray();
  for (size_t i = begin; i < end; ++i) write_item(out, i);
  out.endArray();
  out.fieldInt("pageSize", page.size).fieldInt("pageNumber", page.number);
  out.fieldInt("total", static_cast<int64_t>(total));
  out.fieldInt("pageCount", static_cast<int64_t>((total + size - 1) / size));
  out.endObject();
  return out.take();
}

// Genesys name filters: leading and/or trailing `*` are wildcards; otherwise an exact match.
// Case-insensitive.
bool nameMatches(std::string_view name, std::string_view pattern) {
  const bool prefix_wild = !pattern.empty() && pattern.front() == '*';
  if (prefix_wild) pattern.remove_prefix(1);
  const bool suffix_wild = !pattern.empty() && pattern.back() == '*';
  if (suffix_wild) pattern.remove_suffix(1);
  const std::string haystack = toLower(name);
  const std::string needle = toLower(pattern);
  if (prefix_wild && suffix_wild) return haystack.find(needle) != std::string::npos;
  if (prefix_wild) {
    return haystack.size() >= needle.size() &&
           haystack.compare(haystack.size() - needle.size(), needle.size(), needle) == 0;
  }
  if (suffix_wild) return haystack.rfind(needle, 0) == 0;
  return haystack == needle;
}

bool nameLess(std::string_view a_name, std::string_view a_id, std::string_view b_name,
              std::string_view b_id) {
  const std::string a = toLower(a_name);
  const std::string b = toLower(b_name);
  return a != b ? a < b : a_id < b_id;
}

void writeRef(JsonWriter& out, std::string_view key, std::string_view id, std::string_view name) {
  out.key(key).beginObject().field("id", id).field("name", name).endObject();
}

SimUser& requireUser(SimStore& store, const std::string& id) {
  SimUser* user = store.userById(id);
  if (user == nullptr) throw notFoundError("User " + id + " not found.");
  return *user;
}

SimQueue& requireQueue(SimStore& store, const std::string& id) {
  SimQueue* queue = store.queueById(id);
  if (queue == nullptr) throw notFoundError("Queue " + id + " not found.");
  return *queue;
}

// ---- queues ------------------------------------------------------------------------------------

SimResponse userQueues(SimStore& store, const std::string& user_id, const QueryList& query) {
  const SimUser& user = requireUser(store, user_id);
  const Page page = pageParams(query, kMaxListPageSize);
  // `joined` defaults to true (genesys-api.md §8.1, §9 #17): a single call misses unjoined queues.
  const bool joined = boolParam(query, "joined").value_or(true);
  const std::vector<std::string> division_ids = params(query, "divisionId");
  std::vector<std::pair<const SimQueue*, bool>> hits;
  for (size_t queue_index : user.queues) {
    const SimQueue& queue = *store.queues()[queue_index];
    const QueueMember* member = store.queueMember(queue, user.index);
    if (member == nullptr || member->joined != joined) continue;
    const std::string& division_id = store.divisions()[queue.division].id;
    if (!division_ids.empty() &&
        std::find(division_ids.begin(), division_ids.end(), division_id) == division_ids.end()) {
      continue;
    }
    hits.emplace_back(&queue, member->joined);
  }
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
    return nameLess(a.first->name, a.first->id, b.first->name, b.first->id);
  });
  return jsonResponse(200, entityListing(hits.size(), page, [&](JsonWriter& out, size_t i) {
    const SimQueue& queue = *hits[i].first;
    const SimDivision& division = store.divisions()[queue.division];
    out.beginObject().field("id", queue.id).field("name", queue.name);
    out.fieldBool("joined", hits[i].second);
    out.fieldInt("memberCount", static_cast<int64_t>(queue.members.size()));
    writeRef(out, "division", division.id, division.name);
    out.endObject();
  }));
}

SimResponse listQueues(SimStore& store, const QueryList& query) {
  const Page page = pageParams(query, kMaxListPageSize);
  const std::optional<std::string> name = param(query, "name");
  const std::vector<std::string> ids = params(query, "id");
  const std::vector<std::string> division_ids = params(query, "divisionId");
  std::vector<const SimQueue*> hits;
  for (const auto& queue : store.queues()) {
    if (name && !name->empty() && !nameMatches(queue->name, *name)) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), queue->id) == ids.end()) continue;
    const std::string& division_id = store.divisions()[queue->division].id;
    if (!division_ids.empty() &&
        std::find(division_ids.begin(), division_ids.end(), division_id) == division_ids.end()) {
      continue;
    }
    hits.push_back(queue.get());
  }
  const bool descending = equalsIgnoreCase(param(query, "sortOrder").value_or("asc"), "desc");
  std::sort(hits.begin(), hits.end(), [&](const SimQueue* a, const SimQueue* b) {
    return descending ? nameLess(b->name, b->id, a->name, a->id)
                      : nameLess(a->name, a->id, b->name, b->id);
  });
  return jsonResponse(200, entityListing(hits.size(), page, [&](JsonWriter& out, size_t i) {
    const SimQueue& queue = *hits[i];
    const SimDivision& division = store.divisions()[queue.division];
    out.beginObject().field("id", queue.id).field("name", queue.name);
    writeRef(out, "division", division.id, division.name);
    out.fieldInt("memberCount", static_cast<int64_t>(queue.members.size()));
    out.endObject();
  }));
}

SimResponse queueMembers(SimStore& store, const std::string& queue_id, const QueryList& query) {
  const SimQueue& queue = requireQueue(store, queue_id);
  const Page page = pageParams(query, kMaxMemberPageSize);
  const std::optional<bool> joined = boolParam(query, "joined");
  const std::optional<std::string> member_by = param(query, "memberBy");
  if (member_by && !member_by->empty() && !equalsIgnoreCase(*member_by, "user") &&
      !equalsIgnoreCase(*member_by, "group")) {
    throw badRequest("memberBy must be user or group.");
  }
  std::vector<const QueueMember*> hits;
  // Every member of a simulated queue is a direct (memberBy "user") member.
  if (!member_by || member_by->empty() || equalsIgnoreCase(*member_by, "user")) {
    for (const QueueMember& member : queue.members) {
      if (joined && member.joined != *joined) continue;
      hits.push_back(&member);
    }
  }
  return jsonResponse(200, entityListing(hits.size(), page, [&](JsonWriter& out, size_t i) {
    const SimUser& user = store.userAt(hits[i]->user);
    out.beginObject().field("id", user.id).field("name", user.fields.display_name);
    writeRef(out, "user", user.id, user.fields.display_name);
    out.fieldInt("ringNumber", 1).fieldBool("joined", hits[i]->joined);
    out.field("memberBy", "user").endObject();
  }));
}

SimResponse bulkMembers(SimStore& store, const std::string& queue_id, const QueryList& query,
                        const std::string& body) {
  SimQueue& queue = requireQueue(store, queue_id);
  const bool remove = boolParam(query, "delete").value_or(false);
  const Poco::Dynamic::Var doc = parseJson(body);
  if (!isArray(doc)) throw badRequest("The body must be an array of {\"id\":…} objects.");
  const std::vector<Poco::Dynamic::Var> items = asList(doc);
  if (items.size() > kMaxBulkMembers) {
    throw badRequest("At most " + std::to_string(kMaxBulkMembers) +
                     " members can be added or removed per request.");
  }
  std::vector<std::string> ids;
  for (const Poco::Dynamic::Var& item : items) {
    if (!isObject(item)) throw badRequest("Each entry must be an object with an 'id'.");
    const Poco::Dynamic::Var id = getField(asObject(item), "id");
    if (isNull(id) || !id.isString()) throw badRequest("Each entry must have a string 'id'.");
    ids.push_back(id.extract<std::string>());
  }
  // Validate everything first: a refused request changes nothing.
  std::vector<SimUser*> users;
  for (const std::string& id : ids) {
    SimUser* user = remove ? store.userById(id) : store.liveUserById(id);
    if (user == nullptr && !remove) throw badRequest("User " + id + " does not exist.");
    users.push_back(user);
  }
  for (SimUser* user : users) {
    if (user == nullptr) continue;  // removing an unknown id: nothing to do
    if (remove) {
      store.removeQueueMember(queue, *user);
    } else {
      store.addQueueMember(queue, *user, true);
    }
  }
  return noContent();
}

SimResponse deleteMember(SimStore& store, const std::string& queue_id,
                         const std::string& member_id) {
  SimQueue& queue = requireQueue(store, queue_id);
  SimUser* user = store.userById(member_id);
  if (user == nullptr || !store.removeQueueMember(queue, *user)) {
    throw notFoundError("User " + member_id + " is not a member of queue " + queue_id + ".");
  }
  return noContent();
}

// ---- users -------------------------------------------------------------------------------------

// GET /api/v2/users?state=…: every user in that state (default active; `any` is all), deleted
// ones included, in creation order (genesys-api.md §3.6, §8.5).
SimResponse listUsers(SimStore& store, const QueryList& query) {
  const Page page = pageParams(query, kMaxUserPageSize);
  const std::string state = toLower(param(query, "state").value_or("active"));
  if (state != "active" && state != "inactive" && state != "deleted" && state != "any") {
    throw badRequest("state must be active, inactive, deleted or any.");
  }
  std::vector<const SimUser*> hits;
  for (const auto& user : store.users()) {
    const UserState s = user->state();
    if (state == "any" || (state == "active" && s == UserState::kActive) ||
        (state == "inactive" && s == UserState::kInactive) ||
        (state == "deleted" && s == UserState::kDeleted)) {
      hits.push_back(user.get());
    }
  }
  return jsonResponse(200, entityListing(hits.size(), page, [&](JsonWriter& out, size_t i) {
    writePlatformUser(out, *hits[i]);
  }));
}

// ---- roles, divisions, grants --------------------------------------------------------------------

SimResponse subject(SimStore& store, const std::string& user_id) {
  const SimUser& user = requireUser(store, user_id);
  JsonWriter out;
  out.beginObject().field("id", user.id).field("name", user.fields.display_name);
  out.fieldInt("version", user.grants_version).key("grants").beginArray();
  for (const Grant& grant : user.grants) {
    const SimRole& role = store.roles()[grant.role];
    const SimDivision& division = store.divisions()[grant.division];
    out.beginObject().field("subjectId", user.id);
    writeRef(out, "division", division.id, division.name);
    writeRef(out, "role", role.id, role.name);
    out.field("grantMadeAt", formatTimestamp(grant.made_ms)).endObject();
  }
  out.endArray().endObject();
  return jsonResponse(200, out.take());
}

SimResponse bulkRemove(SimStore& store, const std::string& user_id, const std::string& body) {
  SimUser& user = requireUser(store, user_id);
  const JsonObject doc = parseJsonObject(body);
  const Poco::Dynamic::Var grants = getField(doc, "grants");
  if (!isArray(grants)) throw badRequest("'grants' must be an array of {roleId, divisionId}.");
  std::vector<std::pair<std::string, std::string>> wanted;
  for (const Poco::Dynamic::Var& item : asList(grants)) {
    if (!isObject(item)) throw badRequest("Each grant must be an object.");
    const JsonObject grant = asObject(item);
    const Poco::Dynamic::Var role = getField(grant, "roleId");
    const Poco::Dynamic::Var division = getField(grant, "divisionId");
    if (isNull(role) || !role.isString() || isNull(division) || !division.isString()) {
      throw badRequest("Each grant needs string 'roleId' and 'divisionId'.");
    }
    wanted.emplace_back(role.extract<std::string>(), division.extract<std::string>());
  }
  // Grants the user does not hold are skipped, so a repeated clean-up step is harmless.
  for (const auto& [role_id, division_id] : wanted) {
    const std::optional<size_t> role = store.roleById(role_id);
    const std::optional<size_t> division = store.divisionById(division_id);
    if (role && division) store.revoke(user, *role, *division);
  }
  return noContent();
}

SimResponse deleteGrant(SimStore& store, const PlatformRoute& route) {
  SimUser& user = requireUser(store, route.params[0]);
  const std::optional<size_t> division = store.divisionById(route.params[1]);
  const std::optional<size_t> role = store.roleById(route.params[2]);
  if (!role || !division || !store.revoke(user, *role, *division)) {
    throw notFoundError("User " + user.id + " holds no grant of role " + route.params[2] +
                        " in division " + route.params[1] + ".");
  }
  return noContent();
}

std::string userAuthorization(const SimStore& store, const SimUser& user) {
  std::set<size_t> roles;
  for (const Grant& grant : user.grants) roles.insert(grant.role);
  std::vector<const SimRole*> sorted;
  for (size_t role : roles) sorted.push_back(&store.roles()[role]);
  std::sort(sorted.begin(), sorted.end(), [](const SimRole* a, const SimRole* b) {
    return a->name != b->name ? a->name < b->name : a->id < b->id;
  });
  JsonWriter out;
  out.beginObject().key("roles").beginArray();
  for (const SimRole* role : sorted) {
    out.beginObject().field("id", role->id).field("name", role->name).endObject();
  }
  out.endArray().key("unusedRoles").beginArray().endArray();
  out.key("permissions").beginArray().endArray();
  out.key("permissionPolicies").beginArray().endArray().endObject();
  return out.take();
}

SimResponse userRoles(SimStore& store, const std::string& user_id, const std::string& method,
                      const std::string& body) {
  SimUser& user = requireUser(store, user_id);
  if (method == "PUT") {
    if (user.deleted) throw notFoundError("User " + user_id + " not found.");
    const Poco::Dynamic::Var doc = parseJson(body);
    if (!isArray(doc)) throw badRequest("The body must be an array of role ids.");
    std::vector<size_t> roles;
    for (const Poco::Dynamic::Var& item : asList(doc)) {
      if (!item.isString()) throw badRequest("Each role id must be a string.");
      const std::string id = item.extract<std::string>();
      const std::optional<size_t> role = store.roleById(id);
      if (!role) throw badRequest("Role " + id + " does not exist.");
      roles.push_back(*role);
    }
    store.setHomeRoles(user, roles);
  }
  return jsonResponse(200, userAuthorization(store, user));
}

SimResponse listRoles(SimStore& store, const QueryList& query) {
  const Page page = pageParams(query, kMaxListPageSize);
  const std::optional<std::string> name = param(query, "name");
  const std::vector<std::string> ids = params(query, "id");
  std::vector<const SimRole*> hits;
  for (const SimRole& role : store.roles()) {
    if (name && !name->empty() && !nameMatches(role.name, *name)) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), role.id) == ids.end()) continue;
    hits.push_back(&role);
  }
  std::sort(hits.begin(), hits.end(), [](const SimRole* a, const SimRole* b) {
    return nameLess(a->name, a->id, b->name, b->id);
  });
  return jsonResponse(200, entityListing(hits.size(), page, [&](JsonWriter& out, size_t i) {
    out.beginObject().field("id", hits[i]->id).field("name", hits[i]->name).endObject();
  }));
}

SimResponse listDivisions(SimStore& store, const QueryList& query) {
  const Page page = pageParams(query, kMaxListPageSize);
  const std::optional<std::string> name = param(query, "name");
  const std::vector<std::string> ids = params(query, "id");
  std::vector<const SimDivision*> hits;
  for (const SimDivision& division : store.divisions()) {
    if (name && !name->empty() && !nameMatches(division.name, *name)) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), division.id) == ids.end()) continue;
    hits.push_back(&division);
  }
  std::sort(hits.begin(), hits.end(), [](const SimDivision* a, const SimDivision* b) {
    return nameLess(a->name, a->id, b->name, b->id);
  });
  return jsonResponse(200, entityListing(hits.size(), page, [&](JsonWriter& out, size_t i) {
    out.beginObject().field("id", hits[i]->id).field("name", hits[i]->name);
    out.fieldBool("homeDivision", hits[i] == &store.divisions()[0]).endObject();
  }));
}

// GET /api/v2/routing/skills and /languages (genesys-api.md §8.5): the catalog's names (seeded
// `skills:` / `languages:`), by name, with ids made from their place in that order (`prefix`
// tells the kinds apart).
SimResponse listCatalog(const std::set<std::string>& names, const char* prefix,
                        const QueryList& query) {
  const Page page = pageParams(query, kMaxListPageSize);
  const std::optional<std::string> name = param(query, "name");
  std::vector<std::pair<std::string, std::string>> hits;  // id, name
  size_t n = 0;
  for (const std::string& entry : names) {
    ++n;
    if (name && !name->empty() && !nameMatches(entry, *name)) continue;
    char id[40];
    std::snprintf(id, sizeof id, "%s-0000-4000-8000-%012zu", prefix, n);
    hits.emplace_back(id, entry);
  }
  return jsonResponse(200, entityListing(hits.size(), page, [&](JsonWriter& out, size_t i) {
    out.beginObject().field("id", hits[i].first).field("name", hits[i].second);
    out.field("state", "active").endObject();
  }));
}

// ---- tokens --------------------------------------------------------------------------------------

SimResponse revokeTokens(SimStore& store, const std::string& user_id) {
  SimUser& user = requireUser(store, user_id);
  ++user.tokens_revoked;  // also for a user without tokens: Genesys answers 204 either way
  return noContent();
}

// ---- analytics -----------------------------------------------------------------------------------

// A segment or conversation filter (genesys-api.md §8.4): `type` and|or over predicates and
// nested clauses.
struct Predicate {
  std::string dimension;  // lower-cased
  std::string op;         // "matches" | "exists" | "notexists"
  std::string value;
};

struct Filter {
  bool any = false;  // type "or"
  std::vector<Predicate> predicates;
  std::vector<Filter> clauses;
};

Filter parseFilter(const Poco::Dynamic::Var& value, int depth) {
  if (!isObject(value)) throw badRequest("Filters must be objects.");
  if (depth > 3) throw badRequest("Filters nest at most two levels of clauses.");
  const JsonObject object = asObject(value);
  Filter filter;
  const std::string type = toLower(
      isNull(getField(object, "type")) ? "and" : requireString(getField(object, "type"), "type"));
  if (type != "and" && type != "or") throw badRequest("Filter type must be 'and' or 'or'.");
  filter.any = type == "or";
  for (const Poco::Dynamic::Var& item : asList(getField(object, "predicates"))) {
    if (!isObject(item)) throw badRequest("Predicates must be objects.");
    const JsonObject p = asObject(item);
    Predicate predicate;
    const Poco::Dynamic::Var kind = getField(p, "type");
    if (!isNull(kind) && !equalsIgnoreCase(requireString(kind, "type"), "dimension")) {
      throw badRequest("genesys-sim supports only dimension predicates.");
    }
    predicate.dimension = toLower(requireString(getField(p, "dimension"), "dimension"));
    if (predicate.dimension != "userid" && predicate.dimension != "conversationid" &&
        predicate.dimension != "originatingdirection" && predicate.dimension != "divisionid" &&
        predicate.dimension != "purpose") {
      throw badRequest("genesys-sim does not support the dimension '" + predicate.dimension +
                       "'.");
    }
    const Poco::Dynamic::Var op = getField(p, "operator");
    predicate.op = isNull(op) ? "matches" : toLower(requireString(op, "operator"));
    if (predicate.op != "matches" && predicate.op != "exists" && predicate.op != "notexists") {
      throw badRequest("Unknown predicate operator '" + predicate.op + "'.");
    }
    if (predicate.op == "matches") {
      predicate.value = requireString(getField(p, "value"), "value");
    }
    filter.predicates.push_back(std::move(predicate));
  }
  for (const Poco::Dynamic::Var& item : asList(getField(object, "clauses"))) {
    filter.clauses.push_back(parseFilter(item, depth + 1));
  }
  if (filter.predicates.empty() && filter.clauses.empty()) {
    throw badRequest("A filter needs predicates or clauses.");
  }
  return filter;
}

bool predicateMatches(const SimStore& store, const SimConversation& c, const Predicate& p) {
  std::vector<std::string> values;
  if (p.dimension == "userid") {
    for (const Participant& participant : c.participants) {
      if (participant.user) values.push_back(store.userAt(*participant.user).id);
    }
  } else if (p.dimension == "conversationid") {
    values.push_back(c.id);
  } else if (p.dimension == "originatingdirection") {
    values.push_back(c.direction);
  } else if (p.dimension == "divisionid") {
    values = c.division_ids;
  } else {
    for (const Participant& participant : c.participants) values.push_back(participant.purpose);
  }
  if (p.op == "exists") return !values.empty();
  if (p.op == "notexists") return values.empty();
  return std::find(values.begin(), values.end(), p.value) != values.end();
}

bool filterMatches(const SimStore& store, const SimConversation& c, const Filter& filter) {
  bool any_hit = false;
  bool all_hit = true;
  for (const Predicate& p : filter.predicates) {
    const bool hit = predicateMatches(store, c, p);
    any_hit = any_hit || hit;
    all_hit = all_hit && hit;
  }
  for (const Filter& clause : filter.clauses) {
    const bool hit = filterMatches(store, c, clause);
    any_hit = any_hit || hit;
    all_hit = all_hit && hit;
  }
  return filter.any ? any_hit : all_hit;
}

// Users a filter cannot match without: the userId values of an "or" made only of userId
// `matches` predicates, or one such predicate of an "and". nullopt: no such restriction.
std::optional<std::vector<std::string>> candidateUsers(const Filter& filter) {
  if (filter.any) {
    if (!filter.clauses.empty()) return std::nullopt;
    std::vector<std::string> ids;
    for (const Predicate& p : filter.predicates) {
      if (p.dimension != "userid" || p.op != "matches") return std::nullopt;
      ids.push_back(p.value);
    }
    return ids;
  }
  for (const Predicate& p : filter.predicates) {
    if (p.dimension == "userid" && p.op == "matches") return std::vector<std::string>{p.value};
  }
  return std::nullopt;
}

int64_t floorDay(int64_t ms) { return (ms >= 0 ? ms : ms - (kDayMs - 1)) / kDayMs * kDayMs; }

void writeConversation(JsonWriter& out, const SimStore& store, const SimConversation& c) {
  out.beginObject().field("conversationId", c.id);
  out.field("conversationStart", formatTimestamp(c.start_ms));
  out.field("conversationEnd", formatTimestamp(c.end_ms));
  out.field("originatingDirection", c.direction);
  out.key("divisionIds").beginArray();
  for (const std::string& id : c.division_ids) out.string(id);
  out.endArray().key("participants").beginArray();
  for (const Participant& participant : c.participants) {
    out.beginObject().field("participantId", participant.id).field("purpose", participant.purpose);
    if (participant.user) out.field("userId", store.userAt(*participant.user).id);
    out.endObject();
  }
  out.endArray().endObject();
}

SimResponse conversationQuery(SimStore& store, const std::string& body) {
  const JsonObject doc = parseJsonObject(body);
  const Poco::Dynamic::Var interval_value = getField(doc, "interval");
  if (isNull(interval_value) || !interval_value.isString()) {
    throw badRequest("'interval' is required: an ISO-8601 interval start/end.");
  }
  const std::string interval = interval_value.extract<std::string>();
  const size_t slash = interval.find('/');
  const std::optional<int64_t> start =
      slash == std::string::npos ? std::nullopt : parseIsoTimestamp(interval.substr(0, slash));
  const std::optional<int64_t> end =
      slash == std::string::npos ? std::nullopt : parseIsoTimestamp(interval.substr(slash + 1));
  if (!start || !end) throw badRequest("Invalid interval '" + interval + "'.");
  if (*end <= *start) throw badRequest("The interval end must be after its start.");

  std::vector<Filter> filters;
  for (const char* key : {"segmentFilters", "conversationFilters"}) {
    const Poco::Dynamic::Var list = getField(doc, key);
    if (!isNull(list) && !isArray(list)) throw badRequest(std::string(key) + " must be an array.");
    for (const Poco::Dynamic::Var& item : asList(list)) filters.push_back(parseFilter(item, 1));
  }
  // genesys-api.md §8.4 (D-DETAIL): at most 7 days without a filter, 31 with one.
  const int64_t max_days = filters.empty() ? kMaxIntervalUnfiltered : kMaxIntervalFiltered;
  if (*end - *start > max_days * kDayMs) {
    throw badRequest("The interval may span at most " + std::to_string(max_days) + " days" +
                     (filters.empty() ? " without a filter." : " with a filter."));
  }

  Page page;
  const Poco::Dynamic::Var paging = getField(doc, "paging");
  if (!isNull(paging)) {
    if (!isObject(paging)) throw badRequest("'paging' must be an object.");
    const JsonObject p = asObject(paging);
    const Poco::Dynamic::Var size = getField(p, "pageSize");
    const Poco::Dynamic::Var number = getField(p, "pageNumber");
    page = pageFrom(isNull(size) ? kDefaultPageSize : requireInteger(size, "pageSize"),
                    isNull(number) ? 1 : requireInteger(number, "pageNumber"), kMaxDetailPageSize);
  }
  const Poco::Dynamic::Var order_value = getField(doc, "order");
  const std::string order =
      isNull(order_value) ? "asc" : toLower(requireString(order_value, "order"));
  if (order != "asc" && order != "desc" && order != "unordered") {
    throw badRequest("order must be asc, desc or unordered.");
  }
  const Poco::Dynamic::Var order_by_value = getField(doc, "orderBy");
  const std::string order_by = isNull(order_by_value)
                                   ? "conversationstart"
                                   : toLower(requireString(order_by_value, "orderBy"));
  if (order_by != "conversationstart" && order_by != "conversationend") {
    throw badRequest("genesys-sim orders only by conversationStart or conversationEnd.");
  }

  // Daily indexes: a conversation is found when it started on a UTC day the interval touches.
  const int64_t first_day = floorDay(*start);
  const int64_t after_last_day = floorDay(*end - 1) + kDayMs;
  const std::vector<SimConversation>& all = store.conversations();
  auto inRange = [&](const SimConversation& c) {
    return c.start_ms >= first_day && c.start_ms < after_last_day;
  };
  std::vector<size_t> candidates;
  std::optional<std::vector<std::string>> users;
  for (const Filter& filter : filters) {
    if ((users = candidateUsers(filter))) break;
  }
  if (users) {
    std::set<size_t> seen;
    for (const std::string& id : *users) {
      const SimUser* user = store.userById(id);
      if (user == nullptr) continue;
      const std::vector<size_t>& list = user->conversations;
      auto from = std::lower_bound(list.begin(), list.end(), first_day,
                                   [&](size_t index, int64_t t) { return all[index].start_ms < t; });
      for (auto it = from; it != list.end() && all[*it].start_ms < after_last_day; ++it) {
        if (seen.insert(*it).second) candidates.push_back(*it);
      }
    }
  } else {
    for (size_t i = 0; i < all.size(); ++i) {
      if (inRange(all[i])) candidates.push_back(i);
    }
  }
  std::vector<size_t> hits;
  for (size_t index : candidates) {
    const bool match = std::all_of(filters.begin(), filters.end(), [&](const Filter& filter) {
      return filterMatches(store, all[index], filter);
    });
    if (match && inRange(all[index])) hits.push_back(index);
  }
  const bool by_end = order_by == "conversationend";
  std::sort(hits.begin(), hits.end(), [&](size_t a, size_t b) {
    const int64_t x = by_end ? all[a].end_ms : all[a].start_ms;
    const int64_t y = by_end ? all[b].end_ms : all[b].start_ms;
    if (x != y) return order == "desc" ? x > y : x < y;
    return order == "desc" ? all[a].id > all[b].id : all[a].id < all[b].id;
  });

  const size_t size = static_cast<size_t>(page.size);
  const size_t begin = std::min(hits.size(), static_cast<size_t>(page.number - 1) * size);
  const size_t stop = std::min(hits.size(), begin + size);
  JsonWriter out;
  out.beginObject();
  // Genesys leaves `conversations` out of a page with no hits.
  if (begin < stop) {
    out.key("conversations").beginArray();
    for (size_t i = begin; i < stop; ++i) writeConversation(out, store, all[hits[i]]);
    out.endArray();
  }
  out.fieldInt("totalHits", static_cast<int64_t>(hits.size())).endObject();
  return jsonResponse(200, out.take());
}

bool digits(std::string_view text, size_t at, size_t count, int& value) {
  if (at + count > text.size()) return false;
  value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<int64_t> parseIsoTimestamp(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !digits(text, 11, 2, hour) || text[13] != ':' ||
      !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second)) {
    return std::nullopt;
  }
  size_t at = 19;
  int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int64_t scale = 100;
    const size_t first = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      millis += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == first) return std::nullopt;
  }
  int64_t offset_minutes = 0;
  if (at < text.size()) {
    if (text[at] == 'Z' || text[at] == 'z') {
      ++at;
    } else if (text[at] == '+' || text[at] == '-') {
      const int sign = text[at] == '-' ? -1 : 1;
      int oh = 0, om = 0;
      if (!digits(text, at + 1, 2, oh)) return std::nullopt;
      size_t next = at + 3;
      if (next < text.size() && text[next] == ':') ++next;
      if (!digits(text, next, 2, om)) return std::nullopt;
      at = next + 2;
      offset_minutes = sign * (oh * 60 + om);
    } else {
      return std::nullopt;
    }
  }
  if (at != text.size()) return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const int64_t days_since_epoch = sys_days(date).time_since_epoch().count();
  return days_since_epoch * kDayMs + ((hour * 60 + minute) * 60 + second) * 1000LL + millis -
         offset_minutes * 60'000;
}

std::optional<PlatformRoute> matchPlatformRoute(const std::vector<std::string>& segments) {
  for (const Template& entry : kTemplates) {
    const std::vector<std::string_view> parts = splitPath(entry.path);
    if (parts.size() != segments.size()) continue;
    PlatformRoute route;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) {
      if (isPlaceholder(parts[i])) {
        route.params.push_back(segments[i]);
      } else {
        ok = equalsIgnoreCase(parts[i], segments[i]);
      }
    }
    if (!ok) continue;
    route.kind = entry.kind;
    route.path_template = std::string(entry.path);
    return route;
  }
  return std::nullopt;
}

bool platformMethodAllowed(PlatformKind kind, std::string_view method) {
  const std::string_view methods = templateFor(kind).methods;
  size_t start = 0;
  while (start < methods.size()) {
    size_t end = methods.find(' ', start);
    if (end == std::string_view::npos) end = methods.size();
    if (methods.substr(start, end - start) == method) return true;
    start = end + 1;
  }
  return false;
}

std::string platformAllowedMethods(PlatformKind kind) {
  std::string allowed(templateFor(kind).methods);
  std::replace(allowed.begin(), allowed.end(), ' ', ',');
  std::string out;
  for (char c : allowed) {
    out += c;
    if (c == ',') out += ' ';
  }
  return out;
}

bool sameRouteKey(std::string_view a, std::string_view b) {
  auto canonical = [](std::string_view key) {
    std::string out;
    bool in_placeholder = false;
    for (char c : key) {
      if (c == '{') {
        in_placeholder = true;
        out += "{}";
      } else if (c == '}') {
        in_placeholder = false;
      } else if (!in_placeholder) {
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
  };
  return canonical(a) == canonical(b);
}

void writePlatformUser(JsonWriter& out, const SimUser& user) {
  const UserState state = user.state();
  out.beginObject().field("id", user.id).field("name", user.fields.display_name);
  out.key("division").beginObject().field("name", user.fields.division).endObject();
  out.field("email", user.fields.user_name).field("username", user.fields.user_name);
  out.field("state", state == UserState::kDeleted    ? "deleted"
                     : state == UserState::kInactive ? "inactive"
                                                     : "active");
  out.fieldInt("version", user.version);
  out.field("selfUri", "/api/v2/users/" + user.id).endObject();
}

SimResponse handlePlatform(SimStore& store, const PlatformRoute& route, const std::string& method,
                           const QueryList& query, const std::string& body) {
  switch (route.kind) {
    case PlatformKind::kUserQueues:
      return userQueues(store, route.params[0], query);
    case PlatformKind::kUserRoles:
      return userRoles(store, route.params[0], method, body);
    case PlatformKind::kQueues:
      return listQueues(store, query);
    case PlatformKind::kQueueMembers:
      return method == "GET" ? queueMembers(store, route.params[0], query)
                             : bulkMembers(store, route.params[0], query, body);
    case PlatformKind::kQueueMember:
      return deleteMember(store, route.params[0], route.params[1]);
    case PlatformKind::kSubject:
      return subject(store, route.params[0]);
    case PlatformKind::kSubjectBulkRemove:
      return bulkRemove(store, route.params[0], body);
    case PlatformKind::kSubjectGrant:
      return deleteGrant(store, route);
    case PlatformKind::kRoles:
      return listRoles(store, query);
    case PlatformKind::kDivisions:
      return listDivisions(store, query);
    case PlatformKind::kSkills:
      return listCatalog(store.catalog().skills, "60000000", query);
    case PlatformKind::kLanguages:
      return listCatalog(store.catalog().languages, "70000000", query);
    case PlatformKind::kTokens:
      return revokeTokens(store, route.params[0]);
    case PlatformKind::kConversationQuery:
      return conversationQuery(store, body);
    case PlatformKind::kUsers:
      return listUsers(store, query);
    case PlatformKind::kTokensMe:
      break;
  }
  throw notFoundError("The requested resource was not found.");
}

}  // namespace scim_agent::sim
