#include "agent/model/run.h"

#include <cstddef>

namespace scim_agent {

namespace {

// Each table lists the names in enumerator order.
constexpr const char* kRunKindNames[] = {"plan", "apply", "run"};
constexpr const char* kRunOutcomeNames[] = {"running", "ok",        "changes",  "failed",
                                            "blocked", "dry-run",   "cancelled", "interrupted"};
constexpr const char* kHeldStateNames[] = {"pending", "applied", "stale", "failed", "discarded"};

static_assert(std::size(kRunKindNames) == static_cast<size_t>(RunKind::kRun) + 1);
static_assert(std::size(kRunOutcomeNames) == static_cast<size_t>(RunOutcome::kInterrupted) + 1);
static_assert(std::size(kHeldStateNames) == static_cast<size_t>(HeldState::kDiscarded) + 1);

template <typename E, size_t N>
std::optional<E> parseName(const char* const (&names)[N], std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

const char* runKindName(RunKind kind) { return kRunKindNames[static_cast<size_t>(kind)]; }
std::optional<RunKind> parseRunKind(std::string_view name) {
  return parseName<RunKind>(kRunKindNames, name);
}

const char* runOutcomeName(RunOutcome outcome) {
  return kRunOutcomeNames[static_cast<size_t>(outcome)];
}
std::optional<RunOutcome> parseRunOutcome(std::string_view name) {
  return parseName<RunOutcome>(kRunOutcomeNames, name);
}

const char* heldStateName(HeldState state) { return kHeldStateNames[static_cast<size_t>(state)]; }
std::optional<HeldState> parseHeldState(std::string_view name) {
  return parseName<HeldState>(kHeldStateNames, name);
}

}  // namespace scim_agent
