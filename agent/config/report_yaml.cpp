#include "agent/config/report_yaml.h"

#include <filesystem>
#include <optional>

#include "agent/base/duration.h"
#include "agent/config/config.h"

namespace scim_agent {

void readReport(const YamlEntry& entry, const std::string& base_dir, Config& config,
                Diagnostics& diags) {
  YamlMap report(entry, {"dir", "terminationSla"}, diags);
  if (const YamlEntry* e = report.find("dir")) {
    if (auto dir = readString(*e, diags)) {
      if (dir->empty()) {
        diags.add(e->pos, "dir must not be empty (leave it out to write no report files)");
      } else {
        std::filesystem::path p(*dir);
        if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
        config.report_dir = p.lexically_normal().string();
      }
    }
  }
  if (const YamlEntry* e = report.find("terminationSla")) {
    if (auto text = readString(*e, diags)) {
      const std::optional<std::chrono::seconds> d = parseDuration(*text);
      if (!d || d->count() < 1 || *d > kMaxTerminationSla) {
        diags.add(e->pos, "terminationSla must be a duration from 1s to 7d, like 1h or 30m, got " +
                              quotedForMessage(*text));
      } else {
        config.termination_sla = *d;
      }
    }
  }
}

}  // namespace scim_agent
