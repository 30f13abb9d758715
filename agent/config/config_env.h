#pragma once

// agent.yaml's environment overrides (SCIM_AGENT_<KEY PATH>, config.h): the table of overridable
// keys, and writing the set ones into the parsed tree before it is read.

#include <map>
#include <string>

#include <yaml-cpp/yaml.h>

namespace scim_agent {

// Writes every set override into the YAML tree as a scalar tagged with its variable, so one
// reader type-checks file and environment values alike and reports the variable's name. Where
// the tree holds a non-mapping on the way (say `target: 5`), the override is skipped: the file
// is wrong there and the reader says so.
void applyEnvironment(YAML::Node& root, const std::map<std::string, std::string>& env);

}  // namespace scim_agent
