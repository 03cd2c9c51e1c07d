// The deposit handler on the unchanged worker engine (CAF's deterministic
// scheduler, fake Kafka, fake tables), fed the records a configured route
// publishes (kafka/route_codec): the answer goes to the partition the request
// names, a transient database failure is retried after the back-off, and a
// record commits only once its outcome is acknowledged.

#include "actors/worker_engine.hpp"
#include "domain/error.hpp"
#include "kafka/route_codec.hpp"

#include <caf/send.hpp>

#include <algorithm>
#include <catch2/catch.hpp>

#include "examples/deposits/deposit_handler.hpp"
#include "tests/actors/actor_fixture.hpp"
#include "tests/actors/fake_kafka.hpp"
#include "tests/examples/deposits/fake_deposit_repository.hpp"
#include "tests/support/ids.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;

namespace {

constexpr auto min_backoff = 100ms;

/// Enough steps for the worker to handle one poll's worth of work.
constexpr size_t steps = 4;

struct deposit_worker_fixture : actor_fixture {
  deposit_worker_fixture() {
    publisher->counts = [](std::chrono::milliseconds) {
      return 6;
    };
    worker_dependencies deps{
      source, publisher, std::make_shared<deposits::deposit_handler>(repo), [] {
        return 1.0;
      }};
    handle
      = sys.spawn(worker_engine, deps, worker_metrics::register_in(registry),
                  worker_settings{"deposit_outcomes", "deposit_requested.dlq",
                                  100ms, min_backoff, 400ms, 16});
  }

  ~deposit_worker_fixture() {
    caf::anon_send_exit(handle, caf::exit_reason::kill);
    sched.run(steps);
  }

  std::shared_ptr<fake_record_source> source
    = std::make_shared<fake_record_source>();
  std::shared_ptr<fake_publisher> publisher
    = std::make_shared<fake_publisher>();
  std::shared_ptr<fake_deposit_repository> repo
    = std::make_shared<fake_deposit_repository>();
  metrics::registry registry;
  poller_actor handle;
};

/// The record the deposit route publishes for request `n`, asking for its
/// outcome on partition 3.
kafka::record route_record(int64_t offset, int n, const std::string& body) {
  return {"deposit_requested", 1, offset,
          encode_route_request(config::reply_protocol::semiasync,
                               numbered_request_id(n), "acc-1", body,
                               "deposit_outcomes", 3)};
}

} // namespace

TEST_CASE("a route's deposit is retried after a transient database failure, "
          "answered on the requested partition, and committed once acked") {
  deposit_worker_fixture f;
  f.repo->fail_next(fake_deposit_repository::method::lock_account,
                    make_error(error_code::database_unavailable, "down"));
  f.source->queue({route_record(
    7, 1, R"({"accountId":"acc-1","depositId":"d-1","amount":250})")});
  f.run_steps(steps);
  CHECK(f.publisher->published.empty());
  f.sched.advance_time(min_backoff);
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 1);
  auto& out = f.publisher->published[0].record;
  CHECK(out.topic == "deposit_outcomes");
  CHECK(out.partition == 3);
  auto reply = decode_route_reply(config::reply_protocol::semiasync,
                                  out.message, "eventType");
  REQUIRE(reply);
  CHECK(reply->request == numbered_request_id(1));
  CHECK(reply->event_type == "DepositAccepted");
  CHECK(f.repo->data.balances["acc-1"] == 250);
  CHECK(f.source->marked().empty());
  f.publisher->ack(0);
  f.run_steps(steps);
  REQUIRE(f.source->marked().size() == 1);
  CHECK(f.source->marked().front() == std::make_pair(1, int64_t{7}));
}

TEST_CASE("an invalid deposit goes to the dead-letter topic and is answered") {
  deposit_worker_fixture f;
  f.source->queue({route_record(3, 2, R"({"accountId":"acc-1"})")});
  f.run_steps(steps);
  REQUIRE(f.publisher->published.size() == 2);
  std::vector<std::string> topics{f.publisher->published[0].record.topic,
                                  f.publisher->published[1].record.topic};
  std::sort(topics.begin(), topics.end());
  CHECK(
    topics
    == std::vector<std::string>{"deposit_outcomes", "deposit_requested.dlq"});
  f.publisher->ack(0);
  f.publisher->ack(1);
  f.run_steps(steps);
  CHECK(f.source->marked().size() == 1);
}
