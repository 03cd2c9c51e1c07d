// The worker on CAF's deterministic scheduler with fake Kafka and a fake
// users table: commit only after acknowledgement, dead letters, retries.

#include "actors/worker.hpp"
#include "domain/error.hpp"
#include "domain/wire_codec.hpp"

#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/fake_kafka.hpp"
#include "tests/domain/fake_user_repository.hpp"
#include "tests/support/ids.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;

namespace {

constexpr auto min_backoff = std::chrono::milliseconds{100};
constexpr auto max_backoff = std::chrono::milliseconds{400};

/// Enough steps for the worker to handle one poll's worth of work.
constexpr size_t steps = 4;

kafka::record request_record(int partition, int64_t offset, int n,
                             const std::string& name) {
  return {"requests", partition, offset,
          encode_request({numbered_request_id(n), user_name{name}})};
}

kafka::record garbage_record(int partition, int64_t offset) {
  return {"requests", partition, offset, wire_message{"", "not json", {}}};
}

struct worker_fixture : actor_fixture {
  worker_fixture()
    : source(std::make_shared<fake_record_source>()),
      publisher(std::make_shared<fake_publisher>()),
      users(std::make_shared<fake_user_repository>()),
      ids(std::make_shared<fake_uuid_source>()) {
    worker_settings cfg{"outcomes",  "requests.dlq", 100ms,
                        min_backoff, max_backoff,    16};
    handle = sys.spawn(worker, source, publisher, users, ids, cfg);
  }

  ~worker_fixture() {
    caf::anon_send_exit(handle, caf::exit_reason::kill);
    sched.run(steps);
  }

  std::shared_ptr<fake_record_source> source;
  std::shared_ptr<fake_publisher> publisher;
  std::shared_ptr<fake_user_repository> users;
  std::shared_ptr<fake_uuid_source> ids;
  poller_actor handle;
};

} // namespace

TEST_CASE(
  "the worker commits a record only after its outcome is acknowledged") {
  worker_fixture f;
  f.source->queue({request_record(0, 10, 1, "alice")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  auto& out = f.publisher->published.front().record;
  CHECK(out.topic == "outcomes");
  auto decoded = decode_outcome(out.message);
  REQUIRE(decoded);
  REQUIRE(std::holds_alternative<user_created>(*decoded));
  CHECK(std::get<user_created>(*decoded).request == numbered_request_id(1));
  CHECK(f.users->rows().size() == 1);
  CHECK(f.source->marked().empty());
  f.publisher->ack(0);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.source->marked().front() == std::make_pair(0, int64_t{10}));
}

TEST_CASE("acknowledgements out of order never commit past a pending record") {
  worker_fixture f;
  f.source->queue(
    {request_record(0, 5, 1, "first"), request_record(0, 6, 2, "second")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  f.publisher->ack(1);
  f.run_steps(steps);
  CHECK(f.source->marked().empty());
  f.publisher->ack(0);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.source->marked().back() == std::make_pair(0, int64_t{6}));
}

TEST_CASE("a duplicate name publishes UserDuplicated") {
  worker_fixture f;
  f.source->queue(
    {request_record(1, 0, 1, "taken"), request_record(1, 1, 2, "TAKEN")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  auto second = decode_outcome(f.publisher->published[1].record.message);
  REQUIRE(second);
  CHECK(std::holds_alternative<user_duplicated>(*second));
  CHECK(f.users->rows().size() == 1);
}

TEST_CASE("an undecodable record goes to the dead-letter topic and commits") {
  worker_fixture f;
  f.source->queue({garbage_record(2, 7), request_record(2, 8, 1, "after")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  auto& dead = f.publisher->published[0].record;
  CHECK(dead.topic == "requests.dlq");
  CHECK(dead.message.value == "not json");
  CHECK(dead.message.header_value("dlqSourceTopic") == "requests");
  CHECK(dead.message.header_value("dlqSourcePartition") == "2");
  CHECK(dead.message.header_value("dlqSourceOffset") == "7");
  REQUIRE(dead.message.header_value("dlqError"));
  CHECK_FALSE(dead.message.header_value("dlqError")->empty());
  // The partition keeps flowing: the valid record behind it was processed.
  CHECK(f.publisher->published[1].record.topic == "outcomes");
  f.publisher->ack(0);
  f.publisher->ack(1);
  f.run_steps(steps);
  REQUIRE_FALSE(f.source->marked().empty());
  CHECK(f.source->marked().back() == std::make_pair(2, int64_t{8}));
}

TEST_CASE("a database outage is retried with backoff and never skipped") {
  worker_fixture f;
  using method = fake_user_repository::method;
  f.users->fail_next(method::find_by_name,
                     make_error(error_code::database_unavailable, "down"));
  f.source->queue({request_record(0, 3, 1, "patient")});
  f.run_steps(steps);
  CHECK(f.publisher->published.empty());
  CHECK(f.source->marked().empty());
  // Nothing happens before the backoff has passed.
  f.sched.advance_time(min_backoff - 1ns);
  f.run_steps(steps);
  CHECK(f.publisher->published.empty());
  f.sched.advance_time(1ns);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  CHECK(f.users->rows().size() == 1);
  f.publisher->ack(0);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.source->marked().front() == std::make_pair(0, int64_t{3}));
}

TEST_CASE("a failed outcome delivery republishes the same outcome") {
  worker_fixture f;
  f.source->queue({request_record(0, 0, 1, "retry-me")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  f.publisher->fail(0, make_error(error_code::publish_failed, "timed out"));
  f.run_steps(steps);
  // Backs off first: no tight loop against a failing broker.
  CHECK(f.publisher->published.size() == 1);
  f.sched.advance_time(min_backoff);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  CHECK(f.source->marked().empty());
  auto first = decode_outcome(f.publisher->published[0].record.message);
  auto again = decode_outcome(f.publisher->published[1].record.message);
  REQUIRE(first);
  REQUIRE(again);
  // Idempotent: the redelivered outcome names the stored user again.
  CHECK(std::get<user_created>(*first) == std::get<user_created>(*again));
  CHECK(f.users->rows().size() == 1);
  f.publisher->ack(1);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
}

TEST_CASE("a request ID reused for another name is dead-lettered") {
  worker_fixture f;
  f.source->queue(
    {request_record(0, 0, 1, "original"), request_record(0, 1, 1, "impostor")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  CHECK(f.publisher->published[1].record.topic == "requests.dlq");
  CHECK(f.users->rows().size() == 1);
}

TEST_CASE("a graceful stop commits what the broker acknowledged meanwhile") {
  worker_fixture f;
  f.source->queue({request_record(3, 41, 1, "last-one")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  CHECK(f.source->marked().empty());
  caf::anon_send_exit(f.handle, caf::exit_reason::user_shutdown);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.source->marked().front() == std::make_pair(3, int64_t{41}));
}

TEST_CASE("a revoked partition is forgotten and never committed by us") {
  worker_fixture f;
  f.source->queue(
    {request_record(4, 5, 1, "moving-1"), request_record(4, 6, 2, "moving-2")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  f.source->revoke("requests", 4);
  f.publisher->ack(1);
  f.publisher->ack(0);
  f.run_steps(steps);
  // The new owner resumes from the last commit; we must not move it.
  CHECK(f.source->marked().empty());
  // The partition comes back: redelivered records commit as usual.
  f.source->queue({request_record(4, 5, 1, "moving-1")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 3);
  f.publisher->ack(2);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.source->marked().front() == std::make_pair(4, int64_t{5}));
}
