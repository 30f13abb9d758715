// The HTML report in a real browser: each page rendered by renderReportHtml is loaded by headless
// Chromium from disk, its DOM dumped after the script ran and a PNG taken. Chromium comes from
// Debian's `chromium` package (`./setup.sh test` installs it); without it these tests fail.

#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/report/plan_render.h"
#include "agent/report/report_doc.h"
#include "tests/support/chromium.h"
#include "tests/support/temp_dir.h"

namespace scim_agent::testing {
namespace {

// ---- the pages --------------------------------------------------------------------------------

ReportDoc complianceDoc() {
  ReportDoc doc;
  doc.kind = "compliance";
  doc.title = "Compliance, 2026-W45 to 2026-W48";
  doc.generated_at = "2026-12-01T06:00:00Z";
  doc.meta = {{"since", "2026-11-02T00:00:00Z"}, {"state", "/var/lib/scim-agent/state.db"}};
  doc.summary = {
      {"terminations", 5}, {"medianSeconds", 2760}, {"p95Seconds", 7200}, {"overSla", 2}};
  doc.blocks.push_back({ReportBlock::Level::kWarning,
                        "2 terminations over the SLA (1 h)",
                        {"EMP-2 and EMP-3 were suspended more than an hour after it was known."}});

  ReportTable weeks;
  weeks.id = "weeks";
  weeks.title = "Actions per week";
  weeks.columns = {{"week", "Week", ColumnType::kText},
                   {"created", "Created", ColumnType::kInteger},
                   {"updated", "Updated", ColumnType::kInteger},
                   {"suspended", "Suspended", ColumnType::kInteger}};
  weeks.rows = {{Json("2026-W45"), Json(4), Json(10), Json(1)},
                {Json("2026-W46"), Json(0), Json(3), Json(2)},
                {Json("2026-W47"), Json(7), Json(1), Json(0)},
                {Json("2026-W48"), Json(2), Json(5), Json(2)}};
  doc.tables.push_back(weeks);

  ReportTable terminations;
  terminations.id = "terminations";
  terminations.title = "Terminations";
  terminations.columns = {{"externalId", "externalId", ColumnType::kText},
                          {"knownAt", "Known", ColumnType::kTime},
                          {"waitSeconds", "Time to suspension", ColumnType::kDuration},
                          {"source", "Source", ColumnType::kText}};
  terminations.rows = {
      {Json("EMP-1"), Json("2026-11-02T09:00:00Z"), Json(120), Json("event")},
      {Json("EMP-2"), Json("2026-11-10T09:00:00Z"), Json(5400), Json("manifest, \"row 4\"")},
      {Json("EMP-10"), Json("2026-11-03T09:00:00Z"), Json(30), Json("status")},
      {Json("EMP-3"), Json("2026-11-20T09:00:00Z"), Json(7200),
       Json("<script>document.title='pwned'</script>")},
      {Json("EMP-4"), Json("2026-11-25T09:00:00Z"), Json(), Json("removal")},
  };
  doc.tables.push_back(terminations);
  doc.csv_table = "terminations";

  ReportChart actions;
  actions.kind = ReportChart::Kind::kStackedBars;
  actions.id = "actions";
  actions.title = "Actions per week by kind";
  actions.unit = "actions";
  actions.categories = {"2026-W45", "2026-W46", "2026-W47", "2026-W48"};
  actions.series = {{"created", {4.0, 0.0, 7.0, 2.0}},
                    {"updated", {10.0, 3.0, 1.0, 5.0}},
                    {"suspended", {1.0, 2.0, std::nullopt, 2.0}}};
  doc.charts.push_back(actions);

  ReportChart times;
  times.kind = ReportChart::Kind::kLines;
  times.id = "times";
  times.title = "Termination to suspension";
  times.unit = "seconds";
  times.categories = actions.categories;
  times.series = {{"median", {120.0, 2760.0, std::nullopt, 7200.0}},
                  {"p95", {150.0, 5400.0, std::nullopt, 7200.0}}};
  times.threshold = 3600;
  times.threshold_label = "SLA 1 h";
  doc.charts.push_back(times);

  ReportChart drift;
  drift.kind = ReportChart::Kind::kBars;
  drift.id = "drift";
  drift.title = "Drifted users per run <b>\"bold\"</b>";
  drift.unit = "users";
  drift.categories = {"#11", "#12", "#13"};
  drift.series = {{"drifted users", {0.0, 3.0, 1.0}}};
  doc.charts.push_back(drift);
  return doc;
}

Plan reviewPlan() {
  Plan plan;
  Action create;
  create.kind = ActionKind::kCreate;
  create.external_id = "EMP-1001";
  create.user_name = "jdoe@corp.example";
  create.rule = "new in desired state";
  create.source = {"specs/users.yaml", 3, 5};
  create.changes = {{"title", Json(), Json("Support <Engineer>")}};
  plan.actions.push_back(create);
  Action update;
  update.kind = ActionKind::kUpdate;
  update.external_id = "EMP-<img src=x onerror=alert(1)>";
  update.user_name = "\"quoted\"@corp.example";
  update.rule = "attributes differ";
  update.changes = {{"title", Json("Agent"), Json("Lead")}};
  plan.actions.push_back(update);
  Action suspend;
  suspend.kind = ActionKind::kSuspend;
  suspend.external_id = "EMP-1003";
  suspend.user_name = "gone@corp.example";
  suspend.rule = "removed from desired state";
  suspend.changes = {{"active", Json(true), Json(false)}};
  plan.actions.push_back(suspend);
  plan.notices.push_back({NoticeKind::kWarning,
                          "EMP-1002",
                          "asmith@corp.example",
                          "group \"Night Shift\" does not exist in Genesys",
                          {"specs/users.yaml", 20, 5}});
  plan.cost.calls = {{"POST /Users", 1}, {"PATCH /Users", 2}};
  plan.cost.total_calls = 3;
  plan.cost.min_seconds = 0.6;
  return plan;
}

// ---- reading the dumped DOM -------------------------------------------------------------------

// The element that starts with `open` (e.g. "<table id=\"t-weeks\"") up to its `close` tag.
std::string element(const std::string& dom, const std::string& open, const std::string& close) {
  const size_t start = dom.find(open);
  if (start == std::string::npos) return "";
  const size_t end = dom.find(close, start);
  return dom.substr(start,
                    end == std::string::npos ? std::string::npos : end + close.size() - start);
}

struct Row {
  bool hidden = false;
  std::vector<std::string> cells;  // inner HTML of each <td>
};

std::vector<Row> bodyRows(const std::string& dom, const std::string& table_id) {
  const std::string table = element(dom, "<table id=\"t-" + table_id + "\"", "</table>");
  const std::string body = element(table, "<tbody>", "</tbody>");
  std::vector<Row> rows;
  static const std::regex kRow(R"(<tr([^>]*)>([\s\S]*?)</tr>)");
  static const std::regex kCell(R"(<td[^>]*>([\s\S]*?)</td>)");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), kRow); it != std::sregex_iterator();
       ++it) {
    Row row;
    row.hidden = (*it)[1].str().find("hidden") != std::string::npos;
    const std::string inner = (*it)[2].str();
    for (auto c = std::sregex_iterator(inner.begin(), inner.end(), kCell);
         c != std::sregex_iterator(); ++c) {
      row.cells.push_back((*c)[1].str());
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<std::string> visibleColumn(const std::vector<Row>& rows, size_t column) {
  std::vector<std::string> out;
  for (const Row& r : rows) {
    if (!r.hidden && column < r.cells.size()) out.push_back(r.cells[column]);
  }
  return out;
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

std::string attribute(const std::string& tag_text, const std::string& name) {
  const std::regex re(name + "=\"([^\"]*)\"");
  std::smatch m;
  return std::regex_search(tag_text, m, re) ? m[1].str() : "";
}

// Where the screenshots stay after the test (the closing note of issue 12 cites them).
std::string screenshotDir() {
  const std::string dir = SCIM_AGENT_SCREENSHOT_DIR;
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

// ---- the fixture ------------------------------------------------------------------------------

class HtmlReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = findChromium();
    if (binary_.empty()) {
      GTEST_FAIL() << "headless Chromium is needed to test the HTML reports and none was found "
                      "(chromium or chromium-browser on PATH, or SCIM_AGENT_CHROMIUM). Run "
                      "./setup.sh test, which installs Debian's chromium package (CI does), or "
                      "apt-get install chromium.";
    }
    if (::access(binary_.c_str(), X_OK) != 0) {
      GTEST_FAIL() << "the Chromium binary " << binary_
                   << " (SCIM_AGENT_CHROMIUM or PATH) cannot be run; unset SCIM_AGENT_CHROMIUM or "
                      "run ./setup.sh test to install Debian's chromium package.";
    }
    chromium_.emplace(binary_, dir_.path());
  }

  // Writes `html` as name and returns its path.
  std::string page(const std::string& name, const std::string& html) {
    return dir_.write(name, html);
  }

  // The DOM of the page after its script ran, with the fragment; fails the test when Chromium
  // failed, the page logged to the console or counted a script error.
  std::string loadClean(const std::string& path, const std::string& fragment = "") {
    const ChromiumRun r = chromium_->dumpDom(fileUrl(path, fragment));
    EXPECT_TRUE(r.ok()) << r.describe();
    std::string console;
    for (const std::string& line : r.console) console += "\n  " + line;
    EXPECT_TRUE(r.console.empty()) << "console messages of " << path << ":" << console;
    EXPECT_NE(r.out.find("data-script-errors=\"0\""), std::string::npos)
        << "the page's script failed:\n"
        << element(r.out, "<body", ">");
    return r.out;
  }

  TempDir dir_;
  std::string binary_;
  std::optional<Chromium> chromium_;
};

TEST_F(HtmlReportTest, LoadsWithoutErrorsAndShowsRowsAndCharts) {
  const std::string dom = loadClean(page("compliance.html", renderReportHtml(complianceDoc())));
  // The script ran: the filter boxes are shown and the counts read "N of M rows".
  EXPECT_EQ(count(dom, "<div class=\"controls\" hidden"), 0u) << dom;
  EXPECT_NE(dom.find("id=\"n-terminations\" aria-live=\"polite\">5 of 5 rows</p>"),
            std::string::npos);
  EXPECT_NE(dom.find("id=\"n-weeks\" aria-live=\"polite\">4 of 4 rows</p>"), std::string::npos);

  // Tables: every row, in the document's order.
  const auto weeks = bodyRows(dom, "weeks");
  EXPECT_EQ(visibleColumn(weeks, 0),
            (std::vector<std::string>{"2026-W45", "2026-W46", "2026-W47", "2026-W48"}));
  EXPECT_NE(dom.find("<table id=\"t-weeks\" data-rows=\"4\""), std::string::npos);
  const auto terminations = bodyRows(dom, "terminations");
  ASSERT_EQ(terminations.size(), 5u);
  EXPECT_EQ(terminations[1].cells[2], "1 h 30 min");
  // The hostile source is text on the page, not a script: the title is untouched.
  EXPECT_NE(terminations[3].cells[3].find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(dom.find("<title>Compliance, 2026-W45 to 2026-W48</title>"), std::string::npos);
  EXPECT_EQ(count(dom, "<script"), 1u);

  // Charts: one bar per present value (the missing one draws none), with its value.
  const std::string actions = element(dom, "<svg id=\"c-actions\"", "</svg>");
  ASSERT_FALSE(actions.empty()) << dom;
  EXPECT_EQ(count(actions, "<rect class=\"bar\""), 11u);
  EXPECT_NE(actions.find("data-series=\"updated\" data-category=\"2026-W45\" data-value=\"10\""),
            std::string::npos);
  EXPECT_NE(actions.find("<title>created, 2026-W47: 7 actions</title>"), std::string::npos);
  EXPECT_NE(actions.find("class=\"legend\""), std::string::npos);
  const std::string times = element(dom, "<svg id=\"c-times\"", "</svg>");
  EXPECT_EQ(count(times, "<circle class=\"point\""), 6u);
  EXPECT_EQ(count(times, "<line class=\"threshold\" x1"), 1u + 1u);  // the line and its legend key
  EXPECT_NE(times.find("data-value=\"3600\""), std::string::npos);
  EXPECT_NE(times.find(">SLA 1 h</text>"), std::string::npos);
  EXPECT_NE(times.find(">1 h</text>"), std::string::npos);  // duration tick labels
  const std::string drift = element(dom, "<svg id=\"c-drift\"", "</svg>");
  EXPECT_EQ(count(drift, "<rect class=\"bar\""), 3u);
  EXPECT_NE(drift.find("data-category=\"#12\" data-value=\"3\""), std::string::npos);
  EXPECT_NE(dom.find("Drifted users per run &lt;b&gt;\"bold\"&lt;/b&gt;"), std::string::npos);
}

TEST_F(HtmlReportTest, FragmentSortsByAColumn) {
  const std::string path = page("compliance.html", renderReportHtml(complianceDoc()));

  std::string dom = loadClean(path, "sort=terminations:waitSeconds:desc");
  auto rows = bodyRows(dom, "terminations");
  EXPECT_EQ(visibleColumn(rows, 0), (std::vector<std::string>{"EMP-3", "EMP-2", "EMP-1", "EMP-10",
                                                              "EMP-4"}));  // empty last
  EXPECT_NE(dom.find("data-key=\"waitSeconds\" data-type=\"duration\" class=\"n\" "
                     "aria-sort=\"descending\""),
            std::string::npos)
      << element(dom, "<table id=\"t-terminations\"", "</thead>");

  dom = loadClean(path, "sort=terminations:waitSeconds:asc");
  EXPECT_EQ(visibleColumn(bodyRows(dom, "terminations"), 0),
            (std::vector<std::string>{"EMP-10", "EMP-1", "EMP-2", "EMP-3", "EMP-4"}));

  // Text sorts by localeCompare with numbers as numbers: EMP-10 after EMP-4.
  dom = loadClean(path, "sort=terminations:externalId:asc");
  EXPECT_EQ(visibleColumn(bodyRows(dom, "terminations"), 0),
            (std::vector<std::string>{"EMP-1", "EMP-2", "EMP-3", "EMP-4", "EMP-10"}));

  // Times by value.
  dom = loadClean(path, "sort=terminations:knownAt:desc");
  EXPECT_EQ(visibleColumn(bodyRows(dom, "terminations"), 0).front(), "EMP-4");

  // Another table is untouched by a sort of this one.
  EXPECT_EQ(visibleColumn(bodyRows(dom, "weeks"), 0).front(), "2026-W45");
  dom = loadClean(path, "sort=weeks:created:desc");
  EXPECT_EQ(visibleColumn(bodyRows(dom, "weeks"), 0).front(), "2026-W47");
}

TEST_F(HtmlReportTest, FragmentFiltersRowsAndUpdatesTheCount) {
  const std::string path = page("compliance.html", renderReportHtml(complianceDoc()));
  std::string dom = loadClean(path, "filter=terminations:EMP-1");
  auto rows = bodyRows(dom, "terminations");
  ASSERT_EQ(rows.size(), 5u);  // hidden, not removed
  EXPECT_EQ(visibleColumn(rows, 0), (std::vector<std::string>{"EMP-1", "EMP-10"}));
  EXPECT_NE(dom.find(">2 of 5 rows</p>"), std::string::npos);
  EXPECT_EQ(attribute(element(dom, "<table id=\"t-terminations\"", ">"), "data-shown"), "2");

  // Case-insensitive, any column, URL-encoded; together with a sort.
  dom = loadClean(path,
                  "sort=terminations:waitSeconds:desc&filter=terminations:MANIFEST%2C%20%22ROW");
  EXPECT_EQ(visibleColumn(bodyRows(dom, "terminations"), 0), (std::vector<std::string>{"EMP-2"}));
  EXPECT_NE(dom.find(">1 of 5 rows</p>"), std::string::npos);

  dom = loadClean(path, "filter=terminations:nothing-matches");
  EXPECT_TRUE(visibleColumn(bodyRows(dom, "terminations"), 0).empty());
  EXPECT_NE(dom.find(">0 of 5 rows</p>"), std::string::npos);
  EXPECT_NE(dom.find(">4 of 4 rows</p>"), std::string::npos);  // weeks unfiltered
}

// The header buttons and the filter box, driven by a script added to a copy of the page (its
// Content-Security-Policy removed so the driver may run), like a reader's clicks and typing.
TEST_F(HtmlReportTest, ClickingAHeaderSortsAndTypingFilters) {
  std::string html = renderReportHtml(complianceDoc());
  html = std::regex_replace(html, std::regex("<meta http-equiv=\"Content-Security-Policy\"[^>]*>"),
                            "");
  const std::string driver = R"(<script>
(function () {
  var b = document.body;
  var first = function () { return document.querySelector('#t-terminations tbody tr').cells[0].textContent; };
  var button = document.querySelector('#t-terminations th[data-key="waitSeconds"] button');
  button.click();
  b.setAttribute('data-after-one-click', first());
  button.click();
  b.setAttribute('data-after-two-clicks', first());
  var input = document.getElementById('f-terminations');
  input.value = 'emp-1';
  input.dispatchEvent(new Event('input'));
  b.setAttribute('data-count', document.getElementById('n-terminations').textContent);
})();
</script>
</body>)";
  html.replace(html.rfind("</body>"), 7, driver);
  const std::string dom = loadClean(page("driven.html", html));
  EXPECT_NE(dom.find("data-after-one-click=\"EMP-10\""), std::string::npos)
      << element(dom, "<body", ">");
  EXPECT_NE(dom.find("data-after-two-clicks=\"EMP-3\""), std::string::npos);
  EXPECT_NE(dom.find("data-count=\"2 of 5 rows\""), std::string::npos);
  EXPECT_EQ(visibleColumn(bodyRows(dom, "terminations"), 0),
            (std::vector<std::string>{"EMP-1", "EMP-10"}));  // still by wait, desc: 120 s, 30 s
}

TEST_F(HtmlReportTest, ReadableWithScriptsOff) {
  // --dump-dom needs JavaScript itself, so "scripts off" is the page without its script: what a
  // reader with JavaScript disabled gets, as Chromium's parser builds it.
  std::string html = renderReportHtml(complianceDoc());
  const size_t script = html.find("<script>");
  ASSERT_NE(script, std::string::npos);
  html.erase(script, html.find("</script>") + 9 - script);
  const std::string path = page("no-script.html", html);
  const std::string dom = loadClean(path, "sort=terminations:waitSeconds:desc");
  // Every row, in the document's order (nothing ran the sort), none hidden.
  const auto rows = bodyRows(dom, "terminations");
  EXPECT_EQ(visibleColumn(rows, 0),
            (std::vector<std::string>{"EMP-1", "EMP-2", "EMP-10", "EMP-3", "EMP-4"}));
  EXPECT_EQ(rows.size(), 5u);
  EXPECT_NE(dom.find("<div class=\"controls\" hidden"), std::string::npos);  // no dead box
  EXPECT_NE(dom.find(">5 rows</p>"), std::string::npos);
  EXPECT_EQ(count(element(dom, "<svg id=\"c-times\"", "</svg>"), "<circle class=\"point\""), 6u);
  EXPECT_EQ(count(dom, "aria-sort=\""), 0u);
  const std::string png = screenshotDir() + "/compliance-no-script.png";
  const ChromiumRun shot = chromium_->screenshot(fileUrl(path), png, 1280, 1800);
  ASSERT_TRUE(shot.ok()) << shot.describe();
  EXPECT_GT(readFile(png).size(), 10000u);
}

TEST_F(HtmlReportTest, AnInjectedScriptDoesNotRun) {
  // As if escaping had failed: the page's Content-Security-Policy still stops the script.
  std::string html = renderReportHtml(complianceDoc());
  html.replace(html.find("<main>"), 6,
               "<main><script>document.body.setAttribute('data-injected','1')</script>");
  const std::string path = page("injected.html", html);
  const ChromiumRun r = chromium_->dumpDom(fileUrl(path));
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_NE(r.out.find("setAttribute('data-injected','1')"), std::string::npos);  // it is there
  EXPECT_EQ(r.out.find("data-injected=\"1\""), std::string::npos);                // and did not run
  std::string console;
  for (const std::string& line : r.console) console += line + "\n";
  EXPECT_NE(console.find("Content Security Policy"), std::string::npos) << console;
  EXPECT_NE(r.out.find("data-script-errors=\"0\""), std::string::npos);  // ours still ran
  EXPECT_NE(r.out.find("5 of 5 rows"), std::string::npos);
}

TEST_F(HtmlReportTest, PlanPageLoadsAndEscapesNames) {
  ReportDoc doc = planReport(reviewPlan());
  doc.generated_at = "2026-12-01T06:00:00Z";
  const std::string html = renderReportHtml(doc);
  const std::string path = page("plan.html", html);
  const std::string dom = loadClean(path);
  const auto actions = bodyRows(dom, "actions");
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(visibleColumn(actions, 0), (std::vector<std::string>{"create", "update", "suspend"}));
  EXPECT_EQ(actions[1].cells[1], "EMP-&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(actions[1].cells[3], "title: \"Agent\" → \"Lead\"");
  EXPECT_EQ(actions[0].cells[4], "new in desired state (specs/users.yaml:3:5)");
  EXPECT_EQ(count(dom, "<img"), 0u);
  EXPECT_EQ(bodyRows(dom, "notices").size(), 1u);
  EXPECT_NE(dom.find("1 destructive action"), std::string::npos);
  EXPECT_EQ(renderPlanHtml(reviewPlan()).find("<img"), std::string::npos);

  const std::string sorted = loadClean(path, "sort=actions:externalId:desc");
  // Punctuation sorts before digits: "EMP-<img…" is last in descending order.
  EXPECT_EQ(visibleColumn(bodyRows(sorted, "actions"), 0),
            (std::vector<std::string>{"suspend", "create", "update"}));

  const std::string png = screenshotDir() + "/plan.png";
  const ChromiumRun shot = chromium_->screenshot(fileUrl(path), png, 1280, 1400);
  ASSERT_TRUE(shot.ok()) << shot.describe();
  EXPECT_GT(readFile(png).size(), 10000u);
}

// A PNG header: the signature, then IHDR with the width and height.
void expectPng(const std::string& bytes, unsigned width, unsigned height) {
  ASSERT_GT(bytes.size(), 33u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  auto be32 = [&](size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(bytes[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 3]));
  };
  EXPECT_EQ(be32(16), width);
  EXPECT_EQ(be32(20), height);
}

TEST_F(HtmlReportTest, ScreenshotIsANonTrivialPng) {
  const std::string path = page("compliance.html", renderReportHtml(complianceDoc()));
  const std::string png = screenshotDir() + "/compliance.png";
  ::unlink(png.c_str());
  const ChromiumRun r = chromium_->screenshot(fileUrl(path), png, 1280, 1800);
  ASSERT_TRUE(r.ok()) << r.describe();
  const std::string bytes = readFile(png);
  expectPng(bytes, 1280, 1800);
  // A blank page of the same size compresses to almost nothing; the report does not.
  const std::string blank = page("blank.html", "<!DOCTYPE html><html><body></body></html>");
  const std::string blank_png = dir_.file("blank.png");
  ASSERT_TRUE(chromium_->screenshot(fileUrl(blank), blank_png, 1280, 1800).ok());
  const std::string blank_bytes = readFile(blank_png);
  expectPng(blank_bytes, 1280, 1800);
  EXPECT_GT(bytes.size(), 4 * blank_bytes.size())
      << "report " << bytes.size() << " bytes, blank " << blank_bytes.size();
  std::cout << "[ screenshot ] " << png << "\n";
}

// Read from the page's text: needs no browser.
TEST(HtmlReportPage, ReferencesNothingOutsideItself) {
  for (const std::string& html :
       {renderReportHtml(complianceDoc()), renderPlanHtml(reviewPlan())}) {
    static const std::regex kExternal(
        R"((src|href|xlink:href|action)\s*=\s*["']?\s*(https?:|//|file:))", std::regex::icase);
    EXPECT_FALSE(std::regex_search(html, kExternal));
    EXPECT_EQ(html.find("@import"), std::string::npos);
    EXPECT_EQ(html.find("url("), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_EQ(html.find("<iframe"), std::string::npos);
    EXPECT_EQ(html.find("<img"), std::string::npos);
    EXPECT_EQ(count(html, "<script"), 1u);
    EXPECT_EQ(count(html, "<script>"), 1u);  // inline: no src
    EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  }
}

}  // namespace
}  // namespace scim_agent::testing
