#include "agent/sources/record.h"

namespace scim_agent {

const FieldValue* Record::find(std::string_view name) const {
  // Records are a few dozen fields: a scan beats building an index per record.
  for (const auto& [field_name, value] : fields) {
    if (field_name == name) return &value;
  }
  return nullptr;
}

}  // namespace scim_agent
