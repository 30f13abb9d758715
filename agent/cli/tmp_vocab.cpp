// TEMPORARY implementations until the wt-vocab branch lands.
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timestamp.h>
#include "agent/base/clock.h"
#include "agent/model/run.h"
namespace scim_agent {
std::string formatIso8601(std::chrono::system_clock::time_point t) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
  return Poco::DateTimeFormatter::format(Poco::Timestamp(micros.count()), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT);
}
std::optional<std::chrono::system_clock::time_point> parseIso8601(std::string_view text) {
  int tz = 0;
  Poco::DateTime parsed;
  if (Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, std::string(text), parsed, tz) ||
      Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, std::string(text), parsed, tz)) {
    parsed.makeUTC(tz);
    return std::chrono::system_clock::time_point(std::chrono::microseconds(parsed.timestamp().epochMicroseconds()));
  }
  return std::nullopt;
}
const char* runKindName(RunKind k) {
  switch (k) { case RunKind::kPlan: return "plan"; case RunKind::kApply: return "apply"; case RunKind::kRun: return "run"; }
  return "apply";
}
const char* runOutcomeName(RunOutcome o) {
  switch (o) {
    case RunOutcome::kRunning: return "running"; case RunOutcome::kOk: return "ok"; case RunOutcome::kChanges: return "changes";
    case RunOutcome::kFailed: return "failed"; case RunOutcome::kBlocked: return "blocked"; case RunOutcome::kDryRun: return "dry-run";
    case RunOutcome::kCancelled: return "cancelled"; case RunOutcome::kInterrupted: return "interrupted";
  }
  return "failed";
}
const char* heldStateName(HeldState s) {
  switch (s) { case HeldState::kPending: return "pending"; case HeldState::kApplied: return "applied"; case HeldState::kStale: return "stale";
    case HeldState::kFailed: return "failed"; case HeldState::kDiscarded: return "discarded"; }
  return "failed";
}
}  // namespace scim_agent
#include "agent/base/duration.h"
namespace scim_agent {
std::optional<std::chrono::seconds> parseDuration(std::string_view text) {
  if (text == "0") return std::chrono::seconds(0);
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  long long n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  switch (text.back()) {
    case 's': return std::chrono::seconds(n);
    case 'm': return std::chrono::seconds(n * 60);
    case 'h': return std::chrono::seconds(n * 3600);
    case 'd': return std::chrono::seconds(n * 86400);
    default: return std::nullopt;
  }
}
std::string formatDuration(std::chrono::seconds d) { return std::to_string(d.count()) + "s"; }
}  // namespace scim_agent
