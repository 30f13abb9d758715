#include "agent/report/history_render.h"

#include <sstream>

#include "agent/codec/json_parse.h"

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
  // A run that failed with every action done: the users an unknown group left out (issue 14).
  const Json& skipped = summary.get("groupChangesSkipped");
  if (skipped.isNumber() && skipped.asNumber() > 0) {
    const int n = static_cast<int>(skipped.asNumber());
    text += (text.empty() ? "" : ", ") + std::to_string(n) +
            (n == 1 ? " group change skipped (unknown group)" : " group changes skipped (unknown group)");
  }
  return text;
}

std::string padded(const std::string& s, size_t width) {
  return s + std::string(s.size() < width ? width - s.size() : 1, ' ');
}

}  // namespace

std::string runSummaryText(const std::string& summary_json) {
  auto summary = parseJson(summary_json.empty() ? "{}" : summary_json);
  return summary.ok() ? summaryText(*summary) : "";
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
    item["summary"] = runSummaryText(r.summary_json);
    out.push(std::move(item));
  }
  return out;
}

std::string renderHistoryText(const Json& history) {
  if (history.asArray().empty()) return "No runs yet.\n";
  std::ostringstream out;
  out << "RUN   KIND      OUTCOME    STARTED                        SUMMARY\n";
  for (const auto& r : history.asArray()) {
    out << padded(std::to_string(static_cast<long long>(r.getNumber("id"))), 6)
        << padded(r.getString("kind"), 10) << padded(r.getString("outcome"), 11)
        << padded(r.getString("startedAt"), 31) << r.getString("summary") << "\n";
  }
  return out.str();
}

}  // namespace scim_agent
