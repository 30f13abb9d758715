// StateStore's held destructive actions (SPEC §8): suspends and deletes that `apply
// --hold-destructive` stored instead of applying, until `scim-agent approve` applies them (or a
// later run replaces or discards them).

#include <set>

#include "state/state_store.h"
#include "state/store_internal.h"

namespace scim_agent {
namespace {

constexpr const char* kHeldColumns =
    "SELECT id, run_id, external_id, kind, action_json, held_at, state, "
    "COALESCE(resolved_at, ''), COALESCE(resolved_by, 0), note FROM held_actions ";

const std::initializer_list<std::string_view> kHeldKinds = {"suspend", "delete"};
const std::initializer_list<std::string_view> kResolvedStates = {"applied", "failed", "stale",
                                                                 "discarded"};

const auto readHeld = rowReader(&HeldAction::id, &HeldAction::run_id, &HeldAction::external_id,
                               &HeldAction::kind, &HeldAction::action_json, &HeldAction::held_at,
                               &HeldAction::state, &HeldAction::resolved_at,
                               &HeldAction::resolved_by, &HeldAction::note);

}  // namespace

Result<std::vector<int64_t>> StateStore::holdActions(int64_t run_id,
                                                     const std::vector<HeldActionInput>& actions,
                                                     const std::string& at) {
  std::set<std::string> seen;
  for (const HeldActionInput& a : actions) {
    if (a.external_id.empty()) {
      return Error(ErrorCode::kInvalidInput, "holdActions: a held action needs an externalId");
    }
    if (!isOneOf(a.kind, kHeldKinds)) {
      return Error(ErrorCode::kInvalidInput,
                   "holdActions: kind \"" + a.kind + "\" is not one of " + joined(kHeldKinds));
    }
    if (!seen.insert(a.external_id).second) {
      return Error(ErrorCode::kInvalidInput,
                   "holdActions: externalId " + a.external_id + " is held twice in one call");
    }
  }
  Result<Transaction> tx = db_->begin("holdActions");
  if (!tx.ok()) return tx.error();
  Status status = requireRun(run_id, "holdActions");
  if (!status.ok()) return status.error();
  Result<SqliteStatement> replace = db_->prepare(
      "UPDATE held_actions SET state = 'discarded', resolved_at = ?1, resolved_by = ?2, "
      "note = ?3 WHERE external_id = ?4 AND state = 'pending'");
  if (!replace.ok()) return replace.error();
  Result<SqliteStatement> insert = db_->prepare(
      "INSERT INTO held_actions (run_id, external_id, kind, action_json, held_at) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.error();
  const std::string note = "replaced by the hold of run " + std::to_string(run_id);
  std::vector<int64_t> ids;
  ids.reserve(actions.size());
  for (const HeldActionInput& a : actions) {
    replace->reset();
    status = bindAll(*replace, at, run_id, note, a.external_id).run();
    if (!status.ok()) return status.error();
    insert->reset();
    status = bindAll(*insert, run_id, a.external_id, a.kind, a.action_json, at).run();
    if (!status.ok()) return status.error();
    ids.push_back(db_->lastInsertRowid());
  }
  status = tx->commit();
  if (!status.ok()) return status.error();
  return ids;
}

Result<std::vector<HeldAction>> StateStore::pendingHeldActions(
    const std::vector<std::string>& external_ids) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kHeldColumns) + "WHERE state = 'pending' ORDER BY external_id, id");
  if (!stmt.ok()) return stmt.error();
  Result<std::vector<HeldAction>> all = readRows(*stmt, readHeld);
  if (!all.ok() || external_ids.empty()) return all;
  const std::set<std::string> wanted(external_ids.begin(), external_ids.end());
  std::vector<HeldAction> out;
  for (HeldAction& h : *all) {
    if (wanted.count(h.external_id)) out.push_back(std::move(h));
  }
  return out;
}

Result<std::vector<HeldAction>> StateStore::heldActionHistory(const std::string& external_id) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kHeldColumns) + "WHERE external_id = ? ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, external_id);
  return readRows(*stmt, readHeld);
}

Status StateStore::resolveHeldAction(int64_t id, const std::string& state, int64_t run_id,
                                     const std::string& note, const std::string& at) {
  if (!isOneOf(state, kResolvedStates)) {
    return Error(ErrorCode::kInvalidInput, "resolveHeldAction: state \"" + state +
                                               "\" is not one of " + joined(kResolvedStates));
  }
  Result<Transaction> tx = db_->begin("resolveHeldAction");
  if (!tx.ok()) return tx.error();
  Result<SqliteStatement> read = db_->prepare("SELECT state FROM held_actions WHERE id = ?");
  if (!read.ok()) return read.error();
  Result<bool> row = read->bind(1, id).step();
  if (!row.ok()) return row.error();
  if (!*row) {
    return Error(ErrorCode::kNotFound, "state database " + path() +
                                           ": resolveHeldAction: held "
                                           "action " +
                                           std::to_string(id) + " not found");
  }
  if (read->text(0) != "pending") {
    return Error(ErrorCode::kInternal, "state database " + path() +
                                           ": resolveHeldAction: held "
                                           "action " +
                                           std::to_string(id) + " is already resolved (" +
                                           read->text(0) + ")");
  }
  Status status = runSql(*db_,
                         "UPDATE held_actions SET state = ?, resolved_at = ?, resolved_by = ?, "
                         "note = ? WHERE id = ?",
                         state, at, run_id, note, id);
  if (!status.ok()) return status;
  return tx->commit();
}

}  // namespace scim_agent
