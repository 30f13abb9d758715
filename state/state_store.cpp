#include "state/state_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "state/migrations.h"
#include "state/store_internal.h"
#include "state/writer_lock.h"

namespace scim_agent {
namespace {

const std::initializer_list<std::string_view> kRunKinds = {"plan", "apply", "run",
                                                               "validate"};
const std::initializer_list<std::string_view> kEndOutcomes = {
    "ok", "changes", "failed", "blocked", "interrupted", "dry-run", "cancelled"};

std::string octalMode(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

// Creates the file with mode 0600 if missing (umask can only narrow it), tightens an existing
// file to 0600, and refuses a file that is not a SQLite database before SQLite writes to it.
Status prepareFile(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  struct stat dir_stat {};
  if (::stat(parent.c_str(), &dir_stat) != 0) {
    if (errno == ENOENT) {
      return Error(ErrorCode::kIo, "state directory " + parent.string() +
                                       " does not exist (for state database " + path + ")");
    }
    return Error(ErrorCode::kIo, "state directory " + parent.string() + ": " +
                                     std::strerror(errno));
  }
  if (!S_ISDIR(dir_stat.st_mode)) {
    return Error(ErrorCode::kIo, "state directory " + parent.string() + " is not a directory");
  }

  // An existing file is opened without O_CREAT, so that "empty" below means a file that was
  // there empty, not one this call just made.
  bool created = false;
  int raw_fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (raw_fd < 0 && errno == ENOENT) {
    raw_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    created = raw_fd >= 0;
    if (raw_fd < 0 && errno == EEXIST) raw_fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  }
  FdGuard fd(raw_fd);
  if (fd.get() < 0) {
    return Error(ErrorCode::kIo, "cannot open state database " + path + ": " +
                                     std::strerror(errno));
  }
  struct stat file_stat {};
  if (::fstat(fd.get(), &file_stat) != 0) {
    return Error(ErrorCode::kIo, "state database " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(file_stat.st_mode)) {
    return Error(ErrorCode::kIo, "state database " + path + " is not a regular file");
  }
  if (file_stat.st_size == 0 && !created) {
    return Error(ErrorCode::kCorrupt,
                 "state database " + path +
                     " is empty (0 bytes): a state database is never empty once made, so its "
                     "history (runs, journal, audit chain, terminations) is gone. Restore it from "
                     "a backup, or run the command again with --init-state to move the empty file "
                     "aside and start a new database");
  }
  if (file_stat.st_size > 0) {
    // Every SQLite database starts with this header (an empty file is a new database).
    static constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its NUL
    char header[sizeof kMagic] = {};
    const ssize_t n = ::pread(fd.get(), header, sizeof header, 0);
    if (n != static_cast<ssize_t>(sizeof header) ||
        std::memcmp(header, kMagic, sizeof kMagic) != 0) {
      return Error(ErrorCode::kCorrupt,
                   "state database " + path + " is not a SQLite database (wrong file header)");
    }
  }
  if ((file_stat.st_mode & 077) != 0 && ::fchmod(fd.get(), 0600) != 0) {
    return Error(ErrorCode::kIo, "state database " + path + " has mode " +
                                     octalMode(file_stat.st_mode) +
                                     " and cannot be made 0600: " + std::strerror(errno));
  }
  return Status::success();
}

constexpr const char* kRunColumns =
    "SELECT id, kind, started_at, ended_at, outcome, summary_json, desired_digest FROM runs ";

const auto readRun =
    rowReader(&RunRecord::id, &RunRecord::kind, &RunRecord::started_at, &RunRecord::ended_at,
              &RunRecord::outcome, &RunRecord::summary_json, &RunRecord::desired_digest);

}  // namespace

StateStore::StateStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

StateStore::~StateStore() = default;

Result<std::unique_ptr<StateStore>> StateStore::open(const std::string& path,
                                                     int busy_timeout_ms) {
  if (path.empty()) return Error(ErrorCode::kInvalidInput, "state database path is empty");
  Status prepared = prepareFile(path);
  if (!prepared.ok()) return prepared.error();
  Result<std::unique_ptr<SqliteDb>> db = SqliteDb::open(path, busy_timeout_ms);
  if (!db.ok()) return db.error();
  Status migrated = applyMigrations(**db);
  if (!migrated.ok()) return migrated.error();
  return std::unique_ptr<StateStore>(new StateStore(std::move(*db)));
}

const std::string& StateStore::path() const { return db_->path(); }

int StateStore::schemaVersion() { return latestSchemaVersion(); }

// ---- writer lock ----

Status StateStore::acquireWriterLock(std::chrono::milliseconds timeout) {
  std::lock_guard lock(writer_lock_mutex_);
  if (writer_lock_) return Status::success();
  Result<std::unique_ptr<WriterLock>> acquired = WriterLock::acquire(path() + ".lock", timeout);
  if (!acquired.ok()) return acquired.error();
  writer_lock_ = std::move(*acquired);
  return Status::success();
}

void StateStore::releaseWriterLock() {
  std::lock_guard lock(writer_lock_mutex_);
  writer_lock_.reset();
}

bool StateStore::holdsWriterLock() const {
  std::lock_guard lock(writer_lock_mutex_);
  return writer_lock_ != nullptr;
}

// ---- transactions ----

Result<Transaction> StateStore::transaction() { return db_->begin("transaction"); }

Status StateStore::checkpoint() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt = db_->prepare("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = stmt->step();
  if (!row.ok()) return row.error();
  if (*row && stmt->int64(0) != 0) {
    return Error(ErrorCode::kBusy, "state database " + path() +
                                       ": checkpoint could not complete: another process is "
                                       "reading or writing");
  }
  return Status::success();
}

Status StateStore::requireRun(int64_t run_id, const std::string& what) {
  Result<SqliteStatement> stmt = db_->prepare("SELECT 1 FROM runs WHERE id = ?");
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = stmt->bind(1, run_id).step();
  if (!row.ok()) return row.error();
  if (!*row) {
    return Error(ErrorCode::kNotFound, "state database " + path() + ": " + what + ": run " +
                                           std::to_string(run_id) + " not found");
  }
  return Status::success();
}

// ---- runs ----

Result<int64_t> StateStore::beginRun(const std::string& kind, const std::string& started_at,
                                     const std::string& desired_digest) {
  if (!isOneOf(kind, kRunKinds)) {
    return Error(ErrorCode::kInvalidInput,
                 "beginRun: run kind \"" + kind + "\" is not one of " + joined(kRunKinds));
  }
  Result<Transaction> tx = db_->begin("beginRun");
  if (!tx.ok()) return tx.error();
  return commitReturning(
      *tx, insertRow(*db_,
                     "INSERT INTO runs (kind, started_at, outcome, desired_digest) "
                     "VALUES (?, ?, 'running', ?)",
                     kind, started_at, desired_digest));
}

Status StateStore::finishRun(int64_t run_id, const std::string& outcome,
                             const std::string& summary_json, const std::string& ended_at) {
  if (!isOneOf(outcome, kEndOutcomes)) {
    return Error(ErrorCode::kInvalidInput, "finishRun: outcome \"" + outcome +
                                               "\" is not one of " + joined(kEndOutcomes));
  }
  Result<Transaction> tx = db_->begin("finishRun");
  if (!tx.ok()) return tx.error();
  Result<RunRecord> run = getRun(run_id);
  if (!run.ok()) return run.error();
  if (run->outcome != "running") {
    return Error(ErrorCode::kInternal, "state database " + path() + ": finishRun: run " +
                                           std::to_string(run_id) + " already ended (" +
                                           run->outcome + ")");
  }
  // The chain's head as this run leaves it (read in this write transaction, so no row slips in
  // between): `audit verify` checks that the chain still reaches it (a deleted tail).
  int64_t head_id = 0;
  std::string head_hash;
  {
    Result<SqliteStatement> last =
        db_->prepare("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1");
    if (!last.ok()) return last.error();
    Result<bool> found = last->step();
    if (!found.ok()) return found.error();
    if (*found) readColumns(*last, head_id, head_hash);
  }
  Status status = runSql(*db_,
                         "UPDATE runs SET outcome = ?, summary_json = ?, ended_at = ?, "
                         "audit_head_id = ?, audit_head_hash = ? WHERE id = ?",
                         outcome, summary_json, ended_at, head_id, head_hash, run_id);
  if (!status.ok()) return status;
  return tx->commit();
}

Result<std::vector<RunRecord>> StateStore::listRuns(int limit) {
  Result<std::vector<RunRecord>> runs = [&]() -> Result<std::vector<RunRecord>> {
    auto lock = db_->lock();
    Result<SqliteStatement> stmt =
        db_->prepare(std::string(kRunColumns) + "ORDER BY id DESC LIMIT ?");
    if (!stmt.ok()) return stmt.error();
    stmt->bind(1, static_cast<int64_t>(limit > 0 ? limit : -1));
    return readRows(*stmt, readRun);
  }();
  if (runs.ok()) markDeadRuns(*runs);
  return runs;
}

Result<std::vector<RunRecord>> StateStore::runsSince(const std::string& since) {
  Result<std::vector<RunRecord>> runs = [&]() -> Result<std::vector<RunRecord>> {
    auto lock = db_->lock();
    Result<SqliteStatement> stmt =
        db_->prepare(std::string(kRunColumns) + "WHERE started_at >= ? ORDER BY id");
    if (!stmt.ok()) return stmt.error();
    stmt->bind(1, since);
    return readRows(*stmt, readRun);
  }();
  if (runs.ok()) markDeadRuns(*runs);
  return runs;
}

Result<RunRecord> StateStore::getRun(int64_t run_id) {
  Result<RunRecord> run = [&]() -> Result<RunRecord> {
    auto lock = db_->lock();
    Result<SqliteStatement> stmt = db_->prepare(std::string(kRunColumns) + "WHERE id = ?");
    if (!stmt.ok()) return stmt.error();
    Result<bool> row = stmt->bind(1, run_id).step();
    if (!row.ok()) return row.error();
    if (!*row) {
      return Error(ErrorCode::kNotFound, "state database " + path() + ": run " +
                                             std::to_string(run_id) + " not found");
    }
    return readRun(*stmt);
  }();
  if (run.ok() && dead_runs_interrupted_) {
    std::vector<RunRecord> one{std::move(run.value())};
    markDeadRuns(one);
    return std::move(one.front());
  }
  return run;
}

void StateStore::markDeadRuns(std::vector<RunRecord>& runs) {
  if (!dead_runs_interrupted_ || holdsWriterLock()) return;
  const bool any = std::any_of(runs.begin(), runs.end(),
                               [](const RunRecord& r) { return r.outcome == "running"; });
  if (!any) return;
  int64_t live = 0;  // the run the lock's holder may be running: the newest running one
  switch (WriterLock::probe(path() + ".lock")) {
    case WriterLock::Probe::kUnknown: return;  // cannot tell: show what is recorded
    case WriterLock::Probe::kFree: break;
    case WriterLock::Probe::kHeld: {
      auto lock = db_->lock();
      Result<SqliteStatement> stmt =
          db_->prepare("SELECT MAX(id) FROM runs WHERE outcome = 'running'");
      if (!stmt.ok()) return;
      Result<bool> row = stmt->step();
      if (!row.ok() || !*row) return;
      live = stmt->int64(0);
      break;
    }
  }
  for (RunRecord& r : runs) {
    if (r.outcome != "running" || r.id == live) continue;
    // As Reconciler::beginRun records it once the next run starts.
    r.outcome = "interrupted";
    if (r.summary_json.empty() || r.summary_json == "{}") {
      r.summary_json = "{\"note\":\"the process ended without finishing the run\"}";
    }
  }
}

// ---- plans ----

Result<int64_t> StateStore::savePlan(int64_t run_id, const std::string& desired_digest,
                                     const std::string& plan_json,
                                     const std::string& created_at) {
  Result<Transaction> tx = db_->begin("savePlan");
  if (!tx.ok()) return tx.error();
  Status status = requireRun(run_id, "savePlan");
  if (!status.ok()) return status.error();
  return commitReturning(
      *tx, insertRow(*db_,
                     "INSERT INTO plans (run_id, desired_digest, plan_json, created_at) "
                     "VALUES (?, ?, ?, ?)",
                     run_id, desired_digest, plan_json, created_at));
}

Result<std::string> StateStore::loadPlan(int64_t plan_id) {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt = db_->prepare("SELECT plan_json FROM plans WHERE id = ?");
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = stmt->bind(1, plan_id).step();
  if (!row.ok()) return row.error();
  if (!*row) {
    return Error(ErrorCode::kNotFound, "state database " + path() + ": plan " +
                                           std::to_string(plan_id) + " not found");
  }
  return stmt->text(0);
}

}  // namespace scim_agent
