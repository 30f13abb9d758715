#pragma once

// The SQLite edge of state/: one connection, RAII statements and transactions, and the one place
// where SQLite result codes become Errors. Internal to state/ (StateStore is the public face), but
// Transaction is handed out by StateStore::transaction().

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "agent/base/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace scim_agent {

// Converts a SQLite result code into an Error naming the database file, what was being done and
// SQLite's own message. The code decides the ErrorCode (extended codes are reduced to primary):
//   SQLITE_BUSY, SQLITE_LOCKED                       -> kBusy
//   SQLITE_CORRUPT, SQLITE_NOTADB                    -> kCorrupt
//   SQLITE_FULL                                      -> kIo, message starts "disk full: "
//   SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY,
//   SQLITE_PERM, SQLITE_PROTOCOL                     -> kIo
//   anything else (constraint, misuse, ...)          -> kInternal (a bug in the caller or in us)
Error sqliteError(int rc, const std::string& sqlite_message, const std::string& path,
                  const std::string& what);

class SqliteDb;

// One prepared statement; finalized on destruction. Move-only. Bind indexes are 1-based (as in
// SQLite), column indexes 0-based. A failed bind is remembered and reported by the next step().
// Text is bound as a copy (SQLITE_TRANSIENT), so temporaries are safe to bind.
class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bindNull(int index);

  // One step: true when a row is ready to read, false when the statement is done.
  Result<bool> step();
  // Steps to the end, ignoring rows: for INSERT/UPDATE/DELETE.
  Status run();
  // Makes the statement ready to run again with new bindings.
  void reset();

  // Column readers; valid only after step() returned true. NULL reads as "" / 0.
  std::string text(int column) const;
  int64_t int64(int column) const;
  bool isNull(int column) const;

 private:
  friend class SqliteDb;
  SqliteStatement(SqliteDb* db, sqlite3_stmt* stmt);

  SqliteDb* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_rc_ = 0;  // first failed bind since the last reset, 0 when none
};

// A write transaction (RAII): commit() makes it durable; leaving scope without a successful
// commit() rolls it back. The outermost one is BEGIN IMMEDIATE (takes SQLite's write lock up
// front, so it waits for other writers within the busy timeout instead of failing at the first
// write); one opened while another is open on the same connection is a SAVEPOINT, so store
// methods that make their own transactions compose inside a caller's.
// Holds the store's mutex for its whole life: other threads using the same store wait.
// REQUIRES: transactions end in the reverse order they began, on the thread that began them.
class [[nodiscard]] Transaction {
 public:
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // Commits (or releases the savepoint). On failure the transaction stays open and is rolled
  // back when it leaves scope. Calling it twice is a bug (kInternal).
  Status commit();

 private:
  friend class SqliteDb;
  Transaction(SqliteDb* db, std::unique_lock<std::recursive_mutex> lock, bool nested);

  SqliteDb* db_ = nullptr;
  std::unique_lock<std::recursive_mutex> lock_;
  bool nested_ = false;
  bool active_ = false;
};

// One SQLite connection to a state database file, configured for the agent: WAL,
// synchronous=NORMAL, foreign keys on, a busy timeout. Thread-safe through one recursive mutex
// that callers take with lock() around each operation (Transaction takes it too).
class SqliteDb {
 public:
  // Opens an existing or creates a new database file. The caller has already created the file
  // with the right mode (see StateStore::open). Fails with kCorrupt when the file is not a SQLite
  // database, kIo when it cannot be opened, kBusy when locked past the timeout.
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path, int busy_timeout_ms);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  const std::string& path() const { return path_; }
  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock(mutex_); }

  // Compiles one statement. SQL text is fixed; values go in through bind().
  Result<SqliteStatement> prepare(std::string_view sql);
  // Runs fixed SQL (no values; may hold several statements).
  Status exec(const char* sql, const std::string& what);
  // Starts a transaction (see Transaction). Fails when SQLite already rolled back the enclosing
  // one after an error, so a caller that ignored that error cannot commit half its work.
  Result<Transaction> begin(const std::string& what);
  bool inTransaction() const { return depth_ > 0; }

  int64_t lastInsertRowid() const;
  int64_t changes() const;
  // An Error for `rc` with this connection's last SQLite message.
  Error error(int rc, const std::string& what) const;

 private:
  friend class Transaction;
  friend class SqliteStatement;
  SqliteDb(sqlite3* db, std::string path, int busy_timeout_ms);

  sqlite3* db_ = nullptr;
  std::string path_;
  int busy_timeout_ms_ = 0;
  std::recursive_mutex mutex_;
  int depth_ = 0;  // open transactions (outer + savepoints)
};

}  // namespace scim_agent
