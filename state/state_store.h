#pragma once

// The agent's SQLite state (SPEC §10): runs, content-addressed snapshots, plans, the operation
// journal and the audit chain, in one database file. The store knows nothing of users or plans:
// it keeps canonical JSON text, keys and hashes that agent/codec produces, and time strings that
// the caller's clock produces (ISO-8601 UTC); it never reads the clock itself.
//
// Every failure is a value: kIo (missing directory, unopenable file, disk full), kCorrupt (not a
// SQLite file, not ours, schema newer than this binary, damaged rows), kBusy (another process
// holds the writer lock, or SQLite's lock past the busy timeout), kNotFound (no such run, plan,
// snapshot or journal entry), kInvalidInput (a value outside its documented set), kInternal (a
// bug: e.g. finishing a run twice). Messages name the database file.
//
// Thread safety: a StateStore is one SQLite connection guarded by a mutex. Every method may be
// called from any thread; calls are serialized. A Transaction holds the mutex until it ends, so
// while one is open other threads' calls wait for it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/base/result.h"
#include "state/sqlite_db.h"

namespace scim_agent {

class WriterLock;

// One invocation of the agent.
struct RunRecord {
  int64_t id = 0;
  std::string kind;        // plan | apply | run | validate
  std::string started_at;  // ISO-8601 UTC
  std::string ended_at;    // "" while running
  std::string outcome;     // running | ok | changes | failed | blocked | interrupted
  std::string summary_json;  // "{}" until finishRun
  std::string desired_digest;
};

// One remote write, recorded before it is sent (state "intent") and after it answered.
struct JournalEntry {
  int64_t id = 0;
  int64_t run_id = 0;
  std::string action_key;  // the plan action it performs, stable across runs
  std::string method;      // POST | PATCH | PUT | DELETE ...
  std::string path;        // the request path, e.g. /api/v2/scim/v2/users/9f...
  std::string request_json;
  std::string state;       // intent | done | failed | abandoned
  int http_status = 0;     // 0 until an answer was recorded
  std::string outcome_json;
  std::string note;        // why resolveIntent settled it
  std::string created_at;
  std::string finished_at;  // "" while intent
};

// One row of the audit chain.
struct AuditRecord {
  int64_t id = 0;
  std::string at;
  std::optional<int64_t> run_id;
  std::string actor;    // who: "scim-agent", "hr-event", an operator's name
  std::string action;   // what: create, patch, suspend, delete, clear-termination ...
  std::string subject;  // whom: an externalId or user id
  std::string detail_json;
  std::string prev_hash;  // the previous row's hash; 64 zeros for the first row
  std::string hash;
};

// One audit row to append (hash-chained like appendAudit), e.g. with a journal outcome.
struct AuditEntry {
  std::optional<int64_t> run_id;
  std::string actor;    // e.g. "scim-agent"
  std::string action;   // e.g. "suspend"
  std::string subject;  // e.g. "EMP-7"
  std::string detail_json;
};

// The result of checking the audit chain. A broken chain is a report, not an Error: `audit
// verify` prints every problem. Error is kept for "could not read the database".
struct AuditVerifyReport {
  struct Problem {
    int64_t id = 0;       // the row where the chain breaks
    std::string what;     // "hash does not match the row's content", "prev_hash does not ..."
  };
  int64_t rows = 0;        // rows checked
  int64_t head_id = 0;     // the last row (0 when empty)
  std::string head_hash;   // its hash
  // The newest run whose recorded head (finishRun) the chain still holds with the same hash; 0
  // when no run recorded one (schema < 6, or no run ended since).
  int64_t anchored_run = 0;
  std::vector<Problem> problems;  // empty when intact; by row id; at most 100 listed

