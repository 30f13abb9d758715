// `scim-agent report discrepancy|drift|compliance`, `show RUN` and `history` (SPEC §11, issue
// 12) as the real binary runs them, on a state database prepared with the StateStore API with
// known times (SCIM_AGENT_NOW fixes "now"): every report kind in JSON (the versioned schema and
// the rows), CSV (header and rows) and Markdown (a table); --out; the usage errors (exit 64);
// an unknown run and a missing database (exit 1); and that a report runs while another process
// holds the writer lock.

#include <chrono>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "tests/support/harness.h"
#include "tests/support/state_db.h"
#include "tests/support/temp_dir.h"

namespace scim_agent::testing {
namespace {

constexpr const char* kNow = "2026-12-09T12:00:00Z";  // a Wednesday of 2026-W50

// The lines of `text`, without their LF or CRLF (CSV ends its lines with CRLF, RFC 4180).
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

// True when `markdown` has a table (a row of "|" cells and a "---" delimiter row) with a row
// holding `cell`.
bool markdownTableRowWith(const std::string& markdown, const std::string& cell) {
  bool delimiter = false;
  bool row = false;
  for (const std::string& line : lines(markdown)) {
    if (line.empty() || line[0] != '|') continue;
    if (line.find("---") != std::string::npos) delimiter = true;
    if (line.find(cell) != std::string::npos) row = true;
  }
  return delimiter && row;
}

RunActionRecord act(int64_t seq, const std::string& kind, const std::string& ext,
                    const std::string& outcome, const std::string& at,
                    const std::string& message = "") {
  RunActionRecord a;
  a.seq = seq;
  a.kind = kind;
  a.external_id = ext;
  a.user_name = ext + "@corp.example";
  a.outcome = outcome;
  a.message = message;
  a.at = at;
  return a;
}

class ReportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("client-secret", "demo-secret\n");
    dir_.write("users.yaml", "apiVersion: scim-agent/v1\nusers: []\n");
    // No Genesys is called: a report reads the state database only.
    config_ = dir_.write("agent.yaml",
                         "target:\n"
                         "  kind: genesys\n"
                         "  apiBase: http://127.0.0.1:9\n"
                         "  loginBase: http://127.0.0.1:9\n"
                         "  clientId: demo-client\n"
                         "  clientSecretFile: " +
                             dir_.file("client-secret") +
                             "\n"
                             "desired: " +
                             dir_.file("users.yaml") +
                             "\n"
                             "state: " +
                             dir_.file("state.db") + "\n");
    std::unique_ptr<StateStore> store = openStore(dir_.file("state.db"));
    ASSERT_NE(store, nullptr);
    fill(*store);
  }

