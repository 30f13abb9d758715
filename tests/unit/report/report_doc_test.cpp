#include "agent/report/report_doc.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/base/utf8.h"
#include "agent/codec/json_parse.h"

namespace scim_agent::testing {
namespace {

// A report shaped like the discrepancy report, with hostile text in it: a name from an HR file
// or a server may hold markup, quotes, separators, formulas and terminal escapes.
ReportDoc sampleDoc() {
  ReportDoc doc;
  doc.kind = "discrepancy";
  doc.title = "Discrepancies of run #7";
  doc.generated_at = "2026-12-01T06:00:00Z";
  doc.meta = {{"runs", "#7"}, {"state", "/var/lib/scim-agent/state.db"}};
  doc.summary = {{"mismatches", 3}, {"p95Seconds", 840}, {"verdict", "held"}};
  ReportBlock block;
  block.level = ReportBlock::Level::kWarning;
  block.title = "Held: 2 suspends";
  block.lines = {"Approve them with scim-agent approve."};
  doc.blocks.push_back(block);
  ReportTable t;
  t.id = "mismatches";
  t.title = "Mismatches";
  t.columns = {{"externalId", "externalId", ColumnType::kText},
               {"attribute", "Attribute", ColumnType::kText},
               {"expected", "Expected", ColumnType::kText},
               {"count", "Count", ColumnType::kInteger},
               {"waitSeconds", "Wait", ColumnType::kDuration},
               {"at", "At", ColumnType::kTime}};
  t.rows = {
      {Json("EMP-1"), Json("title"), Json("Lead, \"Ops\""), Json(2), Json(185),
       Json("2026-11-30T10:00:00Z")},
      {Json("EMP-2"), Json("<script>alert(1)</script>"), Json("=HYPERLINK(\"http://x\")"), Json(-5),
       Json(7800), Json()},
      {Json("EMP-3|x"), Json("multi\nline"), Json("\x1b[31mred\x1b[0m"), Json(0.25), Json(),
       Json("2026-11-29T08:00:00Z")},
  };
  doc.tables.push_back(t);
  ReportTable empty;
  empty.id = "stale";
  empty.title = "Stale writes";
  empty.columns = {{"externalId", "externalId", ColumnType::kText}};
  doc.tables.push_back(empty);
  return doc;
}

// ---- a small RFC 4180 reader (the test's own, so the renderer is checked against the RFC) ----

std::vector<std::vector<std::string>> parseCsv(const std::string& text, std::string* error) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  size_t i = 0;
  bool field_started = false;
  auto endField = [&] {
    record.push_back(field);
    field.clear();
    field_started = false;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (!field_started && field.empty() && c == '"') {
      // Quoted field: "" is a quote, it ends at a lone quote.
      ++i;
      while (true) {
        if (i >= text.size()) {
          *error = "unterminated quoted field";
          return records;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
      field_started = true;
      if (i < text.size() && text[i] != ',' && text[i] != '\r') {
        *error = "text after a closing quote at byte " + std::to_string(i);
        return records;
      }
      continue;
    }
    if (c == ',') {
      endField();
      ++i;
    } else if (c == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n') {
        *error = "CR without LF at byte " + std::to_string(i);
        return records;
      }
      endField();
      records.push_back(record);
      record.clear();
      i += 2;
    } else if (c == '"' || c == '\n') {
      *error = std::string("bare ") + (c == '"' ? "quote" : "LF") + " at byte " + std::to_string(i);
      return records;
    } else {
      field += c;
      field_started = true;
      ++i;
    }
  }
  if (!record.empty() || !field.empty()) *error = "last record without CRLF";
  return records;
}

// The cells of a Markdown table line, split on unescaped '|'.
std::vector<std::string> markdownCells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      cell += line.substr(i, 2);
      ++i;
    } else if (line[i] == '|') {
      cells.push_back(cell);
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  cells.push_back(cell);
  // "| a | b |" splits into "", " a ", " b ", "": drop the outer two.
  if (cells.size() >= 2) {
    cells.erase(cells.begin());
    cells.pop_back();
  }
  return cells;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      if (start < text.size()) out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// ---- formatDurationSeconds, reportCellText, reportSafeText ----

TEST(FormatDurationSeconds, UsesTheTwoLargestUnits) {
  EXPECT_EQ(formatDurationSeconds(0), "0 s");
  EXPECT_EQ(formatDurationSeconds(42), "42 s");
  EXPECT_EQ(formatDurationSeconds(42.99), "42 s");  // rounded down
  EXPECT_EQ(formatDurationSeconds(59.999), "59 s");
  EXPECT_EQ(formatDurationSeconds(60), "1 min");
  EXPECT_EQ(formatDurationSeconds(185), "3 min 5 s");
  EXPECT_EQ(formatDurationSeconds(3599), "59 min 59 s");
  EXPECT_EQ(formatDurationSeconds(3600), "1 h");
  EXPECT_EQ(formatDurationSeconds(7800), "2 h 10 min");
  EXPECT_EQ(formatDurationSeconds(7859), "2 h 10 min");  // seconds are below the two units
  EXPECT_EQ(formatDurationSeconds(86400), "1 d");
  EXPECT_EQ(formatDurationSeconds(3 * 86400 + 4 * 3600 + 59 * 60), "3 d 4 h");
  EXPECT_EQ(formatDurationSeconds(400 * 86400), "400 d");
}

TEST(FormatDurationSeconds, NegativeAndNotFinite) {
  EXPECT_EQ(formatDurationSeconds(-185), "-3 min 5 s");
  EXPECT_EQ(formatDurationSeconds(-0.5), "0 s");
  EXPECT_EQ(formatDurationSeconds(std::nan("")), "?");
  EXPECT_EQ(formatDurationSeconds(std::numeric_limits<double>::infinity()), "?");
  EXPECT_FALSE(formatDurationSeconds(1e300).empty());  // no overflow
}

TEST(ReportCellText, ShowsEachTypeOfCell) {
  EXPECT_EQ(reportCellText(Json(), ColumnType::kText), "");
  EXPECT_EQ(reportCellText(Json("EMP-1"), ColumnType::kText), "EMP-1");
  EXPECT_EQ(reportCellText(Json(true), ColumnType::kText), "true");
  EXPECT_EQ(reportCellText(Json(12), ColumnType::kInteger), "12");
  EXPECT_EQ(reportCellText(Json(0.25), ColumnType::kNumber), "0.25");
  EXPECT_EQ(reportCellText(Json(0.1), ColumnType::kNumber), "0.1");
  EXPECT_EQ(reportCellText(Json(185), ColumnType::kDuration), "3 min 5 s");
  EXPECT_EQ(reportCellText(Json("2026-11-30T10:00:00Z"), ColumnType::kTime),
            "2026-11-30T10:00:00Z");
}

TEST(ReportSafeText, ReplacesControlsAndInvalidUtf8) {
  EXPECT_EQ(reportSafeText("a\tb\nc"), "a b c");
  EXPECT_EQ(reportSafeText("\x1b[31mred"), "\uFFFD[31mred");
  EXPECT_EQ(reportSafeText("bad \xff byte"), "bad \uFFFD byte");
  EXPECT_EQ(reportSafeText("Zo\u00eb \u2192 \U0001F600"), "Zo\u00eb \u2192 \U0001F600");
}

TEST(ReportFormat, NamesAndDispatch) {
  EXPECT_EQ(reportFormatFromName("text"), ReportFormat::kText);
  EXPECT_EQ(reportFormatFromName("json"), ReportFormat::kJson);
  EXPECT_EQ(reportFormatFromName("markdown"), ReportFormat::kMarkdown);
  EXPECT_EQ(reportFormatFromName("csv"), ReportFormat::kCsv);
  EXPECT_EQ(reportFormatFromName("html"), ReportFormat::kHtml);
  EXPECT_FALSE(reportFormatFromName("HTML").has_value());
  EXPECT_FALSE(reportFormatFromName("xml").has_value());
  const ReportDoc doc = sampleDoc();
  EXPECT_EQ(renderReport(doc, ReportFormat::kJson, false), renderReportJson(doc));
  EXPECT_EQ(renderReport(doc, ReportFormat::kCsv, false), renderReportCsv(doc));
  EXPECT_EQ(renderReport(doc, ReportFormat::kMarkdown, false), renderReportMarkdown(doc));
  EXPECT_EQ(renderReport(doc, ReportFormat::kHtml, false), renderReportHtml(doc));
  EXPECT_EQ(renderReport(doc, ReportFormat::kText, true), renderReportText(doc, true));
}

// ---- JSON ----

TEST(ReportJson, ParsesBackWithEveryField) {
  const ReportDoc doc = sampleDoc();
  const std::string text = renderReportJson(doc);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  auto parsed = parseJson(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const Json& j = *parsed;
  EXPECT_EQ(j.getString("schema"), "scim-agent.report/v1");
  EXPECT_EQ(j.getString("kind"), "discrepancy");
  EXPECT_EQ(j.getString("title"), "Discrepancies of run #7");
  EXPECT_EQ(j.getString("generatedAt"), "2026-12-01T06:00:00Z");
  EXPECT_EQ(j.get("meta").getString("state"), "/var/lib/scim-agent/state.db");
  EXPECT_EQ(j.get("summary").getNumber("p95Seconds"), 840);
  EXPECT_EQ(j.get("summary").getString("verdict"), "held");
  ASSERT_EQ(j.get("blocks").asArray().size(), 1u);
  EXPECT_EQ(j.get("blocks").asArray()[0].getString("level"), "warning");
  EXPECT_EQ(j.get("blocks").asArray()[0].get("lines").asArray()[0].asString(),
            "Approve them with scim-agent approve.");
  EXPECT_FALSE(j.has("charts"));
  const Json& rows = j.get("tables").get("mismatches");
  ASSERT_EQ(rows.asArray().size(), 3u);
  // Cells keep their JSON type and exact text, hostile or not.
  EXPECT_EQ(rows.asArray()[0].getString("expected"), "Lead, \"Ops\"");
  EXPECT_EQ(rows.asArray()[0].getNumber("count"), 2);
  EXPECT_EQ(rows.asArray()[0].getNumber("waitSeconds"), 185);
  EXPECT_EQ(rows.asArray()[1].getString("attribute"), "<script>alert(1)</script>");
  EXPECT_TRUE(rows.asArray()[1].get("at").isNull());
  EXPECT_TRUE(rows.asArray()[1].has("at"));
  EXPECT_EQ(rows.asArray()[2].getString("expected"), "\x1b[31mred\x1b[0m");
  EXPECT_EQ(rows.asArray()[2].getNumber("count"), 0.25);
  EXPECT_TRUE(j.get("tables").get("stale").isArray());
  EXPECT_TRUE(j.get("tables").get("stale").asArray().empty());
}

// ---- CSV ----

TEST(ReportCsv, IsRfc4180WithAHeaderOfColumnKeys) {
  const std::string text = renderReportCsv(sampleDoc());
  std::string error;
  const auto records = parseCsv(text, &error);
  ASSERT_EQ(error, "") << text;
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0], (std::vector<std::string>{"externalId", "attribute", "expected", "count",
                                                  "waitSeconds", "at"}));
  for (const auto& r : records) EXPECT_EQ(r.size(), 6u);
  EXPECT_EQ(records[1][2], "Lead, \"Ops\"");  // comma and quotes survive the round trip
  EXPECT_EQ(records[1][3], "2");
  EXPECT_EQ(records[1][4], "185");  // seconds, not "3 min 5 s": CSV is for machines
  EXPECT_EQ(records[2][3], "-5");   // a negative number is not a formula
  EXPECT_EQ(records[2][5], "");     // null
  EXPECT_EQ(records[3][0], "EMP-3|x");
  EXPECT_EQ(records[3][1], "multi\nline");
  EXPECT_EQ(records[3][3], "0.25");
}

TEST(ReportCsv, PrefixesCellsThatASpreadsheetWouldRunAsFormulas) {
  ReportDoc doc;
  ReportTable t;
  t.id = "x";
  t.columns = {{"v", "v", ColumnType::kText}};
  for (const char* s : {"=1+1", "+1", "-1", "@SUM(A1)", "\tx", "plain", "a=b"}) {
    t.rows.push_back({Json(s)});
  }
  doc.tables.push_back(t);
  std::string error;
  const auto records = parseCsv(renderReportCsv(doc), &error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(records.size(), 8u);
  EXPECT_EQ(records[1][0], "'=1+1");
  EXPECT_EQ(records[2][0], "'+1");
  EXPECT_EQ(records[3][0], "'-1");
  EXPECT_EQ(records[4][0], "'@SUM(A1)");
  EXPECT_EQ(records[5][0], "'\tx");
  EXPECT_EQ(records[6][0], "plain");
  EXPECT_EQ(records[7][0], "a=b");
}

TEST(ReportCsv, WritesTheTableCsvTableNames) {
  ReportDoc doc = sampleDoc();
  doc.csv_table = "stale";
  EXPECT_EQ(renderReportCsv(doc), "externalId\r\n");
  doc.csv_table = "mismatches";
  EXPECT_EQ(renderReportCsv(doc).substr(0, 11), "externalId,");
  EXPECT_EQ(renderReportCsv(ReportDoc{}), "");
}

// ---- Markdown ----

TEST(ReportMarkdown, TablesKeepTheirShapeAndCellsAreEscaped) {
  const std::string md = renderReportMarkdown(sampleDoc());
  EXPECT_EQ(md.rfind("## Discrepancies of run \\#7\n", 0), 0u) << md;
  EXPECT_NE(md.find("**p95Seconds**: 14 min"), std::string::npos) << md;
  EXPECT_NE(md.find("> **Warning: Held: 2 suspends**"), std::string::npos) << md;
  EXPECT_NE(md.find("### Stale writes\n\nNone.\n"), std::string::npos) << md;
  // Every line of the table has the header's six cells.
  const auto lines = splitLines(md);
  size_t table_lines = 0;
  size_t header = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("| externalId |", 0) == 0) header = i;
  }
  ASSERT_LT(header, lines.size()) << md;
  for (size_t i = header; i < lines.size() && lines[i].rfind("|", 0) == 0; ++i) {
    EXPECT_EQ(markdownCells(lines[i]).size(), 6u) << lines[i];
    ++table_lines;
  }
  EXPECT_EQ(table_lines, 2u + 3u);  // header, separator, three rows
  EXPECT_EQ(lines[header + 1], "| --- | --- | --- | ---: | ---: | --- |");
  // Markup and pipes from a cell cannot start HTML, a link or a new cell.
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_NE(md.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(md.find("EMP-3\\|x"), std::string::npos);
  EXPECT_NE(md.find("\\[31mred"), std::string::npos);
  EXPECT_EQ(md.find('\x1b'), std::string::npos);
  EXPECT_NE(md.find("| 3 min 5 s |"), std::string::npos);  // durations read as durations
}

TEST(ReportMarkdown, LongTablesAreCutWithALineSayingHowMany) {
  ReportDoc doc;
  doc.title = "Big";
  ReportTable t;
  t.id = "rows";
  t.title = "Rows";
  t.columns = {{"n", "n", ColumnType::kInteger}, {"name", "name", ColumnType::kText}};
  for (int i = 0; i < 250; ++i) t.rows.push_back({Json(i), Json("user-" + std::to_string(i))});
  doc.tables.push_back(t);
  const std::string md = renderReportMarkdown(doc);
  EXPECT_NE(md.find("| 199 | user-199 |"), std::string::npos);
  EXPECT_EQ(md.find("| 200 |"), std::string::npos);
  EXPECT_NE(md.find("\u2026 and 50 more rows"), std::string::npos);
  EXPECT_LT(md.size(), 65536u);
}

TEST(ReportMarkdown, StaysUnderTheCommentLimitWithWideRows) {
  ReportDoc doc;
  doc.title = "Wide";
  for (int k = 0; k < 3; ++k) {
    ReportTable t;
    t.id = "t" + std::to_string(k);
    t.title = t.id;
    for (int c = 0; c < 6; ++c)
      t.columns.push_back({"c" + std::to_string(c), "c", ColumnType::kText});
    const Json wide(std::string(300, 'x'));
    t.rows.assign(200, std::vector<Json>(6, wide));
    doc.tables.push_back(t);
  }
  const std::string md = renderReportMarkdown(doc);
  EXPECT_LT(md.size(), 65536u);
  EXPECT_NE(md.find("### t2"), std::string::npos);  // every table still has its heading
  EXPECT_NE(md.find("more rows"), std::string::npos);
}

// ---- text ----

TEST(ReportText, AlignsColumnsAndCutsLongCells) {
  ReportDoc doc = sampleDoc();
  doc.tables[0].rows[0][2] = Json(std::string(80, 'a'));
  const std::string text = renderReportText(doc, false);
  EXPECT_EQ(text.rfind("Discrepancies of run #7\n=======================\n", 0), 0u) << text;
  EXPECT_NE(text.find("p95Seconds: 14 min\n"), std::string::npos) << text;
  EXPECT_NE(text.find("[WARNING] Held: 2 suspends\n"), std::string::npos) << text;
  EXPECT_NE(text.find(std::string(59, 'a') + "\u2026"), std::string::npos) << text;
  EXPECT_EQ(text.find(std::string(60, 'a')), std::string::npos);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);  // no colour, no escape from a cell
  EXPECT_NE(text.find("Stale writes\n  None.\n"), std::string::npos) << text;
  // The header and every row start each column at the same place.
  const auto lines = splitLines(text);
  size_t header = 0;
  while (header < lines.size() && lines[header].rfind("  externalId", 0) != 0) ++header;
  ASSERT_LT(header + 4, lines.size()) << text;
  const size_t attribute_at = lines[header].find("Attribute");
  ASSERT_NE(attribute_at, std::string::npos);
  EXPECT_EQ(lines[header + 2].substr(attribute_at, 5), "title");
  EXPECT_EQ(lines[header + 4].substr(attribute_at, 5), "multi");
  // Numbers are right-aligned: "2", "-5" and "0.25" end where the "Count" header ends (in
  // characters: cells before it hold multi-byte ones).
  auto endColumn = [](const std::string& line, const std::string& needle) {
    const size_t at = line.find(needle);
    return at == std::string::npos ? 0 : utf8Length(line.substr(0, at + needle.size()));
  };
  const size_t count_end = endColumn(lines[header], "Count");
  ASSERT_GT(count_end, 0u);
  EXPECT_EQ(endColumn(lines[header + 2], "  2"), count_end) << text;
  EXPECT_EQ(endColumn(lines[header + 3], " -5"), count_end) << text;
  EXPECT_EQ(endColumn(lines[header + 4], " 0.25"), count_end) << text;
}

