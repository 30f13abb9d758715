// StateStore's user lifecycle records (SPEC §7, §8, §10): when users were suspended (for
// deleteAfter), which steps of a delete clean-up finished (so an interrupted delete resumes
// without repeating them), and the conversation history archived before a delete.

#include "state/state_store.h"
#include "state/store_internal.h"

namespace scim_agent {

Status StateStore::recordSuspension(const std::string& external_id, const std::string& user_id,
                                    const std::string& at, int64_t run_id,
                                    const std::string& reason, bool tokens_revoked) {
  auto lock = db_->lock();
  return runSql(*db_,
                "INSERT INTO suspensions (external_id, suspended_at, run_id, reason, user_id, "
                "tokens_revoked) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(external_id) DO UPDATE SET user_id = excluded.user_id, "
                "tokens_revoked = excluded.tokens_revoked",
                external_id, at, run_id, reason, user_id, int64_t{tokens_revoked ? 1 : 0});
}

Status StateStore::markTokensRevoked(const std::string& external_id) {
  auto lock = db_->lock();
  return runSql(*db_, "UPDATE suspensions SET tokens_revoked = 1 WHERE external_id = ?",
                external_id);
}

Status StateStore::clearSuspension(const std::string& external_id) {
  auto lock = db_->lock();
  return runSql(*db_, "DELETE FROM suspensions WHERE external_id = ?", external_id);
}

Result<std::vector<StateStore::Suspension>> StateStore::suspensions() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT external_id, user_id, suspended_at, tokens_revoked FROM suspensions "
      "ORDER BY external_id");
  if (!stmt.ok()) return stmt.error();
  return readRows(*stmt, rowReader(&Suspension::external_id, &Suspension::user_id,
                                    &Suspension::suspended_at, &Suspension::tokens_revoked));
}

Result<std::vector<CleanupStep>> StateStore::cleanupSteps(const std::string& user_id) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt = db_->prepare(
      "SELECT step, finished_at, COALESCE(run_id, 0), detail_json FROM cleanup_steps "
      "WHERE user_id = ? ORDER BY seq");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, user_id);
  return readRows(*stmt, rowReader(&CleanupStep::step, &CleanupStep::finished_at,
                                    &CleanupStep::run_id, &CleanupStep::detail_json));
}

Status StateStore::recordCleanupStep(const std::string& user_id, const std::string& step,
                                     int64_t run_id, const std::string& detail_json,
                                     const std::string& at) {
  auto lock = db_->lock();
  return runSql(
      *db_,
      "INSERT INTO cleanup_steps (user_id, step, seq, run_id, finished_at, detail_json) "
      "VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM cleanup_steps WHERE user_id = ?1),"
      " ?3, ?4, ?5) "
      "ON CONFLICT(user_id, step) DO UPDATE SET run_id = excluded.run_id, "
      "finished_at = excluded.finished_at, detail_json = excluded.detail_json",
      user_id, step, run_id, at, detail_json);
}

Status StateStore::clearCleanupSteps(const std::string& user_id) {
  auto lock = db_->lock();
  return runSql(*db_, "DELETE FROM cleanup_steps WHERE user_id = ?", user_id);
}

Result<std::vector<std::string>> StateStore::cleanupUserIds() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare("SELECT DISTINCT user_id FROM cleanup_steps ORDER BY user_id");
  if (!stmt.ok()) return stmt.error();
  return readRows(*stmt, [](const SqliteStatement& row) { return row.text(0); });
}

Result<int> StateStore::archiveConversations(const std::string& user_key, int64_t run_id,
                                             const std::vector<std::string>& conversations_json,
                                             const std::string& at) {
  Result<Transaction> tx = db_->begin("archiveConversations");
  if (!tx.ok()) return tx.error();
  // The conversation id is read by SQLite's JSON functions: the caller's document is stored as
  // given, and its id keys the one-copy-per-user rule.
  Result<SqliteStatement> insert = db_->prepare(
      "INSERT INTO archived_conversations (user_key, archived_at, run_id, body_json, "
      "conversation_id) VALUES (?1, ?2, ?3, ?4, COALESCE(json_extract(?4, '$.conversationId'), "
      "'')) ON CONFLICT(user_key, conversation_id) DO NOTHING");
  if (!insert.ok()) return insert.error();
  int added = 0;
  for (const std::string& body : conversations_json) {
    insert->reset();
    Status status = bindAll(*insert, user_key, at, run_id, body).run();
    if (!status.ok()) return status.error();
    added += static_cast<int>(db_->changes());
  }
  Status status = tx->commit();
  if (!status.ok()) return status.error();
  return added;
}

Result<int64_t> StateStore::archivedConversationCount(const std::string& user_key) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare("SELECT COUNT(*) FROM archived_conversations WHERE user_key = ?");
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = stmt->bind(1, user_key).step();
  if (!row.ok()) return row.error();
  return stmt->int64(0);
}

}  // namespace scim_agent
