#include "agent/scim/scim_page.h"

// Why simdjson's On-Demand API and not a Poco::JSON::Handler: on the same pages
// (tests/bench/page_decode_bench.cpp: 500 pages of 100 users as genesys-sim renders them) the
// simdjson reader took 275 ms, a Poco handler building the same LiveUsers from parser events
// 1,120 ms (4x), and the tree it replaces 2,742 ms (10x) (README.md, Figures). Poco's tokenizer allocates a std::string per key and per string and parses every
// number; simdjson finds the structure with SIMD and unescapes into one reused buffer.
//
// Refusing what Poco refuses. On-Demand checks only what is read, so every value is read here,
// used or not (walk()), with the checks Poco's parser makes: escapes and surrogates (simdjson's
// string reader), literals, numbers (an integer must fit int64 or uint64, as Poco's parser
// requires; any other number must be one simdjson reads exactly), nesting up to 128 levels,
// nothing after the document. Control characters and invalid UTF-8 are refused by simdjson's
// first pass. Wherever the fast path stops, the page is read by the tree path, so a refused
// page gets Poco's message, and a number the fast path does not read exactly is read as Poco
// reads it.

#include <simdjson.h>

#include <algorithm>

#include "agent/base/json.h"
#include "agent/base/text.h"
#include "agent/codec/json_parse.h"
#include "agent/model/scim_schemas.h"
#include "agent/scim/user_codec.h"

namespace scim_agent {

namespace {

namespace ondemand = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;
using Type = ondemand::json_type;

// Poco's parser refuses deeper documents ("Maximum depth exceeded"); the top object is level 1.
constexpr size_t kMaxDepth = 128;

// The fast path gave up: the page goes to the tree path.
constexpr error_code kGiveUp = simdjson::DEPTH_ERROR;

// Reads one page. Every reader consumes its value whole, checked; a failure (any error code)
// means "read this page with the tree path".
class PageWalk {
 public:
  // A key as Poco's parser hands it over: unescaped, cut at the first NUL.
  static error_code keyOf(ondemand::field& field, std::string_view& key) {
    if (auto e = field.unescaped_key().get(key)) return e;
    if (const size_t nul = key.find('\0'); nul != std::string_view::npos) key = key.substr(0, nul);
    return SUCCESS;
  }

  // A number as Poco reads it: integers (no '.', 'e', 'E') as int64 or uint64, converted to
  // double; other numbers as the nearest double. Anything else (an integer beyond uint64, an
  // out-of-range float) gives up: Poco refuses or reads it its own way.
  static error_code number(ondemand::value& v, double& out) {
    const std::string_view token = v.raw_json_token();
    if (token.find_first_of(".eE") != std::string_view::npos) return v.get_double().get(out);
    int64_t i = 0;
    if (v.get_int64().get(i) == SUCCESS) {
      out = static_cast<double>(i);
      return SUCCESS;
    }
    uint64_t u = 0;
    if (v.get_uint64().get(u) != SUCCESS) return kGiveUp;
    out = static_cast<double>(u);
    return SUCCESS;
  }

  // Checks any value, at nesting level `depth` (the level a container would open).
  static error_code walk(ondemand::value& v, Type type, size_t depth) {
    switch (type) {
      case Type::object: {
        if (depth > kMaxDepth) return kGiveUp;
        ondemand::object object;
        if (auto e = v.get_object().get(object)) return e;
        for (auto member : object) {
          ondemand::field field;
          if (auto e = std::move(member).get(field)) return e;
          std::string_view key;
          if (auto e = keyOf(field, key)) return e;
          if (auto e = walk(field.value(), depth + 1)) return e;
        }
        return SUCCESS;
      }
      case Type::array: {
        if (depth > kMaxDepth) return kGiveUp;
        ondemand::array array;
        if (auto e = v.get_array().get(array)) return e;
        for (auto element : array) {
          ondemand::value item;
          if (auto e = std::move(element).get(item)) return e;
          if (auto e = walk(item, depth + 1)) return e;
        }
        return SUCCESS;
      }
      case Type::string: {
        std::string_view s;
        return v.get_string().get(s);
      }
      case Type::number: {
        double d = 0;
        return number(v, d);
      }
      case Type::boolean: {
        bool b = false;
        return v.get_bool().get(b);
      }
      case Type::null: {
        bool null = false;
        if (auto e = v.is_null().get(null)) return e;
        return null ? SUCCESS : simdjson::N_ATOM_ERROR;
      }
    }
    return simdjson::INCORRECT_TYPE;
  }

