// The facts the reports are built from (SPEC §11, issue 12), recorded by real runs of the
// scim-agent binary against genesys-sim with a fixed clock (SCIM_AGENT_NOW) per run, so every
// time is known: a create, an edit made in the simulator between runs (drift), an update whose
// answer the simulator normalizes (a discrepancy), and three terminations — by status, by
// removal from the desired state, and by an HR event through serve — whose times from known to
// suspended are 30 min, 20 min and 1 min. The state DB is then read back through the report
// commands.

#include <chrono>
#include <set>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent/base/clock.h"
#include "agent/codec/hmac_sha256.h"
#include "agent/codec/json_parse.h"
#include "state/state_store.h"
#include "tests/support/chromium.h"
#include "tests/support/harness.h"
#include "tests/support/org.h"
#include "tests/support/state_db.h"
#include "tests/support/webhook_receiver.h"

namespace scim_agent::testing {
namespace {

const std::string kSecret = "report-facts-event-secret-0123456789";

std::vector<Person> staff() {
  std::vector<Person> out;
  for (int i = 1; i <= 5; ++i) {
    const std::string id = "EMP-" + std::to_string(i);
    out.push_back({.external_id = id, .user_name = "emp" + std::to_string(i) + "@corp.example",
                   .title = "Agent"});
  }
  return out;
}

Person& person(std::vector<Person>& people, const std::string& id) {
  for (Person& p : people) {
    if (p.external_id == id) return p;
  }
  people.push_back({.external_id = id, .user_name = "new@corp.example", .title = "Agent"});
  return people.back();
}

std::map<std::string, std::string> at(const std::string& now) { return {{"SCIM_AGENT_NOW", now}}; }

// One scenario for the whole suite: its runs take a few seconds.
class ReportFactsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new SimProcess();
    dir_ = new TempDir();
    std::vector<Person> people = staff();
    sim_->seed(seedOrg(people));
    people.push_back({.external_id = "EMP-6", .user_name = "emp6@corp.example", .title = "Agent"});
    write(people);
    config_ = writeAgentConfig(*dir_, *sim_, dir_->file("desired.yaml"));
    dir_->write("event-secret", kSecret + "\n");
    dir_->append("agent.yaml", "serve: { listen: 127.0.0.1:0, eventSecretFile: " +
                                   dir_->file("event-secret") + " }\n");

    // 08:00 run: creates EMP-6.
    expectExit(runAgent({"run", "--config", config_}, at("2026-11-02T08:00:00Z")), 0);
    // Someone edits EMP-2 in the admin UI.
    sim_->touch(Json(Json::Object{{"userName", "emp2@corp.example"}, {"title", "Changed by admin"}}));
    // EMP-3 gets a new display name; EMP-4 is terminated in the desired state.
    person(people, "EMP-3").display_name = "Lead Three";
    person(people, "EMP-4").status = "terminated";
    write(people);
    // 09:00 plan: sees the drift and EMP-4's termination (known from now on).
    expectExit(runAgent({"plan", "--config", config_}, at("2026-11-02T09:00:00Z")), 0);
    // EMP-5 leaves the desired state; 09:10 plan sees it.
    people.erase(std::remove_if(people.begin(), people.end(),
                                [](const Person& p) { return p.external_id == "EMP-5"; }),
                 people.end());
    write(people);
    expectExit(runAgent({"plan", "--config", config_}, at("2026-11-02T09:10:00Z")), 0);
    // Genesys normalizes the next display name it is sent.
    sim_->api("POST", "/sim/rewrites",
              Json(Json::Object{{"attribute", "displayName"},
                                {"value", "Lead Three (normalized)"},
                                {"count", 1}}));
    // 09:30 run: EMP-2's title back, EMP-3's display name, EMP-4 and EMP-5 suspended.
    expectExit(runAgent({"run", "--allow-destructive", "--config", config_},
                        at("2026-11-02T09:30:00Z")),
               0);
    // 10:00: serve takes a termination event for EMP-1 that occurred at 09:59.
    serveEvent("2026-11-02T10:00:00Z", "EMP-1", "2026-11-02T09:59:00Z");
    // 10:30 run: nothing drifted (every change since 09:30 was this agent's). It leaves its
    // report in a report directory.
    expectExit(runAgent({"run", "--allow-destructive", "--config", config_, "--report-dir",
                         dir_->file("reports")},
                        at("2026-11-02T10:30:00Z")),
               0);
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete sim_;
  }

