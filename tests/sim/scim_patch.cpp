#include "tests/sim/scim_patch.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "tests/sim/scim_parse.h"
#include "tests/sim/sim_error.h"

namespace scim_agent::sim {
namespace {

enum class Op { kAdd, kReplace, kRemove };

struct PatchOperation {
  Op op = Op::kAdd;
  std::optional<std::string> path;
  Poco::Dynamic::Var value;
};

// A parsed attribute path: attr[filter_attr eq filter_value].sub
struct PatchPath {
  std::string text;  // as sent, for messages
  std::string attr;  // lower-case; extension attributes are "enterprise:x" / "genesys:x"
  bool has_filter = false;
  std::string filter_attr;  // lower-case
  std::string filter_value;
  std::string sub;  // lower-case, may be empty
};

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

std::vector<PatchOperation> readOperations(const JsonObject& request) {
  bool has_schema = false;
  for (const Poco::Dynamic::Var& schema : asList(getField(request, "schemas"))) {
    if (schema.isString() && equalsIgnoreCase(schema.extract<std::string>(), kPatchOpSchema)) {
      has_schema = true;
    }
  }
  if (!has_schema) throw invalidSyntax("Request must declare the PatchOp schema.");
  const Poco::Dynamic::Var operations = getField(request, "Operations");
  if (!isArray(operations) || asArray(operations)->size() == 0) {
    throw invalidSyntax("Request must carry a non-empty 'Operations' array.");
  }
  std::vector<PatchOperation> result;
  for (const Poco::Dynamic::Var& item : asList(operations)) {
    if (!isObject(item)) throw invalidSyntax("Each operation must be an object.");
    const JsonObject object = asObject(item);
    PatchOperation operation;
    const Poco::Dynamic::Var op = getField(object, "op");
    const std::string name = op.isString() ? op.extract<std::string>() : std::string();
    if (equalsIgnoreCase(name, "add")) {
      operation.op = Op::kAdd;
    } else if (equalsIgnoreCase(name, "replace")) {
      operation.op = Op::kReplace;
    } else if (equalsIgnoreCase(name, "remove")) {
      operation.op = Op::kRemove;
    } else {
      throw invalidSyntax("Unknown patch op '" + name + "'.");
    }
    const Poco::Dynamic::Var path = getField(object, "path");
    if (!isNull(path)) {
      if (!path.isString()) throw invalidPath("'path' must be a string.");
      std::string text = trim(path.extract<std::string>());
      if (!text.empty()) operation.path = std::move(text);
    }
    operation.value = getField(object, "value");
    result.push_back(std::move(operation));
  }
  return result;
}

std::string unquote(std::string text) {
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
      text.back() == text.front()) {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

// Parses `attr op value` inside a value-path filter; only `eq` is supported.
void parseValueFilter(const std::string& text, PatchPath& path) {
  const std::string body = trim(text);
  const size_t first = body.find_first_of(" \t");
  if (first == std::string::npos)
    throw invalidPath("Invalid value filter in path '" + path.text + "'.");
  const std::string rest = trim(std::string_view(body).substr(first));
  const size_t second = rest.find_first_of(" \t");
  if (second == std::string::npos)
    throw invalidPath("Invalid value filter in path '" + path.text + "'.");
  if (!equalsIgnoreCase(rest.substr(0, second), "eq")) {
    throw invalidPath("Only 'eq' is supported in path filters: '" + path.text + "'.");
  }
  path.has_filter = true;
  path.filter_attr = toLower(body.substr(0, first));
  path.filter_value = unquote(trim(std::string_view(rest).substr(second)));
}

PatchPath parsePath(const std::string& text) {
  PatchPath path;
  path.text = text;
  const std::string lowered = toLower(text);
  std::string rest = text;
  std::string ns;
  const std::string core = toLower(kUserSchema) + ":";
  const std::pair<std::string, std::string> extensions[] = {
      {toLower(kEnterpriseSchema), "enterprise"}, {toLower(kGenesysSchema), "genesys"}};
  if (lowered.rfind(core, 0) == 0) {
    rest = text.substr(core.size());
  } else {
    for (const auto& [urn, short_name] : extensions) {
      if (lowered.rfind(urn, 0) != 0) continue;
      const std::string after = text.substr(urn.size());
      if (after.empty()) {
        path.attr = short_name;
        return path;
      }
      if (after[0] != ':') throw invalidPath("Invalid attribute path '" + text + "'.");
      ns = short_name + ":";
      rest = after.substr(1);
      break;
    }
  }
  const size_t mark = rest.find_first_of("[.");
  std::string name = rest.substr(0, mark);
  if (mark != std::string::npos && rest[mark] == '[') {
    // Find the closing bracket outside quotes.
    char quote = 0;
    size_t close = std::string::npos;
    for (size_t i = mark + 1; i < rest.size(); ++i) {
      const char c = rest[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == ']') {
        close = i;
        break;
      }
    }
    if (close == std::string::npos)
      throw invalidPath("Unbalanced brackets in path '" + text + "'.");
    parseValueFilter(rest.substr(mark + 1, close - mark - 1), path);
    const std::string after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != '.') throw invalidPath("Invalid attribute path '" + text + "'.");
      path.sub = toLower(after.substr(1));
    }
  } else if (mark != std::string::npos) {
    path.sub = toLower(rest.substr(mark + 1));
  }
  name = toLower(name);
  if (ns.empty()) {
    static constexpr std::string_view kEnterprise[] = {"department", "division", "employeenumber",
                                                       "datehire", "manager"};
    static constexpr std::string_view kGenesys[] = {"routingskills", "routinglanguages",
                                                    "externalids"};
    for (std::string_view known : kEnterprise) {
      if (name == known) ns = "enterprise:";
    }
    for (std::string_view known : kGenesys) {
      if (name == known) ns = "genesys:";
    }
  }
  path.attr = ns + name;
  return path;
}

class UserPatcher {
 public:
  explicit UserPatcher(UserFields& fields) : f_(fields) {}

