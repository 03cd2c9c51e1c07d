// The deposits example through the gateway's HTTP port, as issue 16 asks:
// create, duplicate, business-rule refusal and an idempotent retry, each
// answer checked against the example's own table.

#include <catch2/catch.hpp>

#include "tests/examples/deposits/deposits_gateway.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using json = nlohmann::json;

TEST_CASE("deposits through HTTP: accepted, duplicated, refused, and a "
          "retried key answered from the store") {
  deposit_tables tables;
  deposits_gateway g{run_prefix() + "-dep-http"};
  INFO(g.worker->log_tail());
  auto account = tables.account("http");

  auto accepted = g.deposit(account, {{"depositId", "d-1"}, {"amount", 700}},
                            {{"Idempotency-Key", "k-" + tables.suffix}});
  CAPTURE(accepted.body);
  REQUIRE(accepted.status == 201);
  auto body = json::parse(accepted.body);
  CHECK(body.at("balance") == 700);
  CHECK(body.at("accountId") == account);
  CHECK(accepted.header("Location")
        == "/accounts/" + account + "/deposits/d-1");

  auto duplicated = g.deposit(account, {{"depositId", "d-1"}, {"amount", 700}});
  CHECK(duplicated.status == 409);

  auto refused = g.deposit(account, {{"depositId", "d-2"}, {"amount", -900}});
  CAPTURE(refused.body);
  CHECK(refused.status == 422);
  CHECK(json::parse(refused.body).at("reason") == "insufficient funds");

  auto replayed = g.deposit(account, {{"depositId", "d-1"}, {"amount", 700}},
                            {{"Idempotency-Key", "k-" + tables.suffix}});
  CHECK(replayed.status == 201);
  CHECK(replayed.header("Idempotent-Replayed") == "true");
  CHECK(json::parse(replayed.body) == body);

  auto missing = g.deposit(account, {{"depositId", "d-3"}});
  CHECK(missing.status == 400);

  // The table is the truth: one movement applied, once.
  CHECK(tables.balance(account) == 700);
}