  bool intact() const { return problems.empty(); }
};

// A notification waiting in, or delivered from, the outbox (SPEC §10: at least once, retried
// across runs).
struct OutboxMessage {
  int64_t id = 0;
  std::string dedupe_key;  // one message per key: enqueueing it again is a no-op
  std::string created_at;
  std::string channel;     // "webhook"
  std::string payload_json;
  int attempts = 0;
  std::string next_attempt_at;
  std::string delivered_at;  // "" until delivered
  std::string last_error;
};

// One finished step of a user's delete clean-up (SPEC §8), so a delete interrupted part-way is
// resumed by the next run without repeating what was done.
struct CleanupStep {
  std::string step;         // archive | queues | grants | tokens | delete | verify | notify
  std::string finished_at;
  int64_t run_id = 0;
  std::string detail_json;  // what the step did, e.g. {"queues":["q1","q2"]}
};

// A suspend or delete held by `apply --hold-destructive` until `scim-agent approve` (SPEC §8).
struct HeldAction {
  int64_t id = 0;
  int64_t run_id = 0;        // the run that held it
  std::string external_id;   // the user's key: at most one pending row per externalId
  std::string kind;          // suspend | delete
  std::string action_json;   // what approve applies (the caller's document, stored as given)
  std::string held_at;
  std::string state;         // pending | applied | failed | stale | discarded
  std::string resolved_at;   // "" while pending
  int64_t resolved_by = 0;   // the run that resolved it; 0 while pending
  std::string note;          // why it was resolved so
};

// One action to hold: see StateStore::holdActions.
struct HeldActionInput {
  std::string external_id;
  std::string kind;  // suspend | delete
  std::string action_json;
};

// An HR event taken by `serve` (SPEC §12), as journaled before its 202.
struct EventRecord {
  int64_t id = 0;
  std::string event_key;    // the sender's eventId, or the request's signature: UNIQUE (replays)
  std::string received_at;
  std::string type;         // termination | hire | update
  std::string external_id;
  std::string occurred_at;
  std::string body_json;    // the request body as received
  std::string state;        // received | processed | failed | ignored
  std::string processed_at;  // "" while received
  int64_t run_id = 0;        // the run that acted on it; 0 while received or when none
  std::string note;          // what was done, or why nothing
};

// A termination holding over the desired state (SPEC §12).
struct TerminationRecord {
  std::string external_id;
  int64_t event_id = 0;  // 0 when it came from a leavers manifest
  std::string occurred_at;
  std::string recorded_at;
  std::string effective_at;  // ISO-8601 UTC; "" = at once (HR events)
  std::string origin;        // a manifest's place ("s3://hr/leavers.json:3"); "" for events
};

// The last good read of an HR source (SPEC §6): the baseline of policy.maxSourceShrink.
struct SourceReadRecord {
  std::string source;  // the location as written
  std::string role;    // users | terminations
  std::string digest;
  std::string etag;
  int64_t records = 0;
  int64_t users = 0;
  std::string read_at;
  int64_t run_id = 0;
};

// The org a state database belongs to (SPEC §16): recorded when the database is first opened by
// an agent, checked on every later open, so one org's history is never taken for another's.
struct StoreIdentity {
  std::string api_base;    // target.apiBase, or the region's https://api.<host>
  std::string login_base;  // target.loginBase, or the region's https://login.<host>
  std::string region;      // target.region as written; "" when apiBase/loginBase are used
  std::string client_id;   // target.clientId
};

// What checkIdentity found.
struct StoreIdentityCheck {
  enum class Verdict {
    kRecorded,       // the database had no identity (new, or made before schema 3): now it has
    kSame,           // the same org and OAuth client
    kClientChanged,  // the same org, another clientId (a rotated client): recorded, warn only
    kOtherOrg,       // another apiBase or loginBase: refuse (nothing was changed)
  };
  Verdict verdict = Verdict::kSame;
  StoreIdentity recorded;  // as recorded before this check (empty fields for kRecorded)
  // For kClientChanged and kOtherOrg: what differs, naming the database, e.g. "state database
  // /x/state.db was made for https://api.mypurecloud.ie (region eu-west-1), not
  // https://api.mypurecloud.com". "" otherwise.
  std::string message;
};

// ---- Report facts (issue 12; SPEC §11) ----

// What one action of a run came to: applied (done, failed, stale, skipped) or not applied
// (held for approve, blocked by a guardrail). Group membership changes are kind "group" with
// the group's name in external_id.
struct RunActionRecord {
  int64_t run_id = 0;
  int64_t seq = 0;
  std::string kind;  // create | update | suspend | reactivate | delete | restore | group
  std::string external_id;
  std::string user_name;
  std::string user_id;
  std::string outcome;  // done | failed | stale | skipped | held | blocked | planned
  std::string message;
  std::string why;           // the rule and the place it came from
  std::string changes_json;  // [{"attribute","before","after"}]
  std::string at;
};

// A managed attribute whose value in Genesys's answer to a write differs from what was sent.
struct DiscrepancyRecord {
  int64_t run_id = 0;
  std::string external_id;
  std::string user_id;
  std::string action;     // create | update | suspend | reactivate | restore
  std::string attribute;  // "title", "phoneNumbers" …
  std::string expected_json;
  std::string actual_json;
  std::string at;
};

// An attribute of a managed user that changed in Genesys between two live snapshots without a
// write of this agent explaining it.
struct DriftRecord {
  int64_t run_id = 0;        // the run whose live read saw the new value
  int64_t since_run_id = 0;  // the run whose snapshot held the old one
  std::string external_id;
  std::string user_id;
  std::string attribute;
  std::string before_json;  // null when the attribute (or the user) was absent
  std::string after_json;
  std::string at;
};

// One termination, from when it was known to when the suspension took effect (compliance).
struct TerminationCase {
  int64_t id = 0;
  std::string external_id;
  std::string cause;   // event | manifest | status | removal
  std::string origin;  // "event 12", "leavers.csv:3", "users.yaml:40:5"
  std::string known_at;
  int64_t known_run_id = 0;
  std::string state;         // open | suspended | cancelled
  std::string suspended_at;  // "" while open
  int64_t suspend_run_id = 0;
  std::string note;
};

// The live snapshot members that differ between two snapshots: (key, old document or "" when
// absent, new document or "" when absent), sorted by key.
struct SnapshotChange {
  std::string key;
  std::string before;
  std::string after;
};

// The members of a snapshot: (key, canonical JSON document). Keys are unique (externalId or user
// id); the store returns them sorted by key, bytewise.
using SnapshotItems = std::vector<std::pair<std::string, std::string>>;

class StateStore {
 public:
  // Opens or creates the state database at `path`:
  //  - a new file is created with mode 0600 before SQLite touches it (SQLite gives its -wal and
  //    -shm files the database file's mode); an existing file with group/other bits gets 0600;
  //  - journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON, busy_timeout = busy_timeout_ms;
  //  - migrations run in order, one transaction each (schema_version table).
  // Fails with kIo naming the directory when the parent directory is missing, kIo when the file
  // cannot be opened, kCorrupt naming the file when it is not a SQLite database, not a scim-agent
  // database, or has a schema newer than this binary knows, and kCorrupt when the file exists but
  // is empty (0 bytes: its history is gone; see isEmptyFile and moveAside), leaving it untouched.
  // Opening does not take the writer lock: readers (report, audit verify) never need it.
  static Result<std::unique_ptr<StateStore>> open(const std::string& path,
                                                   int busy_timeout_ms = 5000);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::string& path() const;
  // The schema version this binary creates and understands.
  static int schemaVersion();

