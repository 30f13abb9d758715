#include "state/sqlite_db.h"

#include <sqlite3.h>

#include <climits>
#include <utility>

namespace scim_agent {

Error sqliteError(int rc, const std::string& sqlite_message, const std::string& path,
                  const std::string& what) {
  const std::string place = "state database " + path + ": " + what + ": " + sqlite_message;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error(ErrorCode::kBusy, place + " (another process is using the database)");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error(ErrorCode::kCorrupt, place + " (the file is damaged or not a state database)");
    case SQLITE_FULL:
      return Error(ErrorCode::kIo, "disk full: " + place);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
      return Error(ErrorCode::kIo, place);
    default:
      return Error(ErrorCode::kInternal, place);
  }
}

// ---- SqliteStatement ----

SqliteStatement::SqliteStatement(SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_rc_(other.bind_rc_) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_rc_ = other.bind_rc_;
  }
  return *this;
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  // bind_text64 copies (SQLITE_TRANSIENT), so the caller's string may die before step().
  const int rc = sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  return *this;
}

SqliteStatement& SqliteStatement::bindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_rc_ == 0) bind_rc_ = rc;
  return *this;
}

Result<bool> SqliteStatement::step() {
  auto what = [this] { return "running \"" + std::string(sqlite3_sql(stmt_)).substr(0, 60) + "\""; };
  if (bind_rc_ != 0) return db_->error(bind_rc_, "binding values for " + what());
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(rc, what());
}

Status SqliteStatement::run() {
  for (;;) {
    Result<bool> row = step();
    if (!row.ok()) return row.error();
    if (!*row) return Status::success();
  }
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_rc_ = 0;
}

std::string SqliteStatement::text(int column) const {
  const unsigned char* data = sqlite3_column_text(stmt_, column);
  if (data == nullptr) return {};
  const int size = sqlite3_column_bytes(stmt_, column);
  return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
}

int64_t SqliteStatement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

bool SqliteStatement::isNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// ---- Transaction ----

Transaction::Transaction(SqliteDb* db, std::unique_lock<std::recursive_mutex> lock, bool nested)
    : db_(db), lock_(std::move(lock)), nested_(nested), active_(true) {}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(other.db_),
      lock_(std::move(other.lock_)),
      nested_(other.nested_),
      active_(std::exchange(other.active_, false)) {}

Transaction::~Transaction() {
  if (!active_) return;
  // Errors are ignored: there is no one to return them to, and when SQLite has already rolled
  // back (after SQLITE_FULL, IOERR, ...) these statements fail harmlessly.
  if (nested_) {
    sqlite3_exec(db_->db_, "ROLLBACK TO nested; RELEASE nested", nullptr, nullptr, nullptr);
  } else {
    sqlite3_exec(db_->db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  --db_->depth_;
}

Status Transaction::commit() {
  if (!active_) return Error(ErrorCode::kInternal, "transaction committed twice or moved from");
  if (sqlite3_get_autocommit(db_->db_) != 0) {
    // SQLite rolled the whole transaction back after an earlier error (SQLITE_FULL, IOERR,
    // BUSY...). Committing now would commit nothing, or only what came after the error.
    return Error(ErrorCode::kIo, "state database " + db_->path_ +
                                     ": the transaction was rolled back after an earlier error; "
                                     "nothing was committed");
  }
  Status status = db_->exec(nested_ ? "RELEASE nested" : "COMMIT", "committing");
  if (!status.ok()) return status;
  active_ = false;
  --db_->depth_;
  lock_.unlock();
  return Status::success();
}

// ---- SqliteDb ----

SqliteDb::SqliteDb(sqlite3* db, std::string path, int busy_timeout_ms)
    : db_(db), path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path, int busy_timeout_ms) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 nullptr);
  // sqlite3_open_v2 hands back a handle even on failure; the wrapper closes it either way.
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path, busy_timeout_ms));
  if (rc != SQLITE_OK) {
    return sqliteError(rc, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc), path, "opening");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);

  // journal_mode is the first statement that reads the file, so a file that is not a database
  // fails here with SQLITE_NOTADB.
  {
    Result<SqliteStatement> wal = db->prepare("PRAGMA journal_mode=WAL");
    if (!wal.ok()) return wal.error();
    Result<bool> row = wal->step();
    if (!row.ok()) return row.error();
    const std::string mode = *row ? wal->text(0) : "";
    if (mode != "wal") {
      return Error(ErrorCode::kIo, "state database " + path +
                                       ": cannot switch to WAL mode (got \"" + mode + "\")");
    }
  }
  Status status = db->exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", "configuring");
  if (!status.ok()) return status.error();
  return db;
}

Result<SqliteStatement> SqliteDb::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return error(rc, "preparing \"" + std::string(sql.substr(0, 60)) + "\"");
  }
  return SqliteStatement(this, stmt);
}

Status SqliteDb::exec(const char* sql, const std::string& what) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, what);
  return Status::success();
}

Result<Transaction> SqliteDb::begin(const std::string& what) {
  std::unique_lock lock(mutex_);
  const bool nested = depth_ > 0;
  if (nested && sqlite3_get_autocommit(db_) != 0) {
    return Error(ErrorCode::kIo, "state database " + path_ + ": " + what +
                                     ": the enclosing transaction was rolled back after an "
                                     "earlier error");
  }
  Status status = exec(nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE", what + ": beginning");
  if (!status.ok()) return status.error();
  ++depth_;
  return Transaction(this, std::move(lock), nested);
}

int64_t SqliteDb::lastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }

int64_t SqliteDb::changes() const { return sqlite3_changes64(db_); }

Error SqliteDb::error(int rc, const std::string& what) const {
  Error e = sqliteError(rc, sqlite3_errmsg(db_), path_, what);
  if (e.code == ErrorCode::kBusy) {
    e.message += "; waited " + std::to_string(busy_timeout_ms_) + " ms";
  }
  return e;
}

}  // namespace scim_agent
