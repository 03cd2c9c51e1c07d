// The create-user rule over prefetched_users decides a batch exactly as it
// does over the plain repository, while asking the database far less.

#include "domain/create_user.hpp"
#include "domain/prefetched_users.hpp"

#include <catch2/catch.hpp>

#include "tests/domain/fake_user_repository.hpp"
#include "tests/support/ids.hpp"

using namespace semiasync;
using semiasync::testing::fake_user_repository;
using semiasync::testing::fake_uuid_source;
using semiasync::testing::numbered_request_id;
using method = fake_user_repository::method;

namespace {

using batch = std::vector<create_user_requested>;

create_user_requested command(int n, std::string name) {
  return {numbered_request_id(n), user_name{std::move(name)}};
}

/// The outcomes and the tables one way of deciding leaves behind.
struct decided {
  std::vector<std::string> outcomes;
  std::vector<stored_user> rows;
  std::map<request_id, user_name> duplicates;
};

std::string describe(const caf::expected<outcome>& x) {
  if (!x) return "error " + to_string(code_of(x.error()));
  return std::visit(
    [](const auto& event) {
      using event_type = std::decay_t<decltype(event)>;
      // Not the user ID: a batch may draw one more for an insert that
      // meets a taken key, so later IDs shift; rows are compared below.
      if constexpr (std::is_same_v<event_type, user_created>)
        return "created " + event.request.value + " " + event.name.value;
      else if constexpr (std::is_same_v<event_type, user_duplicated>)
        return "duplicated " + event.request.value + " " + event.name.value;
      else
        return "rejected " + event.request.value + " "
               + to_string(event.reason);
    },
    *x);
}

/// `requests` decided one by one against `users`.
decided one_by_one(fake_user_repository& users, const batch& requests) {
  fake_uuid_source ids;
  decided result;
  for (auto& request : requests)
    result.outcomes.push_back(describe(create_user(users, ids, request)));
  result.rows = users.rows();
  result.duplicates = users.duplicates();
  return result;
}

/// `requests` decided as the worker decides a batch: one transaction, one
/// lookup, the rule over prefetched_users and, with `defer`, one multi-row
/// insert; decided again without deferring when that insert meets a key.
decided prefetched(fake_user_repository& users, const batch& requests,
                   bool defer = false) {
  fake_uuid_source ids;
  REQUIRE_FALSE(users.begin());
  auto found = users.look_up(requests);
  REQUIRE(found);
  prefetched_users view{users, requests, std::move(*found), defer};
  decided result;
  for (auto& request : requests)
    result.outcomes.push_back(describe(create_user(view, ids, request)));
  auto committed = view.commit();
  if (view.deferred_insert_failed()) {
    view.rollback();
    return prefetched(users, requests, false);
  }
  REQUIRE_FALSE(committed);
  result.rows = users.rows();
  result.duplicates = users.duplicates();
  return result;
}

/// Same names created by the same requests, in the same order.
bool same_rows(const std::vector<stored_user>& x,
               const std::vector<stored_user>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i].name != y[i].name || x[i].request != y[i].request) return false;
  return true;
}

/// Seeds both repositories alike: earlier batches' rows and duplicates.
void seed_history(fake_user_repository& users) {
  users.seed({user_uuid{"aaaaaaaa-0000-4000-8000-000000000001"},
              user_name{"taken"}, numbered_request_id(90)});
  users.seed_duplicate(numbered_request_id(91), user_name{"taken"});
}

} // namespace

TEST_CASE("a prefetched batch decides exactly as one by one does") {
  // Fresh names, a name twice in the batch, a name equal to another only
  // under the collation, a redelivery, a reused request ID, history.
  batch requests{command(1, "ann"),   command(2, "bo"),
                 command(3, "ann"),   command(4, "ANN"),
                 command(1, "ann"),   command(1, "other"),
                 command(5, "taken"), command(90, "taken"),
                 command(91, "taken"), command(91, "else"),
                 command(6, "Bo"),    command(7, "cy")};
  fake_user_repository plain;
  fake_user_repository batched;
  seed_history(plain);
  seed_history(batched);
  auto expected = one_by_one(plain, requests);
  auto defer = GENERATE(false, true);
  INFO("deferred inserts: " << defer);
  auto got = prefetched(batched, requests, defer);
  CHECK(got.outcomes == expected.outcomes);
  CHECK(same_rows(got.rows, expected.rows));
  CHECK(got.duplicates == expected.duplicates);
}

