// StateStore's notification outbox (SPEC §10): messages wait here until a notifier delivers them,
// at least once, retried across runs.

#include "state/state_store.h"
#include "state/store_internal.h"

namespace scim_agent {
namespace {

constexpr const char* kOutboxColumns =
    "SELECT id, dedupe_key, created_at, channel, payload_json, attempts, next_attempt_at, "
    "delivered_at, last_error FROM outbox ";

// delivered_at: NULL reads as "".
const auto readMessage = rowReader(
    &OutboxMessage::id, &OutboxMessage::dedupe_key, &OutboxMessage::created_at,
    &OutboxMessage::channel, &OutboxMessage::payload_json, &OutboxMessage::attempts,
    &OutboxMessage::next_attempt_at, &OutboxMessage::delivered_at, &OutboxMessage::last_error);

}  // namespace

Result<bool> StateStore::enqueueOutbox(const std::string& dedupe_key, const std::string& channel,
                                       const std::string& payload_json, const std::string& at) {
  if (dedupe_key.empty()) {
    return Error(ErrorCode::kInvalidInput, "enqueueOutbox: the dedupe key is empty");
  }
  if (!isOneOf(channel, {"webhook"})) {
    return Error(ErrorCode::kInvalidInput,
                 "enqueueOutbox: channel \"" + channel + "\" is not " + joined({"webhook"}));
  }
  auto lock = db_->lock();
  // ON CONFLICT DO NOTHING rather than INSERT OR IGNORE: only the dedupe key may be ignored, any
  // other constraint failure is still an error.
  Status status =
      runSql(*db_,
             "INSERT INTO outbox (dedupe_key, created_at, channel, payload_json, next_attempt_at) "
             "VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
             dedupe_key, at, channel, payload_json, at);
  if (!status.ok()) return status.error();
  return db_->changes() == 1;
}

Result<std::vector<OutboxMessage>> StateStore::dueOutbox(const std::string& now, int limit) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kOutboxColumns) +
                   "WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY id LIMIT ?");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, now).bind(2, static_cast<int64_t>(limit > 0 ? limit : -1));
  return readRows(*stmt, readMessage);
}

namespace {

// The checks both mark* methods make before changing a row: it exists and is still pending.
Status requirePending(SqliteDb& db, int64_t id, const std::string& what) {
  Result<SqliteStatement> stmt = db.prepare("SELECT delivered_at FROM outbox WHERE id = ?");
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = stmt->bind(1, id).step();
  if (!row.ok()) return row.error();
  const std::string place =
      "state database " + db.path() + ": " + what + ": outbox message " + std::to_string(id);
  if (!*row) return Error(ErrorCode::kNotFound, place + " not found");
  if (!stmt->isNull(0)) {
    return Error(ErrorCode::kInternal, place + " was delivered already (" + stmt->text(0) + ")");
  }
  return Status::success();
}

}  // namespace

Status StateStore::markOutboxDelivered(int64_t id, const std::string& at) {
  Result<Transaction> tx = db_->begin("markOutboxDelivered");
  if (!tx.ok()) return tx.error();
  Status status = requirePending(*db_, id, "markOutboxDelivered");
  if (!status.ok()) return status;
  status = runSql(
      *db_,
      "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ?",
      at, id);
  if (!status.ok()) return status;
  return tx->commit();
}

Status StateStore::markOutboxFailed(int64_t id, const std::string& error,
                                    const std::string& next_attempt_at) {
  Result<Transaction> tx = db_->begin("markOutboxFailed");
  if (!tx.ok()) return tx.error();
  Status status = requirePending(*db_, id, "markOutboxFailed");
  if (!status.ok()) return status;
  status = runSql(*db_,
                  "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                  "WHERE id = ?",
                  error, next_attempt_at, id);
  if (!status.ok()) return status;
  return tx->commit();
}

Result<std::vector<OutboxMessage>> StateStore::outboxMessages(bool pending_only) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kOutboxColumns) +
                   (pending_only ? "WHERE delivered_at IS NULL " : "") + "ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  return readRows(*stmt, readMessage);
}

}  // namespace scim_agent
