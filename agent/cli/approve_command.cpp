// `scim-agent approve`: apply the suspends and deletes that apply --hold-destructive held, after
// checking each against Genesys again (Reconciler::approve).

#include <algorithm>
#include <ostream>
#include <sstream>

#include <Poco/Util/Option.h>

#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/held_output.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/model/audit_actor.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

constexpr const char* kApproveUsage =
    "usage: scim-agent approve [--config FILE] [--externalId ID]... [--all] "
    "[--format text|json]\n";

// --externalId values, each repeatable or comma-separated.
std::vector<std::string> externalIds(const Args& args) {
  std::vector<std::string> ids;
  auto it = args.repeated.find("externalId");
  if (it == args.repeated.end()) return ids;
  for (const std::string& value : it->second) {
    std::stringstream parts(value);
    for (std::string id; std::getline(parts, id, ',');) {
      if (!id.empty()) ids.push_back(id);
    }
  }
  return ids;
}

void printApprovals(const ApproveReport& report, bool quiet, std::ostream& out) {
  const auto& approvals = report.approvals;
  if (!quiet) {
    out << "Approving " << approvals.size() << " held "
        << (approvals.size() == 1 ? "action" : "actions") << ":\n";
    for (const Approval& a : approvals) {
      out << "  " << a.row.kind << " "
          << (a.doc.actions.empty() ? a.row.external_id : heldLabel(a.action())) << ": "
          << heldStateName(a.outcome);
      if (!a.message.empty()) out << " — " << a.message;
      out << "\n";
      for (const Notice& n : a.doc.notices) out << "    note: " << n.message << "\n";
    }
  }
  out << "Approve complete: " << report.count(HeldState::kApplied) << " applied, "
      << report.count(HeldState::kStale) << " stale, " << report.count(HeldState::kFailed)
      << " failed.\n";
  if (report.count(HeldState::kStale) > 0) {
    out << "Stale actions were not applied: their users changed since they were held. Run "
           "plan again to see what they need now.\n";
  }
}

}  // namespace

int runApprove(const Args& args, std::ostream& out, std::ostream& err) {
  const auto format_option = formatOption(args, {"text", "json"}, err);
  if (!format_option) return kExitUsage;
  const std::string format = *format_option;
  const std::vector<std::string> ids = externalIds(args);
  const bool all = args.has("all");
  if (all && !ids.empty()) {
    err << "scim-agent approve: give either --externalId or --all, not both\n" << kApproveUsage;
    return kExitUsage;
  }
  std::unique_ptr<Agent> agent;
  if (int code = openAgent(args, err, agent); code != kExitOk) return code;
  Status locked = agent->reconciler().lock();
  if (!locked.ok()) return printError(locked.error(), err);
  auto pending = agent->store().pendingHeldActions();
  if (!pending.ok()) return printError(pending.error(), err);
  if (!all && ids.empty()) {
    err << "scim-agent approve: say what to approve: --externalId ID (repeatable) or --all\n";
    listPending(*pending, err);
    err << kApproveUsage;
    return kExitUsage;
  }
  ApproveRequest request;
  request.actor = operatorActor(std::getenv("USER"));
  if (all) {
    request.selected = *pending;
  } else {
    std::vector<std::string> missing;
    for (const std::string& id : ids) {
      auto it = std::find_if(pending->begin(), pending->end(),
                             [&](const HeldAction& h) { return h.external_id == id; });
      if (it == pending->end()) {
        missing.push_back(id);
      } else if (std::none_of(request.selected.begin(), request.selected.end(),
                              [&](const HeldAction& h) { return h.id == it->id; })) {
        request.selected.push_back(*it);
      }
    }
    if (!missing.empty()) {
      err << "scim-agent approve: nothing is pending approval for";
      for (const std::string& id : missing) err << " " << id;
      err << "; nothing was applied\n";
      listPending(*pending, err);
      return kExitUsage;
    }
  }
  if (request.selected.empty()) {
    out << (format == "json" ? "{\"actions\":[],\"counts\":{}}\n" : "Nothing is pending approval.\n");
    return kExitOk;
  }
  const ApproveReport report = agent->reconciler().approve(request);
  if (report.error) return printError(*report.error, err);
  printWarnings(report.warnings, err);
  if (format == "json") {
    out << report.summary.pretty() << "\n";
  } else {
    printApprovals(report, args.has("quiet"), out);
  }
  return report.allApplied() ? kExitOk : kExitError;
}

void addApproveOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(Option("externalId", "e",
                       "approve the held action of this user (repeatable, or comma-separated)")
                    .argument("ID")
                    .repeatable(true));
  set.addOption(Option("all", "a", "approve every pending held action"));
  set.addOption(Option("format", "f", "text or json").argument("FORMAT"));
}

}  // namespace scim_agent
