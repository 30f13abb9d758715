#pragma once

// What one HR source (SPEC §6) gave a load of the desired state: counts, the records it
// rejected (each shields its person from destructive actions for the run), its terminations,
// and whether it could be read whole.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/base/diagnostics.h"

namespace scim_agent {

// A record that failed mapping or validation: skipped, reported with its place.
struct SourceReject {
  SourcePos where;          // "hr.csv:1042"
  std::string external_id;  // as mapped, "" when it could not be read
  std::string message;
};

// One leaver of a `role: terminations` source.
struct SourceTermination {
  std::string external_id;
  std::string at;  // ISO-8601 UTC instant the termination takes effect
  SourcePos where;
};

struct SourceOutcome {
  std::string name;             // the location as written in the config ("hr.csv", "s3://b/k")
  std::string role = "users";   // users | terminations
  SourcePos declared;           // the sources[] entry
  // False when the source could not be read whole (an HTTP/S3 error, a cut transfer, a last
  // row cut short, an empty file, no header row): nothing destructive is planned for the users
  // it governs, and `problem` says why.
  bool whole = true;
  std::string problem;
  bool unchanged = false;  // the same bytes (digest or ETag) as an earlier read in this process:
                           // its mapped records were reused, not parsed again
  size_t records = 0;      // data records read
  size_t mapped = 0;       // records that became a user or a termination
  std::vector<SourceReject> rejects;  // every rejected record, in file order
  std::vector<SourceTermination> terminations;  // role terminations
  size_t users = 0;        // role users: users this source contributed
  std::string digest;      // sha256 hex of the bytes read
  std::string etag;        // https/s3, "" otherwise
  uint64_t bytes = 0;
  // More rejects than policy.maxRejectedRecords allows: the run fails before anything is
  // applied; `reject_limit` says so ("3 of 100 records rejected, more than
  // policy.maxRejectedRecords 1%").
  bool over_reject_limit = false;
  std::string reject_limit;
};

}  // namespace scim_agent
