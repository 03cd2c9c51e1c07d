#include "domain/create_user.hpp"
#include "domain/error.hpp"

#include <catch2/catch.hpp>

#include "tests/domain/fake_user_repository.hpp"

using namespace semiasync;
using semiasync::testing::fake_user_repository;
using semiasync::testing::fake_uuid_source;
using method = fake_user_repository::method;

namespace {

const request_id first_request{"11111111-1111-4111-8111-111111111111"};
const request_id second_request{"22222222-2222-4222-8222-222222222222"};
const request_id third_request{"33333333-3333-4333-8333-333333333333"};

create_user_requested command(const request_id& id, std::string name) {
  return {id, user_name{std::move(name)}};
}

/// The `user_created` inside `x`; fails the test when `x` is anything else.
user_created created(const caf::expected<outcome>& x) {
  REQUIRE(x);
  auto result = std::get_if<user_created>(&*x);
  REQUIRE(result != nullptr);
  return *result;
}

/// The `user_duplicated` inside `x`; fails the test when `x` is anything else.
user_duplicated duplicated(const caf::expected<outcome>& x) {
  REQUIRE(x);
  auto result = std::get_if<user_duplicated>(&*x);
  REQUIRE(result != nullptr);
  return *result;
}

/// The error code inside `x`; fails the test when `x` holds an outcome.
error_code failure(const caf::expected<outcome>& x) {
  REQUIRE_FALSE(x);
  return code_of(x.error());
}

} // namespace

TEST_CASE("fake repository behaves like the users table",
          "[create_user][fake]") {
  fake_user_repository users;
  stored_user alice{user_uuid{fake_uuid_source::nth(1)}, user_name{"Alice"},
                    first_request};
  REQUIRE(users.insert(alice) == insert_result::inserted);
  SECTION("names compare case-insensitively for ASCII") {
    auto found = users.find_by_name(user_name{"aLICE"});
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->user == alice.user);
    CHECK(fake_user_repository::same_name("\xC3\xA9", "\xC3\xA9"));
    CHECK_FALSE(fake_user_repository::same_name("Alice", "Alicia"));
  }
  SECTION("every unique key rejects a second row") {
    CHECK(users.insert({user_uuid{fake_uuid_source::nth(2)}, user_name{"ALICE"},
                        second_request})
          == insert_result::duplicate);
    CHECK(users.insert({user_uuid{fake_uuid_source::nth(2)}, user_name{"Bob"},
                        first_request})
          == insert_result::duplicate);
    CHECK(users.insert({alice.user, user_name{"Bob"}, second_request})
          == insert_result::duplicate);
    CHECK(users.rows().size() == 1);
  }
  SECTION("an injected error hits exactly the next call of that method") {
    users.fail_next(method::find_by_uuid,
                    make_error(error_code::database_rejected, "boom"));
    auto failed = users.find_by_uuid(alice.user);
    REQUIRE_FALSE(failed);
    CHECK(code_of(failed.error()) == error_code::database_rejected);
    auto found = users.find_by_uuid(alice.user);
    REQUIRE(found);
    CHECK(found->has_value());
    CHECK(users.calls(method::find_by_uuid) == 2);
  }
  SECTION("a skipped call succeeds and the one after it fails") {
    users.fail_next(method::find_by_uuid,
                    make_error(error_code::database_unavailable), 1);
    CHECK(users.find_by_uuid(alice.user));
    CHECK_FALSE(users.find_by_uuid(alice.user));
    CHECK(users.find_by_uuid(alice.user));
  }
  SECTION("a recorded duplicate is insert-if-absent and byte-exact") {
    CHECK_FALSE(users.find_duplicate(second_request).value());
    CHECK_FALSE(users.remember_duplicate(second_request, user_name{"aLICE"}));
    CHECK_FALSE(users.remember_duplicate(second_request, user_name{"aLICE"}));
    CHECK(code_of(users.remember_duplicate(second_request, user_name{"Bob"}))
          == error_code::request_id_conflict);
    auto found = users.find_duplicate(second_request);
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->value == "aLICE");
    CHECK(users.duplicates().size() == 1);
    // Recording a duplicate touches no user row.
    CHECK(users.rows().size() == 1);
  }
  SECTION("injected errors reach the duplicate calls too") {
    users.fail_next(method::remember_duplicate,
                    make_error(error_code::database_unavailable, "down"));
    users.fail_next(method::find_duplicate,
                    make_error(error_code::database_rejected, "bad"));
    CHECK(code_of(users.remember_duplicate(second_request, user_name{"x"}))
          == error_code::database_unavailable);
    CHECK(users.duplicates().empty());
    auto failed = users.find_duplicate(second_request);
    REQUIRE_FALSE(failed);
    CHECK(code_of(failed.error()) == error_code::database_rejected);
    CHECK(users.calls(method::remember_duplicate) == 1);
    CHECK(users.calls(method::find_duplicate) == 1);
  }
  SECTION("a lost race stores the winner before the insert") {
    users.lose_next_insert_race_to(
      {user_uuid{fake_uuid_source::nth(2)}, user_name{"Bob"}, second_request});
    CHECK(users.insert({user_uuid{fake_uuid_source::nth(3)}, user_name{"bob"},
                        third_request})
          == insert_result::duplicate);
    REQUIRE(users.rows().size() == 2);
    CHECK(users.rows()[1].request == second_request);
  }
}

