// StateStore's HR event journal and the terminations that hold over the desired state (SPEC §12).

#include "state/state_store.h"
#include "state/store_internal.h"

namespace scim_agent {
namespace {

constexpr const char* kEventColumns =
    "SELECT id, event_key, received_at, type, external_id, occurred_at, body_json, state, "
    "processed_at, run_id, note FROM events ";

const auto readEvent = rowReader(
    &EventRecord::id, &EventRecord::event_key, &EventRecord::received_at, &EventRecord::type,
    &EventRecord::external_id, &EventRecord::occurred_at, &EventRecord::body_json,
    &EventRecord::state, &EventRecord::processed_at, &EventRecord::run_id, &EventRecord::note);

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
  // journalIntent does).
  FullSync full_sync(*db_);
  Status status = full_sync.enable("journalEvent");
  if (!status.ok()) return status.error();
  Result<Transaction> tx = db_->begin("journalEvent");
  if (!tx.ok()) return tx.error();
  status = runSql(*db_,
                  "INSERT INTO events (event_key, received_at, type, external_id, occurred_at, "
                  "body_json) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(event_key) DO NOTHING",
                  event_key, received_at, type, external_id, occurred_at, body_json);
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
  return readRows(*stmt, readEvent);
}

Result<std::vector<EventRecord>> StateStore::events(int limit) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kEventColumns) + "ORDER BY id DESC LIMIT ?");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, static_cast<int64_t>(limit <= 0 ? -1 : limit));
  return readRows(*stmt, readEvent);
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
  Status status = runSql(*db_,
                         "UPDATE events SET state = ?, run_id = ?, note = ?, processed_at = ? "
                         "WHERE id = ?",
                         state, run_id > 0 ? std::optional<int64_t>(run_id) : std::nullopt, note,
                         at, id);
  if (!status.ok()) return status;
  return tx->commit();
}

Status StateStore::recordTermination(const std::string& external_id, int64_t event_id,
                                     const std::string& occurred_at, const std::string& at) {
  auto lock = db_->lock();
  return runSql(*db_,
                "INSERT INTO terminations (external_id, event_id, occurred_at, recorded_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(external_id) DO NOTHING",
                external_id, event_id, occurred_at, at);
}

Result<bool> StateStore::clearTermination(const std::string& external_id) {
  auto lock = db_->lock();
  Status status = runSql(*db_, "DELETE FROM terminations WHERE external_id = ?", external_id);
  if (!status.ok()) return status.error();
  return db_->changes() > 0;
}

Result<std::vector<TerminationRecord>> StateStore::terminations() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT external_id, COALESCE(event_id, 0), occurred_at, recorded_at, effective_at, origin "
      "FROM terminations ORDER BY external_id");
  if (!stmt.ok()) return stmt.error();
  return readRows(*stmt, rowReader(&TerminationRecord::external_id, &TerminationRecord::event_id,
                                    &TerminationRecord::occurred_at,
                                    &TerminationRecord::recorded_at,
                                    &TerminationRecord::effective_at, &TerminationRecord::origin));
}

Result<bool> StateStore::recordManifestTermination(const std::string& external_id,
                                                   const std::string& effective_at,
                                                   const std::string& origin,
                                                   const std::string& at) {
  auto lock = db_->lock();
  // ISO-8601 UTC instants of one format compare as text.
  Status status = runSql(*db_,
                         "INSERT INTO terminations (external_id, event_id, occurred_at, "
                         "recorded_at, effective_at, origin) VALUES (?, NULL, ?, ?, ?, ?) "
                         "ON CONFLICT(external_id) DO UPDATE SET effective_at = "
                         "excluded.effective_at, origin = excluded.origin "
                         "WHERE terminations.effective_at > excluded.effective_at "
                         "AND terminations.effective_at > ?",
                         external_id, effective_at, at, effective_at, origin, at);
  if (!status.ok()) return status.error();
  return db_->changes() > 0;
}

Status StateStore::recordSourceRead(const SourceReadRecord& read) {
  auto lock = db_->lock();
  return runSql(*db_,
                "INSERT INTO source_reads (source, role, digest, etag, records, users, read_at, "
                "run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source) DO UPDATE SET "
                "role = excluded.role, digest = excluded.digest, etag = excluded.etag, "
                "records = excluded.records, users = excluded.users, read_at = excluded.read_at, "
                "run_id = excluded.run_id",
                read.source, read.role, read.digest, read.etag, read.records, read.users,
                read.read_at, read.run_id);
}

Result<std::optional<SourceReadRecord>> StateStore::lastSourceRead(const std::string& source) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT source, role, digest, etag, records, users, read_at, run_id FROM source_reads "
      "WHERE source = ?");
  if (!stmt.ok()) return stmt.error();
  bindAll(*stmt, source);
  auto rows = readRows(*stmt, rowReader(&SourceReadRecord::source, &SourceReadRecord::role,
                                        &SourceReadRecord::digest, &SourceReadRecord::etag,
                                        &SourceReadRecord::records, &SourceReadRecord::users,
                                        &SourceReadRecord::read_at, &SourceReadRecord::run_id));
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<SourceReadRecord>();
  return std::optional<SourceReadRecord>(rows->front());
}

Result<std::string> StateStore::planSigningKey(const std::string& at) {
  auto lock = db_->lock();
  Status made = runSql(*db_,
                       "INSERT INTO agent_keys (name, value, created_at) "
                       "VALUES ('plan-signing', lower(hex(randomblob(32))), ?) "
                       "ON CONFLICT(name) DO NOTHING",
                       at);
  if (!made.ok()) return made.error();
  Result<SqliteStatement> stmt =
      db_->prepare("SELECT value FROM agent_keys WHERE name = 'plan-signing'");
  if (!stmt.ok()) return stmt.error();
  auto rows = readRows(*stmt, [](const SqliteStatement& s) { return s.text(0); });
  if (!rows.ok()) return rows.error();
  if (rows->empty() || rows->front().size() != 64) {
    return Error(ErrorCode::kCorrupt, "state database " + path() + ": the plan-signing key is damaged");
  }
  return rows->front();
}

}  // namespace scim_agent
