// answer_counters: each answer lands in the series of its route and status,
// the same series the registry hands out, whether cached or not.

#include "http/answer_counters.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

using namespace semiasync;
using semiasync::http::answer_counters;
namespace routes = semiasync::http::routes;

namespace {

/// The value of the series of `route` and `status` in `metrics`.
uint64_t answered(metrics::registry& metrics, std::string_view route,
                  int status) {
  return metrics
    .get_counter("semiasync_http_requests_total", "",
                 {{"route", std::string{route}},
                  {"status", std::to_string(status)}})
    .value();
}

} // namespace

TEST_CASE("answers are counted by route and status") {
  metrics::registry metrics;
  answer_counters answers{metrics};
  answers.count(routes::users, 201);
  answers.count(routes::users, 201);
  answers.count(routes::users, 409);
  answers.count(routes::user, 404);
  CHECK(answered(metrics, routes::users, 201) == 2);
  CHECK(answered(metrics, routes::users, 409) == 1);
  CHECK(answered(metrics, routes::user, 404) == 1);
  CHECK(answered(metrics, routes::user, 201) == 0);
  auto text = metrics.render();
  CHECK(text.find("# HELP semiasync_http_requests_total HTTP requests "
                  "answered, by route and status")
        != std::string::npos);
  CHECK(text.find(R"(semiasync_http_requests_total{route="/users",)"
                  R"(status="201"} 2)")
        != std::string::npos);
}

TEST_CASE("a count after the series was cached still reaches the registry") {
  metrics::registry metrics;
  answer_counters answers{metrics};
  answers.count(routes::healthz, 200);
  metrics.get_counter("semiasync_http_requests_total", "",
                      {{"route", "/healthz"}, {"status", "200"}})
    .inc(10);
  answers.count(routes::healthz, 200);
  CHECK(answered(metrics, routes::healthz, 200) == 12);
}

TEST_CASE("routes and statuses outside the cache are counted too") {
  metrics::registry metrics;
  answer_counters answers{metrics};
  answers.count("/unlisted", 200);
  answers.count(routes::other, 99);
  answers.count(routes::other, 600);
  answers.count(routes::other, 599);
  answers.count(routes::other, 100);
  CHECK(answered(metrics, "/unlisted", 200) == 1);
  CHECK(answered(metrics, routes::other, 99) == 1);
  CHECK(answered(metrics, routes::other, 600) == 1);
  CHECK(answered(metrics, routes::other, 599) == 1);
  CHECK(answered(metrics, routes::other, 100) == 1);
}

TEST_CASE("answers counted from many threads add up") {
  metrics::registry metrics;
  answer_counters answers{metrics};
  constexpr int threads = 4;
  constexpr int per_thread = 10000;
  // Two threads per route, racing for the same first lookups.
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t)
    running.emplace_back([&answers, t] {
      auto route = semiasync::http::route_labels[static_cast<size_t>(t / 2)];
      for (int i = 0; i < per_thread; ++i)
        answers.count(route, 201 + i % 2);
    });
  for (auto& x : running)
    x.join();
  uint64_t total = 0;
  for (auto route : semiasync::http::route_labels)
    total += answered(metrics, route, 201) + answered(metrics, route, 202);
  CHECK(total == uint64_t{threads} * per_thread);
  CHECK(answered(metrics, routes::root, 201) == per_thread);
  CHECK(answered(metrics, routes::users, 202) == per_thread);
}
