// `scim-agent history`: past runs and what each did.

#include <algorithm>
#include <ostream>

#include <Poco/Util/Option.h>

#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/output.h"
#include "agent/cli/wiring.h"
#include "agent/codec/json_parse.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

// "3 create, 1 to suspend": the counts a run record's summary holds.
std::string summaryText(const Json& summary) {
  std::string text;
  for (const auto& [section, suffix] : {std::pair{"counts", ""}, std::pair{"plan", "to "}}) {
    const Json& counts = summary.get(section);
    if (!counts.isObject()) continue;
    for (const auto& [k, v] : counts.asObject()) {
      if (!v.isNumber() || v.asNumber() <= 0) continue;
      text += (text.empty() ? "" : ", ") + std::to_string(static_cast<int>(v.asNumber())) + " " +
              suffix + k;
    }
  }
  return text;
}

Json historyJson(const std::vector<RunRecord>& runs) {
  Json out = Json::array();
  for (const auto& r : runs) {
    Json item = Json::object();
    item["id"] = static_cast<int64_t>(r.id);
    item["kind"] = r.kind;
    item["startedAt"] = r.started_at;
    item["endedAt"] = r.ended_at;
    item["outcome"] = r.outcome;
    item["desiredDigest"] = r.desired_digest;
    auto summary = parseJson(r.summary_json.empty() ? "{}" : r.summary_json);
    item["summary"] = summary.ok() ? summaryText(*summary) : "";
    out.push(std::move(item));
  }
  return out;
}

std::string padded(const std::string& s, size_t width) {
  return s + std::string(s.size() < width ? width - s.size() : 1, ' ');
}

}  // namespace

int runHistory(const Args& args, std::ostream& out, std::ostream& err) {
  Diagnostics diags;
  auto config = loadAgentConfig(args.configPath(), diags);
  if (!config) {
    printDiagnostics(diags, err);
    return kExitError;
  }
  int limit = 20;
  try {
    limit = std::stoi(args.get("limit", "20"));
  } catch (const std::exception&) {
    err << "error: --limit must be a number\n";
    return kExitUsage;
  }
  auto store = StateStore::open(config->state_path);
  if (!store.ok()) return printError(store.error(), err);
  auto runs = (*store)->listRuns(limit);
  if (!runs.ok()) return printError(runs.error(), err);
  const Json history = historyJson(*runs);
  if (args.get("format", "text") == "json") {
    out << history.pretty() << "\n";
    return kExitOk;
  }
  if (runs->empty()) {
    out << "No runs yet.\n";
    return kExitOk;
  }
  out << "RUN   KIND      OUTCOME    STARTED                        SUMMARY\n";
  for (const auto& r : history.asArray()) {
    out << padded(std::to_string(static_cast<long long>(r.getNumber("id"))), 6)
        << padded(r.getString("kind"), 10) << padded(r.getString("outcome"), 11)
        << padded(r.getString("startedAt"), 31) << r.getString("summary") << "\n";
  }
  return kExitOk;
}

void addHistoryOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(Option("limit", "n", "how many runs to list (default 20)").argument("N"));
  set.addOption(Option("format", "f", "text or json").argument("FORMAT"));
}

}  // namespace scim_agent
