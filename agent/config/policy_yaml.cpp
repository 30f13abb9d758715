#include "agent/config/policy_yaml.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <regex>
#include <set>

#include "agent/base/duration.h"

namespace scim_agent {

namespace {

std::string quote(const std::string& s) { return quotedForMessage(s); }

std::vector<std::string> attributeNames() {
  std::vector<std::string> names;
  for (Attribute a : allAttributes()) names.emplace_back(attributeName(a));
  return names;
}

void readScope(const YamlEntry& entry, Policy& policy, Diagnostics& diags) {
  YamlMap scope(entry, {"externalIdPattern"}, diags);
  if (const YamlEntry* e = scope.find("externalIdPattern")) {
    if (auto pattern = readString(*e, diags)) {
      try {
        std::regex compiled(*pattern, std::regex::ECMAScript);
        policy.scope_external_id_pattern = *pattern;
      } catch (const std::regex_error& err) {
        diags.add(e->pos, "externalIdPattern " + quote(*pattern) +
                              " is not a valid regular expression: " + err.what());
      }
    }
  }
}

void readProtected(const YamlEntry& entry, Policy& policy, Diagnostics& diags) {
  auto items = readSequence(entry, diags);
  if (!items) return;
  std::vector<ProtectedRule> rules;
  for (const YamlEntry& item : *items) {
    YamlMap rule_map(item.file, item.value, "protected", item.pos, {"userName", "externalId"},
                     diags);
    if (!rule_map.ok()) continue;
    ProtectedRule rule;
    rule.source = item.pos;
    if (const YamlEntry* e = rule_map.find("userName")) {
      if (auto s = readString(*e, diags)) rule.user_name = *s;
    }
    if (const YamlEntry* e = rule_map.find("externalId")) {
      if (auto s = readString(*e, diags)) rule.external_id = *s;
    }
    if (rule.user_name.empty() && rule.external_id.empty()) {
      diags.add(item.pos, "a protected entry needs a userName or an externalId");
      continue;
    }
    rules.push_back(std::move(rule));
  }
  policy.protected_users = std::move(rules);
}

void readManagedAttributes(const YamlEntry& entry, Policy& policy, Diagnostics& diags) {
  auto items = readSequence(entry, diags);
  if (!items) return;
  std::set<Attribute> chosen;
  bool all_good = true;
  for (const YamlEntry& item : *items) {
    auto name = readString(item, diags);
    if (!name) {
      all_good = false;
      continue;
    }
    auto attribute = attributeFromName(*name);
    if (!attribute) {
      std::string message = "unknown attribute " + quote(*name) + " in managedAttributes";
      const std::string suggestion = closestName(*name, attributeNames());
      if (!suggestion.empty()) message += " (did you mean " + quote(suggestion) + "?)";
      diags.add(item.pos, message);
      all_good = false;
      continue;
    }
    chosen.insert(*attribute);
  }
  if (!all_good) return;
  // Canonical order (declaration order of Attribute), so the digest ignores how it was listed.
  policy.managed_attributes.assign(chosen.begin(), chosen.end());
}

void readMaxDestructive(const YamlEntry& entry, Policy& policy, Diagnostics& diags) {
  YamlMap limits(entry, {"count", "percent"}, diags);
  if (const YamlEntry* e = limits.find("count")) {
    if (auto n = readInt(*e, diags)) {
      if (*n < 0 || *n > 1000000) {
        diags.add(e->pos, "maxDestructive.count must be between 0 and 1000000");
      } else {
        policy.max_destructive_count = static_cast<int>(*n);
      }
    }
  }
  if (const YamlEntry* e = limits.find("percent")) {
    if (auto s = readString(*e, diags)) {
      if (auto p = parsePercent(*s)) {
        policy.max_destructive_percent = *p;
      } else {
        diags.add(e->pos, "maxDestructive.percent must be a percentage between 0 and 100, got " +
                              quote(*s));
      }
    }
  }
}

void readRoles(const YamlEntry& entry, Policy& policy, Diagnostics& diags) {
  if (!entry.value.IsMap()) {
    diags.add(entry.pos, "expected a mapping for \"roles\" (department code to role names), got " +
                             describeNode(entry.value));
    return;
  }
  std::map<std::string, std::vector<std::string>> roles;
  std::map<std::string, SourcePos> seen;
  for (auto it = entry.value.begin(); it != entry.value.end(); ++it) {
    const SourcePos pos = yamlPos(entry.file, it->first);
    if (!it->first.IsScalar()) {
      diags.add(pos,
                "expected a department code as key in \"roles\", got " + describeNode(it->first));
      continue;
    }
    const std::string department = it->first.Scalar();
    if (auto problem = textProblem(department, "a department code")) {
      diags.add(pos, *problem);
      continue;
    }
    auto [first, inserted] = seen.emplace(department, pos);
    if (!inserted) {
      diags.add(pos, "duplicate department " + quote(department) + " in \"roles\" (first at " +
                         first->second.toString() + ")");
      continue;
    }
    YamlEntry list{department, it->second, pos, entry.file};
    auto names = readStringList(list, diags);
    if (!names) continue;
    std::sort(names->begin(), names->end());
    names->erase(std::unique(names->begin(), names->end()), names->end());
    roles[department] = std::move(*names);
  }
  policy.roles_by_department = std::move(roles);
}

// maxAttributeLength: key by key over what `policy` holds (a spec overrides agent.yaml's).
void readMaxAttributeLength(const YamlEntry& entry, Policy& policy, Diagnostics& diags) {
  std::vector<std::string> known;
  for (const auto& [name, limit] : defaultMaxAttributeLengths()) known.push_back(name);
  YamlMap limits(entry, known, diags);
  for (const YamlEntry& e : limits.entries()) {
    if (auto n = readInt(e, diags)) {
      if (*n < 1 || *n > kMaxAttributeLengthCeiling) {
        diags.add(e.pos, "maxAttributeLength." + e.key + " must be between 1 and " +
                             std::to_string(kMaxAttributeLengthCeiling) + ", got " +
                             std::to_string(*n));
      } else {
        policy.max_attribute_length[e.key] = static_cast<int>(*n);
      }
    }
  }
}

}  // namespace

const std::vector<std::string>& policyKeys() {
  static const std::vector<std::string> keys = {
      "scope",          "unmanaged",       "onRemoval",      "deleteAfter",
      "protected",      "managedAttributes", "maxDestructive", "roles",
      "maxSourceShrink", "restoreDeleted", "archiveDays",    "maxAttributeLength",
      "maxRejectedRecords"};
  return keys;
}

std::optional<int> parseDurationDays(const std::string& text) {
  // Minutes and seconds are refused: "3m" reads as three months as easily as three minutes.
  const char unit = text.empty() ? '\0' : text.back();
  if (text != "0" && unit != 'h' && unit != 'd' && unit != 'w') return std::nullopt;
  const std::optional<std::chrono::seconds> d = parseDuration(text);
  if (!d) return std::nullopt;
  constexpr int64_t kDay = 24 * 60 * 60;
  return static_cast<int>((d->count() + kDay - 1) / kDay);  // never shorten a grace period
}

std::optional<double> parsePercent(const std::string& text) {
  std::string number = text;
  if (!number.empty() && number.back() == '%') number.pop_back();
  if (number.empty() || number.size() > 12) return std::nullopt;
  bool dot = false;
  for (char c : number) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (c < '0' || c > '9') {
      return std::nullopt;
    }
  }
  if (number == ".") return std::nullopt;
  const double value = std::stod(number);
  if (value < 0 || value > 100) return std::nullopt;
  return value;
}