  static void write(const std::vector<Person>& people) {
    dir_->write("desired.yaml", desiredYaml(people));
  }
  static void expectExit(const RunResult& r, int code) {
    ASSERT_EQ(r.exit_code, code) << r.out << r.err;
  }

  static void serveEvent(const std::string& now, const std::string& external_id,
                         const std::string& occurred_at) {
    const std::string port_file = dir_->file("serve.port");
    AgentProcess serve({"serve", "--config", config_, "--interval", "0", "--port-file", port_file},
                       at(now));
    int port = 0;
    for (int i = 0; i < 400 && port == 0; ++i) {
      std::ifstream f(port_file);
      if (!(f >> port)) {
        port = 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
    }
    ASSERT_NE(port, 0) << "serve did not start";
    const std::string body = "{\"type\":\"termination\",\"externalId\":\"" + external_id +
                             "\",\"occurredAt\":\"" + occurred_at + "\",\"eventId\":\"hr-1\"}";
    const auto unix_now = std::chrono::duration_cast<std::chrono::seconds>(
                              parseIso8601(now)->time_since_epoch())
                              .count();
    const std::string ts = std::to_string(unix_now);
    Json answer = postSigned(port, body, ts);
    ASSERT_EQ(answer.getNumber("status"), 202) << answer.dump();
    // Until the event's run suspended the user.
    for (int i = 0; i < 300; ++i) {
      if (!sim_->userByExternalId(external_id).getBool("active", true)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    serve.terminate();
    serve.wait();
  }

  static Json postSigned(int port, const std::string& body, const std::string& ts);

  static int64_t count(const std::string& sql) { return queryInt(dir_->file("state.db"), sql); }
  static std::string dir_config() { return config_; }

  static SimProcess* sim_;
  static TempDir* dir_;
  static std::string config_;
};

SimProcess* ReportFactsTest::sim_ = nullptr;
TempDir* ReportFactsTest::dir_ = nullptr;
std::string ReportFactsTest::config_;

}  // namespace
}  // namespace scim_agent::testing

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

namespace scim_agent::testing {
namespace {

Json ReportFactsTest::postSigned(int port, const std::string& body, const std::string& ts) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request("POST", "/v1/events", Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("X-Scim-Agent-Timestamp", ts);
  request.set("X-Scim-Agent-Signature", timestampedSignature(kSecret, ts, body));
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return Json(Json::Object{{"status", static_cast<int>(response.getStatus())}, {"body", text}});
}

TEST_F(ReportFactsTest, DriftIsTheAdminEditAloneSeenByTheFirstRunAfterIt) {
  auto store = openStore(dir_->file("state.db"));
  ASSERT_TRUE(store);
  auto drift = store->drift(0, "");
  ASSERT_TRUE(drift.ok()) << drift.error().message;
  ASSERT_EQ(drift->size(), 1u);
  const DriftRecord& d = drift->front();
  EXPECT_EQ(d.external_id, "EMP-2");
  EXPECT_EQ(d.attribute, "title");
  EXPECT_EQ(d.before_json, "\"Agent\"");
  EXPECT_EQ(d.after_json, "\"Changed by admin\"");
  auto run = store->getRun(d.run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->kind, "plan");
  EXPECT_EQ(run->started_at.substr(0, 19), "2026-11-02T09:00:00");
  EXPECT_EQ(parseJson(run->summary_json)->getNumber("driftedUsers", -1), 1);
  auto since = store->getRun(d.since_run_id);
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(since->started_at.substr(0, 19), "2026-11-02T08:00:00");
  // The last run saw only this agent's own writes: no drift, and it says so.
  auto last = store->listRuns(1);
  ASSERT_TRUE(last.ok() && !last->empty());
  EXPECT_EQ(parseJson(last->front().summary_json)->getNumber("driftedUsers", -1), 0);
}

TEST_F(ReportFactsTest, TheNormalizedAnswerIsADiscrepancyOfThatRun) {
  auto store = openStore(dir_->file("state.db"));
  ASSERT_TRUE(store);
  auto found = store->discrepancies(0, "");
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  const DiscrepancyRecord& d = found->front();
  EXPECT_EQ(d.external_id, "EMP-3");
  EXPECT_EQ(d.attribute, "displayName");
  EXPECT_EQ(d.action, "update");
  EXPECT_EQ(d.expected_json, "\"Lead Three\"");
  EXPECT_EQ(d.actual_json, "\"Lead Three (normalized)\"");
  EXPECT_EQ(store->getRun(d.run_id)->started_at.substr(0, 19), "2026-11-02T09:30:00");
}

TEST_F(ReportFactsTest, EachRunRecordsWhatItsActionsCameTo) {
  auto store = openStore(dir_->file("state.db"));
  ASSERT_TRUE(store);
  auto runs = store->runsSince("");
  ASSERT_TRUE(runs.ok());
  int64_t run_0930 = 0;
  for (const RunRecord& r : *runs) {
    if (r.started_at.rfind("2026-11-02T09:30:00", 0) == 0) run_0930 = r.id;
  }
  ASSERT_NE(run_0930, 0);
  auto actions = store->runActions(run_0930);
  ASSERT_TRUE(actions.ok());
  std::map<std::string, std::string> by_user;  // "kind EMP-n" → outcome
  for (const RunActionRecord& a : *actions) by_user[a.kind + " " + a.external_id] = a.outcome;
  EXPECT_EQ(by_user["update EMP-2"], "done");
  EXPECT_EQ(by_user["update EMP-3"], "done");
  EXPECT_EQ(by_user["suspend EMP-4"], "done");
  EXPECT_EQ(by_user["suspend EMP-5"], "done");
  // The two plans before it recorded what they planned (the second's two suspends are over
  // maxDestructive: blocked).
  EXPECT_EQ(count("SELECT COUNT(*) FROM run_actions WHERE kind = 'suspend' AND external_id = "
                  "'EMP-4' AND outcome IN ('planned', 'blocked')"),
            2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM run_actions WHERE outcome = 'done' AND kind = 'create' "
                  "AND external_id = 'EMP-6'"),
            1);
}

TEST_F(ReportFactsTest, TerminationsRunFromWhenTheyWereKnownToTheSuspension) {
  auto store = openStore(dir_->file("state.db"));
  ASSERT_TRUE(store);
  auto cases = store->terminationCases("");
  ASSERT_TRUE(cases.ok());
  std::map<std::string, TerminationCase> by_user;
  for (const TerminationCase& c : *cases) by_user[c.external_id] = c;
  ASSERT_EQ(by_user.size(), 3u);
  EXPECT_EQ(by_user["EMP-4"].cause, "status");
  EXPECT_EQ(by_user["EMP-4"].known_at.substr(0, 19), "2026-11-02T09:00:00");
  EXPECT_EQ(by_user["EMP-4"].suspended_at.substr(0, 19), "2026-11-02T09:30:00");
  EXPECT_EQ(by_user["EMP-5"].cause, "removal");
  EXPECT_EQ(by_user["EMP-5"].known_at.substr(0, 19), "2026-11-02T09:10:00");
  EXPECT_EQ(by_user["EMP-5"].suspended_at.substr(0, 19), "2026-11-02T09:30:00");
  EXPECT_EQ(by_user["EMP-1"].cause, "event");
  EXPECT_EQ(by_user["EMP-1"].known_at.substr(0, 19), "2026-11-02T09:59:00");
  EXPECT_EQ(by_user["EMP-1"].suspended_at.substr(0, 19), "2026-11-02T10:00:00");
  for (const auto& [id, c] : by_user) EXPECT_EQ(c.state, "suspended") << id;
}

// `report KIND --format json` at 2026-11-09 (a week later) over this state DB.
Json reportJson(const std::string& config, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"report"};
  args.insert(args.end(), extra.begin(), extra.end());
  for (const char* a : {"--format", "json", "--config"}) args.push_back(a);
  args.push_back(config);
  RunResult r = runAgent(args, at("2026-11-09T12:00:00Z"));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto parsed = parseJson(r.out);
  EXPECT_TRUE(parsed.ok()) << r.out;
  if (!parsed.ok()) return Json::object();
  EXPECT_EQ(parsed->getString("schema"), "scim-agent.report/v1");
  return *parsed;
}

TEST_F(ReportFactsTest, ComplianceGivesTheExactMedianP95AndMaxOfTheThreeTerminations) {
  const Json doc = reportJson(config_, {"compliance", "--since", "2026-10-01T00:00:00Z", "--sla", "15m"});
  const Json& summary = doc.get("summary");
  // 60 s (event), 1200 s (removal), 1800 s (status): median the middle one, p95 the
  // ⌈0.95·3⌉ = 3rd smallest, max the largest.
  EXPECT_EQ(summary.getNumber("terminations", -1), 3);
  EXPECT_EQ(summary.getNumber("medianSeconds", -1), 1200);
  EXPECT_EQ(summary.getNumber("p95Seconds", -1), 1800);
  EXPECT_EQ(summary.getNumber("maxSeconds", -1), 1800);
  EXPECT_EQ(summary.getNumber("overSla", -1), 2);
  const Json* w45 = nullptr;
  for (const Json& week : doc.get("tables").get("weeks").asArray()) {
    if (week.getString("week") == "2026-W45") w45 = &week;
  }
  ASSERT_NE(w45, nullptr) << doc.pretty();
  EXPECT_EQ(w45->getNumber("created"), 1);
  EXPECT_EQ(w45->getNumber("suspended"), 3);
  EXPECT_EQ(w45->getNumber("terminations"), 3);
  EXPECT_EQ(w45->getNumber("medianSeconds"), 1200);
  std::set<std::string> over;
  for (const Json& row : doc.get("tables").get("overSla").asArray()) {
    over.insert(row.getString("externalId"));
  }
  EXPECT_EQ(over, (std::set<std::string>{"EMP-4", "EMP-5"}));
}

TEST_F(ReportFactsTest, DriftAndDiscrepancyReportsShowTheRecordedFacts) {
  const Json drift = reportJson(config_, {"drift", "--since", "2026-11-01T00:00:00Z"});
  const Json::Array& rows = drift.get("tables").get("drift").asArray();
  ASSERT_EQ(rows.size(), 1u) << drift.pretty();
  EXPECT_EQ(rows[0].getString("externalId"), "EMP-2");
  EXPECT_EQ(rows[0].getString("after"), "Changed by admin");
  const Json discrepancy = reportJson(config_, {"discrepancy", "--since", "2026-11-01T00:00:00Z"});
  const Json::Array& found = discrepancy.get("tables").get("discrepancies").asArray();
  ASSERT_EQ(found.size(), 1u) << discrepancy.pretty();
  EXPECT_EQ(found[0].getString("expected"), "Lead Three");
  EXPECT_EQ(found[0].getString("actual"), "Lead Three (normalized)");
}

TEST_F(ReportFactsTest, EachHtmlReportLoadsInChromiumWithItsRowsAndCharts) {
  const std::string chromium = findChromium();
  ASSERT_FALSE(chromium.empty()) << "headless Chromium is needed: run ./setup.sh test";
  TempDir work;
  Chromium browser(chromium, work.path());
  struct Case {
    std::vector<std::string> args;
    std::string table;
    int rows;
    std::string chart;
  };
  const std::vector<Case> cases = {
      {{"compliance", "--since", "2026-10-26T00:00:00Z", "--sla", "15m"}, "weeks", 3,
       "terminationTime"},
      {{"drift", "--since", "2026-11-01T00:00:00Z"}, "drift", 1, "driftPerRun"},
      {{"discrepancy", "--since", "2026-11-01T00:00:00Z"}, "discrepancies", 1, ""},
  };
  for (const Case& c : cases) {
    const std::string page = work.file(c.args[0] + ".html");
    std::vector<std::string> args = {"report"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    for (const std::string& a : {std::string("--format"), std::string("html"),
                                 std::string("--out"), page, std::string("--config"), dir_config()}) {
      args.push_back(a);
    }
    RunResult r = runAgent(args, at("2026-11-09T12:00:00Z"));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ChromiumRun dom = browser.dumpDom(fileUrl(page));
    ASSERT_TRUE(dom.ok()) << dom.describe();
    EXPECT_TRUE(dom.console.empty()) << c.args[0] << ": " << dom.console.front();
    EXPECT_NE(dom.out.find("data-script-errors=\"0\""), std::string::npos) << c.args[0];
    EXPECT_NE(dom.out.find("id=\"t-" + c.table + "\" data-rows=\"" + std::to_string(c.rows) + "\""),
              std::string::npos)
        << c.args[0] << "\n" << dom.out.substr(0, 3000);
    if (!c.chart.empty()) {
      EXPECT_NE(dom.out.find("id=\"c-" + c.chart + "\""), std::string::npos) << c.args[0];
    }
    ChromiumRun shot = browser.screenshot(fileUrl(page), work.file(c.args[0] + ".png"), 1200, 1600);
    EXPECT_TRUE(shot.ok()) << shot.describe();
    EXPECT_GT(fileSize(work.file(c.args[0] + ".png")), 10'000) << c.args[0];
  }
}

TEST_F(ReportFactsTest, ARunWithAReportDirLeavesItsDiscrepancyReportThere) {
  auto last = openStore(dir_->file("state.db"))->listRuns(1);
  ASSERT_TRUE(last.ok() && !last->empty());
  const std::string base = dir_->file("reports/run-" + std::to_string(last->front().id) + "-discrepancy");
  std::ifstream json(base + ".json");
  std::string text((std::istreambuf_iterator<char>(json)), std::istreambuf_iterator<char>());
  auto doc = parseJson(text);
  ASSERT_TRUE(doc.ok()) << base << ".json: " << text.substr(0, 200);
  EXPECT_EQ(doc->getString("kind"), "discrepancy");
  EXPECT_GT(fileSize(base + ".html"), 1000);
}

TEST_F(ReportFactsTest, TheWeeklyUnitsCommandSavesAndSendsOneSignedNotification) {
  WebhookReceiver receiver;
  receiver.scriptStatuses({503});  // the first try fails: retried
  TempDir side;
  // The same state DB, with report.dir and notify.webhook (as the report unit's agent.yaml).
  std::ifstream base_config(config_);
  std::string yaml((std::istreambuf_iterator<char>(base_config)), std::istreambuf_iterator<char>());
  side.write("agent.yaml", yaml + "report:\n  dir: " + side.file("weekly") +
                               "\n  terminationSla: 15m\n");
  addWebhookConfig(side, receiver.url(), "weekly-webhook-secret");
  RunResult r = runAgent({"report", "compliance", "--save", "--notify", "--since",
                          "2026-10-01T00:00:00Z", "--config", side.file("agent.yaml")},
                         at("2026-11-09T06:00:00Z"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, side.file("weekly/compliance-2026-W46.json") + "\n" +
                       side.file("weekly/compliance-2026-W46.html") + "\n");
  ASSERT_TRUE(receiver.waitFor(2));
  const auto accepted = receiver.accepted();
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_TRUE(verifyWebhookSignature(accepted[0], "weekly-webhook-secret"));
  auto body = parseJson(accepted[0].body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->getString("event"), "report.compliance");
  EXPECT_EQ(body->get("detail").get("summary").getNumber("overSla", -1), 2)
      << "report.terminationSla (15m) is the default SLA";
  EXPECT_EQ(body->get("detail").get("files").asArray().size(), 2u);
  EXPECT_EQ(receiver.received().front().deliveryId(), accepted[0].deliveryId())
      << "a retried delivery keeps its id";
}

}  // namespace
}  // namespace scim_agent::testing
