#include "agent/sources/source_spec.h"

#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "agent/base/host.h"
#include "agent/codec/json_parse.h"

namespace scim_agent {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string>& sourceKeys() {
  static const std::vector<std::string> keys = {
      "type",     "location", "role",      "mapping",  "tables",   "region",
      "endpoint", "pathStyle", "caFile",   "delimiter", "maxBytes", "authorizationFile"};
  return keys;
}

std::string quote(const std::string& s) { return quotedForMessage(s); }

std::string resolve(const std::string& base_dir, const std::string& value) {
  fs::path p(value);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  return p.lexically_normal().string();
}

// "256MiB", "10 MB", "1048576": bytes; nullopt when it is none of those or is 0.
std::optional<uint64_t> parseByteSize(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0 || i > 12) return std::nullopt;
  const uint64_t n = std::stoull(text.substr(0, i));
  std::string unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  static const std::map<std::string, uint64_t> units = {
      {"", 1},          {"B", 1},          {"KiB", 1ull << 10}, {"MiB", 1ull << 20},
      {"GiB", 1ull << 30}, {"KB", 1000},   {"MB", 1000'000},    {"GB", 1000'000'000}};
  auto u = units.find(unit);
  if (u == units.end() || n == 0) return std::nullopt;
  return n * u->second;
}

// The host of an http(s) URL or endpoint ("" when it has none).
std::string urlHost(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  std::string rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  if (!rest.empty() && rest.front() == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.find(':'));
}

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

const char* sourceRoleName(SourceRole role) {
  return role == SourceRole::kTerminations ? "terminations" : "users";
}

std::vector<SourceSpec> parseSources(const YamlEntry& entry, const std::string& base_dir,
                                     const MappingOptions& mapping_options, Diagnostics& diags) {
  std::vector<SourceSpec> specs;
  auto items = readSequence(entry, diags);
  if (!items) return specs;
  std::map<std::string, SourcePos> seen;
  for (const YamlEntry& item : *items) {
    Diagnostics problems;
    YamlMap map(item.file, item.value, "a source", item.pos, sourceKeys(), problems);
    if (!map.ok()) {
      diags.append(problems);
      continue;
    }
    SourceSpec spec;
    spec.declared = item.pos;

    const YamlEntry* type = map.find("type");
    if (!type) {
      problems.add(item.pos, "a source needs a type (csv, json or jsonl)");
    } else if (auto t = readString(*type, problems)) {
      if (*t == "csv") {
        spec.type = SourceType::kCsv;
      } else if (*t == "json") {
        spec.type = SourceType::kJson;
      } else if (*t == "jsonl") {
        spec.type = SourceType::kJsonl;
      } else {
        problems.add(type->pos, "type must be csv, json or jsonl, got " + quote(*t));
      }
    }

    const YamlEntry* location = map.find("location");
    if (!location) {
      problems.add(item.pos, "a source needs a location (a path, an https:// URL or s3://bucket/key)");
    } else if (auto l = readString(*location, problems)) {
      spec.name = *l;
      if (l->empty()) {
        problems.add(location->pos, "location must not be empty");
      } else if (startsWith(*l, "s3://")) {
        spec.scheme = SourceScheme::kS3;
        spec.location = *l;
        const std::string rest = l->substr(5);
        const size_t slash = rest.find('/');
        if (slash == 0 || slash == std::string::npos || slash + 1 == rest.size()) {
          problems.add(location->pos, "an s3 location is s3://BUCKET/KEY, got " + quote(*l));
        }
      } else if (startsWith(*l, "https://")) {
        spec.scheme = SourceScheme::kHttps;
        spec.location = *l;
        if (urlHost(*l).empty()) problems.add(location->pos, "no host in " + quote(*l));
      } else if (startsWith(*l, "http://")) {
        if (!isLoopbackHost(urlHost(*l))) {
          problems.add(location->pos, "plain http is refused for " + quote(*l) +
                                          " (HR data travels over https; http only on loopback)");
        }
        spec.scheme = SourceScheme::kHttps;
        spec.location = *l;
      } else if (l->find("://") != std::string::npos) {
        problems.add(location->pos, "location must be a path, an https:// URL or s3://bucket/key, "
                                    "got " + quote(*l));
      } else {
        spec.scheme = SourceScheme::kFile;
        spec.location = resolve(base_dir, *l);
      }
      if (!spec.name.empty()) {
        auto [first, inserted] = seen.emplace(spec.name, location->pos);
        if (!inserted) {
          problems.add(location->pos, "source " + quote(spec.name) + " is listed twice (first at " +
                                          first->second.toString() + ")");
        }
      }
    }

    if (const YamlEntry* e = map.find("role")) {
      if (auto r = readString(*e, problems)) {
        if (*r == "users") {
          spec.role = SourceRole::kUsers;
        } else if (*r == "terminations") {
          spec.role = SourceRole::kTerminations;
        } else {
          problems.add(e->pos, "role must be users or terminations, got " + quote(*r));
        }
      }
    }
    if (const YamlEntry* e = map.find("delimiter")) {
      if (auto d = readString(*e, problems)) {
        const std::string text = *d == "\\t" ? "\t" : *d;
        if (text.size() != 1 || text == "\"" || text == "\r" || text == "\n" ||
            static_cast<unsigned char>(text[0]) >= 0x80) {
          problems.add(e->pos, "delimiter must be one ASCII character other than a quote or a "
                               "line break (\\t for tab), got " + quote(*d));
        } else if (spec.type != SourceType::kCsv) {
          problems.add(e->pos, "delimiter applies to csv sources only");
        } else {
          spec.delimiter = text[0];
        }
      }
    }
    if (const YamlEntry* e = map.find("maxBytes")) {
      if (auto s = readString(*e, problems)) {
        if (auto n = parseByteSize(*s)) {
          spec.max_bytes = *n;
        } else {
          problems.add(e->pos, "maxBytes must be a size like 256MiB, 10MB or 1048576, got " +
                                   quote(*s));
        }
      }
    }
    auto pathKey = [&](const char* key, std::string& out) {
      if (const YamlEntry* e = map.find(key)) {
        if (auto s = readString(*e, problems)) {
          if (s->empty()) {
            problems.add(e->pos, std::string(key) + " must not be empty");
          } else {
            out = resolve(base_dir, *s);
          }
        }
      }
    };
    pathKey("caFile", spec.ca_file);
    pathKey("authorizationFile", spec.authorization_file);
    if (!spec.authorization_file.empty() && spec.scheme != SourceScheme::kHttps) {
      problems.add(map.find("authorizationFile")->pos,
                   "authorizationFile applies to https sources only (s3 signs with the AWS_* "
                   "credentials)");
    }
    if (!spec.ca_file.empty() && spec.scheme == SourceScheme::kFile) {
      problems.add(map.find("caFile")->pos, "caFile applies to https and s3 sources only");
    }
    for (const char* key : {"region", "endpoint", "pathStyle"}) {
      const YamlEntry* e = map.find(key);
      if (e && spec.scheme != SourceScheme::kS3) {
        problems.add(e->pos, std::string(key) + " applies to s3 sources only");
      }
    }
    if (const YamlEntry* e = map.find("region")) {
      if (auto s = readString(*e, problems)) spec.region = *s;
    }
    if (const YamlEntry* e = map.find("endpoint")) {
      if (auto s = readString(*e, problems)) {
        const std::string host = urlHost(*s);
        if (startsWith(*s, "https://") && !host.empty()) {
          spec.endpoint = *s;
        } else if (startsWith(*s, "http://") && isLoopbackHost(host)) {
          spec.endpoint = *s;
        } else {
          problems.add(e->pos, "endpoint must be an https:// URL (http:// only on loopback), got " +
                                   quote(*s));
        }
      }
    }
    if (const YamlEntry* e = map.find("pathStyle")) {
      if (auto b = readBool(*e, problems)) spec.path_style = *b;
    }

    MappingOptions options = mapping_options;
    options.role = spec.role;
    const YamlEntry* mapping = map.find("mapping");
    if (!mapping && spec.role == SourceRole::kUsers) {
      problems.add(item.pos, "a users source needs a mapping (record fields to user attributes)");
    } else {
      auto compiled = Mapping::parse(mapping, map.find("tables"), options, problems);
      if (compiled) spec.mapping = std::move(compiled);
    }

    if (problems.empty()) {
      std::string basis = YAML::Dump(item.value) + "\n" + base_dir + "\n" + options.target_kind;
      for (const auto& [key, limit] : options.max_attribute_length) {
        basis += "\n" + key + "=" + std::to_string(limit);
      }
      spec.fingerprint = sha256Hex(basis);
      specs.push_back(std::move(spec));
    }
    diags.append(problems);
  }
  return specs;
}

}  // namespace scim_agent