  // ---- Identity (which org the database belongs to; SPEC §16) ----

  // Compares `expected` with the identity recorded in the database. No identity recorded (a new
  // database, or one made before schema 3): records `expected`, kRecorded. Another apiBase or
  // loginBase: kOtherOrg, nothing changed; the caller refuses to go on. Another clientId alone:
  // records the new one and returns kClientChanged (the caller warns). kIo/kBusy when the
  // database cannot be read or written.
  Result<StoreIdentityCheck> checkIdentity(const StoreIdentity& expected);
  // The identity recorded, or nullopt when none is.
  Result<std::optional<StoreIdentity>> identity();

  // True when a file exists at `path` and is empty (0 bytes). open() refuses such a file: a state
  // database is never empty once made, so an empty one lost its history.
  static bool isEmptyFile(const std::string& path);
  // Moves the database at `path` aside, with its -wal and -shm files, to
  // "<path>.<stamp>.bak" (-wal, -shm likewise; ".1", ".2", … before ".bak" when taken), so a new
  // one can be made at `path`; returns the new name of the database file. Takes the writer lock
  // for the move (once, no waiting): kBusy when another process holds it; kIo when a rename
  // fails; kNotFound when there is no file at `path`. `stamp` is the caller's time, e.g.
  // "20261205T101500Z".
  static Result<std::string> moveAside(const std::string& path, const std::string& stamp);
  // Makes the directory of `path` when missing (mode 0700, each missing level), then
  // open(path), then checkIdentity(identity) (SPEC §16): a database made for another org is
  // refused (kInvalidInput, saying to use --init-state), a rotated clientId is a warning. With
  // `init` (--init-state), an empty database or another org's is moved aside (moveAside with
  // `stamp`) and a new one started. What the operator should hear goes to `warnings`.
  static Result<std::unique_ptr<StateStore>> openFor(const std::string& path,
                                                     const StoreIdentity& identity, bool init,
                                                     const std::string& stamp,
                                                     std::vector<std::string>& warnings);

