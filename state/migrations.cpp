#include "state/migrations.h"

#include <optional>
#include <string>

#include "state/sqlite_db.h"

namespace scim_agent {
namespace {

// Version 1: the whole store. Tables for features that later issues implement (events, outbox,
// suspensions, archived_conversations) are created now, empty, so those issues add columns with
// ALTER TABLE rather than invent their own bootstrap.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE runs (
  id             INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL,               -- plan | apply | run | validate
  started_at     TEXT NOT NULL,               -- ISO-8601 UTC, from the caller's clock
  ended_at       TEXT,                        -- NULL while running
  outcome        TEXT NOT NULL,               -- running | ok | changes | failed | blocked | interrupted
  summary_json   TEXT NOT NULL DEFAULT '{}',  -- counts and anything else the run reports
  desired_digest TEXT NOT NULL DEFAULT ''
);

-- Snapshots are content-addressed (SPEC §10, §14); every row below snapshots is keyed by the
-- sha256 of its body and stored once, however many snapshots share it:
--   documents       one distinct user document (canonical JSON);
--   snapshot_chunks the sorted member list as a Merkle tree: leaves of ~16 members, lines
--                   "<doc hash> <escaped key>\n", and interior nodes of ~16 child hashes;
--   manifests       the top of one member list's tree (at most 64 hashes) and its height;
--   snapshots       one row per snapshot taken, pointing at a manifest.
-- An unchanged run therefore adds one snapshots row and nothing per user; one changed user adds
-- one document, one leaf, one node per level and one manifest (see snapshot_store.cpp).
CREATE TABLE documents (
  hash TEXT PRIMARY KEY,
  body TEXT NOT NULL
);
CREATE TABLE snapshot_chunks (
  hash TEXT PRIMARY KEY,
  body TEXT NOT NULL
);
CREATE TABLE manifests (
  hash       TEXT PRIMARY KEY,
  body       TEXT NOT NULL,
  item_count INTEGER NOT NULL,
  height     INTEGER NOT NULL  -- interior levels between this list and the leaves
);
CREATE TABLE snapshots (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs(id),
  kind          TEXT NOT NULL CHECK (kind IN ('live', 'desired')),
  taken_at      TEXT NOT NULL,
  manifest_hash TEXT NOT NULL REFERENCES manifests(hash),
  item_count    INTEGER NOT NULL
);
CREATE INDEX snapshots_by_kind ON snapshots(kind, id);

CREATE TABLE plans (
  id             INTEGER PRIMARY KEY,
  run_id         INTEGER NOT NULL REFERENCES runs(id),
  desired_digest TEXT NOT NULL,
  plan_json      TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX plans_by_run ON plans(run_id);

-- Operation journal: a row is written (state 'intent') before each remote write and updated after
-- it; rows still 'intent' are what a killed run left open.
CREATE TABLE journal (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id),
  action_key   TEXT NOT NULL,
  method       TEXT NOT NULL,
  path         TEXT NOT NULL,
  request_json TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('intent', 'done', 'failed', 'abandoned')),
  http_status  INTEGER NOT NULL DEFAULT 0,
  outcome_json TEXT NOT NULL DEFAULT '',
  note         TEXT NOT NULL DEFAULT '',
  created_at   TEXT NOT NULL,
  finished_at  TEXT
);
CREATE INDEX journal_by_run ON journal(run_id, id);
CREATE INDEX journal_open ON journal(id) WHERE state = 'intent';

