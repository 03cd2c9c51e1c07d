// The worker on CAF's deterministic scheduler with fake Kafka and a fake
// users table: commit only after every publish is acknowledged, dead letters
// and rejections, jittered retries that never skip and keep polling, and
// the metrics that say so.

#include "actors/create_user_handler.hpp"
#include "actors/worker_engine.hpp"
#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"

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

using method = fake_user_repository::method;

kafka::record request_record(int partition, int64_t offset, int n,
                             const std::string& name) {
  return {"requests", partition, offset,
          encode_request({numbered_request_id(n), user_name{name}})};
}

kafka::record garbage_record(int partition, int64_t offset) {
  return {"requests", partition, offset, wire_message{"", "not json", {}}};
}

/// Not a valid request, but its header still says whose it is.
kafka::record garbage_with_id(int partition, int64_t offset, int n) {
  return {"requests", partition, offset,
          wire_message{
            "", "not json", {{"requestUUID", numbered_request_id(n).value}}}};
}

worker_settings test_settings() {
  return {"outcomes", "requests.dlq", 100ms, min_backoff, max_backoff, 16};
}

/// A publisher that refuses the next `refuse` publishes at once (a full
/// queue) and hands the rest to a `fake_publisher`.
class refusing_publisher final : public kafka::publisher {
public:
  caf::error publish(kafka::outgoing_record rec,
                     kafka::delivery_callback on_delivery) override {
    if (refuse > 0) {
      --refuse;
      return make_error(error_code::publish_failed, "queue full");
    }
    return inner.publish(std::move(rec), std::move(on_delivery));
  }

  void serve_delivery_reports(std::chrono::milliseconds timeout) override {
    inner.serve_delivery_reports(timeout);
  }

  caf::error flush(std::chrono::milliseconds timeout) override {
    return inner.flush(timeout);
  }

  size_t refuse = 0;
  fake_publisher inner;
};

struct worker_fixture : actor_fixture {
  /// A worker whose jitter draws `fractions` in turn, then 1.0 (the
  /// ceiling), so the default waits are exactly 100, 200, 400, 400 ms.
  explicit worker_fixture(worker_settings cfg = test_settings(),
                          std::vector<double> fractions = {},
                          std::shared_ptr<kafka::publisher> pub = nullptr)
    : source(std::make_shared<fake_record_source>()),
      publisher(std::make_shared<fake_publisher>()),
      users(std::make_shared<fake_user_repository>()),
      ids(std::make_shared<fake_uuid_source>()),
      sink(worker_metrics::register_in(registry)) {
    auto draws = std::make_shared<std::deque<double>>(fractions.begin(),
                                                      fractions.end());
    random_fraction random = [draws] {
      if (draws->empty()) return 1.0;
      auto x = draws->front();
      draws->pop_front();
      return x;
    };
    worker_dependencies deps{source, pub ? pub : publisher,
                             std::make_shared<create_user_handler>(users, ids),
                             random};
    handle = sys.spawn(worker_engine, deps, sink, cfg);
  }

  ~worker_fixture() {
    caf::anon_send_exit(handle, caf::exit_reason::kill);
    sched.run(steps);
  }

  /// The outcome in the `i`th published record.
  outcome outcome_at(size_t i) {
    auto decoded = decode_outcome(publisher->published.at(i).record.message);
    REQUIRE(decoded);
    return *decoded;
  }

  /// Whether the rendered registry has `line` (e.g. `name{a="b"} 1`) as a
  /// whole line.
  bool renders(const std::string& line) {
    return registry.render().find("\n" + line + "\n") != std::string::npos;
  }

  std::shared_ptr<fake_record_source> source;
  std::shared_ptr<fake_publisher> publisher;
  std::shared_ptr<fake_user_repository> users;
  std::shared_ptr<fake_uuid_source> ids;
  metrics::registry registry;
  worker_metrics sink;
  poller_actor handle;
};

} // namespace

// -- the happy path and commits -----------------------------------------------