  // ---- One writer at a time (SPEC §10) ----

  // Takes the exclusive advisory lock "<path>.lock" (flock), held until releaseWriterLock() or
  // destruction; waits up to `timeout` (0: try once). Fails with kBusy "another scim-agent run
  // holds <path>.lock (pid N)". Already holding it is success. The store does not check that
  // writers hold it: every command that writes takes it first.
  Status acquireWriterLock(std::chrono::milliseconds timeout);
  void releaseWriterLock();
  bool holdsWriterLock() const;

  // ---- Transactions ----

  // Opens a transaction for a multi-row change: store calls made while it is open join it, and
  // it rolls back on scope exit unless commit() succeeded. Nests (as a savepoint).
  // REQUIRES: used and destroyed on the thread that opened it.
  Result<Transaction> transaction();

  // Moves the WAL into the database file and truncates the WAL (PRAGMA wal_checkpoint(TRUNCATE)).
  // SQLite checkpoints on its own; call this at the end of a run to keep the -wal file small.
  // kBusy when readers of other processes keep it from completing.
  Status checkpoint();

  // ---- Runs ----

  // Records a run that started at `started_at`, outcome "running". kind: plan | apply | run |
  // validate, else kInvalidInput.
  Result<int64_t> beginRun(const std::string& kind, const std::string& started_at,
                           const std::string& desired_digest);
  // Ends a running run. outcome: ok | changes | failed | blocked | interrupted, else
  // kInvalidInput; kNotFound for an unknown run; kInternal when the run already ended.
  // Runs that a killed process left "running" are for the next holder of the writer lock to end
  // with "interrupted" (listRuns shows them).
  // In the same transaction it records the audit chain's head (last row id and hash; 0 and ""
  // when the chain is empty) on the run, so verifyAudit detects a tail deleted later.
  Status finishRun(int64_t run_id, const std::string& outcome, const std::string& summary_json,
                   const std::string& ended_at);
  // For the read-only views (history, show, report): from now on, listRuns, runsSince and
  // getRun show a run still recorded "running" as "interrupted" (with a note as its summary)
  // when its process is gone: nobody holds the writer lock (WriterLock::probe), or the holder
  // is running a newer run. Computed at each read; nothing is written. Not while this store
  // holds the writer lock itself (the next run's beginRun records them for good).
  void showDeadRunsAsInterrupted() { dead_runs_interrupted_ = true; }
  // The newest `limit` runs, newest first; limit <= 0: all of them.
  Result<std::vector<RunRecord>> listRuns(int limit);
  Result<RunRecord> getRun(int64_t run_id);

