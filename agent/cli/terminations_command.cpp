// `scim-agent terminations [--clear EXTERNALID] [--format text|json]`: the HR terminations that
// hold over the desired state (SPEC §12: until the desired state marks the user inactive or an
// operator clears it). --clear forgets one, with an audit row naming the operator ($USER); the
// next cycle then follows the desired state for that user again.

#include <chrono>
#include <cstdlib>
#include <optional>
#include <ostream>

#include <Poco/Util/Option.h>

#include "agent/base/json.h"
#include "agent/cli/clock.h"
#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/model/audit_actor.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

}  // namespace

int runTerminations(const Args& args, std::ostream& out, std::ostream& err) {
  const auto format_option = formatOption(args, {"text", "json"}, err);
  if (!format_option) return kExitUsage;
  const std::string format = *format_option;
  const std::string clear = args.get("clear");
  Diagnostics diags;
  auto config = loadAgentConfig(args.configPath(), diags);
  if (!config) {
    printDiagnostics(diags, err);
    return kExitError;
  }
  auto store = StateStore::open(config->state_path);
  if (!store.ok()) {
    err << "error: " << store.error().message << "\n";
    return kExitError;
  }
  if (!clear.empty()) {
    // A write: one writer at a time (serve holds the lock while it runs: stop it, or wait).
    Status locked = (*store)->acquireWriterLock(std::chrono::seconds(10));
    if (!locked.ok()) {
      err << "error: " << locked.error().message << "\n";
      return locked.error().code == ErrorCode::kBusy ? kExitBusy : kExitError;
    }
    auto cleared = (*store)->clearTermination(clear);
    if (!cleared.ok()) {
      err << "error: " << cleared.error().message << "\n";
      return kExitError;
    }
    if (!*cleared) {
      err << "error: no termination holds " << clear << "\n";
      return kExitError;
    }
    auto audited = (*store)->appendAudit(cliNowIso(), std::nullopt,
                                         operatorActor(std::getenv("USER")),
                                         "clear-termination", clear, "{}");
    if (!audited.ok()) {
      err << "error: " << audited.error().message << "\n";
      return kExitError;
    }
    out << "Cleared the termination of " << clear
        << ": the next cycle follows the desired state for this user again.\n";
    return kExitOk;
  }
  auto held = (*store)->terminations();
  if (!held.ok()) {
    err << "error: " << held.error().message << "\n";
    return kExitError;
  }
  if (format == "json") {
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

void addTerminationsOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(
      Option("clear", "", "forget the termination of this externalId (audited as $USER)")
          .argument("EXTERNALID"));
  set.addOption(Option("format", "f", "text or json").argument("FORMAT"));
}

}  // namespace scim_agent
