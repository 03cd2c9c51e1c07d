// The server's read side: the reader actor's lookups against a fake
// repository, and the health probe's verdicts, on CAF's test scheduler.

#include "actors/health_probe.hpp"
#include "actors/reader.hpp"
#include "actors/write_watch.hpp"
#include "domain/error.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include "tests/actors/actor_fixture.hpp"
#include "tests/domain/fake_user_repository.hpp"
#include "tests/support/ids.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using method = fake_user_repository::method;

namespace {

const user_uuid some_user{"7c9e6679-7425-40de-944b-e07fc1f90ae7"};

/// A deadline no lookup in these tests reaches.
const caf::timestamp far_future = caf::timestamp{} + std::chrono::hours{1};

struct reader_fixture : actor_fixture {
  reader_fixture()
    : users(std::make_shared<fake_user_repository>()),
      handle(sys.spawn(reader, users, [this] {
        return now;
      })) {
    sched.run();
  }

  ~reader_fixture() {
    caf::anon_send_exit(handle, caf::exit_reason::kill);
    sched.run();
  }

  /// Asks the reader and returns its reply or its error.
  template <class Result, class... Ts>
  caf::expected<Result> lookup(Ts&&... xs) {
    caf::scoped_actor self{sys};
    caf::expected<Result> result{caf::error{}};
    auto pending
      = self->request(handle, caf::infinite, std::forward<Ts>(xs)...);
    sched.run();
    pending.receive(
      [&](Result& x) {
        result = std::move(x);
      },
      [&](caf::error& err) {
        result = std::move(err);
      });
    return result;
  }

  /// The reader's wall clock.
  caf::timestamp now{};
  std::shared_ptr<fake_user_repository> users;
  reader_actor handle;
};

} // namespace

TEST_CASE("the reader finds users by ID") {
  reader_fixture f;
  f.users->seed({some_user, user_name{"ann"}, numbered_request_id(1)});
  auto found
    = f.lookup<user_lookup>(find_user_atom::value, some_user, far_future);
  REQUIRE(found);
  REQUIRE(found->user);
  CHECK(found->user->name.value == "ann");
  auto missing = f.lookup<user_lookup>(
    find_user_atom::value, user_uuid{"00000000-0000-4000-8000-000000000000"},
    far_future);
  REQUIRE(missing);
  CHECK_FALSE(missing->user);
}

TEST_CASE("the reader tells a request's stored outcome") {
  reader_fixture f;
  f.users->seed({some_user, user_name{"ann"}, numbered_request_id(1)});
  f.users->seed_duplicate(numbered_request_id(2), user_name{"ann"});
  auto created = f.lookup<request_lookup>(find_request_atom::value,
                                          numbered_request_id(1), far_future);
  REQUIRE(created);
  REQUIRE(created->result);
  auto& row = std::get<user_created>(*created->result);
  CHECK(row.user == some_user);
  CHECK(row.request == numbered_request_id(1));
  auto duplicated = f.lookup<request_lookup>(
    find_request_atom::value, numbered_request_id(2), far_future);
  REQUIRE(duplicated);
  REQUIRE(duplicated->result);
  CHECK(std::get<user_duplicated>(*duplicated->result).name.value == "ann");
  auto unknown = f.lookup<request_lookup>(find_request_atom::value,
                                          numbered_request_id(3), far_future);
  REQUIRE(unknown);
  CHECK_FALSE(unknown->result);
}

TEST_CASE("the reader also tells a duplicate recorded beside a creation") {
  // Two workers decided two names of one key at once: both are stored.
  reader_fixture f;
  f.users->seed({some_user, user_name{"ann"}, numbered_request_id(5)});
  f.users->seed_duplicate(numbered_request_id(5), user_name{"bob"});
  auto both = f.lookup<request_lookup>(find_request_atom::value,
                                       numbered_request_id(5), far_future);
  REQUIRE(both);
  REQUIRE(both->result);
  CHECK(std::holds_alternative<user_created>(*both->result));
  CHECK(both->also_duplicated == user_name{"bob"});
}

TEST_CASE("a lookup whose asker stopped waiting is dropped unread") {
  // Issue 14, item 6: with the database away, the reader's mailbox grew
  // with the GET rate, and each stale lookup would still cost a query.
  reader_fixture f;
  f.users->seed({some_user, user_name{"ann"}, numbered_request_id(1)});
  f.now = far_future + 1s;
  auto user
    = f.lookup<user_lookup>(find_user_atom::value, some_user, far_future);
  REQUIRE_FALSE(user);
  CHECK(code_of(user.error()) == error_code::overloaded);
  auto request = f.lookup<request_lookup>(find_request_atom::value,
                                          numbered_request_id(1), far_future);
  REQUIRE_FALSE(request);
  CHECK(code_of(request.error()) == error_code::overloaded);
  CHECK(f.users->calls(method::find_by_uuid) == 0);
  CHECK(f.users->calls(method::find_by_request) == 0);
}

TEST_CASE("a failing database is an error value, not a crash") {
  reader_fixture f;
  f.users->fail_next(method::find_duplicate,
                     make_error(error_code::database_unavailable, "down"));
  auto result = f.lookup<request_lookup>(find_request_atom::value,
                                         numbered_request_id(4), far_future);
  REQUIRE_FALSE(result);
  CHECK(code_of(result.error()) == error_code::database_unavailable);
}

TEST_CASE("the health probe reports the first failing check") {
  actor_fixture f;
  auto verdict = std::make_shared<readiness>();
  CHECK(verdict->reason() == "not checked yet");
  auto broker_up = std::make_shared<bool>(true);
  std::vector<health_check> checks{
    {"kafka",
     [broker_up] {
       return *broker_up
                ? caf::error{}
                : make_error(error_code::broker_unavailable, "no broker");
     }},
    {"database",
     [] {
       return caf::error{};
     }},
  };
  auto probe = f.sys.spawn(health_probe, checks, caf::timespan{1s}, verdict);
  f.sched.run_once();
  CHECK_FALSE(verdict->reason());
  *broker_up = false;
  f.sched.trigger_timeouts();
  f.sched.run_once();
  CHECK(verdict->reason() == "kafka: no broker");
  *broker_up = true;
  f.sched.trigger_timeouts();
  f.sched.run_once();
  CHECK_FALSE(verdict->reason());
  caf::anon_send_exit(probe, caf::exit_reason::kill);
  f.sched.run();
}

TEST_CASE("the write watch closes the gate after two refusing rounds and "
          "reopens it at the first writable one") {
  actor_fixture f;
  auto gate = std::make_shared<kafka::write_gate>(std::chrono::hours{1});
  auto refused = std::make_shared<std::optional<std::string>>();
  write_check_function check = [refused](const std::string& topic) {
    return topic == "requests" ? *refused : std::nullopt;
  };
  auto watch
    = f.sys.spawn(write_watch, std::vector<std::string>{"requests", "other"},
                  check, caf::timespan{1s}, gate);
  auto round = [&f] {
    f.sched.trigger_timeouts();
    f.sched.run_once();
  };
  f.sched.run_once();
  CHECK_FALSE(gate->refusal("requests"));
  *refused = "requests: no partition has 2 live in-sync replicas";
  round();
  CHECK_FALSE(gate->refusal("requests")); // once may be a glitch
  round();
  CHECK(gate->refusal("requests") == *refused);
  CHECK_FALSE(gate->refusal("other"));
  *refused = std::nullopt;
  round();
  CHECK_FALSE(gate->refusal("requests"));
  caf::anon_send_exit(watch, caf::exit_reason::kill);
  f.sched.run();
}