TEST_CASE(
  "the worker commits a record only after its outcome is acknowledged") {
  worker_fixture f;
  f.source->queue({request_record(0, 10, 1, "alice")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  auto& out = f.publisher->published.front().record;
  CHECK(out.topic == "outcomes");
  auto decoded = f.outcome_at(0);
  REQUIRE(std::holds_alternative<user_created>(decoded));
  CHECK(std::get<user_created>(decoded).request == numbered_request_id(1));
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
  CHECK(std::holds_alternative<user_duplicated>(f.outcome_at(1)));
  CHECK(f.users->rows().size() == 1);
}

// -- dead letters and rejections
// ------------------------------------------------

TEST_CASE("an undecodable record without a request ID is only dead-lettered") {
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
  CHECK(f.sink.dead_lettered.value() == 1);
  CHECK(f.sink.rejected.value() == 0);
  CHECK(f.sink.dead_letters.value() == 1);
}

TEST_CASE("an undecodable record naming a request ID is dead-lettered and "
          "rejected, and commits only after both are acknowledged") {
  worker_fixture f;
  auto rec = garbage_with_id(3, 20, 7);
  auto why = decode_request(rec.message);
  REQUIRE_FALSE(why);
  f.source->queue({rec});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  auto& dead = f.publisher->published[0].record;
  CHECK(dead.topic == "requests.dlq");
  CHECK(dead.message.header_value("dlqSourceOffset") == "20");
  CHECK(f.publisher->published[1].record.topic == "outcomes");
  auto answer = f.outcome_at(1);
  REQUIRE(std::holds_alternative<user_rejected>(answer));
  auto& rejected = std::get<user_rejected>(answer);
  CHECK(rejected.request == numbered_request_id(7));
  CHECK(rejected.reason == error_code::malformed_record);
  CHECK(rejected.detail == detail_of(why.error()));
  CHECK(f.publisher->published[1].record.message.header_value("eventType")
        == "UserRejected");
  // One of two acknowledged: the offset must wait for the other.
  f.publisher->ack(0);
  f.run_steps(steps);
  CHECK(f.source->marked().empty());
  f.publisher->ack(1);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.source->marked().front() == std::make_pair(3, int64_t{20}));
  CHECK(f.sink.rejected.value() == 1);
  CHECK(f.sink.dead_lettered.value() == 0);
  CHECK(f.sink.dead_letters.value() == 1);
}

TEST_CASE("the request ID may come from the value when the header is absent") {
  worker_fixture f;
  auto id = numbered_request_id(8).value;
  // Valid JSON naming the request, but no name and no header.
  f.source->queue(
    {{"requests", 0, 0,
      wire_message{"", R"({"requestUUID":")" + id + R"("})", {}}}});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  auto answer = f.outcome_at(1);
  REQUIRE(std::holds_alternative<user_rejected>(answer));
  CHECK(std::get<user_rejected>(answer).request.value == id);
}

TEST_CASE("a request ID reused for another name is rejected, not "
          "dead-lettered") {
  worker_fixture f;
  f.source->queue(
    {request_record(0, 0, 1, "original"), request_record(0, 1, 1, "impostor")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  CHECK(f.publisher->published[1].record.topic == "outcomes");
  auto answer = f.outcome_at(1);
  REQUIRE(std::holds_alternative<user_rejected>(answer));
  auto& rejected = std::get<user_rejected>(answer);
  CHECK(rejected.request == numbered_request_id(1));
  CHECK(rejected.name == user_name{"impostor"});
  CHECK(rejected.reason == error_code::request_id_conflict);
  CHECK_FALSE(rejected.detail.empty());
  CHECK(f.users->rows().size() == 1);
  f.publisher->ack(0);
  f.publisher->ack(1);
  f.run_steps(steps);
  REQUIRE_FALSE(f.source->marked().empty());
  CHECK(f.source->marked().back() == std::make_pair(0, int64_t{1}));
  CHECK(f.sink.rejected.value() == 1);
  CHECK(f.sink.dead_letters.value() == 0);
}

TEST_CASE("data the database refuses is dead-lettered and rejected") {
  worker_fixture f;
  f.users->fail_next(method::insert,
                     make_error(error_code::database_rejected,
                                "insert refused (MariaDB error 1406)"));
  f.source->queue({request_record(1, 4, 3, "too-long-for-the-column")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  auto& dead = f.publisher->published[0].record;
  CHECK(dead.topic == "requests.dlq");
  CHECK(dead.message.header_value("dlqError")
        == "insert refused (MariaDB error 1406)");
  auto answer = f.outcome_at(1);
  REQUIRE(std::holds_alternative<user_rejected>(answer));
  CHECK(std::get<user_rejected>(answer).reason
        == error_code::database_rejected);
  CHECK(std::get<user_rejected>(answer).name
        == user_name{"too-long-for-the-column"});
  // Not a retry: the database said no for good.
  CHECK(f.sink.database_retries.value() == 0);
  f.publisher->ack(1);
  f.run_steps(steps);
  CHECK(f.source->marked().empty());
  f.publisher->ack(0);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.source->marked().front() == std::make_pair(1, int64_t{4}));
}

// -- batches: one transaction, outcomes after the commit ----------------------

TEST_CASE("a batch is decided in one transaction and published after its "
          "commit") {
  worker_fixture f;
  f.source->queue({request_record(0, 1, 1, "ann"), request_record(0, 2, 2, "bo"),
                   request_record(1, 7, 3, "ann")});
  f.run_steps(steps);
  CHECK(f.users->calls(method::begin) == 1);
  CHECK(f.users->calls(method::commit) == 1);
  CHECK_FALSE(f.users->in_transaction());
  REQUIRE(f.publisher->published.size() == 3);
  CHECK(std::holds_alternative<user_created>(f.outcome_at(0)));
  CHECK(std::holds_alternative<user_created>(f.outcome_at(1)));
  // The first request for a name in offset order wins, within a batch too.
  CHECK(std::holds_alternative<user_duplicated>(f.outcome_at(2)));
  CHECK(f.users->rows().size() == 2);
  CHECK(f.users->duplicates().size() == 1);
}

TEST_CASE("a lone record commits on its own, without a transaction") {
  worker_fixture f;
  f.source->queue({request_record(0, 1, 1, "solo")});
  f.run_steps(steps);
  CHECK(f.users->calls(method::begin) == 0);
  REQUIRE(f.publisher->published.size() == 1);
  CHECK(f.users->rows().size() == 1);
}

TEST_CASE("a failed commit publishes nothing and redoes the whole batch "
          "after the backoff") {
  worker_fixture f;
  f.users->fail_next(method::commit,
                     make_error(error_code::database_unavailable, "gone"));
  f.source->queue(
    {request_record(0, 1, 1, "first"), request_record(0, 2, 2, "second")});
  f.run_steps(steps);
  CHECK(f.publisher->published.empty());
  CHECK(f.users->rows().empty());
  CHECK(f.users->rollbacks() == 1);
  f.sched.advance_time(min_backoff);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  CHECK(request_of(f.outcome_at(0)) == numbered_request_id(1));
  CHECK(request_of(f.outcome_at(1)) == numbered_request_id(2));
  CHECK(f.users->rows().size() == 2);
  CHECK(f.sink.database_retries.value() == 1);
}

TEST_CASE("a failed batch insert rolls the batch back and redoes it") {
  worker_fixture f;
  f.users->fail_next(method::insert_all,
                     make_error(error_code::database_unavailable, "lock wait"));
  f.source->queue(
    {request_record(0, 1, 1, "kept"), request_record(0, 2, 2, "failed")});
  f.run_steps(steps);
  CHECK(f.publisher->published.empty());
  CHECK(f.users->rows().empty());
  f.sched.advance_time(min_backoff);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  CHECK(f.users->rows().size() == 2);
  f.publisher->ack(0);
  f.publisher->ack(1);
  f.run_steps(steps);
  REQUIRE_FALSE(f.source->marked().empty());
  CHECK(f.source->marked().back() == std::make_pair(0, int64_t{2}));
}

TEST_CASE("names equal only under the collation in one batch: the batch "
          "insert meets the key and the batch is decided again row by row") {
  worker_fixture f;
  f.source->queue({request_record(0, 1, 1, "ann"), request_record(0, 2, 2, "ANN"),
                   request_record(0, 3, 3, "bo")});
  f.run_steps(steps);
  CHECK(f.users->calls(method::insert_all) == 1);
  CHECK(f.users->rollbacks() == 1);
  REQUIRE(f.publisher->published.size() == 3);
  CHECK(std::holds_alternative<user_created>(f.outcome_at(0)));
  CHECK(std::holds_alternative<user_duplicated>(f.outcome_at(1)));
  CHECK(std::holds_alternative<user_created>(f.outcome_at(2)));
  REQUIRE(f.users->rows().size() == 2);
  // Each created outcome names the row that was stored for it.
  CHECK(std::get<user_created>(f.outcome_at(0)).user
        == f.users->rows()[0].user);
  CHECK(std::get<user_created>(f.outcome_at(2)).user
        == f.users->rows()[1].user);
  // No retry wait: the second pass runs at once.
  CHECK(f.sink.database_retries.value() == 0);
}

TEST_CASE("a record the database refuses voids only its own work: the batch "
          "is redone one by one") {
  worker_fixture f;
  f.users->refuse_name("refused", make_error(error_code::database_rejected,
                                             "insert failed (errno 1406)"));
  f.source->queue({request_record(0, 1, 1, "before"),
                   request_record(0, 2, 2, "refused"),
                   request_record(0, 3, 3, "after")});
  f.run_steps(steps);
  CHECK(f.users->rollbacks() == 1);
  CHECK(f.users->rows().size() == 2);
  // before, the dead letter and rejection of "refused", after.
  REQUIRE(f.publisher->published.size() == 4);
  CHECK(std::holds_alternative<user_created>(f.outcome_at(0)));
  CHECK(f.publisher->published[1].record.topic == "requests.dlq");
  REQUIRE(std::holds_alternative<user_rejected>(f.outcome_at(2)));
  CHECK(std::get<user_rejected>(f.outcome_at(2)).reason
        == error_code::database_rejected);
  CHECK(std::holds_alternative<user_created>(f.outcome_at(3)));
  CHECK(f.sink.database_retries.value() == 0);
}

TEST_CASE("when one of a record's two publishes fails, both are redone") {
  worker_fixture f;
  f.source->queue({garbage_with_id(0, 9, 4)});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  f.publisher->ack(0);
  f.publisher->fail(1, make_error(error_code::publish_failed, "timed out"));
  f.run_steps(steps);
  CHECK(f.source->marked().empty());
  CHECK(f.publisher->published.size() == 2);
  f.sched.advance_time(min_backoff);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 4);
  CHECK(f.publisher->published[2].record.topic == "requests.dlq");
  CHECK(f.publisher->published[3].record.topic == "outcomes");
  f.publisher->ack(2);
  f.publisher->ack(3);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.source->marked().front() == std::make_pair(0, int64_t{9}));
  CHECK(f.sink.publish_retries.value() == 1);
  CHECK(f.sink.rejected.value() == 1);
}

// -- retries
// --------------------------------------------------------------------

TEST_CASE("backoff waits double up to the cap, jittered over the upper half") {
  std::deque<double> draws;
  retry_backoff b{100ms, 400ms, [&draws] {
                    auto x = draws.front();
                    draws.pop_front();
                    return x;
                  }};
  SECTION("ceilings 100, 200, 400, 400 ms; the draw picks within [c/2, c]") {
    draws = {0.0, 0.5, 1.0, 0.25};
    CHECK(b.next() == caf::timespan{50ms});
    CHECK(b.next() == caf::timespan{150ms});
    CHECK(b.next() == caf::timespan{400ms});
    CHECK(b.next() == caf::timespan{250ms});
    CHECK(b.attempts() == 4);
    b.reset();
    CHECK(b.ceiling() == caf::timespan{100ms});
  }
  SECTION("draws outside [0, 1] stay inside the bounds") {
    draws = {-3.0, 7.0};
    CHECK(b.next() == caf::timespan{50ms});
    CHECK(b.next() == caf::timespan{200ms});
  }
  SECTION("every wait lies in [min/2, max] however long the outage") {
    draws.assign(200, 0.0);
    for (int i = 0; i < 100; ++i)
      draws[2 * i + 1] = 0.999;
    for (int i = 0; i < 200; ++i) {
      auto wait = b.next();
      CHECK(wait >= caf::timespan{50ms});
      CHECK(wait <= caf::timespan{400ms});
    }
    CHECK(b.ceiling() == caf::timespan{400ms});
  }
}

TEST_CASE("a random backoff source stays within the bounds") {
  retry_backoff b{10ms, 80ms, make_random_fraction()};
  for (int i = 0; i < 1000; ++i) {
    auto cap = b.ceiling();
    auto wait = b.next();
    CHECK(wait >= cap / 2);
    CHECK(wait <= cap);
  }
}

TEST_CASE("a database outage is retried with backoff and never skipped") {
  worker_fixture f;
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
  CHECK(f.sink.database_retries.value() == 1);
}

TEST_CASE("repeated database failures wait the jittered, growing backoff and "
          "keep the held record first") {
  // Ceilings 100, 200, 400, 400 ms; draws 0, 0.5, 1, 0.25.
  worker_fixture f{test_settings(), {0.0, 0.5, 1.0, 0.25}};
  // Two records: the batch's one lookup is the first call to fail.
  auto down = [&] {
    f.users->fail_next(method::look_up,
                       make_error(error_code::database_unavailable, "down"));
  };
  down();
  f.source->queue(
    {request_record(0, 1, 1, "held"), request_record(0, 2, 2, "behind")});
  f.run_steps(steps);
  size_t attempts = 1;
  for (auto wait : {50ms, 150ms, 400ms, 250ms}) {
    REQUIRE(f.users->calls(method::look_up) == attempts);
    down();
    f.sched.advance_time(wait - 1ms);
    f.run_steps(steps);
    // No attempt before the wait is over: no busy loop.
    CHECK(f.users->calls(method::look_up) == attempts);
    f.sched.advance_time(1ms);
    f.run_steps(steps);
    ++attempts;
    CHECK(f.publisher->published.empty());
  }
  // The last failure was injected above; recovery after its 400 ms wait
  // (the ceiling, since the draws ran out).
  f.sched.advance_time(400ms);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  CHECK(request_of(f.outcome_at(0)) == numbered_request_id(1));
  CHECK(request_of(f.outcome_at(1)) == numbered_request_id(2));
  CHECK(f.sink.database_retries.value() == 5);
}

TEST_CASE("the consumer is polled while backing off; what arrives queues "
          "behind the held record") {
  auto cfg = test_settings();
  cfg.min_backoff = 3s;
  cfg.max_backoff = 10s;
  cfg.keepalive_interval = 1s;
  worker_fixture f{cfg};
  f.users->fail_next(method::find_by_name,
                     make_error(error_code::database_unavailable, "down"));
  f.source->queue({request_record(0, 1, 1, "held")});
  f.run_steps(steps);
  auto polls = f.source->polls;
  CHECK(f.users->calls(method::find_by_name) == 1);
  f.source->queue({request_record(0, 2, 2, "arrived-meanwhile")});
  for (int second = 1; second <= 2; ++second) {
    f.sched.advance_time(1s);
    f.run_steps(steps);
    // Polled once per keep-alive interval, without touching the database.
    CHECK(f.source->polls == polls + second);
    CHECK(f.users->calls(method::find_by_name) == 1);
    CHECK(f.publisher->published.empty());
  }
  f.sched.advance_time(1s);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  CHECK(request_of(f.outcome_at(0)) == numbered_request_id(1));
  CHECK(request_of(f.outcome_at(1)) == numbered_request_id(2));
  // Both polls that returned records counted, one record each.
  CHECK(f.sink.batch_size.count() == 2);
}

TEST_CASE("a rebalance during the backoff drops the held record") {
  auto cfg = test_settings();
  cfg.min_backoff = 3s;
  cfg.max_backoff = 10s;
  worker_fixture f{cfg};
  f.users->fail_next(method::look_up,
                     make_error(error_code::database_unavailable, "down"));
  f.source->queue(
    {request_record(5, 1, 1, "moving"), request_record(6, 1, 2, "staying")});
  f.run_steps(steps);
  f.source->revoke("requests", 5);
  f.sched.advance_time(3s);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  CHECK(request_of(f.outcome_at(0)) == numbered_request_id(2));
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
  // Idempotent: the redelivered outcome names the stored user again.
  CHECK(std::get<user_created>(f.outcome_at(0))
        == std::get<user_created>(f.outcome_at(1)));
  CHECK(f.users->rows().size() == 1);
  f.publisher->ack(1);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.sink.publish_retries.value() == 1);
}

TEST_CASE("failed deliveries of several records retry them in offset order") {
  worker_fixture f;
  f.source->queue({request_record(0, 1, 1, "one"),
                   request_record(0, 2, 2, "two"),
                   request_record(0, 3, 3, "three")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 3);
  f.publisher->fail(1, make_error(error_code::publish_failed, "lost"));
  f.publisher->fail(0, make_error(error_code::publish_failed, "lost"));
  f.publisher->ack(2);
  f.run_steps(steps);
  f.sched.advance_time(min_backoff);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 5);
  CHECK(request_of(f.outcome_at(3)) == numbered_request_id(1));
  CHECK(request_of(f.outcome_at(4)) == numbered_request_id(2));
  f.publisher->ack(3);
  f.publisher->ack(4);
  f.run_steps(steps);
  REQUIRE_FALSE(f.source->marked().empty());
  CHECK(f.source->marked().back() == std::make_pair(0, int64_t{3}));
}

TEST_CASE("a publish the producer refuses at once backs off, then retries "
          "in order") {
  auto pub = std::make_shared<refusing_publisher>();
  pub->refuse = 1;
  worker_fixture f{test_settings(), {}, pub};
  f.source->queue(
    {request_record(0, 1, 1, "refused"), request_record(0, 2, 2, "behind")});
  f.run_steps(steps);
  // Stopped at the refusal: the record behind was decided in the same
  // transaction but not published.
  CHECK(pub->inner.published.empty());
  CHECK(f.users->calls(method::look_up) == 1);
  CHECK(f.users->rows().size() == 2);
  f.sched.advance_time(min_backoff - 1ns);
  f.run_steps(steps);
  CHECK(pub->inner.published.empty());
  f.sched.advance_time(1ns);
  f.run_steps(steps);
  REQUIRE(pub->inner.published.size() == 2);
  auto first = decode_outcome(pub->inner.published[0].record.message);
  REQUIRE(first);
  CHECK(request_of(*first) == numbered_request_id(1));
  pub->inner.ack(0);
  pub->inner.ack(1);
  f.run_steps(steps);
  REQUIRE_FALSE(f.source->marked().empty());
  CHECK(f.source->marked().back() == std::make_pair(0, int64_t{2}));
  CHECK(f.sink.publish_retries.value() == 1);
}

// -- shutdown and rebalances
// ------------------------------------------------------

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

TEST_CASE("a graceful stop during a backoff abandons the held record "
          "uncommitted") {
  worker_fixture f;
  f.users->fail_next(method::find_by_name,
                     make_error(error_code::database_unavailable, "down"));
  f.source->queue({request_record(3, 50, 1, "held")});
  f.run_steps(steps);
  caf::anon_send_exit(f.handle, caf::exit_reason::user_shutdown);
  f.run_steps(steps);
  CHECK(f.publisher->published.empty());
  CHECK(f.source->marked().empty());
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

TEST_CASE("a late report from before a revocation does not commit the "
          "redelivered copy") {
  worker_fixture f;
  f.source->queue({request_record(4, 5, 1, "bouncing")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  f.source->revoke("requests", 4);
  f.source->queue({request_record(4, 5, 1, "bouncing")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  // The first copy's acknowledgement belongs to the earlier ownership.
  f.publisher->ack(0);
  f.run_steps(steps);
  CHECK(f.source->marked().empty());
  f.publisher->ack(1);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.source->marked().front() == std::make_pair(4, int64_t{5}));
}

// -- metrics
// ------------------------------------------------------------------------

TEST_CASE("the worker's metrics count outcomes, retries, dead letters and "
          "batches") {
  worker_fixture f;
  // Every series exists from the start.
  CHECK(f.renders(R"(semiasync_worker_records_total{outcome="created"} 0)"));
  CHECK(f.renders(R"(semiasync_worker_retries_total{cause="publish"} 0)"));
  CHECK(f.renders("semiasync_worker_dead_letters_total 0"));
  f.users->fail_next(method::find_by_name,
                     make_error(error_code::database_unavailable, "down"));
  f.source->queue({request_record(0, 1, 1, "alice"),
                   request_record(0, 2, 2, "ALICE"),
                   request_record(0, 3, 1, "not-alice"), garbage_record(0, 4),
                   garbage_with_id(0, 5, 9)});
  f.run_steps(steps);
  f.sched.advance_time(min_backoff);
  f.run_steps(steps);
  // created, duplicated, rejected, dead letter, dead letter + rejected.
  REQUIRE(f.publisher->published.size() == 6);
  f.publisher->fail(0, make_error(error_code::publish_failed, "lost"));
  for (size_t i = 1; i < 6; ++i)
    f.publisher->ack(i);
  f.run_steps(steps);
  f.sched.advance_time(min_backoff);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 7);
  f.publisher->ack(6);
  f.run_steps(steps);
  CHECK(f.sink.created.value() == 1);
  CHECK(f.sink.duplicated.value() == 1);
  CHECK(f.sink.rejected.value() == 2);
  CHECK(f.sink.dead_lettered.value() == 1);
  CHECK(f.sink.dead_letters.value() == 2);
  CHECK(f.sink.database_retries.value() == 1);
  CHECK(f.sink.publish_retries.value() == 1);
  CHECK(f.sink.batch_size.count() == 1);
  CHECK(f.sink.batch_size.sum() == 5);
  CHECK(f.renders(R"(semiasync_worker_records_total{outcome="rejected"} 2)"));
  CHECK(f.renders(R"(semiasync_worker_retries_total{cause="database"} 1)"));
  CHECK(f.renders("semiasync_worker_dead_letters_total 2"));
  CHECK(f.renders(R"(semiasync_worker_batch_size_bucket{le="5"} 1)"));
  CHECK(f.renders(R"(semiasync_worker_batch_size_bucket{le="2"} 0)"));
  REQUIRE_FALSE(f.source->marked().empty());
  CHECK(f.source->marked().back() == std::make_pair(0, int64_t{5}));
}

TEST_CASE("the consumer lag gauge reads the source at scrape time, weakly") {
  metrics::registry reg;
  auto source = std::make_shared<fake_record_source>();
  add_consumer_lag(reg, source);
  source->lag_value = 42;
  CHECK(reg.render().find("\nsemiasync_worker_consumer_lag 42\n")
        != std::string::npos);
  source->lag_value = 7;
  CHECK(reg.render().find("\nsemiasync_worker_consumer_lag 7\n")
        != std::string::npos);
  // The gauge does not keep the consumer alive.
  std::weak_ptr<fake_record_source> watch = source;
  source.reset();
  CHECK(watch.expired());
  CHECK(reg.render().find("\nsemiasync_worker_consumer_lag 0\n")
        != std::string::npos);
}

// -- a publisher that fails for good ------------------------------------------

TEST_CASE("a publisher that fails for good stops the worker with its reason, "
          "without retrying or committing") {
  worker_fixture f;
  caf::scoped_actor self{f.sys};
  self->monitor(f.handle);
  f.source->queue({request_record(0, 10, 1, "alice")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  auto fatal = make_error(error_code::publish_failed,
                          "Kafka producer failed for good: test");
  // As librdkafka does: the record in flight fails, then the fatal error.
  f.publisher->fail(0, fatal);
  f.publisher->fail_for_good(fatal);
  f.run_steps(steps);
  f.sched.advance_time(max_backoff);
  f.run_steps(steps);
  auto reason = down_reason(self);
  REQUIRE(reason);
  CHECK(code_of(*reason) == error_code::publish_failed);
  CHECK(detail_of(*reason) == detail_of(fatal));
  // The graceful way out (its consumer closes after it, leaving the group),
  // and nothing retried: the partition's next owner redoes the record.
  CHECK(f.publisher->flushes == 1);
  CHECK(f.publisher->published.size() == 1);
  CHECK(f.source->marked().empty());
}
