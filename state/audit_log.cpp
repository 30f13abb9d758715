// StateStore's append-only audit chain (SPEC §10): each row carries the previous row's hash.

#include <algorithm>
#include <map>
#include <optional>

#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "state/store_internal.h"

namespace scim_agent {
namespace {

const std::string kGenesisHash(64, '0');
constexpr size_t kMaxProblems = 100;
// How far from its id verifyAudit looks for the id a moved row was written with.
constexpr int64_t kMoveWindow = 64;

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
  AuditVerifyReport report;
  // The heads runs recorded at their end, read before the chain: each names a row committed
  // before this read, so the chain read next (one statement: one consistent snapshot) must hold
  // it even while another process appends.
  struct RecordedHead {
    int64_t run = 0;
    int64_t id = 0;
    std::string hash;
  };
  std::vector<RecordedHead> heads;
  {
    Result<SqliteStatement> stmt = db_->prepare(
        "SELECT id, audit_head_id, audit_head_hash FROM runs "
        "WHERE audit_head_id IS NOT NULL AND audit_head_id > 0 ORDER BY id");
    if (!stmt.ok()) return stmt.error();
    Result<std::vector<RecordedHead>> rows =
        readRows(*stmt, rowReader(&RecordedHead::run, &RecordedHead::id, &RecordedHead::hash));
    if (!rows.ok()) return rows.error();
    heads = std::move(*rows);
  }
  std::map<int64_t, std::string> hash_at;  // the chain's hash at each recorded head's id
  for (const RecordedHead& h : heads) hash_at[h.id];

  Result<SqliteStatement> stmt = db_->prepare(std::string(kAuditColumns) + "ORDER BY id");
  if (!stmt.ok()) return stmt.error();
  std::string expected_prev = kGenesisHash;
  int64_t previous_id = 0;
  int moved_lookups = 0;  // 2 * kMoveWindow hashes each: only for the first few mismatches
  auto problem = [&report](int64_t id, std::string what) {
    if (report.problems.size() < kMaxProblems) report.problems.push_back({id, std::move(what)});
  };
  for (;;) {
    Result<bool> found = stmt->step();
    if (!found.ok()) return found.error();
    if (!*found) break;
    const AuditRecord row = readAudit(*stmt);
    ++report.rows;
    // The row's own hash first: a row that hashes right under another id was moved there (rows
    // swapped or reordered), which also explains its broken link, so that is all it reports.
    std::optional<int64_t> moved_from;
    const bool content_ok = rowHash(row) == row.hash;
    if (!content_ok && moved_lookups < 10) {
      ++moved_lookups;
      AuditRecord candidate = row;
      for (int64_t id = std::max<int64_t>(1, row.id - kMoveWindow); id <= row.id + kMoveWindow;
           ++id) {
        if (id == row.id) continue;
        candidate.id = id;
        if (rowHash(candidate) == row.hash) {
          moved_from = id;
          break;
        }
      }
    }
    if (moved_from) {
      problem(row.id, "holds the row written as #" + std::to_string(*moved_from) +
                          " (its hash matches that id): rows were reordered");
    } else {
      if (row.id != previous_id + 1) {
        problem(row.id, "ids jump from " + std::to_string(previous_id) + " to " +
                            std::to_string(row.id) + ": rows were removed");
      } else if (row.prev_hash != expected_prev) {
        problem(row.id, previous_id == 0
                            ? "prev_hash of the first row is not the genesis hash"
                            : "prev_hash is not the hash of row " + std::to_string(previous_id) +
                                  ": a row was removed, inserted or rewritten before it");
      }
      if (!content_ok) {
        problem(row.id, "hash does not match the row's content: the row was edited");
      }
    }
    if (auto it = hash_at.find(row.id); it != hash_at.end()) it->second = row.hash;
    expected_prev = row.hash;
    previous_id = row.id;
  }
  report.head_id = previous_id;
  report.head_hash = previous_id == 0 ? std::string() : expected_prev;

  // The recorded heads: a head past the chain's end means its tail was deleted; a head whose
  // hash differs means the chain was rewritten up to it.
  const RecordedHead* furthest_missing = nullptr;
  for (const RecordedHead& h : heads) {
    if (h.id > report.head_id) {
      if (furthest_missing == nullptr || h.id > furthest_missing->id) furthest_missing = &h;
      continue;
    }
    const std::string& actual = hash_at[h.id];
    if (actual.empty()) continue;  // the row itself is missing: reported as a jump in ids
    if (actual != h.hash) {
      problem(h.id, "hash differs from the head run " + std::to_string(h.run) +
                        " recorded at its end (" + h.hash + "): the chain was rewritten");
    } else if (report.anchored_run < h.run) {
      report.anchored_run = h.run;
    }
  }
  if (furthest_missing != nullptr) {
    const int64_t first = report.head_id + 1;
    problem(first, "missing: the chain ends at #" + std::to_string(report.head_id) + ", but run " +
                       std::to_string(furthest_missing->run) + " recorded its head at #" +
                       std::to_string(furthest_missing->id) + " (" + furthest_missing->hash +
                       "): rows #" + std::to_string(first) + "..#" +
                       std::to_string(furthest_missing->id) + " were deleted from the tail");
  }
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const AuditVerifyReport::Problem& a, const AuditVerifyReport::Problem& b) {
                     return a.id < b.id;
                   });
  return report;
}

}  // namespace scim_agent
