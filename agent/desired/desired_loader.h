#pragma once

#include <string>
#include <vector>

#include "agent/base/diagnostics.h"
#include "agent/config/yaml_reader.h"
#include "agent/model/policy.h"
#include "agent/sources/source_reader.h"
#include "agent/model/user_checks.h"  // looksLikeEmail & co., used by the loader

namespace scim_agent {

// How to read the desired state.
struct LoadOptions {
  std::string target_kind = "genesys";  // genesys | scim (target.kind in agent.yaml)
  Policy base_policy;                   // agent.yaml's policy; the spec's policy: overrides it
                                        // key by key
  // agent.yaml's `sources:` (SPEC §6) and agent.yaml's folder; a spec file may hold them
  // instead (not both).
  std::optional<YamlEntry> sources;
  std::string sources_dir;
  SourceReadOptions source_options;  // credentials, cache, --explain
  // Set: the records --explain asked for (source_options.explain_external_id) go here.
  std::vector<SourceExplanation>* explained = nullptr;
  // false: `sources:` are parsed and checked but not read (validate without network access is
  // not a mode; kept for tests of the mapping checks).
  bool read_sources = true;
};

// Loads the desired state (SPEC §5, §7; format reference in specs/README.md).
//
// `path` is a YAML file, or a directory whose *.yaml / *.yml files (not dot-files, not
// recursive) are read in name order. Each file starts with `apiVersion: scim-agent/v1` and may
// hold `users:`, `defaults:`, `groupsByDepartment:` and `policy:`; the last three may each appear
// in one file only.
//
// HR sources (`sources:` of agent.yaml or one spec file) are read after the YAML files and their
// users merged in by externalId; a user in two places is an error naming both. A source's
// records that fail mapping, or the cross-checks (unknown department, role not allowed, a
// manager nobody has), are rejects in DesiredState::sources, not diagnostics: the run goes on
// without them. Problems of the source's config (its keys, its mapping, a column the header
// lacks) are diagnostics.
//
// Every problem goes to `diags` as file:line:column: message, all of them: the loader never stops
// at the first. It returns what it could read even when there were errors, so `validate` prints
// them all; callers must check diags.empty() before using the result. Users come in load order
// (files in name order, then document order); users without an externalId are dropped. Defaults
// and groupsByDepartment are applied; `digest` covers users, effective policy and
// groupsByDepartment (see desired_json.h). A missing path is an error; an empty directory or a
// file without users is not. Never throws.
DesiredState loadDesired(const std::string& path, const LoadOptions& options, Diagnostics& diags);

// The desired files `path` stands for, in load order (just `path` for a file). Empty when the
// path does not exist or is neither a file nor a directory.
std::vector<std::string> desiredFiles(const std::string& path);

}  // namespace scim_agent
