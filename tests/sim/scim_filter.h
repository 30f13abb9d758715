#pragma once

// The SCIM `filter` query parameter as Genesys Cloud supports it (genesys-api.md §2.4).
//
// Only `<attribute> eq <value>` is evidenced for Genesys, so that is all the simulator accepts;
// every other operator, `and`/`or` at the top level, `not`, grouping or an unknown attribute is
// rejected with SimError 400 invalidFilter. Values may be quoted ("x" or 'x', backslash escapes)
// or unquoted (the rest of the expression, as in the swagger examples
// `userName eq search@sample.org`). Attribute names and the operator are case-insensitive.
//
// Users:  id, userName, externalId, active, email (also emails, emails.value), employeeNumber,
//         division, manager (also manager.value), each optionally URN-prefixed
//         (urn:…:core:2.0:User:userName, urn:…:enterprise:2.0:User:employeeNumber); and the one
//         complex form `urn:…:purecloud:2.0:User:externalIds[authority eq "a" and value eq "v"]`.
// Groups: id, displayName, externalId.

#include <string>
#include <string_view>

namespace scim_agent::sim {

enum class FilterAttr {
  kId,
  kUserName,
  kExternalId,
  kActive,
  kEmail,
  kEmployeeNumber,
  kDivision,
  kManager,
  kExternalIds,  // authority + value
  kDisplayName,  // groups only
};

struct ScimFilter {
  FilterAttr attribute = FilterAttr::kId;
  std::string value;      // unquoted, unescaped
  std::string authority;  // kExternalIds only
  bool active = false;    // kActive only: the parsed boolean
};

// Throw SimError 400 invalidFilter on anything outside the grammar above.
ScimFilter parseUserFilter(std::string_view text);
ScimFilter parseGroupFilter(std::string_view text);

}  // namespace scim_agent::sim
