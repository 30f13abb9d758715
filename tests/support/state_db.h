#pragma once

// The state database in tests: opening a StateStore, checking its audit chain, and read-only
// peeks with a separate SQLite connection (what an operator with the sqlite3 shell would see).

#include <cstdint>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "state/state_store.h"

namespace scim_agent::testing {

// StateStore::open(path); on failure adds a test failure with the error and returns nullptr.
std::unique_ptr<StateStore> openStore(const std::string& path);
// StateStore::open(path), nullptr on failure without failing the test: for polling loops that
// may race a starting or exiting agent.
std::unique_ptr<StateStore> tryOpenStore(const std::string& path);

// Opens the database at `path` (StateStore::open takes no writer lock and writes nothing to an
// existing, migrated file) and runs StateStore::verifyAudit(). Succeeds when the chain is intact;
// fails naming the file, the rows checked and every broken link. Use after killing an agent:
// EXPECT_TRUE(auditChainIntact(dir.file("state.db"))).
::testing::AssertionResult auditChainIntact(const std::string& path);

// store.verifyAudit()'s report; a failed verification adds a test failure and gives an empty
// report.
AuditVerifyReport verifyAuditOf(StateStore& store);

// The permission bits of `path` (0 when it cannot be stat'ed).
unsigned fileMode(const std::string& path);
// The size of `path` in bytes, -1 when it cannot be read.
int64_t fileSize(const std::string& path);

// Runs `sql` on its own connection to `path`; returns the first column of the first row as an
// integer (0 when there is no row). Fails the test on a SQLite error.
int64_t queryInt(const std::string& path, const std::string& sql);
// Runs statements that return no rows (the tests' "someone edited the file" step); creates the
// file if missing. Fails the test on a SQLite error.
void execSql(const std::string& path, const std::string& sql);

}  // namespace scim_agent::testing