-- Append-only audit chain: hash = sha256(prev_hash + encoded row), see StateStore::appendAudit.
-- run_id has no foreign key on purpose: the audit log must outlive anything it mentions.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  run_id      INTEGER,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  subject     TEXT NOT NULL,
  detail_json TEXT NOT NULL,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL UNIQUE
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- HR events taken by `serve`, journaled before the 202 (SPEC §12). event_key refuses replays.
CREATE TABLE events (
  id           INTEGER PRIMARY KEY,
  event_key    TEXT NOT NULL UNIQUE,
  received_at  TEXT NOT NULL,
  type         TEXT NOT NULL,
  external_id  TEXT NOT NULL,
  occurred_at  TEXT NOT NULL,
  body_json    TEXT NOT NULL,
  state        TEXT NOT NULL DEFAULT 'received',
  processed_at TEXT,
  run_id       INTEGER,
  note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_open ON events(id) WHERE state = 'received';

-- Notifications, delivered at least once and retried across runs.
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  dedupe_key      TEXT NOT NULL UNIQUE,
  created_at      TEXT NOT NULL,
  channel         TEXT NOT NULL,
  payload_json    TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  delivered_at    TEXT,
  last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE delivered_at IS NULL;

-- When each user was suspended, for policy deleteAfter.
CREATE TABLE suspensions (
  external_id  TEXT PRIMARY KEY,
  suspended_at TEXT NOT NULL,
  run_id       INTEGER,
  reason       TEXT NOT NULL DEFAULT ''
);

-- Conversation history kept for a user before deletion.
CREATE TABLE archived_conversations (
  id          INTEGER PRIMARY KEY,
  user_key    TEXT NOT NULL,
  archived_at TEXT NOT NULL,
  run_id      INTEGER,
  body_json   TEXT NOT NULL
);
CREATE INDEX archived_conversations_by_user ON archived_conversations(user_key, id);
)sql";

// Version 2 (issue 4, the user lifecycle): delete clean-up progress, one archived copy of each
// conversation per user, and destructive actions held for `approve`.
constexpr const char* kSchemaV2 = R"sql(
-- The finished steps of each user's delete clean-up: a resumed delete skips them.
CREATE TABLE cleanup_steps (
  user_id     TEXT NOT NULL,
  step        TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  run_id      INTEGER,
  finished_at TEXT NOT NULL,
  detail_json TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (user_id, step)
);

-- Suspensions remember the user id and whether its tokens were revoked (retried until they are).
ALTER TABLE suspensions ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE suspensions ADD COLUMN tokens_revoked INTEGER NOT NULL DEFAULT 1;

ALTER TABLE archived_conversations ADD COLUMN conversation_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX archived_conversations_once
  ON archived_conversations(user_key, conversation_id);

-- Suspends and deletes held by `apply --hold-destructive` until `scim-agent approve`: one row per
-- held user, action_json being a plan document of that user's action and its group removals. At
-- most one row per externalId is pending; holding it again discards the older one.
CREATE TABLE held_actions (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL,               -- the run that held it
  external_id TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('suspend', 'delete')),
  action_json TEXT NOT NULL,
  held_at     TEXT NOT NULL,
  state       TEXT NOT NULL DEFAULT 'pending'
              CHECK (state IN ('pending', 'applied', 'failed', 'stale', 'discarded')),
  resolved_at TEXT,
  resolved_by INTEGER,                        -- the run that resolved it
  note        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX held_actions_pending ON held_actions(external_id) WHERE state = 'pending';

-- Issue 5 (serve): terminations taken from HR events. Each holds over the desired state (SPEC
-- §12): every plan treats the user as terminated until the desired state itself marks the user
-- inactive (the row is then dropped) or an operator deletes the row (no command for it yet).
CREATE TABLE terminations (
  external_id TEXT PRIMARY KEY,
  event_id    INTEGER,                        -- the events row it came from
  occurred_at TEXT NOT NULL DEFAULT '',       -- as the HR system said
  recorded_at TEXT NOT NULL
);
CREATE INDEX events_by_user ON events(external_id, id);
)sql";

// Version 3 (issue 10): facts about the store itself, as key/value rows. The identity keys
// (identity.apiBase, identity.loginBase, identity.region, identity.clientId) record the org the
// database was made for, so a state DB of another org is refused (state/state_store.h,
// checkIdentity). Other issues may keep their own keys here (e.g. a plan-signing key).
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

Result<int> currentVersion(SqliteDb& db) {
  Result<SqliteStatement> stmt = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = stmt->step();
  if (!row.ok()) return row.error();
  return static_cast<int>(stmt->int64(0));
}

// True when the database has tables of its own but no schema_version.
Result<bool> isForeignDatabase(SqliteDb& db) {
  Result<SqliteStatement> stmt = db.prepare(
      "SELECT (SELECT COUNT(*) FROM sqlite_schema WHERE name = 'schema_version'),"
      "       (SELECT COUNT(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%')");
  if (!stmt.ok()) return stmt.error();
  Result<bool> row = stmt->step();
  if (!row.ok()) return row.error();
  return stmt->int64(0) == 0 && stmt->int64(1) > 0;
}

