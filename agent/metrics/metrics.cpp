#include "agent/metrics/metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include <sys/stat.h>

namespace scim_agent {

namespace {

[[noreturn]] void misuse(const std::string& what) {
  std::fprintf(stderr, "scim-agent: metrics misuse (a bug): %s\n", what.c_str());
  std::abort();
}

bool validName(const std::string& name, bool colon_ok) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

// HELP text: backslash and newline escaped (exposition format 0.0.4).
std::string escapeHelp(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

const char* typeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

void renderLabels(std::string& out, const MetricLabels& labels, const std::string* le = nullptr) {
  if (labels.empty() && le == nullptr) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name + "=\"" + escapeLabelValue(value) + "\"";
  }
  if (le != nullptr) {
    if (!first) out += ',';
    out += "le=\"" + *le + "\"";
  }
  out += '}';
}

// One parsed sample line of our own output (restore()).
struct ParsedSample {
  std::string name;
  MetricLabels labels;
  double value = 0;
};

std::optional<double> parseValue(const std::string& text) {
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return std::nan("");
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<ParsedSample> parseSample(const std::string& line) {
  ParsedSample s;
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') s.name += line[i++];
  if (!validName(s.name, true)) return std::nullopt;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      std::string label;
      while (i < line.size() && line[i] != '=') label += line[i++];
      if (i + 1 >= line.size() || line[i + 1] != '"' || !validName(label, false)) {
        return std::nullopt;
      }
      i += 2;
      std::string value;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          value += line[i] == 'n' ? '\n' : line[i];
        } else {
          value += line[i];
        }
        ++i;
      }
      if (i >= line.size()) return std::nullopt;
      ++i;  // closing quote
      s.labels[label] = value;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return std::nullopt;
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return std::nullopt;
  std::string value = line.substr(i + 1);
  const size_t space = value.find(' ');  // an optional timestamp follows
  if (space != std::string::npos) value.resize(space);
  auto v = parseValue(value);
  if (!v) return std::nullopt;
  s.value = *v;
  return s;
}

}  // namespace

std::string formatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", value);
    return std::string(buf) == "-0" ? "0" : buf;
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);  // shortest round-trip
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string escapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void MetricsRegistry::addCounter(const std::string& name, const std::string& help) {
  add(name, help, MetricType::kCounter, {});
}

void MetricsRegistry::addGauge(const std::string& name, const std::string& help) {
  add(name, help, MetricType::kGauge, {});
}

void MetricsRegistry::addHistogram(const std::string& name, const std::string& help,
                                   std::vector<double> upper_bounds) {
  for (size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i]) || (i > 0 && upper_bounds[i] <= upper_bounds[i - 1])) {
      misuse(name + ": histogram bounds must be finite and strictly increasing");
    }
  }
  add(name, help, MetricType::kHistogram, std::move(upper_bounds));
}

void MetricsRegistry::add(const std::string& name, const std::string& help, MetricType type,
                          std::vector<double> upper_bounds) {
  if (!validName(name, true)) misuse("invalid metric name \"" + name + "\"");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (it->second.type != type || it->second.upper_bounds != upper_bounds) {
      misuse(name + " added twice with a different type or buckets");
    }
    return;
  }
  Family& f = families_[name];
  f.type = type;
  f.help = help;
  f.upper_bounds = std::move(upper_bounds);
  if (type == MetricType::kHistogram) {
    f.histograms[{}].bucket_counts.assign(f.upper_bounds.size(), 0);
  } else {
    f.values[{}] = 0;
  }
}

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, MetricType type,
                                                 const MetricLabels& labels) {
  auto it = families_.find(name);
  if (it == families_.end()) misuse(name + " used before it was added");
  if (it->second.type != type) {
    misuse(name + " is a " + typeName(it->second.type) + ", used as a " + typeName(type));
  }
  for (const auto& [label, value] : labels) {
    if (!validName(label, false) || label.rfind("__", 0) == 0) {
      misuse(name + ": invalid label name \"" + label + "\"");
    }
    if (type == MetricType::kHistogram && label == "le")
      misuse(name + ": label \"le\" is reserved");
  }
  Family& f = it->second;
  // The zero sample of an unlabelled family goes once a labelled sample exists: a family mixes
  // no label sets of different shapes.
  if (!labels.empty()) {
    if (type == MetricType::kHistogram) {
      auto zero = f.histograms.find({});
      if (zero != f.histograms.end() && zero->second.count == 0) f.histograms.erase(zero);
    } else {
      auto zero = f.values.find({});
      if (zero != f.values.end() && zero->second == 0) f.values.erase(zero);
    }
  }
  return f;
}