  void apply(const PatchOperation& operation) {
    if (!operation.path) {
      if (operation.op == Op::kRemove) throw noTarget("A 'remove' operation requires a path.");
      if (!isObject(operation.value)) {
        throw invalidValue("A path-less operation needs an object value.");
      }
      const JsonObject object = asObject(operation.value);
      for (auto it = object->begin(); it != object->end(); ++it) {
        if (equalsIgnoreCase(it->first, "schemas")) continue;
        applyPath(operation.op, parsePath(it->first), it->second);
      }
      return;
    }
    applyPath(operation.op, parsePath(*operation.path), operation.value);
  }

 private:
  void applyPath(Op op, const PatchPath& p, const Poco::Dynamic::Var& value) {
    // Setting an attribute to null is removing it (RFC 7644 §3.5.2.3).
    if (op != Op::kRemove && isNull(value)) op = Op::kRemove;
    const std::string& a = p.attr;
    if (a == "id" || a == "meta" || a == "groups" || a == "schemas") {
      throw mutability("Attribute '" + p.text + "' is read-only.");
    }
    if (a == "emails") return patchEmails(op, p, value);
    if (a == "phonenumbers") return patchPhones(op, p, value);
    if (a == "roles") return patchRoles(op, p, value);
    if (a == "genesys:routingskills") return patchRouting(op, p, value, f_.skills, "routingSkills");
    if (a == "genesys:routinglanguages") {
      return patchRouting(op, p, value, f_.languages, "routingLanguages");
    }
    if (a == "genesys:externalids") return patchExternalIds(op, p, value);
    if (a == "enterprise:manager") return patchManager(op, p, value);
    if (a == "enterprise" || a == "genesys") return patchExtension(op, p, value);
    if (p.has_filter || !p.sub.empty()) {
      throw invalidPath("Unsupported attribute path '" + p.text + "'.");
    }
    if (a == "username" || a == "displayname") {
      if (op == Op::kRemove) throw mutability("Attribute '" + p.text + "' is required.");
      std::string text = requireString(value, p.text);
      if (text.empty()) throw invalidValue("Attribute '" + p.text + "' must not be empty.");
      (a == "username" ? f_.user_name : f_.display_name) = std::move(text);
    } else if (a == "active") {
      if (op == Op::kRemove) throw mutability("Attribute 'active' is required.");
      f_.active = requireBool(value, "active");
    } else if (a == "title" || a == "externalid" || a == "enterprise:department" ||
               a == "enterprise:employeenumber") {
      std::optional<std::string>& target = a == "title"                   ? f_.title
                                           : a == "externalid"            ? f_.external_id
                                           : a == "enterprise:department" ? f_.department
                                                                          : f_.employee_number;
      target = op == Op::kRemove ? std::nullopt : parseOptionalString(value, p.text);
    } else if (a == "enterprise:datehire") {
      std::optional<std::string> date =
          op == Op::kRemove ? std::nullopt : parseOptionalString(value, p.text);
      f_.date_hire = date ? std::optional<std::string>(normalizeDateHire(*date)) : std::nullopt;
    } else if (a == "enterprise:division") {
      std::optional<std::string> division =
          op == Op::kRemove ? std::nullopt : parseOptionalString(value, p.text);
      f_.division = division ? *division : std::string(kHomeDivision);
    } else if (a == "password") {
      // Write-only and not modelled; accepted so IdPs that sync passwords keep working.
    } else {
      throw invalidPath("Unsupported attribute path '" + p.text + "'.");
    }
  }

