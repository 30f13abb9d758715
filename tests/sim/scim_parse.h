#pragma once

// Reading SCIM user documents (POST / PUT bodies, /sim/seed entries) and the attribute values
// that PATCH shares with them. Everything here throws SimError 400 invalidValue (naming the
// attribute) on a value of the wrong shape; nothing consults the store, so catalog, uniqueness
// and manager checks happen later in SimStore::validate().
//
// Genesys behaviour followed (genesys-api.md §3):
//   - unknown attributes (name, nickName, locale, …) are ignored on POST/PUT;
//   - `groups` on a user is read-only and ignored;
//   - `emails` of type "other" mirror userName and are ignored on input; type "work" is kept;
//   - phone types are limited to kPhoneTypes, one number per type;
//   - routing skills/languages: name required, proficiency 0.0–5.0, at most 50 each;
//   - `dateHire` accepts ISO-8601 and keeps the date part;
//   - `manager` is {"value":"<userId>"} or a plain id string;
//   - empty strings clear optional attributes.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/sim/scim_model.h"
#include "tests/sim/sim_json.h"

namespace scim_agent::sim {

// Full document -> writable attributes (POST / PUT: absent means unset, division Home,
// active true).
UserFields parseUserDocument(const JsonObject& doc);

// An optional string attribute: null or "" -> nullopt.
std::optional<std::string> parseOptionalString(const Poco::Dynamic::Var& value,
                                               std::string_view what);
// Role names from [{"value":"x"}], ["x"], {"value":"x"} or "x"; duplicates dropped.
std::vector<std::string> parseRoles(const Poco::Dynamic::Var& value);
// One {"name":…, "proficiency":…} entry; proficiency defaults to 0.0.
RoutingEntry parseRoutingEntry(const Poco::Dynamic::Var& value, std::string_view what);
// A list of entries; a repeated name keeps the last proficiency.
std::vector<RoutingEntry> parseRoutingList(const Poco::Dynamic::Var& value, std::string_view what);
// Adds or replaces `entry` by name. Throws when the list would exceed 50 entries.
void mergeRouting(std::vector<RoutingEntry>& list, const RoutingEntry& entry,
                  std::string_view what);
// The manager id from {"value":"id"} or "id"; nullopt for null, "" or {"value":""}.
std::optional<std::string> parseManager(const Poco::Dynamic::Var& value);
// "2024-03-01" or "2024-03-01T00:00:00Z" -> "2024-03-01".
std::string normalizeDateHire(const std::string& value);
// The canonical (lower-case) phone type, or nullopt when Genesys does not support it.
std::optional<std::string> canonicalPhoneType(std::string_view type);
// Sets (or with an empty value removes) the number of one type, keeping kPhoneTypes order.
void setPhone(std::vector<PhoneNumber>& phones, const std::string& type, const std::string& value);
// [{"value","type"}] -> numbers; a missing type means "work".
std::vector<PhoneNumber> parsePhones(const Poco::Dynamic::Var& value);
// [{"value","type"}] -> the work email (type "work"); other types are ignored.
std::optional<std::string> parseWorkEmail(const Poco::Dynamic::Var& value);
// [{"authority","value"}] -> entries; the SCIM authority (x-pc:scimv2:v1…) is skipped.
std::vector<ExternalIdEntry> parseExternalIds(const Poco::Dynamic::Var& value);
bool isScimAuthority(std::string_view authority);

}  // namespace scim_agent::sim
