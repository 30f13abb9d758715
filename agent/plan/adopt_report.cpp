#include "agent/plan/adopt_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "agent/plan/policy_rules.h"
#include "agent/plan/render_text.h"
#include "agent/plan/text_util.h"

namespace scim_agent {

namespace {

int classRank(AdoptClass c) { return static_cast<int>(c); }

using UserKey = std::pair<std::string, std::string>;  // externalId, lower-cased userName

UserKey keyOf(const std::string& external_id, const std::string& user_name) {
  return {external_id, lowerAscii(user_name)};
}

std::vector<std::string> attributesOf(const Action& a) {
  std::vector<std::string> out;
  for (const AttributeChange& c : a.changes) out.push_back(c.attribute);
  return out;
}

class Classifier {
 public:
  Classifier(const DesiredState& desired, const LiveState& live, const Plan& plan,
             const GuardrailVerdict& guardrail)
      : desired_(desired),
        live_(live),
        policy_(desired.policy),
        guardrail_(guardrail),
        scope_(desired.policy.scope_external_id_pattern),
        matching_(matchUsers(desired.users, live.users)) {
    std::unordered_map<std::string_view, size_t> live_ids;
    for (size_t i = 0; i < live.users.size(); ++i) live_ids.emplace(live.users[i].id, i);
    for (const Action& a : plan.actions) {
      if (a.kind == ActionKind::kGroupMembers) continue;
      // Creates (and restores of deleted users) name no listed live user: key them by the
      // desired externalId.
      if (!a.user_id.empty() && live_ids.count(a.user_id)) {
        by_live_id_.emplace(a.user_id, &a);
      } else {
        by_external_id_.emplace(a.external_id, &a);
      }
    }
    for (const Notice& n : plan.notices) {
      if (n.kind == NoticeKind::kProtected) {
        protected_notices_.emplace(keyOf(n.external_id, n.user_name), n.message);
      } else if (n.kind == NoticeKind::kConflict && n.source.file.empty()) {
        live_conflicts_.emplace(n.external_id, n.message);
      } else if (n.kind == NoticeKind::kWarning) {
        report_.warnings.push_back(n);
      }
    }
    report_.desired_digest = desired.digest;
    report_.desired_users = static_cast<int>(desired.users.size());
    report_.live_users = static_cast<int>(live.users.size());
    report_.unmanaged_policy = policy_.unmanaged;
    report_.scope_pattern = policy_.scope_external_id_pattern;
    report_.guardrail = guardrail;
  }

  AdoptReport run() {
    size_t next_conflict = 0;
    for (size_t di = 0; di < desired_.users.size(); ++di) {
      const DesiredUser& d = desired_.users[di];
      const DesiredMatch& m = matching_.desired[di];
      AdoptEntry e;
      e.external_id = d.external_id;
      e.user_name = d.user_name;
      e.source = d.source;
      e.match = m.kind;
      if (m.kind == MatchKind::kConflict) {
        // matchUsers adds one conflict per conflicted desired user, in desired order.
        const Notice* n = nullptr;
        if (next_conflict < matching_.conflicts.size()) n = &matching_.conflicts[next_conflict++];
        classifyDesiredConflict(d, n, e);
      } else if (m.kind == MatchKind::kNone) {
        classifyUnmatchedDesired(d, e);
      } else {
        classifyMatched(d, live_.users[m.live], m.kind, e);
      }
      report_.entries.push_back(std::move(e));
    }
    for (size_t li = 0; li < live_.users.size(); ++li) {
      if (matching_.live_claimed[li]) continue;  // matched, or held by a desired conflict
      report_.entries.push_back(classifyUnclaimed(live_.users[li]));
    }
    std::sort(report_.entries.begin(), report_.entries.end(),
              [](const AdoptEntry& a, const AdoptEntry& b) {
                return std::make_tuple(classRank(a.kind), std::cref(a.external_id),
                                       std::cref(a.user_name), std::cref(a.live_id)) <
                       std::make_tuple(classRank(b.kind), std::cref(b.external_id),
                                       std::cref(b.user_name), std::cref(b.live_id));
              });
    return std::move(report_);
  }

 private:
  void setLive(const LiveUser& l, AdoptEntry& e) const {
    e.live_id = l.id;
    e.live_external_id = l.external_id;
    e.live_active = l.active;
  }

  void setAction(const Action& a, AdoptEntry& e) const {
    e.action = a.kind;
    e.rule = a.rule;
    e.changed_attributes = attributesOf(a);
    e.held = a.isDestructive() && guardrail_.blocked;
  }

