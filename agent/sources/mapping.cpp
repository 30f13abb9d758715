// The mapping of HR records to desired users (mapping.h): applying a parsed mapping
// (mapping_spec.h, read by mapping_reader.cpp) to one record.

#include "agent/sources/mapping.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "agent/base/clock.h"
#include "agent/base/utf8.h"
#include "agent/model/user_checks.h"
#include "agent/sources/mapping_spec.h"

namespace scim_agent {

namespace {

std::string quote(const std::string& s) { return quotedForMessage(s); }

}  // namespace

namespace mapping {
namespace {

// Applies a parsed mapping to one record.
class RecordMapper {
 public:
  RecordMapper(const MappingData& impl, const Record& record, bool explain, MappedRecord& out)
      : impl_(impl), record_(record), explain_(explain), out_(out) {}

  void run() {
    if (!record_.problem.empty()) out_.problems.push_back(record_.problem);
    for (const AttributeSpec& spec : impl_.attributes) mapAttribute(spec);
    finishStatus();
  }

 private:
  void problem(std::string message) { out_.problems.push_back(std::move(message)); }

  void trace(const std::string& attribute, const std::string& value, const std::string& how,
             const SourcePos& where) {
    if (explain_) out_.trace.push_back(AttributeTrace{attribute, value, how, where});
  }

  // The notes of an evaluation, for --explain: "; map(departments): "100" → "SUPPORT"".
  static std::string notes(const Explain& e) {
    std::string out;
    for (const std::string& n : e.notes) out += "; " + n;
    return out;
  }

  // The case that holds, or nullptr (and `how` says why). False after a problem.
  bool chooseCase(const AttributeSpec& spec, const Case*& chosen, std::string& how) {
    chosen = nullptr;
    Explain explain;
    for (size_t i = 0; i < spec.cases.size(); ++i) {
      const Case& c = spec.cases[i];
      bool holds = true;
      if (c.when) {
        std::string error;
        if (!c.when->evaluate(record_, holds, error, explain_ ? &explain : nullptr)) {
          problem(spec.name + ": case " + std::to_string(i + 1) + ": " + error);
          return false;
        }
      }
      if (holds) {
        chosen = &c;
        if (explain_ && spec.has_cases) {
          how = "case " + std::to_string(i + 1) + ": " +
                (c.when ? "when " + c.when->source() : std::string("(no when)"));
        }
        how += notes(explain);
        return true;
      }
    }
    how = "no case holds" + notes(explain);
    return true;
  }

  // A template's value, for `attribute`; nullopt after a problem.
  std::optional<Value> evaluate(const std::string& attribute, const Template& t, std::string& how) {
    Value v;
    std::string error;
    Explain explain;
    if (!t.evaluate(record_, v, error, explain_ ? &explain : nullptr)) {
      problem(attribute + ": " + error);
      return std::nullopt;
    }
    if (explain_) how += (how.empty() ? "" : " → ") + quoteLiteral(t.source()) + notes(explain);
    return v;
  }

  // One text: a list is a problem.
  std::optional<std::string> evaluateText(const std::string& attribute, const Template& t,
                                          std::string& how) {
    auto v = evaluate(attribute, t, how);
    if (!v) return std::nullopt;
    if (v->is_list) {
      problem(attribute + ": " + quoteLiteral(t.source()) + " gives a list (" +
              brief(describeValue(*v)) + "); " + attribute + " takes one value");
      return std::nullopt;
    }
    return std::move(v->text);
  }

  // Entry `i` of a two-key list ({value, type}, {name, proficiency}): both texts, each traced as
  // "<attribute>[i].<key>"; nullopt after a problem.
  std::optional<std::pair<std::string, std::string>> evaluateEntry(const std::string& attribute,
                                                                   size_t i, const EntrySpec& entry,
                                                                   const char* first_key,
                                                                   const char* second_key,
                                                                   const std::string& how) {
    const std::string at = attribute + "[" + std::to_string(i) + "].";
    std::string first_how = how;
    std::string second_how = how;
    auto first = evaluateText(at + first_key, entry.first, first_how);
    auto second = evaluateText(at + second_key, entry.second, second_how);
    if (!first || !second) return std::nullopt;
    trace(at + first_key, *first, first_how, entry.pos);
    trace(at + second_key, *second, second_how, entry.pos);
    return std::make_pair(std::move(*first), std::move(*second));
  }

