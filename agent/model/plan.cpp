#include "agent/model/plan.h"

namespace scim_agent {

namespace {
constexpr struct {
  ActionKind kind;
  const char* name;
} kActionNames[] = {
    {ActionKind::kCreate, "create"},       {ActionKind::kUpdate, "update"},
    {ActionKind::kSuspend, "suspend"},     {ActionKind::kReactivate, "reactivate"},
    {ActionKind::kDelete, "delete"},       {ActionKind::kGroupMembers, "group"},
    {ActionKind::kRestore, "restore"},
};
constexpr struct {
  NoticeKind kind;
  const char* name;
} kNoticeNames[] = {
    {NoticeKind::kConflict, "conflict"},
    {NoticeKind::kProtected, "protected"},
    {NoticeKind::kUnmanaged, "unmanaged"},
    {NoticeKind::kWarning, "warning"},
};
constexpr struct {
  ScheduledKind kind;
  const char* name;
} kScheduledNames[] = {
    {ScheduledKind::kDelete, "delete"},
    {ScheduledKind::kTermination, "termination"},
    {ScheduledKind::kHeldTermination, "heldTermination"},
};
}  // namespace

const char* scheduledKindName(ScheduledKind k) {
  for (const auto& e : kScheduledNames) {
    if (e.kind == k) return e.name;
  }
  return "?";
}

bool scheduledKindFromName(const std::string& name, ScheduledKind* out) {
  for (const auto& e : kScheduledNames) {
    if (name == e.name) {
      *out = e.kind;
      return true;
    }
  }
  return false;
}

const char* actionKindName(ActionKind k) {
  for (const auto& e : kActionNames) {
    if (e.kind == k) return e.name;
  }
  return "?";
}

bool actionKindFromName(const std::string& name, ActionKind* out) {
  for (const auto& e : kActionNames) {
    if (name == e.name) {
      *out = e.kind;
      return true;
    }
  }
  return false;
}

const char* noticeKindName(NoticeKind k) {
  for (const auto& e : kNoticeNames) {
    if (e.kind == k) return e.name;
  }
  return "?";
}

bool noticeKindFromName(const std::string& name, NoticeKind* out) {
  for (const auto& e : kNoticeNames) {
    if (name == e.name) {
      *out = e.kind;
      return true;
    }
  }
  return false;
}

int Plan::count(ActionKind k) const {
  int n = 0;
  for (const auto& a : actions) n += a.kind == k ? 1 : 0;
  return n;
}

int Plan::destructiveCount() const {
  int n = 0;
  for (const auto& a : actions) n += a.isDestructive() ? 1 : 0;
  return n;
}

bool scheduledLess(const ScheduledItem& a, const ScheduledItem& b) {
  if (a.due.empty() != b.due.empty()) return !a.due.empty();
  if (a.due != b.due) return a.due < b.due;
  if (a.external_id != b.external_id) return a.external_id < b.external_id;
  return a.message < b.message;
}

int Plan::blockedCount() const {
  int n = 0;
  for (const auto& a : actions) n += a.blocked ? 1 : 0;
  return n;
}

int Plan::heldCount() const {
  int n = 0;
  for (const auto& a : actions) n += a.held ? 1 : 0;
  return n;
}

}  // namespace scim_agent
