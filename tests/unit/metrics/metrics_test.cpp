#include "agent/metrics/metrics.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/metrics/agent_metrics.h"
#include "tests/unit/metrics/exposition_validator.h"

namespace scim_agent {
namespace {

using testing::findSample;
using testing::joinProblems;
using testing::parseExposition;
using testing::validateExposition;

TEST(MetricsTest, RendersCounterGaugeWithHelpTypeAndSortedSamples) {
  MetricsRegistry m;
  m.addGauge("b_gauge", "A gauge.");
  m.addCounter("a_total", "A counter.");
  m.increment("a_total", {{"outcome", "ok"}, {"kind", "z"}});
  m.increment("a_total", {{"kind", "a"}, {"outcome", "ok"}}, 2);
  m.set("b_gauge", {}, 1.5);
  EXPECT_EQ(m.render(),
            "# HELP a_total A counter.\n"
            "# TYPE a_total counter\n"
            "a_total{kind=\"a\",outcome=\"ok\"} 2\n"
            "a_total{kind=\"z\",outcome=\"ok\"} 1\n"
            "# HELP b_gauge A gauge.\n"
            "# TYPE b_gauge gauge\n"
            "b_gauge 1.5\n");
}

TEST(MetricsTest, UnlabelledFamilyStartsAtZero) {
  MetricsRegistry m;
  m.addCounter("x_total", "X.");
  EXPECT_NE(m.render().find("\nx_total 0\n"), std::string::npos);
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry m;
  m.addCounter("e_total", "Line one\nback\\slash.");
  m.increment("e_total", {{"v", "a\"b\\c\nd"}});
  const std::string text = m.render();
  EXPECT_NE(text.find("# HELP e_total Line one\\nback\\\\slash.\n"), std::string::npos) << text;
  EXPECT_NE(text.find("e_total{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << text;
  EXPECT_TRUE(validateExposition(text).empty()) << joinProblems(validateExposition(text));
  const auto samples = parseExposition(text);
  EXPECT_EQ(findSample(samples, "e_total", {{"v", "a\"b\\c\nd"}}), 1.0);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndEndWithInf) {
  MetricsRegistry m;
  m.addHistogram("lat_seconds", "Latency.", {0.1, 1});
  m.observe("lat_seconds", {{"type", "termination"}}, 0.05);
  m.observe("lat_seconds", {{"type", "termination"}}, 0.5);
  m.observe("lat_seconds", {{"type", "termination"}}, 5);
  EXPECT_EQ(m.render(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{type=\"termination\",le=\"0.1\"} 1\n"
            "lat_seconds_bucket{type=\"termination\",le=\"1\"} 2\n"
            "lat_seconds_bucket{type=\"termination\",le=\"+Inf\"} 3\n"
            "lat_seconds_sum{type=\"termination\"} 5.55\n"
            "lat_seconds_count{type=\"termination\"} 3\n");
  EXPECT_EQ(m.observations("lat_seconds", {{"type", "termination"}}), 3u);
}

TEST(MetricsTest, AgentMetricsRenderValidExposition) {
  MetricsRegistry m;
  addAgentMetrics(m);
  addAgentMetrics(m);  // idempotent
  m.increment(kRunsTotal, {{"outcome", "ok"}});
  m.increment(kActionsTotal, {{"kind", "create"}, {"outcome", "done"}}, 3);
  countApiRequest(m, 200);
  countApiRequest(m, 429);
  countApiRequest(m, 0);
  m.set(kDriftUsers, {}, 4);
  m.observe(kEventToActionSeconds, {{"type", "termination"}}, 0.2);
  const std::string text = m.render();
  EXPECT_TRUE(validateExposition(text).empty()) << joinProblems(validateExposition(text)) << text;
  const auto samples = parseExposition(text);
  EXPECT_EQ(findSample(samples, kApiRequestsTotal, {{"status_class", "4xx"}}), 1.0);
  EXPECT_EQ(findSample(samples, kApiRequestsTotal, {{"status_class", "dropped"}}), 1.0);
  EXPECT_EQ(findSample(samples, kApiRateLimitedTotal), 1.0);
  EXPECT_EQ(findSample(samples, "scim_agent_event_to_action_seconds_bucket",
                       {{"type", "termination"}, {"le", "0.05"}}),
            0.0);
  EXPECT_EQ(findSample(samples, "scim_agent_event_to_action_seconds_bucket",
                       {{"type", "termination"}, {"le", "10"}}),
            1.0);
}

TEST(MetricsTest, FormatsValues) {
  EXPECT_EQ(formatMetricValue(0), "0");
  EXPECT_EQ(formatMetricValue(-0.0), "0");
  EXPECT_EQ(formatMetricValue(1700000000), "1700000000");
  EXPECT_EQ(formatMetricValue(0.05), "0.05");
  EXPECT_EQ(formatMetricValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(formatMetricValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(formatMetricValue(std::nan("")), "NaN");
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  MetricsRegistry m;
  addAgentMetrics(m);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 1000; ++i) {
        countApiRequest(m, 200);
        m.observe(kEventToActionSeconds, {{"type", "hire"}}, 0.01);
        if (i % 100 == 0) (void)m.render();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(m.value(kApiRequestsTotal, {{"status_class", "2xx"}}), 8000);
  EXPECT_EQ(m.observations(kEventToActionSeconds, {{"type", "hire"}}), 8000u);
}

TEST(MetricsTest, RestoreContinuesCountersAndKeepsNamedGauges) {
  MetricsRegistry before;
  addAgentMetrics(before);
  before.increment(kRunsTotal, {{"outcome", "ok"}}, 2);
  before.set(kLastSuccessTimestampSeconds, {}, 1700000000);
  before.set(kDriftUsers, {}, 7);

  MetricsRegistry after;
  addAgentMetrics(after);
  after.increment(kRunsTotal, {{"outcome", "failed"}});
  after.restore(before.render(), {kLastSuccessTimestampSeconds});
  EXPECT_EQ(after.value(kRunsTotal, {{"outcome", "ok"}}), 2);
  EXPECT_EQ(after.value(kRunsTotal, {{"outcome", "failed"}}), 1);
  EXPECT_EQ(after.value(kLastSuccessTimestampSeconds), 1700000000);
  EXPECT_EQ(after.value(kDriftUsers), 0);  // not named: this run's own value
  after.restore("garbage\n{not a line} 1\n");
  EXPECT_TRUE(validateExposition(after.render()).empty());
}

TEST(MetricsTest, MisuseAborts) {
  MetricsRegistry m;
  m.addCounter("c_total", "C.");
  EXPECT_DEATH(m.increment("nope_total"), "used before it was added");
  EXPECT_DEATH(m.set("c_total", {}, 1), "is a counter, used as a gauge");
  EXPECT_DEATH(m.increment("c_total", {{"bad-label", "x"}}), "invalid label name");
  EXPECT_DEATH(m.addGauge("c_total", "again"), "different type");
  EXPECT_DEATH(m.increment("c_total", {}, -1), "cannot go down");
}

TEST(MetricsTest, TextfileIsWrittenAtomicallyWithMode0644) {
  char tmpl[] = "/tmp/metrics_test_XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const mode_t old = ::umask(077);
  ASSERT_TRUE(writeMetricsTextfile(dir, "a 1\n").ok());
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat(metricsTextfilePath(dir).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_FALSE(std::filesystem::exists(metricsTextfilePath(dir) + ".tmp"));
  std::ifstream f(metricsTextfilePath(dir));
  std::stringstream text;
  text << f.rdbuf();
  EXPECT_EQ(text.str(), "a 1\n");
  EXPECT_FALSE(writeMetricsTextfile(dir + "/missing", "a 1\n").ok());
  std::filesystem::remove_all(dir);
}

// ---- The validator itself: each rule rejects what it should. ----

TEST(ExpositionValidatorTest, AcceptsAValidDocument) {
  const std::string text =
      "# HELP h Help.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
      "h_sum 3.5\nh_count 2\n# TYPE g gauge\ng{a=\"x\"} -1e3 1700000000000\n";
  EXPECT_TRUE(validateExposition(text).empty()) << joinProblems(validateExposition(text));
}

TEST(ExpositionValidatorTest, RejectsEachBrokenRule) {
  const std::vector<std::string> bad = {
      "x 1\n",                                                              // no TYPE
      "# TYPE x counter\nx 1",                                              // no final newline
      "# TYPE x counter\n\nx 1\n",                                          // blank line
      "# TYPE x counter\nx -1\n",                                           // negative counter
      "# TYPE x gauge\nx one\n",                                            // bad value
      "# TYPE x gauge\nx{a=\"b\\q\"} 1\n",                                  // bad escape
      "# TYPE x gauge\nx{a=b} 1\n",                                         // unquoted label
      "# TYPE x gauge\nx 1\nx 2\n",                                         // duplicate sample
      "# TYPE x gauge\n# TYPE x gauge\nx 1\n",                              // TYPE twice
      "# TYPE x gauge\nx{a=\"1\"} 1\n# TYPE y gauge\ny 1\nx{a=\"2\"} 1\n",  // not contiguous
      "# TYPE x foo\nx 1\n",                                                // unknown type
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 2\n",
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",  // no _sum
      "# TYPE h histogram\nh_bucket{le=\"2\"} 0\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\n"
      "h_sum 1\nh_count 1\n",  // le not increasing
  };
  for (const std::string& text : bad) {
    EXPECT_FALSE(validateExposition(text).empty()) << "accepted:\n" << text;
  }
}

}  // namespace
}  // namespace scim_agent