  // False (after a problem) when `value` cannot be an attribute's value: a control character
  // (a quoted CSV field may hold a line break or a tab; no attribute may, as in the YAML specs)
  // or longer than policy.maxAttributeLength allows.
  bool withinLimit(const std::string& attribute, const std::string& value) {
    if (auto bad = findTextProblem(value)) {
      problem(bad->kind == TextProblem::Kind::kControlCharacter
                  ? attribute + ": control character " + codePointName(bad->code_point) +
                        " at byte " + std::to_string(bad->offset)
                  : attribute + ": invalid UTF-8 at byte " + std::to_string(bad->offset));
      return false;
    }
    const auto& limits = impl_.options.max_attribute_length;
    auto limit = limits.find(attribute);
    if (limit == limits.end()) return true;
    if (value.size() <= static_cast<size_t>(limit->second)) return true;
    const size_t length = utf8Length(value);
    if (length <= static_cast<size_t>(limit->second)) return true;
    problem(attribute + " is " + std::to_string(length) + " characters long; the limit is " +
            std::to_string(limit->second) + " (policy.maxAttributeLength." + attribute + ")");
    return false;
  }

  void mapAttribute(const AttributeSpec& spec) {
    const Case* chosen = nullptr;
    std::string how;
    if (!chooseCase(spec, chosen, how)) return;
    if (!chosen) {
      trace(spec.name, "(not set)", how, spec.pos);
      if (spec.name == "externalId" || spec.name == "userName" || spec.name == "terminationDate") {
        problem(spec.name + " has no value: no case holds");
      }
      return;
    }
    const Form& form = chosen->value;
    switch (spec.kind) {
      case Kind::kText: {
        auto text = evaluateText(spec.name, form.templates[0], how);
        if (!text) return;
        trace(spec.name, *text, how, spec.pos);
        takeText(spec, std::move(*text));
        return;
      }
      case Kind::kList:
        return mapList(spec, form, how);
      case Kind::kEmail: {
        auto text = evaluateText(spec.name, form.templates[0], how);
        if (!text) return;
        trace(spec.name, *text, how, spec.pos);
        if (!text->empty() && !looksLikeEmail(*text)) {
          problem("email " + quote(*text) + " is not an email address");
          return;
        }
        if (!withinLimit("emails", *text)) return;
        out_.user.work_email = std::move(*text);
        return;
      }
      case Kind::kPhones:
        return mapPhones(spec, form, how);
      case Kind::kProficiencies:
        return mapProficiencies(spec, form, how);
      case Kind::kName:
        return;
    }
  }

  void takeText(const AttributeSpec& spec, std::string text) {
    DesiredUser& u = out_.user;
    const std::string& name = spec.name;
    if (name == "externalId") {
      if (text.empty()) {
        problem("externalId must not be empty");
        return;
      }
      if (!withinLimit(name, text)) return;
      out_.external_id = text;
      u.external_id = std::move(text);
    } else if (name == "userName") {
      if (!looksLikeEmail(text)) {
        problem("userName " + quote(text) + " is not an email address");
        return;
      }
      if (!withinLimit(name, text)) return;
      u.user_name = std::move(text);
    } else if (name == "displayName") {
      if (text.empty() && impl_.options.target_kind == "genesys") {
        problem("displayName must not be empty (Genesys Cloud requires it)");
        return;
      }
      if (withinLimit(name, text)) u.display_name = std::move(text);
    } else if (name == "title") {
      if (withinLimit(name, text)) u.title = std::move(text);
    } else if (name == "department") {
      if (withinLimit(name, text)) u.department = std::move(text);
    } else if (name == "division") {
      if (withinLimit(name, text)) u.division = std::move(text);
    } else if (name == "employeeNumber") {
      if (withinLimit(name, text)) u.employee_number = std::move(text);
    } else if (name == "manager") {
      if (withinLimit(name, text)) u.manager = std::move(text);
    } else if (name == "dateHire") {
      if (!text.empty() && !isValidDate(text)) {
        problem("dateHire " + quote(text) + " is not a date (YYYY-MM-DD)");
        return;
      }
      u.date_hire = std::move(text);
    } else if (name == "active") {
      std::string lower = text;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower == "true" || lower == "yes" || lower == "1") {
        active_ = true;
      } else if (lower == "false" || lower == "no" || lower == "0") {
        active_ = false;
      } else {
        problem("active must be true or false, got " + quote(text));
      }
    } else if (name == "status") {
      if (text == "active") {
        status_ = UserStatus::kActive;
      } else if (text == "suspended") {
        status_ = UserStatus::kSuspended;
      } else if (text == "terminated") {
        status_ = UserStatus::kTerminated;
      } else {
        problem("status must be active, suspended or terminated, got " + quote(text));
      }
    } else if (name == "terminationDate") {
      takeTerminationDate(text);
    }
  }