TEST_CASE("create_user inserts a free name", "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  auto result = create_user(users, ids, command(first_request, "Alice"));
  auto event = created(result);
  CHECK(event.request == first_request);
  CHECK(event.user.value == fake_uuid_source::nth(1));
  CHECK(event.name.value == "Alice");
  REQUIRE(users.rows().size() == 1);
  CHECK(users.rows()[0].user.value == fake_uuid_source::nth(1));
  CHECK(users.rows()[0].name.value == "Alice");
  CHECK(users.rows()[0].request == first_request);
  // Today's cost plus one primary-key lookup, and nothing else.
  CHECK(users.calls(method::find_by_name) == 1);
  CHECK(users.calls(method::find_duplicate) == 1);
  CHECK(users.calls(method::insert) == 1);
  CHECK(users.calls(method::find_by_request) == 0);
  CHECK(users.calls(method::remember_duplicate) == 0);
  CHECK(users.duplicates().empty());
}

TEST_CASE("create_user is idempotent per request ID", "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  auto first
    = created(create_user(users, ids, command(first_request, "Alice")));
  SECTION("a redelivery answers with the stored user ID") {
    auto again
      = created(create_user(users, ids, command(first_request, "Alice")));
    CHECK(again == first);
    CHECK(again.user.value == fake_uuid_source::nth(1));
    CHECK(users.rows().size() == 1);
    CHECK(users.calls(method::insert) == 1);
    // A redelivered creation costs the one lookup by name.
    CHECK(users.calls(method::find_by_name) == 2);
    CHECK(users.calls(method::find_duplicate) == 1);
  }
  SECTION("the same request ID with the name in another case is another "
          "request: refused, so no answer names bytes its request did not "
          "carry") {
    // A redelivery carries the very bytes it was sent with; "ALICE" under
    // Alice's request ID is a key reused with another name (issue 14,
    // item 1: its 201 would have named "Alice").
    auto again = create_user(users, ids, command(first_request, "ALICE"));
    CHECK(failure(again) == error_code::request_id_conflict);
    CHECK(users.rows().size() == 1);
    CHECK(users.duplicates().empty());
  }
  SECTION("many redeliveries never add a row") {
    for (int i = 0; i < 5; ++i)
      CHECK(created(create_user(users, ids, command(first_request, "Alice")))
            == first);
    CHECK(users.rows().size() == 1);
  }
}

TEST_CASE("create_user refuses a name another request created",
          "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  created(create_user(users, ids, command(first_request, "Alice")));
  SECTION("same spelling") {
    auto event
      = duplicated(create_user(users, ids, command(second_request, "Alice")));
    CHECK(event.request == second_request);
    CHECK(event.name.value == "Alice");
  }
  SECTION("different case") {
    auto event
      = duplicated(create_user(users, ids, command(second_request, "aLiCe")));
    CHECK(event.request == second_request);
    CHECK(event.name.value == "aLiCe");
    // Recorded as the request spelled it.
    REQUIRE(users.duplicates().count(second_request) == 1);
    CHECK(users.duplicates().at(second_request).value == "aLiCe");
  }
  CHECK(users.rows().size() == 1);
  CHECK(users.rows()[0].request == first_request);
  CHECK(users.calls(method::insert) == 1);
  // The duplicate is on record, so it outlives a restart.
  CHECK(users.calls(method::remember_duplicate) == 1);
  CHECK(users.duplicates().size() == 1);
  CHECK(users.duplicates().count(second_request) == 1);
}

