// The create-user operation on its own, without actors or Kafka: what a
// batch of request records turns into, and what the users table holds then.

#include "actors/create_user_handler.hpp"
#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"

#include <catch2/catch.hpp>
#include <deque>

#include "tests/domain/fake_user_repository.hpp"
#include "tests/support/ids.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using repo_method = fake_user_repository::method;

namespace {

struct handler_fixture {
  std::shared_ptr<fake_user_repository> users
    = std::make_shared<fake_user_repository>();
  std::shared_ptr<fake_uuid_source> ids = std::make_shared<fake_uuid_source>();
  create_user_handler handler{users, ids};
  /// Stable storage: a batch refers to its records.
  std::deque<kafka::record> records;

  void add_request(int n, std::string name) {
    records.push_back(
      {"requests", 0, static_cast<int64_t>(records.size()),
       encode_request({numbered_request_id(n), user_name{std::move(name)}})});
  }

  void add_garbage(wire_message msg) {
    records.push_back(
      {"requests", 0, static_cast<int64_t>(records.size()), std::move(msg)});
  }

  handled_batch handle() {
    record_batch batch{records.begin(), records.end()};
    return handler.handle(batch);
  }
};

/// The outcome a verdict answers with; fails the test when it has none.
outcome answer_of(const verdict& v) {
  REQUIRE(v.answer);
  auto decoded = decode_outcome(*v.answer);
  REQUIRE(decoded);
  return *decoded;
}

} // namespace

TEST_CASE("a batch is decided in one transaction, one verdict per record, "
          "in order") {
  handler_fixture f;
  f.add_request(1, "ada");
  f.add_request(2, "bob");
  f.add_request(3, "ada");
  auto result = f.handle();
  CHECK_FALSE(result.failure);
  REQUIRE(result.verdicts.size() == 3);
  CHECK(result.verdicts[0].counts_as == record_outcome::created);
  CHECK(result.verdicts[1].counts_as == record_outcome::created);
  CHECK(result.verdicts[2].counts_as == record_outcome::duplicated);
  CHECK(std::holds_alternative<user_created>(answer_of(result.verdicts[0])));
  CHECK(std::holds_alternative<user_duplicated>(answer_of(result.verdicts[2])));
  for (auto& v : result.verdicts)
    CHECK_FALSE(v.dead_letter_reason);
  CHECK(f.users->rows().size() == 2);
  CHECK(f.users->calls(repo_method::begin) == 1);
  CHECK(f.users->calls(repo_method::commit) == 1);
  CHECK_FALSE(f.users->in_transaction());
}

TEST_CASE("an undecodable record is dead-lettered, and answered when it names "
          "its request") {
  handler_fixture f;
  f.add_garbage({"", "not json", {}});
  f.add_garbage(
    {"", "not json", {{"requestUUID", numbered_request_id(9).value}}});
  auto result = f.handle();
  REQUIRE(result.verdicts.size() == 2);
  CHECK(result.verdicts[0].counts_as == record_outcome::dead_lettered);
  CHECK(result.verdicts[0].dead_letter_reason);
  CHECK_FALSE(result.verdicts[0].answer);
  CHECK(result.verdicts[1].counts_as == record_outcome::rejected);
  CHECK(result.verdicts[1].dead_letter_reason);
  auto answer = answer_of(result.verdicts[1]);
  REQUIRE(std::holds_alternative<user_rejected>(answer));
  CHECK(std::get<user_rejected>(answer).request == numbered_request_id(9));
  CHECK(std::get<user_rejected>(answer).reason == error_code::malformed_record);
}

TEST_CASE("a record the database refuses is decided alone, so the others of "
          "its batch keep their work") {
  handler_fixture f;
  f.users->refuse_name("bad", make_error(error_code::database_rejected, "no"));
  f.add_request(1, "ada");
  f.add_request(2, "bad");
  f.add_request(3, "bob");
  auto result = f.handle();
  CHECK_FALSE(result.failure);
  REQUIRE(result.verdicts.size() == 3);
  CHECK(result.verdicts[0].counts_as == record_outcome::created);
  CHECK(result.verdicts[1].counts_as == record_outcome::rejected);
  CHECK(result.verdicts[1].dead_letter_reason);
  auto refused = answer_of(result.verdicts[1]);
  REQUIRE(std::holds_alternative<user_rejected>(refused));
  CHECK(std::get<user_rejected>(refused).reason
        == error_code::database_rejected);
  CHECK(result.verdicts[2].counts_as == record_outcome::created);
  CHECK(f.users->rows().size() == 2);
}

TEST_CASE("a transient failure decides nothing of a transaction and says why") {
  handler_fixture f;
  f.users->fail_next(repo_method::commit,
                     make_error(error_code::database_unavailable, "gone"));
  f.add_request(1, "ada");
  f.add_request(2, "bob");
  auto result = f.handle();
  CHECK(result.verdicts.empty());
  CHECK(code_of(result.failure) == error_code::database_unavailable);
  CHECK(f.users->rows().empty());
}

TEST_CASE("a lone record commits without a transaction, and the same record "
          "again gets the same answer") {
  handler_fixture f;
  f.add_request(1, "ada");
  auto first = f.handle();
  REQUIRE(first.verdicts.size() == 1);
  CHECK(f.users->calls(repo_method::begin) == 0);
  // The same record again is answered the same way: idempotent.
  auto again = f.handle();
  REQUIRE(again.verdicts.size() == 1);
  CHECK(answer_of(again.verdicts[0]) == answer_of(first.verdicts[0]));
  CHECK(f.users->rows().size() == 1);
}