  // ---- Snapshots (content-addressed; SPEC §10, §14) ----

  // Stores the members of a live or desired snapshot taken by run `run_id` at `taken_at`; returns
  // the snapshot id. Each distinct document is stored once (documents, keyed by its sha256); the
  // sorted member list is cut into chunks at key-determined boundaries (about 64 members each),
  // each stored once, and the chunk list is a manifest stored once. So a snapshot equal to an
  // earlier one adds one row, and one changed member adds one document, one chunk and a manifest.
  // `items` may be in any order. kind: live | desired, else kInvalidInput; a duplicate key is
  // kInvalidInput; an unknown run kNotFound. All or nothing (one transaction).
  Result<int64_t> saveSnapshot(int64_t run_id, const std::string& kind, const SnapshotItems& items,
                               const std::string& taken_at);
  // The members of a snapshot, sorted by key. kNotFound for an unknown id; kCorrupt when a chunk
  // or document it references is missing or malformed.
  Result<SnapshotItems> loadSnapshot(int64_t snapshot_id);
  // The newest snapshot of `kind` (live | desired), or nullopt when there is none.
  Result<std::optional<int64_t>> latestSnapshot(const std::string& kind);

  // The members that differ between snapshots `old_id` and `new_id` (of any kinds), found by
  // comparing their chunk trees: chunks both share are skipped unread, so two snapshots of
  // 100,000 users with a few changes cost a few chunk reads. kNotFound / kCorrupt as
  // loadSnapshot.
  Result<std::vector<SnapshotChange>> diffSnapshots(int64_t old_id, int64_t new_id);
  // The newest snapshot of `kind` older than `before_id`, with the run that took it; nullopt
  // when there is none.
  Result<std::optional<std::pair<int64_t, int64_t>>> previousSnapshot(const std::string& kind,
                                                                      int64_t before_id);

  // ---- Plans ----

  // Stores a rendered plan (canonical JSON) made by `run_id` from desired state `desired_digest`.
  Result<int64_t> savePlan(int64_t run_id, const std::string& desired_digest,
                           const std::string& plan_json, const std::string& created_at);
  // The plan JSON exactly as saved; kNotFound for an unknown id.
  Result<std::string> loadPlan(int64_t plan_id);

  // ---- Operation journal (SPEC §10) ----

  // Records that `run_id` is about to send `method path` with `request_json` for plan action
  // `action_key`. Durable when it returns: its own transaction, committed with
  // synchronous=FULL, so the intent survives a crash of the process or of the machine. Returns
  // the entry id for journalOutcome.
  // REQUIRES: no Transaction open on this store (kInternal otherwise: it could not be durable).
  Result<int64_t> journalIntent(int64_t run_id, const std::string& action_key,
                                const std::string& method, const std::string& path,
                                const std::string& request_json, const std::string& at);
  // Records the answer to an intent: state done (success) or failed, the HTTP status (0 when no
  // answer came) and the outcome JSON. kNotFound for an unknown entry; kInternal when the entry
  // is no longer an intent.
  Status journalOutcome(int64_t entry_id, bool success, int http_status,
                        const std::string& detail_json, const std::string& at);
  // Records the outcome of journal entry `entry_id` and, when `audit` is not null, appends that
  // audit row (timestamp `at`), both in one transaction: both or neither. So the audit chain
  // holds every write whose outcome is recorded, and a write whose audit row could not be
  // written stays an intent (that the next run resolves). The audit row's detail (a JSON object)
  // gains "route" ("PATCH /Users/9f…": the entry's method and path) and "status" (http_status)
  // unless it has them, so `audit export` names the request. Errors as above and as appendAudit.
  Status journalOutcome(int64_t entry_id, bool success, int http_status,
                        const std::string& detail_json, const std::string& at,
                        const AuditEntry* audit);
  // Every entry still in state intent, of any run, oldest first: the writes a killed run may or
  // may not have made. The resuming run checks each against Genesys and resolves it.
  Result<std::vector<JournalEntry>> pendingIntents();
  // Every entry of one run, oldest first.
  Result<std::vector<JournalEntry>> journalForRun(int64_t run_id);
  // Settles an intent a killed run left open, once its effect is known: outcome done | failed |
  // abandoned (else kInvalidInput), with a note saying how it was settled. kNotFound for an
  // unknown entry; kInternal when it is not an intent.
  Status resolveIntent(int64_t entry_id, const std::string& outcome, const std::string& note,
                       const std::string& at);

