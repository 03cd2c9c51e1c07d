// The deposit rule on its own, without actors or Kafka: what request records
// turn into, and what the (fake) tables hold then.

#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"

#include <catch2/catch.hpp>
#include <deque>
#include <nlohmann/json.hpp>

#include "examples/deposits/deposit_handler.hpp"
#include "tests/examples/deposits/fake_deposit_repository.hpp"
#include "tests/support/ids.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using json = nlohmann::json;
using method = fake_deposit_repository::method;

namespace {

/// An outcome as the gateway reads it.
struct answered {
  std::string event_type;
  std::string request;
  std::string key;
  json value;
};

struct handler_fixture {
  std::shared_ptr<fake_deposit_repository> repo
    = std::make_shared<fake_deposit_repository>();
  deposits::deposit_handler handler{repo};
  /// Stable storage: a batch refers to its records.
  std::deque<kafka::record> records;

  /// Queues a record with request ID `n` and `value` as its JSON.
  void add(int n, const std::string& value) {
    wire_message msg{"acc", value, {}};
    if (n > 0)
      msg.headers.push_back({"requestUUID", numbered_request_id(n).value});
    records.push_back({"deposit_requested", 0,
                       static_cast<int64_t>(records.size()), std::move(msg)});
  }

  /// Queues request `n` moving `amount` on `account` as `deposit`.
  void add(int n, const std::string& account, const std::string& deposit,
           json amount) {
    add(n,
        json{{"accountId", account}, {"depositId", deposit}, {"amount", amount}}
          .dump());
  }

  /// Decides the queued records, then forgets them.
  handled_batch handle() {
    record_batch batch{records.begin(), records.end()};
    auto result = handler.handle(batch);
    records.clear();
    return result;
  }

  /// Decides request `n` alone and returns its one verdict.
  verdict decide(int n, const std::string& account, const std::string& deposit,
                 json amount) {
    add(n, account, deposit, std::move(amount));
    auto result = handle();
    REQUIRE_FALSE(result.failure);
    REQUIRE(result.verdicts.size() == 1);
    return result.verdicts.front();
  }
};

/// The outcome a verdict publishes; fails the test when it has none.
answered answer_of(const verdict& v) {
  REQUIRE(v.answer);
  auto& msg = *v.answer;
  auto type = msg.header_value("eventType");
  auto request = msg.header_value("requestUUID");
  REQUIRE(type);
  REQUIRE(request);
  return {std::string{*type}, std::string{*request}, msg.key,
          json::parse(msg.value)};
}

} // namespace

TEST_CASE("a new movement is applied and accepted with the new balance") {
  handler_fixture f;
  auto v = f.decide(1, "acc-1", "d-1", 500);
  CHECK(v.counts_as == record_outcome::created);
  CHECK_FALSE(v.dead_letter_reason);
  auto a = answer_of(v);
  CHECK(a.event_type == "DepositAccepted");
  CHECK(a.request == numbered_request_id(1).value);
  CHECK(a.key == "acc-1");
  CHECK(a.value
        == json{{"requestUUID", numbered_request_id(1).value},
                {"accountId", "acc-1"},
                {"depositId", "d-1"},
                {"amount", 500},
                {"balance", 500}});
  auto w = answer_of(f.decide(2, "acc-1", "d-2", -200));
  CHECK(w.event_type == "DepositAccepted");
  CHECK(w.value["balance"] == 300);
  CHECK(f.repo->data.balances["acc-1"] == 300);
  CHECK_FALSE(f.repo->in_transaction());
}

