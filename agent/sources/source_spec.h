#pragma once

// The `sources:` entries of agent.yaml or of one spec file (SPEC §6, §16): where an HR export
// is, how to read it, and its mapping. Parsed and checked before any record is read.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/config/yaml_reader.h"
#include "agent/sources/mapping.h"

namespace scim_agent {

enum class SourceType { kCsv, kJson, kJsonl };
enum class SourceScheme { kFile, kHttps, kS3 };

struct SourceSpec {
  std::string name;    // `location:` as written: the source's name in messages, places and state
  SourcePos declared;  // the entry in the config
  SourceType type = SourceType::kCsv;
  SourceRole role = SourceRole::kUsers;
  SourceScheme scheme = SourceScheme::kFile;
  std::string location;  // a file: absolute (relative ones against the naming file's folder);
                         // else the URL as written
  std::string authorization_file;  // https: a secret file holding the Authorization value
  std::string ca_file;             // https / s3: absolute path, "" for the system store
  std::string region;              // s3: "" = AWS_REGION
  std::string endpoint;            // s3: "" = AWS
  bool path_style = false;         // s3
  char delimiter = ',';            // csv
  uint64_t max_bytes = 256ull << 20;
  std::shared_ptr<const Mapping> mapping;
  // sha256 of the entry as written and of the mapping options (target kind, attribute limits):
  // a cached read is reused only for the same bytes read the same way.
  std::string fingerprint;
};

// Reads a `sources:` sequence. `base_dir`: the folder of the file that names it (relative
// locations, caFile and authorizationFile resolve against it). Every problem goes to `diags` at
// its place; entries with problems are left out.
std::vector<SourceSpec> parseSources(const YamlEntry& entry, const std::string& base_dir,
                                     const MappingOptions& mapping_options, Diagnostics& diags);

const char* sourceRoleName(SourceRole role);

}  // namespace scim_agent
