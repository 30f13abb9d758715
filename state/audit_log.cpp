// StateStore's append-only audit chain (SPEC §10): each row carries the previous row's hash.

#include "agent/codec/json_parse.h"
#include "state/state_store.h"

namespace scim_agent {
namespace {

const std::string kGenesisHash(64, '0');
constexpr size_t kMaxProblems = 100;

// "<byte length>:<bytes>;": unambiguous whatever the field holds, and independent of any JSON
// library's escaping, so the chain stays verifiable as the code around it changes.
void appendField(std::string& out, const std::string& field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += ';';
}

std::string rowHash(const AuditRecord& row) {
  std::string text = row.prev_hash;
  text += '\n';
  appendField(text, std::to_string(row.id));
  appendField(text, row.at);
  appendField(text, row.run_id ? std::to_string(*row.run_id) : std::string());
  appendField(text, row.actor);
  appendField(text, row.action);
  appendField(text, row.subject);
  appendField(text, row.detail_json);
  return sha256Hex(text);
}

constexpr const char* kAuditColumns =
    "SELECT id, at, run_id, actor, action, subject, detail_json, prev_hash, hash FROM audit_log ";

AuditRecord readAudit(const SqliteStatement& stmt) {
  AuditRecord row;
  row.id = stmt.int64(0);
  row.at = stmt.text(1);
  if (!stmt.isNull(2)) row.run_id = stmt.int64(2);
  row.actor = stmt.text(3);
  row.action = stmt.text(4);
  row.subject = stmt.text(5);
  row.detail_json = stmt.text(6);
  row.prev_hash = stmt.text(7);
  row.hash = stmt.text(8);
  return row;
}

}  // namespace

Result<int64_t> StateStore::appendAudit(const std::string& at, std::optional<int64_t> run_id,
                                        const std::string& actor, const std::string& action,
                                        const std::string& subject,
                                        const std::string& detail_json) {
  // The write transaction makes read-last-then-append atomic against other writers.
  Result<Transaction> tx = db_->begin("appendAudit");
  if (!tx.ok()) return tx.error();
  AuditRecord row;
  row.prev_hash = kGenesisHash;
  {
    Result<SqliteStatement> last =
        db_->prepare("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
    if (!last.ok()) return last.error();
    Result<bool> found = last->step();
    if (!found.ok()) return found.error();
    if (*found) {
      row.id = last->int64(0);
      row.prev_hash = last->text(1);
    }
  }
  row.id += 1;
  row.at = at;
  row.run_id = run_id;
  row.actor = actor;
  row.action = action;
  row.subject = subject;
  row.detail_json = detail_json;
  row.hash = rowHash(row);

  Result<SqliteStatement> insert = db_->prepare(
      "INSERT INTO audit_log (id, at, run_id, actor, action, subject, detail_json, prev_hash, "
      "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.error();
  insert->bind(1, row.id).bind(2, row.at);
  if (row.run_id) {
    insert->bind(3, *row.run_id);
  } else {
    insert->bindNull(3);
  }
  Status status = insert->bind(4, row.actor)
                      .bind(5, row.action)
                      .bind(6, row.subject)
                      .bind(7, row.detail_json)
                      .bind(8, row.prev_hash)
                      .bind(9, row.hash)
                      .run();
  if (!status.ok()) return status.error();
  status = tx->commit();
  if (!status.ok()) return status.error();
  return row.id;
}

Result<std::vector<AuditRecord>> StateStore::auditRecords(int64_t after_id, int limit) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kAuditColumns) + "WHERE id > ? ORDER BY id LIMIT ?");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, after_id).bind(2, static_cast<int64_t>(limit > 0 ? limit : -1));
  std::vector<AuditRecord> rows;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row.ok()) return row.error();
    if (!*row) return rows;
    rows.push_back(readAudit(*stmt));
  }
}

Result<AuditVerifyReport> StateStore::verifyAudit() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt = db_->prepare(std::string(kAuditColumns) + "ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  AuditVerifyReport report;
  std::string expected_prev = kGenesisHash;
  int64_t previous_id = 0;
  auto problem = [&report](int64_t id, std::string what) {
    if (report.problems.size() < kMaxProblems) report.problems.push_back({id, std::move(what)});
  };
  for (;;) {
    Result<bool> found = stmt->step();
    if (!found.ok()) return found.error();
    if (!*found) break;
    const AuditRecord row = readAudit(*stmt);
    ++report.rows;
    if (row.id != previous_id + 1) {
      problem(row.id, "ids jump from " + std::to_string(previous_id) + " to " +
                          std::to_string(row.id) + ": rows were removed");
    }
    if (row.prev_hash != expected_prev) {
      problem(row.id, previous_id == 0
                          ? "prev_hash of the first row is not the genesis hash"
                          : "prev_hash is not the hash of row " + std::to_string(previous_id) +
                                ": a row was removed, inserted or rewritten before it");
    }
    if (rowHash(row) != row.hash) {
      problem(row.id, "hash does not match the row's content: the row was edited");
    }
    expected_prev = row.hash;
    previous_id = row.id;
  }
  report.head_id = previous_id;
  report.head_hash = previous_id == 0 ? std::string() : expected_prev;
  return report;
}

}  // namespace scim_agent
