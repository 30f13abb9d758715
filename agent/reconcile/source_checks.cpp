#include "agent/reconcile/source_checks.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "agent/desired/reject_limit.h"
#include "agent/plan/unknown_names.h"

namespace scim_agent {

namespace {

std::string percentText(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

}  // namespace

std::optional<Error> rejectLimitError(const DesiredState& desired) {
  for (const SourceOutcome& s : desired.sources) {
    if (!s.over_reject_limit) continue;
    return Error(ErrorCode::kInvalidInput,
                 s.name + ": " + s.reject_limit + "; nothing was applied");
  }
  return std::nullopt;
}

size_t rejectUnknownGroupRecords(DesiredState& desired, const std::vector<Group>& groups,
                                 const std::string& service) {
  std::map<std::string, SourceOutcome*> users_sources;  // a source's users carry its name as file
  for (SourceOutcome& s : desired.sources) {
    if (s.role == "users") users_sources[s.name] = &s;
  }
  if (users_sources.empty()) return 0;
  std::map<const DesiredUser*, std::string> rejected;  // the first unknown name per record
  for (const UnknownName& unknown : findUnknownGroups(desired.users, desired.policy, groups)) {
    for (const DesiredUser* u : unknown.users) {
      if (users_sources.count(u->source.file)) rejected.emplace(u, unknownNameText(unknown, service));
    }
  }
  if (rejected.empty()) return 0;
  std::set<std::string> gone;
  for (const DesiredUser& u : desired.users) {  // in load order, after the mapping's rejects
    auto it = rejected.find(&u);
    if (it == rejected.end()) continue;
    SourceOutcome& source = *users_sources[u.source.file];
    source.rejects.push_back(SourceReject{u.source, u.external_id, it->second});
    if (source.users > 0) --source.users;
    if (source.mapped > 0) --source.mapped;
    gone.insert(u.external_id);
  }
  std::erase_if(desired.users, [&](const DesiredUser& u) {
    return gone.count(u.external_id) && users_sources.count(u.source.file);
  });
  for (auto& [name, source] : users_sources) checkRejectLimit(*source, desired.policy);
  return rejected.size();
}

void shieldFromSources(const DesiredState& desired, PlanOptions& options) {
  std::set<std::string> broken;  // users sources not read whole
  for (const SourceOutcome& s : desired.sources) {
    for (const SourceReject& r : s.rejects) {
      if (r.external_id.empty()) continue;
      options.shielded.emplace(r.external_id, "its HR record " + r.where.toString() +
                                                  " was rejected (" + r.message + ")");
    }
    if (s.whole) continue;
    if (s.role == "users") {
      broken.insert(s.name);
      if (!options.removals_stopped.empty()) options.removals_stopped += "; ";
      options.removals_stopped += "source " + s.name + " could not be read whole (" + s.problem + ")";
    }
  }
  if (broken.empty()) return;
  for (const DesiredUser& u : desired.users) {
    if (!broken.count(u.source.file)) continue;
    options.shielded.emplace(u.external_id, "its source " + u.source.file +
                                                " could not be read whole");
  }
}

GuardrailVerdict sourceShrinkVerdict(StateStore& store, const DesiredState& desired) {
  for (const SourceOutcome& s : desired.sources) {
    if (s.role != "users" || !s.whole) continue;
    auto last = store.lastSourceRead(s.name);
    if (!last.ok()) {
      return {true, "the last good read of source " + s.name + " cannot be read (" +
                        last.error().message + "), so its shrink check cannot be made; nothing "
                        "destructive is applied"};
    }
    if (!last->has_value() || (*last)->users <= 0) continue;
    const double before = static_cast<double>((*last)->users);
    const double now = static_cast<double>(s.users);
    const double shrink = (before - now) / before * 100.0;
    if (shrink > desired.policy.max_source_shrink_percent) {
      return {true, "source " + s.name + " shrank from " + std::to_string((*last)->users) +
                        " to " + std::to_string(s.users) + " users (" + percentText(shrink) +
                        "%, more than policy.maxSourceShrink " +
                        percentText(desired.policy.max_source_shrink_percent) +
                        "%) since its last good read in run " +
                        std::to_string((*last)->run_id) +
                        "; nothing destructive is applied unless --allow-destructive is given"};
    }
  }
  return {};
}

Result<ManifestTerminations> takeManifestTerminations(StateStore& store,
                                                      const DesiredState& desired,
                                                      bool record, bool allow_destructive,
                                                      const std::string& now) {
  ManifestTerminations out;
  auto held = store.terminations();
  if (!held.ok()) return held.error();
  std::map<std::string, TerminationRecord> by_id;
  for (const TerminationRecord& t : *held) by_id[t.external_id] = t;

  std::vector<const SourceTermination*> fresh;
  for (const SourceOutcome& s : desired.sources) {
    if (s.role != "terminations") continue;
    if (!s.whole) {
      out.warnings.push_back("termination source " + s.name + " could not be read whole (" +
                             s.problem + "): none of its leavers is taken this run");
      continue;
    }
    for (const SourceTermination& t : s.terminations) {
      auto it = by_id.find(t.external_id);
      if (it != by_id.end() && (it->second.effective_at.empty() ||
                                it->second.effective_at <= t.at)) {
        continue;  // held already, from the same time or earlier
      }
      fresh.push_back(&t);
    }
  }
  // A list of leavers is bounded like any destructive change (SPEC §6): a manifest listing far
  // more people than usual is more likely a wrong file than a mass departure.
  const size_t limit_count = static_cast<size_t>(std::max(desired.policy.max_destructive_count, 0));
  const double base = static_cast<double>(std::max<size_t>(desired.users.size(), 1));
  const size_t limit_percent = std::max<size_t>(
      1, static_cast<size_t>(desired.policy.max_destructive_percent * base / 100.0));
  const size_t limit = std::min(limit_count, limit_percent);
  if (fresh.size() > limit && !allow_destructive) {
    out.verdict = {true, std::to_string(fresh.size()) +
                             " new leavers in the termination manifests, more than "
                             "policy.maxDestructive allows (" + std::to_string(limit) +
                             "); none was taken: check the manifest, or run with "
                             "--allow-destructive"};
    fresh.clear();
  }
  for (const SourceTermination* t : fresh) {
    TerminationRecord r;
    r.external_id = t->external_id;
    r.effective_at = t->at;
    r.origin = t->where.toString();
    r.recorded_at = now;
    if (record) {
      auto stored = store.recordManifestTermination(r.external_id, r.effective_at, r.origin, now);
      if (!stored.ok()) return stored.error();
    }
    by_id[r.external_id] = r;
  }
  for (auto& [id, r] : by_id) out.records.push_back(r);
  return out;
}

std::vector<Notice> terminationNotices(const std::vector<TerminationRecord>& terminations,
                                       const DesiredState& desired, const LiveState& live,
                                       const std::string& now) {
  std::set<std::string> known;
  for (const DesiredUser& d : desired.users) known.insert(d.external_id);
  for (const LiveUser& l : live.users) {
    if (!l.external_id.empty()) known.insert(l.external_id);
  }
  std::vector<Notice> notices;
  for (const TerminationRecord& t : terminations) {
    const std::string from = t.origin.empty() ? "HR event " + std::to_string(t.event_id) : t.origin;
    if (!terminationInEffect(t, now)) {
      notices.push_back(Notice{NoticeKind::kWarning, t.external_id, "",
                               "termination (" + from + ") takes effect at " + t.effective_at,
                               SourcePos{}});
    } else if (!known.count(t.external_id)) {
      notices.push_back(Notice{NoticeKind::kWarning, t.external_id, "",
                               "termination (" + from + ") is held: no user has this externalId",
                               SourcePos{}});
    }
  }
  return notices;
}

void recordSourceReads(StateStore& store, const DesiredState& desired, int64_t run_id,
                       const std::string& at, std::vector<std::string>& warnings) {
  for (const SourceOutcome& s : desired.sources) {
    if (!s.whole || s.over_reject_limit) continue;
    SourceReadRecord r;
    r.source = s.name;
    r.role = s.role;
    r.digest = s.digest;
    r.etag = s.etag;
    r.records = static_cast<int64_t>(s.records);
    r.users = static_cast<int64_t>(s.role == "users" ? s.users : s.terminations.size());
    r.read_at = at;
    r.run_id = run_id;
    Status stored = store.recordSourceRead(r);
    if (!stored.ok()) {
      warnings.push_back("recording the read of source " + s.name + " failed: " +
                         stored.error().message);
    }
  }
}

bool terminationInEffect(const TerminationRecord& t, const std::string& now) {
  return t.effective_at.empty() || t.effective_at <= now;
}

}  // namespace scim_agent
