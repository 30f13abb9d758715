// STUB, DO NOT MERGE: stand-ins for report_doc.cpp / report_html.cpp (written in another
// worktree) so the report builders and commands link and their tests run before those are
// merged. Drop this file when merging.

#include <cmath>
#include <sstream>

#include "agent/report/report_doc.h"

namespace scim_agent {

namespace {

std::string cellText(const Json& cell) {
  if (cell.isNull()) return "";
  if (cell.isString()) return cell.asString();
  return cell.dump();
}

std::string tablesText(const ReportDoc& doc, bool markdown) {
  std::ostringstream out;
  for (const ReportTable& t : doc.tables) {
    out << (markdown ? "### " : "") << t.title << "\n\n";
    if (t.rows.empty()) {
      out << t.empty_text << "\n\n";
      continue;
    }
    out << "|";
    for (const Column& c : t.columns) out << " " << c.title << " |";
    out << "\n|";
    for (size_t i = 0; i < t.columns.size(); ++i) out << " --- |";
    out << "\n";
    for (const auto& row : t.rows) {
      out << "|";
      for (const Json& cell : row) out << " " << cellText(cell) << " |";
      out << "\n";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace

std::string renderReportText(const ReportDoc& doc, bool) {
  std::ostringstream out;
  out << doc.title << "\n";
  for (const auto& [k, v] : doc.meta) out << k << ": " << v << "\n";
  for (const auto& [k, v] : doc.summary) out << k << ": " << cellText(v) << "\n";
  for (const ReportBlock& b : doc.blocks) out << b.title << "\n";
  out << tablesText(doc, false);
  return out.str();
}

std::string renderReportJson(const ReportDoc& doc) {
  Json out = Json::object();
  out["schema"] = kReportSchema;
  out["kind"] = doc.kind;
  out["title"] = doc.title;
  out["generatedAt"] = doc.generated_at;
  Json meta = Json::object();
  for (const auto& [k, v] : doc.meta) meta[k] = v;
  out["meta"] = meta;
  Json summary = Json::object();
  for (const auto& [k, v] : doc.summary) summary[k] = v;
  out["summary"] = summary;
  Json blocks = Json::array();
  out["blocks"] = blocks;
  Json tables = Json::object();
  for (const ReportTable& t : doc.tables) {
    Json rows = Json::array();
    for (const auto& row : t.rows) {
      Json r = Json::object();
      for (size_t i = 0; i < t.columns.size() && i < row.size(); ++i) r[t.columns[i].key] = row[i];
      rows.push(r);
    }
    tables[t.id] = rows;
  }
  out["tables"] = tables;
  return out.pretty() + "\n";
}

std::string renderReportMarkdown(const ReportDoc& doc) {
  return "## " + doc.title + "\n\n" + tablesText(doc, true);
}

std::string renderReportCsv(const ReportDoc& doc) {
  const ReportTable* table = doc.tables.empty() ? nullptr : &doc.tables.front();
  for (const ReportTable& t : doc.tables) {
    if (t.id == doc.csv_table) table = &t;
  }
  if (table == nullptr) return "";
  std::ostringstream out;
  for (size_t i = 0; i < table->columns.size(); ++i) {
    out << (i ? "," : "") << table->columns[i].key;
  }
  out << "\n";
  for (const auto& row : table->rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      std::string cell = cellText(row[i]);
      if (cell.find_first_of(",\"\r\n") != std::string::npos) {
        std::string quoted = "\"";
        for (char c : cell) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        cell = quoted + "\"";
      }
      out << (i ? "," : "") << cell;
    }
    out << "\n";
  }
  return out.str();
}

std::string renderReportHtml(const ReportDoc& doc) {
  return "<!DOCTYPE html><html><body><h1>" + doc.title + "</h1></body></html>\n";
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
    case ReportFormat::kText: return renderReportText(doc, color);
    case ReportFormat::kJson: return renderReportJson(doc);
    case ReportFormat::kMarkdown: return renderReportMarkdown(doc);
    case ReportFormat::kCsv: return renderReportCsv(doc);
    case ReportFormat::kHtml: return renderReportHtml(doc);
  }
  return "";
}

std::string formatDurationSeconds(double seconds) {
  const auto s = static_cast<long long>(std::floor(seconds));
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min" + (s % 60 ? " " + std::to_string(s % 60) + " s" : "");
  if (s < 86400) return std::to_string(s / 3600) + " h" + (s % 3600 / 60 ? " " + std::to_string(s % 3600 / 60) + " min" : "");
  return std::to_string(s / 86400) + " d" + (s % 86400 / 3600 ? " " + std::to_string(s % 86400 / 3600) + " h" : "");
}

}  // namespace scim_agent