  static error_code walk(ondemand::value v, size_t depth) {
    Type type;
    if (auto e = v.type().get(type)) return e;
    return walk(v, type, depth);
  }

  // Json::getString: the string, or "" when the value is of another type (still checked).
  static error_code string(ondemand::value v, size_t depth, std::string& out) {
    Type type;
    if (auto e = v.type().get(type)) return e;
    if (type == Type::string) {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return e;
      out.assign(s);
      return SUCCESS;
    }
    out.clear();
    return walk(v, type, depth);
  }

  // For each member of `v` when it is an object (any other value is checked and yields none):
  // `on(key, value)` reads the value whole.
  template <typename OnMember>
  static error_code members(ondemand::value v, size_t depth, bool& is_object, OnMember&& on) {
    Type type;
    if (auto e = v.type().get(type)) return e;
    is_object = type == Type::object;
    if (!is_object) return walk(v, type, depth);
    if (depth > kMaxDepth) return kGiveUp;
    ondemand::object object;
    if (auto e = v.get_object().get(object)) return e;
    for (auto member : object) {
      ondemand::field field;
      if (auto e = std::move(member).get(field)) return e;
      std::string_view key;
      if (auto e = keyOf(field, key)) return e;
      if (auto e = on(key, field.value())) return e;
    }
    return SUCCESS;
  }

  template <typename OnMember>
  static error_code members(ondemand::value v, size_t depth, OnMember&& on) {
    bool is_object = false;
    return members(v, depth, is_object, std::forward<OnMember>(on));
  }

  // For each element of `v` when it is an array (any other value is checked and yields none).
  template <typename OnElement>
  static error_code elements(ondemand::value v, size_t depth, bool& is_array, OnElement&& on) {
    Type type;
    if (auto e = v.type().get(type)) return e;
    is_array = type == Type::array;
    if (!is_array) return walk(v, type, depth);
    if (depth > kMaxDepth) return kGiveUp;
    ondemand::array array;
    if (auto e = v.get_array().get(array)) return e;
    for (auto element : array) {
      ondemand::value item;
      if (auto e = std::move(element).get(item)) return e;
      if (auto e = on(item)) return e;
    }
    return SUCCESS;
  }

  template <typename OnElement>
  static error_code elements(ondemand::value v, size_t depth, OnElement&& on) {
    bool is_array = false;
    return elements(v, depth, is_array, std::forward<OnElement>(on));
  }

  // A member that may be a string or a {"value": …} object (user_codec.cpp's valueOf).
  error_code valueOf(ondemand::value v, size_t depth, std::string& out) {
    Type type;
    if (auto e = v.type().get(type)) return e;
    if (type == Type::string) return string(v, depth, out);
    out.clear();
    return members(v, depth, [&](std::string_view key, ondemand::value member) {
      return key == "value" ? string(member, depth + 1, out) : walk(member, depth + 1);
    });
  }

  // A list of strings or {"value": …} objects; empty values are left out.
  error_code values(ondemand::value v, size_t depth, std::vector<std::string>& out) {
    out.clear();
    return elements(v, depth, [&](ondemand::value item) {
      if (auto e = valueOf(item, depth + 1, scratch_a_)) return e;
      if (!scratch_a_.empty()) out.push_back(scratch_a_);
      return SUCCESS;
    });
  }

  // routingSkills / routingLanguages: objects with a non-empty name; the proficiency a number,
  // a numeric string, or 0.
  error_code proficiencies(ondemand::value v, size_t depth, std::vector<Proficiency>& out) {
    out.clear();
    return elements(v, depth, [&](ondemand::value item) {
      double proficiency = 0;
      bool is_object = false;
      auto e = members(item, depth + 1, is_object, [&](std::string_view key, ondemand::value m) {
        if (key == "name") return string(m, depth + 2, scratch_a_);
        if (key != "proficiency") return walk(m, depth + 2);
        Type type;
        if (auto te = m.type().get(type)) return te;
        proficiency = 0;
        if (type == Type::number) return number(m, proficiency);
        if (type == Type::string) {
          if (auto se = string(m, depth + 2, scratch_b_)) return se;
          proficiency = proficiencyFromText(scratch_b_);
          return SUCCESS;
        }
        return walk(m, type, depth + 2);
      });
      if (e) return e;
      if (is_object && !scratch_a_.empty()) out.push_back({scratch_a_, proficiency});
      scratch_a_.clear();
      return SUCCESS;
    });
  }