  const Action* actionFor(const std::unordered_map<std::string, const Action*>& index,
                          const std::string& key) const {
    auto it = index.find(key);
    return it == index.end() ? nullptr : it->second;
  }

  std::string protectedDetail(const std::string& external_id, const std::string& user_name) const {
    auto it = protected_notices_.find(keyOf(external_id, user_name));
    if (it != protected_notices_.end()) return it->second;
    return "protected: no change needed";
  }

  void classifyDesiredConflict(const DesiredUser& d, const Notice* n, AdoptEntry& e) const {
    e.kind = AdoptClass::kAmbiguous;
    std::set<std::string> ids;
    for (size_t li : matching_.live_by_external_id.find(d.external_id))
      ids.insert(live_.users[li].id);
    const std::string name_key = lowerAscii(d.user_name);
    for (size_t li : matching_.live_by_user_name.find(name_key)) ids.insert(live_.users[li].id);
    e.live_ids.assign(ids.begin(), ids.end());
    e.detail = n && n->external_id == d.external_id
                   ? n->message
                   : "the keys of this user are ambiguous; not touched";
  }

  void classifyUnmatchedDesired(const DesiredUser& d, AdoptEntry& e) const {
    if (const Action* a = actionFor(by_external_id_, d.external_id)) {
      setAction(*a, e);
      e.kind = AdoptClass::kCreated;
      return;
    }
    e.kind = AdoptClass::kLeftAlone;
    e.detail = d.active() ? "no live user and no create planned"
                          : std::string("status ") + userStatusName(d.status) +
                                " and no live user: nothing to create";
  }

  void classifyMatched(const DesiredUser& d, const LiveUser& l, MatchKind match,
                       AdoptEntry& e) const {
    setLive(l, e);
    if (const Action* a = actionFor(by_live_id_, l.id)) {
      setAction(*a, e);
      if (a->isDestructive()) {
        e.kind = AdoptClass::kDestroyed;
      } else if (a->adopt || match == MatchKind::kUserName) {
        e.kind = AdoptClass::kAdopted;
      } else {
        e.kind = AdoptClass::kMatched;
      }
      return;
    }
    if (isProtected(policy_, l.user_name, l.external_id) ||
        isProtected(policy_, d.user_name, d.external_id)) {
      e.kind = AdoptClass::kProtected;
      e.detail = protectedDetail(d.external_id, d.user_name);
      return;
    }
    e.kind = AdoptClass::kMatched;
    e.detail = "no change";
  }

  AdoptEntry classifyUnclaimed(const LiveUser& l) const {
    AdoptEntry e;
    e.external_id = l.external_id;
    e.user_name = l.user_name;
    setLive(l, e);
    if (const Action* a = actionFor(by_live_id_, l.id)) {
      setAction(*a, e);
      e.kind = a->isDestructive() ? AdoptClass::kDestroyed : AdoptClass::kMatched;
      if (!scope_.contains(l.external_id))
        e.detail = "not managed: " + notManagedReason(l, policy_.scope_external_id_pattern);
      return e;
    }
    const bool in_scope = scope_.contains(l.external_id);
    if (in_scope) {
      const std::vector<size_t>& same = matching_.live_by_external_id.find(l.external_id);
      if (same.size() > 1) {
        e.kind = AdoptClass::kAmbiguous;
        for (size_t li : same) e.live_ids.push_back(live_.users[li].id);
        std::sort(e.live_ids.begin(), e.live_ids.end());
        auto it = live_conflicts_.find(l.external_id);
        e.detail = it != live_conflicts_.end()
                       ? it->second
                       : "externalId " + quoted(l.external_id) + " is held by " +
                             std::to_string(same.size()) + " live users (" +
                             join(e.live_ids, ", ") + "); not touched";
        return e;
      }
    }
    if (isProtected(policy_, l.user_name, l.external_id)) {
      e.kind = AdoptClass::kProtected;
      e.detail = protectedDetail(l.external_id, l.user_name);
      return e;
    }
    if (!scope_.valid()) {
      e.kind = AdoptClass::kLeftAlone;
      e.detail = "policy scope.externalIdPattern " + quoted(policy_.scope_external_id_pattern) +
                 " is not a valid regular expression: live users missing from the desired state "
                 "are left alone";
      return e;
    }
    if (!in_scope) {
      e.kind = AdoptClass::kUnmanaged;
      e.detail = "not managed: " + notManagedReason(l, policy_.scope_external_id_pattern) + "; ";
      switch (policy_.unmanaged) {
        case UnmanagedPolicy::kIgnore:
          e.detail += "policy.unmanaged ignore: left alone";
          break;
        case UnmanagedPolicy::kReport:
          e.detail += "policy.unmanaged report: listed in every plan, never changed";
          break;
        case UnmanagedPolicy::kSuspend:
          e.detail += !l.active ? "policy.unmanaged suspend: already inactive, nothing to do"
                                : "policy.unmanaged suspend, but active is not a managed "
                                  "attribute: left alone";
          break;
      }
      return e;
    }
    e.kind = AdoptClass::kLeftAlone;
    if (policy_.on_removal == RemovalPolicy::kSuspend && !l.active) {
      e.detail = "removed from desired state and already inactive: nothing to do";
    } else {
      e.detail =
          "removed from desired state; no action planned (active is not a managed "
          "attribute)";
    }
    return e;
  }

