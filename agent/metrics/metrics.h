#pragma once
// Prometheus metrics: a small registry of counters, gauges and histograms with labels, rendered
// in the Prometheus text exposition format 0.0.4, and the node_exporter textfile writer.
//
// POCO 1.11 has no Prometheus support (and Debian ships no prometheus-cpp for bookworm), so the
// exposition format is written by hand here, following
// https://prometheus.io/docs/instrumenting/exposition_formats/ (text format 0.0.4).
//
// Use (serve, run):
//
//   MetricsRegistry metrics;
//   addAgentMetrics(metrics);                      // agent_metrics.h: every scim_agent_* family
//   metrics.increment(kRunsTotal, {{"outcome", "ok"}});
//   metrics.observe(kEventToActionSeconds, {}, 0.042);
//   response << metrics.render();                  // Content-Type: kExpositionContentType
//
// Thread safety: every method may be called from any thread at any time; each call takes the
// registry's one mutex, so render() is a consistent snapshot (no half-updated histogram).
//
// Misuse is a bug, not a runtime condition: using a name that was not added, using it as the
// wrong type, an invalid metric or label name, a label named "le" on a histogram, or adding one
// name twice with a different type or buckets prints the reason to stderr and aborts (STYLE §4,
// kind 3). Label *values* are free text (escaped when rendered).
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agent/base/result.h"

namespace scim_agent {

// Label name → value. A std::map, so a label set has one order and renders deterministically.
using MetricLabels = std::map<std::string, std::string>;

// The Content-Type of render()'s output, for GET /metrics.
inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { kCounter, kGauge, kHistogram };

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Declares a metric family. Adding the same name again with the same type (and buckets) is a
  // no-op, so two components may both declare what they use. A family without labels starts
  // with one sample at 0 (so it is visible before its first event); a labelled family shows
  // only the label sets used so far.
  void addCounter(const std::string& name, const std::string& help);
  void addGauge(const std::string& name, const std::string& help);
  // `upper_bounds`: strictly increasing, finite; the +Inf bucket is implicit.
  void addHistogram(const std::string& name, const std::string& help,
                    std::vector<double> upper_bounds);

  // Counter += `by`. REQUIRES: by >= 0 (a counter only goes up).
  void increment(const std::string& name, const MetricLabels& labels = {}, double by = 1.0);
  // Gauge = `value`.
  void set(const std::string& name, const MetricLabels& labels, double value);
  // Histogram: one observation.
  void observe(const std::string& name, const MetricLabels& labels, double value);

  // The value of a counter or gauge sample; 0 when that label set was never used.
  double value(const std::string& name, const MetricLabels& labels = {}) const;
  // Observations so far of a histogram sample (its _count).
  uint64_t observations(const std::string& name, const MetricLabels& labels = {}) const;

  // Everything in the exposition format: families sorted by name, each "# HELP", "# TYPE",
  // then its samples sorted by label set; histograms as _bucket{…,le="…"} (cumulative, ending
  // with le="+Inf"), _sum and _count. Ends with a newline.
  std::string render() const;

  // Counter samples of an earlier render() (a previous run's textfile) are added to this
  // registry's, for families added here, so that counters keep counting across one-shot
  // processes (the systemd timer's `run`). Gauges named in `gauges` are taken over too when
  // this registry has no value for them. Lines that do not parse are ignored: an unreadable old
  // file only restarts the counters.
  void restore(const std::string& exposition, const std::vector<std::string>& gauges = {});

 private:
  struct Histogram {
    std::vector<uint64_t> bucket_counts;  // per upper bound, not cumulative; +Inf not stored
    uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    MetricType type = MetricType::kCounter;
    std::string help;
    std::vector<double> upper_bounds;
    std::map<MetricLabels, double> values;         // counters and gauges
    std::map<MetricLabels, Histogram> histograms;  // histograms
  };

  void add(const std::string& name, const std::string& help, MetricType type,
           std::vector<double> upper_bounds);
  // The family, checked to exist and have `type`; aborts otherwise. REQUIRES: mu_ held.
  Family& family(const std::string& name, MetricType type, const MetricLabels& labels);
  const Family* findFamily(const std::string& name) const;

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // GUARDED_BY(mu_)
};

// Formats a sample value or bucket bound as Prometheus does: integers without a fraction, other
// values in the shortest form that reads back exactly, "+Inf", "-Inf", "NaN".
std::string formatMetricValue(double value);

// Escapes a label value: backslash, double quote and newline (as \\, \" and \n).
std::string escapeLabelValue(const std::string& value);

// Writes `content` as <dir>/scim_agent.prom for node_exporter's textfile collector: first to
// <dir>/scim_agent.prom.tmp (mode 0644), then renamed over the old file, so the collector never
// reads half a file. Fails with kIo naming the path (a missing directory, no permission, disk
// full).
Status writeMetricsTextfile(const std::string& dir, const std::string& content);

// The file writeMetricsTextfile writes in `dir`.
std::string metricsTextfilePath(const std::string& dir);

}  // namespace scim_agent