  // One Resources entry as liveUserFromScim reads it.
  error_code user(ondemand::value v, const LiveUserKnown& known, ScimPageItem<LiveUser>& item) {
    constexpr size_t depth = 3;  // page object, Resources, user
    LiveUser& u = item.resource;
    std::string member_external_id;
    std::string listed_external_id;  // from the Genesys extension's externalIds
    bool is_object = false;
    auto e = members(v, depth, is_object, [&](std::string_view key, ondemand::value m) {
      constexpr size_t in = depth + 1;
      switch (key.size() > 0 ? key[0] : '\0') {
        case 'a':
          if (key == "active") {
            Type type;
            if (auto te = m.type().get(type)) return te;
            u.active = true;
            if (type == Type::boolean) return m.get_bool().get(u.active);
            return walk(m, type, in);
          }
          break;
        case 'd':
          if (key == "displayName") return string(m, in, u.display_name);
          break;
        case 'e':
          if (key == "externalId") return string(m, in, member_external_id);
          if (key == "emails") {
            u.work_email.clear();
            bool found = false;
            return elements(m, in, [&](ondemand::value email) {
              scratch_a_.clear();  // type
              scratch_b_.clear();  // value
              auto ee = members(email, in + 1, [&](std::string_view k, ondemand::value f) {
                if (k == "type") return string(f, in + 2, scratch_a_);
                if (k == "value") return string(f, in + 2, scratch_b_);
                return walk(f, in + 2);
              });
              if (ee) return ee;
              if (!found && equalsIgnoreCase(scratch_a_, "work")) {
                u.work_email = scratch_b_;
                found = true;
              }
              return SUCCESS;
            });
          }
          break;
        case 'g':
          if (key == "groups") return values(m, in, u.group_ids);
          break;
        case 'i':
          if (key == "id") return string(m, in, u.id);
          break;
        case 'm':
          if (key == "meta") {
            u.version.clear();
            return members(m, in, [&](std::string_view k, ondemand::value f) {
              return k == "version" ? string(f, in + 1, u.version) : walk(f, in + 1);
            });
          }
          break;
        case 'p':
          if (key == "phoneNumbers") {
            u.phone_numbers.clear();
            return elements(m, in, [&](ondemand::value phone) {
              scratch_a_.clear();  // value
              scratch_b_.clear();  // type
              auto pe = members(phone, in + 1, [&](std::string_view k, ondemand::value f) {
                if (k == "value") return string(f, in + 2, scratch_a_);
                if (k == "type") return string(f, in + 2, scratch_b_);
                return walk(f, in + 2);
              });
              if (pe) return pe;
              if (!scratch_a_.empty()) u.phone_numbers.push_back({scratch_a_, scratch_b_});
              return SUCCESS;
            });
          }
          break;
        case 'r':
          if (key == "roles") return values(m, in, u.roles);
          break;
        case 't':
          if (key == "title") return string(m, in, u.title);
          break;
        case 'u':
          if (key == "userName") return string(m, in, u.user_name);
          if (key == kEnterpriseUserSchema) return enterprise(m, in, u);
          if (key == kGenesysUserSchema) return genesys(m, in, u, listed_external_id);
          break;
        default:
          break;
      }
      return walk(m, in);
    });
    if (e) return e;
    if (!is_object) {
      item.error = Error(ErrorCode::kInvalidInput, "malformed SCIM user: not a JSON object");
      return SUCCESS;
    }
    u.external_id = member_external_id.empty() ? std::move(listed_external_id)
                                               : std::move(member_external_id);
    Status finished = finishLiveUser(u, known);
    if (!finished.ok()) item.error = finished.error();
    return SUCCESS;
  }

  error_code enterprise(ondemand::value v, size_t depth, LiveUser& u) {
    u.department.clear();
    u.division.clear();
    u.employee_number.clear();
    u.date_hire.clear();
    u.manager_id.clear();
    return members(v, depth, [&](std::string_view key, ondemand::value m) {
      if (key == "department") return string(m, depth + 1, u.department);
      if (key == "division") return string(m, depth + 1, u.division);
      if (key == "employeeNumber") return string(m, depth + 1, u.employee_number);
      if (key == "dateHire") return string(m, depth + 1, u.date_hire);
      if (key == "manager") return valueOf(m, depth + 1, u.manager_id);
      return walk(m, depth + 1);
    });
  }

