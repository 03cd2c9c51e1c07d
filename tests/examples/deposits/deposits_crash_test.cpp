// The deposits worker killed with SIGKILL while clients deposit through the
// gateway, retrying each 504 with its Idempotency-Key: every deposit ends
// accepted, and the example's table shows each applied exactly once.

#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <set>

#include "tests/examples/deposits/deposits_gateway.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using json = nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("a deposits worker killed under load loses nothing and applies "
          "nothing twice") {
  deposit_tables tables;
  deposits_gateway g{run_prefix() + "-dep-crash"};
  auto account = tables.account("crash");
  constexpr int deposits = 60;
  constexpr int clients = 6;
  constexpr int amount = 100;
  std::atomic<int> answered{0};
  std::atomic<int> retries{0};
  // One client: its share of the deposits, each retried with its key until
  // it has a definitive answer.
  auto client = [&](int first) {
    std::vector<std::pair<int, http_response>> results;
    for (int i = first; i < deposits; i += clients) {
      auto id = "d-" + std::to_string(i);
      http_headers key{{"Idempotency-Key", id + "-" + tables.suffix}};
      auto deadline = std::chrono::steady_clock::now() + 90s;
      http_response r;
      for (;;) {
        r = g.deposit(account, {{"depositId", id}, {"amount", amount}}, key);
        if ((r.status != 504 && r.status != 409 && r.status != 503)
            || std::chrono::steady_clock::now() > deadline)
          break;
        ++retries;
        std::this_thread::sleep_for(300ms);
      }
      ++answered;
      results.emplace_back(i, std::move(r));
    }
    return results;
  };
  std::vector<std::future<std::vector<std::pair<int, http_response>>>> runs;
  for (int c = 0; c < clients; ++c)
    runs.push_back(std::async(std::launch::async, client, c));
  while (answered < deposits / 4)
    std::this_thread::sleep_for(10ms);
  g.worker->kill9();
  g.worker = g.start_worker();
  std::set<int64_t> balances;
  for (auto& run : runs)
    for (auto& [i, r] : run.get()) {
      CAPTURE(i, r.status, r.body);
      REQUIRE(r.status == 201);
      balances.insert(json::parse(r.body).at("balance").get<int64_t>());
    }
  // The crash happened under load: requests in flight at the dead worker
  // were answered 504 (then 409 while redelivered), and retried.
  CHECK(retries > 0);
  // Every deposit applied once: the final balance, and one distinct balance
  // per movement (each answer is the balance right after its own).
  CHECK(tables.balance(account) == deposits * amount);
  CHECK(balances.size() == static_cast<size_t>(deposits));
  CHECK(*balances.rbegin() == deposits * amount);
}