TEST(ReportText, ColoursOnlyWhenAsked) {
  const std::string plain = renderReportText(sampleDoc(), false);
  const std::string color = renderReportText(sampleDoc(), true);
  EXPECT_EQ(plain.find("\x1b["), std::string::npos);
  EXPECT_NE(color.find("\x1b["), std::string::npos);
  // The escape in a cell is neutralised even when colours are on.
  EXPECT_EQ(color.find("\x1b[31mred"), std::string::npos);
}

// ---- HTML, as text (tests/integration/html_report_test.cpp loads it in Chromium) ----

TEST(ReportHtml, EscapesEveryTextAndCarriesTheHooks) {
  ReportDoc doc = sampleDoc();
  doc.title = "Report <b>\"x\"</b>";
  doc.summary.push_back({"<img src=x onerror=alert(1)>", "'quoted'"});
  ReportChart chart;
  chart.kind = ReportChart::Kind::kBars;
  chart.id = "drift";
  chart.title = "Drift </title><script>alert(2)</script>";
  chart.unit = "users";
  chart.categories = {"#1", "<b>#2</b>"};
  chart.series = {{"drifted \"users\"", {1.0, 3.0}}};
  doc.charts.push_back(chart);
  const std::string html = renderReportHtml(doc);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  // Only our own script element: the hostile ones are text.
  size_t scripts = 0;
  for (size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 1u);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("Report &lt;b&gt;&quot;x&quot;&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("data-series=\"drifted &quot;users&quot;\""), std::string::npos);
  EXPECT_NE(html.find("&#39;quoted&#39;"), std::string::npos);
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  // Hooks.
  EXPECT_NE(html.find("<table id=\"t-mismatches\" data-rows=\"3\">"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"t-stale\" data-rows=\"0\">"), std::string::npos);
  EXPECT_NE(html.find("<svg id=\"c-drift\""), std::string::npos);
  EXPECT_NE(html.find("data-value=\"3\""), std::string::npos);
  EXPECT_NE(html.find("data-script-errors=\"0\""), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"n\" data-v=\"185\">3 min 5 s</td>"), std::string::npos);
}

}  // namespace
}  // namespace scim_agent::testing
