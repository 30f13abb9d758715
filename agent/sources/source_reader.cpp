#include "agent/sources/source_reader.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <fstream>

#include "agent/config/secret_file.h"

namespace scim_agent {

namespace {

// Maps each record as the reader produces it. The reader reuses its Record, so what is kept is
// copied: the mapped user (or termination), a reject, and an explained person's raw record.
class MappingSink : public RecordSink {
 public:
  MappingSink(const SourceSpec& spec, const SourceReadOptions& options, SourceRead& read,
              Diagnostics& config_diags)
      : spec_(spec), options_(options), read_(read), config_diags_(config_diags) {}

  bool onHeader(const std::vector<std::string>& columns) override {
    return spec_.mapping->checkColumns(columns, spec_.name, config_diags_);
  }

  void onRecord(const Record& record) override {
    SourceOutcome& out = read_.outcome;
    ++out.records;
    const bool explain = !options_.explain_external_id.empty();
    MappedRecord mapped = spec_.mapping->map(record, explain);
    const SourcePos where{spec_.name, static_cast<int>(record.line), 0};
    if (explain && mapped.external_id == options_.explain_external_id) {
      read_.explained.push_back(SourceExplanation{where, record.fields, mapped});
    }
    if (!mapped.problems.empty()) {
      std::string message;
      for (const std::string& p : mapped.problems) message += (message.empty() ? "" : "; ") + p;
      out.rejects.push_back(SourceReject{where, mapped.external_id, std::move(message)});
      return;
    }
    ++out.mapped;
    if (spec_.role == SourceRole::kTerminations) {
      out.terminations.push_back(
          SourceTermination{mapped.external_id, mapped.termination_at, where});
      return;
    }
    mapped.user.source = where;
    read_.users.push_back(std::move(mapped.user));
  }

 private:
  const SourceSpec& spec_;
  const SourceReadOptions& options_;
  SourceRead& read_;
  Diagnostics& config_diags_;
};

std::unique_ptr<RecordReader> makeReader(const SourceSpec& spec, RecordSink& sink) {
  switch (spec.type) {
    case SourceType::kCsv:
      return makeCsvReader(CsvOptions{spec.delimiter}, sink);
    case SourceType::kJson:
      return makeJsonReader(false, spec.max_bytes, sink);
    case SourceType::kJsonl:
      return makeJsonReader(true, spec.max_bytes, sink);
  }
  return nullptr;
}

// The sha256 of a local file, for the unchanged-source check (nullopt when it cannot be read:
// the full read then says why).
std::optional<std::string> fileDigest(const std::string& path, uint64_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  std::vector<char> buffer(1 << 16);
  uint64_t total = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    total += got;
    if (total > max_bytes) return std::nullopt;
    sha.update(buffer.data(), got);
  }
  if (in.bad()) return std::nullopt;
  return Poco::DigestEngine::digestToHex(sha.digest());
}

SourceRead notWhole(SourceRead read, const std::string& problem) {
  read.outcome.whole = false;
  read.outcome.problem = problem;
  return read;
}

}  // namespace

std::optional<SourceRead> SourceCache::find(const std::string& name, const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end() || key.empty() || it->second.first != key) return std::nullopt;
  return it->second.second;
}

std::string SourceCache::etagOf(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  return it == entries_.end() ? std::string() : it->second.second.outcome.etag;
}

void SourceCache::put(const std::string& name, const std::string& key, const SourceRead& read) {
  if (key.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  entries_[name] = {key, read};
}

SourceRead readSource(const SourceSpec& spec, const SourceReadOptions& options,
                      Diagnostics& config_diags) {
  SourceRead read;
  read.outcome.name = spec.name;
  read.outcome.role = sourceRoleName(spec.role);
  read.outcome.declared = spec.declared;
  if (!spec.mapping) return notWhole(std::move(read), "the source has no mapping");

  FetchRequest request;
  request.location = spec.location;
  request.max_bytes = spec.max_bytes;
  request.ca_file = spec.ca_file;
  request.region = spec.region.empty() ? options.aws_region : spec.region;
  request.endpoint = spec.endpoint;
  request.path_style = spec.path_style;
  request.credentials = options.credentials;
  if (!spec.authorization_file.empty()) {
    Result<std::string> secret = readSecretFile(spec.authorization_file, "authorizationFile");
    if (!secret.ok()) return notWhole(std::move(read), secret.error().message);
    request.authorization = *secret;
  }

  // An unchanged source (same digest for a file, same ETag over the network) reuses the mapped
  // records of the earlier read; --explain always reads, it needs the raw records.
  const bool use_cache = options.cache && options.explain_external_id.empty();
  std::optional<std::string> file_digest;
  if (use_cache) {
    if (spec.scheme == SourceScheme::kFile) {
      file_digest = fileDigest(spec.location, spec.max_bytes);
      if (file_digest) {
        if (auto hit = options.cache->find(spec.name, spec.fingerprint + " sha256:" + *file_digest)) {
          hit->outcome.unchanged = true;
          hit->outcome.declared = spec.declared;
          return std::move(*hit);
        }
      }
    }
  }
  std::optional<SourceRead> cached_by_etag;
  if (use_cache && spec.scheme != SourceScheme::kFile) {
    cached_by_etag = options.cache->find(spec.name, spec.fingerprint + " etag:" +
                                                    options.cache->etagOf(spec.name));
    if (cached_by_etag && !cached_by_etag->outcome.etag.empty()) {
      request.if_none_match = cached_by_etag->outcome.etag;
    } else {
      cached_by_etag.reset();
    }
  }

  MappingSink sink(spec, options, read, config_diags);
  std::unique_ptr<RecordReader> reader = makeReader(spec, sink);
  Result<FetchResult> fetched =
      fetchSource(request, [&](std::string_view bytes) { reader->feed(bytes); });
  if (!fetched.ok()) {
    // What the reader holds of the part that arrived is not wanted: the source is not whole.
    return notWhole(std::move(read), fetched.error().message);
  }
  if (fetched->not_modified && cached_by_etag) {
    SourceRead hit = std::move(*cached_by_etag);
    hit.outcome.unchanged = true;
    hit.outcome.declared = spec.declared;
    return hit;
  }
  read.outcome.digest = fetched->sha256;
  read.outcome.etag = fetched->etag;
  read.outcome.bytes = fetched->bytes;
  const ReadOutcome ended = reader->finish();
  if (!ended.whole) {
    read.outcome.whole = false;
    read.outcome.problem = ended.problem;
  } else if (spec.role == SourceRole::kUsers && read.outcome.records == 0) {
    // A people export with nobody in it is a broken export, not an organization that left (an
    // empty leavers manifest is normal).
    read.outcome.whole = false;
    read.outcome.problem = "the export holds no records";
  }
  read.outcome.users = read.users.size();
  if (use_cache && read.outcome.whole && config_diags.empty()) {
    const std::string key = !read.outcome.etag.empty() && spec.scheme != SourceScheme::kFile
                                ? spec.fingerprint + " etag:" + read.outcome.etag
                                : spec.fingerprint + " sha256:" + read.outcome.digest;
    options.cache->put(spec.name, key, read);
  }
  return read;
}

}  // namespace scim_agent
