// Reply steering on CAF's deterministic scheduler with fake Kafka: which
// partitions a steered server owns, the worker honouring (or refusing) a
// request's replyPartition header, and the outcome consumer's read counter
// and partition checks.

#include "actors/create_user_handler.hpp"
#include "actors/outcome_consumer.hpp"
#include "actors/registry.hpp"
#include "actors/reply_route.hpp"
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

constexpr size_t steps = 4;

/// A request for `name` (request ID `n`) whose replyPartition header is
/// `reply`, when given.
kafka::record request_with_reply(int64_t offset, int n, const std::string& name,
                                 std::optional<std::string> reply) {
  kafka::record rec{"requests", 0, offset,
                    encode_request({numbered_request_id(n), user_name{name}})};
  if (reply) rec.message.headers.push_back({"replyPartition", *reply});
  return rec;
}

/// Answers every partition-count question with `n`.
auto always(int32_t n) {
  return [n](std::chrono::milliseconds) -> caf::expected<int32_t> {
    return n;
  };
}

struct steering_fixture : actor_fixture {
  steering_fixture()
    : source(std::make_shared<fake_record_source>()),
      publisher(std::make_shared<fake_publisher>()),
      users(std::make_shared<fake_user_repository>()),
      sink(worker_metrics::register_in(registry)) {
    // nop
  }

  void start() {
    worker_dependencies deps{source, publisher,
                             std::make_shared<create_user_handler>(
                               users, std::make_shared<fake_uuid_source>()),
                             [] {
                               return 1.0;
                             }};
    handle = sys.spawn(
      worker_engine, deps, sink,
      worker_settings{"outcomes", "requests.dlq", 100ms, 100ms, 400ms, 16});
  }

  ~steering_fixture() {
    caf::anon_send_exit(handle, caf::exit_reason::kill);
    sched.run(steps);
  }

  /// The `i`th published record.
  const kafka::outgoing_record& published(size_t i) {
    return publisher->published.at(i).record;
  }

  std::shared_ptr<fake_record_source> source;
  std::shared_ptr<fake_publisher> publisher;
  std::shared_ptr<fake_user_repository> users;
  metrics::registry registry;
  worker_metrics sink;
  poller_actor handle;
};

} // namespace

// -- ownership ----------------------------------------------------------------

TEST_CASE("a steered instance owns the configured partitions, or one derived "
          "from its ID") {
  SECTION("configured partitions are used as given when the topic has them") {
    auto owned = owned_reply_partitions({0, 3, 6}, "any", 12);
    REQUIRE(owned);
    CHECK(*owned == std::vector<int32_t>{0, 3, 6});
    CHECK_FALSE(owned_reply_partitions({12}, "any", 12));
  }
  SECTION("a derived partition is stable and within the topic") {
    auto first = owned_reply_partitions({}, "server-a", 12);
    auto again = owned_reply_partitions({}, "server-a", 12);
    REQUIRE(first);
    REQUIRE(again);
    REQUIRE(first->size() == 1);
    CHECK(*first == *again);
    CHECK(first->front() >= 0);
    CHECK(first->front() < 12);
    CHECK(first->front() == static_cast<int32_t>(stable_hash("server-a") % 12));
  }
  SECTION("FNV-1a is the documented hash, the same on every machine") {
    CHECK(stable_hash("") == 14695981039346656037ull);
    CHECK(stable_hash("a") == 0xaf63dc4c8601ec8cull);
  }
  SECTION("a topic without partitions owns nothing") {
    CHECK_FALSE(owned_reply_partitions({}, "x", 0));
  }
}

TEST_CASE("a reply route hands out its partitions in turn") {
  reply_route route{{2, 5, 8}};
  CHECK(route.next() == 2);
  CHECK(route.next() == 5);
  CHECK(route.next() == 8);
  CHECK(route.next() == 2);
}

// -- the worker honours the header --------------------------------------------