  // ---- Audit chain (SPEC §10) ----

  // Appends a row to the append-only audit log, linked to the previous row's hash; returns its
  // id. The hash is sha256(prev_hash + "\n" + the row's fields, each as "<byte length>:<bytes>;",
  // in the order id, at, run_id ("" when absent), actor, action, subject, detail_json).
  Result<int64_t> appendAudit(const std::string& at, std::optional<int64_t> run_id,
                              const std::string& actor, const std::string& action,
                              const std::string& subject, const std::string& detail_json);
  // Rows with id > after_id, oldest first, at most `limit` (<= 0: all): `audit export`.
  Result<std::vector<AuditRecord>> auditRecords(int64_t after_id, int limit);
  // Recomputes every row's hash and checks every link, and that the chain still holds the head
  // each run recorded at its end (finishRun). Detects an edited row, a row inserted or deleted
  // in the middle, rows swapped (ids exchanged: "rows were reordered"), a tail deleted after a
  // run recorded its head (the first missing id is named), and a chain rewritten up to a
  // recorded head. A tail appended after the last finished run and then deleted cannot be
  // detected from the database alone. Takes no writer lock; safe while another process writes.
  Result<AuditVerifyReport> verifyAudit();


  // ---- Report facts (issue 12; SPEC §11) ----
  // Records what the actions of a run came to and the discrepancies seen in write answers, in
  // one transaction. `seq` of each action is kept as given. kNotFound for an unknown run.
  Status recordRunActions(int64_t run_id, const std::vector<RunActionRecord>& actions,
                          const std::vector<DiscrepancyRecord>& discrepancies);
  // The actions of one run, by seq.
  Result<std::vector<RunActionRecord>> runActions(int64_t run_id);
  // Every action recorded at or after `since` (ISO-8601; "" = all), oldest first.
  Result<std::vector<RunActionRecord>> actionsSince(const std::string& since);
  // Discrepancies of one run (run_id > 0) or of every run at or after `since`, oldest first.
  Result<std::vector<DiscrepancyRecord>> discrepancies(int64_t run_id, const std::string& since);
  // Records the drift a run's live read found (one transaction).
  Status recordDrift(int64_t run_id, const std::vector<DriftRecord>& drift);
  // Drift seen by one run (run_id > 0) or by every run at or after `since`, oldest first.
  Result<std::vector<DriftRecord>> drift(int64_t run_id, const std::string& since);
  // Opens a termination case for `external_id` unless one is open already (the first sighting
  // wins: its known_at stays). Returns true when a case was opened.
  Result<bool> openTerminationCase(const std::string& external_id, const std::string& cause,
                                   const std::string& origin, const std::string& known_at,
                                   int64_t run_id);
  // Ends the open case of `external_id`: state suspended (the suspension took effect at `at`)
  // or cancelled (the person is no longer to be terminated). No open case: nothing changes,
  // false.
  Result<bool> closeTerminationCase(const std::string& external_id, const std::string& state,
                                    const std::string& at, int64_t run_id,
                                    const std::string& note);
  // The open cases, by externalId.
  Result<std::vector<TerminationCase>> openTerminationCases();
  // Cases known or suspended at or after `since` ("" = all), by known_at.
  Result<std::vector<TerminationCase>> terminationCases(const std::string& since);
  // Runs started at or after `since` ("" = all), oldest first.
  Result<std::vector<RunRecord>> runsSince(const std::string& since);

