// TEMPORARY (wt-mapping): a minimal Record::find so the mapping and its tests link. The readers'
// branch owns this file; its version replaces this one at merge.
#include "agent/sources/record.h"

namespace scim_agent {

const FieldValue* Record::find(std::string_view name) const {
  for (const auto& [field, value] : fields) {
    if (field == name) return &value;
  }
  return nullptr;
}

}  // namespace scim_agent
