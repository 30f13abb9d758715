#pragma once

// Small helpers shared by the StateStore source files. Internal to state/.

#include <unistd.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/base/result.h"
#include "state/sqlite_db.h"

namespace scim_agent {

inline bool isOneOf(std::string_view value, std::initializer_list<std::string_view> allowed) {
  for (std::string_view a : allowed) {
    if (value == a) return true;
  }
  return false;
}

inline std::string joined(std::initializer_list<std::string_view> values) {
  std::string out;
  for (std::string_view v : values) {
    if (!out.empty()) out += " | ";
    out += v;
  }
  return out;
}

// Closes a file descriptor at scope exit unless released: every early return closes it.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// ---- Values in and out of statements ----

inline void bindValue(SqliteStatement& stmt, int index, std::string_view value) {
  stmt.bind(index, value);
}
inline void bindValue(SqliteStatement& stmt, int index, int64_t value) { stmt.bind(index, value); }
inline void bindValue(SqliteStatement& stmt, int index, const std::optional<int64_t>& value) {
  if (value) {
    stmt.bind(index, *value);
  } else {
    stmt.bindNull(index);
  }
}

// Binds `values` to parameters 1, 2, ... in order: text, integers, std::optional<int64_t> (NULL
// when empty).
template <typename... Values>
SqliteStatement& bindAll(SqliteStatement& stmt, const Values&... values) {
  int index = 1;
  (bindValue(stmt, index++, values), ...);
  return stmt;
}

inline void readColumn(const SqliteStatement& stmt, int column, std::string& out) {
  out = stmt.text(column);
}
inline void readColumn(const SqliteStatement& stmt, int column, int64_t& out) {
  out = stmt.int64(column);
}
inline void readColumn(const SqliteStatement& stmt, int column, int& out) {
  out = static_cast<int>(stmt.int64(column));
}
inline void readColumn(const SqliteStatement& stmt, int column, bool& out) {
  out = stmt.int64(column) != 0;
}
inline void readColumn(const SqliteStatement& stmt, int column, std::optional<int64_t>& out) {
  out = stmt.isNull(column) ? std::nullopt : std::optional<int64_t>(stmt.int64(column));
}

// Reads the current row's columns 0, 1, ... into `fields`, in order, so a SELECT's column list
// and the struct fields it fills are written once each. NULL reads as "" / 0 / nullopt.
template <typename... Fields>
void readColumns(const SqliteStatement& stmt, Fields&... fields) {
  int column = 0;
  (readColumn(stmt, column++, fields), ...);
}

// A reader of `Row`s: the current row's columns 0, 1, ... into `fields`, in order.
//   const auto readRun = rowReader(&RunRecord::id, &RunRecord::kind, ...);
template <typename Row, typename... Types>
auto rowReader(Types Row::*... fields) {
  return [fields...](const SqliteStatement& stmt) {
    Row row;
    readColumns(stmt, (row.*fields)...);
    return row;
  };
}

// Steps `stmt` to its end and returns one `read(stmt)` per row.
template <typename Read>
auto readRows(SqliteStatement& stmt, Read read)
    -> Result<std::vector<decltype(read(std::as_const(stmt)))>> {
  std::vector<decltype(read(std::as_const(stmt)))> rows;
  for (;;) {
    Result<bool> row = stmt.step();
    if (!row.ok()) return row.error();
    if (!*row) return rows;
    rows.push_back(read(std::as_const(stmt)));
  }
}

// ---- Statements run once ----

// Prepares `sql`, binds `values` (see bindAll) and runs it to the end: an INSERT, UPDATE or
// DELETE.
template <typename... Values>
Status runSql(SqliteDb& db, std::string_view sql, const Values&... values) {
  Result<SqliteStatement> stmt = db.prepare(sql);
  if (!stmt.ok()) return stmt.error();
  return bindAll(*stmt, values...).run();
}

// runSql for an INSERT: the new row's id.
template <typename... Values>
Result<int64_t> insertRow(SqliteDb& db, std::string_view sql, const Values&... values) {
  Status status = runSql(db, sql, values...);
  if (!status.ok()) return status.error();
  return db.lastInsertRowid();
}

// Commits `tx` once `id` (the row it wrote) is known: `id`, or the first error of the two.
inline Result<int64_t> commitReturning(Transaction& tx, Result<int64_t> id) {
  if (!id.ok()) return id;
  Status committed = tx.commit();
  if (!committed.ok()) return committed.error();
  return id;
}

// ---- Durable commits ----

// synchronous=FULL while it lives, so a commit made meanwhile syncs the WAL to disk: for the rows
// that must survive a power cut before the agent acts on them (a journal intent before its
// request, an HR event before its 202). The rest of the store runs with NORMAL (durable against a
// killed process), which is what everything else needs: a lost outcome leaves an intent that the
// next run resolves.
// REQUIRES: the caller holds the database lock for its whole life.
class FullSync {
 public:
  explicit FullSync(SqliteDb& db) : db_(db) {}
  ~FullSync() {
    if (!enabled_) return;
    Status restored = db_.exec("PRAGMA synchronous=NORMAL", "restoring synchronous");
    if (!restored.ok()) {
      // Not an error to report, and state/ does not log (STYLE §2): the connection stays at FULL,
      // so later commits are slower, never less durable, and the next FullSync restores again.
    }
  }
  FullSync(const FullSync&) = delete;
  FullSync& operator=(const FullSync&) = delete;

  Status enable(const std::string& what) {
    Status status = db_.exec("PRAGMA synchronous=FULL", what + ": synchronous");
    enabled_ = status.ok();
    return status;
  }

 private:
  SqliteDb& db_;
  bool enabled_ = false;
};

}  // namespace scim_agent