  void patchExtension(Op op, const PatchPath& p, const Poco::Dynamic::Var& value) {
    const bool enterprise = p.attr == "enterprise";
    if (op == Op::kRemove) {
      if (enterprise) {
        f_.department.reset();
        f_.employee_number.reset();
        f_.date_hire.reset();
        f_.manager_id.reset();
        f_.division = std::string(kHomeDivision);
      } else {
        f_.skills.clear();
        f_.languages.clear();
        f_.external_ids.clear();
      }
      return;
    }
    if (!isObject(value)) throw invalidValue("Value of '" + p.text + "' must be an object.");
    const JsonObject object = asObject(value);
    const std::string_view urn = enterprise ? kEnterpriseSchema : kGenesysSchema;
    for (auto it = object->begin(); it != object->end(); ++it) {
      applyPath(op, parsePath(std::string(urn) + ":" + it->first), it->second);
    }
  }

  void patchManager(Op op, const PatchPath& p, const Poco::Dynamic::Var& value) {
    if (p.has_filter || !(p.sub.empty() || p.sub == "value")) {
      throw invalidPath("Unsupported attribute path '" + p.text + "'.");
    }
    if (op == Op::kRemove) {
      f_.manager_id.reset();
    } else if (p.sub == "value") {
      f_.manager_id = parseOptionalString(value, "manager.value");
    } else {
      f_.manager_id = parseManager(value);
    }
  }

  void patchEmails(Op op, const PatchPath& p, const Poco::Dynamic::Var& value) {
    if (p.has_filter) {
      if (p.filter_attr != "type")
        throw invalidPath("Unsupported email filter in '" + p.text + "'.");
      if (equalsIgnoreCase(p.filter_value, "other")) {
        throw mutability("emails[type eq \"other\"] mirrors userName and is read-only.");
      }
      if (!equalsIgnoreCase(p.filter_value, "work")) {
        throw invalidPath("Unsupported email type '" + p.filter_value + "'.");
      }
      if (!(p.sub.empty() || p.sub == "value")) {
        throw invalidPath("Unsupported attribute path '" + p.text + "'.");
      }
      if (op == Op::kRemove) {
        f_.work_email.reset();
        return;
      }
      Poco::Dynamic::Var text = value;
      if (p.sub.empty()) {
        if (isArray(text) && asArray(text)->size() > 0) text = asArray(text)->get(0);
        if (isObject(text)) text = getField(asObject(text), "value");
      }
      f_.work_email = parseOptionalString(text, "emails.value");
      return;
    }
    if (!p.sub.empty()) throw invalidPath("Unsupported attribute path '" + p.text + "'.");
    if (op == Op::kRemove) {
      if (isNull(value)) {
        f_.work_email.reset();
        return;
      }
      for (const Poco::Dynamic::Var& item : asList(value)) {
        if (!isObject(item)) throw invalidValue("Entries of 'emails' must be objects.");
        const JsonObject object = asObject(item);
        const Poco::Dynamic::Var type = getField(object, "type");
        const Poco::Dynamic::Var text = getField(object, "value");
        const bool is_work =
            type.isString() && equalsIgnoreCase(type.extract<std::string>(), "work");
        const bool same =
            text.isString() && f_.work_email && *f_.work_email == text.extract<std::string>();
        if (is_work || same) f_.work_email.reset();
      }
      return;
    }
    std::optional<std::string> work = op == Op::kReplace ? std::nullopt : f_.work_email;
    for (const Poco::Dynamic::Var& item : asList(value)) {
      if (!isObject(item)) throw invalidValue("Entries of 'emails' must be objects.");
      const JsonObject object = asObject(item);
      const std::string text = requireString(getField(object, "value"), "emails.value");
      const Poco::Dynamic::Var type = getField(object, "type");
      const std::string kind = type.isString() ? toLower(type.extract<std::string>()) : "";
      if (kind == "work" || (kind.empty() && !equalsIgnoreCase(text, f_.user_name))) {
        work = text.empty() ? std::nullopt : std::optional<std::string>(text);
      } else if (kind == "other" || kind.empty()) {
        if (!equalsIgnoreCase(text, f_.user_name)) {
          throw mutability("emails[type eq \"other\"] mirrors userName and is read-only.");
        }
      } else {
        throw invalidValue("Unsupported email type '" + kind + "'.");
      }
    }
    f_.work_email = work;
  }

