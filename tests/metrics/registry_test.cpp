// The registry: families and series, the exact Prometheus text it renders,
// and the errors it refuses.

#include <catch2/catch.hpp>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "metrics/registry.hpp"

using namespace semiasync::metrics;

TEST_CASE("an empty registry renders nothing") {
  registry reg;
  CHECK(reg.render().empty());
}

TEST_CASE("counters and gauges render HELP, TYPE and one line per series") {
  registry reg;
  reg.get_counter("jobs_total", "Jobs done.", {{"kind", "b"}}).inc(2);
  reg
    .get_counter("jobs_total", "ignored: the first help stays", {{"kind", "a"}})
    .inc();
  reg.get_gauge("depth", "Queue depth.").set(-3);
  reg.get_counter("apples_total", "").inc(0);
  CHECK(reg.render()
        == "# TYPE apples_total counter\n"
           "apples_total 0\n"
           "# HELP depth Queue depth.\n"
           "# TYPE depth gauge\n"
           "depth -3\n"
           "# HELP jobs_total Jobs done.\n"
           "# TYPE jobs_total counter\n"
           "jobs_total{kind=\"a\"} 1\n"
           "jobs_total{kind=\"b\"} 2\n");
}

TEST_CASE("get-or-create returns the same object for the same series") {
  registry reg;
  auto& first = reg.get_counter("c", "h", {{"a", "1"}, {"b", "2"}});
  // Label order does not make another series.
  auto& again = reg.get_counter("c", "h", {{"b", "2"}, {"a", "1"}});
  auto& other = reg.get_counter("c", "h", {{"a", "1"}, {"b", "3"}});
  CHECK(&first == &again);
  CHECK(&first != &other);
  first.inc();
  again.inc();
  CHECK(reg.render()
        == "# HELP c h\n# TYPE c counter\n"
           "c{a=\"1\",b=\"2\"} 2\n"
           "c{a=\"1\",b=\"3\"} 0\n");
}

TEST_CASE("label values and help texts are escaped") {
  registry reg;
  reg
    .get_gauge("g", "back\\slash \"quoted\"\nsecond line",
               {{"path", "C:\\dir \"x\"\nnext"}})
    .set(1);
  CHECK(reg.render()
        == "# HELP g back\\\\slash \"quoted\"\\nsecond line\n"
           "# TYPE g gauge\n"
           "g{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n");
}

TEST_CASE("histograms render cumulative buckets, +Inf, sum and count") {
  registry reg;
  auto& h = reg.get_histogram("latency_seconds", "Latency.", {0.005, 0.5, 1},
                              {{"route", "/users"}});
  h.observe(0.001);
  h.observe(0.25);
  h.observe(0.5);
  h.observe(3);
  CHECK(reg.render()
        == "# HELP latency_seconds Latency.\n"
           "# TYPE latency_seconds histogram\n"
           "latency_seconds_bucket{route=\"/users\",le=\"0.005\"} 1\n"
           "latency_seconds_bucket{route=\"/users\",le=\"0.5\"} 3\n"
           "latency_seconds_bucket{route=\"/users\",le=\"1\"} 3\n"
           "latency_seconds_bucket{route=\"/users\",le=\"+Inf\"} 4\n"
           "latency_seconds_sum{route=\"/users\"} 3.751\n"
           "latency_seconds_count{route=\"/users\"} 4\n");
}

TEST_CASE("an unlabelled histogram puts le alone in braces") {
  registry reg;
  reg.get_histogram("size", "", {1}).observe(1);
  CHECK(reg.render()
        == "# TYPE size histogram\n"
           "size_bucket{le=\"1\"} 1\n"
           "size_bucket{le=\"+Inf\"} 1\n"
           "size_sum 1\n"
           "size_count 1\n");
}

TEST_CASE("gauge callbacks are read at render time") {
  registry reg;
  double lag = 7;
  reg.add_gauge_callback("lag", "Lag.",
                         [&lag] {
                           return lag;
                         },
                         {{"topic", "t"}});
  CHECK(reg.render()
        == "# HELP lag Lag.\n# TYPE lag gauge\nlag{topic=\"t\"} 7\n");
  lag = 0.5;
  CHECK(reg.render()
        == "# HELP lag Lag.\n# TYPE lag gauge\nlag{topic=\"t\"} 0.5\n");
  // Registering the series again replaces the reader.
  reg.add_gauge_callback("lag", "Lag.",
                         [] {
                           return std::numeric_limits<double>::infinity();
                         },
                         {{"topic", "t"}});
  CHECK(reg.render()
        == "# HELP lag Lag.\n# TYPE lag gauge\nlag{topic=\"t\"} +Inf\n");
}

TEST_CASE("a callback that throws costs only its own line") {
  registry reg;
  reg.add_gauge_callback("g", "",
                         []() -> double {
                           throw std::runtime_error("boom");
                         },
                         {{"x", "1"}});
  reg.add_gauge_callback("g", "",
                         [] {
                           return 2.0;
                         },
                         {{"x", "2"}});
  CHECK(reg.render() == "# TYPE g gauge\ng{x=\"2\"} 2\n");
}