TEST_CASE("a movement ID seen before under another request is a duplicate") {
  handler_fixture f;
  f.decide(1, "acc-1", "d-1", 500);
  auto v = f.decide(2, "acc-1", "d-1", 700);
  CHECK(v.counts_as == record_outcome::duplicated);
  auto a = answer_of(v);
  CHECK(a.event_type == "DepositDuplicated");
  CHECK(a.value["accountId"] == "acc-1");
  CHECK(a.value["depositId"] == "d-1");
  CHECK(f.repo->data.balances["acc-1"] == 500);
  CHECK(f.repo->data.applied == 1);
  // Movement IDs are per account.
  CHECK(answer_of(f.decide(3, "acc-2", "d-1", 700)).event_type
        == "DepositAccepted");
}

TEST_CASE("a movement that would make the balance negative is refused") {
  handler_fixture f;
  f.decide(1, "acc-1", "d-1", 100);
  auto v = f.decide(2, "acc-1", "d-2", -101);
  CHECK(v.counts_as == record_outcome::rejected);
  CHECK_FALSE(v.dead_letter_reason);
  auto a = answer_of(v);
  CHECK(a.event_type == "DepositRefused");
  CHECK(a.value
        == json{{"requestUUID", numbered_request_id(2).value},
                {"accountId", "acc-1"},
                {"depositId", "d-2"},
                {"amount", -101},
                {"balance", 100},
                {"reason", "insufficient funds"}});
  CHECK(f.repo->data.balances["acc-1"] == 100);
  // A refused movement ID stays free: the same ID may come back funded.
  CHECK(answer_of(f.decide(3, "acc-1", "d-2", -100)).event_type
        == "DepositAccepted");
}

TEST_CASE("an invalid value is dead-lettered and rejected to its requester") {
  auto value = GENERATE(
    std::string{"not json"}, std::string{"[1]"},
    std::string{R"({"depositId":"d","amount":5})"},
    std::string{R"({"accountId":7,"depositId":"d","amount":5})"},
    std::string{R"({"accountId":"","depositId":"d","amount":5})"},
    std::string{R"({"accountId":"a","amount":5})"},
    std::string{R"({"accountId":"a","depositId":"d"})"},
    std::string{R"({"accountId":"a","depositId":"d","amount":"5"})"},
    std::string{R"({"accountId":"a","depositId":"d","amount":1.5})"},
    std::string{R"({"accountId":"a","depositId":"d","amount":true})"},
    std::string{R"({"accountId":"a","depositId":"d","amount":0})"},
    std::string{R"({"accountId":"a","depositId":"d","amount":1000000000001})"},
    std::string{R"({"accountId":"a","depositId":"d","amount":-1000000000001})"},
    std::string{
      R"({"accountId":"a","depositId":"d","amount":18446744073709551615})"},
    R"({"accountId":"a","depositId":")" + std::string(65, 'x')
      + R"(","amount":5})");
  CAPTURE(value);
  handler_fixture f;
  f.add(1, value);
  auto result = f.handle();
  REQUIRE(result.verdicts.size() == 1);
  auto& v = result.verdicts[0];
  CHECK(v.counts_as == record_outcome::rejected);
  REQUIRE(v.dead_letter_reason);
  auto a = answer_of(v);
  CHECK(a.event_type == "DepositRejected");
  CHECK(a.request == numbered_request_id(1).value);
  CHECK(a.value["error"] == "malformed_record");
  CHECK(a.value["detail"] == *v.dead_letter_reason);
  CHECK(f.repo->data.balances.empty());
}

TEST_CASE("an invalid record that names no request is only dead-lettered") {
  handler_fixture f;
  f.add(0, R"({"accountId":"a","depositId":"d","amount":5})");
  auto result = f.handle();
  REQUIRE(result.verdicts.size() == 1);
  CHECK(result.verdicts[0].counts_as == record_outcome::dead_lettered);
  CHECK(result.verdicts[0].dead_letter_reason);
  CHECK_FALSE(result.verdicts[0].answer);
}

TEST_CASE("amounts of exactly 10^12 cents either way are valid") {
  handler_fixture f;
  CHECK(answer_of(f.decide(1, "a", "d-1", 1'000'000'000'000)).event_type
        == "DepositAccepted");
  CHECK(answer_of(f.decide(2, "a", "d-2", -1'000'000'000'000)).event_type
        == "DepositAccepted");
}