TEST_CASE("create_user answers a redelivered duplicate as before",
          "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  created(create_user(users, ids, command(first_request, "Alice")));
  auto first
    = duplicated(create_user(users, ids, command(second_request, "alice")));
  SECTION("duplicated again, remembered once") {
    for (int i = 0; i < 3; ++i)
      CHECK(
        duplicated(create_user(users, ids, command(second_request, "alice")))
        == first);
    CHECK(users.calls(method::remember_duplicate) == 1);
    REQUIRE(users.duplicates().size() == 1);
    CHECK(users.duplicates().at(second_request).value == "alice");
    CHECK(users.rows().size() == 1);
    CHECK(users.calls(method::insert) == 1);
  }
  SECTION("answered from the record, not from the users table") {
    // A fresh repository holding only the record: the answer does not
    // depend on who holds the name now, and nothing is inserted.
    fake_user_repository restarted;
    restarted.seed_duplicate(second_request, user_name{"alice"});
    CHECK(
      duplicated(create_user(restarted, ids, command(second_request, "alice")))
      == first);
    CHECK(restarted.rows().empty());
    CHECK(restarted.calls(method::insert) == 0);
    CHECK(restarted.calls(method::remember_duplicate) == 0);
  }
}

TEST_CASE("create_user decides a lost insert race by reading again",
          "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  SECTION("another request took the name: duplicated") {
    users.lose_next_insert_race_to(
      {user_uuid{"99999999-9999-4999-8999-999999999999"}, user_name{"alice"},
       second_request});
    auto event
      = duplicated(create_user(users, ids, command(first_request, "Alice")));
    CHECK(event.request == first_request);
    CHECK(event.name.value == "Alice");
    REQUIRE(users.rows().size() == 1);
    CHECK(users.rows()[0].request == second_request);
    CHECK(users.calls(method::find_by_name) == 2);
    // Remembered like any duplicate, and a redelivery repeats it.
    REQUIRE(users.duplicates().count(first_request) == 1);
    CHECK(users.duplicates().at(first_request).value == "Alice");
    CHECK(duplicated(create_user(users, ids, command(first_request, "Alice")))
          == event);
    CHECK(users.calls(method::remember_duplicate) == 1);
  }
  SECTION("a concurrent redelivery of this request won: created with its ID") {
    user_uuid winner{"99999999-9999-4999-8999-999999999999"};
    users.lose_next_insert_race_to({winner, user_name{"Alice"}, first_request});
    auto event
      = created(create_user(users, ids, command(first_request, "Alice")));
    CHECK(event.user == winner);
    CHECK(event.request == first_request);
    CHECK(users.rows().size() == 1);
    CHECK(users.duplicates().empty());
  }
  SECTION("the name went to another request and this ID to another name") {
    // This ID created Bob before; Alice is free at the first lookup, then
    // another request takes her, so the insert meets both keys taken and the
    // re-read finds Alice held by someone else.
    users.seed({user_uuid{"88888888-8888-4888-8888-888888888888"},
                user_name{"Bob"}, first_request});
    users.lose_next_insert_race_to(
      {user_uuid{"99999999-9999-4999-8999-999999999999"}, user_name{"Alice"},
       second_request});
    auto result = create_user(users, ids, command(first_request, "Alice"));
    CHECK(failure(result) == error_code::request_id_conflict);
    CHECK(users.duplicates().empty());
    CHECK(users.rows().size() == 2);
  }
  SECTION("recording the duplicate after a lost race fails: passed through") {
    users.lose_next_insert_race_to(
      {user_uuid{"99999999-9999-4999-8999-999999999999"}, user_name{"Alice"},
       second_request});
    users.fail_next(method::remember_duplicate,
                    make_error(error_code::database_unavailable, "gone"));
    auto result = create_user(users, ids, command(first_request, "Alice"));
    CHECK(failure(result) == error_code::database_unavailable);
    CHECK(detail_of(result.error()) == "gone");
    CHECK(users.duplicates().empty());
    // The worker's retry takes the ordinary path and records it.
    CHECK(duplicated(create_user(users, ids, command(first_request, "Alice")))
            .request
          == first_request);
    CHECK(users.duplicates().count(first_request) == 1);
  }
  SECTION("an error while reading again passes through") {
    users.lose_next_insert_race_to(
      {user_uuid{"99999999-9999-4999-8999-999999999999"}, user_name{"Alice"},
       second_request});
    // The lookup before the insert succeeds; the one after it fails.
    users.fail_next(method::find_by_name,
                    make_error(error_code::database_unavailable, "gone"), 1);
    auto result = create_user(users, ids, command(first_request, "Alice"));
    CHECK(failure(result) == error_code::database_unavailable);
    CHECK(users.calls(method::find_by_name) == 2);
    REQUIRE(users.rows().size() == 1);
    CHECK(users.rows()[0].request == second_request);
  }
}

