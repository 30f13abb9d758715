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
}  // namespace

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

}  // namespace scim_agent
