#include "tests/sim/sim_rewrites.h"

#include <optional>
#include <set>

#include "tests/sim/sim_error.h"

namespace scim_agent::sim {
namespace {

// The stored value of `attribute` in `fields`; nullopt when unset.
std::optional<std::string> valueOf(const UserFields& fields, const std::string& attribute) {
  if (attribute == "title") return fields.title;
  if (attribute == "displayName") return fields.display_name;
  if (attribute == "department") return fields.department;
  if (attribute == "employeeNumber") return fields.employee_number;
  return std::nullopt;
}

void setValue(UserFields& fields, const std::string& attribute, const std::string& value) {
  if (attribute == "title") fields.title = value;
  if (attribute == "displayName") fields.display_name = value;
  if (attribute == "department") fields.department = value;
  if (attribute == "employeeNumber") fields.employee_number = value;
}

}  // namespace

const std::vector<std::string>& Rewrites::attributes() {
  static const std::vector<std::string> names = {"title", "displayName", "department",
                                                 "employeeNumber"};
  return names;
}

void Rewrites::add(const JsonObject& doc) {
  Rule rule;
  const Poco::Dynamic::Var attribute = getField(doc, "attribute");
  if (isNull(attribute)) throw invalidValue("A rewrite needs 'attribute'.");
  const std::string name = requireString(attribute, "attribute");
  for (const std::string& known : attributes()) {
    if (equalsIgnoreCase(name, known)) rule.attribute = known;
  }
  if (rule.attribute.empty()) {
    throw invalidValue("Rewrite attribute '" + name +
                       "' is not one of title, displayName, department, employeeNumber.");
  }
  const Poco::Dynamic::Var value = getField(doc, "value");
  if (isNull(value)) throw invalidValue("A rewrite needs 'value'.");
  rule.value = requireString(value, "value");
  const Poco::Dynamic::Var count = getField(doc, "count");
  if (!isNull(count)) {
    const int64_t n = requireInteger(count, "count");
    if (n < 1 || n > 1'000'000) throw invalidValue("Rewrite 'count' must be at least 1.");
    rule.remaining = static_cast<int>(n);
  }
  for (auto it = doc->begin(); it != doc->end(); ++it) {
    const std::string key = toLower(it->first);
    if (key != "attribute" && key != "value" && key != "count") {
      throw invalidValue("Unknown rewrite member '" + it->first + "'.");
    }
  }
  rules_.push_back(std::move(rule));
}

void Rewrites::apply(const UserFields* before, UserFields& after) {
  std::set<std::string> done;  // one rule per attribute and write
  for (auto it = rules_.begin(); it != rules_.end();) {
    const std::optional<std::string> now = valueOf(after, it->attribute);
    const bool sets = now && (before == nullptr || valueOf(*before, it->attribute) != now);
    if (!sets || done.count(it->attribute) > 0) {
      ++it;
      continue;
    }
    setValue(after, it->attribute, it->value);
    done.insert(it->attribute);
    if (--it->remaining <= 0) {
      it = rules_.erase(it);
    } else {
      ++it;
    }
  }
}

std::string Rewrites::json() const {
  JsonWriter out;
  out.beginObject().key("rewrites").beginArray();
  for (const Rule& rule : rules_) {
    out.beginObject().field("attribute", rule.attribute).field("value", rule.value);
    out.fieldInt("remaining", rule.remaining).endObject();
  }
  out.endArray().endObject();
  return out.take();
}

}  // namespace scim_agent::sim