  // Two whole-org runs a week apart and an event run: creates, an update that failed, a
  // discrepancy, drift, and three terminations (60 s, 2 h, and one still open for 3 h).
  void fill(StateStore& store) {
    auto r1 = store.beginRun("run", "2026-12-01T09:00:00Z", "d1");
    ASSERT_TRUE(r1.ok());
    ASSERT_TRUE(store
                    .recordRunActions(*r1,
                                      {act(1, "create", "EMP-1", "done", "2026-12-01T09:00:01Z"),
                                       act(2, "create", "EMP-2", "done", "2026-12-01T09:00:02Z"),
                                       act(3, "update", "EMP-3", "failed", "2026-12-01T09:00:03Z",
                                           "PATCH answered 500, then again")},
                                      {{0, "EMP-2", "u-2", "create", "title", R"("Lead, Support")",
                                        R"("Agent")", "2026-12-01T09:00:02Z"}})
                    .ok());
    ASSERT_TRUE(store
                    .finishRun(*r1, "failed",
                               R"({"counts":{"done":2,"failed":1},"driftedUsers":0})",
                               "2026-12-01T09:01:00Z")
                    .ok());
    run1_ = *r1;
    auto r2 = store.beginRun("run", "2026-12-08T09:00:00Z", "d1");
    ASSERT_TRUE(r2.ok());
    ASSERT_TRUE(store
                    .recordRunActions(*r2,
                                      {act(1, "suspend", "EMP-1", "done", "2026-12-08T09:00:01Z"),
                                       act(2, "suspend", "EMP-2", "done", "2026-12-08T09:00:02Z")},
                                      {})
                    .ok());
    ASSERT_TRUE(store
                    .recordDrift(*r2, {{0, *r1, "EMP-3", "u-3", "title", R"("Agent")", R"("Boss")",
                                        "2026-12-08T09:00:00Z"}})
                    .ok());
    ASSERT_TRUE(store
                    .finishRun(*r2, "changes",
                               R"({"counts":{"done":2},"plan":{"suspend":2},"driftedUsers":1})",
                               "2026-12-08T09:00:30Z")
                    .ok());
    run2_ = *r2;
    auto r3 = store.beginRun("run", "2026-12-08T10:00:00Z", "d1");
    ASSERT_TRUE(r3.ok());
    ASSERT_TRUE(store.finishRun(*r3, "ok", R"({"event":"EMP-9"})", "2026-12-08T10:00:01Z").ok());
    run3_ = *r3;
    for (const auto& [ext, known, suspended] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"EMP-1", "2026-12-08T09:00:00Z", "2026-12-08T09:01:00Z"},
             {"EMP-2", "2026-12-08T07:00:00Z", "2026-12-08T09:00:00Z"},
             {"EMP-7", "2026-12-09T09:00:00Z", ""}}) {
      ASSERT_TRUE(store.openTerminationCase(ext, "event", "event " + ext, known, *r2).ok());
      if (!suspended.empty()) {
        ASSERT_TRUE(store.closeTerminationCase(ext, "suspended", suspended, *r2, "").ok());
      }
    }
  }

  RunResult agent(std::vector<std::string> args) {
    args.push_back("--config");
    args.push_back(config_);
    return runAgent(args, {{"SCIM_AGENT_NOW", kNow}});
  }

  // `args` with --format json: exit 0 and the document, parsed.
  Json jsonOf(std::vector<std::string> args) {
    args.push_back("--format");
    args.push_back("json");
    RunResult r = agent(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Result<Json> doc = parseJson(r.out);
    EXPECT_TRUE(doc.ok()) << r.out;
    if (!doc.ok()) return Json();
    EXPECT_EQ(doc->getString("schema"), "scim-agent.report/v1");
    return *doc;
  }

  static const Json::Array& rows(const Json& doc, const std::string& table) {
    static const Json::Array kNone;
    const Json& t = doc.get("tables").get(table);
    EXPECT_TRUE(t.isArray()) << "table " << table << " in " << doc.dump();
    return t.isArray() ? t.asArray() : kNone;
  }

  TempDir dir_;
  std::string config_;
  int64_t run1_ = 0;
  int64_t run2_ = 0;
  int64_t run3_ = 0;
};

