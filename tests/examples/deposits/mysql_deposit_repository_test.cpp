// Integration test of the deposits example's MariaDB repository, and of its
// rule on it, against the real MariaDB that scripts/stack starts (database
// `app`). The test applies the example's migration itself (it is idempotent),
// so it needs no other set-up. Settings: SEMIASYNC_TEST_DB_HOST (127.0.0.1),
// SEMIASYNC_TEST_DB_PORT (3306), user root, password root. Every test uses
// fresh account IDs and deletes its rows afterwards.

#include "domain/error.hpp"
#include "domain/uuid.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "examples/deposits/deposit_handler.hpp"
#include "examples/deposits/mysql_deposit_repository.hpp"
#include "tests/examples/deposits/deposit_tables.hpp"

using namespace semiasync;
using namespace semiasync::deposits;
using json = nlohmann::json;

namespace {

db::connection_settings test_settings() {
  return testing::test_db_settings();
}

std::string describe(const caf::error& err) {
  return to_string(code_of(err)) + ": " + detail_of(err);
}

template <class T>
T ok(caf::expected<T> x) {
  if (!x) FAIL("unexpected error: " << describe(x.error()));
  return std::move(*x);
}

void ok(const caf::error& err) {
  if (err) FAIL("unexpected error: " << describe(err));
}

deposit_request request_for(const std::string& account,
                            const std::string& deposit, int64_t amount) {
  return {request_id{random_uuid()}, account, deposit, amount};
}

} // namespace

TEST_CASE("the repository creates, locks, applies and stores in one "
          "transaction") {
  testing::deposit_tables t;
  mysql_deposit_repository repo{test_settings()};
  auto account = t.account("a");
  auto req = request_for(account, "d-1", 500);
  ok(repo.begin());
  CHECK(ok(repo.lock_account(account)) == 0);
  CHECK_FALSE(ok(repo.find_outcome(req.request)));
  CHECK_FALSE(ok(repo.has_deposit(account, "d-1")));
  ok(repo.apply(req, 500));
  ok(repo.store_outcome({req, "DepositAccepted", R"({"balance":500})"}));
  ok(repo.commit());
  CHECK(t.balance(account) == 500);
  CHECK(ok(repo.has_deposit(account, "d-1")));
  // IDs compare byte for byte.
  CHECK_FALSE(ok(repo.has_deposit(account, "D-1")));
  auto stored = ok(repo.find_outcome(req.request));
  REQUIRE(stored);
  CHECK(stored->request.account_id == account);
  CHECK(stored->request.deposit_id == "d-1");
  CHECK(stored->request.amount == 500);
  CHECK(stored->event_type == "DepositAccepted");
  CHECK(stored->value == R"({"balance":500})");
  // A second outcome for the same request ID is a conflict.
  ok(repo.begin());
  CHECK(code_of(repo.store_outcome({req, "DepositRefused", "{}"}))
        == error_code::request_id_conflict);
  repo.rollback();
}

TEST_CASE("a rolled back transaction leaves nothing behind") {
  testing::deposit_tables t;
  mysql_deposit_repository repo{test_settings()};
  auto account = t.account("b");
  ok(repo.begin());
  ok(repo.lock_account(account));
  ok(repo.commit());
  auto req = request_for(account, "d-1", 300);
  ok(repo.begin());
  ok(repo.apply(req, 300));
  ok(repo.store_outcome({req, "DepositAccepted", "{}"}));
  repo.rollback();
  CHECK(t.balance(account) == 0);
  CHECK_FALSE(ok(repo.has_deposit(account, "d-1")));
  CHECK_FALSE(ok(repo.find_outcome(req.request)));
}

TEST_CASE("a locked account makes a second transaction wait for its "
          "commit") {
  testing::deposit_tables t;
  mysql_deposit_repository first{test_settings()};
  mysql_deposit_repository second{test_settings()};
  auto account = t.account("c");
  ok(first.begin());
  ok(first.lock_account(account));
  ok(first.apply(request_for(account, "d-1", 100), 100));
  auto waiting = std::async(std::launch::async, [&] {
    if (second.begin()) return int64_t{-1};
    auto balance = second.lock_account(account);
    second.rollback();
    return balance ? *balance : int64_t{-1};
  });
  // The second one is blocked on the row lock meanwhile (were it not, it
  // would read 0, the committed balance, or fail to insert the row).
  CHECK(waiting.wait_for(std::chrono::milliseconds{300})
        == std::future_status::timeout);
  ok(first.commit());
  CHECK(waiting.get() == 100);
}

TEST_CASE("the deposit rule on MariaDB: accepted, duplicated, refused, and "
          "a redelivery answered as the first time") {
  testing::deposit_tables t;
  auto repo = std::make_shared<mysql_deposit_repository>(test_settings());
  deposit_handler handler{repo};
  auto account = t.account("d");
  std::vector<kafka::record> records;
  auto decide
    = [&](const std::string& id, const std::string& deposit, int64_t amount) {
        kafka::record rec{"deposit_requested", 0, 0,
                          wire_message{account,
                                       json{{"accountId", account},
                                            {"depositId", deposit},
                                            {"amount", amount}}
                                         .dump(),
                                       {{"requestUUID", id}}}};
        auto result = handler.handle({std::cref(rec)});
        if (result.failure) FAIL(describe(result.failure));
        REQUIRE(result.verdicts.size() == 1);
        REQUIRE(result.verdicts[0].answer);
        auto& msg = *result.verdicts[0].answer;
        return std::make_pair(std::string{*msg.header_value("eventType")},
                              json::parse(msg.value));
      };
  auto r1 = random_uuid(), r2 = random_uuid(), r3 = random_uuid(),
       r4 = random_uuid();
  auto accepted = decide(r1, "d-1", 500);
  CHECK(accepted.first == "DepositAccepted");
  CHECK(accepted.second["balance"] == 500);
  CHECK(decide(r2, "d-1", 500).first == "DepositDuplicated");
  auto refused = decide(r3, "d-2", -800);
  CHECK(refused.first == "DepositRefused");
  CHECK(refused.second["reason"] == "insufficient funds");
  CHECK(decide(r4, "d-3", 400).second["balance"] == 900);
  // Funded now, still refused: the stored verdict, word for word.
  CHECK(decide(r3, "d-2", -800) == refused);
  CHECK(decide(r1, "d-1", 500) == accepted);
  CHECK(t.balance(account) == 900);
}