TEST_CASE("a redelivered request gets its first verdict again, even after the "
          "balance changed, and is applied once") {
  handler_fixture f;
  f.decide(1, "acc-1", "d-1", 200);
  auto refused = f.decide(2, "acc-1", "d-2", -300);
  auto accepted = f.decide(3, "acc-1", "d-3", 500);
  REQUIRE(answer_of(refused).event_type == "DepositRefused");
  REQUIRE(f.repo->data.balances["acc-1"] == 700);
  // Funded now, but request 2 was refused: it stays refused, word for word.
  auto again = f.decide(2, "acc-1", "d-2", -300);
  CHECK(*again.answer->header_value("eventType") == "DepositRefused");
  CHECK(again.answer->value == refused.answer->value);
  auto accepted_again = f.decide(3, "acc-1", "d-3", 500);
  CHECK(accepted_again.answer->value == accepted.answer->value);
  CHECK(accepted_again.counts_as == record_outcome::created);
  CHECK(f.repo->data.balances["acc-1"] == 700);
  CHECK(f.repo->data.applied == 2);
}

TEST_CASE("a request ID reused for another movement is rejected, never "
          "applied") {
  handler_fixture f;
  f.decide(1, "acc-1", "d-1", 200);
  auto v = f.decide(1, "acc-1", "d-2", 200);
  CHECK(v.counts_as == record_outcome::rejected);
  CHECK_FALSE(v.dead_letter_reason);
  auto a = answer_of(v);
  CHECK(a.event_type == "DepositRejected");
  CHECK(a.value["error"] == "request_id_conflict");
  CHECK(f.repo->data.balances["acc-1"] == 200);
}

TEST_CASE("a transient database failure decides nothing; the retry applies "
          "each movement once") {
  auto [where, name]
    = GENERATE(std::make_pair(method::begin, "begin"),
               std::make_pair(method::lock_account, "lock_account"),
               std::make_pair(method::has_deposit, "has_deposit"),
               std::make_pair(method::apply, "apply"),
               std::make_pair(method::store_outcome, "store_outcome"),
               std::make_pair(method::commit, "commit"));
  CAPTURE(name);
  handler_fixture f;
  f.repo->fail_next(where, make_error(error_code::database_unavailable, "x"));
  f.add(1, "acc-1", "d-1", 500);
  f.add(2, "acc-1", "d-2", 100);
  auto first = f.handle();
  CHECK(first.verdicts.empty());
  CHECK(code_of(first.failure) == error_code::database_unavailable);
  CHECK_FALSE(f.repo->in_transaction());
  CHECK(f.repo->data.balances["acc-1"] == 0);
  // The engine hands the same records again after its back-off.
  f.add(1, "acc-1", "d-1", 500);
  f.add(2, "acc-1", "d-2", 100);
  auto retry = f.handle();
  CHECK_FALSE(retry.failure);
  REQUIRE(retry.verdicts.size() == 2);
  CHECK(answer_of(retry.verdicts[1]).value["balance"] == 600);
  CHECK(f.repo->data.balances["acc-1"] == 600);
  CHECK(f.repo->data.applied == 2);
}

TEST_CASE("data the database refuses for good is dead-lettered and rejected") {
  handler_fixture f;
  f.repo->fail_next(method::apply,
                    make_error(error_code::database_rejected, "too long"));
  auto v = f.decide(1, "acc-1", "d-1", 500);
  CHECK(v.counts_as == record_outcome::rejected);
  CHECK(v.dead_letter_reason);
  auto a = answer_of(v);
  CHECK(a.event_type == "DepositRejected");
  CHECK(a.value["error"] == "database_rejected");
  CHECK_FALSE(f.repo->in_transaction());
  CHECK(f.repo->data.outcomes.empty());
}
