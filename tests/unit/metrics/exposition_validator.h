#pragma once
// A strict validator and parser of the Prometheus text exposition format 0.0.4, for tests:
// unit tests of agent/metrics, the `run` textfile (tests/integration/run_test.cpp) and serve's
// GET /metrics. Header-only, standard library only:
//
//   #include "tests/unit/metrics/exposition_validator.h"
//   const auto problems = scim_agent::testing::validateExposition(text);
//   EXPECT_TRUE(problems.empty()) << scim_agent::testing::joinProblems(problems);
//   const auto samples = scim_agent::testing::parseExposition(text);
//   EXPECT_EQ(scim_agent::testing::sampleValue(samples, "scim_agent_runs_total",
//                                              {{"outcome", "ok"}}), 1);
//
// Checked (each problem names its line number):
//  - every line is one of: "# HELP name text", "# TYPE name counter|gauge|histogram|summary|
//    untyped", another "# " comment, or a sample "name{l="v",…} value [timestamp]"; no blank
//    lines; the text ends with a newline;
//  - names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (not "__…"), label
//    values use only the escapes \\ \" \n; values are Go floats or +Inf/-Inf/NaN;
//  - at most one HELP and one TYPE per family, the TYPE before the family's first sample; every
//    sample's family has a TYPE; a family's samples are contiguous; no sample twice;
//  - counters are not negative; histogram samples are name_bucket (with le), name_sum,
//    name_count; per label set the buckets' le strictly increase, their counts are cumulative
//    (non-decreasing), the last is le="+Inf", and _count equals the +Inf bucket and exists, as
//    does _sum.
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace scim_agent::testing {

struct ExpositionSample {
  std::string name;                           // as written: "x_bucket", "x_sum", …
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

namespace exposition_detail {

inline const std::regex& helpLine() {
  static const std::regex r(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$)");
  return r;
}
inline const std::regex& typeLine() {
  static const std::regex r(
      R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  return r;
}
inline const std::regex& sampleLine() {
  // name, optional {labels}, value, optional integer timestamp (ms).
  static const std::regex r(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? )"
      R"(([^ ]+)( -?[0-9]+)?$)");
  return r;
}
inline const std::regex& labelPair() {
  static const std::regex r(R"(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)\",?)");
  return r;
}
inline const std::regex& floatValue() {
  static const std::regex r(
      R"(^(\+Inf|-Inf|NaN|[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?)$)");
  return r;
}

inline double toDouble(const std::string& text) {
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return std::nan("");
  return std::strtod(text.c_str(), nullptr);
}

inline std::string unescape(const std::string& value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      ++i;
      out += value[i] == 'n' ? '\n' : value[i];
    } else {
      out += value[i];
    }
  }
  return out;
}

// The family a sample belongs to, given the declared types: "x_bucket" → "x" when x is a
// histogram (or summary, for _sum/_count).
inline std::string familyOf(const std::string& name,
                            const std::map<std::string, std::string>& types) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() &&
          (it->second == "histogram" || (it->second == "summary" && s != "_bucket"))) {
        return base;
      }
    }
  }
  return name;
}

inline std::string labelKey(const std::map<std::string, std::string>& labels,
                            const std::string& without = "") {
  std::string key;
  for (const auto& [k, v] : labels) {
    if (k != without) key += k + "=" + v + "\x1f";
  }
  return key;
}

}  // namespace exposition_detail

