// StateStore's report facts (issue 12; SPEC §11): what each action of a run came to, the
// discrepancies seen in write answers, drift between snapshots, and termination cases. Written
// by the runs as they go; read by `report`, `show` and `history` without the writer lock.

#include "state/state_store.h"
#include "state/store_internal.h"

namespace scim_agent {
namespace {

constexpr const char* kActionColumns =
    "SELECT run_id, seq, kind, external_id, user_name, user_id, outcome, message, why, "
    "changes_json, at FROM run_actions ";
const auto readAction = rowReader(
    &RunActionRecord::run_id, &RunActionRecord::seq, &RunActionRecord::kind,
    &RunActionRecord::external_id, &RunActionRecord::user_name, &RunActionRecord::user_id,
    &RunActionRecord::outcome, &RunActionRecord::message, &RunActionRecord::why,
    &RunActionRecord::changes_json, &RunActionRecord::at);

constexpr const char* kDiscrepancyColumns =
    "SELECT run_id, external_id, user_id, action, attribute, expected_json, actual_json, at "
    "FROM discrepancies ";
const auto readDiscrepancy =
    rowReader(&DiscrepancyRecord::run_id, &DiscrepancyRecord::external_id,
              &DiscrepancyRecord::user_id, &DiscrepancyRecord::action,
              &DiscrepancyRecord::attribute, &DiscrepancyRecord::expected_json,
              &DiscrepancyRecord::actual_json, &DiscrepancyRecord::at);

constexpr const char* kDriftColumns =
    "SELECT run_id, since_run_id, external_id, user_id, attribute, before_json, after_json, at "
    "FROM drift ";
const auto readDrift = rowReader(&DriftRecord::run_id, &DriftRecord::since_run_id,
                                 &DriftRecord::external_id, &DriftRecord::user_id,
                                 &DriftRecord::attribute, &DriftRecord::before_json,
                                 &DriftRecord::after_json, &DriftRecord::at);

constexpr const char* kCaseColumns =
    "SELECT id, external_id, cause, origin, known_at, known_run_id, state, "
    "COALESCE(suspended_at, ''), COALESCE(suspend_run_id, 0), note FROM termination_cases ";
const auto readCase = rowReader(
    &TerminationCase::id, &TerminationCase::external_id, &TerminationCase::cause,
    &TerminationCase::origin, &TerminationCase::known_at, &TerminationCase::known_run_id,
    &TerminationCase::state, &TerminationCase::suspended_at, &TerminationCase::suspend_run_id,
    &TerminationCase::note);

// "WHERE run_id = ?" for one run, else "WHERE at >= ?": the two ways reports select facts.
template <typename Read>
auto selectByRunOrTime(SqliteDb& db, const std::string& columns, int64_t run_id,
                       const std::string& since, Read read)
    -> Result<std::vector<decltype(read(std::declval<const SqliteStatement&>()))>> {
  Result<SqliteStatement> stmt =
      db.prepare(columns + (run_id > 0 ? "WHERE run_id = ? ORDER BY id" : "WHERE at >= ? ORDER BY id"));
  if (!stmt.ok()) return stmt.error();
  if (run_id > 0) {
    stmt->bind(1, run_id);
  } else {
    stmt->bind(1, since);
  }
  return readRows(*stmt, read);
}

}  // namespace

Status StateStore::recordRunActions(int64_t run_id, const std::vector<RunActionRecord>& actions,
                                    const std::vector<DiscrepancyRecord>& discrepancies) {
  Result<Transaction> tx = db_->begin("recordRunActions");
  if (!tx.ok()) return tx.error();
  Status status = requireRun(run_id, "recordRunActions");
  if (!status.ok()) return status;
  Result<SqliteStatement> insert = db_->prepare(
      "INSERT INTO run_actions (run_id, seq, kind, external_id, user_name, user_id, outcome, "
      "message, why, changes_json, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.error();
  for (const RunActionRecord& a : actions) {
    if (!isOneOf(a.outcome, {"done", "failed", "stale", "skipped", "held", "blocked", "planned"})) {
      return Error(ErrorCode::kInvalidInput,
                   "recordRunActions: outcome \"" + a.outcome + "\" is not " +
                       joined({"done", "failed", "stale", "skipped", "held", "blocked", "planned"}));
    }
    insert->reset();
    status = bindAll(*insert, run_id, a.seq, a.kind, a.external_id, a.user_name, a.user_id,
                     a.outcome, a.message, a.why,
                     std::string_view(a.changes_json.empty() ? "[]" : a.changes_json), a.at)
                 .run();
    if (!status.ok()) return status;
  }
  Result<SqliteStatement> insert_discrepancy = db_->prepare(
      "INSERT INTO discrepancies (run_id, external_id, user_id, action, attribute, expected_json, "
      "actual_json, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert_discrepancy.ok()) return insert_discrepancy.error();
  for (const DiscrepancyRecord& d : discrepancies) {
    insert_discrepancy->reset();
    status = bindAll(*insert_discrepancy, run_id, d.external_id, d.user_id, d.action, d.attribute,
                     d.expected_json, d.actual_json, d.at)
                 .run();
    if (!status.ok()) return status;
  }
  return tx->commit();
}

Result<std::vector<RunActionRecord>> StateStore::runActions(int64_t run_id) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kActionColumns) + "WHERE run_id = ? ORDER BY seq, id");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, run_id);
  return readRows(*stmt, readAction);
}