  const DesiredState& desired_;
  const LiveState& live_;
  const Policy& policy_;
  const GuardrailVerdict& guardrail_;
  const Scope scope_;
  const Matching matching_;

  std::unordered_map<std::string, const Action*> by_live_id_;
  std::unordered_map<std::string, const Action*> by_external_id_;
  std::map<UserKey, std::string> protected_notices_;
  std::map<std::string, std::string> live_conflicts_;  // live-only conflicts by externalId
  AdoptReport report_;
};

}  // namespace

const char* adoptClassName(AdoptClass c) {
  switch (c) {
    case AdoptClass::kAmbiguous:
      return "ambiguous";
    case AdoptClass::kDestroyed:
      return "destroyed";
    case AdoptClass::kProtected:
      return "protected";
    case AdoptClass::kAdopted:
      return "adopted";
    case AdoptClass::kCreated:
      return "created";
    case AdoptClass::kMatched:
      return "matched";
    case AdoptClass::kUnmanaged:
      return "unmanaged";
    case AdoptClass::kLeftAlone:
      return "leftAlone";
  }
  return "?";
}

const std::vector<AdoptClass>& allAdoptClasses() {
  static const std::vector<AdoptClass> kAll = {AdoptClass::kAmbiguous, AdoptClass::kDestroyed,
                                               AdoptClass::kProtected, AdoptClass::kAdopted,
                                               AdoptClass::kCreated,   AdoptClass::kMatched,
                                               AdoptClass::kUnmanaged, AdoptClass::kLeftAlone};
  return kAll;
}

int AdoptReport::count(AdoptClass c) const {
  return static_cast<int>(std::count_if(entries.begin(), entries.end(),
                                        [c](const AdoptEntry& e) { return e.kind == c; }));
}

int AdoptReport::heldCount() const {
  return static_cast<int>(
      std::count_if(entries.begin(), entries.end(), [](const AdoptEntry& e) { return e.held; }));
}

AdoptReport makeAdoptReport(const DesiredState& desired, const LiveState& live, const Plan& plan,
                            const GuardrailVerdict& guardrail) {
  return Classifier(desired, live, plan, guardrail).run();
}

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
      return kAnsiRed;
    case AdoptClass::kProtected:
    case AdoptClass::kAdopted:
      return kAnsiYellow;
    case AdoptClass::kCreated:
      return kAnsiGreen;
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
    if (e.held) out += "; held by the guardrail";
  }
  if (!e.detail.empty()) out += (out.empty() ? "" : "; ") + e.detail;
  return out;
}

std::string summaryLine(const AdoptReport& r) {
  auto n = [&r](AdoptClass c) { return std::to_string(r.count(c)); };
  std::string destroyed = n(AdoptClass::kDestroyed) + " to suspend or delete";
  if (r.count(AdoptClass::kDestroyed) > 0) {
    destroyed += " (" + std::to_string(r.heldCount()) + " held by the guardrail)";
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
  w.line(headerLine(report), kAnsiBold);
  w.blank();
  for (AdoptClass c : allAdoptClasses()) {
    const int n = report.count(c);
    if (n == 0) continue;
    w.line(std::string(sectionTitle(c)) + " (" + std::to_string(n) + "):", kAnsiBold);
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
    w.line("Warnings:", kAnsiBold);
    for (const Notice& n : report.warnings) w.line(noticeLine(n), kAnsiYellow, 2);
    w.blank();
  }
  if (report.guardrail.blocked) {
    w.line("Guardrail: " + report.guardrail.message, kAnsiRed);
    w.blank();
  }
  w.line(summaryLine(report), kAnsiBold);
  w.line(verdictLine(report), report.clean() ? kAnsiGreen : kAnsiRed);
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
  return o.pretty() + "\n";
}

}  // namespace scim_agent
