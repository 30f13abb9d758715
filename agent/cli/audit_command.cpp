// `scim-agent audit verify` and `scim-agent audit export [--since 7d|ISO-TIME] [--out FILE]`
// (SPEC §10): check the audit chain, or hand it to a SIEM as JSON lines. Both only read the
// state database: no writer lock, so they run while serve or run holds it.
//
// Export: one object per audit row, in id order, then {"head": {"id", "hash"}, "rows": N}. The
// row's own columns give time, run, actor, action, subject, prevHash and hash; the rest comes
// from its detail JSON where it is there, else is left out:
//   route, status  a remote write's request ("PATCH /api/v2/scim/v2/users/…") and HTTP status,
//                  recorded in the detail since schema 6 (older write rows have neither);
//   outcome        the detail's "outcome" (approve); "done" for a row with a route, since only a
//                  write that took effect is audited;
//   externalId     the subject, except for group rows (subject = the group) and subjects
//                  "id:USERID" (a user without an externalId);
//   userId         the detail's "userId" or "id" (a create's new user), the "id:" subject, or
//                  the user a write's route names (".../Users/<id>");
//   detail         the detail JSON as recorded.

#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>

#include <Poco/Util/Option.h>

#include "agent/base/clock.h"
#include "agent/base/json.h"
#include "agent/cli/command.h"
#include "agent/cli/exit_code.h"
#include "agent/cli/files.h"
#include "agent/cli/output.h"
#include "agent/cli/report_options.h"
#include "agent/cli/wiring.h"
#include "agent/codec/json_parse.h"
#include "state/state_store.h"

namespace scim_agent {

namespace {

constexpr int kExportBatch = 1000;

int verifyChain(StateStore& store, std::ostream& out, std::ostream& err) {
  auto report = store.verifyAudit();
  if (!report.ok()) return printError(report.error(), err);
  if (report->intact()) {
    out << "audit chain intact: " << report->rows << " rows, head #" << report->head_id << " "
        << (report->head_hash.empty() ? "(empty)" : report->head_hash);
    if (report->anchored_run != 0) {
      out << " (holds the head run " << report->anchored_run << " recorded)";
    }
    out << "\n";
    return kExitOk;
  }
  const AuditVerifyReport::Problem& first = report->problems.front();
  out << "audit chain broken at row #" << first.id << ": " << first.what << "\n";
  if (report->problems.size() > 1) {
    out << "further problems (" << report->problems.size() - 1 << "):\n";
    for (size_t i = 1; i < report->problems.size(); ++i) {
      out << "  row #" << report->problems[i].id << ": " << report->problems[i].what << "\n";
    }
  }
  out << report->rows << " rows checked, head #" << report->head_id << " "
      << (report->head_hash.empty() ? "(empty)" : report->head_hash) << "\n";
  return kExitError;
}

Json exportLine(const AuditRecord& row) {
  Json line = Json::object();
  line["id"] = row.id;
  line["time"] = row.at;
  if (row.run_id) line["run"] = *row.run_id;
  line["actor"] = row.actor;
  line["action"] = row.action;
  line["subject"] = row.subject;
  Result<Json> parsed = parseJson(row.detail_json.empty() ? "{}" : row.detail_json);
  const Json detail = parsed.ok() ? *parsed : Json(row.detail_json);
  const bool is_object = detail.isObject();
  const bool by_id = row.subject.rfind("id:", 0) == 0;
  if (!by_id && row.action != "group" && !row.subject.empty()) line["externalId"] = row.subject;
  if (is_object && detail.get("userId").isString()) {
    line["userId"] = detail.getString("userId");
  } else if (is_object && row.action == "create" && detail.get("id").isString()) {
    line["userId"] = detail.getString("id");
  } else if (by_id) {
    line["userId"] = row.subject.substr(3);
  } else if (is_object && detail.get("route").isString()) {
    // A PATCH, PUT or DELETE of one user names it in its path: ".../Users/<id>".
    const std::string route = detail.getString("route");
    const auto at = route.rfind("/Users/");
    if (at != std::string::npos && route.find('/', at + 7) == std::string::npos &&
        at + 7 < route.size()) {
      line["userId"] = route.substr(at + 7);
    }
  }
  if (is_object && detail.get("route").isString()) line["route"] = detail.getString("route");
  if (is_object && detail.get("status").isNumber()) line["status"] = detail.get("status");
  if (is_object && detail.get("outcome").isString()) {
    line["outcome"] = detail.getString("outcome");
  } else if (line.has("route")) {
    line["outcome"] = "done";
  }
  line["detail"] = detail;
  line["prevHash"] = row.prev_hash;
  line["hash"] = row.hash;
  return line;
}

int exportChain(StateStore& store, const Args& args, std::ostream& out, std::ostream& err) {
  std::optional<std::chrono::system_clock::time_point> since;
  if (!readSinceOption(args, since, err)) return kExitUsage;
  const std::string out_file = args.get("out");
  std::ostringstream buffer;  // the whole export, for --out (written at once)
  std::ostream& sink = out_file.empty() ? out : buffer;
  int64_t after = 0;
  int64_t rows = 0;
  std::string head_hash;
  for (;;) {
    auto batch = store.auditRecords(after, kExportBatch);
    if (!batch.ok()) return printError(batch.error(), err);
    if (batch->empty()) break;
    for (const AuditRecord& row : *batch) {
      after = row.id;
      head_hash = row.hash;
      if (since) {
        // A row whose time cannot be read is exported: leaving it out would hide it.
        auto at = parseIso8601(row.at);
        if (at && *at < *since) continue;
      }
      sink << exportLine(row).dump() << "\n";
      ++rows;
    }
  }
  Json head = Json::object();
  head["id"] = after;
  head["hash"] = head_hash;
  Json last = Json::object();
  last["head"] = head;
  last["rows"] = rows;
  sink << last.dump() << "\n";
  if (!out_file.empty()) {
    Status written = writeFileAtomically(out_file, buffer.str());
    if (!written.ok()) return printError(written.error(), err);
  }
  return kExitOk;
}

}  // namespace

int runAudit(const Args& args, std::ostream& out, std::ostream& err) {
  const std::string what = args.positional.empty() ? "" : args.positional.front();
  if ((what != "verify" && what != "export") || args.positional.size() > 1) {
    err << "error: audit takes one of: verify, export\n"
        << "usage: scim-agent audit verify|export [--config FILE] [--since 7d|ISO-TIME] "
           "[--out FILE]\n";
    return kExitUsage;
  }
  if (what == "verify" && (args.has("since") || args.has("out"))) {
    err << "error: --since and --out are export's options\n";
    return kExitUsage;
  }
  // A missing database is an error, not an empty chain that verifies; no writer lock.
  std::unique_ptr<StateStore> store;
  if (int code = openStateForReading(args, store, err); code != kExitOk) return code;
  return what == "verify" ? verifyChain(*store, out, err) : exportChain(*store, args, out, err);
}

void addAuditOptions(Poco::Util::OptionSet& set) {
  using Poco::Util::Option;
  set.addOption(Option("since", "s",
                       "export: only rows from this time on: a duration back "
                       "from now (7d, 12h) or an ISO-8601 time")
                    .argument("SINCE"));
  set.addOption(
      Option("out", "o", "export: write the JSON lines to FILE (atomically)").argument("FILE"));
}

}  // namespace scim_agent
