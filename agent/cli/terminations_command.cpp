#include "agent/cli/terminations_command.h"

#include <chrono>
#include <cstdlib>
#include <optional>

#include "agent/base/diagnostics.h"
#include "agent/base/json.h"
#include "agent/cli/clock.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/session.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

std::string operatorName() {
  const char* user = std::getenv("USER");
  return user && *user ? user : "operator";
}

}  // namespace

int runTerminationsCommand(const TerminationsCommandArgs& args, std::ostream& out,
                           std::ostream& err) {
  if (args.format != "text" && args.format != "json") {
    err << "error: --format must be text or json, not \"" << args.format << "\"\n";
    return kExitUsage;
  }
  Diagnostics diags;
  auto config = Session::loadConfigOnly(args.config_path, diags);
  if (!config) {
    for (const auto& d : diags.sorted()) err << d.toString() << "\n";
    return kExitError;
  }
  auto store = StateStore::open(config->state_path);
  if (!store.ok()) {
    err << "error: " << store.error().message << "\n";
    return kExitError;
  }
  if (!args.clear.empty()) {
    // A write: one writer at a time (serve holds the lock while it runs: stop it, or wait).
    Status locked = (*store)->acquireWriterLock(std::chrono::seconds(10));
    if (!locked.ok()) {
      err << "error: " << locked.error().message << "\n";
      return locked.error().code == ErrorCode::kBusy ? kExitBusy : kExitError;
    }
    auto cleared = (*store)->clearTermination(args.clear);
    if (!cleared.ok()) {
      err << "error: " << cleared.error().message << "\n";
      return kExitError;
    }
    if (!*cleared) {
      err << "error: no termination holds " << args.clear << "\n";
      return kExitError;
    }
    auto audited = (*store)->appendAudit(cliNowIso(), std::nullopt, operatorName(),
                                         "clear-termination", args.clear, "{}");
    if (!audited.ok()) {
      err << "error: " << audited.error().message << "\n";
      return kExitError;
    }
    out << "Cleared the termination of " << args.clear
        << ": the next cycle follows the desired state for this user again.\n";
    return kExitOk;
  }
  auto held = (*store)->terminations();
  if (!held.ok()) {
    err << "error: " << held.error().message << "\n";
    return kExitError;
  }
  if (args.format == "json") {
    Json list = Json::array();
    for (const TerminationRecord& t : *held) {
      list.push(Json(Json::Object{{"externalId", t.external_id},
                                  {"eventId", t.event_id},
                                  {"occurredAt", t.occurred_at},
                                  {"recordedAt", t.recorded_at}}));
    }
    out << list.pretty() << "\n";
    return kExitOk;
  }
  if (held->empty()) {
    out << "No HR termination holds over the desired state.\n";
    return kExitOk;
  }
  out << "HR terminations holding over the desired state (scim-agent terminations --clear ID):\n";
  for (const TerminationRecord& t : *held) {
    out << "  " << t.external_id << "  occurred " << t.occurred_at << "  (event " << t.event_id
        << ", recorded " << t.recorded_at << ")\n";
  }
  return kExitOk;
}

}  // namespace scim_agent
