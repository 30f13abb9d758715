#include "agent/report/report_doc.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "agent/base/ansi.h"
#include "agent/base/utf8.h"
#include "agent/report/render_text.h"

namespace scim_agent {

namespace {

// Text cells longer than this are cut with "…" so one long value cannot stretch every row.
constexpr size_t kTextMaxCellChars = 60;
// Markdown tables: enough rows to be useful, few enough that a report with several tables stays
// under GitHub's 65,536-character comment limit.
constexpr size_t kMarkdownMaxRows = 200;
constexpr size_t kMarkdownMaxCellChars = 120;
// Past this many characters no more rows are added (each table still gets its heading and the
// "… and N more rows" line), whatever the row limit: GitHub refuses comments over 65,536.
constexpr size_t kMarkdownBudgetChars = 56000;

constexpr const char* kEllipsis = "\u2026";
constexpr const char* kReplacement = "\uFFFD";

bool numericColumn(ColumnType type) {
  return type == ColumnType::kInteger || type == ColumnType::kNumber ||
         type == ColumnType::kDuration;
}

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The first `max_chars` characters of `text`, the last one replaced by "…" when it was longer.
std::string cutChars(const std::string& text, size_t max_chars) {
  if (utf8Length(text) <= max_chars) return text;
  size_t offset = 0;
  for (size_t n = 0; n + 1 < max_chars && offset < text.size(); ++n) {
    offset += decodeUtf8(text, offset).length;
  }
  return text.substr(0, offset) + kEllipsis;
}

std::string padRight(const std::string& text, size_t width) {
  const size_t length = utf8Length(text);
  return length >= width ? text : text + std::string(width - length, ' ');
}

std::string padLeft(const std::string& text, size_t width) {
  const size_t length = utf8Length(text);
  return length >= width ? text : std::string(width - length, ' ') + text;
}

// A summary value as shown: a duration when the key ends in "Seconds".
std::string summaryText(const std::string& key, const Json& value) {
  const bool seconds = endsWith(key, "Seconds");
  return reportCellText(value, seconds ? ColumnType::kDuration : ColumnType::kNumber);
}

const char* levelName(ReportBlock::Level level) {
  switch (level) {
    case ReportBlock::Level::kInfo:
      return "info";
    case ReportBlock::Level::kWarning:
      return "warning";
    case ReportBlock::Level::kError:
      return "error";
  }
  return "info";
}

const char* levelColor(ReportBlock::Level level) {
  switch (level) {
    case ReportBlock::Level::kInfo:
      return nullptr;
    case ReportBlock::Level::kWarning:
      return ansi(Ansi::kYellow);
    case ReportBlock::Level::kError:
      return ansi(Ansi::kRed);
  }
  return nullptr;
}

const ReportTable* csvTable(const ReportDoc& doc) {
  if (doc.tables.empty()) return nullptr;
  if (doc.csv_table.empty()) return &doc.tables.front();
  for (const ReportTable& t : doc.tables) {
    if (t.id == doc.csv_table) return &t;
  }
  return nullptr;
}

const Json& cellAt(const std::vector<Json>& row, size_t i) {
  static const Json kNull;
  return i < row.size() ? row[i] : kNull;
}

// ---- text -----------------------------------------------------------------------------------

void writeTextTable(TextWriter& w, const ReportTable& table) {
  w.line(reportSafeText(table.title), ansi(Ansi::kBold));
  if (table.rows.empty()) {
    w.line(reportSafeText(table.empty_text), nullptr, 2);
    return;
  }
  const size_t n = table.columns.size();
  std::vector<std::string> header(n);
  std::vector<size_t> widths(n, 0);
  for (size_t c = 0; c < n; ++c) {
    header[c] = cutChars(reportSafeText(table.columns[c].title), kTextMaxCellChars);
    widths[c] = utf8Length(header[c]);
  }
  std::vector<std::vector<std::string>> cells;
  cells.reserve(table.rows.size());
  for (const auto& row : table.rows) {
    std::vector<std::string> line(n);
    for (size_t c = 0; c < n; ++c) {
      line[c] = cutChars(reportSafeText(reportCellText(cellAt(row, c), table.columns[c].type)),
                         kTextMaxCellChars);
      widths[c] = std::max(widths[c], utf8Length(line[c]));
    }
    cells.push_back(std::move(line));
  }
  auto join = [&](const std::vector<std::string>& line) {
    std::string out;
    for (size_t c = 0; c < n; ++c) {
      const bool last = c + 1 == n;
      const bool right = numericColumn(table.columns[c].type);
      std::string cell =
          right ? padLeft(line[c], widths[c]) : (last ? line[c] : padRight(line[c], widths[c]));
      out += (c ? "  " : "") + cell;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  };
  w.line(join(header), ansi(Ansi::kBold), 2);
  std::vector<std::string> rule(n);
  for (size_t c = 0; c < n; ++c) rule[c] = std::string(widths[c], '-');
  w.line(join(rule), nullptr, 2);
  for (const auto& line : cells) w.line(join(line), nullptr, 2);
}

// ---- markdown -------------------------------------------------------------------------------

// Plain Markdown text, safe in a paragraph, a list item or a table cell: characters that would
// start emphasis, code, a link, an HTML tag or a cell boundary are escaped.
std::string markdownText(const std::string& raw) {
  const std::string text = reportSafeText(raw);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
      case '~':
      case '!':
      case '#':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

void writeMarkdownTable(std::string& out, const ReportTable& table) {
  out += "### " + markdownText(table.title) + "\n\n";
  if (table.rows.empty() || table.columns.empty()) {
    out += markdownText(table.empty_text) + "\n\n";
    return;
  }
  out += "|";
  for (const Column& c : table.columns) out += " " + markdownText(c.title) + " |";
  out += "\n|";
  for (const Column& c : table.columns) out += numericColumn(c.type) ? " ---: |" : " --- |";
  out += "\n";
  const size_t limit = std::min(table.rows.size(), kMarkdownMaxRows);
  size_t shown = 0;
  for (size_t r = 0; r < limit && out.size() < kMarkdownBudgetChars; ++r, ++shown) {
    out += "|";
    for (size_t c = 0; c < table.columns.size(); ++c) {
      const std::string cell = reportCellText(cellAt(table.rows[r], c), table.columns[c].type);
      out += " " + markdownText(cutChars(cell, kMarkdownMaxCellChars)) + " |";
    }
    out += "\n";
  }
  if (table.rows.size() > shown) {
    const size_t left = table.rows.size() - shown;
    out += "\n\u2026 and " + std::to_string(left) + (left == 1 ? " more row" : " more rows") +
           " (see `--format csv` or `--format json`).\n";
  }
  out += "\n";
}

// ---- csv ------------------------------------------------------------------------------------

std::string csvField(std::string text, bool guard_formula) {
  if (guard_formula && !text.empty()) {
    const char first = text.front();
    if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' ||
        first == '\r') {
      text.insert(text.begin(), '\'');
    }
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csvCell(const Json& cell) {
  if (cell.isNull()) return "";
  if (cell.isString()) return csvField(cell.asString(), true);
  if (cell.isBool()) return cell.asBool() ? "true" : "false";
  if (cell.isNumber()) return cell.dump();  // a number is never a formula: "-5" stays -5
  return csvField(cell.dump(), true);
}

}  // namespace

std::string formatDurationSeconds(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  if (seconds < 0) {
    const std::string magnitude = formatDurationSeconds(-seconds);
    return magnitude == "0 s" ? magnitude : "-" + magnitude;
  }
  // Past ~285 million years the count no longer fits; nobody waits that long for a suspension.
  const long long total = static_cast<long long>(std::floor(std::min(seconds, 9.0e15)));
  auto part = [](long long n, const char* unit) { return std::to_string(n) + " " + unit; };
  auto two = [&](long long big, const char* big_unit, long long small, const char* small_unit) {
    return small == 0 ? part(big, big_unit) : part(big, big_unit) + " " + part(small, small_unit);
  };
  if (total < 60) return part(total, "s");
  if (total < 3600) return two(total / 60, "min", total % 60, "s");
  if (total < 86400) return two(total / 3600, "h", total % 3600 / 60, "min");
  return two(total / 86400, "d", total % 86400 / 3600, "h");
}

std::string reportCellText(const Json& cell, ColumnType type) {
  if (cell.isNull()) return "";
  if (cell.isString()) return cell.asString();
  if (cell.isBool()) return cell.asBool() ? "true" : "false";
  if (cell.isNumber()) {
    const double d = cell.asNumber();
    if (type == ColumnType::kDuration) return formatDurationSeconds(d);
    if (!std::isfinite(d)) return "";
    if (d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) return cell.dump();
    char buf[40];
    for (int precision = 1; precision <= 17; ++precision) {
      std::snprintf(buf, sizeof buf, "%.*g", precision, d);
      if (std::strtod(buf, nullptr) == d) break;
    }
    return buf;
  }
  return cell.dump();
}

std::string reportSafeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t offset = 0;
  while (offset < text.size()) {
    const Utf8Char ch = decodeUtf8(text, offset);
    if (!ch.valid) {
      out += kReplacement;
    } else if (ch.code_point == '\t' || ch.code_point == '\n' || ch.code_point == '\r') {
      out += ' ';
    } else if (isControlCharacter(ch.code_point)) {
      out += kReplacement;
    } else {
      out.append(text.substr(offset, ch.length));
    }
    offset += ch.length;
  }
  return out;
}

std::string renderReportText(const ReportDoc& doc, bool color) {
  TextWriter w(color);
  const std::string title = reportSafeText(doc.title);
  w.line(title, ansi(Ansi::kBold));
  w.line(std::string(utf8Length(title), '='));
  if (!doc.generated_at.empty()) w.line("generated: " + reportSafeText(doc.generated_at));
  for (const auto& [key, value] : doc.meta) {
    w.line(reportSafeText(key) + ": " + reportSafeText(value));
  }
  w.blank();
  if (!doc.summary.empty()) {
    for (const auto& [key, value] : doc.summary) {
      w.line(reportSafeText(key) + ": " + reportSafeText(summaryText(key, value)));
    }
    w.blank();
  }
  for (const ReportBlock& b : doc.blocks) {
    std::string label = levelName(b.level);
    std::transform(label.begin(), label.end(), label.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    w.line("[" + label + "] " + reportSafeText(b.title), levelColor(b.level));
    for (const std::string& line : b.lines) w.line(reportSafeText(line), nullptr, 2);
    w.blank();
  }
  for (size_t i = 0; i < doc.tables.size(); ++i) {
    writeTextTable(w, doc.tables[i]);
    if (i + 1 < doc.tables.size()) w.blank();
  }
  return w.take();
}

std::string renderReportJson(const ReportDoc& doc) {
  Json out = Json::object();
  out["schema"] = kReportSchema;
  out["kind"] = doc.kind;
  out["title"] = doc.title;
  out["generatedAt"] = doc.generated_at;
  Json meta = Json::object();
  for (const auto& [key, value] : doc.meta) meta[key] = value;
  out["meta"] = std::move(meta);
  Json summary = Json::object();
  for (const auto& [key, value] : doc.summary) summary[key] = value;
  out["summary"] = std::move(summary);
  Json blocks = Json::array();
  for (const ReportBlock& b : doc.blocks) {
    Json block = Json::object();
    block["level"] = levelName(b.level);
    block["title"] = b.title;
    Json lines = Json::array();
    for (const std::string& line : b.lines) lines.push(line);
    block["lines"] = std::move(lines);
    blocks.push(std::move(block));
  }
  out["blocks"] = std::move(blocks);
  Json tables = Json::object();
  for (const ReportTable& t : doc.tables) {
    Json rows = Json::array();
    for (const auto& row : t.rows) {
      Json object = Json::object();
      for (size_t c = 0; c < t.columns.size(); ++c) object[t.columns[c].key] = cellAt(row, c);
      rows.push(std::move(object));
    }
    tables[t.id] = std::move(rows);
  }
  out["tables"] = std::move(tables);
  return out.pretty() + "\n";
}

std::string renderReportMarkdown(const ReportDoc& doc) {
  std::string out = "## " + markdownText(doc.title) + "\n\n";
  std::vector<std::string> facts;
  if (!doc.generated_at.empty()) facts.push_back("generated: " + markdownText(doc.generated_at));
  for (const auto& [key, value] : doc.meta) {
    facts.push_back(markdownText(key) + ": " + markdownText(value));
  }
  for (const auto& [key, value] : doc.summary) {
    facts.push_back("**" + markdownText(key) + "**: " + markdownText(summaryText(key, value)));
  }
  for (const std::string& f : facts) out += "- " + f + "\n";
  if (!facts.empty()) out += "\n";
  for (const ReportBlock& b : doc.blocks) {
    const char* label = b.level == ReportBlock::Level::kError     ? "Error"
                        : b.level == ReportBlock::Level::kWarning ? "Warning"
                                                                  : "Note";
    out += std::string("> **") + label + ": " + markdownText(b.title) + "**\n";
    for (const std::string& line : b.lines) out += ">\n> " + markdownText(line) + "\n";
    out += "\n";
  }
  for (const ReportTable& t : doc.tables) writeMarkdownTable(out, t);
  return out;
}

std::string renderReportCsv(const ReportDoc& doc) {
  const ReportTable* table = csvTable(doc);
  if (table == nullptr) return "";
  std::string out;
  for (size_t c = 0; c < table->columns.size(); ++c) {
    out += (c ? "," : "") + csvField(table->columns[c].key, true);
  }
  out += "\r\n";
  for (const auto& row : table->rows) {
    for (size_t c = 0; c < table->columns.size(); ++c) {
      out += (c ? "," : "") + csvCell(cellAt(row, c));
    }
    out += "\r\n";
  }
  return out;
}

std::optional<ReportFormat> reportFormatFromName(const std::string& name) {
  if (name == "text") return ReportFormat::kText;
  if (name == "json") return ReportFormat::kJson;
  if (name == "markdown") return ReportFormat::kMarkdown;
  if (name == "csv") return ReportFormat::kCsv;
  if (name == "html") return ReportFormat::kHtml;
  return std::nullopt;
}

std::string renderReport(const ReportDoc& doc, ReportFormat format, bool color) {
  switch (format) {
    case ReportFormat::kText:
      return renderReportText(doc, color);
    case ReportFormat::kJson:
      return renderReportJson(doc);
    case ReportFormat::kMarkdown:
      return renderReportMarkdown(doc);
    case ReportFormat::kCsv:
      return renderReportCsv(doc);
    case ReportFormat::kHtml:
      return renderReportHtml(doc);
  }
  return renderReportText(doc, color);
}

}  // namespace scim_agent