TEST_F(ReportCliTest, DiscrepancyAsJsonCsvAndMarkdown) {
  // The default run is the newest that recorded actions: run 2, without discrepancies.
  Json newest = jsonOf({"report", "discrepancy"});
  EXPECT_EQ(newest.getString("kind"), "discrepancy");
  EXPECT_EQ(newest.get("meta").getString("run"), "#" + std::to_string(run2_));
  EXPECT_EQ(newest.get("summary").getNumber("done"), 2);
  EXPECT_TRUE(rows(newest, "discrepancies").empty());

  Json doc = jsonOf({"report", "discrepancy", "--run", std::to_string(run1_)});
  EXPECT_EQ(doc.get("summary").getNumber("actions"), 3);
  EXPECT_EQ(doc.get("summary").getNumber("failed"), 1);
  EXPECT_EQ(doc.get("summary").getNumber("discrepancies"), 1);
  const Json::Array& found = rows(doc, "discrepancies");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].getString("externalId"), "EMP-2");
  EXPECT_EQ(found[0].getString("attribute"), "title");
  EXPECT_EQ(found[0].getString("expected"), "Lead, Support");
  EXPECT_EQ(found[0].getString("actual"), "Agent");
  EXPECT_EQ(found[0].getNumber("run"), run1_);
  const Json::Array& failed = rows(doc, "actions");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].getString("message"), "PATCH answered 500, then again");

  RunResult csv =
      agent({"report", "discrepancy", "--since", "2026-11-30T00:00:00Z", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto csv_lines = lines(csv.out);
  ASSERT_EQ(csv_lines.size(), 2u) << csv.out;
  EXPECT_EQ(csv_lines[0], "run,externalId,attribute,expected,actual,action,at");
  EXPECT_EQ(csv_lines[1], std::to_string(run1_) +
                              ",EMP-2,title,\"Lead, Support\",Agent,create,2026-12-01T09:00:02Z")
      << "a cell with a comma is quoted";

  RunResult md =
      agent({"report", "discrepancy", "--run", std::to_string(run1_), "--format", "markdown"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_TRUE(markdownTableRowWith(md.out, "EMP-2")) << md.out;
}

TEST_F(ReportCliTest, DriftAsJsonAndCsv) {
  // Default: the last 7 days before SCIM_AGENT_NOW, so run 1 (8 days back) is out.
  Json doc = jsonOf({"report", "drift"});
  EXPECT_EQ(doc.getString("kind"), "drift");
  EXPECT_EQ(doc.get("meta").getString("since"), "2026-12-02T12:00:00.000000Z");
  EXPECT_EQ(doc.get("summary").getNumber("usersWithDrift"), 1);
  EXPECT_EQ(doc.get("summary").getNumber("runs"), 2);
  const Json::Array& drift = rows(doc, "drift");
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_EQ(drift[0].getString("externalId"), "EMP-3");
  EXPECT_EQ(drift[0].getString("before"), "Agent");
  EXPECT_EQ(drift[0].getString("after"), "Boss");
  EXPECT_EQ(drift[0].getNumber("sinceRun"), run1_);

  RunResult csv = agent({"report", "drift", "--since", "30d", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto csv_lines = lines(csv.out);
  ASSERT_EQ(csv_lines.size(), 2u) << csv.out;
  EXPECT_EQ(csv_lines[0], "run,sinceRun,externalId,attribute,before,after,at");
  EXPECT_EQ(csv_lines[1], std::to_string(run2_) + "," + std::to_string(run1_) +
                              ",EMP-3,title,Agent,Boss,2026-12-08T09:00:00Z");
}

TEST_F(ReportCliTest, ComplianceAsJsonCsvAndMarkdown) {
  Json doc = jsonOf({"report", "compliance", "--since", "2026-11-30T00:00:00Z"});
  EXPECT_EQ(doc.getString("kind"), "compliance");
  const Json& summary = doc.get("summary");
  EXPECT_EQ(summary.getNumber("created"), 2);
  EXPECT_EQ(summary.getNumber("suspended"), 2);
  EXPECT_EQ(summary.getNumber("failed"), 1);
  EXPECT_EQ(summary.getNumber("terminations"), 2);
  EXPECT_EQ(summary.getNumber("medianSeconds"), 3630);  // (60 + 7200) / 2
  EXPECT_EQ(summary.getNumber("p95Seconds"), 7200);
  EXPECT_EQ(summary.getNumber("maxSeconds"), 7200);
  EXPECT_EQ(summary.getNumber("slaSeconds"), 3600);
  EXPECT_EQ(summary.getNumber("overSla"), 2) << "EMP-2 late, EMP-7 still open for 3 h";
  const Json::Array& weeks = rows(doc, "weeks");
  ASSERT_EQ(weeks.size(), 2u);
  EXPECT_EQ(weeks[0].getString("week"), "2026-W49");
  EXPECT_EQ(weeks[0].getNumber("created"), 2);
  EXPECT_EQ(weeks[1].getString("week"), "2026-W50");
  EXPECT_EQ(weeks[1].getNumber("suspended"), 2);
  EXPECT_EQ(weeks[1].getNumber("terminations"), 2);
  const Json::Array& late = rows(doc, "overSla");
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].getString("externalId"), "EMP-2");
  EXPECT_EQ(late[1].getString("externalId"), "EMP-7");
  EXPECT_EQ(late[1].getString("state"), "still open");

  // --sla 3h: none is over it (the open case is exactly 3 h old at SCIM_AGENT_NOW).
  Json relaxed = jsonOf({"report", "compliance", "--since", "2026-11-30T00:00:00Z", "--sla", "3h"});
  EXPECT_EQ(relaxed.get("summary").getNumber("overSla"), 0);
  EXPECT_EQ(relaxed.get("summary").getNumber("slaSeconds"), 10800);

  // Default --since: 12 weeks, so 13 week rows (the week of `since` to this one).
  Json twelve = jsonOf({"report", "compliance"});
  EXPECT_EQ(rows(twelve, "weeks").size(), 13u);

  RunResult csv =
      agent({"report", "compliance", "--since", "2026-11-30T00:00:00Z", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto csv_lines = lines(csv.out);
  ASSERT_EQ(csv_lines.size(), 3u) << csv.out;
  EXPECT_EQ(csv_lines[0],
            "week,weekStart,created,updated,reactivated,suspended,deleted,restored,failed,"
            "terminations,medianSeconds,p95Seconds,maxSeconds");
  EXPECT_EQ(csv_lines[1].rfind("2026-W49,", 0), 0u) << csv_lines[1];
  EXPECT_EQ(csv_lines[2].rfind("2026-W50,", 0), 0u) << csv_lines[2];

  RunResult md = agent({"report", "compliance", "--since", "14d", "--format", "markdown"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_TRUE(markdownTableRowWith(md.out, "2026-W50")) << md.out;
}

TEST_F(ReportCliTest, ShowOneRunAndAnUnknownOne) {
  Json doc = jsonOf({"show", std::to_string(run2_)});
  EXPECT_EQ(doc.getString("kind"), "run");
  EXPECT_EQ(doc.get("meta").getString("outcome"), "changes");
  EXPECT_EQ(doc.get("summary").getNumber("plannedSuspend"), 2);
  EXPECT_EQ(doc.get("summary").getNumber("driftedUsers"), 1);
  const Json::Array& acts = rows(doc, "actions");
  ASSERT_EQ(acts.size(), 2u);
  EXPECT_EQ(acts[0].getString("kind"), "suspend");
  EXPECT_EQ(acts[0].getString("outcome"), "done");
  EXPECT_EQ(rows(doc, "drift").size(), 1u);

  RunResult text = agent({"show", std::to_string(run1_)});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("PATCH answered 500"), std::string::npos) << text.out;

  RunResult unknown = agent({"show", "99"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("run 99 not found (newest is " + std::to_string(run3_) + ")"),
            std::string::npos)
      << unknown.err;
  RunResult unknown_report = agent({"report", "drift", "--run", "99"});
  EXPECT_EQ(unknown_report.exit_code, 1);
  EXPECT_NE(unknown_report.err.find("run 99 not found"), std::string::npos) << unknown_report.err;
}

TEST_F(ReportCliTest, HistoryKeepsItsJsonArrayAndTakesSinceAndTheReportFormats) {
  RunResult r = agent({"history", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Result<Json> runs = parseJson(r.out);
  ASSERT_TRUE(runs.ok()) << r.out;
  ASSERT_TRUE(runs->isArray()) << "history --format json stays the array scripts read";
  ASSERT_EQ(runs->asArray().size(), 3u);
  EXPECT_EQ(runs->asArray()[0].getNumber("id"), run3_);
  EXPECT_EQ(runs->asArray()[2].getString("summary"), "2 done, 1 failed");

  RunResult since = agent({"history", "--since", "2026-12-08T00:00:00Z", "--format", "json"});
  ASSERT_EQ(since.exit_code, 0) << since.err;
  Result<Json> recent = parseJson(since.out);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->asArray().size(), 2u);
  EXPECT_EQ(recent->asArray()[1].getNumber("id"), run2_);

  RunResult csv = agent({"history", "--format", "csv", "--limit", "2"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto csv_lines = lines(csv.out);
  ASSERT_EQ(csv_lines.size(), 3u) << csv.out;
  EXPECT_EQ(csv_lines[0], "id,kind,startedAt,endedAt,seconds,outcome,summary");
  EXPECT_EQ(csv_lines[1].rfind(std::to_string(run3_) + ",run,", 0), 0u) << csv_lines[1];

  RunResult md = agent({"history", "--format", "markdown"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_TRUE(markdownTableRowWith(md.out, "2 to suspend")) << md.out;

  RunResult text = agent({"history"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("2 to suspend"), std::string::npos) << text.out;
}

TEST_F(ReportCliTest, OutWritesTheFileAndPrintsNothing) {
  const std::string file = dir_.file("compliance.json");
  RunResult r =
      agent({"report", "compliance", "--since", "14d", "--format", "json", "--out", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(fileMode(file), 0644u);
  Result<Json> doc = parseJson(readFile(file));
  ASSERT_TRUE(doc.ok()) << readFile(file);
  EXPECT_EQ(doc->getString("schema"), "scim-agent.report/v1");
  EXPECT_EQ(doc->getString("kind"), "compliance");

  const std::string html = dir_.file("run.html");
  RunResult show = agent({"show", std::to_string(run1_), "--format", "html", "--out", html});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(show.out, "");
  EXPECT_NE(readFile(html).find("<html"), std::string::npos);

  RunResult bad_dir = agent({"report", "drift", "--out", dir_.file("no/such/dir/drift.txt")});
  EXPECT_EQ(bad_dir.exit_code, 1);
  EXPECT_NE(bad_dir.err.find("no/such/dir"), std::string::npos) << bad_dir.err;
}

TEST_F(ReportCliTest, UsageErrorsExit64) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"report"}, "discrepancy, drift, compliance"},
      {{"report", "weekly"}, "discrepancy, drift, compliance"},
      {{"report", "drift", "extra"}, "one kind"},
      {{"report", "drift", "--run", "1", "--since", "7d"}, "--run and --since"},
      {{"report", "discrepancy", "--run", "first"}, "not a run id"},
      {{"report", "discrepancy", "--run", "0"}, "not a run id"},
      {{"report", "compliance", "--run", "1"}, "--since"},
      {{"report", "drift", "--sla", "1h"}, "--sla"},
      {{"report", "compliance", "--sla", "soon"}, "--sla"},
      {{"report", "drift", "--since", "yesterday"}, "neither a duration"},
      {{"report", "drift", "--format", "pdf"}, "text, json, markdown, csv or html"},
      {{"show"}, "one run id"},
      {{"show", "1", "2"}, "one run id"},
      {{"show", "latest"}, "not a run id"},
      {{"history", "--limit", "many"}, "--limit"},
      {{"history", "--since", "soon"}, "neither a duration"},
      {{"history", "--format", "yaml"}, "text, json, markdown, csv or html"},
  };
  for (const Case& c : cases) {
    RunResult r = agent(c.args);
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 64) << joined << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << joined << "\n" << r.err;
  }
}

TEST(ReportCliHelpTest, ReportAndShowHaveHelpAndAreListed) {
  for (const char* command : {"report", "show", "history"}) {
    RunResult r = runAgent({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command << r.err;
    EXPECT_NE(r.out.find(std::string("usage: scim-agent ") + command), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--format"), std::string::npos) << r.out;
  }
  RunResult top = runAgent({"--help"});
  EXPECT_NE(top.out.find("  report "), std::string::npos) << top.out;
  EXPECT_NE(top.out.find("  show "), std::string::npos) << top.out;
}

TEST_F(ReportCliTest, MissingStateDbIsAnErrorNamingItAndIsNotCreated) {
  TempDir other;
  other.write("client-secret", "demo-secret\n");
  const std::string config =
      other.write("agent.yaml",
                  "target:\n  kind: genesys\n  apiBase: http://127.0.0.1:9\n"
                  "  loginBase: http://127.0.0.1:9\n  clientId: demo-client\n"
                  "  clientSecretFile: " +
                      other.file("client-secret") + "\ndesired: " + dir_.file("users.yaml") +
                      "\nstate: " + other.file("state.db") + "\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"report", "compliance"}, {"show", "1"}, {"history"}}) {
    std::vector<std::string> full = args;
    full.push_back("--config");
    full.push_back(config);
    RunResult r = runAgent(full);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_NE(r.err.find("state database " + other.file("state.db") + " does not exist"),
              std::string::npos)
        << r.err;
  }
  EXPECT_EQ(fileSize(other.file("state.db")), -1) << "a report never creates the database";
}

TEST_F(ReportCliTest, ReportsRunWhileAnotherProcessHoldsTheWriterLock) {
  std::unique_ptr<StateStore> writer = openStore(dir_.file("state.db"));
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer->acquireWriterLock(std::chrono::milliseconds(0)).ok());
  for (const std::vector<std::string>& args : {std::vector<std::string>{"report", "discrepancy"},
                                               {"report", "drift"},
                                               {"report", "compliance"},
                                               {"show", std::to_string(run1_)},
                                               {"history"}}) {
    RunResult r = agent(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << r.err;
  }
  EXPECT_EQ(queryInt(dir_.file("state.db"), "SELECT COUNT(*) FROM runs"), 3)
      << "reports record no run";
}

}  // namespace
}  // namespace scim_agent::testing
