// The in-flight limit (issue 9): with `--max-in-flight=5` and the worker
// paused, five requests wait for their outcome and every further one is
// turned away at once with 503 + Retry-After, instead of piling up.

#include <catch2/catch.hpp>
#include <csignal>
#include <future>
#include <thread>

#include "tests/hostile/hostile_stack.hpp"
#include "tests/integration/checks.hpp"
#include "tests/integration/pause_guard.hpp"
#include "tests/integration/pipeline.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;

namespace {

/// What one of the concurrent clients got.
struct client_result {
  std::string name;
  std::optional<http_response> response;
};

} // namespace

TEST_CASE("beyond max in-flight requests: 503 with Retry-After",
          "[hostile][in-flight]") {
  constexpr size_t limit = 5;
  constexpr size_t clients = 10;
  // The reply deadline outlasts the pause, so the admitted requests get
  // their 201 once the worker runs again.
  hostile_stack stack{
    "in-flight",
    {"--max-in-flight=" + std::to_string(limit), "--reply-timeout-ms=10000"}};
  pause_guard pause{stack.worker().pid()};
  std::vector<std::future<client_result>> futures;
  for (size_t i = 0; i < clients; ++i)
    futures.push_back(std::async(std::launch::async, [&stack] {
      client_result result{unique_name("in-flight"), std::nullopt};
      result.response = try_http_send(
        stack.port(), json_post("/users", name_body(result.name)), 20s);
      return result;
    }));
  // The turned-away ones answer at once; the admitted ones wait for the
  // paused worker.
  auto early = std::chrono::steady_clock::now() + 2s;
  size_t answered_early = 0;
  for (auto& f : futures)
    if (f.wait_until(early) == std::future_status::ready) ++answered_early;
  CHECK(answered_early == clients - limit);
  pause.resume();
  size_t unavailable = 0;
  size_t created = 0;
  for (auto& f : futures) {
    auto result = f.get();
    INFO(result.name << "\n" << stack.log_tails());
    REQUIRE(result.response);
    auto& resp = *result.response;
    if (resp.status == 503) {
      ++unavailable;
      check_clean_problem(resp, 503);
      auto retry = resp.header("Retry-After");
      REQUIRE(retry);
      CHECK(std::stoi(*retry) >= 1);
      CHECK_FALSE(find_user(result.name));
    } else {
      // 504 only if the worker took longer than the deadline to resume.
      CHECK((resp.status == 201 || resp.status == 504));
      if (resp.status == 201) {
        check_created(resp, result.name);
        ++created;
      }
    }
  }
  CHECK(unavailable == clients - limit);
  CHECK(created == limit);
  // Every slot was released: the limit does not leak.
  for (int i = 0; i < 2; ++i)
    stack.check_still_serving();
  std::vector<std::future<std::optional<http_response>>> again;
  for (size_t i = 0; i < limit; ++i)
    again.push_back(std::async(std::launch::async, [&stack] {
      return try_http_send(
        stack.port(),
        json_post("/users", name_body(unique_name("after-limit"))), 20s);
    }));
  for (auto& f : again) {
    auto resp = f.get();
    REQUIRE(resp);
    CHECK(resp->status == 201);
  }
}
