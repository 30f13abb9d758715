#pragma once

#include <vector>

#include "agent/base/result.h"

namespace scim_agent {

class SqliteDb;

// One schema step. Steps are applied in order of `version` (1, 2, 3, ...), each in its own
// transaction together with its schema_version row, so a crash leaves the schema at a whole
// version. A released migration is never edited: a change to the schema is a new migration.
struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Every migration this binary knows, in order.
const std::vector<Migration>& migrations();

// The schema version this binary writes: the last migration's.
int latestSchemaVersion();

// Brings the database up to latestSchemaVersion(). Safe to call on every open and from several
// processes at once (each step re-reads the version inside its write transaction). Fails with
// kCorrupt when the database records a newer version than this binary knows, or holds tables but
// no schema_version (it is some other program's database).
Status applyMigrations(SqliteDb& db);

}  // namespace scim_agent