TEST_CASE("the worker publishes a steered outcome to exactly the named "
          "partition, keeping topic, key and headers") {
  steering_fixture f;
  f.publisher->counts = always(12);
  f.start();
  f.source->queue({request_with_reply(0, 1, "steered", "7")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  auto& out = f.published(0);
  CHECK(out.topic == "outcomes");
  CHECK(out.partition == 7);
  CHECK(out.message.key == "steered");
  CHECK(out.message.header_value("eventType") == "UserCreated");
  CHECK_FALSE(out.message.header_value("replyPartition"));
  f.publisher->ack(0);
  f.run_steps(steps);
  CHECK(f.source->marked().size() == 1);
  CHECK(f.sink.replies_steered.value() == 1);
  CHECK(f.sink.replies_unsteerable.value() == 0);
}

TEST_CASE("reply partitions are looked up outside the handler's database "
          "transaction") {
  steering_fixture f;
  size_t asked_in_transaction = 0;
  f.publisher->counts = [&](std::chrono::milliseconds) {
    if (f.users->in_transaction()) ++asked_in_transaction;
    return caf::expected<int32_t>{12};
  };
  f.start();
  // Three records in one poll: one batch, one transaction.
  f.source->queue({request_with_reply(0, 1, "first", "3"),
                   request_with_reply(1, 2, "second", "4"),
                   request_with_reply(2, 3, "third", "5")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 3);
  CHECK(f.users->calls(fake_user_repository::method::begin) == 1);
  CHECK(f.publisher->count_ages.size() == 3);
  CHECK(asked_in_transaction == 0);
  CHECK(f.published(0).partition == 3);
  CHECK(f.published(2).partition == 5);
}

TEST_CASE("a request without the header (the reference server) is "
          "partitioned by key, without asking for metadata") {
  steering_fixture f;
  f.publisher->counts = always(12);
  f.start();
  f.source->queue({request_with_reply(0, 1, "plain", std::nullopt)});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  CHECK(f.published(0).partition == -1);
  CHECK(f.publisher->count_ages.empty());
  f.publisher->ack(0);
  f.run_steps(steps);
  CHECK(f.sink.replies_steered.value() == 0);
  CHECK(f.sink.replies_unsteerable.value() == 0);
}

TEST_CASE("a header that is not a partition number falls back to the key") {
  auto value
    = GENERATE(as<std::string>{}, "", "abc", "-1", "+3", "1e3", "99999999999");
  steering_fixture f;
  f.publisher->counts = always(12);
  f.start();
  f.source->queue({request_with_reply(0, 1, "odd", value)});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  CHECK(f.published(0).partition == -1);
  f.publisher->ack(0);
  f.run_steps(steps);
  CHECK(f.source->marked().size() == 1);
  CHECK(f.sink.replies_unsteerable.value() == 1);
}

TEST_CASE("a partition beyond the cached count is checked against a fresh "
          "count before falling back") {
  steering_fixture f;
  SECTION("the topic really is smaller: by key") {
    f.publisher->counts = always(4);
    f.start();
    f.source->queue({request_with_reply(0, 1, "beyond", "9")});
    f.run_steps(steps);
    REQUIRE(f.publisher->published.size() == 1);
    CHECK(f.published(0).partition == -1);
    // The cached count first, then one at most a second old.
    REQUIRE(f.publisher->count_ages.size() == 2);
    CHECK(f.publisher->count_ages[0] == 30s);
    CHECK(f.publisher->count_ages[1] == 1s);
  }
  SECTION("the topic grew since the cache: the new partition is honoured") {
    f.publisher->counts = [](std::chrono::milliseconds max_age) {
      return caf::expected<int32_t>{max_age >= 30s ? 4 : 12};
    };
    f.start();
    f.source->queue({request_with_reply(0, 1, "grown", "9")});
    f.run_steps(steps);
    REQUIRE(f.publisher->published.size() == 1);
    CHECK(f.published(0).partition == 9);
  }
}

TEST_CASE("with the count unknown the header is trusted, and a failed steered "
          "delivery rechecks afresh and then falls back, so the record never "
          "sticks") {
  steering_fixture f;
  // Unknown until the broker answers a fresh question (max age 0).
  f.publisher->counts
    = [](std::chrono::milliseconds max_age) -> caf::expected<int32_t> {
    if (max_age > 0ms)
      return make_error(error_code::broker_unavailable, "no metadata yet");
    return 4;
  };
  f.start();
  f.source->queue({request_with_reply(0, 1, "gone", "9")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  CHECK(f.published(0).partition == 9);
  f.publisher->fail(
    0, make_error(error_code::publish_failed, "Local: Unknown partition"));
  f.run_steps(steps);
  f.sched.advance_time(100ms);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  CHECK(f.publisher->count_ages.back() == 0ms);
  CHECK(f.published(1).partition == -1);
  // The same outcome again (idempotent), now by key: it commits.
  CHECK(f.published(1).message.value == f.published(0).message.value);
  f.publisher->ack(1);
  f.run_steps(steps);
  CHECK(f.source->marked().size() == 1);
  CHECK(f.sink.replies_unsteerable.value() == 1);
}

TEST_CASE("a rejection answering a malformed request is steered too, "
          "but not its dead letter") {
  steering_fixture f;
  f.publisher->counts = always(12);
  f.start();
  kafka::record rec{"requests", 0, 0,
                    wire_message{"",
                                 "not json",
                                 {{"requestUUID", numbered_request_id(5).value},
                                  {"replyPartition", "3"}}}};
  f.source->queue({rec});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  CHECK(f.published(0).topic == "requests.dlq");
  CHECK(f.published(0).partition == -1);
  CHECK(f.published(1).topic == "outcomes");
  CHECK(f.published(1).partition == 3);
}

// -- the outcome consumer -----------------------------------------------------

TEST_CASE("the outcome consumer counts every record it reads, ours or not") {
  actor_fixture f;
  auto source = std::make_shared<fake_record_source>();
  metrics::registry metrics;
  auto counters = request_metrics::bind(metrics);
  auto reg = f.sys.spawn(registry, registry_settings{counters});
  auto& read = metrics.get_counter("read", "records read");
  outcome created = user_created{
    numbered_request_id(1), user_uuid{"00000000-0000-4000-8000-0000000000aa"},
    user_name{"bob"}};
  source->queue({{"user", 0, 1, encode_outcome(created)},
                 {"user", 1, 2, wire_message{"", "garbage", {}}}});
  source->queue({{"user", 2, 3, encode_outcome(created)}});
  outcome_consumer_settings cfg;
  cfg.poll_timeout = 10ms;
  cfg.records_read = &read;
  auto consumer = f.sys.spawn(outcome_consumer, source, reg, cfg);
  f.run_steps(8);
  CHECK(read.value() == 3);
  caf::anon_send_exit(consumer, caf::exit_reason::kill);
  f.run_steps(6);
  // The registry saw only the two that decoded, and nobody waited for them.
  auto stats = f.ask<registry_stats>(reg, stats_atom::value);
  CHECK(stats.dropped == 2);
  CHECK(stats.routed == 0);
  caf::anon_send_exit(reg, caf::exit_reason::kill);
  f.run_steps(6);
}

TEST_CASE("the outcome consumer looks for new partitions once per interval, "
          "and never when the interval is zero") {
  actor_fixture f;
  auto source = std::make_shared<fake_record_source>();
  metrics::registry metrics;
  auto counters = request_metrics::bind(metrics);
  auto reg = f.sys.spawn(registry, registry_settings{counters});
  outcome_consumer_settings cfg;
  cfg.poll_timeout = 10ms;
  SECTION("every interval") {
    cfg.partition_check_interval = 5s;
    auto consumer = f.sys.spawn(outcome_consumer, source, reg, cfg);
    f.run_steps(10);
    // Not before the first interval passed: the assignment is fresh.
    CHECK(source->extend_calls == 0);
    source->new_partitions = {12, 13};
    f.sched.advance_time(5s);
    f.run_steps(10);
    CHECK(source->extend_calls == 1);
    f.run_steps(10);
    CHECK(source->extend_calls == 1);
    f.sched.advance_time(5s);
    f.run_steps(10);
    CHECK(source->extend_calls == 2);
    caf::anon_send_exit(consumer, caf::exit_reason::kill);
  }
  SECTION("never") {
    auto consumer = f.sys.spawn(outcome_consumer, source, reg, cfg);
    f.sched.advance_time(60s);
    f.run_steps(10);
    CHECK(source->extend_calls == 0);
    caf::anon_send_exit(consumer, caf::exit_reason::kill);
  }
  f.run_steps(6);
  caf::anon_send_exit(reg, caf::exit_reason::kill);
  f.run_steps(6);
}
