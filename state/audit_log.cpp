// StateStore's append-only audit chain (SPEC §10): each row carries the previous row's hash.

#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "state/store_internal.h"

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

const auto readAudit =
    rowReader(&AuditRecord::id, &AuditRecord::at, &AuditRecord::run_id, &AuditRecord::actor,
              &AuditRecord::action, &AuditRecord::subject, &AuditRecord::detail_json,
              &AuditRecord::prev_hash, &AuditRecord::hash);

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
    if (*found) readColumns(*last, row.id, row.prev_hash);
  }
  row.id += 1;
  row.at = at;
  row.run_id = run_id;
  row.actor = actor;
  row.action = action;
  row.subject = subject;
  row.detail_json = detail_json;
  row.hash = rowHash(row);

  Status status = runSql(*db_,
                         "INSERT INTO audit_log (id, at, run_id, actor, action, subject, "
                         "detail_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         row.id, row.at, row.run_id, row.actor, row.action, row.subject,
                         row.detail_json, row.prev_hash, row.hash);
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
  return readRows(*stmt, readAudit);
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