  // ---- Outbox (notifications; SPEC §10) ----

  // Adds a message to deliver on `channel`, due at once. Returns false (and changes nothing) when
  // a message with `dedupe_key` exists already, delivered or not.
  Result<bool> enqueueOutbox(const std::string& dedupe_key, const std::string& channel,
                             const std::string& payload_json, const std::string& at);
  // Undelivered messages due at `now` (next_attempt_at <= now), oldest first, at most `limit`
  // (<= 0: all).
  Result<std::vector<OutboxMessage>> dueOutbox(const std::string& now, int limit);
  // Records a delivery: delivered_at = at, attempts + 1.
  Status markOutboxDelivered(int64_t id, const std::string& at);
  // Records a failed attempt: attempts + 1, last_error, next try not before `next_attempt_at`.
  Status markOutboxFailed(int64_t id, const std::string& error, const std::string& next_attempt_at);
  // Every message (pending_only: undelivered ones), oldest first.
  Result<std::vector<OutboxMessage>> outboxMessages(bool pending_only);

  // ---- User lifecycle: suspensions, delete clean-up, archive (SPEC §7, §8) ----

  // Records when the user with `external_id` (Genesys id `user_id`) was (first) suspended; an
  // existing record keeps its earlier time, so deleteAfter counts from the first suspension.
  // `tokens_revoked` false: revoking its tokens failed, and the next run tries again.
  Status recordSuspension(const std::string& external_id, const std::string& user_id,
                          const std::string& at, int64_t run_id, const std::string& reason,
                          bool tokens_revoked);
  // Marks the suspended user's tokens revoked.
  Status markTokensRevoked(const std::string& external_id);
  // Forgets the suspension (the user was reactivated, restored or deleted).
  Status clearSuspension(const std::string& external_id);
  struct Suspension {
    std::string external_id;
    std::string user_id;
    std::string suspended_at;
    bool tokens_revoked = true;
  };
  // Every recorded suspension, by externalId.
  Result<std::vector<Suspension>> suspensions();

  // The finished clean-up steps of the delete of user `user_id`, in the order they finished.
  Result<std::vector<CleanupStep>> cleanupSteps(const std::string& user_id);
  // Records a finished step (again: the detail and time are replaced).
  Status recordCleanupStep(const std::string& user_id, const std::string& step, int64_t run_id,
                           const std::string& detail_json, const std::string& at);
  // Forgets every step of `user_id` (the user came back: a later delete starts over).
  Status clearCleanupSteps(const std::string& user_id);
  // Every user id with recorded clean-up steps, sorted.
  Result<std::vector<std::string>> cleanupUserIds();

  // Stores conversations (canonical JSON documents, each with "conversationId") archived for
  // `user_key` before its delete. A conversation archived already for that user is kept once.
  // Returns how many were new.
  Result<int> archiveConversations(const std::string& user_key, int64_t run_id,
                                   const std::vector<std::string>& conversations_json,
                                   const std::string& at);
  // How many conversations are archived for `user_key`.
  Result<int64_t> archivedConversationCount(const std::string& user_key);

  // ---- Held destructive actions (SPEC §8: apply --hold-destructive, approve) ----