  void takeTerminationDate(const std::string& text) {
    if (text.empty()) {
      problem("terminationDate must not be empty");
      return;
    }
    if (isValidDate(text)) {
      out_.termination_at = text + "T00:00:00Z";
      return;
    }
    if (auto t = parseIso8601(text)) {
      std::string s = formatIso8601(*t);
      const std::string zero = ".000000Z";
      if (s.size() > zero.size() && s.compare(s.size() - zero.size(), zero.size(), zero) == 0) {
        s.replace(s.size() - zero.size(), zero.size(), "Z");
      }
      out_.termination_at = std::move(s);
      return;
    }
    problem("terminationDate " + quote(text) +
            " is neither a date (YYYY-MM-DD) nor an ISO-8601 instant (2026-11-30T17:00:00Z)");
  }

  void finishStatus() {
    if (active_ && status_ && (*active_ != (*status_ == UserStatus::kActive))) {
      problem(std::string("active: ") + (*active_ ? "true" : "false") +
              " contradicts status: " + userStatusName(*status_));
    } else if (status_) {
      out_.user.status = *status_;
    } else if (active_) {
      out_.user.status = *active_ ? UserStatus::kActive : UserStatus::kSuspended;
    }
  }

  // groups, roles: every template's texts, flattened; empty ones dropped; sorted and unique.
  void mapList(const AttributeSpec& spec, const Form& form, std::string& how) {
    std::vector<std::string> names;
    std::string templates_how;
    for (const Template& t : form.templates) {
      std::string one;
      auto v = evaluate(spec.name, t, one);
      if (!v) return;
      templates_how += (templates_how.empty() ? "" : ", ") + one;
      if (v->is_list) {
        for (std::string& item : v->items) names.push_back(std::move(item));
      } else {
        names.push_back(std::move(v->text));
      }
    }
    names.erase(std::remove(names.begin(), names.end(), std::string()), names.end());
    for (const std::string& n : names) {
      if (!withinLimit(spec.name, n)) return;
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    if (explain_) {
      how += (how.empty() ? "" : " → ") + std::string("[") + templates_how + "]";
      trace(spec.name, describeValue(Value{true, "", names}), how, spec.pos);
    }
    if (spec.name == "groups") {
      out_.user.groups = std::move(names);
    } else {
      out_.user.roles = std::move(names);
    }
  }

  void mapPhones(const AttributeSpec& spec, const Form& form, std::string& how) {
    std::vector<PhoneNumber> phones;
    std::map<std::string, size_t> seen;
    bool ok = true;
    for (size_t i = 0; i < form.entries.size(); ++i) {
      auto texts = evaluateEntry(spec.name, i, form.entries[i], "value", "type", how);
      if (!texts) {
        ok = false;
        continue;
      }
      auto& [value, type] = *texts;
      if (value.empty()) continue;  // no number in this record
      const auto& types = phoneNumberTypes();
      if (std::find(types.begin(), types.end(), type) == types.end()) {
        std::string message = "unknown phone type " + quote(type);
        const std::string suggestion = closestName(type, types);
        if (!suggestion.empty()) message += " (did you mean " + quote(suggestion) + "?)";
        problem(message);
        ok = false;
        continue;
      }
      if (!isValidPhoneNumber(value)) {
        problem("phone number " + quote(value) +
                " must be E.164 (+15550100) or tel:+15550100;ext=123");
        ok = false;
        continue;
      }
      if (!withinLimit(spec.name, value)) {
        ok = false;
        continue;
      }
      if (!seen.emplace(type, i).second) {
        problem("one phone number per type: " + quote(type) + " is given twice");
        ok = false;
        continue;
      }
      phones.push_back(PhoneNumber{std::move(value), std::move(type)});
    }
    if (!ok) return;
    std::sort(phones.begin(), phones.end(),
              [](const PhoneNumber& a, const PhoneNumber& b) { return a.type < b.type; });
    out_.user.phone_numbers = std::move(phones);
  }

  // A proficiency's text as a number 0–5; nullopt after a problem.
  std::optional<double> proficiency(const std::string& attribute, const std::string& name,
                                    const std::string& text) {
    char* end = nullptr;
    const double p = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(p)) {
      problem(attribute + " " + quote(name) + ": proficiency " + quote(text) + " is not a number");
      return std::nullopt;
    }
    if (p < 0 || p > 5) {
      problem(attribute + " " + quote(name) + ": proficiency must be between 0 and 5, got " + text);
      return std::nullopt;
    }
    return p;
  }

