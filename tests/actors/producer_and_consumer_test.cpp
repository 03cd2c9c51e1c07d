// The long-lived Kafka actors with fake clients: the producer answers from
// delivery reports, the outcome consumer feeds the registry.

#include "actors/outcome_consumer.hpp"
#include "actors/producer.hpp"
#include "actors/registry.hpp"
#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"

#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/fake_kafka.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;

namespace {

/// What a response handle brought back: nothing on success, when the
/// receipt goes to `receipt` if given.
template <class Handle>
caf::error answer_of(Handle& handle, publish_receipt* receipt = nullptr) {
  caf::error err = make_error(error_code::broker_unavailable, "no answer");
  handle.receive(
    [&](publish_receipt& x) {
      err = caf::error{};
      if (receipt) *receipt = x;
    },
    [&](caf::error& x) {
      err = std::move(x);
    });
  return err;
}

/// A producer on `client`, monitored by `self`. It is killed when the test
/// case ends, also when a check fails, or the system's shutdown waits on it.
struct monitored_producer {
  monitored_producer(actor_fixture& f, std::shared_ptr<fake_publisher> client)
    : fixture(f),
      handle(f.sys.spawn(producer, std::move(client))),
      self(f.sys) {
    self->monitor(handle);
  }

  ~monitored_producer() {
    caf::anon_send_exit(handle, caf::exit_reason::kill);
    fixture.sched.run();
  }

  monitored_producer(const monitored_producer&) = delete;
  monitored_producer& operator=(const monitored_producer&) = delete;

  /// The system the producer runs in.
  actor_fixture& fixture;

  /// The producer.
  producer_actor handle;

  /// The test's own actor, which gets the producer's down message.
  caf::scoped_actor self;
};

} // namespace

TEST_CASE("the producer answers only once the broker acknowledged") {
  actor_fixture f;
  auto client = std::make_shared<fake_publisher>();
  auto handle = f.sys.spawn(producer, client);
  caf::scoped_actor self{f.sys};
  auto answer = self->request(handle, caf::infinite, publish_atom::value,
                              kafka::outgoing_record{"t", {"k", "v", {}}});
  f.sched.run();
  REQUIRE(client->published.size() == 1);
  CHECK(client->published[0].record.message.key == "k");
  // No answer yet: the delivery report has not arrived.
  CHECK(self->mailbox().empty());

  SECTION("acknowledged") {
    client->ack(0);
    f.sched.run();
    publish_receipt receipt;
    CHECK_FALSE(answer_of(answer, &receipt));
    // Where the delivery report said the record landed.
    CHECK(receipt.partition == 0);
    CHECK(receipt.offset == 0);
  }
  SECTION("failed") {
    client->fail(0, make_error(error_code::publish_failed, "timed out"));
    f.sched.run();
    CHECK(code_of(answer_of(answer)) == error_code::publish_failed);
  }
  caf::anon_send_exit(handle, caf::exit_reason::kill);
  f.sched.run();
}

TEST_CASE("a client that fails for good stops the producer with its reason") {
  actor_fixture f;
  auto client = std::make_shared<fake_publisher>();
  monitored_producer p{f, client};
  auto& self = p.self;
  auto answer = self->request(p.handle, caf::infinite, publish_atom::value,
                              kafka::outgoing_record{"t", {"k", "v", {}}});
  f.sched.run();
  REQUIRE(client->published.size() == 1);
  auto fatal = make_error(error_code::publish_failed,
                          "Kafka producer failed for good: test");
  // No delivery report comes for the waiting record (the test holds it).
  client->fail_for_good(fatal);
  f.sched.run();
  // The record may be on the broker: its requester must not be told to
  // simply retry, nor be left waiting.
  REQUIRE_FALSE(self->mailbox().empty());
  CHECK(code_of(answer_of(answer)) == error_code::publish_uncertain);
  auto reason = down_reason(self);
  REQUIRE(reason);
  CHECK(code_of(*reason) == error_code::publish_failed);
  CHECK(detail_of(*reason) == detail_of(fatal));
}

TEST_CASE("a producer spawned after its client failed for good stops at once") {
  actor_fixture f;
  auto client = std::make_shared<fake_publisher>();
  auto fatal = make_error(error_code::publish_failed,
                          "Kafka producer failed for good: test");
  client->fail_for_good(fatal);
  monitored_producer p{f, client};
  f.sched.run();
  auto reason = down_reason(p.self);
  REQUIRE(reason);
  CHECK(detail_of(*reason) == detail_of(fatal));
}

TEST_CASE("the outcome consumer hands decoded outcomes to the registry") {
  actor_fixture f;
  auto source = std::make_shared<fake_record_source>();
  metrics::registry metrics;
  auto counters = request_metrics::bind(metrics);
  auto reg = f.sys.spawn(registry, registry_settings{counters});
  request_id id{"00000000-0000-4000-8000-000000000001"};
  outcome created = user_created{
    id, user_uuid{"00000000-0000-4000-8000-0000000000aa"}, user_name{"bob"}};
  source->queue({{"user", 0, 1, encode_outcome(created)},
                 {"user", 0, 2, wire_message{"", "garbage", {}}}});
  auto consumer = f.sys.spawn(outcome_consumer, source, reg,
                              outcome_consumer_settings{10ms});
  // The consumer loops by messaging itself: step a bounded number of jobs.
  f.run_steps(6);
  CHECK(source->polls >= 1);
  // Stop the loop first: asking the registry runs the scheduler until idle.
  caf::anon_send_exit(consumer, caf::exit_reason::kill);
  f.run_steps(6);
  auto stats = f.ask<registry_stats>(reg, stats_atom::value);
  // Nobody waited for the outcome, so the registry dropped it; the garbage
  // record never reached the registry.
  CHECK(stats.dropped == 1);
  CHECK(stats.routed == 0);
  caf::anon_send_exit(reg, caf::exit_reason::kill);
  f.run_steps(6);
}