const MetricsRegistry::Family* MetricsRegistry::findFamily(const std::string& name) const {
  auto it = families_.find(name);
  return it == families_.end() ? nullptr : &it->second;
}

void MetricsRegistry::increment(const std::string& name, const MetricLabels& labels, double by) {
  if (!(by >= 0)) misuse(name + ": a counter cannot go down");
  std::lock_guard<std::mutex> lock(mu_);
  family(name, MetricType::kCounter, labels).values[labels] += by;
}

void MetricsRegistry::set(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  family(name, MetricType::kGauge, labels).values[labels] = value;
}

void MetricsRegistry::observe(const std::string& name, const MetricLabels& labels, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = family(name, MetricType::kHistogram, labels);
  Histogram& h = f.histograms[labels];
  if (h.bucket_counts.size() != f.upper_bounds.size()) {
    h.bucket_counts.assign(f.upper_bounds.size(), 0);
  }
  for (size_t i = 0; i < f.upper_bounds.size(); ++i) {
    if (value <= f.upper_bounds[i]) {
      ++h.bucket_counts[i];
      break;
    }
  }
  ++h.count;
  h.sum += value;
}

double MetricsRegistry::value(const std::string& name, const MetricLabels& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Family* f = findFamily(name);
  if (f == nullptr) return 0;
  auto it = f->values.find(labels);
  return it == f->values.end() ? 0 : it->second;
}

uint64_t MetricsRegistry::observations(const std::string& name, const MetricLabels& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Family* f = findFamily(name);
  if (f == nullptr) return 0;
  auto it = f->histograms.find(labels);
  return it == f->histograms.end() ? 0 : it->second.count;
}

std::string MetricsRegistry::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + escapeHelp(f.help) + "\n";
    out += "# TYPE " + name + " " + typeName(f.type) + "\n";
    if (f.type != MetricType::kHistogram) {
      for (const auto& [labels, value] : f.values) {
        out += name;
        renderLabels(out, labels);
        out += " " + formatMetricValue(value) + "\n";
      }
      continue;
    }
    for (const auto& [labels, h] : f.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= f.upper_bounds.size(); ++i) {
        const bool inf = i == f.upper_bounds.size();
        cumulative = inf ? h.count : cumulative + h.bucket_counts[i];
        const std::string le = inf ? "+Inf" : formatMetricValue(f.upper_bounds[i]);
        out += name + "_bucket";
        renderLabels(out, labels, &le);
        out += " " + std::to_string(cumulative) + "\n";
      }
      out += name + "_sum";
      renderLabels(out, labels);
      out += " " + formatMetricValue(h.sum) + "\n";
      out += name + "_count";
      renderLabels(out, labels);
      out += " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

void MetricsRegistry::restore(const std::string& exposition,
                              const std::vector<std::string>& gauges) {
  std::istringstream in(exposition);
  std::vector<ParsedSample> samples;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (auto s = parseSample(line)) samples.push_back(std::move(*s));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const ParsedSample& s : samples) {
    auto it = families_.find(s.name);
    if (it == families_.end() || !std::isfinite(s.value)) continue;
    Family& f = it->second;
    bool take_gauge = false;
    for (const std::string& g : gauges) take_gauge = take_gauge || g == s.name;
    if (f.type == MetricType::kCounter && s.value >= 0) {
      if (!s.labels.empty()) {
        auto zero = f.values.find({});
        if (zero != f.values.end() && zero->second == 0) f.values.erase(zero);
      }
      f.values[s.labels] += s.value;
    } else if (f.type == MetricType::kGauge && take_gauge && !f.values.count(s.labels)) {
      f.values[s.labels] = s.value;
    } else if (f.type == MetricType::kGauge && take_gauge && s.labels.empty() &&
               f.values[s.labels] == 0) {
      f.values[s.labels] = s.value;  // the unlabelled zero sample is "no value yet"
    }
  }
}

std::string metricsTextfilePath(const std::string& dir) { return dir + "/scim_agent.prom"; }

Status writeMetricsTextfile(const std::string& dir, const std::string& content) {
  const std::string path = metricsTextfilePath(dir);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Error(ErrorCode::kIo, "cannot write the metrics textfile " + tmp);
    f << content;
    f.flush();
    if (!f)
      return Error(ErrorCode::kIo, "cannot write the metrics textfile " + tmp + " (disk full?)");
  }
  // 0644 whatever the umask: node_exporter runs as another user and must read it.
  if (::chmod(tmp.c_str(), 0644) != 0) {
    return Error(ErrorCode::kIo, "cannot make " + tmp + " readable (chmod 0644)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error(ErrorCode::kIo, "cannot rename " + tmp + " to " + path);
  }
  return Status::success();
}

}  // namespace scim_agent
