#include "http/accept_backoff.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace semiasync::http;
using namespace std::chrono_literals;

namespace {

const auto t0 = accept_backoff::clock::time_point{} + 1h;

} // namespace

TEST_CASE("failed accepts wait 50 ms, doubling up to 1 s", "[accept_backoff]") {
  accept_backoff backoff;
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 8; ++i)
    delays.push_back(backoff.failed("EMFILE", t0 + i * 10ms).delay);
  CHECK(delays
        == std::vector<std::chrono::milliseconds>{50ms, 100ms, 200ms, 400ms,
                                                  800ms, 1s, 1s, 1s});
  SECTION("a success starts the schedule over") {
    backoff.succeeded(t0 + 1s);
    CHECK(backoff.failed("EMFILE", t0 + 2s).delay == 50ms);
    CHECK(backoff.failed("EMFILE", t0 + 3s).delay == 100ms);
  }
}

TEST_CASE("a storm of failed accepts logs one line per interval",
          "[accept_backoff]") {
  accept_backoff backoff{50ms, 1s, 10s};
  auto first = backoff.failed("accept failed: EMFILE", t0);
  REQUIRE(first.line);
  CHECK_THAT(*first.line, Catch::Contains("accept failed: EMFILE"));
  CHECK_THAT(*first.line, Catch::Contains("accepting again in 50 ms"));
  // The next 9 s are quiet, whatever fails.
  for (int i = 1; i < 10; ++i)
    CHECK_FALSE(backoff.failed("accept failed: EMFILE", t0 + i * 1s).line);
  auto later = backoff.failed("accept failed: EMFILE", t0 + 10s);
  REQUIRE(later.line);
  CHECK_THAT(*later.line, Catch::Contains("10 failed accepts since the last"));
}

TEST_CASE("the success that ends a run of failures is logged once",
          "[accept_backoff]") {
  accept_backoff backoff;
  CHECK_FALSE(backoff.succeeded(t0));
  backoff.failed("EMFILE", t0);
  backoff.failed("EMFILE", t0 + 50ms);
  backoff.failed("EMFILE", t0 + 150ms);
  auto line = backoff.succeeded(t0 + 1350ms);
  REQUIRE(line);
  CHECK_THAT(*line, Catch::Contains("after 3 failed accepts in 1350 ms"));
  CHECK_FALSE(backoff.succeeded(t0 + 2s));
  SECTION("and the next failure is logged again at once") {
    CHECK(backoff.failed("EMFILE", t0 + 3s).line);
  }
}
