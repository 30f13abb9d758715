// StateStore: which org the database belongs to (the meta table, schema 3), and moving a
// database aside for --init-state.

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "state/state_store.h"
#include "state/store_internal.h"
#include "state/writer_lock.h"

namespace scim_agent {
namespace {

constexpr const char* kApiBase = "identity.apiBase";
constexpr const char* kLoginBase = "identity.loginBase";
constexpr const char* kRegion = "identity.region";
constexpr const char* kClientId = "identity.clientId";

// "https://api.mypurecloud.ie (region eu-west-1)" or "http://127.0.0.1:18089".
std::string describeOrg(const StoreIdentity& id) {
  std::string out = id.api_base;
  if (!id.region.empty()) out += " (region " + id.region + ")";
  return out;
}

// Creates the directory that will hold the state database at `path` when it is missing, each
// missing level with mode 0700 (it will hold the org's history and the journal). A directory that
// exists is left as it is.
Status ensureParentDirectory(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return Status::success();  // "." or "/"
  const std::string dir = path.substr(0, slash);
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return Status::success();  // prepareFile checks the kind
  if (errno != ENOENT) return Status::success();  // prepareFile reports it with the reason
  Status parent = ensureParentDirectory(dir);
  if (!parent.ok()) return parent;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Error(ErrorCode::kIo, "cannot create state directory " + dir + " (for state database " +
                                     path + "): " + std::strerror(errno));
  }
  return Status::success();
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

Result<std::optional<StoreIdentity>> StateStore::identity() {
  auto lock = db_->lock();
  Result<SqliteStatement> stmt =
      db_->prepare("SELECT key, value FROM meta WHERE key LIKE 'identity.%'");
  if (!stmt.ok()) return stmt.error();
  StoreIdentity id;
  bool any = false;
  for (;;) {
    Result<bool> row = stmt->step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    any = true;
    const std::string key = stmt->text(0);
    const std::string value = stmt->text(1);
    if (key == kApiBase) id.api_base = value;
    if (key == kLoginBase) id.login_base = value;
    if (key == kRegion) id.region = value;
    if (key == kClientId) id.client_id = value;
  }
  if (!any) return std::optional<StoreIdentity>();
  return std::optional<StoreIdentity>(std::move(id));
}

Result<StoreIdentityCheck> StateStore::checkIdentity(const StoreIdentity& expected) {
  Result<Transaction> tx = db_->begin("checking the state database's org");
  if (!tx.ok()) return tx.error();
  Result<std::optional<StoreIdentity>> recorded = identity();
  if (!recorded.ok()) return recorded.error();

  auto put = [&](const char* key, const std::string& value) -> Status {
    Result<SqliteStatement> stmt =
        db_->prepare("INSERT INTO meta (key, value) VALUES (?, ?) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!stmt.ok()) return stmt.error();
    return stmt->bind(1, key).bind(2, value).run();
  };

  StoreIdentityCheck check;
  if (!*recorded) {
    // A new database, or one made before the identity was recorded: it becomes this org's.
    check.verdict = StoreIdentityCheck::Verdict::kRecorded;
    for (const auto& [key, value] : {std::pair{kApiBase, &expected.api_base},
                                     std::pair{kLoginBase, &expected.login_base},
                                     std::pair{kRegion, &expected.region},
                                     std::pair{kClientId, &expected.client_id}}) {
      Status put_status = put(key, *value);
      if (!put_status.ok()) return put_status.error();
    }
  } else {
    check.recorded = **recorded;
    const StoreIdentity& was = check.recorded;
    if (was.api_base != expected.api_base || was.login_base != expected.login_base) {
      check.verdict = StoreIdentityCheck::Verdict::kOtherOrg;
      check.message = "state database " + path() + " was made for " + describeOrg(was) +
                      ", not " + describeOrg(expected);
      return check;  // the transaction rolls back: nothing changed
    }
    if (was.client_id != expected.client_id) {
      check.verdict = StoreIdentityCheck::Verdict::kClientChanged;
      check.message = "state database " + path() + " was last used with OAuth client " +
                      was.client_id + ", now " + expected.client_id +
                      " (a rotated client?); the new one is recorded";
      Status put_status = put(kClientId, expected.client_id);
      if (!put_status.ok()) return put_status.error();
    } else {
      check.verdict = StoreIdentityCheck::Verdict::kSame;
    }
    if (was.region != expected.region) {
      // Same endpoints, written differently (a region id or its host): keep the latest.
      Status put_status = put(kRegion, expected.region);
      if (!put_status.ok()) return put_status.error();
    }
  }
  Status committed = tx->commit();
  if (!committed.ok()) return committed.error();
  return check;
}

bool StateStore::isEmptyFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
}

Result<std::string> StateStore::moveAside(const std::string& path, const std::string& stamp) {
  if (!exists(path)) {
    return Error(ErrorCode::kNotFound, "state database " + path + " does not exist");
  }
  // No other process may be using it while it moves (serve, a run): they hold the writer lock.
  Result<std::unique_ptr<WriterLock>> lock =
      WriterLock::acquire(path + ".lock", std::chrono::milliseconds(0));
  if (!lock.ok()) return lock.error();
  std::string base = path + "." + stamp;
  for (int n = 1; exists(base + ".bak") || exists(base + ".bak-wal"); ++n) {
    base = path + "." + stamp + "." + std::to_string(n);
  }
  const std::string target = base + ".bak";
  // The -wal holds committed pages not yet in the main file: it moves with it, and first, so a
  // crash in between never pairs a WAL with the wrong database.
  for (const char* suffix : {"-wal", "-shm", ""}) {
    const std::string from = path + suffix;
    if (!exists(from)) continue;
    if (std::rename(from.c_str(), (target + suffix).c_str()) != 0) {
      return Error(ErrorCode::kIo, "cannot move " + from + " to " + target + suffix + ": " +
                                       std::strerror(errno));
    }
  }
  return target;
}

Result<std::unique_ptr<StateStore>> StateStore::openFor(const std::string& path,
                                                       const StoreIdentity& identity, bool init,
                                                       const std::string& stamp,
                                                       std::vector<std::string>& warnings) {
  auto moveAsideSaying = [&](const std::string& why) -> Status {
    auto moved = moveAside(path, stamp);
    if (!moved.ok()) return moved.error();
    warnings.push_back("--init-state: state database " + path + " " + why + "; moved to " +
                       *moved + " and started a new one");
    return Status::success();
  };
  if (init && isEmptyFile(path)) {
    Status moved = moveAsideSaying("was empty (0 bytes)");
    if (!moved.ok()) return moved.error();
  }
  // The commands that write make the state directory (a first run by hand need not); the
  // read-only ones open with open(), which never creates it.
  Status dir = ensureParentDirectory(path);
  if (!dir.ok()) return dir.error();
  auto store = open(path);
  if (!store.ok()) return store.error();
  auto check = (*store)->checkIdentity(identity);
  if (!check.ok()) return check.error();
  switch (check->verdict) {
    case StoreIdentityCheck::Verdict::kRecorded:
    case StoreIdentityCheck::Verdict::kSame:
      if (init) {
        warnings.push_back("--init-state: state database " + path +
                           " belongs to this org; kept as it is");
      }
      break;
    case StoreIdentityCheck::Verdict::kClientChanged:
      warnings.push_back(check->message);
      break;
    case StoreIdentityCheck::Verdict::kOtherOrg: {
      if (!init) {
        return Error(ErrorCode::kInvalidInput,
                     check->message +
                         ": it holds another org's history. Point state: at this org's database, "
                         "or run again with --init-state to move it aside and start a new one");
      }
      store->reset();  // closed before it moves
      Status moved = moveAsideSaying("was made for another org");
      if (!moved.ok()) return moved.error();
      store = open(path);
      if (!store.ok()) return store.error();
      auto recorded = (*store)->checkIdentity(identity);
      if (!recorded.ok()) return recorded.error();
      break;
    }
  }
  return store;
}

}  // namespace scim_agent
