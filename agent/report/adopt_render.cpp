#include "agent/report/adopt_render.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "agent/plan/policy_rules.h"
#include "agent/report/render_text.h"
#include "agent/plan/text_util.h"

namespace scim_agent {

// ---- rendering ------------------------------------------------------------------------------

namespace {

// A PR comment is limited to 65,536 characters on GitHub (render.cpp keeps plans under it too).
constexpr size_t kMarkdownMaxRowsPerClass = 100;

const char* sectionTitle(AdoptClass c) {
  switch (c) {
    case AdoptClass::kAmbiguous:
      return "Ambiguous: not touched by apply until resolved";
    case AdoptClass::kDestroyed:
      return "Would be suspended or deleted by the first apply";
    case AdoptClass::kProtected:
      return "Protected: never suspended, deleted or changed";
    case AdoptClass::kAdopted:
      return "Matched by userName: would be adopted (externalId set)";
    case AdoptClass::kCreated:
      return "Would be created";
    case AdoptClass::kMatched:
      return "Matched by externalId";
    case AdoptClass::kUnmanaged:
      return "Unmanaged";
    case AdoptClass::kLeftAlone:
      return "Managed, nothing to do";
  }
  return "?";
}

const char* marker(AdoptClass c) {
  switch (c) {
    case AdoptClass::kAmbiguous:
      return "?";
    case AdoptClass::kDestroyed:
      return "!";
    case AdoptClass::kProtected:
      return "#";
    case AdoptClass::kAdopted:
      return "~";
    case AdoptClass::kCreated:
      return "+";
    case AdoptClass::kMatched:
      return "=";
    case AdoptClass::kUnmanaged:
    case AdoptClass::kLeftAlone:
      return "-";
  }
  return "?";
}

const char* classColor(AdoptClass c) {
  switch (c) {
    case AdoptClass::kAmbiguous:
    case AdoptClass::kDestroyed:
      return ansi(Ansi::kRed);
    case AdoptClass::kProtected:
    case AdoptClass::kAdopted:
      return ansi(Ansi::kYellow);
    case AdoptClass::kCreated:
      return ansi(Ansi::kGreen);
    case AdoptClass::kMatched:
    case AdoptClass::kUnmanaged:
    case AdoptClass::kLeftAlone:
      return nullptr;
  }
  return nullptr;
}

const char* matchName(MatchKind k) {
  switch (k) {
    case MatchKind::kNone:
      return "none";
    case MatchKind::kExternalId:
      return "externalId";
    case MatchKind::kUserName:
      return "userName";
    case MatchKind::kConflict:
      return "conflict";
  }
  return "?";
}

// The live user an entry is about, for reviewers: "live u7", "live u7 (no externalId)".
std::string liveText(const AdoptEntry& e) {
  if (!e.live_ids.empty()) return "live " + join(e.live_ids, ", ");
  if (e.live_id.empty()) return "";
  std::string out = "live " + e.live_id;
  if (e.live_external_id.empty()) {
    out += " (no externalId";
    out += e.live_active ? ")" : ", inactive)";
  } else if (e.live_external_id != e.external_id) {
    out += " (externalId " + quoted(e.live_external_id) + (e.live_active ? ")" : ", inactive)");
  } else if (!e.live_active) {
    out += " (inactive)";
  }
  return out;
}

// What happens to the user, in words: "suspend (removed from desired state); held by the
// guardrail", "update title, department (attributes differ)", or the entry's detail.
std::string whatText(const AdoptEntry& e) {
  std::string out;
  if (e.action) {
    out = actionKindName(*e.action);
    if (!e.changed_attributes.empty() &&
        !(e.changed_attributes.size() == 1 && *e.action == ActionKind::kSuspend)) {
      out += " " + join(e.changed_attributes, ", ");
    }
    if (!e.rule.empty()) out += " (" + e.rule + ")";
    if (e.held) out += "; blocked by the guardrail";
  }
  if (!e.detail.empty()) out += (out.empty() ? "" : "; ") + e.detail;
  return out;
}

std::string summaryLine(const AdoptReport& r) {
  auto n = [&r](AdoptClass c) { return std::to_string(r.count(c)); };
  std::string destroyed = n(AdoptClass::kDestroyed) + " to suspend or delete";
  if (r.count(AdoptClass::kDestroyed) > 0) {
    destroyed += " (" + std::to_string(r.heldCount()) + " blocked by the guardrail)";
  }
  return "Adopt: " + n(AdoptClass::kMatched) + " matched, " + n(AdoptClass::kAdopted) +
         " to adopt, " + n(AdoptClass::kCreated) + " to create, " + destroyed + ", " +
         n(AdoptClass::kAmbiguous) + " ambiguous, " + n(AdoptClass::kUnmanaged) + " unmanaged, " +
         n(AdoptClass::kProtected) + " protected, " + n(AdoptClass::kLeftAlone) +
         " with nothing to do.";
}

std::string verdictLine(const AdoptReport& r) {
  if (r.clean()) {
    return "No surprises: the first apply would suspend or delete nobody and meets no ambiguous "
           "user.";
  }
  std::vector<std::string> parts;
  const int ambiguous = r.count(AdoptClass::kAmbiguous);
  const int destroyed = r.count(AdoptClass::kDestroyed);
  if (ambiguous > 0) {
    parts.push_back(std::to_string(ambiguous) +
                    (ambiguous == 1 ? " ambiguous user" : " ambiguous users"));
  }
  if (destroyed > 0) {
    parts.push_back(std::to_string(destroyed) + (destroyed == 1
                                                     ? " user would be suspended or deleted"
                                                     : " users would be suspended or deleted"));
  }
  return "Review before the first apply: " + join(parts, " and ") + ".";
}

std::string headerLine(const AdoptReport& r) {
  std::string out = "scim-agent adopt report: " + std::to_string(r.desired_users) +
                    " desired users, " + std::to_string(r.live_users) +
                    " live users; policy.unmanaged " + unmanagedPolicyName(r.unmanaged_policy);
  if (!r.scope_pattern.empty()) out += ", scope " + quoted(r.scope_pattern);
  return out + ".";
}

// ---- json -----------------------------------------------------------------------------------

Json entryJson(const AdoptEntry& e) {
  Json o = Json::object();
  if (!e.external_id.empty()) o["externalId"] = e.external_id;
  if (!e.user_name.empty()) o["userName"] = e.user_name;
  if (!e.source.file.empty()) o["source"] = e.source.toString();
  if (!e.live_id.empty()) {
    o["liveId"] = e.live_id;
    o["liveExternalId"] = e.live_external_id.empty() ? Json() : Json(e.live_external_id);
    o["liveActive"] = e.live_active;
  }
  if (!e.live_ids.empty()) {
    Json ids = Json::array();
    for (const std::string& id : e.live_ids) ids.push(Json(id));
    o["liveIds"] = std::move(ids);
  }
  o["match"] = matchName(e.match);
  if (e.action) {
    o["action"] = actionKindName(*e.action);
    o["rule"] = e.rule;
    Json changes = Json::array();
    for (const std::string& c : e.changed_attributes) changes.push(Json(c));
    o["changes"] = std::move(changes);
  }
  if (e.kind == AdoptClass::kDestroyed) o["held"] = e.held;
  if (!e.detail.empty()) o["detail"] = e.detail;
  return o;
}

}  // namespace

std::string renderAdoptText(const AdoptReport& report, bool color) {
  TextWriter w(color);
  w.line(headerLine(report), ansi(Ansi::kBold));
  w.blank();
  for (AdoptClass c : allAdoptClasses()) {
    const int n = report.count(c);
    if (n == 0) continue;
    w.line(std::string(sectionTitle(c)) + " (" + std::to_string(n) + "):", ansi(Ansi::kBold));
    for (const AdoptEntry& e : report.entries) {
      if (e.kind != c) continue;
      std::string text = std::string(marker(c)) + " " + userLabel(e.external_id, e.user_name);
      // A conflict's message already names every live user involved.
      const bool ids_in_detail =
          !e.live_ids.empty() &&
          std::all_of(e.live_ids.begin(), e.live_ids.end(), [&e](const std::string& id) {
            return e.detail.find(id) != std::string::npos;
          });
      const std::string live = ids_in_detail ? "" : liveText(e);
      if (!live.empty()) text += " [" + live + "]";
      const std::string what = whatText(e);
      if (!what.empty()) text += ": " + what;
      if (!e.source.file.empty()) text += " (" + e.source.toString() + ")";
      w.line(text, classColor(c), 2);
    }
    w.blank();
  }
  if (!report.warnings.empty()) {
    w.line("Warnings:", ansi(Ansi::kBold));
    for (const Notice& n : report.warnings) w.line(noticeLine(n), ansi(Ansi::kYellow), 2);
    w.blank();
  }
  if (!report.scheduled.empty()) {
    w.line("Scheduled (" + std::to_string(report.scheduled.size()) + "):", ansi(Ansi::kBold));
    for (const ScheduledItem& item : report.scheduled) w.line(scheduledLine(item), nullptr, 2);
    w.blank();
  }
  if (report.guardrail.blocked) {
    w.line("Guardrail: " + report.guardrail.message, ansi(Ansi::kRed));
    w.blank();
  }
  w.line(summaryLine(report), ansi(Ansi::kBold));
  w.line(verdictLine(report), report.clean() ? ansi(Ansi::kGreen) : ansi(Ansi::kRed));
  return w.take();
}

std::string renderAdoptMarkdown(const AdoptReport& report) {
  std::string out = "### scim-agent adopt report\n\n" + markdownCell(headerLine(report)) +
                    "\n\n**" + markdownCell(summaryLine(report)) + "**\n\n" +
                    markdownCell(verdictLine(report)) + "\n";
  if (report.guardrail.blocked)
    out += "\n**Guardrail:** " + markdownCell(report.guardrail.message) + "\n";
  for (AdoptClass c : allAdoptClasses()) {
    const int n = report.count(c);
    if (n == 0) continue;
    out += "\n#### " + std::string(sectionTitle(c)) + " (" + std::to_string(n) + ")\n\n";
    out += "| externalId | userName | Live user | What happens | Source |\n";
    out += "| --- | --- | --- | --- | --- |\n";
    size_t shown = 0;
    for (const AdoptEntry& e : report.entries) {
      if (e.kind != c) continue;
      if (shown++ == kMarkdownMaxRowsPerClass) break;
      out += "| " + markdownCode(e.external_id) + " | " + markdownCode(e.user_name) + " | " +
             markdownCell(liveText(e)) + " | " + markdownCell(whatText(e)) + " | " +
             (e.source.file.empty() ? "" : markdownCode(e.source.toString())) + " |\n";
    }
    if (static_cast<size_t>(n) > kMarkdownMaxRowsPerClass) {
      out += "\n… and " + std::to_string(static_cast<size_t>(n) - kMarkdownMaxRowsPerClass) +
             " more (see `scim-agent adopt --report --format text`).\n";
    }
  }
  if (!report.scheduled.empty()) {
    out += "\n#### Scheduled (" + std::to_string(report.scheduled.size()) + ")\n\n";
    for (const ScheduledItem& item : report.scheduled) {
      out += "- " + markdownCell(scheduledLine(item)) + "\n";
    }
  }
  if (!report.warnings.empty()) {
    out += "\n#### Warnings\n\n";
    for (const Notice& n : report.warnings) out += "- " + markdownCell(noticeLine(n)) + "\n";
  }
  return out;
}

std::string renderAdoptJson(const AdoptReport& report) {
  Json o = Json::object();
  o["formatVersion"] = 1;
  o["desiredDigest"] = report.desired_digest;
  o["desiredUsers"] = report.desired_users;
  o["liveUsers"] = report.live_users;
  o["clean"] = report.clean();
  Json policy = Json::object();
  policy["unmanaged"] = unmanagedPolicyName(report.unmanaged_policy);
  policy["scope"] = report.scope_pattern;
  o["policy"] = std::move(policy);
  Json guardrail = Json::object();
  guardrail["blocked"] = report.guardrail.blocked;
  guardrail["message"] = report.guardrail.message;
  o["guardrail"] = std::move(guardrail);
  Json summary = Json::object();
  Json users = Json::object();
  for (AdoptClass c : allAdoptClasses()) {
    summary[adoptClassName(c)] = report.count(c);
    Json list = Json::array();
    for (const AdoptEntry& e : report.entries) {
      if (e.kind == c) list.push(entryJson(e));
    }
    users[adoptClassName(c)] = std::move(list);
  }
  summary["held"] = report.heldCount();
  o["summary"] = std::move(summary);
  o["users"] = std::move(users);
  Json warnings = Json::array();
  for (const Notice& n : report.warnings) {
    Json w = Json::object();
    if (!n.external_id.empty()) w["externalId"] = n.external_id;
    if (!n.user_name.empty()) w["userName"] = n.user_name;
    w["message"] = n.message;
    if (!n.source.file.empty()) w["source"] = n.source.toString();
    warnings.push(std::move(w));
  }
  o["warnings"] = std::move(warnings);
  Json scheduled = Json::array();
  for (const ScheduledItem& item : report.scheduled) {
    Json j = Json::object();
    j["kind"] = scheduledKindName(item.kind);
    if (!item.external_id.empty()) j["externalId"] = item.external_id;
    if (!item.user_name.empty()) j["userName"] = item.user_name;
    if (!item.due.empty()) j["due"] = item.due;
    j["message"] = item.message;
    scheduled.push(std::move(j));
  }
  o["scheduled"] = std::move(scheduled);
  return o.pretty() + "\n";
}

}  // namespace scim_agent