// The recorded version when schema_version exists, nullopt when it does not. A plain read: the
// common case (already current) takes no write lock, so opening for a report never waits for a
// writer.
Result<std::optional<int>> recordedVersion(SqliteDb& db) {
  Result<SqliteStatement> exists =
      db.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'schema_version'");
  if (!exists.ok()) return exists.error();
  Result<bool> row = exists->step();
  if (!row.ok()) return row.error();
  if (exists->int64(0) == 0) return std::optional<int>();
  Result<int> version = currentVersion(db);
  if (!version.ok()) return version.error();
  return std::optional<int>(*version);
}

}  // namespace

// Version 4 (issue 10): secrets the agent makes for itself. "plan-signing": the key saved plans
// are signed with when agent.yaml names no planSigningKeyFile (random, made on first use).
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE agent_keys (
  name       TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  created_at TEXT NOT NULL
);
)sql";

// Version 5 (issue 11): HR sources. A termination may come from a leavers manifest (origin
// "hr-leavers.json:3") and take effect later (effective_at; '' = at once). source_reads keeps
// each source's last good read: the baseline of policy.maxSourceShrink per source.
constexpr const char* kSchemaV5 = R"sql(
ALTER TABLE terminations ADD COLUMN effective_at TEXT NOT NULL DEFAULT '';
ALTER TABLE terminations ADD COLUMN origin TEXT NOT NULL DEFAULT '';
CREATE TABLE source_reads (
  source    TEXT PRIMARY KEY,                 -- the location as written in the config
  role      TEXT NOT NULL,                    -- users | terminations
  digest    TEXT NOT NULL,                    -- sha256 of the bytes read
  etag      TEXT NOT NULL DEFAULT '',
  records   INTEGER NOT NULL,
  users     INTEGER NOT NULL,                 -- users (or terminations) it gave
  read_at   TEXT NOT NULL,
  run_id    INTEGER NOT NULL
);
)sql";

// Version 6 (issue 12): each run records the audit chain's head (last row id and hash) when it
// ends, so `audit verify` detects rows deleted from the tail: the chain must still hold every
// recorded head, with the same hash. NULL: the run ended before version 6 (or is running).
constexpr const char* kSchemaV6 = R"sql(
ALTER TABLE runs ADD COLUMN audit_head_id INTEGER;
ALTER TABLE runs ADD COLUMN audit_head_hash TEXT;
)sql";

// Version 7 (issue 12, reports): what each action of a run came to, what Genesys answered
// differently from what was sent (discrepancies), what changed in Genesys between two snapshots
// without a write of this agent (drift), and each termination from when it was known to when
// the suspension took effect (compliance). Written by the runs, read by `report`, `show`.
constexpr const char* kSchemaV7 = R"sql(
CREATE TABLE run_actions (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id),
  seq          INTEGER NOT NULL,               -- position in what the run applied or planned
  kind         TEXT NOT NULL,                  -- create | update | suspend | reactivate | delete | restore | group
  external_id  TEXT NOT NULL DEFAULT '',       -- or the group name for kind group
  user_name    TEXT NOT NULL DEFAULT '',
  user_id      TEXT NOT NULL DEFAULT '',
  outcome      TEXT NOT NULL,                  -- done | failed | stale | skipped | held | blocked | planned
  message      TEXT NOT NULL DEFAULT '',
  why          TEXT NOT NULL DEFAULT '',
  changes_json TEXT NOT NULL DEFAULT '[]',     -- [{"attribute","before","after"}]
  at           TEXT NOT NULL
);
CREATE INDEX run_actions_by_run ON run_actions(run_id, seq);
CREATE INDEX run_actions_by_time ON run_actions(at);

CREATE TABLE discrepancies (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs(id),
  external_id   TEXT NOT NULL,
  user_id       TEXT NOT NULL DEFAULT '',
  action        TEXT NOT NULL,                 -- the write's action kind
  attribute     TEXT NOT NULL,
  expected_json TEXT NOT NULL,
  actual_json   TEXT NOT NULL,
  at            TEXT NOT NULL
);
CREATE INDEX discrepancies_by_run ON discrepancies(run_id);