// Every problem found, each "line N: what"; empty when `text` is valid.
inline std::vector<std::string> validateExposition(const std::string& text) {
  using namespace exposition_detail;
  std::vector<std::string> problems;
  auto problem = [&](size_t line, const std::string& what) {
    problems.push_back("line " + std::to_string(line) + ": " + what);
  };
  if (!text.empty() && text.back() != '\n')
    problems.push_back("the text does not end with a newline");

  std::map<std::string, std::string> types;  // family → type
  std::set<std::string> helps;
  std::set<std::string> families_with_samples;
  std::set<std::string> finished_families;  // samples seen, then another family's
  std::string current_family;
  std::set<std::string> seen_samples;
  struct HistogramSeries {
    std::vector<std::pair<double, double>> buckets;  // le, count, in order
    std::optional<double> count;
    bool sum = false;
    size_t line = 0;
  };
  std::map<std::string, std::map<std::string, HistogramSeries>> histograms;  // family → labels

  std::istringstream in(text);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    std::smatch m;
    if (line.empty()) {
      problem(n, "blank line");
      continue;
    }
    if (line[0] == '#') {
      if (std::regex_match(line, m, typeLine())) {
        const std::string family = m[1];
        if (types.count(family)) problem(n, "second TYPE for " + family);
        if (families_with_samples.count(family))
          problem(n, "TYPE for " + family + " after its samples");
        types[family] = m[2];
      } else if (line.rfind("# TYPE", 0) == 0) {
        problem(n, "malformed TYPE line: " + line);
      } else if (std::regex_match(line, m, helpLine())) {
        if (!helps.insert(m[1]).second) problem(n, "second HELP for " + std::string(m[1]));
        const std::string help = m[2];
        for (size_t i = 0; i < help.size(); ++i) {
          if (help[i] == '\\') {
            if (i + 1 >= help.size() || (help[i + 1] != '\\' && help[i + 1] != 'n')) {
              problem(n, "bad escape in HELP text");
            }
            ++i;
          }
        }
      } else if (line.rfind("# HELP", 0) == 0) {
        problem(n, "malformed HELP line: " + line);
      } else if (line.rfind("# ", 0) != 0 && line != "#") {
        problem(n, "comment without a space after #: " + line);
      }
      continue;
    }
    if (!std::regex_match(line, m, sampleLine())) {
      problem(n, "not a valid sample line: " + line);
      continue;
    }
    const std::string name = m[1];
    const std::string value_text = m[4];
    if (!std::regex_match(value_text, floatValue())) problem(n, "bad value \"" + value_text + "\"");
    std::map<std::string, std::string> labels;
    const std::string label_text = m[3];
    for (auto it = std::sregex_iterator(label_text.begin(), label_text.end(), labelPair());
         it != std::sregex_iterator(); ++it) {
      const std::string label = (*it)[1];
      if (label.rfind("__", 0) == 0) problem(n, "reserved label name " + label);
      if (!labels.emplace(label, unescape((*it)[2])).second)
        problem(n, "label " + label + " twice");
    }
    const std::string family = familyOf(name, types);
    auto type = types.find(family);
    if (type == types.end()) {
      problem(n, "sample of " + name + " without a TYPE line");
    }
    if (family != current_family) {
      if (!current_family.empty()) finished_families.insert(current_family);
      if (finished_families.count(family))
        problem(n, "samples of " + family + " are not contiguous");
      current_family = family;
    }
    families_with_samples.insert(family);
    if (!seen_samples.insert(name + "\x1e" + labelKey(labels)).second) {
      problem(n, "sample " + name + " with the same labels twice");
    }
    const double value = toDouble(value_text);
    if (type == types.end()) continue;
    if (type->second == "counter" && value < 0) problem(n, "negative counter " + name);
    if (type->second == "histogram") {
      HistogramSeries& series = histograms[family][labelKey(labels, "le")];
      if (series.line == 0) series.line = n;
      if (name == family + "_bucket") {
        auto le = labels.find("le");
        if (le == labels.end() || !std::regex_match(le->second, floatValue())) {
          problem(n, "bucket without a valid le label");
          continue;
        }
        series.buckets.emplace_back(toDouble(le->second), value);
      } else if (name == family + "_count") {
        series.count = value;
      } else if (name == family + "_sum") {
        series.sum = true;
      } else {
        problem(n, "histogram " + family + " has a sample named " + name);
      }
      if (name != family + "_bucket" && labels.count("le")) problem(n, name + " has an le label");
    }
  }
  for (const auto& [family, series_by_labels] : histograms) {
    for (const auto& [key, s] : series_by_labels) {
      const std::string where =
          "histogram " + family + " (series at line " + std::to_string(s.line) + ")";
      if (s.buckets.empty()) {
        problems.push_back(where + ": no buckets");
        continue;
      }
      for (size_t i = 1; i < s.buckets.size(); ++i) {
        if (!(s.buckets[i].first > s.buckets[i - 1].first)) {
          problems.push_back(where + ": le values not increasing");
        }
        if (s.buckets[i].second < s.buckets[i - 1].second) {
          problems.push_back(where + ": bucket counts not cumulative");
        }
      }
      if (!std::isinf(s.buckets.back().first) || s.buckets.back().first < 0) {
        problems.push_back(where + ": last bucket is not le=\"+Inf\"");
      }
      if (!s.count) {
        problems.push_back(where + ": no _count");
      } else if (*s.count != s.buckets.back().second) {
        problems.push_back(where + ": _count differs from the +Inf bucket");
      }
      if (!s.sum) problems.push_back(where + ": no _sum");
    }
  }
  return problems;
}

inline std::string joinProblems(const std::vector<std::string>& problems) {
  std::string out;
  for (const std::string& p : problems) out += p + "\n";
  return out;
}

// The samples of `text` (comments skipped; lines that are not samples ignored: validate first).
inline std::vector<ExpositionSample> parseExposition(const std::string& text) {
  using namespace exposition_detail;
  std::vector<ExpositionSample> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (line.empty() || line[0] == '#' || !std::regex_match(line, m, sampleLine())) continue;
    ExpositionSample s;
    s.name = m[1];
    const std::string label_text = m[3];
    for (auto it = std::sregex_iterator(label_text.begin(), label_text.end(), labelPair());
         it != std::sregex_iterator(); ++it) {
      s.labels[(*it)[1]] = unescape((*it)[2]);
    }
    s.value = toDouble(m[4]);
    out.push_back(std::move(s));
  }
  return out;
}

// The value of the sample with exactly these labels; nullopt when absent.
inline std::optional<double> findSample(const std::vector<ExpositionSample>& samples,
                                        const std::string& name,
                                        const std::map<std::string, std::string>& labels = {}) {
  for (const ExpositionSample& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return std::nullopt;
}

// findSample, 0 when absent.
inline double sampleValue(const std::vector<ExpositionSample>& samples, const std::string& name,
                          const std::map<std::string, std::string>& labels = {}) {
  return findSample(samples, name, labels).value_or(0);
}

// The sum of every sample named `name` whose labels include `match`.
inline double sumSamples(const std::vector<ExpositionSample>& samples, const std::string& name,
                         const std::map<std::string, std::string>& match = {}) {
  double sum = 0;
  for (const ExpositionSample& s : samples) {
    if (s.name != name) continue;
    bool ok = true;
    for (const auto& [k, v] : match) {
      auto it = s.labels.find(k);
      ok = ok && it != s.labels.end() && it->second == v;
    }
    if (ok) sum += s.value;
  }
  return sum;
}

}  // namespace scim_agent::testing
