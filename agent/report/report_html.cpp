// renderReportHtml (report_doc.h): one self-contained page. The stylesheet and the script are
// literals below; the charts are drawn here as SVG, so nothing is fetched when the file is opened.
// Every string from the document goes through htmlText/htmlAttr: names come from HR files and
// servers and are treated as hostile.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "agent/codec/json_parse.h"
#include "agent/report/report_doc.h"

namespace scim_agent {

namespace {

// ---- escaping -------------------------------------------------------------------------------

// Text content and attribute values alike: after reportSafeText (no controls, valid UTF-8),
// the five characters with a meaning in HTML become references.
std::string esc(std::string_view raw) {
  const std::string text = reportSafeText(raw);
  std::string out;
  out.reserve(text.size() + 16);
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
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A Json number as JSON writes it (the data-value attributes tests and scripts read).
std::string jsonNumber(double v) { return Json(v).dump(); }

const char* typeName(ColumnType type) {
  switch (type) {
    case ColumnType::kText:
      return "text";
    case ColumnType::kInteger:
      return "integer";
    case ColumnType::kNumber:
      return "number";
    case ColumnType::kTime:
      return "time";
    case ColumnType::kDuration:
      return "duration";
  }
  return "text";
}

bool numericColumn(ColumnType type) {
  return type == ColumnType::kInteger || type == ColumnType::kNumber ||
         type == ColumnType::kDuration;
}

const char* levelClass(ReportBlock::Level level) {
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

// ---- stylesheet and script ------------------------------------------------------------------

constexpr const char* kStyle = R"CSS(
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;
--head:#f6f8fa;--info:#0969da;--warn:#9a6700;--err:#cf222e;--grid:#e6e9ec}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;
--line:#3d444d;--head:#151b23;--info:#4493f8;--warn:#d29922;--err:#f85149;--grid:#262c36}}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg);margin:0 auto;padding:1.5rem;max-width:1200px}
h1{font-size:1.6rem;margin:0 0 .3rem}
h2{font-size:1.2rem;margin:1.8rem 0 .5rem}
.generated{color:var(--muted);margin:0 0 .3rem}
.meta{display:flex;flex-wrap:wrap;gap:.2rem 1.5rem;color:var(--muted);margin:0}
.meta div{display:flex;gap:.4rem}.meta dt{font-weight:600}.meta dd{margin:0}
.summary{display:flex;flex-wrap:wrap;gap:.75rem;margin:1.2rem 0}
.box{border:1px solid var(--line);border-radius:6px;padding:.5rem .9rem;min-width:8rem}
.box .v{display:block;font-size:1.35rem;font-weight:600}
.box .k{color:var(--muted);font-size:.85rem}
.block{border-left:4px solid var(--info);background:var(--head);padding:.5rem .9rem;
margin:.75rem 0;border-radius:0 6px 6px 0}
.block.warning{border-left-color:var(--warn)}.block.error{border-left-color:var(--err)}
.block h2{font-size:1rem;margin:0 0 .25rem}.block p{margin:.25rem 0}
figure{margin:1.2rem 0;max-width:820px}figcaption{font-weight:600;margin-bottom:.3rem}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{fill:var(--muted);font-size:11px}
svg.chart .grid{stroke:var(--grid)}svg.chart .axis{stroke:var(--muted)}
svg.chart .threshold{stroke:var(--err);stroke-width:1.5;stroke-dasharray:6 4}
svg.chart text.threshold-label{fill:var(--err)}
svg.chart .bar:hover,svg.chart .point:hover{opacity:.75}
.controls{margin:.25rem 0}
.controls input{font:inherit;padding:.2rem .45rem;border:1px solid var(--line);border-radius:4px;
background:var(--bg);color:var(--fg);min-width:16rem}
.count{color:var(--muted);margin:.25rem 0 .4rem;font-size:.9rem}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid var(--line);padding:.3rem .6rem;text-align:left;vertical-align:top;
overflow-wrap:break-word}
th{background:var(--head);white-space:nowrap}
th.n,td.n{text-align:right}
th button{font:inherit;font-weight:600;color:inherit;background:none;border:0;padding:0;
cursor:pointer;text-align:inherit}
th button:focus-visible{outline:2px solid var(--info)}
th[aria-sort=ascending] button::after{content:" \25B2"}
th[aria-sort=descending] button::after{content:" \25BC"}
tfoot td{color:var(--muted);font-style:italic;border:0}
tr[hidden]{display:none}
footer{margin-top:2rem;color:var(--muted);font-size:.8rem}
@media print{body{max-width:none;padding:0;font-size:11px}.controls{display:none}
thead{display:table-header-group}tr,figure,.block{break-inside:avoid}.block{background:none}}
)CSS";

// Sorting, filtering and the URL fragment. Each handler catches what it throws and counts it on
// <body data-script-errors> (and the console), so a test sees a broken script.
constexpr const char* kScript = R"JS(
(function () {
  'use strict';
  var body = document.body;
  function fail(e) {
    var n = parseInt(body.getAttribute('data-script-errors'), 10) || 0;
    body.setAttribute('data-script-errors', String(n + 1));
    if (window.console) console.error('report script: ' + (e && e.message ? e.message : e));
  }
  window.addEventListener('error', function (ev) { fail(ev.error || ev.message); });
  function guard(f) {
    return function () { try { return f.apply(this, arguments); } catch (e) { fail(e); } };
  }
  function sortKey(td, type) {
    var v = td.getAttribute('data-v');
    if (type === 'text') {
      var t = v !== null ? v : td.textContent;
      return t === '' ? null : t;
    }
    if (v === null || v === '') return null;
    if (type === 'time') { var ms = Date.parse(v); return isNaN(ms) ? null : ms; }
    var x = parseFloat(v);
    return isNaN(x) ? null : x;
  }
  function countText(shown, total) {
    return shown + ' of ' + total + (total === 1 ? ' row' : ' rows');
  }
  function sortBy(s, col, dir) {
    var th = s.heads[col], type = th.getAttribute('data-type') || 'text';
    var keyed = s.rows.map(function (tr, i) {
      return { tr: tr, i: i, k: sortKey(tr.cells[col], type) };
    });
    keyed.sort(function (a, b) {
      if (a.k === null || b.k === null) {
        if (a.k === b.k) return a.i - b.i;
        return a.k === null ? 1 : -1;  /* empty cells last, either way */
      }
      var c = type === 'text' ? String(a.k).localeCompare(String(b.k), undefined, { numeric: true })
                              : (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);
      if (dir === 'desc') c = -c;
      return c !== 0 ? c : a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    keyed.forEach(function (x) { frag.appendChild(x.tr); });
    s.tbody.appendChild(frag);
    s.heads.forEach(function (h) {
      h.setAttribute('aria-sort', h !== th ? 'none' : dir === 'desc' ? 'descending' : 'ascending');
    });
    s.table.setAttribute('data-sort', th.getAttribute('data-key') + ':' + dir);
  }
  function filterRows(s, text) {
    var needle = text.toLocaleLowerCase(), shown = 0;
    s.rows.forEach(function (tr) {
      var hit = needle === '' || tr.textContent.toLocaleLowerCase().indexOf(needle) !== -1;
      tr.hidden = !hit;
      if (hit) shown++;
    });
    s.table.setAttribute('data-shown', String(shown));
    if (s.count) s.count.textContent = countText(shown, s.rows.length);
    if (s.input && s.input.value !== text) s.input.value = text;
  }
  function setup(table) {
    var id = table.id.slice(2);
    var s = {
      table: table, tbody: table.tBodies[0], rows: Array.prototype.slice.call(table.tBodies[0].rows),
      heads: Array.prototype.slice.call(table.tHead.rows[0].cells),
      input: document.getElementById('f-' + id), count: document.getElementById('n-' + id)
    };
    s.heads.forEach(function (th, col) {
      var button = document.createElement('button');
      button.type = 'button';
      button.title = 'Sort by this column';
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      th.setAttribute('aria-sort', 'none');
      button.addEventListener('click', guard(function () {
        sortBy(s, col, th.getAttribute('aria-sort') === 'ascending' ? 'desc' : 'asc');
      }));
    });
    if (s.input) {
      s.input.parentNode.parentNode.hidden = false;
      s.input.addEventListener('input', guard(function () { filterRows(s, s.input.value); }));
    }
    filterRows(s, '');
    return s;
  }
  function decode(text) {
    try { return decodeURIComponent(text); } catch (e) { return text; }
  }
  function applyFragment(tables) {
    var hash = location.hash.replace(/^#/, '');
    if (hash === '') return;
    hash.split('&').forEach(function (part) {
      var eq = part.indexOf('=');
      if (eq < 0) return;
      var name = part.slice(0, eq), value = decode(part.slice(eq + 1));
      var colon = value.indexOf(':');
      if (colon < 0) return;
      var s = tables[value.slice(0, colon)], rest = value.slice(colon + 1);
      if (!s) return;
      if (name === 'sort') {
        var last = rest.lastIndexOf(':');
        var key = last < 0 ? rest : rest.slice(0, last);
        var dir = last < 0 ? 'asc' : rest.slice(last + 1);
        for (var col = 0; col < s.heads.length; col++) {
          if (s.heads[col].getAttribute('data-key') === key) {
            sortBy(s, col, dir === 'desc' ? 'desc' : 'asc');
          }
        }
      } else if (name === 'filter') {
        filterRows(s, rest);
      }
    });
  }
  try {
    var tables = {};
    Array.prototype.forEach.call(document.querySelectorAll('table[data-rows]'), function (t) {
      tables[t.id.slice(2)] = setup(t);
    });
    applyFragment(tables);
    window.addEventListener('hashchange', guard(function () { applyFragment(tables); }));
  } catch (e) {
    fail(e);
  }
})();
)JS";

// 'sha256-<base64>' of an inline element's text, for the page's Content-Security-Policy: only the
// stylesheet and the script written here run, not a <script> or an onclick= that slipped past
// the escaping.
std::string cspHash(std::string_view text) {
  static const char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string hex = sha256Hex(text);
  std::vector<unsigned char> bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<unsigned char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  std::string out = "'sha256-";
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const unsigned v = (bytes[i] << 16) | ((i + 1 < bytes.size() ? bytes[i + 1] : 0) << 8) |
                       (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kBase64[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kBase64[v & 63] : '=';
  }
  return out + "'";
}

// ---- charts ---------------------------------------------------------------------------------

constexpr double kWidth = 760;
constexpr double kPlotHeight = 220;
constexpr double kLeft = 84;
constexpr double kRight = 24;
constexpr double kBottom = 44;
constexpr double kLegendRow = 18;

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                    "#76b7b2", "#b07aa1", "#edc948", "#9c755f"};

const char* seriesColor(size_t i) { return kPalette[i % (sizeof kPalette / sizeof kPalette[0])]; }

struct Scale {
  double lo = 0;
  double hi = 1;
  double step = 1;
};

// Axis bounds on round numbers, about four steps: 1-2-5 decades, or for seconds steps that read
// as durations (30 s, 5 min, 1 h, 1 d …).
Scale niceScale(double lo, double hi, bool seconds, bool integral) {
  if (!(hi > lo)) hi = lo + (integral || seconds ? 4 : 1);
  const double rough = (hi - lo) / 4;
  double step = 0;
  if (seconds) {
    static const double kSteps[] = {1,     2,     5,      10,     15,      30,      60,     120,
                                    300,   600,   900,    1800,   3600,    7200,    10800,  21600,
                                    43200, 86400, 172800, 604800, 1209600, 2592000, 7776000};
    for (double s : kSteps) {
      if (s >= rough) {
        step = s;
        break;
      }
    }
    if (step == 0) step = std::ceil(rough / 7776000) * 7776000;
  } else {
    const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
      if (m * magnitude >= rough) {
        step = m * magnitude;
        break;
      }
    }
    if (integral) step = std::max(step, 1.0);
  }
  Scale s;
  s.step = step;
  s.lo = std::floor(lo / step) * step;
  s.hi = std::ceil(hi / step) * step;
  if (s.hi <= s.lo) s.hi = s.lo + step;
  return s;
}

std::string valueText(double v, bool seconds) {
  return seconds ? formatDurationSeconds(v) : reportCellText(Json(v), ColumnType::kNumber);
}

std::string shortLabel(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "\u2026";
}

double estimatedWidth(const std::string& text) { return 6.5 * static_cast<double>(text.size()); }

struct LegendItem {
  std::string label;
  const char* color = nullptr;  // nullptr: the threshold's dashed line
};

// Lays the legend out in rows above the plot; returns its SVG and height.
std::pair<std::string, double> legend(const std::vector<LegendItem>& items) {
  std::string out = "<g class=\"legend\">";
  double x = kLeft;
  double y = 14;
  for (const LegendItem& item : items) {
    const std::string label = shortLabel(item.label, 40);
    const double w = 18 + estimatedWidth(label) + 18;
    if (x > kLeft && x + w > kWidth - kRight) {
      x = kLeft;
      y += kLegendRow;
    }
    if (item.color != nullptr) {
      out += "<rect x=\"" + num(x) + "\" y=\"" + num(y - 9) +
             "\" width=\"11\" height=\"11\" fill=\"" + item.color + "\"/>";
    } else {
      out += "<line class=\"threshold\" x1=\"" + num(x) + "\" x2=\"" + num(x + 14) + "\" y1=\"" +
             num(y - 4) + "\" y2=\"" + num(y - 4) + "\"/>";
    }
    out += "<text x=\"" + num(x + 18) + "\" y=\"" + num(y) + "\">" + esc(label) + "</text>";
    x += w;
  }
  out += "</g>";
  return {out, y + 10};
}

std::string chartSvg(const ReportChart& chart) {
  const bool seconds = chart.unit == "seconds";
  const size_t n = chart.categories.size();
  const bool stacked = chart.kind == ReportChart::Kind::kStackedBars;
  const size_t series_used = chart.kind == ReportChart::Kind::kBars
                                 ? std::min<size_t>(chart.series.size(), 1)
                                 : chart.series.size();

  // The y range: stacked sums (positive up, negative down) or single values, and the threshold.
  double lo = 0;
  double hi = 0;
  bool any = false;
  bool integral = true;
  for (size_t c = 0; c < n; ++c) {
    double up = 0;
    double down = 0;
    for (size_t s = 0; s < series_used; ++s) {
      const auto& values = chart.series[s].values;
      if (c >= values.size() || !values[c] || !std::isfinite(*values[c])) continue;
      const double v = *values[c];
      any = true;
      integral = integral && v == std::floor(v);
      if (stacked) {
        (v >= 0 ? up : down) += v;
      } else {
        hi = std::max(hi, v);
        lo = std::min(lo, v);
      }
    }
    if (stacked) {
      hi = std::max(hi, up);
      lo = std::min(lo, down);
    }
  }
  if (chart.threshold && std::isfinite(*chart.threshold)) {
    hi = std::max(hi, *chart.threshold);
    lo = std::min(lo, *chart.threshold);
    integral = integral && *chart.threshold == std::floor(*chart.threshold);
  }
  const Scale scale = niceScale(lo, hi, seconds, integral);

  std::vector<LegendItem> items;
  for (size_t s = 0; s < series_used; ++s) items.push_back({chart.series[s].name, seriesColor(s)});
  if (chart.threshold) {
    items.push_back({chart.threshold_label.empty() ? valueText(*chart.threshold, seconds)
                                                   : chart.threshold_label,
                     nullptr});
  }
  auto [legend_svg, legend_height] = legend(items);
  const double top = legend_height + 8;
  const double height = top + kPlotHeight + kBottom;
  const double plot_w = kWidth - kLeft - kRight;
  auto yOf = [&](double v) { return top + kPlotHeight * (scale.hi - v) / (scale.hi - scale.lo); };
  const double band = n == 0 ? plot_w : plot_w / static_cast<double>(n);
  auto xCenter = [&](size_t c) { return kLeft + band * (static_cast<double>(c) + 0.5); };

  std::string out = "<svg id=\"c-" + esc(chart.id) +
                    "\" class=\"chart\" role=\"img\" viewBox=\"0 0 " + num(kWidth) + " " +
                    num(height) + "\" data-kind=\"" +
                    (stacked                                   ? "stacked-bars"
                     : chart.kind == ReportChart::Kind::kLines ? "lines"
                                                               : "bars") +
                    "\" aria-labelledby=\"ct-" + esc(chart.id) + "\"><title id=\"ct-" +
                    esc(chart.id) + "\">" + esc(chart.title) + "</title>";
  out += legend_svg;

  // Grid lines and y labels.
  out += "<g class=\"y-axis\">";
  const int ticks = static_cast<int>(std::lround((scale.hi - scale.lo) / scale.step));
  for (int i = 0; i <= ticks && i <= 50; ++i) {
    const double v = scale.lo + scale.step * i;
    const double y = yOf(v);
    out += "<line class=\"grid\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + plot_w) +
           "\" y1=\"" + num(y) + "\" y2=\"" + num(y) + "\"/>";
    out += "<text class=\"tick\" x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) +
           "\" text-anchor=\"end\">" + esc(valueText(v, seconds)) + "</text>";
  }
  out += "<text class=\"unit\" x=\"12\" y=\"" + num(top + kPlotHeight / 2) +
         "\" text-anchor=\"middle\" transform=\"rotate(-90 12 " + num(top + kPlotHeight / 2) +
         ")\">" + esc(chart.unit) + "</text></g>";

  // x axis: the zero line, and category labels (thinned out when they would overlap).
  out += "<g class=\"x-axis\"><line class=\"axis\" x1=\"" + num(kLeft) + "\" x2=\"" +
         num(kLeft + plot_w) + "\" y1=\"" + num(yOf(std::max(scale.lo, 0.0))) + "\" y2=\"" +
         num(yOf(std::max(scale.lo, 0.0))) + "\"/>";
  size_t longest = 1;
  for (const std::string& c : chart.categories)
    longest = std::max(longest, std::min<size_t>(c.size(), 14));
  const size_t fit = std::max<size_t>(1, static_cast<size_t>(plot_w / (6.5 * longest + 10)));
  const size_t every = n == 0 ? 1 : (n + fit - 1) / fit;
  for (size_t c = 0; c < n; c += every) {
    out += "<text class=\"category\" x=\"" + num(xCenter(c)) + "\" y=\"" +
           num(top + kPlotHeight + 18) + "\" text-anchor=\"middle\">" +
           esc(shortLabel(chart.categories[c], 14)) + "</text>";
  }
  out += "</g>";

  if (!any) {
    out += "<text class=\"no-data\" x=\"" + num(kLeft + plot_w / 2) + "\" y=\"" +
           num(top + kPlotHeight / 2) + "\" text-anchor=\"middle\">No data.</text>";
  }

  auto dataAttrs = [&](size_t s, size_t c, double v) {
    return " data-series=\"" + esc(chart.series[s].name) + "\" data-category=\"" +
           esc(chart.categories[c]) + "\" data-value=\"" + jsonNumber(v) + "\"";
  };
  auto tooltip = [&](size_t s, size_t c, double v) {
    return "<title>" + esc(chart.series[s].name) + ", " + esc(chart.categories[c]) + ": " +
           esc(valueText(v, seconds)) +
           (seconds || chart.unit.empty() ? "" : " " + esc(chart.unit)) + "</title>";
  };

  if (chart.kind == ReportChart::Kind::kLines) {
    for (size_t s = 0; s < series_used; ++s) {
      const auto& values = chart.series[s].values;
      std::string path;
      bool pen_down = false;
      std::string points;
      for (size_t c = 0; c < n; ++c) {
        if (c >= values.size() || !values[c] || !std::isfinite(*values[c])) {
          pen_down = false;
          continue;
        }
        const double x = xCenter(c);
        const double y = yOf(*values[c]);
        path += (pen_down ? "L" : "M") + num(x) + " " + num(y);
        pen_down = true;
        points += "<circle class=\"point\" cx=\"" + num(x) + "\" cy=\"" + num(y) +
                  "\" r=\"3.5\" fill=\"" + seriesColor(s) + "\"" + dataAttrs(s, c, *values[c]) +
                  ">" + tooltip(s, c, *values[c]) + "</circle>";
      }
      out += "<g class=\"series\" data-series=\"" + esc(chart.series[s].name) + "\">";
      if (!path.empty()) {
        out += "<path class=\"line\" fill=\"none\" stroke=\"" + std::string(seriesColor(s)) +
               "\" stroke-width=\"2\" d=\"" + path + "\"/>";
      }
      out += points + "</g>";
    }
  } else {
    const double bar_w = std::max(1.0, band * 0.7);
    for (size_t c = 0; c < n; ++c) {
      double up = 0;
      double down = 0;
      for (size_t s = 0; s < series_used; ++s) {
        const auto& values = chart.series[s].values;
        if (c >= values.size() || !values[c] || !std::isfinite(*values[c])) continue;
        const double v = *values[c];
        double from = 0;
        if (stacked) {
          double& base = v >= 0 ? up : down;
          from = base;
          base += v;
        }
        const double y0 = yOf(from);
        const double y1 = yOf(from + v);
        out += "<rect class=\"bar\" x=\"" + num(xCenter(c) - bar_w / 2) + "\" y=\"" +
               num(std::min(y0, y1)) + "\" width=\"" + num(bar_w) + "\" height=\"" +
               num(std::fabs(y1 - y0)) + "\" fill=\"" + seriesColor(s) + "\"" + dataAttrs(s, c, v) +
               ">" + tooltip(s, c, v) + "</rect>";
      }
    }
  }

  if (chart.threshold && std::isfinite(*chart.threshold)) {
    const double y = yOf(*chart.threshold);
    const std::string label = chart.threshold_label.empty() ? valueText(*chart.threshold, seconds)
                                                            : chart.threshold_label;
    out += "<line class=\"threshold\" x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + plot_w) +
           "\" y1=\"" + num(y) + "\" y2=\"" + num(y) + "\" data-value=\"" +
           jsonNumber(*chart.threshold) + "\"><title>" + esc(label) + "</title></line>";
    out += "<text class=\"threshold-label\" x=\"" + num(kLeft + plot_w) + "\" y=\"" + num(y - 4) +
           "\" text-anchor=\"end\">" + esc(shortLabel(label, 40)) + "</text>";
  }
  out += "</svg>";
  return out;
}

// ---- tables ---------------------------------------------------------------------------------

std::string tableHtml(const ReportTable& table) {
  const std::string id = esc(table.id);
  const size_t rows = table.rows.size();
  std::string out = "<section class=\"report-table\" aria-labelledby=\"h-" + id + "\">";
  out += "<h2 id=\"h-" + id + "\">" + esc(table.title) + "</h2>";
  if (rows > 0) {
    // Shown by the script: without it the box could do nothing.
    out += "<div class=\"controls\" hidden><label>Filter <input type=\"search\" id=\"f-" + id +
           "\" autocomplete=\"off\" placeholder=\"text in any column\" aria-controls=\"t-" + id +
           "\"></label></div>";
    out += "<p class=\"count\" id=\"n-" + id + "\" aria-live=\"polite\">" + std::to_string(rows) +
           (rows == 1 ? " row" : " rows") + "</p>";
  }
  out += "<div class=\"wrap\"><table id=\"t-" + id + "\" data-rows=\"" + std::to_string(rows) +
         "\"><thead><tr>";
  for (const Column& c : table.columns) {
    out += "<th scope=\"col\" data-key=\"" + esc(c.key) + "\" data-type=\"" + typeName(c.type) +
           "\"" + (numericColumn(c.type) ? " class=\"n\"" : "") + ">" + esc(c.title) + "</th>";
  }
  out += "</tr></thead><tbody>";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (size_t i = 0; i < table.columns.size(); ++i) {
      static const Json kNull;
      const Json& cell = i < row.size() ? row[i] : kNull;
      const ColumnType type = table.columns[i].type;
      std::string attrs;
      if (numericColumn(type)) attrs += " class=\"n\"";
      if (type != ColumnType::kText) {
        // The sort key: the number itself, or the ISO time; "" for an empty cell.
        attrs += " data-v=\"" +
                 (cell.isNumber()   ? jsonNumber(cell.asNumber())
                  : cell.isString() ? esc(cell.asString())
                                    : std::string()) +
                 "\"";
      }
      out += "<td" + attrs + ">" + esc(reportCellText(cell, type)) + "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody>";
  if (rows == 0) {
    out += "<tfoot><tr><td colspan=\"" + std::to_string(std::max<size_t>(1, table.columns.size())) +
           "\">" + esc(table.empty_text) + "</td></tr></tfoot>";
  }
  out += "</table></div></section>";
  return out;
}

std::string summaryValue(const std::string& key, const Json& value) {
  const bool seconds = key.size() >= 7 && key.compare(key.size() - 7, 7, "Seconds") == 0;
  return reportCellText(value, seconds ? ColumnType::kDuration : ColumnType::kNumber);
}

}  // namespace

std::string renderReportHtml(const ReportDoc& doc) {
  std::string out;
  out.reserve(16384);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"color-scheme\" content=\"light dark\">\n";
  // Nothing outside the file may load and no script but ours may run, whatever a cell holds.
  static const std::string kPolicy = "default-src 'none'; style-src " + cspHash(kStyle) +
                                     "; script-src " + cspHash(kScript) +
                                     "; img-src data:; base-uri 'none'; form-action 'none'";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"" + kPolicy + "\">\n";
  out += "<meta name=\"referrer\" content=\"no-referrer\">\n";
  out += "<meta name=\"generator\" content=\"scim-agent\">\n";
  out += "<title>" + esc(doc.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n";
  out += "<body data-kind=\"" + esc(doc.kind) + "\" data-script-errors=\"0\">\n<header>\n";
  out += "<h1>" + esc(doc.title) + "</h1>\n";
  if (!doc.generated_at.empty()) {
    out += "<p class=\"generated\">Generated <time datetime=\"" + esc(doc.generated_at) + "\">" +
           esc(doc.generated_at) + "</time></p>\n";
  }
  if (!doc.meta.empty()) {
    out += "<dl class=\"meta\">";
    for (const auto& [key, value] : doc.meta) {
      out += "<div><dt>" + esc(key) + "</dt><dd>" + esc(value) + "</dd></div>";
    }
    out += "</dl>\n";
  }
  out += "</header>\n<main>\n";
  if (!doc.summary.empty()) {
    out += "<section class=\"summary\" aria-label=\"Summary\">";
    for (const auto& [key, value] : doc.summary) {
      out += "<div class=\"box\" data-key=\"" + esc(key) + "\"><span class=\"v\">" +
             esc(summaryValue(key, value)) + "</span><span class=\"k\">" + esc(key) +
             "</span></div>";
    }
    out += "</section>\n";
  }
  for (const ReportBlock& b : doc.blocks) {
    out += std::string("<div class=\"block ") + levelClass(b.level) + "\" role=\"" +
           (b.level == ReportBlock::Level::kInfo ? "note" : "alert") + "\"><h2>" + esc(b.title) +
           "</h2>";
    for (const std::string& line : b.lines) out += "<p>" + esc(line) + "</p>";
    out += "</div>\n";
  }
  for (const ReportChart& chart : doc.charts) {
    out += "<figure class=\"chart\"><figcaption>" + esc(chart.title) + "</figcaption>" +
           chartSvg(chart) + "</figure>\n";
  }
  for (const ReportTable& table : doc.tables) out += tableHtml(table) + "\n";
  out += "</main>\n<footer>scim-agent report";
  if (!doc.kind.empty()) out += " \u00b7 " + esc(doc.kind);
  out += std::string(" \u00b7 ") + kReportSchema + "</footer>\n";
  out += "<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace scim_agent
