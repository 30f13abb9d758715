// StateStore's operation journal (SPEC §10): intent before each remote write, outcome after.

#include "state/state_store.h"
#include "state/store_internal.h"

namespace scim_agent {
namespace {

constexpr const char* kEntryColumns =
    "SELECT id, run_id, action_key, method, path, request_json, state, http_status, "
    "outcome_json, note, created_at, finished_at FROM journal ";

JournalEntry readEntry(const SqliteStatement& stmt) {
  JournalEntry entry;
  entry.id = stmt.int64(0);
  entry.run_id = stmt.int64(1);
  entry.action_key = stmt.text(2);
  entry.method = stmt.text(3);
  entry.path = stmt.text(4);
  entry.request_json = stmt.text(5);
  entry.state = stmt.text(6);
  entry.http_status = static_cast<int>(stmt.int64(7));
  entry.outcome_json = stmt.text(8);
  entry.note = stmt.text(9);
  entry.created_at = stmt.text(10);
  entry.finished_at = stmt.text(11);
  return entry;
}

Result<std::vector<JournalEntry>> readEntries(SqliteStatement& stmt) {
  std::vector<JournalEntry> entries;
  for (;;) {
    Result<bool> row = stmt.step();
    if (!row.ok()) return row.error();
    if (!*row) return entries;
    entries.push_back(readEntry(stmt));
  }
}

// Sets synchronous=FULL for its lifetime, so the commit inside syncs the WAL to disk; the rest of
// the store runs with NORMAL (durable against a killed process, not a power cut), which is what
// everything but the intent needs: a lost outcome leaves an intent that the next run resolves.
class FullSync {
 public:
  explicit FullSync(SqliteDb& db) : db_(db) {}
  ~FullSync() {
    if (db_.exec("PRAGMA synchronous=NORMAL", "restoring synchronous").ok()) {
      // Nothing to do; a failure leaves FULL, which is slower but safe.
    }
  }
  FullSync(const FullSync&) = delete;
  FullSync& operator=(const FullSync&) = delete;
  Status enable() { return db_.exec("PRAGMA synchronous=FULL", "journalIntent: synchronous"); }

 private:
  SqliteDb& db_;
};

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
  Status status = full_sync.enable();
  if (!status.ok()) return status.error();
  Result<Transaction> tx = db_->begin("journalIntent");
  if (!tx.ok()) return tx.error();
  status = requireRun(run_id, "journalIntent");
  if (!status.ok()) return status.error();
  Result<SqliteStatement> insert = db_->prepare(
      "INSERT INTO journal (run_id, action_key, method, path, request_json, state, created_at) "
      "VALUES (?, ?, ?, ?, ?, 'intent', ?)");
  if (!insert.ok()) return insert.error();
  status = insert->bind(1, run_id)
               .bind(2, action_key)
               .bind(3, method)
               .bind(4, path)
               .bind(5, request_json)
               .bind(6, at)
               .run();
  if (!status.ok()) return status.error();
  const int64_t id = db_->lastInsertRowid();
  status = tx->commit();
  if (!status.ok()) return status.error();
  return id;
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
                                  const std::string& outcome_json, const std::string& at) {
  Result<Transaction> tx = db_->begin("journalOutcome");
  if (!tx.ok()) return tx.error();
  Status status = requireIntent(entry_id, "journalOutcome");
  if (!status.ok()) return status;
  Result<SqliteStatement> update = db_->prepare(
      "UPDATE journal SET state = ?, http_status = ?, outcome_json = ?, finished_at = ? "
      "WHERE id = ?");
  if (!update.ok()) return update.error();
  status = update->bind(1, success ? "done" : "failed")
               .bind(2, static_cast<int64_t>(http_status))
               .bind(3, outcome_json)
               .bind(4, at)
               .bind(5, entry_id)
               .run();
  if (!status.ok()) return status;
  return tx->commit();
}

Result<std::vector<JournalEntry>> StateStore::pendingIntents() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kEntryColumns) + "WHERE state = 'intent' ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  return readEntries(*stmt);
}

Result<std::vector<JournalEntry>> StateStore::journalForRun(int64_t run_id) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kEntryColumns) + "WHERE run_id = ? ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, run_id);
  return readEntries(*stmt);
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
  Result<SqliteStatement> update =
      db_->prepare("UPDATE journal SET state = ?, note = ?, finished_at = ? WHERE id = ?");
  if (!update.ok()) return update.error();
  status = update->bind(1, outcome).bind(2, note).bind(3, at).bind(4, entry_id).run();
  if (!status.ok()) return status;
  return tx->commit();
}

}  // namespace scim_agent
