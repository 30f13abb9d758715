#pragma once

// Reading one HR source (SPEC §6): fetch → CSV/JSON records → mapping, streaming, so memory
// follows the mapped users and not the file. The cross-record checks (duplicates, departments,
// roles, managers) and the merge with the YAML files are the desired loader's.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/model/source_outcome.h"
#include "agent/model/user.h"
#include "agent/sources/fetch.h"
#include "agent/sources/source_spec.h"

namespace scim_agent {

// One person's record and how the mapping read it (validate --explain).
struct SourceExplanation {
  SourcePos where;
  std::vector<std::pair<std::string, FieldValue>> fields;  // the raw record
  MappedRecord mapped;
};

// What reading one source gave.
struct SourceRead {
  SourceOutcome outcome;
  std::vector<DesiredUser> users;  // role users, in file order; user.source = "name:line"
  // The records of `explain_external_id` (more than one when it is listed twice).
  std::vector<SourceExplanation> explained;
};

// The mapped records of sources read earlier in this process, by source name, the source's
// fingerprint and the digest or ETag of its bytes: an unchanged source read the same way is not
// parsed again (serve, run --loop; one-shot commands keep none). Holds one read per source.
// Thread-safe.
class SourceCache {
 public:
  std::optional<SourceRead> find(const std::string& name, const std::string& key) const;
  // The ETag of the last read of `name` ("" when none): sent as If-None-Match.
  std::string etagOf(const std::string& name) const;
  void put(const std::string& name, const std::string& key, const SourceRead& read);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, SourceRead>> entries_;
};

struct SourceReadOptions {
  AwsCredentials credentials;      // from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
  std::string aws_region;          // AWS_REGION, used when the source names no region
  std::string explain_external_id;  // collect this person's records in SourceRead::explained
  SourceCache* cache = nullptr;
};

// Reads `spec` whole. Problems of the config (a column the mapping names that the header lacks)
// go to `config_diags` at their place; everything about the data itself is in the outcome:
// rejects, and `whole` false with the reason when the source could not be read whole (then
// `users` holds what was read, for reporting; the caller plans nothing destructive from it).
SourceRead readSource(const SourceSpec& spec, const SourceReadOptions& options,
                      Diagnostics& config_diags);

}  // namespace scim_agent
