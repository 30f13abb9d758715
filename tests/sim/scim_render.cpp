#include "tests/sim/scim_render.h"

#include <chrono>
#include <cstdio>

namespace scim_agent::sim {
namespace {

uint32_t userAttrByName(std::string_view raw) {
  std::string name = toLower(raw);
  const std::string core = toLower(kUserSchema) + ":";
  const std::string enterprise = toLower(kEnterpriseSchema);
  const std::string genesys = toLower(kGenesysSchema);
  if (name.rfind(core, 0) == 0) name = name.substr(core.size());
  if (name == enterprise) {
    return kAttrDepartment | kAttrDivision | kAttrEmployeeNumber | kAttrDateHire | kAttrManager;
  }
  if (name == genesys) return kAttrRoutingSkills | kAttrRoutingLanguages | kAttrExternalIds;
  if (name.rfind(enterprise + ":", 0) == 0) name = name.substr(enterprise.size() + 1);
  if (name.rfind(genesys + ":", 0) == 0) name = name.substr(genesys.size() + 1);
  name = name.substr(0, name.find_first_of(".["));
  static const std::pair<std::string_view, uint32_t> kNames[] = {
      {"id", kAttrId},
      {"externalid", kAttrExternalId},
      {"username", kAttrUserName},
      {"displayname", kAttrDisplayName},
      {"title", kAttrTitle},
      {"active", kAttrActive},
      {"emails", kAttrEmails},
      {"phonenumbers", kAttrPhoneNumbers},
      {"roles", kAttrRoles},
      {"groups", kAttrGroups},
      {"meta", kAttrMeta},
      {"department", kAttrDepartment},
      {"division", kAttrDivision},
      {"employeenumber", kAttrEmployeeNumber},
      {"datehire", kAttrDateHire},
      {"manager", kAttrManager},
      {"routingskills", kAttrRoutingSkills},
      {"routinglanguages", kAttrRoutingLanguages},
      {"externalids", kAttrExternalIds},
  };
  for (const auto& [known, bit] : kNames) {
    if (name == known) return bit;
  }
  return 0;
}

void writeRouting(JsonWriter& out, std::string_view key, const std::vector<RoutingEntry>& list) {
  out.key(key).beginArray();
  for (const RoutingEntry& entry : list) {
    out.beginObject().field("name", entry.name).key("proficiency").number(entry.proficiency);
    out.endObject();
  }
  out.endArray();
}

void writeMeta(JsonWriter& out, std::string_view resource_type, int64_t modified_ms,
               const std::string& location, int64_t version, const RenderOptions& options) {
  out.key("meta").beginObject().field("resourceType", resource_type);
  if (!options.stable) {
    out.field("lastModified", formatTimestamp(modified_ms)).field("location", location);
  }
  out.field("version", formatVersion(version)).endObject();
}

}  // namespace

UserProjection userProjection(const std::vector<std::string>& attributes,
                              const std::vector<std::string>& excluded) {
  UserProjection projection;
  if (!attributes.empty()) {
    projection.mask = kAlwaysUserAttrs;
    for (const std::string& name : attributes) projection.mask |= userAttrByName(name);
  }
  for (const std::string& name : excluded) {
    projection.mask &= ~(userAttrByName(name) & ~kAlwaysUserAttrs);
  }
  return projection;
}

GroupProjection groupProjection(const std::vector<std::string>& attributes,
                                const std::vector<std::string>& excluded) {
  const std::string prefix = toLower(kGroupSchema) + ":";
  auto normalise = [&](const std::string& raw) {
    std::string name = toLower(raw);
    if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
    return name.substr(0, name.find_first_of(".["));
  };
  GroupProjection projection;
  if (!attributes.empty()) {
    projection = GroupProjection{false, false, false};
    for (const std::string& raw : attributes) {
      const std::string name = normalise(raw);
      if (name == "displayname") projection.display_name = true;
      if (name == "externalid") projection.external_id = true;
      if (name == "members") projection.members = true;
    }
  }
  for (const std::string& raw : excluded) {
    const std::string name = normalise(raw);
    if (name == "displayname") projection.display_name = false;
    if (name == "externalid") projection.external_id = false;
    if (name == "members") projection.members = false;
  }
  return projection;
}

std::string userLocation(const RenderOptions& options, std::string_view id) {
  return options.base_url + "/api/v2/scim/v2/Users/" + std::string(id);
}

std::string groupLocation(const RenderOptions& options, std::string_view id) {
  return options.base_url + "/api/v2/scim/v2/Groups/" + std::string(id);
}

void writeUser(JsonWriter& out, const SimUser& user, const SimStore& store,
               const UserProjection& projection, const RenderOptions& options) {
  const UserFields& f = user.fields;
  out.beginObject();
  out.key("schemas").beginArray().string(kUserSchema).string(kEnterpriseSchema);
  out.string(kGenesysSchema).endArray();
  out.field("id", user.id);
  if (projection.has(kAttrExternalId) && f.external_id) out.field("externalId", *f.external_id);
  out.field("userName", f.user_name);
  if (projection.has(kAttrDisplayName)) out.field("displayName", f.display_name);
  if (projection.has(kAttrTitle) && f.title) out.field("title", *f.title);
  out.fieldBool("active", f.active);
  if (options.mark_deleted && user.deleted) out.fieldBool("deleted", true);

  if (projection.has(kAttrEmails)) {
    // The "other" email always mirrors userName and is read-only (genesys-api.md §3.1, §9 #12).
    out.key("emails").beginArray();
    out.beginObject().field("value", f.user_name).field("type", "other");
    out.fieldBool("primary", true).endObject();
    if (f.work_email) {
      out.beginObject().field("value", *f.work_email).field("type", "work").endObject();
    }
    out.endArray();
  }
  if (projection.has(kAttrPhoneNumbers) && !f.phones.empty()) {
    out.key("phoneNumbers").beginArray();
    for (const PhoneNumber& phone : f.phones) {
      out.beginObject().field("value", phone.value).field("type", phone.type).endObject();
    }
    out.endArray();
  }
  if (projection.has(kAttrRoles) && !f.roles.empty()) {
    out.key("roles").beginArray();
    for (const std::string& role : f.roles) out.beginObject().field("value", role).endObject();
    out.endArray();
  }
  if (projection.has(kAttrGroups) && !user.groups.empty()) {
    out.key("groups").beginArray();
    for (size_t group_index : user.groups) {
      const SimGroup& group = store.groupAt(group_index);
      out.beginObject().field("value", group.id).field("display", group.display_name);
      if (!options.stable) out.field("$ref", groupLocation(options, group.id));
      out.endObject();
    }
    out.endArray();
  }

  const uint32_t enterprise_bits =
      kAttrDepartment | kAttrDivision | kAttrEmployeeNumber | kAttrDateHire | kAttrManager;
  if (projection.has(enterprise_bits)) {
    out.key(kEnterpriseSchema).beginObject();
    if (projection.has(kAttrDepartment) && f.department) out.field("department", *f.department);
    if (projection.has(kAttrDivision)) out.field("division", f.division);
    if (projection.has(kAttrEmployeeNumber) && f.employee_number) {
      out.field("employeeNumber", *f.employee_number);
    }
    if (projection.has(kAttrDateHire) && f.date_hire) out.field("dateHire", *f.date_hire);
    if (projection.has(kAttrManager) && f.manager_id) {
      out.key("manager").beginObject().field("value", *f.manager_id);
      if (!options.stable) out.field("$ref", userLocation(options, *f.manager_id));
      out.endObject();
    }
    out.endObject();
  }

  const bool skills = projection.has(kAttrRoutingSkills) && !f.skills.empty();
  const bool languages = projection.has(kAttrRoutingLanguages) && !f.languages.empty();
  const bool external_ids =
      projection.has(kAttrExternalIds) && (f.external_id || !f.external_ids.empty());
  if (skills || languages || external_ids) {
    out.key(kGenesysSchema).beginObject();
    if (skills) writeRouting(out, "routingSkills", f.skills);
    if (languages) writeRouting(out, "routingLanguages", f.languages);
    if (external_ids) {
      out.key("externalIds").beginArray();
      if (f.external_id) {
        out.beginObject().field("authority", kScimExternalIdAuthority);
        out.field("value", *f.external_id).endObject();
      }
      for (const ExternalIdEntry& entry : f.external_ids) {
        out.beginObject().field("authority", entry.authority).field("value", entry.value);
        out.endObject();
      }
      out.endArray();
    }
    out.endObject();
  }

  writeMeta(out, "User", user.modified_ms, userLocation(options, user.id), user.version, options);
  if (options.user_extra) options.user_extra(out, user);
  out.endObject();
}

void writeGroup(JsonWriter& out, const SimGroup& group, const SimStore& store,
                const GroupProjection& projection, const RenderOptions& options) {
  out.beginObject();
  out.key("schemas").beginArray().string(kGroupSchema).endArray();
  out.field("id", group.id);
  if (projection.display_name) out.field("displayName", group.display_name);
  if (projection.external_id && group.external_id) out.field("externalId", *group.external_id);
  if (projection.members) {
    out.key("members").beginArray();
    for (size_t user_index : group.members) {
      const SimUser& user = store.userAt(user_index);
      out.beginObject().field("value", user.id).field("display", user.fields.display_name);
      out.field("type", "User");
      if (!options.stable) out.field("$ref", userLocation(options, user.id));
      out.endObject();
    }
    out.endArray();
  }
  writeMeta(out, "Group", group.modified_ms, groupLocation(options, group.id), group.version,
            options);
  out.endObject();
}

std::string formatTimestamp(int64_t epoch_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> time{milliseconds{epoch_ms}};
  const sys_days day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> clock{time - day};
  char buffer[40];
  std::snprintf(
      buffer, sizeof(buffer), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
      static_cast<int>(clock.seconds().count()), static_cast<int>(clock.subseconds().count()));
  return buffer;
}

std::string formatVersion(int64_t version) {
  // Appended piecewise: `"\"" + std::to_string(…)` trips GCC 12's -Wrestrict false positive
  // in Release builds with -Werror.
  std::string out = "\"";
  out += std::to_string(version);
  out += '"';
  return out;
}

int64_t parseVersion(std::string_view header) {
  size_t start = header.find_first_of("0123456789");
  if (start == std::string_view::npos) return -1;
  int64_t value = 0;
  size_t i = start;
  for (; i < header.size() && header[i] >= '0' && header[i] <= '9'; ++i) {
    if (value > 1'000'000'000'000) return -1;
    value = value * 10 + (header[i] - '0');
  }
  // Anything but optional W/ and quotes around the digits is not a version of ours.
  std::string_view before = header.substr(0, start);
  std::string_view after = header.substr(i);
  auto trim = [](std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
  };
  before = trim(before);
  after = trim(after);
  if (before.size() >= 2 && (before.substr(0, 2) == "W/" || before.substr(0, 2) == "w/")) {
    before.remove_prefix(2);
  }
  if (!(before.empty() || before == "\"") || !(after.empty() || after == "\"")) return -1;
  if (before.size() != after.size()) return -1;
  return value;
}

}  // namespace scim_agent::sim