void readPolicy(const YamlEntry& entry, Policy& policy, Diagnostics& diags) {
  YamlMap map(entry, policyKeys(), diags);
  if (!map.ok()) return;
  for (const YamlEntry& e : map.entries()) {
    if (e.key == "scope") {
      readScope(e, policy, diags);
    } else if (e.key == "unmanaged") {
      if (auto s = readString(e, diags)) {
        if (*s == "ignore") {
          policy.unmanaged = UnmanagedPolicy::kIgnore;
        } else if (*s == "report") {
          policy.unmanaged = UnmanagedPolicy::kReport;
        } else if (*s == "suspend") {
          policy.unmanaged = UnmanagedPolicy::kSuspend;
        } else {
          diags.add(e.pos, "unmanaged must be ignore, report or suspend, got " + quote(*s));
        }
      }
    } else if (e.key == "onRemoval") {
      if (auto s = readString(e, diags)) {
        if (*s == "suspend") {
          policy.on_removal = RemovalPolicy::kSuspend;
        } else if (*s == "delete") {
          policy.on_removal = RemovalPolicy::kDelete;
        } else {
          diags.add(e.pos, "onRemoval must be suspend or delete, got " + quote(*s));
        }
      }
    } else if (e.key == "deleteAfter") {
      if (auto s = readString(e, diags)) {
        if (*s == "never") {
          policy.delete_after_days = -1;
        } else if (auto days = parseDurationDays(*s)) {
          policy.delete_after_days = *days;
        } else {
          diags.add(e.pos,
                    "deleteAfter must be a duration like 30d, 2w or 12h, or never, got " + quote(*s));
        }
      }
    } else if (e.key == "protected") {
      readProtected(e, policy, diags);
    } else if (e.key == "managedAttributes") {
      readManagedAttributes(e, policy, diags);
    } else if (e.key == "maxDestructive") {
      readMaxDestructive(e, policy, diags);
    } else if (e.key == "roles") {
      readRoles(e, policy, diags);
    } else if (e.key == "maxSourceShrink") {
      if (auto s = readString(e, diags)) {
        if (auto p = parsePercent(*s)) {
          policy.max_source_shrink_percent = *p;
        } else {
          diags.add(e.pos, "maxSourceShrink must be a percentage like 10%, got " + quote(*s));
        }
      }
    } else if (e.key == "maxRejectedRecords") {
      if (auto s = readString(e, diags)) {
        // "1%" is a share of the source's records; a bare number is a count (parsePercent
        // would take "50" as 50%).
        if (auto p = !s->empty() && s->back() == '%' ? parsePercent(*s) : std::nullopt) {
          policy.max_rejected_is_percent = true;
          policy.max_rejected_records = *p;
        } else if (!s->empty() && s->size() <= 9 &&
                   s->find_first_not_of("0123456789") == std::string::npos) {
          policy.max_rejected_is_percent = false;
          policy.max_rejected_records = std::stod(*s);
        } else {
          diags.add(e.pos, "maxRejectedRecords must be a count like 50 or a percentage like 1%, "
                           "got " + quote(*s));
        }
      }
    } else if (e.key == "maxAttributeLength") {
      readMaxAttributeLength(e, policy, diags);
    } else if (e.key == "restoreDeleted") {
      if (auto b = readBool(e, diags)) policy.restore_deleted = *b;
    } else if (e.key == "archiveDays") {
      if (auto n = readInt(e, diags)) {
        if (*n >= 0 && *n <= 3650) {
          policy.archive_days = static_cast<int>(*n);
        } else {
          diags.add(e.pos, "archiveDays must be a number of days from 0 to 3650, got " +
                               std::to_string(*n));
        }
      }
    }
  }
}

}  // namespace scim_agent
