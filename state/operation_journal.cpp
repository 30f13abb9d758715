// StateStore's operation journal (SPEC §10): intent before each remote write, outcome after.

#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "state/store_internal.h"

namespace scim_agent {
namespace {

constexpr const char* kEntryColumns =
    "SELECT id, run_id, action_key, method, path, request_json, state, http_status, "
    "outcome_json, note, created_at, finished_at FROM journal ";

const auto readEntry = rowReader(
    &JournalEntry::id, &JournalEntry::run_id, &JournalEntry::action_key, &JournalEntry::method,
    &JournalEntry::path, &JournalEntry::request_json, &JournalEntry::state,
    &JournalEntry::http_status, &JournalEntry::outcome_json, &JournalEntry::note,
    &JournalEntry::created_at, &JournalEntry::finished_at);

}  // namespace

Result<int64_t> StateStore::journalIntent(int64_t run_id, const std::string& action_key,
                                          const std::string& method, const std::string& path,
                                          const std::string& request_json, const std::string& at) {
  auto lock = db_->lock();
  if (db_->inTransaction()) {
    return Error(ErrorCode::kInternal,
                 "journalIntent called inside a transaction: the intent for " + action_key +
                     " would not be durable before the request is sent");
  }
  FullSync full_sync(*db_);
  Status status = full_sync.enable("journalIntent");
  if (!status.ok()) return status.error();
  Result<Transaction> tx = db_->begin("journalIntent");
  if (!tx.ok()) return tx.error();
  status = requireRun(run_id, "journalIntent");
  if (!status.ok()) return status.error();
  return commitReturning(
      *tx, insertRow(*db_,
                     "INSERT INTO journal (run_id, action_key, method, path, request_json, state, "
                     "created_at) VALUES (?, ?, ?, ?, ?, 'intent', ?)",
                     run_id, action_key, method, path, request_json, at));
}

Status StateStore::requireIntent(int64_t entry_id, const std::string& what) {
  Result<SqliteStatement> stmt = db_->prepare("SELECT state FROM journal WHERE id = ?");
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = stmt->bind(1, entry_id).step();
  if (!row.ok()) return row.error();
  const std::string place =
      "state database " + path() + ": " + what + ": journal entry " + std::to_string(entry_id);
  if (!*row) return Error(ErrorCode::kNotFound, place + " not found");
  const std::string state = stmt->text(0);
  if (state != "intent") {
    return Error(ErrorCode::kInternal, place + " is already settled (" + state + ")");
  }
  return Status::success();
}

Status StateStore::journalOutcome(int64_t entry_id, bool success, int http_status,
                                  const std::string& detail_json, const std::string& at) {
  return journalOutcome(entry_id, success, http_status, detail_json, at, nullptr);
}

Status StateStore::journalOutcome(int64_t entry_id, bool success, int http_status,
                                  const std::string& detail_json, const std::string& at,
                                  const AuditEntry* audit) {
  Result<Transaction> tx = db_->begin("journalOutcome");
  if (!tx.ok()) return tx.error();
  Status status = requireIntent(entry_id, "journalOutcome");
  if (!status.ok()) return status;
  status = runSql(*db_,
                  "UPDATE journal SET state = ?, http_status = ?, outcome_json = ?, "
                  "finished_at = ? WHERE id = ?",
                  success ? "done" : "failed", static_cast<int64_t>(http_status), detail_json, at,
                  entry_id);
  if (!status.ok()) return status;
  if (audit != nullptr) {
    // Joins this transaction (as a savepoint): when the row cannot be appended, the outcome above
    // rolls back with it.
    // The row names the request it records ("route": "PATCH /api/v2/...", "status": 200), so
    // `audit export` gives a SIEM the route and status without the journal.
    std::string audit_detail = audit->detail_json;
    {
      Result<SqliteStatement> entry = db_->prepare("SELECT method, path FROM journal WHERE id = ?");
      if (!entry.ok()) return entry.error();
      Result<bool> found = entry->bind(1, entry_id).step();
      if (!found.ok()) return found.error();
      Result<Json> detail = parseJson(audit_detail.empty() ? "{}" : audit_detail);
      if (*found && detail.ok() && detail->isObject()) {
        std::string method;
        std::string route;
        readColumns(*entry, method, route);
        if (!detail->has("route")) (*detail)["route"] = method + " " + route;
        if (!detail->has("status")) (*detail)["status"] = http_status;
        audit_detail = detail->dump();
      }
    }
    Result<int64_t> row = appendAudit(at, audit->run_id, audit->actor, audit->action,
                                      audit->subject, audit_detail);
    if (!row.ok()) {
      return Error(row.error().code, "journalOutcome: journal entry " + std::to_string(entry_id) +
                                         ": the audit row could not be appended, so the outcome "
                                         "is not recorded either: " +
                                         row.error().message);
    }
  }
  return tx->commit();
}

Result<std::vector<JournalEntry>> StateStore::pendingIntents() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kEntryColumns) + "WHERE state = 'intent' ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  return readRows(*stmt, readEntry);
}

Result<std::vector<JournalEntry>> StateStore::journalForRun(int64_t run_id) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kEntryColumns) + "WHERE run_id = ? ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, run_id);
  return readRows(*stmt, readEntry);
}

Status StateStore::resolveIntent(int64_t entry_id, const std::string& outcome,
                                 const std::string& note, const std::string& at) {
  if (!isOneOf(outcome, {"done", "failed", "abandoned"})) {
    return Error(ErrorCode::kInvalidInput,
                 "resolveIntent: outcome \"" + outcome + "\" is not done | failed | abandoned");
  }
  Result<Transaction> tx = db_->begin("resolveIntent");
  if (!tx.ok()) return tx.error();
  Status status = requireIntent(entry_id, "resolveIntent");
  if (!status.ok()) return status;
  status = runSql(*db_, "UPDATE journal SET state = ?, note = ?, finished_at = ? WHERE id = ?",
                  outcome, note, at, entry_id);
  if (!status.ok()) return status;
  return tx->commit();
}

}  // namespace scim_agent