Result<std::vector<RunActionRecord>> StateStore::actionsSince(const std::string& since) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kActionColumns) + "WHERE at >= ? ORDER BY at, id");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, since);
  return readRows(*stmt, readAction);
}

Result<std::vector<DiscrepancyRecord>> StateStore::discrepancies(int64_t run_id,
                                                                 const std::string& since) {
  auto lock = db_->lock();
  return selectByRunOrTime(*db_, kDiscrepancyColumns, run_id, since, readDiscrepancy);
}

Status StateStore::recordDrift(int64_t run_id, const std::vector<DriftRecord>& drift) {
  Result<Transaction> tx = db_->begin("recordDrift");
  if (!tx.ok()) return tx.error();
  Status status = requireRun(run_id, "recordDrift");
  if (!status.ok()) return status;
  Result<SqliteStatement> insert = db_->prepare(
      "INSERT INTO drift (run_id, since_run_id, external_id, user_id, attribute, before_json, "
      "after_json, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.error();
  for (const DriftRecord& d : drift) {
    insert->reset();
    status = bindAll(*insert, run_id, d.since_run_id, d.external_id, d.user_id, d.attribute,
                     d.before_json, d.after_json, d.at)
                 .run();
    if (!status.ok()) return status;
  }
  return tx->commit();
}

Result<std::vector<DriftRecord>> StateStore::drift(int64_t run_id, const std::string& since) {
  auto lock = db_->lock();
  return selectByRunOrTime(*db_, kDriftColumns, run_id, since, readDrift);
}

Result<bool> StateStore::openTerminationCase(const std::string& external_id,
                                             const std::string& cause, const std::string& origin,
                                             const std::string& known_at, int64_t run_id) {
  if (!isOneOf(cause, {"event", "manifest", "status", "removal"})) {
    return Error(ErrorCode::kInvalidInput,
                 "openTerminationCase: cause \"" + cause + "\" is not " +
                     joined({"event", "manifest", "status", "removal"}));
  }
  auto lock = db_->lock();
  Status status = runSql(*db_,
                         "INSERT INTO termination_cases (external_id, cause, origin, known_at, "
                         "known_run_id) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT(external_id) WHERE state = 'open' DO NOTHING",
                         external_id, cause, origin, known_at, run_id);
  if (!status.ok()) return status.error();
  return db_->changes() > 0;
}

Result<bool> StateStore::closeTerminationCase(const std::string& external_id,
                                              const std::string& state, const std::string& at,
                                              int64_t run_id, const std::string& note) {
  if (!isOneOf(state, {"suspended", "cancelled"})) {
    return Error(ErrorCode::kInvalidInput, "closeTerminationCase: state \"" + state +
                                               "\" is not " + joined({"suspended", "cancelled"}));
  }
  auto lock = db_->lock();
  Status status = runSql(*db_,
                         "UPDATE termination_cases SET state = ?, suspended_at = ?, "
                         "suspend_run_id = ?, note = ? WHERE external_id = ? AND state = 'open'",
                         state, at, run_id, note, external_id);
  if (!status.ok()) return status.error();
  return db_->changes() > 0;
}

Result<std::vector<TerminationCase>> StateStore::openTerminationCases() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare(std::string(kCaseColumns) + "WHERE state = 'open' ORDER BY external_id");
  if (!stmt.ok()) return stmt.error();
  return readRows(*stmt, readCase);
}

Result<std::vector<TerminationCase>> StateStore::terminationCases(const std::string& since) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt = db_->prepare(
      std::string(kCaseColumns) +
      "WHERE known_at >= ?1 OR COALESCE(suspended_at, '') >= ?1 ORDER BY known_at, id");
  if (!stmt.ok()) return stmt.error();
  stmt->bind(1, since);
  return readRows(*stmt, readCase);
}

}  // namespace scim_agent
