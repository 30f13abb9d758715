// StateStore's HR event journal and the terminations that hold over the desired state (SPEC §12).

#include "state/state_store.h"
#include "state/store_internal.h"

namespace scim_agent {
namespace {

constexpr const char* kEventColumns =
    "SELECT id, event_key, received_at, type, external_id, occurred_at, body_json, state, "
    "processed_at, run_id, note FROM events ";

Result<std::vector<EventRecord>> readEvents(SqliteStatement& stmt) {
  std::vector<EventRecord> out;
  for (;;) {
    Result<bool> row = stmt.step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    EventRecord e;
    e.id = stmt.int64(0);
    e.event_key = stmt.text(1);
    e.received_at = stmt.text(2);
    e.type = stmt.text(3);
    e.external_id = stmt.text(4);
    e.occurred_at = stmt.text(5);
    e.body_json = stmt.text(6);
    e.state = stmt.text(7);
    e.processed_at = stmt.text(8);
    e.run_id = stmt.int64(9);
    e.note = stmt.text(10);
    out.push_back(std::move(e));
  }
}

}  // namespace

Result<std::optional<int64_t>> StateStore::journalEvent(const std::string& event_key,
                                                        const std::string& type,
                                                        const std::string& external_id,
                                                        const std::string& occurred_at,
                                                        const std::string& body_json,
                                                        const std::string& received_at) {
  auto lock = db_->lock();
  if (db_->inTransaction()) {
    return Error(ErrorCode::kInternal,
                 "journalEvent called inside a transaction: the event would not be durable "
                 "before it is acknowledged");
  }
  // The 202 promises the event survives a power cut, so this commit syncs the WAL (as
  // journalIntent does); the rest of the store runs with synchronous=NORMAL.
  Status status = db_->exec("PRAGMA synchronous=FULL", "journalEvent: synchronous");
  if (!status.ok()) return status.error();
  struct Restore {
    SqliteDb& db;
    ~Restore() { (void)db.exec("PRAGMA synchronous=NORMAL", "restoring synchronous"); }
  } restore{*db_};
  Result<Transaction> tx = db_->begin("journalEvent");
  if (!tx.ok()) return tx.error();
  Result<SqliteStatement> insert = db_->prepare(
      "INSERT INTO events (event_key, received_at, type, external_id, occurred_at, body_json) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(event_key) DO NOTHING");
  if (!insert.ok()) return insert.error();
  status = insert->bind(1, event_key)
               .bind(2, received_at)
               .bind(3, type)
               .bind(4, external_id)
               .bind(5, occurred_at)
               .bind(6, body_json)
               .run();
  if (!status.ok()) return status.error();
  if (db_->changes() == 0) return std::optional<int64_t>();  // a replay: rolls back nothing
  const int64_t id = db_->lastInsertRowid();
  status = tx->commit();
  if (!status.ok()) return status.error();
  return std::optional<int64_t>(id);
}

Result<std::vector<EventRecord>> StateStore::receivedEvents() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kEventColumns) + "WHERE state = 'received' ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  return readEvents(*stmt);
}

Result<std::vector<EventRecord>> StateStore::events(int limit) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kEventColumns) + "ORDER BY id DESC LIMIT ?");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, static_cast<int64_t>(limit <= 0 ? -1 : limit));
  return readEvents(*stmt);
}

Status StateStore::settleEvent(int64_t id, const std::string& state, int64_t run_id,
                               const std::string& note, const std::string& at) {
  if (!isOneOf(state, {"processed", "failed", "ignored"})) {
    return Error(ErrorCode::kInvalidInput, "settleEvent: state must be " +
                                               joined({"processed", "failed", "ignored"}) +
                                               ", not \"" + state + "\"");
  }
  Result<Transaction> tx = db_->begin("settleEvent");
  if (!tx.ok()) return tx.error();
  Result<SqliteStatement> check = db_->prepare("SELECT state FROM events WHERE id = ?");
  if (!check.ok()) return check.error();
  Result<bool> row = check->bind(1, id).step();
  if (!row.ok()) return row.error();
  const std::string place = "state database " + path() + ": settleEvent: event " + std::to_string(id);
  if (!*row) return Error(ErrorCode::kNotFound, place + " not found");
  if (check->text(0) != "received") {
    return Error(ErrorCode::kInternal, place + " is already settled (" + check->text(0) + ")");
  }
  Result<SqliteStatement> update = db_->prepare(
      "UPDATE events SET state = ?, run_id = ?, note = ?, processed_at = ? WHERE id = ?");
  if (!update.ok()) return update.error();
  update->bind(1, state).bind(3, note).bind(4, at).bind(5, id);
  if (run_id > 0) {
    update->bind(2, run_id);
  } else {
    update->bindNull(2);
  }
  Status status = update->run();
  if (!status.ok()) return status;
  return tx->commit();
}

Status StateStore::recordTermination(const std::string& external_id, int64_t event_id,
                                     const std::string& occurred_at, const std::string& at) {
  auto lock = db_->lock();
  Result<SqliteStatement> insert = db_->prepare(
      "INSERT INTO terminations (external_id, event_id, occurred_at, recorded_at) "
      "VALUES (?, ?, ?, ?) ON CONFLICT(external_id) DO NOTHING");
  if (!insert.ok()) return insert.error();
  return insert->bind(1, external_id).bind(2, event_id).bind(3, occurred_at).bind(4, at).run();
}

Result<bool> StateStore::clearTermination(const std::string& external_id) {
  auto lock = db_->lock();
  Result<SqliteStatement> del = db_->prepare("DELETE FROM terminations WHERE external_id = ?");
  if (!del.ok()) return del.error();
  Status status = del->bind(1, external_id).run();
  if (!status.ok()) return status.error();
  return db_->changes() > 0;
}

Result<std::vector<TerminationRecord>> StateStore::terminations() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT external_id, event_id, occurred_at, recorded_at FROM terminations "
      "ORDER BY external_id");
  if (!stmt.ok()) return stmt.error();
  std::vector<TerminationRecord> out;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    out.push_back({stmt->text(0), stmt->int64(1), stmt->text(2), stmt->text(3)});
  }
}

}  // namespace scim_agent