  void patchPhones(Op op, const PatchPath& p, const Poco::Dynamic::Var& value) {
    if (p.has_filter) {
      if (p.filter_attr != "type")
        throw invalidPath("Unsupported phone filter in '" + p.text + "'.");
      const std::optional<std::string> type = canonicalPhoneType(p.filter_value);
      if (!type) throw invalidPath("Unsupported phone number type '" + p.filter_value + "'.");
      if (!(p.sub.empty() || p.sub == "value")) {
        throw invalidPath("Unsupported attribute path '" + p.text + "'.");
      }
      if (op == Op::kRemove) {
        setPhone(f_.phones, *type, "");
        return;
      }
      Poco::Dynamic::Var text = value;
      if (p.sub.empty() && isObject(text)) text = getField(asObject(text), "value");
      setPhone(f_.phones, *type, parseOptionalString(text, "phoneNumbers.value").value_or(""));
      return;
    }
    if (!p.sub.empty()) throw invalidPath("Unsupported attribute path '" + p.text + "'.");
    if (op == Op::kRemove) {
      if (isNull(value)) {
        f_.phones.clear();
        return;
      }
      for (const Poco::Dynamic::Var& item : asList(value)) {
        if (!isObject(item)) throw invalidValue("Entries of 'phoneNumbers' must be objects.");
        const JsonObject object = asObject(item);
        const Poco::Dynamic::Var type = getField(object, "type");
        const Poco::Dynamic::Var text = getField(object, "value");
        f_.phones.erase(
            std::remove_if(f_.phones.begin(), f_.phones.end(),
                           [&](const PhoneNumber& phone) {
                             if (type.isString()) {
                               return equalsIgnoreCase(phone.type, type.extract<std::string>());
                             }
                             return text.isString() && phone.value == text.extract<std::string>();
                           }),
            f_.phones.end());
      }
      return;
    }
    const std::vector<PhoneNumber> phones = parsePhones(value);
    if (op == Op::kReplace) f_.phones.clear();
    for (const PhoneNumber& phone : phones) setPhone(f_.phones, phone.type, phone.value);
  }

  void patchRoles(Op op, const PatchPath& p, const Poco::Dynamic::Var& value) {
    if (!p.sub.empty()) throw invalidPath("Unsupported attribute path '" + p.text + "'.");
    auto erase = [&](const std::string& name) {
      f_.roles.erase(std::remove(f_.roles.begin(), f_.roles.end(), name), f_.roles.end());
    };
    auto add = [&](const std::string& name) {
      if (std::find(f_.roles.begin(), f_.roles.end(), name) == f_.roles.end()) {
        f_.roles.push_back(name);
      }
    };
    if (p.has_filter) {
      if (p.filter_attr != "value")
        throw invalidPath("Unsupported roles filter in '" + p.text + "'.");
      if (op == Op::kRemove || op == Op::kReplace) erase(p.filter_value);
      if (op == Op::kAdd) add(p.filter_value);
      if (op != Op::kRemove) {
        for (const std::string& name : parseRoles(value)) add(name);
      }
      return;
    }
    if (op == Op::kRemove) {
      if (isNull(value)) {
        f_.roles.clear();
      } else {
        for (const std::string& name : parseRoles(value)) erase(name);
      }
      return;
    }
    if (op == Op::kReplace) f_.roles.clear();
    for (const std::string& name : parseRoles(value)) add(name);
  }