  error_code genesys(ondemand::value v, size_t depth, LiveUser& u, std::string& external_id) {
    u.routing_skills.clear();
    u.routing_languages.clear();
    external_id.clear();
    return members(v, depth, [&](std::string_view key, ondemand::value m) {
      if (key == "routingSkills") return proficiencies(m, depth + 1, u.routing_skills);
      if (key == "routingLanguages") return proficiencies(m, depth + 1, u.routing_languages);
      if (key != "externalIds") return walk(m, depth + 1);
      external_id.clear();
      bool found = false;
      return elements(m, depth + 1, [&](ondemand::value entry) {
        scratch_a_.clear();  // authority
        scratch_b_.clear();  // value
        auto ee = members(entry, depth + 2, [&](std::string_view k, ondemand::value f) {
          if (k == "authority") return string(f, depth + 3, scratch_a_);
          if (k == "value") return string(f, depth + 3, scratch_b_);
          return walk(f, depth + 3);
        });
        if (ee) return ee;
        if (!found && scratch_a_.rfind(kScimExternalIdAuthority, 0) == 0) {
          external_id = scratch_b_;
          found = true;
        }
        return SUCCESS;
      });
    });
  }

  // One Resources entry as groupFromScim reads it.
  error_code group(ondemand::value v, ScimPageItem<Group>& item) {
    constexpr size_t depth = 3;
    Group& g = item.resource;
    return members(v, depth, [&](std::string_view key, ondemand::value m) {
      if (key == "id") return string(m, depth + 1, g.id);
      if (key == "displayName") return string(m, depth + 1, g.display_name);
      if (key != "meta") return walk(m, depth + 1);
      g.version.clear();
      return members(m, depth + 1, [&](std::string_view k, ondemand::value f) {
        return k == "version" ? string(f, depth + 2, g.version) : walk(f, depth + 2);
      });
    });
  }

  // The page object: the header members and Resources, each entry read by `entry`.
  template <typename T, typename OnEntry>
  error_code page(ondemand::document& doc, ScimPage<T>& out, OnEntry&& entry) {
    Type type;
    if (auto e = doc.type().get(type)) return e;
    if (type != Type::object) return kGiveUp;  // the tree path tells "not JSON" from "not an object"
    ondemand::object object;
    if (auto e = doc.get_object().get(object)) return e;
    constexpr size_t in = 2;
    for (auto member : object) {
      ondemand::field field;
      if (auto e = std::move(member).get(field)) return e;
      std::string_view key;
      if (auto e = keyOf(field, key)) return e;
      ondemand::value m = field.value();
      if (key == "Resources") {
        out.items.clear();
        Type resources_type;
        if (auto e = m.type().get(resources_type)) return e;
        out.header.resources = resources_type == Type::null
                                   ? ScimPageHeader::Resources::kAbsentOrNull
                                   : ScimPageHeader::Resources::kNotList;
        bool is_array = false;
        auto e = elements(m, in, is_array, [&](ondemand::value item) {
          out.items.emplace_back();
          return entry(item, out.items.back());
        });
        if (e) return e;
        if (is_array) out.header.resources = ScimPageHeader::Resources::kList;
        continue;
      }
      std::optional<double>* slot = key == "totalResults" ? &out.header.total_results
                                    : key == "startIndex" ? &out.header.start_index
                                                          : nullptr;
      const bool per_page = key == "itemsPerPage";
      if (slot == nullptr && !per_page) {
        if (auto e = walk(m, in)) return e;
        continue;
      }
      Type value_type;
      if (auto e = m.type().get(value_type)) return e;
      double n = 0;
      if (value_type == Type::number) {
        if (auto e = number(m, n)) return e;
      } else if (auto e = walk(m, value_type, in)) {
        return e;
      }
      if (per_page) {
        out.header.items_per_page = value_type == Type::number ? n : 0;
      } else {
        *slot = value_type == Type::number ? std::optional<double>(n) : std::nullopt;
      }
    }
    const char* rest = nullptr;
    if (doc.current_location().get(rest) == SUCCESS) return kGiveUp;  // text after the object
    return SUCCESS;
  }

