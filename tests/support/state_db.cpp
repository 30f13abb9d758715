#include "tests/support/state_db.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace scim_agent::testing {

std::unique_ptr<StateStore> openStore(const std::string& path) {
  Result<std::unique_ptr<StateStore>> store = StateStore::open(path);
  EXPECT_TRUE(store.ok()) << path << ": " << (store.ok() ? "" : store.error().message);
  return store.ok() ? std::move(*store) : nullptr;
}

std::unique_ptr<StateStore> tryOpenStore(const std::string& path) {
  Result<std::unique_ptr<StateStore>> store = StateStore::open(path);
  return store.ok() ? std::move(*store) : nullptr;
}

AuditVerifyReport verifyAuditOf(StateStore& store) {
  Result<AuditVerifyReport> report = store.verifyAudit();
  EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().message);
  return report.ok() ? *report : AuditVerifyReport{};
}

::testing::AssertionResult auditChainIntact(const std::string& path) {
  Result<std::unique_ptr<StateStore>> store = StateStore::open(path);
  if (!store.ok()) {
    return ::testing::AssertionFailure() << "open " << path << ": " << store.error().message;
  }
  Result<AuditVerifyReport> report = (*store)->verifyAudit();
  if (!report.ok()) {
    return ::testing::AssertionFailure() << "audit verify of " << path << ": "
                                         << report.error().message;
  }
  if (report->intact()) {
    return ::testing::AssertionSuccess() << "audit chain of " << path << " intact ("
                                         << report->rows << " rows)";
  }
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << "audit chain of " << path << " broken (" << report->rows << " rows checked):";
  for (const AuditVerifyReport::Problem& p : report->problems) {
    failure << "\n  row " << p.id << ": " << p.what;
  }
  return failure;
}

unsigned fileMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<unsigned>(st.st_mode & 0777);
}

int64_t fileSize(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

int64_t queryInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t value = 0;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "open " << path << ": " << sqlite3_errmsg(db);
  } else {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    } else {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) {
        value = sqlite3_column_int64(stmt, 0);
      } else if (rc != SQLITE_DONE) {
        ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
      }
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

void execSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    ADD_FAILURE() << "open " << path << ": " << sqlite3_errmsg(db);
  } else {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << (message ? message : "?");
    }
    sqlite3_free(message);
  }
  sqlite3_close(db);
}

}  // namespace scim_agent::testing