CREATE TABLE drift (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs(id),  -- the run whose live read saw the change
  since_run_id INTEGER NOT NULL,                      -- the run whose snapshot held the value before
  external_id  TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  attribute    TEXT NOT NULL,
  before_json  TEXT NOT NULL,
  after_json   TEXT NOT NULL,
  at           TEXT NOT NULL
);
CREATE INDEX drift_by_run ON drift(run_id);

CREATE TABLE termination_cases (
  id             INTEGER PRIMARY KEY,
  external_id    TEXT NOT NULL,
  cause          TEXT NOT NULL,                -- event | manifest | status | removal
  origin         TEXT NOT NULL DEFAULT '',     -- the event id, manifest row, or spec place
  known_at       TEXT NOT NULL,                -- occurredAt, terminationDate, or the first run that saw it
  known_run_id   INTEGER NOT NULL,
  state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'suspended', 'cancelled')),
  suspended_at   TEXT,
  suspend_run_id INTEGER,
  note           TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX termination_cases_open ON termination_cases(external_id) WHERE state = 'open';
CREATE INDEX termination_cases_by_time ON termination_cases(suspended_at);
CREATE INDEX runs_by_start ON runs(started_at);
)sql";

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "runs, snapshots, plans, journal, audit log, events, outbox, suspensions, archive",
       kSchemaV1},
      {2, "delete clean-up steps, archived conversation ids, held destructive actions, terminations",
       kSchemaV2},
      {3, "meta: the org the database was made for", kSchemaV3},
      {4, "keys the agent keeps (plan signing)", kSchemaV4},
      {5, "HR sources: termination origin and effective time, last good source reads", kSchemaV5},
      {6, "runs record the audit chain's head when they end", kSchemaV6},
      {7, "reports: run actions, discrepancies, drift, termination cases", kSchemaV7},
  };
  return kMigrations;
}

int latestSchemaVersion() { return migrations().back().version; }

Status applyMigrations(SqliteDb& db) {
  auto lock = db.lock();
  Result<std::optional<int>> recorded = recordedVersion(db);
  if (!recorded.ok()) return recorded.error();
  if (*recorded && **recorded == latestSchemaVersion()) return Status::success();
  {
    Result<Transaction> tx = db.begin("creating schema_version");
    if (!tx.ok()) return tx.error();
    // A database with tables but no schema_version is not ours: refuse to write into it.
    Result<bool> foreign = isForeignDatabase(db);
    if (!foreign.ok()) return foreign.error();
    if (*foreign) {
      return Error(ErrorCode::kCorrupt, "state database " + db.path() +
                                            ": is a SQLite database but not a scim-agent state "
                                            "database (it has tables but no schema_version)");
    }
    Status status = db.exec("CREATE TABLE IF NOT EXISTS schema_version ("
                            "version INTEGER PRIMARY KEY, description TEXT NOT NULL)",
                            "creating schema_version");
    if (!status.ok()) return status;
    Result<int> version = currentVersion(db);
    if (!version.ok()) return version.error();
    if (*version > latestSchemaVersion()) {
      return Error(ErrorCode::kCorrupt,
                   "state database " + db.path() + ": schema version " +
                       std::to_string(*version) + " is newer than this scim-agent knows (" +
                       std::to_string(latestSchemaVersion()) + "); use a newer scim-agent");
    }
    status = tx->commit();
    if (!status.ok()) return status;
  }

  for (const Migration& migration : migrations()) {
    const std::string what = "migrating to schema version " + std::to_string(migration.version);
    Result<Transaction> tx = db.begin(what);
    if (!tx.ok()) return tx.error();
    // Re-read inside the write transaction: another process may have migrated meanwhile.
    Result<int> version = currentVersion(db);
    if (!version.ok()) return version.error();
    if (*version >= migration.version) continue;  // rolls back the empty transaction
    Status status = db.exec(migration.sql, what);
    if (!status.ok()) return status;
    Result<SqliteStatement> insert =
        db.prepare("INSERT INTO schema_version (version, description) VALUES (?, ?)");
    if (!insert.ok()) return insert.error();
    status = insert->bind(1, static_cast<int64_t>(migration.version))
                 .bind(2, migration.description)
                 .run();
    if (!status.ok()) return status;
    status = tx->commit();
    if (!status.ok()) return status;
  }
  return Status::success();
}

}  // namespace scim_agent
