#pragma once

// One report, independent of its format (SPEC §11): what `report discrepancy|drift|compliance`,
// `history`, `show RUN` and `plan --format html` build, and what the five renderers below turn
// into text, JSON, Markdown, CSV or one self-contained HTML page. A report is a title, a few
// summary facts, verdict blocks, charts and tables; builders (report_builders.h) fill it from the
// state DB, renderers never read anything else.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/base/json.h"

namespace scim_agent {

// The version of the JSON document renderReportJson writes ("schema" field). Bump it when a
// field's meaning changes or one is removed; adding a field keeps it.
inline constexpr const char* kReportSchema = "scim-agent.report/v1";

// How a column's cells are shown and sorted. Cells are Json: a string, a number, a bool, or null
// (an empty cell). kTime cells are ISO-8601 UTC strings; kDuration cells are seconds (a number),
// shown as "42 s", "3 min 5 s", "2 h 10 min", "3 d 4 h".
enum class ColumnType { kText, kInteger, kNumber, kTime, kDuration };

struct Column {
  std::string key;    // JSON key and CSV header: lowerCamelCase ("externalId")
  std::string title;  // shown in text, Markdown and HTML ("externalId", "Expected")
  ColumnType type = ColumnType::kText;
};

struct ReportTable {
  std::string id;     // "discrepancies", "weeks", "terminations" …: JSON key, HTML element id
  std::string title;  // a heading above it
  std::vector<Column> columns;
  std::vector<std::vector<Json>> rows;  // each as long as columns
  std::string empty_text = "None.";     // shown instead of an empty table
};

// A chart drawn as inline SVG in HTML (and left out of the other formats, whose tables carry the
// same numbers). Categories run along the x axis (ISO weeks "2026-W49", run ids "#12" …).
struct ReportChart {
  enum class Kind {
    kStackedBars,  // one bar per category, one segment per series (actions per week by kind)
    kLines,        // one line per series, points at the categories (median and p95 per week)
    kBars,         // one bar per category from the first series (drifted users per run)
  };
  Kind kind = Kind::kBars;
  std::string id;
  std::string title;
  std::string unit;  // the y axis: "actions", "seconds", "users"; "seconds" values are shown as
                     // durations on the axis labels
  std::vector<std::string> categories;
  struct Series {
    std::string name;
    std::vector<std::optional<double>> values;  // one per category; nullopt: no point
  };
  std::vector<Series> series;
  std::optional<double> threshold;  // a horizontal line (the termination SLA), in y units
  std::string threshold_label;      // "SLA 1 h"
};

// A verdict or remark a reader must not miss, shown above the tables ("blocked", "held",
// "chain broken at row 42").
struct ReportBlock {
  enum class Level { kInfo, kWarning, kError };
  Level level = Level::kInfo;
  std::string title;               // "Blocked: maxDestructive"
  std::vector<std::string> lines;  // the explanation, one paragraph each
};

struct ReportDoc {
  std::string kind;          // discrepancy | drift | compliance | history | run | plan
  std::string title;         // "Compliance, 2026-W38 to 2026-W49"
  std::string generated_at;  // ISO-8601 UTC
  // The range and inputs it covers, shown under the title: {"since", "2026-09-12T00:00:00Z"},
  // {"runs", "#3 to #41"}, {"state", "/var/lib/scim-agent/state.db"}. JSON: an object.
  std::vector<std::pair<std::string, std::string>> meta;
  // Headline numbers: {"terminations", 12}, {"p95", 840}. JSON: an object keyed like meta; text:
  // "key: value" lines; HTML: a row of boxes. Keys are lowerCamelCase; the value a string or a
  // number (a duration in seconds is shown as one when the key ends in "Seconds").
  std::vector<std::pair<std::string, Json>> summary;
  std::vector<ReportBlock> blocks;
  std::vector<ReportChart> charts;
  std::vector<ReportTable> tables;
  // The table CSV writes (one row per fact, a header line of column keys); "" = the first.
  std::string csv_table;
};

// Text for a terminal: title, meta, summary, blocks, then each table with aligned columns (long
// cells cut with "…" at 60 columns). ANSI colour only when `color`.
std::string renderReportText(const ReportDoc& doc, bool color);

// {"schema": kReportSchema, "kind", "title", "generatedAt", "meta": {…}, "summary": {…},
//  "blocks": [{"level","title","lines"}], "tables": {"<id>": [{"<column key>": cell, …}, …]}},
// indented, with a trailing newline. Charts are not written (their data is in the tables).
std::string renderReportJson(const ReportDoc& doc);

// Markdown for a pull-request comment: a heading, meta and summary as a short list, blocks as
// quotes, each table as a Markdown table (cells escaped; at most 200 rows each, with a line
// saying how many were left out, so the comment stays under GitHub's 65,536 characters).
std::string renderReportMarkdown(const ReportDoc& doc);

// RFC 4180 CSV of the table csv_table names: a header of column keys, then one line per row;
// cells quoted when they hold a comma, quote, CR or LF; a cell starting with = + - @ is
// prefixed with ' (spreadsheet formula injection). Numbers as JSON writes them, null as empty.
std::string renderReportCsv(const ReportDoc& doc);

// One self-contained HTML5 page (no external script, stylesheet, font or image; opens from disk):
// the title, meta, summary boxes, blocks, each chart as inline SVG (with <title> tooltips and a
// legend), and each table as a <table> whose header cells sort it (click; numbers and times by
// value) and with a filter box above it that hides rows not containing the text. Everything is
// readable with scripts off (the script only adds sorting and filtering). Every text is
// HTML-escaped. Stable hooks for tests: each table is <table id="t-<id>" data-rows="N">, each
// chart <svg id="c-<id>">, each bar <rect class="bar" data-series data-category data-value>,
// each line point <circle class="point" …>, the SLA line <line class="threshold">. A URL
// fragment "#sort=<table id>:<column key>:asc|desc&filter=<table id>:<text>" applies a sort and
// a filter on load, so a link (and a test under `chromium --dump-dom`) can open the page sorted.
// Script errors are caught and written to <body data-script-errors="N">.
std::string renderReportHtml(const ReportDoc& doc);

// The format names of the report commands' --format and their renderer: text | json | markdown |
// csv | html. nullopt for another name.
enum class ReportFormat { kText, kJson, kMarkdown, kCsv, kHtml };
std::optional<ReportFormat> reportFormatFromName(const std::string& name);
std::string renderReport(const ReportDoc& doc, ReportFormat format, bool color);

// "42 s", "3 min 5 s", "2 h 10 min", "3 d 4 h" (seconds rounded down; negative as "-" + …).
// The two largest units from the first non-zero one; a zero second part is left out ("3 min",
// "2 h", "1 d"). 0 is "0 s"; NaN and infinities are "?".
std::string formatDurationSeconds(double seconds);

// How every renderer but JSON and CSV shows a cell: a string as it is, null as "", a bool as
// true/false, a number of a kDuration column as formatDurationSeconds, other numbers in the
// shortest form that reads back to the same value ("12", "0.25").
std::string reportCellText(const Json& cell, ColumnType type);

// `text` made safe to show: each invalid UTF-8 byte becomes U+FFFD, tab, CR and LF become a
// space, and every other control character (C0, DEL, C1: a terminal escape from a hostile server)
// becomes U+FFFD. The text, Markdown and HTML renderers pass every string through it.
std::string reportSafeText(std::string_view text);

}  // namespace scim_agent