TEST_CASE("create_user passes errors of the re-read after a race through",
          "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  // A user UUID collision makes the insert report a duplicate while neither
  // the name nor the request is stored: the re-read asks find_by_request.
  users.seed(
    {user_uuid{fake_uuid_source::nth(1)}, user_name{"Zoe"}, third_request});
  users.fail_next(method::find_by_request,
                  make_error(error_code::database_unavailable, "lost"));
  auto result = create_user(users, ids, command(first_request, "Alice"));
  CHECK(failure(result) == error_code::database_unavailable);
  // Our error, not create_user's own "duplicate that is gone".
  CHECK(detail_of(result.error()) == "lost");
  CHECK(users.rows().size() == 1);
}

TEST_CASE("create_user reports a request ID reused for another name",
          "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  created(create_user(users, ids, command(first_request, "Alice")));
  auto result = create_user(users, ids, command(first_request, "Bob"));
  CHECK(failure(result) == error_code::request_id_conflict);
  CHECK_FALSE(detail_of(result.error()).empty());
  CHECK(users.rows().size() == 1);
  CHECK(users.duplicates().empty());
  SECTION("a later request for that name still succeeds") {
    auto event
      = created(create_user(users, ids, command(second_request, "Bob")));
    CHECK(event.name.value == "Bob");
    CHECK(users.rows().size() == 2);
  }
}

TEST_CASE("create_user refuses a created request ID for a name taken by "
          "someone else",
          "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  created(create_user(users, ids, command(first_request, "Alice")));
  created(create_user(users, ids, command(second_request, "Carol")));
  // first_request is reused for Carol, whom second_request created: not a
  // duplicate (that would be a second answer for one ID) but a conflict.
  auto result = create_user(users, ids, command(first_request, "Carol"));
  CHECK(failure(result) == error_code::request_id_conflict);
  CHECK(users.duplicates().empty());
  CHECK(users.calls(method::remember_duplicate) == 0);
  CHECK(users.rows().size() == 2);
  // The original answer still stands.
  auto again
    = created(create_user(users, ids, command(first_request, "Alice")));
  CHECK(again.user.value == fake_uuid_source::nth(1));
}

TEST_CASE("create_user refuses a duplicated request ID for another name",
          "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  created(create_user(users, ids, command(first_request, "Alice")));
  duplicated(create_user(users, ids, command(second_request, "Alice")));
  auto inserts = users.calls(method::insert);
  auto handed_out = ids.handed_out();
  SECTION("a free name: conflict, and nothing is inserted") {
    auto result = create_user(users, ids, command(second_request, "Bob"));
    CHECK(failure(result) == error_code::request_id_conflict);
    CHECK_FALSE(detail_of(result.error()).empty());
    CHECK(users.calls(method::insert) == inserts);
    CHECK(ids.handed_out() == handed_out);
    CHECK(users.rows().size() == 1);
  }
  SECTION("a name taken by a third request: conflict") {
    created(create_user(users, ids, command(third_request, "Carol")));
    auto result = create_user(users, ids, command(second_request, "Carol"));
    CHECK(failure(result) == error_code::request_id_conflict);
    CHECK(users.rows().size() == 2);
  }
  SECTION("the same name in another spelling: conflict (byte-equal)") {
    auto result = create_user(users, ids, command(second_request, "ALICE"));
    CHECK(failure(result) == error_code::request_id_conflict);
  }
  // The first answer is kept, and still given for the first name.
  CHECK(users.calls(method::remember_duplicate) == 1);
  REQUIRE(users.duplicates().size() == 1);
  CHECK(users.duplicates().at(second_request).value == "Alice");
  CHECK(duplicated(create_user(users, ids, command(second_request, "Alice")))
          .name.value
        == "Alice");
}

TEST_CASE("create_user fails retryably when the generated user UUID collides",
          "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  users.seed(
    {user_uuid{fake_uuid_source::nth(1)}, user_name{"Zoe"}, third_request});
  // The generated UUID collides; the caller's retry draws a fresh one.
  auto result = create_user(users, ids, command(first_request, "Alice"));
  CHECK(failure(result) == error_code::database_unavailable);
  CHECK(users.rows().size() == 1);
  auto retried
    = created(create_user(users, ids, command(first_request, "Alice")));
  CHECK(retried.user.value == fake_uuid_source::nth(2));
  CHECK(users.rows().size() == 2);
}