  void patchRouting(Op op, const PatchPath& p, const Poco::Dynamic::Var& value,
                    std::vector<RoutingEntry>& list, std::string_view what) {
    auto erase = [&](const std::string& name) {
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const RoutingEntry& entry) { return entry.name == name; }),
                 list.end());
    };
    if (p.has_filter) {
      if (p.filter_attr != "name") throw invalidPath("Unsupported filter in '" + p.text + "'.");
      if (!(p.sub.empty() || p.sub == "proficiency")) {
        throw invalidPath("Unsupported attribute path '" + p.text + "'.");
      }
      if (op == Op::kRemove) {
        erase(p.filter_value);
        return;
      }
      RoutingEntry entry{p.filter_value, 0.0};
      if (p.sub == "proficiency") {
        entry.proficiency = requireNumber(value, std::string(what) + ".proficiency");
        if (entry.proficiency < 0.0 || entry.proficiency > 5.0) {
          throw invalidValue("Attribute '" + std::string(what) +
                             ".proficiency' must be between 0.0 and 5.0.");
        }
      } else {
        if (!isObject(value)) throw invalidValue("Value of '" + p.text + "' must be an object.");
        const JsonObject object = asObject(value);
        if (hasField(object, "name")) {
          entry = parseRoutingEntry(value, what);
        } else {
          entry.proficiency =
              requireNumber(getField(object, "proficiency"), std::string(what) + ".proficiency");
          if (entry.proficiency < 0.0 || entry.proficiency > 5.0) {
            throw invalidValue("Attribute '" + std::string(what) +
                               ".proficiency' must be between 0.0 and 5.0.");
          }
        }
      }
      mergeRouting(list, entry, what);
      return;
    }
    if (!p.sub.empty()) throw invalidPath("Unsupported attribute path '" + p.text + "'.");
    if (op == Op::kRemove) {
      if (isNull(value)) {
        list.clear();
        return;
      }
      for (const Poco::Dynamic::Var& item : asList(value)) {
        if (isObject(item)) {
          erase(requireString(getField(asObject(item), "name"), std::string(what) + ".name"));
        } else {
          erase(requireString(item, what));
        }
      }
      return;
    }
    if (op == Op::kReplace) {
      list = parseRoutingList(value, what);
      return;
    }
    for (const Poco::Dynamic::Var& item : asList(value)) {
      mergeRouting(list, parseRoutingEntry(item, what), what);
    }
  }

  void patchExternalIds(Op op, const PatchPath& p, const Poco::Dynamic::Var& value) {
    auto& list = f_.external_ids;
    auto erase = [&](const std::string& authority) {
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const ExternalIdEntry& e) { return e.authority == authority; }),
                 list.end());
    };
    auto set = [&](const ExternalIdEntry& entry) {
      for (ExternalIdEntry& existing : list) {
        if (existing.authority == entry.authority) {
          existing.value = entry.value;
          return;
        }
      }
      list.push_back(entry);
    };
    if (p.has_filter) {
      if (p.filter_attr != "authority")
        throw invalidPath("Unsupported filter in '" + p.text + "'.");
      if (isScimAuthority(p.filter_value)) {
        throw mutability("The SCIM externalIds entry is immutable; patch 'externalId' instead.");
      }
      if (!(p.sub.empty() || p.sub == "value")) {
        throw invalidPath("Unsupported attribute path '" + p.text + "'.");
      }
      if (op == Op::kRemove) {
        erase(p.filter_value);
        return;
      }
      Poco::Dynamic::Var text = value;
      if (p.sub.empty() && isObject(text)) text = getField(asObject(text), "value");
      const std::optional<std::string> id = parseOptionalString(text, "externalIds.value");
      if (id) {
        set(ExternalIdEntry{p.filter_value, *id});
      } else {
        erase(p.filter_value);
      }
      return;
    }
    if (!p.sub.empty()) throw invalidPath("Unsupported attribute path '" + p.text + "'.");
    if (op == Op::kRemove) {
      if (isNull(value)) {
        list.clear();
        return;
      }
      for (const Poco::Dynamic::Var& item : asList(value)) {
        if (!isObject(item)) throw invalidValue("Entries of 'externalIds' must be objects.");
        erase(requireString(getField(asObject(item), "authority"), "externalIds.authority"));
      }
      return;
    }
    const std::vector<ExternalIdEntry> entries = parseExternalIds(value);
    if (op == Op::kReplace) list.clear();
    for (const ExternalIdEntry& entry : entries) set(entry);
  }

  UserFields& f_;
};

std::string memberId(const Poco::Dynamic::Var& item) {
  if (isObject(item)) return requireString(getField(asObject(item), "value"), "members.value");
  return requireString(item, "members.value");
}

}  // namespace

void applyUserPatch(UserFields& fields, const JsonObject& request) {
  const std::vector<PatchOperation> operations = readOperations(request);
  UserPatcher patcher(fields);
  for (const PatchOperation& operation : operations) patcher.apply(operation);
}

