#include "tests/sim/scim_parse.h"

#include <algorithm>

#include "tests/sim/sim_error.h"

namespace scim_agent::sim {
namespace {

constexpr size_t kMaxRoutingEntries = 50;  // genesys-api.md §3.3

std::string requireStringField(const JsonObject& object, std::string_view name,
                               std::string_view what) {
  const Poco::Dynamic::Var value = getField(object, name);
  return requireString(value, what);
}

bool isDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<std::string> parseOptionalString(const Poco::Dynamic::Var& value,
                                               std::string_view what) {
  if (isNull(value)) return std::nullopt;
  std::string text = requireString(value, what);
  if (text.empty()) return std::nullopt;
  return text;
}

std::vector<std::string> parseRoles(const Poco::Dynamic::Var& value) {
  std::vector<std::string> roles;
  for (const Poco::Dynamic::Var& item : asList(value)) {
    std::string name;
    if (isObject(item)) {
      name = requireString(getField(asObject(item), "value"), "roles.value");
    } else {
      name = requireString(item, "roles");
    }
    if (name.empty()) throw invalidValue("Attribute 'roles.value' must not be empty.");
    if (std::find(roles.begin(), roles.end(), name) == roles.end()) roles.push_back(name);
  }
  return roles;
}

RoutingEntry parseRoutingEntry(const Poco::Dynamic::Var& value, std::string_view what) {
  if (!isObject(value)) {
    throw invalidValue("Entries of '" + std::string(what) + "' must be objects.");
  }
  const JsonObject object = asObject(value);
  RoutingEntry entry;
  entry.name = requireStringField(object, "name", std::string(what) + ".name");
  if (entry.name.empty())
    throw invalidValue("Attribute '" + std::string(what) + ".name' is required.");
  const Poco::Dynamic::Var proficiency = getField(object, "proficiency");
  if (!isNull(proficiency)) {
    entry.proficiency = requireNumber(proficiency, std::string(what) + ".proficiency");
    if (entry.proficiency < 0.0 || entry.proficiency > 5.0) {
      throw invalidValue("Attribute '" + std::string(what) +
                         ".proficiency' must be between 0.0 and 5.0.");
    }
  }
  return entry;
}

void mergeRouting(std::vector<RoutingEntry>& list, const RoutingEntry& entry,
                  std::string_view what) {
  for (RoutingEntry& existing : list) {
    if (existing.name == entry.name) {
      existing.proficiency = entry.proficiency;
      return;
    }
  }
  if (list.size() >= kMaxRoutingEntries) {
    throw invalidValue("At most 50 entries are allowed in '" + std::string(what) + "'.");
  }
  list.push_back(entry);
}

std::vector<RoutingEntry> parseRoutingList(const Poco::Dynamic::Var& value, std::string_view what) {
  std::vector<RoutingEntry> list;
  for (const Poco::Dynamic::Var& item : asList(value)) {
    mergeRouting(list, parseRoutingEntry(item, what), what);
  }
  return list;
}

std::optional<std::string> parseManager(const Poco::Dynamic::Var& value) {
  if (isNull(value)) return std::nullopt;
  if (isObject(value))
    return parseOptionalString(getField(asObject(value), "value"), "manager.value");
  return parseOptionalString(value, "manager");
}

std::string normalizeDateHire(const std::string& value) {
  const std::string_view text(value);
  if (text.size() >= 10 && isDigits(text.substr(0, 4)) && text[4] == '-' &&
      isDigits(text.substr(5, 2)) && text[7] == '-' && isDigits(text.substr(8, 2)) &&
      (text.size() == 10 || text[10] == 'T' || text[10] == ' ')) {
    return value.substr(0, 10);
  }
  throw invalidValue("Attribute 'dateHire' must be a date (YYYY-MM-DD).");
}

std::optional<std::string> canonicalPhoneType(std::string_view type) {
  for (std::string_view known : kPhoneTypes) {
    if (equalsIgnoreCase(known, type)) return std::string(known);
  }
  return std::nullopt;
}

void setPhone(std::vector<PhoneNumber>& phones, const std::string& type, const std::string& value) {
  phones.erase(std::remove_if(phones.begin(), phones.end(),
                              [&](const PhoneNumber& phone) { return phone.type == type; }),
               phones.end());
  if (value.empty()) return;
  phones.push_back(PhoneNumber{type, value});
  auto rank = [](const PhoneNumber& phone) {
    return std::find(kPhoneTypes.begin(), kPhoneTypes.end(), phone.type) - kPhoneTypes.begin();
  };
  std::stable_sort(phones.begin(), phones.end(),
                   [&](const PhoneNumber& a, const PhoneNumber& b) { return rank(a) < rank(b); });
}

std::vector<PhoneNumber> parsePhones(const Poco::Dynamic::Var& value) {
  std::vector<PhoneNumber> phones;
  for (const Poco::Dynamic::Var& item : asList(value)) {
    if (!isObject(item)) throw invalidValue("Entries of 'phoneNumbers' must be objects.");
    const JsonObject object = asObject(item);
    const std::string number = requireStringField(object, "value", "phoneNumbers.value");
    std::string type = "work";
    const Poco::Dynamic::Var raw_type = getField(object, "type");
    if (!isNull(raw_type)) {
      const std::string given = requireString(raw_type, "phoneNumbers.type");
      const std::optional<std::string> canonical = canonicalPhoneType(given);
      if (!canonical) throw invalidValue("Unsupported phone number type '" + given + "'.");
      type = *canonical;
    }
    setPhone(phones, type, number);
  }
  return phones;
}

std::optional<std::string> parseWorkEmail(const Poco::Dynamic::Var& value) {
  std::optional<std::string> work;
  for (const Poco::Dynamic::Var& item : asList(value)) {
    if (!isObject(item)) throw invalidValue("Entries of 'emails' must be objects.");
    const JsonObject object = asObject(item);
    const Poco::Dynamic::Var type = getField(object, "type");
    if (!isNull(type) && equalsIgnoreCase(requireString(type, "emails.type"), "work")) {
      work = parseOptionalString(getField(object, "value"), "emails.value");
    }
  }
  return work;
}

bool isScimAuthority(std::string_view authority) {
  return startsWithIgnoreCase(authority, kScimExternalIdAuthority);
}

std::vector<ExternalIdEntry> parseExternalIds(const Poco::Dynamic::Var& value) {
  std::vector<ExternalIdEntry> entries;
  for (const Poco::Dynamic::Var& item : asList(value)) {
    if (!isObject(item)) throw invalidValue("Entries of 'externalIds' must be objects.");
    const JsonObject object = asObject(item);
    ExternalIdEntry entry;
    entry.authority = requireStringField(object, "authority", "externalIds.authority");
    entry.value = requireStringField(object, "value", "externalIds.value");
    if (entry.authority.empty())
      throw invalidValue("Attribute 'externalIds.authority' is required.");
    if (isScimAuthority(entry.authority)) continue;
    auto same = std::find_if(entries.begin(), entries.end(), [&](const ExternalIdEntry& e) {
      return e.authority == entry.authority;
    });
    if (same != entries.end()) {
      same->value = entry.value;
    } else {
      entries.push_back(entry);
    }
  }
  return entries;
}

UserFields parseUserDocument(const JsonObject& doc) {
  UserFields fields;
  const Poco::Dynamic::Var user_name = getField(doc, "userName");
  if (!isNull(user_name)) fields.user_name = requireString(user_name, "userName");
  const Poco::Dynamic::Var display_name = getField(doc, "displayName");
  if (!isNull(display_name)) fields.display_name = requireString(display_name, "displayName");
  const Poco::Dynamic::Var active = getField(doc, "active");
  if (!isNull(active)) fields.active = requireBool(active, "active");
  fields.title = parseOptionalString(getField(doc, "title"), "title");
  fields.external_id = parseOptionalString(getField(doc, "externalId"), "externalId");
  fields.work_email = parseWorkEmail(getField(doc, "emails"));
  fields.phones = parsePhones(getField(doc, "phoneNumbers"));
  fields.roles = parseRoles(getField(doc, "roles"));

  const Poco::Dynamic::Var enterprise = getField(doc, kEnterpriseSchema);
  if (!isNull(enterprise)) {
    if (!isObject(enterprise)) throw invalidValue("The enterprise extension must be an object.");
    const JsonObject ext = asObject(enterprise);
    fields.department = parseOptionalString(getField(ext, "department"), "department");
    const std::optional<std::string> division =
        parseOptionalString(getField(ext, "division"), "division");
    if (division) fields.division = *division;
    fields.employee_number = parseOptionalString(getField(ext, "employeeNumber"), "employeeNumber");
    const std::optional<std::string> date_hire =
        parseOptionalString(getField(ext, "dateHire"), "dateHire");
    if (date_hire) fields.date_hire = normalizeDateHire(*date_hire);
    fields.manager_id = parseManager(getField(ext, "manager"));
  }

  const Poco::Dynamic::Var genesys = getField(doc, kGenesysSchema);
  if (!isNull(genesys)) {
    if (!isObject(genesys)) throw invalidValue("The Genesys extension must be an object.");
    const JsonObject ext = asObject(genesys);
    fields.skills = parseRoutingList(getField(ext, "routingSkills"), "routingSkills");
    fields.languages = parseRoutingList(getField(ext, "routingLanguages"), "routingLanguages");
    fields.external_ids = parseExternalIds(getField(ext, "externalIds"));
  }
  return fields;
}

}  // namespace scim_agent::sim