TEST_CASE("create_user passes database errors through with their code",
          "[create_user]") {
  fake_user_repository users;
  fake_uuid_source ids;
  SECTION("lookup by name fails") {
    users.fail_next(method::find_by_name,
                    make_error(error_code::database_unavailable, "gone"));
    auto result = create_user(users, ids, command(first_request, "Alice"));
    CHECK(failure(result) == error_code::database_unavailable);
    CHECK(detail_of(result.error()) == "gone");
    CHECK(users.calls(method::insert) == 0);
    CHECK(ids.handed_out() == 0);
  }
  SECTION("insert fails transiently") {
    users.fail_next(method::insert,
                    make_error(error_code::database_unavailable, "gone"));
    auto result = create_user(users, ids, command(first_request, "Alice"));
    CHECK(failure(result) == error_code::database_unavailable);
    CHECK(users.rows().empty());
    SECTION("and the retry succeeds") {
      CHECK(created(create_user(users, ids, command(first_request, "Alice")))
              .name.value
            == "Alice");
      CHECK(users.rows().size() == 1);
    }
  }
  SECTION("lookup of a recorded duplicate fails") {
    users.fail_next(method::find_duplicate,
                    make_error(error_code::database_unavailable, "gone"));
    auto result = create_user(users, ids, command(first_request, "Alice"));
    CHECK(failure(result) == error_code::database_unavailable);
    CHECK(detail_of(result.error()) == "gone");
    CHECK(users.calls(method::insert) == 0);
    CHECK(ids.handed_out() == 0);
  }
  SECTION("lookup by request for a taken name fails") {
    users.seed({user_uuid{fake_uuid_source::nth(9)}, user_name{"Alice"},
                second_request});
    users.fail_next(method::find_by_request,
                    make_error(error_code::database_rejected, "odd"));
    auto result = create_user(users, ids, command(first_request, "Alice"));
    CHECK(failure(result) == error_code::database_rejected);
    CHECK(detail_of(result.error()) == "odd");
    CHECK(users.calls(method::remember_duplicate) == 0);
    CHECK(users.duplicates().empty());
  }
  SECTION("recording a duplicate fails: no answer without the record") {
    users.seed({user_uuid{fake_uuid_source::nth(9)}, user_name{"Alice"},
                second_request});
    users.fail_next(method::remember_duplicate,
                    make_error(error_code::database_unavailable, "gone"));
    auto result = create_user(users, ids, command(first_request, "Alice"));
    CHECK(failure(result) == error_code::database_unavailable);
    CHECK(detail_of(result.error()) == "gone");
    CHECK(users.duplicates().empty());
    SECTION("and the retry records it") {
      duplicated(create_user(users, ids, command(first_request, "Alice")));
      CHECK(users.duplicates().count(first_request) == 1);
    }
  }
  SECTION("insert is rejected for good") {
    users.fail_next(method::insert,
                    make_error(error_code::database_rejected, "schema"));
    auto result = create_user(users, ids, command(first_request, "Alice"));
    CHECK(failure(result) == error_code::database_rejected);
    CHECK(users.rows().empty());
  }
}

TEST_CASE("a duplicate that a concurrent attempt recorded under another name "
          "is a conflict, never a second answer") {
  // "alice" was created by another request. Under one Idempotency-Key, two
  // attempts name "alice" and "ALICE"; the other attempt's duplicate is
  // recorded between this one's lookup and its own record.
  fake_user_repository users;
  fake_uuid_source ids;
  users.seed(
    {user_uuid{fake_uuid_source::nth(9)}, user_name{"alice"}, first_request});
  users.record_duplicate_first(second_request, user_name{"ALICE"});
  auto result = create_user(users, ids, command(second_request, "alice"));
  CHECK(failure(result) == error_code::request_id_conflict);
  // A redelivery of this attempt must get the same answer.
  auto again = create_user(users, ids, command(second_request, "alice"));
  CHECK(failure(again) == error_code::request_id_conflict);
  // The concurrent attempt keeps its recorded answer.
  duplicated(create_user(users, ids, command(second_request, "ALICE")));
  CHECK(users.duplicates().at(second_request).value == "ALICE");
}