TEST_CASE("one name as two types is refused") {
  registry reg;
  reg.get_counter("thing", "a counter");
  CHECK_THROWS_AS(reg.get_gauge("thing", "a gauge"), std::invalid_argument);
  CHECK_THROWS_AS(reg.get_histogram("thing", "", {1}), std::invalid_argument);
  CHECK_THROWS_AS(reg.add_gauge_callback("thing", "",
                                         [] {
                                           return 1.0;
                                         }),
                  std::invalid_argument);
  // The refused calls left the counter family as it was.
  CHECK(reg.render()
        == "# HELP thing a counter\n# TYPE thing counter\nthing 0\n");
}

TEST_CASE("a stored gauge and a callback cannot share a series") {
  registry reg;
  reg.get_gauge("g", "", {{"a", "1"}});
  CHECK_THROWS_AS(reg.add_gauge_callback("g", "",
                                         [] {
                                           return 1.0;
                                         },
                                         {{"a", "1"}}),
                  std::invalid_argument);
  reg.add_gauge_callback("g", "",
                         [] {
                           return 1.0;
                         },
                         {{"a", "2"}});
  CHECK_THROWS_AS(reg.get_gauge("g", "", {{"a", "2"}}), std::invalid_argument);
}

TEST_CASE("names that would print a histogram's lines are refused") {
  registry reg;
  reg.get_histogram("req", "", {1});
  CHECK_THROWS_AS(reg.get_counter("req_count", ""), std::invalid_argument);
  CHECK_THROWS_AS(reg.get_gauge("req_bucket", ""), std::invalid_argument);
  reg.get_counter("other_sum", "");
  CHECK_THROWS_AS(reg.get_histogram("other", "", {1}), std::invalid_argument);
}

TEST_CASE("invalid names, repeated labels, le and other bounds are refused") {
  registry reg;
  CHECK_THROWS_AS(reg.get_counter("", ""), std::invalid_argument);
  CHECK_THROWS_AS(reg.get_counter("9lives", ""), std::invalid_argument);
  CHECK_THROWS_AS(reg.get_counter("has-dash", ""), std::invalid_argument);
  CHECK_NOTHROW(reg.get_counter("ns:sub_total", ""));
  CHECK_THROWS_AS(reg.get_counter("c", "", {{"bad-name", "x"}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(reg.get_counter("c", "", {{"__reserved", "x"}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(reg.get_counter("c", "", {{"a", "1"}, {"a", "2"}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(reg.get_histogram("h", "", {1}, {{"le", "1"}}),
                  std::invalid_argument);
  reg.get_histogram("h", "", {1, 2}, {{"a", "1"}});
  CHECK_THROWS_AS(reg.get_histogram("h", "", {1, 3}, {{"a", "2"}}),
                  std::invalid_argument);
  CHECK_NOTHROW(reg.get_histogram("h", "", {1, 2}, {{"a", "2"}}));
  CHECK_THROWS_AS(reg.get_histogram("h2", "", {2, 1}), std::invalid_argument);
}

TEST_CASE(
  "threads creating and incrementing one series reach the exact total") {
  registry reg;
  constexpr int threads = 8;
  constexpr int per_thread = 10000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&reg, t] {
      // Every thread looks the series up itself: creation races too.
      auto& shared = reg.get_counter("hits_total", "Hits.", {{"s", "x"}});
      auto& own = reg.get_counter("hits_total", "Hits.",
                                  {{"s", "t" + std::to_string(t)}});
      for (int i = 0; i < per_thread; ++i) {
        shared.inc();
        own.inc();
        if (i % 1000 == 0) (void)reg.render(); // scrapes meanwhile
      }
    });
  for (auto& t : pool)
    t.join();
  CHECK(reg.get_counter("hits_total", "", {{"s", "x"}}).value()
        == uint64_t{threads} * per_thread);
  auto text = reg.render();
  CHECK(text.find("hits_total{s=\"x\"} 80000\n") != std::string::npos);
  CHECK(text.find("hits_total{s=\"t7\"} 10000\n") != std::string::npos);
}

TEST_CASE("a counter family's values can be read as numbers") {
  registry reg;
  reg.get_counter("hits_total", "", {{"status", "201"}, {"route", "/users"}})
    .inc(3);
  reg.get_counter("hits_total", "", {{"route", "/"}, {"status", "409"}}).inc();
  reg.get_gauge("level", "").set(7);
  auto values = reg.counter_values("hits_total");
  REQUIRE(values.size() == 2);
  CHECK(values[0].first == labels{{"route", "/"}, {"status", "409"}});
  CHECK(values[0].second == 1);
  CHECK(values[1].first == labels{{"route", "/users"}, {"status", "201"}});
  CHECK(values[1].second == 3);
  CHECK(reg.counter_values("level").empty());
  CHECK(reg.counter_values("missing").empty());
}
