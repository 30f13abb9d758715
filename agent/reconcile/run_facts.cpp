#include "agent/reconcile/run_facts.h"

#include <set>
#include <utility>

#include "agent/codec/json_parse.h"
#include "agent/plan/planner.h"
#include "agent/reconcile/source_checks.h"

namespace scim_agent {
namespace {

std::string why(const Action& a) {
  const std::string place = a.source.toString();
  return place.empty() ? a.rule : a.rule + " (" + place + ")";
}

Json changesJson(const Action& a) {
  Json out = Json::array();
  if (a.kind == ActionKind::kGroupMembers) {
    // Members by externalId (or userName): drift is explained by the group writes of a user.
    auto keys = [](const std::vector<MemberRef>& members) {
      Json list = Json::array();
      for (const MemberRef& m : members) list.push(m.external_id.empty() ? m.user_name : m.external_id);
      return list;
    };
    out.push(Json(Json::Object{{"attribute", "members"},
                               {"before", keys(a.remove_members)},
                               {"after", keys(a.add_members)}}));
    return out;
  }
  for (const AttributeChange& c : a.changes) {
    out.push(Json(Json::Object{{"attribute", c.attribute}, {"before", c.before}, {"after", c.after}}));
  }
  return out;
}

RunActionRecord actionRecord(const Action& a, int64_t seq, const std::string& outcome,
                             const std::string& message, const std::string& user_id,
                             const std::string& at) {
  RunActionRecord r;
  r.seq = seq;
  r.kind = actionKindName(a.kind);
  r.external_id = a.kind == ActionKind::kGroupMembers ? a.group_name : a.external_id;
  r.user_name = a.user_name;
  r.user_id = user_id.empty() ? a.user_id : user_id;
  r.outcome = outcome;
  r.message = message;
  r.why = why(a);
  r.changes_json = changesJson(a).dump();
  r.at = at;
  return r;
}

void store(StateStore& store, int64_t run_id, const std::vector<RunActionRecord>& actions,
           const std::vector<DiscrepancyRecord>& discrepancies, std::vector<std::string>& warnings) {
  if (actions.empty() && discrepancies.empty()) return;
  Status recorded = store.recordRunActions(run_id, actions, discrepancies);
  if (!recorded.ok()) {
    warnings.push_back("recording the run's actions for the reports failed: " +
                       recorded.error().message);
  }
}

// What ended someone's employment, for a suspend: nullopt when the suspend is not a termination
// (status suspended: a leave, or an unmanaged user's policy).
struct Cause {
  std::string cause;
  std::string origin;
  std::string known_at;
};
std::optional<Cause> terminationCause(const Action& a,
                                      const std::map<std::string, TerminationRecord>& terminations,
                                      const std::string& now) {
  auto t = terminations.find(a.external_id);
  if (t != terminations.end()) {
    const TerminationRecord& r = t->second;
    if (r.event_id > 0) {
      return Cause{"event", "event " + std::to_string(r.event_id),
                   r.occurred_at.empty() ? r.recorded_at : r.occurred_at};
    }
    const std::string known = !r.effective_at.empty() ? r.effective_at
                              : !r.occurred_at.empty() ? r.occurred_at
                                                       : r.recorded_at;
    return Cause{"manifest", r.origin, known};
  }
  if (a.rule.rfind("status terminated", 0) == 0) return Cause{"status", a.source.toString(), now};
  if (a.rule.rfind(kRuleRemoved, 0) == 0) return Cause{"removal", a.source.toString(), now};
  return std::nullopt;
}

// Snapshot document keys → the attribute names reports use. `known`: the flag that says the
// read could tell the attribute ("" = always).
struct DocAttribute {
  const char* key;
  const char* attribute;
  const char* known;
};
constexpr DocAttribute kDocAttributes[] = {
    {"userName", "userName", ""},
    {"active", "active", ""},
    {"displayName", "displayName", ""},
    {"title", "title", ""},
    {"workEmail", "emails", ""},
    {"phoneNumbers", "phoneNumbers", ""},
    {"department", "department", ""},
    {"division", "division", ""},
    {"employeeNumber", "employeeNumber", ""},
    {"dateHire", "dateHire", ""},
    {"managerId", "manager", ""},
    {"groupIds", "groups", ""},
    {"roles", "roles", "rolesKnown"},
    {"routingSkills", "routingSkills", "routingSkillsKnown"},
    {"routingLanguages", "routingLanguages", "routingLanguagesKnown"},
};

// The attributes this agent's writes touched between two snapshots, by user (externalId and
// user id both, as either may be what a later snapshot shows): "*" = all of them (a create,
// restore or delete).
using Explained = std::map<std::string, std::set<std::string>>;

void explain(Explained& out, const RunActionRecord& a) {
  if (a.outcome != "done" && a.outcome != "failed" && a.outcome != "stale") return;  // not sent
  auto parsed = parseJson(a.changes_json);
  const Json changes = parsed.ok() ? *parsed : Json::array();
  if (a.kind == "group") {
    for (const Json& c : changes.isArray() ? changes.asArray() : Json::Array{}) {
      for (const char* side : {"before", "after"}) {
        const Json& list = c.get(side);
        if (!list.isArray()) continue;
        for (const Json& m : list.asArray()) {
          if (m.isString()) out[m.asString()].insert("groups");
        }
      }
    }
    return;
  }
  std::set<std::string> attributes;
  if (a.kind == "create" || a.kind == "restore" || a.kind == "delete") {
    attributes.insert("*");
  } else {
    if (a.kind == "suspend" || a.kind == "reactivate") attributes.insert("active");
    for (const Json& c : changes.isArray() ? changes.asArray() : Json::Array{}) {
      attributes.insert(c.getString("attribute"));
      // Removing a manager or a user from groups follows from the same writes.
    }
  }
  for (const std::string& key : {a.external_id, a.user_id}) {
    if (!key.empty()) out[key].insert(attributes.begin(), attributes.end());
  }
}

bool explained(const Explained& e, const std::string& external_id, const std::string& user_id,
               const std::string& attribute) {
  for (const std::string* key : {&external_id, &user_id}) {
    auto it = e.find(*key);
    if (it != e.end() && (it->second.count("*") || it->second.count(attribute))) return true;
  }
  return false;
}

}  // namespace

void recordApplied(StateStore& store_, int64_t run_id, int64_t& seq, const Plan& plan,
                   const ApplyReport& report, bool blocked, const std::string& at,
                   std::vector<std::string>& warnings) {
  std::vector<RunActionRecord> actions;
  std::vector<DiscrepancyRecord> discrepancies;
  for (const ActionResult& r : report.results) {
    if (r.index >= plan.actions.size()) continue;
    const Action& a = plan.actions[r.index];
    std::string outcome = actionOutcomeName(r.outcome);
    if (r.outcome == ActionOutcome::kSkipped && blocked && a.isDestructive()) outcome = "blocked";
    RunActionRecord record = actionRecord(a, seq++, outcome, r.message, r.user_id, at);
    record.run_id = run_id;
    actions.push_back(std::move(record));
    for (const AttributeMismatch& m : r.mismatches) {
      discrepancies.push_back(DiscrepancyRecord{run_id, a.external_id,
                                                r.user_id.empty() ? a.user_id : r.user_id,
                                                actionKindName(a.kind), m.attribute,
                                                m.expected.dump(), m.actual.dump(), at});
    }
  }
  store(store_, run_id, actions, discrepancies, warnings);
  for (const ActionResult& r : report.results) {
    if (r.index >= plan.actions.size()) continue;
    const Action& a = plan.actions[r.index];
    if (a.kind != ActionKind::kSuspend || r.outcome != ActionOutcome::kDone) continue;
    auto closed = store_.closeTerminationCase(
        a.external_id, "suspended", at, run_id,
        r.absent ? "already gone from Genesys" : "suspended by run " + std::to_string(run_id));
    if (!closed.ok()) {
      warnings.push_back("recording the suspension of " + a.external_id +
                         " for the compliance report failed: " + closed.error().message);
    }
  }
}

void recordUnapplied(StateStore& store_, int64_t run_id, int64_t& seq,
                     const std::vector<Action>& actions, const std::string& outcome,
                     const std::string& message, const std::string& at,
                     std::vector<std::string>& warnings) {
  std::vector<RunActionRecord> records;
  for (const Action& a : actions) {
    RunActionRecord record = actionRecord(a, seq++, outcome, message, "", at);
    record.run_id = run_id;
    records.push_back(std::move(record));
  }
  store(store_, run_id, records, {}, warnings);
}

void trackTerminations(StateStore& store, int64_t run_id, const Plan& plan,
                       const std::map<std::string, TerminationRecord>& terminations,
                       const std::vector<LiveUser>* live, const std::string& at,
                       std::vector<std::string>& warnings) {
  std::set<std::string> planned;
  for (const Action& a : plan.actions) {
    if (a.kind != ActionKind::kSuspend) continue;
    std::optional<Cause> cause = terminationCause(a, terminations, at);
    if (!cause) continue;
    planned.insert(a.external_id);
    auto opened = store.openTerminationCase(a.external_id, cause->cause, cause->origin,
                                            cause->known_at, run_id);
    if (!opened.ok()) {
      warnings.push_back("recording the termination of " + a.external_id +
                         " for the compliance report failed: " + opened.error().message);
    }
  }
  if (!live) return;
  auto open = store.openTerminationCases();
  if (!open.ok()) {
    warnings.push_back("reading the open termination cases failed: " + open.error().message);
    return;
  }
  std::map<std::string, const LiveUser*> by_external_id;
  for (const LiveUser& u : *live) {
    if (!u.external_id.empty()) by_external_id[u.external_id] = &u;
  }
  for (const TerminationCase& c : *open) {
    if (planned.count(c.external_id)) continue;
    auto it = by_external_id.find(c.external_id);
    const bool active = it != by_external_id.end() && it->second->active;
    // Held for approve, or blocked: still planned by a later run, so still open. A user not
    // planned any more is either inactive already (suspended by someone else, or by an approval
    // that recorded nothing) or stays.
    auto closed = store.closeTerminationCase(
        c.external_id, active ? "cancelled" : "suspended", at, run_id,
        active ? "no longer to be terminated (back in the desired state as active)"
               : "found inactive or gone by run " + std::to_string(run_id));
    if (!closed.ok()) {
      warnings.push_back("closing the termination case of " + c.external_id +
                         " failed: " + closed.error().message);
    }
  }
}

Result<int64_t> recordSnapshotDrift(StateStore& store, int64_t run_id, int64_t snapshot_id,
                                    const std::string& at) {
  auto previous = store.previousSnapshot("live", snapshot_id);
  if (!previous.ok()) return previous.error();
  if (!previous->has_value()) return int64_t{0};
  const auto [old_id, since_run] = **previous;
  auto changes = store.diffSnapshots(old_id, snapshot_id);
  if (!changes.ok()) return changes.error();
  if (changes->empty()) return int64_t{0};

  Explained writes;
  for (int64_t r = since_run; r < run_id; ++r) {
    auto actions = store.runActions(r);
    if (!actions.ok()) return actions.error();
    for (const RunActionRecord& a : *actions) explain(writes, a);
    if (!actions->empty()) continue;
    // A run that recorded no actions but wrote (one of a version before the report facts, or
    // one whose recording failed): each user its journal wrote is explained whole, so an
    // upgrade never reports the agent's own last writes as someone else's.
    auto journal = store.journalForRun(r);
    if (!journal.ok()) return journal.error();
    for (const JournalEntry& e : *journal) {
      static const std::string kUsers = "/Users/";
      const size_t at_users = e.path.find(kUsers);
      if (e.state == "intent" || at_users == std::string::npos) continue;
      writes[e.path.substr(at_users + kUsers.size())].insert("*");
    }
  }

  std::vector<DriftRecord> drift;
  std::set<std::string> users;
  for (const SnapshotChange& c : *changes) {
    if (c.before.empty()) continue;  // a new user: created here or elsewhere, not drift
    auto before = parseJson(c.before);
    if (!before.ok()) return before.error();
    const std::string external_id = before->getString("externalId");
    if (external_id.empty()) continue;  // not managed
    auto add = [&](const std::string& attribute, const Json& from, const Json& to) {
      if (explained(writes, external_id, c.key, attribute)) return;
      drift.push_back(DriftRecord{run_id, since_run, external_id, c.key, attribute, from.dump(),
                                  to.dump(), at});
      users.insert(external_id);
    };
    if (c.after.empty()) {
      add("user", Json(Json::Object{{"userName", before->get("userName")},
                                    {"active", before->get("active")}}),
          Json());
      continue;
    }
    auto after = parseJson(c.after);
    if (!after.ok()) return after.error();
    for (const DocAttribute& d : kDocAttributes) {
      if (*d.known && (!before->getBool(d.known, true) || !after->getBool(d.known, true))) continue;
      const Json& from = before->get(d.key);
      const Json& to = after->get(d.key);
      if (from != to) add(d.attribute, from, to);
    }
  }
  if (!drift.empty()) {
    Status recorded = store.recordDrift(run_id, drift);
    if (!recorded.ok()) return recorded.error();
  }
  return static_cast<int64_t>(users.size());
}

}  // namespace scim_agent
