// micro::metrics: the exposition a scraper reads (golden text), name checks at
// registration, and exact counts under concurrent updates.
#include <micro/metrics/metrics.h>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace micro::metrics {
namespace {

TEST(Exposition, CounterGaugeAndLabelsInDeclaredOrder) {
  Registry r;
  auto calls = r.AddCounter({.name = "app_calls_total",
                             .help = "Calls served.",
                             .labels = {"zone", "method"}});  // not alphabetical on purpose
  ASSERT_TRUE(calls.ok()) << calls.status();
  (*calls)->WithLabels({"b", "Get"}).Inc(3);
  (*calls)->WithLabels({"a", "Put"}).Inc();
  auto temp = r.AddGauge({.name = "app_temperature_celsius", .help = "Temperature."});
  ASSERT_TRUE(temp.ok());
  (*temp)->WithLabels({}).Set(-4.5);

  EXPECT_EQ(r.Render(),
            "# HELP app_calls_total Calls served.\n"
            "# TYPE app_calls_total counter\n"
            "app_calls_total{zone=\"a\",method=\"Put\"} 1\n"
            "app_calls_total{zone=\"b\",method=\"Get\"} 3\n"
            "# HELP app_temperature_celsius Temperature.\n"
            "# TYPE app_temperature_celsius gauge\n"
            "app_temperature_celsius -4.5\n");
}

TEST(Exposition, EscapesHelpAndLabelValues) {
  Registry r;
  auto c = r.AddCounter({.name = "escapes_total",
                         .help = "Help with a \\ backslash,\na newline and \"quotes\".",
                         .labels = {"path"}});
  ASSERT_TRUE(c.ok());
  (*c)->WithLabels({"C:\\dir\n\"x\""}).Inc();
  EXPECT_EQ(r.Render(),
            "# HELP escapes_total Help with a \\\\ backslash,\\na newline and \"quotes\".\n"
            "# TYPE escapes_total counter\n"
            "escapes_total{path=\"C:\\\\dir\\n\\\"x\\\"\"} 1\n");
}

TEST(Exposition, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto h = r.AddHistogram({.name = "rpc_seconds",
                           .help = "Latency.",
                           .labels = {"method"},
                           .buckets = {0.005, 0.1, 1, 2.5}});
  ASSERT_TRUE(h.ok()) << h.status();
  Histogram& get = (*h)->WithLabels({"Get"});
  get.Observe(0.005);  // on a bound: counted in that bucket (le = less or equal)
  get.Observe(0.05);
  get.Observe(0.75);
  get.Observe(3);  // past the last bound: +Inf only
  EXPECT_EQ(r.Render(),
            "# HELP rpc_seconds Latency.\n"
            "# TYPE rpc_seconds histogram\n"
            "rpc_seconds_bucket{method=\"Get\",le=\"0.005\"} 1\n"
            "rpc_seconds_bucket{method=\"Get\",le=\"0.1\"} 2\n"
            "rpc_seconds_bucket{method=\"Get\",le=\"1\"} 3\n"
            "rpc_seconds_bucket{method=\"Get\",le=\"2.5\"} 3\n"
            "rpc_seconds_bucket{method=\"Get\",le=\"+Inf\"} 4\n"
            "rpc_seconds_sum{method=\"Get\"} 3.805\n"
            "rpc_seconds_count{method=\"Get\"} 4\n");
}

TEST(Exposition, SpecialValuesAndFamiliesSortedByName) {
  Registry r;
  auto z = r.AddGauge({.name = "zz", .help = "Last."});
  auto a = r.AddGauge({.name = "aa", .help = "First.", .labels = {"v"}});
  ASSERT_TRUE(z.ok() && a.ok());
  (*z)->WithLabels({}).Set(0.1);
  (*a)->WithLabels({"inf"}).Set(std::numeric_limits<double>::infinity());
  (*a)->WithLabels({"nan"}).Set(std::nan(""));
  (*a)->WithLabels({"ninf"}).Set(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(r.Render(),
            "# HELP aa First.\n# TYPE aa gauge\n"
            "aa{v=\"inf\"} +Inf\naa{v=\"nan\"} NaN\naa{v=\"ninf\"} -Inf\n"
            "# HELP zz Last.\n# TYPE zz gauge\nzz 0.1\n");
}

TEST(Exposition, CollectorsRunAtScrapeTimeAndCanBeRemoved) {
  Registry r;
  int scrapes = 0;
  uint64_t id = r.AddCollector([&](std::vector<FamilySnapshot>* out) {
    ++scrapes;
    out->push_back({.name = "queue_depth",
                    .help = "Queued.",
                    .type = MetricType::kGauge,
                    .samples = {{"queue_depth", {{"pool", "io"}}, 7}}});
  });
  EXPECT_EQ(scrapes, 0);
  EXPECT_EQ(r.Render(),
            "# HELP queue_depth Queued.\n# TYPE queue_depth gauge\n"
            "queue_depth{pool=\"io\"} 7\n");
  EXPECT_EQ(scrapes, 1);
  r.RemoveCollector(id);
  EXPECT_EQ(r.Render(), "");
}

TEST(Registration, BadNamesAreRejectedWithTheName) {
  Registry r;
  auto bad_metric = r.AddCounter({.name = "9lives_total", .help = "x"});
  ASSERT_FALSE(bad_metric.ok());
  EXPECT_EQ(bad_metric.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_metric.status().message().find("invalid metric name '9lives_total'"),
            std::string::npos)
      << bad_metric.status();

  EXPECT_FALSE(r.AddCounter({.name = "has-dash_total", .help = "x"}).ok());
  EXPECT_FALSE(r.AddCounter({.name = "", .help = "x"}).ok());
  EXPECT_TRUE(r.AddCounter({.name = "ns:sub_total", .help = "x"}).ok());  // ':' is allowed

  auto bad_label = r.AddGauge({.name = "g", .help = "x", .labels = {"ok", "bad.label"}});
  ASSERT_FALSE(bad_label.ok());
  EXPECT_NE(bad_label.status().message().find("invalid label name 'bad.label'"), std::string::npos)
      << bad_label.status();
  EXPECT_FALSE(r.AddGauge({.name = "g", .help = "x", .labels = {"__reserved"}}).ok());
  EXPECT_FALSE(r.AddGauge({.name = "g", .help = "x", .labels = {"a", "a"}}).ok());
  EXPECT_FALSE(r.AddHistogram({.name = "h", .help = "x", .labels = {"le"}}).ok());
  EXPECT_FALSE(r.AddHistogram({.name = "h", .help = "x", .buckets = {1, 0.5}}).ok());
  EXPECT_FALSE(r.AddGauge({.name = "g", .help = ""}).ok());
  EXPECT_EQ(r.Render(), "# HELP ns:sub_total x\n# TYPE ns:sub_total counter\n");
}

TEST(Registration, SameDefinitionReturnsTheSameFamilyOtherwiseAlreadyExists) {
  Registry r;
  auto first = r.AddCounter({.name = "x_total", .help = "X.", .labels = {"a"}});
  auto again = r.AddCounter({.name = "x_total", .help = "X.", .labels = {"a"}});
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(*first, *again);
  auto as_gauge = r.AddGauge({.name = "x_total", .help = "X.", .labels = {"a"}});
  EXPECT_EQ(as_gauge.status().code(), StatusCode::kAlreadyExists);
  auto other_labels = r.AddCounter({.name = "x_total", .help = "X.", .labels = {"b"}});
  EXPECT_EQ(other_labels.status().code(), StatusCode::kAlreadyExists);
}

TEST(Family, HandlesAreStableAndWrongArityIsNotExported) {
  Registry r;
  auto f = r.AddCounter({.name = "h_total", .help = "H.", .labels = {"a", "b"}});
  ASSERT_TRUE(f.ok());
  Counter& c = (*f)->WithLabels({"1", "2"});
  for (int i = 0; i < 100; ++i) (*f)->WithLabels({"x", std::to_string(i)}).Inc();
  EXPECT_EQ(&c, &(*f)->WithLabels(std::vector<std::string>{"1", "2"}));
  (*f)->WithLabels({"only-one"}).Inc();  // logged once, dropped
  c.Add(2.5);
  c.Add(-1);  // counters never go down
  EXPECT_DOUBLE_EQ(c.Value(), 2.5);
  std::string text = r.Render();
  EXPECT_EQ(text.find("only-one"), std::string::npos);
  EXPECT_NE(text.find("h_total{a=\"1\",b=\"2\"} 2.5\n"), std::string::npos) << text;
  (*f)->Remove({"1", "2"});
  EXPECT_EQ(r.Render().find("a=\"1\""), std::string::npos);
  c.Inc();  // still a valid reference after Remove
}

TEST(Concurrency, CountersGaugesAndHistogramsStayExactUnderTwoThreads) {
  Registry r;
  Counter& counter = (*r.AddCounter({.name = "c_total", .help = "C."}))->WithLabels({});
  Gauge& gauge = (*r.AddGauge({.name = "g", .help = "G."}))->WithLabels({});
  Histogram& hist =
      (*r.AddHistogram({.name = "h", .help = "H.", .buckets = {1, 2}}))->WithLabels({});
  constexpr int kPerThread = 200000;
  auto work = [&] {
    for (int i = 0; i < kPerThread; ++i) {
      counter.Inc();
      counter.Add(0.5);
      gauge.Inc();
      gauge.Dec();
      gauge.Add(0.25);
      hist.Observe(i % 3 == 0 ? 0.5 : 1.5);
    }
  };
  std::thread a(work), b(work);
  // Scrapes while writers run must not disturb them.
  for (int i = 0; i < 20; ++i) (void)r.Render();
  a.join();
  b.join();
  EXPECT_EQ(counter.Value(), 2 * kPerThread * 1.5);
  EXPECT_EQ(gauge.Value(), 2 * kPerThread * 0.25);
  Histogram::Snapshot s = hist.Collect();
  EXPECT_EQ(s.count, 2u * kPerThread);
  uint64_t low = 2 * ((kPerThread + 2) / 3);
  EXPECT_EQ(s.cumulative[0], low);
  EXPECT_EQ(s.cumulative[1], 2u * kPerThread);
  EXPECT_DOUBLE_EQ(s.sum, low * 0.5 + (2 * kPerThread - low) * 1.5);
}

TEST(Gauge, SetThenAddComposes) {
  Gauge g;
  g.Inc();
  g.Inc();
  g.Set(10);
  g.Dec();
  EXPECT_EQ(g.Value(), 9);
  g.Add(0.5);
  EXPECT_EQ(g.Value(), 9.5);
}

TEST(Buckets, Helpers) {
  EXPECT_EQ(LinearBuckets(1, 2, 3), (std::vector<double>{1, 3, 5}));
  EXPECT_EQ(ExponentialBuckets(1, 10, 3), (std::vector<double>{1, 10, 100}));
  EXPECT_EQ(DefaultBuckets().size(), 11u);
}

}  // namespace
}  // namespace micro::metrics