std::vector<size_t> resolveMembers(SimStore& store, const Poco::Dynamic::Var& value) {
  std::vector<size_t> members;
  for (const Poco::Dynamic::Var& item : asList(value)) {
    const std::string id = memberId(item);
    const SimUser* user = store.liveUserById(id);
    if (user == nullptr) throw invalidValue("User '" + id + "' does not exist.");
    members.push_back(user->index);
  }
  return members;
}

GroupChange applyGroupPatch(const SimGroup& group, SimStore& store, const JsonObject& request) {
  const std::vector<PatchOperation> operations = readOperations(request);
  GroupChange change{group.display_name, group.external_id, group.members};
  std::unordered_set<size_t> present(group.members.begin(), group.members.end());
  auto add = [&](size_t index) {
    if (present.insert(index).second) change.members.push_back(index);
  };
  auto removeAll = [&](const std::unordered_set<size_t>& gone) {
    if (gone.empty()) return;
    change.members.erase(std::remove_if(change.members.begin(), change.members.end(),
                                        [&](size_t index) { return gone.count(index) != 0; }),
                         change.members.end());
    for (size_t index : gone) present.erase(index);
  };
  const std::string prefix = toLower(kGroupSchema) + ":";

  auto applyPath = [&](Op op, const std::string& raw_path, const Poco::Dynamic::Var& value) {
    std::string lowered = toLower(raw_path);
    std::string text = raw_path;
    if (lowered.rfind(prefix, 0) == 0) {
      text = raw_path.substr(prefix.size());
      lowered = lowered.substr(prefix.size());
    }
    if (op != Op::kRemove && isNull(value)) op = Op::kRemove;
    if (lowered.rfind("members[", 0) == 0 && lowered.back() == ']') {
      PatchPath path;
      path.text = raw_path;
      parseValueFilter(text.substr(8, text.size() - 9), path);
      if (path.filter_attr != "value")
        throw invalidPath("Unsupported filter in '" + raw_path + "'.");
      if (op == Op::kRemove) {
        const SimUser* user = store.userById(path.filter_value);
        if (user != nullptr) removeAll({user->index});
      } else {
        const SimUser* user = store.liveUserById(path.filter_value);
        if (user == nullptr) throw invalidValue("User '" + path.filter_value + "' does not exist.");
        add(user->index);
      }
    } else if (lowered == "members") {
      if (op == Op::kRemove) {
        if (isNull(value)) {
          change.members.clear();
          present.clear();
          return;
        }
        std::unordered_set<size_t> gone;
        for (const Poco::Dynamic::Var& item : asList(value)) {
          const SimUser* user = store.userById(memberId(item));
          if (user != nullptr) gone.insert(user->index);
        }
        removeAll(gone);
        return;
      }
      const std::vector<size_t> members = resolveMembers(store, value);
      if (op == Op::kReplace) {
        change.members.clear();
        present.clear();
      }
      for (size_t index : members) add(index);
    } else if (lowered == "displayname") {
      if (op == Op::kRemove) throw mutability("Attribute 'displayName' is required.");
      std::string name = requireString(value, "displayName");
      if (name.empty()) throw invalidValue("Attribute 'displayName' must not be empty.");
      const SimGroup* other = store.groupByDisplayName(name);
      if (other != nullptr && other != &group) {
        throw SimError(409, "uniqueness", "Group name already in use.", "general.conflict");
      }
      change.display_name = std::move(name);
    } else if (lowered == "externalid") {
      change.external_id =
          op == Op::kRemove ? std::nullopt : parseOptionalString(value, "externalId");
    } else if (lowered == "id" || lowered == "meta" || lowered.rfind("meta.", 0) == 0 ||
               lowered == "schemas") {
      throw mutability("Attribute '" + raw_path + "' is read-only.");
    } else {
      throw invalidPath("Unsupported attribute path '" + raw_path + "'.");
    }
  };

  for (const PatchOperation& operation : operations) {
    if (!operation.path) {
      if (operation.op == Op::kRemove) throw noTarget("A 'remove' operation requires a path.");
      if (!isObject(operation.value)) {
        throw invalidValue("A path-less operation needs an object value.");
      }
      const JsonObject object = asObject(operation.value);
      for (auto it = object->begin(); it != object->end(); ++it) {
        if (equalsIgnoreCase(it->first, "schemas")) continue;
        applyPath(operation.op, it->first, it->second);
      }
    } else {
      applyPath(operation.op, *operation.path, operation.value);
    }
  }
  return change;
}

}  // namespace scim_agent::sim