  // Stores `actions` as pending for run `run_id`, all or nothing (one transaction), and returns
  // their ids in input order. A user already pending is not held twice: its older pending row is
  // resolved "discarded" by `run_id` with the note "replaced by the hold of run N", so each
  // externalId has at most one pending row. kNotFound for an unknown run; kInvalidInput for a
  // kind other than suspend | delete, an empty externalId, or one externalId twice in `actions`.
  Result<std::vector<int64_t>> holdActions(int64_t run_id,
                                           const std::vector<HeldActionInput>& actions,
                                           const std::string& at);
  // The pending rows, sorted by externalId; only those of `external_ids` when it is not empty
  // (ids with nothing pending are simply absent from the result).
  Result<std::vector<HeldAction>> pendingHeldActions(
      const std::vector<std::string>& external_ids = {});
  // Every row of one user (pending and resolved), oldest first: its hold history.
  Result<std::vector<HeldAction>> heldActionHistory(const std::string& external_id);
  // Resolves a pending row: state applied | failed | stale | discarded (else kInvalidInput), by
  // run `run_id`, with a note saying why. kNotFound for an unknown row; kInternal when it is no
  // longer pending (resolved twice).
  Status resolveHeldAction(int64_t id, const std::string& state, int64_t run_id,
                           const std::string& note, const std::string& at);

  // ---- HR events and terminations (serve; SPEC §12) ----

  // Journals an accepted event, state "received". Durable when it returns, like journalIntent
  // (its own transaction, synchronous=FULL). Returns nullopt, changing nothing, when an event
  // with `event_key` exists already (a replay). REQUIRES: no Transaction open (kInternal).
  Result<std::optional<int64_t>> journalEvent(const std::string& event_key,
                                              const std::string& type,
                                              const std::string& external_id,
                                              const std::string& occurred_at,
                                              const std::string& body_json,
                                              const std::string& received_at);
  // Events still "received" (accepted, not yet acted on), oldest first: what a restarted serve
  // processes first.
  Result<std::vector<EventRecord>> receivedEvents();
  // Settles a received event: state processed | failed | ignored (else kInvalidInput), the run
  // that acted (0: none) and a note. kNotFound for an unknown id; kInternal when already settled.
  Status settleEvent(int64_t id, const std::string& state, int64_t run_id, const std::string& note,
                     const std::string& at);
  // The newest `limit` events (<= 0: all), newest first.
  Result<std::vector<EventRecord>> events(int limit);

  // Records that `external_id` is terminated by HR event `event_id`; an existing record is kept
  // (the first termination counts).
  Status recordTermination(const std::string& external_id, int64_t event_id,
                           const std::string& occurred_at, const std::string& at);
  // The same for a leavers manifest's record (`origin` its place), taking effect at
  // `effective_at`. An existing record is kept, except that an earlier effective time of a
  // record not yet in effect wins (a manifest moving the date forward). True when added.
  Result<bool> recordManifestTermination(const std::string& external_id,
                                         const std::string& effective_at,
                                         const std::string& origin, const std::string& at);
  // Forgets it; false when there was none.
  Result<bool> clearTermination(const std::string& external_id);
  // Every recorded termination, by externalId.
  Result<std::vector<TerminationRecord>> terminations();

  // ---- HR sources (issue 11) ----

  // Records a source's good read (replacing the last one).
  Status recordSourceRead(const SourceReadRecord& read);
  // The last good read of `source`, nullopt when none.
  Result<std::optional<SourceReadRecord>> lastSourceRead(const std::string& source);

  // ---- Keys (issue 10) ----

  // The key saved plans are signed with when agent.yaml names no planSigningKeyFile: 32 random
  // bytes (SQLite's randomblob) as hex, made on first use and kept. Thread-safe.
  Result<std::string> planSigningKey(const std::string& at);

 private:
  explicit StateStore(std::unique_ptr<SqliteDb> db);
  Status requireRun(int64_t run_id, const std::string& what);
  Status requireIntent(int64_t entry_id, const std::string& what);
  // showDeadRunsAsInterrupted() applied to `runs`.
  void markDeadRuns(std::vector<RunRecord>& runs);

  std::unique_ptr<SqliteDb> db_;
  // Separate from the database mutex, so waiting for the lock does not stall other threads' reads.
  mutable std::mutex writer_lock_mutex_;
  std::unique_ptr<WriterLock> writer_lock_;
  bool dead_runs_interrupted_ = false;
};

}  // namespace scim_agent