 private:
  // Reused across members and users, so that reading a page allocates little besides what it
  // keeps.
  std::string scratch_a_;
  std::string scratch_b_;
};

ScimPageHeader headerOf(const Json& json) {
  ScimPageHeader header;
  if (const Json& total = json.get("totalResults"); total.isNumber()) {
    header.total_results = total.asNumber();
  }
  if (const Json& start = json.get("startIndex"); start.isNumber()) {
    header.start_index = start.asNumber();
  }
  header.items_per_page = json.getNumber("itemsPerPage", 0);
  const Json& list = json.get("Resources");
  header.resources = list.isArray()  ? ScimPageHeader::Resources::kList
                     : list.isNull() ? ScimPageHeader::Resources::kAbsentOrNull
                                     : ScimPageHeader::Resources::kNotList;
  return header;
}

// parseJson + the page's object check, as GenesysDirectory::getList made them.
Result<Json> pageTree(std::string_view body) {
  Result<Json> json = parseJson(body);
  if (!json.ok()) return json.error();
  if (!json->isObject()) return Error(ErrorCode::kInvalidInput, "");
  return json;
}

}  // namespace

Result<ScimPage<LiveUser>> usersPageFromTree(std::string_view body,
                                             const std::vector<std::string>& excluded) {
  Result<Json> json = pageTree(body);
  if (!json.ok()) return json.error();
  ScimPage<LiveUser> page;
  page.header = headerOf(*json);
  if (page.header.resources != ScimPageHeader::Resources::kList) return page;
  for (const Json& resource : json->get("Resources").asArray()) {
    ScimPageItem<LiveUser>& item = page.items.emplace_back();
    Result<LiveUser> user = liveUserFromScim(resource, excluded);
    if (user.ok()) {
      item.resource = std::move(user).value();
    } else {
      item.resource.id = resource.getString("id");
      item.resource.version = resource.get("meta").getString("version");
      item.error = user.error();
    }
  }
  return page;
}

Result<ScimPage<Group>> groupsPageFromTree(std::string_view body) {
  Result<Json> json = pageTree(body);
  if (!json.ok()) return json.error();
  ScimPage<Group> page;
  page.header = headerOf(*json);
  if (page.header.resources != ScimPageHeader::Resources::kList) return page;
  for (const Json& resource : json->get("Resources").asArray()) {
    page.items.push_back({groupFromScim(resource), std::nullopt});
  }
  return page;
}

struct ScimPageDecoder::Impl {
  ondemand::parser parser;
  std::string buffer;  // the page text and simdjson's padding; its capacity is kept

  // Runs `read` over `body` in the reused buffer; false when the fast path gave up.
  template <typename T, typename OnEntry>
  bool read(std::string_view body, ScimPage<T>& page, OnEntry&& entry) {
    buffer.assign(body);
    buffer.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    ondemand::document doc;
    if (parser.iterate(buffer.data(), buffer.size(), buffer.capacity()).get(doc) != SUCCESS) {
      return false;
    }
    PageWalk walk;
    return walk.page(doc, page, [&](ondemand::value v, ScimPageItem<T>& item) {
      return entry(walk, v, item);
    }) == SUCCESS;
  }
};

ScimPageDecoder::ScimPageDecoder() : impl_(std::make_unique<Impl>()) {}
ScimPageDecoder::~ScimPageDecoder() = default;

Result<ScimPage<LiveUser>> ScimPageDecoder::users(std::string_view body,
                                                  const std::vector<std::string>& excluded) {
  const LiveUserKnown known = knownAttributes(excluded);
  ScimPage<LiveUser> page;
  const bool read = impl_->read(body, page, [&](PageWalk& walk, ondemand::value v,
                                                ScimPageItem<LiveUser>& item) {
    return walk.user(v, known, item);
  });
  if (!read) return usersPageFromTree(body, excluded);
  return page;
}

Result<ScimPage<Group>> ScimPageDecoder::groups(std::string_view body) {
  ScimPage<Group> page;
  const bool read = impl_->read(body, page, [](PageWalk& walk, ondemand::value v,
                                               ScimPageItem<Group>& item) {
    return walk.group(v, item);
  });
  if (!read) return groupsPageFromTree(body);
  return page;
}

}  // namespace scim_agent
