// Counters, gauges and histograms on their own: values, bucket placement,
// and exact totals when many threads record at once.

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include "metrics/counter.hpp"
#include "metrics/gauge.hpp"
#include "metrics/histogram.hpp"

using namespace semiasync::metrics;

namespace {

/// Runs `body` on `n` threads at once and joins them.
template <class F>
void on_threads(size_t n, F body) {
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i)
    threads.emplace_back(body);
  for (auto& t : threads)
    t.join();
}

} // namespace

TEST_CASE("a counter adds") {
  counter c;
  CHECK(c.value() == 0);
  c.inc();
  c.inc(41);
  CHECK(c.value() == 42);
}

TEST_CASE("a gauge is set and moved both ways") {
  gauge g;
  g.set(10);
  g.add(-15);
  CHECK(g.value() == -5);
  g.add(7);
  CHECK(g.value() == 2);
}

TEST_CASE("histogram buckets are inclusive upper bounds, +Inf last") {
  histogram h{{1, 2, 5}};
  for (double v : {0.5, 1.0, 1.5, 2.0, 4.0, 5.0, 6.0, 1e9})
    h.observe(v);
  CHECK(h.bucket_counts() == std::vector<uint64_t>{2, 2, 2, 2});
  CHECK(h.count() == 8);
  CHECK(h.sum() == Approx(0.5 + 1 + 1.5 + 2 + 4 + 5 + 6 + 1e9));
}

TEST_CASE("a NaN observation lands in +Inf") {
  histogram h{{1}};
  h.observe(std::nan(""));
  CHECK(h.bucket_counts() == std::vector<uint64_t>{0, 1});
  CHECK(std::isnan(h.sum()));
}

TEST_CASE("histogram bounds must be finite and strictly increasing") {
  using inf = std::numeric_limits<double>;
  CHECK_THROWS_AS(histogram({1, 1}), std::invalid_argument);
  CHECK_THROWS_AS(histogram({2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(histogram({inf::quiet_NaN()}), std::invalid_argument);
  CHECK_THROWS_AS(histogram({-inf::infinity(), 1}), std::invalid_argument);
  // A trailing +Inf names the bucket that always exists.
  histogram h{{1, inf::infinity()}};
  CHECK(h.bounds() == std::vector<double>{1});
  histogram none{{}};
  none.observe(3);
  CHECK(none.bucket_counts() == std::vector<uint64_t>{1});
}

TEST_CASE("latency buckets span half a millisecond to ten seconds") {
  auto b = latency_buckets();
  REQUIRE_FALSE(b.empty());
  CHECK(b.front() == 0.0005);
  CHECK(b.back() == 10);
  CHECK(std::is_sorted(b.begin(), b.end()));
  CHECK_NOTHROW(histogram{b});
}

TEST_CASE("concurrent increments and observations lose nothing") {
  constexpr size_t threads = 8;
  constexpr size_t per_thread = 20000;
  counter c;
  gauge g;
  histogram h{{0.5, 1.5}};
  on_threads(threads, [&] {
    for (size_t i = 0; i < per_thread; ++i) {
      c.inc();
      g.add(2);
      g.add(-1);
      // 1.0 and 0.25 are exact in binary, so the sum is exact too.
      h.observe(i % 2 == 0 ? 1.0 : 0.25);
    }
  });
  CHECK(c.value() == threads * per_thread);
  CHECK(g.value() == static_cast<int64_t>(threads * per_thread));
  CHECK(h.count() == threads * per_thread);
  CHECK(h.bucket_counts()
        == std::vector<uint64_t>{threads * per_thread / 2,
                                 threads * per_thread / 2, 0});
  CHECK(h.sum() == threads * per_thread / 2 * 1.25);
}