TEST_CASE("deferred, a batch of fresh names is one lookup and one insert") {
  batch requests{command(1, "a"), command(2, "b"), command(3, "c")};
  fake_user_repository users;
  auto got = prefetched(users, requests, true);
  CHECK(users.calls(method::look_up) == 1);
  CHECK(users.calls(method::insert_all) == 1);
  CHECK(users.calls(method::insert) == 0);
  CHECK(users.calls(method::find_by_name) == 0);
  CHECK(got.rows.size() == 3);
  CHECK(got.outcomes[2] == "created " + numbered_request_id(3).value + " c");
}

TEST_CASE("deferred inserts beside a recorded duplicate decide as one by one "
          "does") {
  // "b" exists already under another request: the rule reads the database
  // for it (the duplicate path), and must see "a" inserted by then.
  batch requests{command(1, "a"), command(2, "B"), command(1, "b")};
  fake_user_repository users;
  users.seed({user_uuid{"cccccccc-0000-4000-8000-000000000001"},
              user_name{"b"}, numbered_request_id(80)});
  fake_user_repository plain;
  plain.seed(users.rows().front());
  auto expected = one_by_one(plain, requests);
  auto got = prefetched(users, requests, true);
  CHECK(got.outcomes == expected.outcomes);
  CHECK(users.calls(method::insert_all) == 1);
}

TEST_CASE("a batch of fresh names costs one lookup and an insert each") {
  batch requests{command(1, "a"), command(2, "b"), command(3, "c")};
  fake_user_repository users;
  auto got = prefetched(users, requests);
  CHECK(users.calls(method::look_up) == 1);
  CHECK(users.calls(method::find_by_name) == 0);
  CHECK(users.calls(method::find_duplicate) == 0);
  CHECK(users.calls(method::find_by_request) == 0);
  CHECK(users.calls(method::insert) == 3);
  CHECK(got.rows.size() == 3);
}

TEST_CASE("a name taken earlier in the batch is a duplicate without another "
          "lookup") {
  batch requests{command(1, "same"), command(2, "same")};
  fake_user_repository users;
  auto got = prefetched(users, requests);
  REQUIRE(got.outcomes.size() == 2);
  CHECK(got.outcomes[1] == "duplicated " + numbered_request_id(2).value
                             + " same");
  CHECK(users.calls(method::find_by_name) == 0);
  CHECK(users.calls(method::insert) == 1);
}

TEST_CASE("after an insert meets a taken key, lookups ask the database") {
  batch requests{command(1, "zed"), command(2, "ZED")};
  fake_user_repository users;
  fake_uuid_source ids;
  auto found = users.look_up(requests);
  REQUIRE(found);
  prefetched_users view{users, requests, std::move(*found)};
  REQUIRE(create_user(view, ids, requests[0]));
  CHECK(view.serving_from_lookup());
  // "ZED" looked free up front; the unique index says otherwise.
  auto second = create_user(view, ids, requests[1]);
  REQUIRE(second);
  CHECK(std::holds_alternative<user_duplicated>(*second));
  CHECK_FALSE(view.serving_from_lookup());
  CHECK(users.calls(method::find_by_name) == 1);
}

TEST_CASE("a row another writer commits after the lookup is found by the "
          "read after the lost race") {
  batch requests{command(1, "late")};
  fake_user_repository users;
  fake_uuid_source ids;
  auto found = users.look_up(requests);
  REQUIRE(found);
  prefetched_users view{users, requests, std::move(*found)};
  stored_user winner{user_uuid{"bbbbbbbb-0000-4000-8000-000000000001"},
                     user_name{"late"}, numbered_request_id(2)};
  users.lose_next_insert_race_to(winner);
  auto result = create_user(view, ids, requests[0]);
  REQUIRE(result);
  REQUIRE(std::holds_alternative<user_duplicated>(*result));
  CHECK(users.duplicates().count(numbered_request_id(1)) == 1);
}
