// `scim-agent validate`: every problem of the desired state at once, as file:line:column; per HR
// source its records, rejects and whether it was read whole; `--explain EXTERNALID` shows how
// one person's record became a user.

#include <ostream>
#include <sstream>

#include <Poco/Util/Option.h>

#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/plan/unknown_names.h"
#include "agent/scim/genesys_directory.h"
#include "agent/scim/genesys_platform.h"

namespace scim_agent {

namespace {

std::string fieldText(const FieldValue& v) {
  if (v.is_null) return "null";
  if (!v.is_list) return "\"" + v.text + "\"";
  std::string out = "[";
  for (size_t i = 0; i < v.items.size(); ++i) out += (i ? ", \"" : "\"") + v.items[i] + "\"";
  return out + "]";
}

// validate --explain: the person's records and how each attribute was made, or where a YAML
// file declares it.
int explain(const std::string& external_id, const DesiredState& desired,
            const std::vector<SourceExplanation>& explained, std::ostream& out) {
  for (const SourceExplanation& e : explained) {
    out << external_id << " at " << e.where.toString() << "\n  record:\n";
    for (const auto& [name, value] : e.fields) out << "    " << name << " = " << fieldText(value) << "\n";
    out << "  mapped:\n";
    for (const AttributeTrace& t : e.mapped.trace) {
      out << "    " << t.attribute << " = " << t.value << "    from " << t.how;
      if (t.where.line > 0) out << " (" << t.where.toString() << ")";
      out << "\n";
    }
    if (!e.mapped.problems.empty()) {
      out << "  rejected:\n";
      for (const std::string& p : e.mapped.problems) out << "    " << p << "\n";
    }
  }
  bool in_yaml = false;
  for (const DesiredUser& d : desired.users) {
    if (d.external_id != external_id) continue;
    if (d.source.column == 0) continue;  // an HR record (its place has no column): shown above
    out << external_id << " is declared in " << d.source.toString() << " (YAML)\n";
    in_yaml = true;
  }
  if (explained.empty() && !in_yaml) {
    out << "no desired user or HR record has externalId " << external_id << "\n";
    return kExitError;
  }
  return kExitOk;
}

// validate --online: the groups (and for Genesys the roles, divisions, skills and languages)
// the desired state names, of the attributes its policy manages, against the org's listings.
// Each unknown name is an error at its first user's place, with the closest existing names.
int checkOnline(Agent& agent, const DesiredState& desired, std::ostream& out, std::ostream& err) {
  Status opened = agent.open(/*init_state=*/false);
  if (!opened.ok()) return printError(opened.error(), err);
  const bool genesys = agent.settings().target_kind == "genesys";
  const std::string service = genesys ? "Genesys" : "the SCIM service";
  auto groups = agent.directory().listGroups();
  if (!groups.ok()) return printError(groups.error(), err);
  std::vector<UnknownName> unknown = findUnknownGroups(desired.users, desired.policy, *groups);
  size_t lists = 1;
  if (genesys) {
    GenesysPlatform platform(agent.directory().client());
    const struct {
      Attribute attribute;
      NamedAttribute named;
      const char* path;
    } kLists[] = {
        {Attribute::kRoles, NamedAttribute::kRoles, "/api/v2/authorization/roles"},
        {Attribute::kDivision, NamedAttribute::kDivision, "/api/v2/authorization/divisions"},
        {Attribute::kRoutingSkills, NamedAttribute::kRoutingSkills, "/api/v2/routing/skills"},
        {Attribute::kRoutingLanguages, NamedAttribute::kRoutingLanguages,
         "/api/v2/routing/languages"},
    };
    for (const auto& list : kLists) {
      if (!desired.policy.manages(list.attribute)) continue;
      auto names = platform.listNames(list.path);
      if (!names.ok()) return printError(names.error(), err);
      ++lists;
      for (UnknownName& u : findUnknownNames(desired.users, list.named, *names)) {
        unknown.push_back(std::move(u));
      }
    }
  }
  if (!unknown.empty()) {
    Diagnostics diags;
    for (const UnknownName& u : unknown) {
      Diagnostic d = unknownNameDiagnostic(u, service);
      diags.add(std::move(d.pos), std::move(d.message));
    }
    printDiagnostics(diags, err);
    err << diags.size() << (diags.size() == 1 ? " error" : " errors") << " found.\n";
    return kExitError;
  }
  out << "Every name the desired state uses exists in " << service << " (" << lists
      << (lists == 1 ? " listing" : " listings") << " read).\n";
  return kExitOk;
}

}  // namespace

void addValidateOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(Option("explain", "", "show how one person's HR record became a user: the raw "
                                      "record, each attribute and what produced it")
                    .argument("EXTERNALID"));
  set.addOption(Option("online", "", "also connect to the target and check that the groups, "
                                     "roles, divisions, skills and languages named exist"));
}

int runValidate(const Args& args, std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  auto agent = Agent::load(args.configPath(), args.get("desired"), diags);
  DesiredState desired;
  const std::string explain_id = args.get("explain", "");
  std::vector<SourceExplanation> explained;
  if (agent) desired = loadDesiredState(agent->settings(), diags, nullptr, explain_id, &explained);
  if (!agent || !diags.empty()) {
    printDiagnostics(diags, err);
    err << diags.size() << (diags.size() == 1 ? " error" : " errors") << " found.\n";
    return kExitError;
  }
  if (!explain_id.empty()) return explain(explain_id, desired, explained, out);
  // Rejected records within policy.maxRejectedRecords are warnings; beyond it, errors.
  bool over = false;
  bool broken = false;
  for (const SourceOutcome& s : desired.sources) {
    over = over || s.over_reject_limit;
    broken = broken || !s.whole;
  }
  printSourceReport(desired.sources, (over || broken) ? err : out);
  if (over || broken) {
    err << (over ? "too many rejected records" : "a source could not be read whole")
        << ": a run would apply nothing destructive from it"
        << (over ? " (it fails before applying anything)" : "") << ".\n";
    return kExitError;
  }
  // Online problems come before any word that the desired state is valid.
  std::ostringstream online;
  if (args.has("online")) {
    if (int code = checkOnline(*agent, desired, online, err); code != kExitOk) return code;
  }
  if (!args.has("quiet")) {
    out << "The desired state is valid: " << desired.users.size() << " users from "
        << agent->settings().desired_path;
    if (!desired.sources.empty()) out << " and " << desired.sources.size() << " HR source(s)";
    out << " (digest " << desired.digest.substr(0, 12) << ").\n";
  }
  out << online.str();
  return kExitOk;
}

}  // namespace scim_agent
