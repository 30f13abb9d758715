#include "agent/report/plan_render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "agent/plan/plan_json.h"
#include "agent/report/render_text.h"

namespace scim_agent {

namespace {

// A PR comment is limited to 65,536 characters on GitHub; these keep large plans well under.
constexpr size_t kMarkdownMaxActions = 200;
constexpr size_t kMarkdownMaxLinesPerCell = 20;
constexpr size_t kMarkdownMaxNotices = 100;

// The fixed order of the cost line; other call kinds follow in name order.
constexpr const char* kCallOrder[] = {"POST /Users", "PATCH /Users", "DELETE /Users",
                                      "PATCH /Groups"};

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string shortest(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

std::string actionVerb(ActionKind k) {
  switch (k) {
    case ActionKind::kCreate:
      return "+ create";
    case ActionKind::kUpdate:
      return "~ update";
    case ActionKind::kReactivate:
      return "> reactivate";
    case ActionKind::kSuspend:
      return "! suspend";
    case ActionKind::kDelete:
      return "- delete";
    case ActionKind::kGroupMembers:
      return "~ group";
    case ActionKind::kRestore:
      return "+ restore";
  }
  return "?";
}

const char* actionColor(ActionKind k) {
  switch (k) {
    case ActionKind::kCreate:
    case ActionKind::kReactivate:
    case ActionKind::kRestore:
      return ansi(Ansi::kGreen);
    case ActionKind::kUpdate:
    case ActionKind::kGroupMembers:
      return ansi(Ansi::kYellow);
    case ActionKind::kSuspend:
    case ActionKind::kDelete:
      return ansi(Ansi::kRed);
  }
  return ansi(Ansi::kReset);
}

// "+ title: "Lead"", "- title: "Agent"", "~ title: "Agent" → "Lead"".
std::string changeLine(const AttributeChange& c) {
  if (c.before.isNull()) return "+ " + c.attribute + ": " + c.after.dump();
  if (c.after.isNull()) return "- " + c.attribute + ": " + c.before.dump();
  return "~ " + c.attribute + ": " + c.before.dump() + " \u2192 " + c.after.dump();
}

const char* changeColor(const AttributeChange& c) {
  if (c.before.isNull()) return ansi(Ansi::kGreen);
  if (c.after.isNull()) return ansi(Ansi::kRed);
  return ansi(Ansi::kYellow);
}

std::string groupHeader(const Action& a) {
  return "group \"" + a.group_name + "\": +" + std::to_string(a.add_members.size()) + " -" +
         std::to_string(a.remove_members.size());
}

std::string whyText(const Action& a) {
  std::string out = a.rule;
  if (!a.source.file.empty()) out += " (" + a.source.toString() + ")";
  return out;
}

// " (2 blocked, 1 held)" after the summary's counts; "" when nothing is blocked or held.
std::string verdictSuffix(const Plan& plan) {
  const std::string counts = blockedHeldText(plan);
  return counts.empty() ? "" : " (" + counts + ")";
}

// "  [blocked]" / "  [held for approval]" after an action's header.
std::string actionTag(const Action& a) {
  if (a.held) return "  [held for approval]";
  if (a.blocked) return "  [blocked]";
  return "";
}

std::string summaryLine(const Plan& plan) {
  const int groups = plan.count(ActionKind::kGroupMembers);
  const int restores = plan.count(ActionKind::kRestore);
  return "Plan: " + std::to_string(plan.count(ActionKind::kCreate)) + " to create, " +
         (restores == 0 ? std::string() : std::to_string(restores) + " to restore, ") +
         std::to_string(plan.count(ActionKind::kUpdate)) + " to update, " +
         std::to_string(plan.count(ActionKind::kReactivate)) + " to reactivate, " +
         std::to_string(plan.count(ActionKind::kSuspend)) + " to suspend, " +
         std::to_string(plan.count(ActionKind::kDelete)) + " to delete, " + std::to_string(groups) +
         (groups == 1 ? " group change" : " group changes") + verdictSuffix(plan) + ".";
}

std::string costLine(const PlanCost& cost) {
  std::vector<std::string> parts;
  for (const char* call : kCallOrder) {
    auto it = cost.calls.find(call);
    if (it != cost.calls.end() && it->second != 0) {
      parts.push_back(it->first + " " + std::to_string(it->second));
    }
  }
  for (const auto& [call, n] : cost.calls) {
    bool known = false;
    for (const char* k : kCallOrder) known = known || call == k;
    if (!known && n != 0) parts.push_back(call + " " + std::to_string(n));
  }
  std::string out = "Cost: " + std::to_string(cost.total_calls) +
                    (cost.total_calls == 1 ? " API call" : " API calls");
  if (!parts.empty()) {
    out += " (";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
    out += ")";
  }
  if (cost.total_calls > 0 && cost.min_seconds > 0) {
    // The plan keeps the time, not the rate; the rate is recovered (it was total*60/rate).
    const double rate = std::round(cost.total_calls * 60.0 / cost.min_seconds * 1000.0) / 1000.0;
    const std::string seconds =
        cost.min_seconds < 60
            ? fixed(cost.min_seconds, 1) + " s"
            : fixed(cost.min_seconds, 0) + " s (" + fixed(cost.min_seconds / 60.0, 1) + " min)";
    out += ", at least " + seconds + " at " + shortest(rate) + " requests/min";
  }
  return out + ".";
}

// "Deleted users: 1 listing of 5,000 (50 pages) instead of 10,000 searches: …." under the cost
// line; empty when planning looked for none.
std::string deletedLookupLine(const PlanCost& cost) {
  return cost.deleted_lookup.empty() ? "" : "Deleted users: " + cost.deleted_lookup + ".";
}

const char* noticeColor(NoticeKind k) {
  switch (k) {
    case NoticeKind::kConflict:
      return ansi(Ansi::kRed);
    case NoticeKind::kProtected:
    case NoticeKind::kWarning:
      return ansi(Ansi::kYellow);
    case NoticeKind::kUnmanaged:
      return nullptr;
  }
  return nullptr;
}

void writeNotices(TextWriter& w, const Plan& plan) {
  if (plan.notices.empty()) return;
  w.line("Notices:", ansi(Ansi::kBold));
  for (const Notice& n : plan.notices) w.line(noticeLine(n), noticeColor(n.kind), 2);
  w.blank();
}

void writeVerdict(TextWriter& w, const Plan& plan) {
  const std::vector<std::string> lines = verdictLines(plan.verdict);
  if (lines.empty()) return;
  w.line(lines.front(), ansi(Ansi::kRed));
  for (size_t i = 1; i < lines.size(); ++i) w.line(lines[i], nullptr, 2);
  w.blank();
}

void writeScheduled(TextWriter& w, const Plan& plan) {
  if (plan.scheduled.empty()) return;
  w.line("Scheduled (not part of this plan):", ansi(Ansi::kBold));
  for (const ScheduledItem& item : plan.scheduled) w.line(scheduledLine(item), nullptr, 2);
  w.blank();
}

// ---- markdown -------------------------------------------------------------------------------

std::string cellLines(const std::vector<std::string>& lines) {
  std::string out;
  const size_t shown = std::min(lines.size(), kMarkdownMaxLinesPerCell);
  for (size_t i = 0; i < shown; ++i) out += (i ? "<br>" : "") + markdownCode(lines[i]);
  if (lines.size() > shown) out += "<br>… " + std::to_string(lines.size() - shown) + " more";
  return out;
}

std::string markdownRow(const Action& a) {
  std::vector<std::string> lines;
  std::string kind = actionKindName(a.kind);
  if (a.held) kind += " **held**";
  if (a.blocked) kind += " **blocked**";
  std::string external_id = markdownCode(a.external_id);
  std::string user_name = markdownCode(a.user_name);
  if (a.kind == ActionKind::kGroupMembers) {
    kind = "group " + markdownCode(a.group_name);
    for (const MemberRef& m : a.add_members)
      lines.push_back("+ " + userLabel(m.external_id, m.user_name));
    for (const MemberRef& m : a.remove_members)
      lines.push_back("- " + userLabel(m.external_id, m.user_name));
  } else {
    for (const AttributeChange& c : a.changes) lines.push_back(changeLine(c));
  }
  std::string why = markdownCell(a.rule);
  if (!a.source.file.empty()) why += " (" + markdownCode(a.source.toString()) + ")";
  return "| " + kind + " | " + external_id + " | " + user_name + " | " + cellLines(lines) + " | " +
         why + " |\n";
}

}  // namespace

std::string renderPlanText(const Plan& plan, bool color) {
  TextWriter w(color);
  writeVerdict(w, plan);
  if (!plan.hasChanges()) {
    if (plan.verdict.rule == "maxRejectedRecords") return w.take();  // nothing was planned
    w.line("No changes. Genesys Cloud matches the desired state.", ansi(Ansi::kGreen));
    if (!plan.notices.empty() || !plan.scheduled.empty()) w.blank();
    writeScheduled(w, plan);
    writeNotices(w, plan);
    return w.take();
  }
  for (const Action& a : plan.actions) {
    const char* color_code = actionColor(a.kind);
    if (a.kind == ActionKind::kGroupMembers) {
      w.line("~ " + groupHeader(a), color_code);
      for (const MemberRef& m : a.add_members)
        w.line("+ " + userLabel(m.external_id, m.user_name), ansi(Ansi::kGreen), 4);
      for (const MemberRef& m : a.remove_members)
        w.line("- " + userLabel(m.external_id, m.user_name), ansi(Ansi::kRed), 4);
    } else {
      w.line(actionVerb(a.kind) + " " + userLabel(a.external_id, a.user_name) + actionTag(a),
             color_code);
      for (const AttributeChange& c : a.changes) w.line(changeLine(c), changeColor(c), 4);
      if (!a.manager_external_id.empty()) {
        w.line(
            "# manager " + a.manager_external_id + " is created by this plan: set after its create",
            nullptr, 4);
      }
    }
    w.line("# why: " + whyText(a), nullptr, 4);
    if (a.held) w.line("# held: applied only by `scim-agent approve`", nullptr, 4);
    if (a.blocked) w.line("# blocked by policy." + plan.verdict.rule + ": not applied", nullptr, 4);
    w.blank();
  }
  writeScheduled(w, plan);
  writeNotices(w, plan);
  w.line(summaryLine(plan), ansi(Ansi::kBold));
  w.line(costLine(plan.cost));
  if (!plan.cost.deleted_lookup.empty()) w.line(deletedLookupLine(plan.cost));
  return w.take();
}

std::string renderPlanMarkdown(const Plan& plan) {
  std::string out = "### scim-agent plan\n\n";
  const std::vector<std::string> verdict = verdictLines(plan.verdict);
  for (size_t i = 0; i < verdict.size(); ++i) {
    out += "> " + (i == 0 ? "**" + markdownCell(verdict[i]) + "**" : markdownCell(verdict[i])) +
           (i + 1 < verdict.size() ? "<br>\n" : "\n\n");
  }
  if (!plan.hasChanges()) {
    if (plan.verdict.rule != "maxRejectedRecords") {
      out += "No changes. Genesys Cloud matches the desired state.\n";
    }
  } else {
    out += "**" + summaryLine(plan) + "**\n\n" + costLine(plan.cost) + "\n\n";
    if (!plan.cost.deleted_lookup.empty()) out += deletedLookupLine(plan.cost) + "\n\n";
    out += "| Action | externalId | userName | Changes | Why |\n";
    out += "| --- | --- | --- | --- | --- |\n";
    const size_t shown = std::min(plan.actions.size(), kMarkdownMaxActions);
    for (size_t i = 0; i < shown; ++i) out += markdownRow(plan.actions[i]);
    if (plan.actions.size() > shown) {
      out += "\n… and " + std::to_string(plan.actions.size() - shown) +
             " more actions (see `scim-agent plan --format text`).\n";
    }
  }
  if (!plan.scheduled.empty()) {
    out += "\n#### Scheduled (not part of this plan)\n\n| What | externalId | userName | When | Why |\n"
           "| --- | --- | --- | --- | --- |\n";
    const size_t shown = std::min(plan.scheduled.size(), kMarkdownMaxNotices);
    for (size_t i = 0; i < shown; ++i) {
      const ScheduledItem& item = plan.scheduled[i];
      std::string why = markdownCell(item.message);
      if (!item.source.file.empty()) why += " (" + markdownCode(item.source.toString()) + ")";
      out += std::string("| ") + scheduledVerb(item.kind) + " | " + markdownCode(item.external_id) +
             " | " + markdownCode(item.user_name) + " | " + markdownCell(item.due) + " | " + why +
             " |\n";
    }
    if (plan.scheduled.size() > shown) {
      out += "\n… and " + std::to_string(plan.scheduled.size() - shown) + " more scheduled.\n";
    }
  }
  if (!plan.notices.empty()) {
    out +=
        "\n#### Notices\n\n| Kind | externalId | userName | Message |\n| --- | --- | --- | --- |\n";
    const size_t shown = std::min(plan.notices.size(), kMarkdownMaxNotices);
    for (size_t i = 0; i < shown; ++i) {
      const Notice& n = plan.notices[i];
      std::string message = markdownCell(n.message);
      if (!n.source.file.empty()) message += " (" + markdownCode(n.source.toString()) + ")";
      out += std::string("| ") + noticeKindName(n.kind) + " | " + markdownCode(n.external_id) +
             " | " + markdownCode(n.user_name) + " | " + message + " |\n";
    }
    if (plan.notices.size() > shown) {
      out += "\n… and " + std::to_string(plan.notices.size() - shown) + " more notices.\n";
    }
  }
  return out;
}

std::string renderPlanJson(const Plan& plan) { return planToJson(plan).pretty() + "\n"; }

namespace {

// "title: \"Agent\" → \"Lead\"", "title: (none) → \"Lead\"": one line per attribute.
std::string changeText(const AttributeChange& c) {
  const std::string before = c.before.isNull() ? "(none)" : c.before.dump();
  const std::string after = c.after.isNull() ? "(none)" : c.after.dump();
  return c.attribute + ": " + before + " \u2192 " + after;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "; " : "") + parts[i];
  return out;
}

std::vector<Json> actionRow(const Action& a) {
  std::vector<std::string> changes;
  std::string kind = actionKindName(a.kind);
  if (a.kind == ActionKind::kGroupMembers) {
    kind += " " + a.group_name;
    for (const MemberRef& m : a.add_members)
      changes.push_back("+ " + userLabel(m.external_id, m.user_name));
    for (const MemberRef& m : a.remove_members)
      changes.push_back("- " + userLabel(m.external_id, m.user_name));
  } else {
    for (const AttributeChange& c : a.changes) changes.push_back(changeText(c));
    if (!a.manager_external_id.empty()) {
      changes.push_back("manager: set to " + a.manager_external_id + " after its create");
    }
  }
  if (a.held) kind += " (held)";
  if (a.blocked) kind += " (blocked)";
  return {Json(kind), Json(a.external_id), Json(a.user_name), Json(joined(changes)),
          Json(whyText(a))};
}

}  // namespace

ReportDoc planReport(const Plan& plan) {
  ReportDoc doc;
  doc.kind = "plan";
  doc.title = "scim-agent plan";
  // The text rendering's lines without their "Plan: " and "Cost: " labels (the keys say it).
  auto unlabelled = [](const std::string& line, const std::string& label) {
    return line.rfind(label, 0) == 0 ? line.substr(label.size()) : line;
  };
  doc.meta.push_back({"plan", plan.hasChanges()
                                  ? unlabelled(summaryLine(plan), "Plan: ")
                                  : "No changes. Genesys Cloud matches the desired state."});
  doc.meta.push_back({"cost", unlabelled(costLine(plan.cost), "Cost: ")});
  if (!plan.cost.deleted_lookup.empty()) {
    doc.meta.push_back(
        {"deletedUsers", unlabelled(deletedLookupLine(plan.cost), "Deleted users: ")});
  }
  if (!plan.desired_digest.empty()) doc.meta.push_back({"desiredDigest", plan.desired_digest});
  for (ActionKind k :
       {ActionKind::kCreate, ActionKind::kRestore, ActionKind::kUpdate, ActionKind::kReactivate,
        ActionKind::kSuspend, ActionKind::kDelete, ActionKind::kGroupMembers}) {
    if (k == ActionKind::kRestore && plan.count(k) == 0) continue;
    doc.summary.push_back({actionKindName(k), plan.count(k)});
  }
  doc.summary.push_back({"blocked", plan.blockedCount()});
  doc.summary.push_back({"held", plan.heldCount()});
  doc.summary.push_back({"scheduled", static_cast<int64_t>(plan.scheduled.size())});
  doc.summary.push_back({"notices", static_cast<int64_t>(plan.notices.size())});
  doc.summary.push_back({"apiCalls", plan.cost.total_calls});
  doc.summary.push_back({"managedLiveUsers", plan.managed_live_users});

  if (plan.verdict.blocked) {
    const std::vector<std::string> lines = verdictLines(plan.verdict);
    ReportBlock b;
    b.level = ReportBlock::Level::kError;
    b.title = plan.verdict.rule == "sourceNotWhole" ? "Blocked: an HR source was not read whole"
                                                     : "Blocked by policy." + plan.verdict.rule;
    b.lines.push_back(plan.verdict.message);
    b.lines.insert(b.lines.end(), lines.begin() + 1, lines.end());
    doc.blocks.push_back(std::move(b));
  }
  if (plan.destructiveCount() > 0) {
    ReportBlock b;
    b.level = ReportBlock::Level::kWarning;
    const int n = plan.destructiveCount();
    b.title = std::to_string(n) + (n == 1 ? " destructive action" : " destructive actions");
    b.lines.push_back(std::to_string(plan.count(ActionKind::kSuspend)) + " to suspend, " +
                      std::to_string(plan.count(ActionKind::kDelete)) +
                      " to delete: review them in the actions table below.");
    doc.blocks.push_back(std::move(b));
  }
  const int conflicts =
      static_cast<int>(std::count_if(plan.notices.begin(), plan.notices.end(), [](const Notice& n) {
        return n.kind == NoticeKind::kConflict;
      }));
  if (conflicts > 0) {
    ReportBlock b;
    b.level = ReportBlock::Level::kError;
    b.title = std::to_string(conflicts) + (conflicts == 1 ? " conflict" : " conflicts");
    b.lines.push_back("Users sharing one key are not touched until the conflict is resolved.");
    doc.blocks.push_back(std::move(b));
  }

  ReportTable actions;
  actions.id = "actions";
  actions.title = "Actions";
  actions.columns = {{"kind", "Action", ColumnType::kText},
                     {"externalId", "externalId", ColumnType::kText},
                     {"userName", "userName", ColumnType::kText},
                     {"changes", "Changes", ColumnType::kText},
                     {"why", "Why", ColumnType::kText}};
  actions.empty_text = "No changes. Genesys Cloud matches the desired state.";
  for (const Action& a : plan.actions) actions.rows.push_back(actionRow(a));
  doc.tables.push_back(std::move(actions));

  ReportTable notices;
  notices.id = "notices";
  notices.title = "Notices";
  notices.columns = {{"kind", "Kind", ColumnType::kText},
                     {"externalId", "externalId", ColumnType::kText},
                     {"userName", "userName", ColumnType::kText},
                     {"message", "Message", ColumnType::kText},
                     {"source", "Source", ColumnType::kText}};
  for (const Notice& n : plan.notices) {
    notices.rows.push_back({Json(noticeKindName(n.kind)), Json(n.external_id), Json(n.user_name),
                            Json(n.message),
                            Json(n.source.file.empty() ? "" : n.source.toString())});
  }
  doc.tables.push_back(std::move(notices));

  ReportTable scheduled;
  scheduled.id = "scheduled";
  scheduled.title = "Scheduled (not part of this plan)";
  scheduled.columns = {{"kind", "What", ColumnType::kText},
                       {"externalId", "externalId", ColumnType::kText},
                       {"userName", "userName", ColumnType::kText},
                       {"due", "When", ColumnType::kText},
                       {"message", "Why", ColumnType::kText}};
  scheduled.empty_text = "Nothing scheduled.";
  for (const ScheduledItem& item : plan.scheduled) {
    scheduled.rows.push_back({Json(scheduledVerb(item.kind)), Json(item.external_id),
                              Json(item.user_name), Json(item.due), Json(item.message)});
  }
  doc.tables.push_back(std::move(scheduled));
  doc.csv_table = "actions";
  return doc;
}

std::string renderPlanHtml(const Plan& plan) { return renderReportHtml(planReport(plan)); }

}  // namespace scim_agent