  void mapProficiencies(const AttributeSpec& spec, const Form& form, std::string& how) {
    std::vector<std::pair<std::string, std::string>> pairs;  // name, proficiency text
    if (!form.templates.empty()) {
      // "{skills | split(";")}" giving "Billing:3" items.
      auto v = evaluate(spec.name, form.templates[0], how);
      if (!v) return;
      const std::vector<std::string> items = v->is_list        ? v->items
                                             : v->text.empty() ? std::vector<std::string>{}
                                                               : std::vector<std::string>{v->text};
      trace(spec.name, describeValue(Value{true, "", items}), how, spec.pos);
      for (const std::string& item : items) {
        if (item.empty()) continue;
        const size_t colon = item.rfind(':');
        if (colon == std::string::npos) {
          problem(spec.name + ": " + quote(item) + " is not NAME:PROFICIENCY (Billing:3)");
          return;
        }
        auto strip = [](std::string s) {
          const size_t b = s.find_first_not_of(" \t");
          const size_t e = s.find_last_not_of(" \t");
          return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
        };
        pairs.emplace_back(strip(item.substr(0, colon)), strip(item.substr(colon + 1)));
      }
    } else {
      bool ok = true;
      for (size_t i = 0; i < form.entries.size(); ++i) {
        auto texts = evaluateEntry(spec.name, i, form.entries[i], "name", "proficiency", how);
        if (!texts) {
          ok = false;
          continue;
        }
        pairs.push_back(std::move(*texts));
      }
      if (!ok) return;
    }
    std::vector<Proficiency> out;
    std::set<std::string> seen;
    bool ok = true;
    for (auto& [name, text] : pairs) {
      if (name.empty()) continue;  // no skill in this record
      auto p = proficiency(spec.name, name, text);
      if (!p || !withinLimit(spec.name, name)) {
        ok = false;
        continue;
      }
      if (!seen.insert(name).second) {
        problem("duplicate " + quote(name) + " in " + quote(spec.name));
        ok = false;
        continue;
      }
      out.push_back(Proficiency{name, *p});
    }
    if (out.size() > kMaxRoutingEntries) {
      problem("at most " + std::to_string(kMaxRoutingEntries) + " entries in " + quote(spec.name) +
              ", got " + std::to_string(out.size()));
      ok = false;
    }
    if (!ok) return;
    std::sort(out.begin(), out.end(),
              [](const Proficiency& a, const Proficiency& b) { return a.name < b.name; });
    if (spec.name == "routingSkills") {
      out_.user.routing_skills = std::move(out);
    } else {
      out_.user.routing_languages = std::move(out);
    }
  }

  const MappingData& impl_;
  const Record& record_;
  bool explain_;
  MappedRecord& out_;
  std::optional<bool> active_;
  std::optional<UserStatus> status_;
};

}  // namespace
}  // namespace mapping

struct Mapping::Impl : mapping::MappingData {};

Mapping::Mapping(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Mapping::~Mapping() = default;

std::unique_ptr<Mapping> Mapping::parse(const YamlEntry* mapping, const YamlEntry* tables,
                                        const MappingOptions& options, Diagnostics& diags) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  Diagnostics found;
  try {
    mapping::readMappingConfig(mapping, tables, *impl, found);
  } catch (const std::exception& e) {
    // yaml-cpp may throw on a node it cannot convert; nothing may cross this edge (STYLE §4).
    found.add(mapping ? mapping->pos : SourcePos{},
              std::string("cannot read mapping: ") + e.what());
  }
  diags.append(found);
  if (!found.empty()) return nullptr;
  return std::unique_ptr<Mapping>(new Mapping(std::move(impl)));
}

std::vector<std::string> Mapping::fields() const {
  std::vector<std::string> out;
  for (const auto& [name, pos] : impl_->field_uses) out.push_back(name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool Mapping::checkColumns(const std::vector<std::string>& columns, const std::string& source_name,
                           Diagnostics& diags) const {
  const std::set<std::string> known(columns.begin(), columns.end());
  std::set<std::string> reported;
  bool ok = true;
  for (const auto& [name, pos] : impl_->field_uses) {
    if (known.count(name)) continue;
    ok = false;
    if (!reported.insert(name).second) continue;
    std::string message = "unknown column " + quote(name) + " in " + source_name;
    const std::string suggestion = closestName(name, columns);
    if (!suggestion.empty()) message += " (did you mean " + quote(suggestion) + "?)";
    diags.add(pos, message);
  }
  return ok;
}

MappedRecord Mapping::map(const Record& record, bool explain) const {
  MappedRecord out;
  try {
    mapping::RecordMapper(*impl_, record, explain, out).run();
  } catch (const std::exception& e) {
    out.problems.push_back(std::string("cannot map the record: ") + e.what());
  }
  return out;
}

}  // namespace scim_agent
