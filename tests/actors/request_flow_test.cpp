// The request actor and the registry together, on CAF's deterministic
// scheduler: registration before publishing, routing, deadlines, publish
// errors and clean-up on every path.

#include "domain/error.hpp"

#include <catch2/catch.hpp>

#include "tests/actors/flow_fixture.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;

namespace {

/// A flow sink that keeps every event, listening or not as the test says.
struct recording_sink : metrics::flow_sink {
  explicit recording_sink(bool on) {
    listeners_ = on ? 1 : 0;
  }

  void emit(const metrics::flow_event& event) override {
    events.push_back(event);
  }

  std::vector<metrics::flow_event> events;
};

} // namespace

TEST_CASE("a request registers before it publishes and then waits") {
  flow_fixture f;
  f.start_request(numbered_request_id(1), "alice");
  // One step: the request actor's start asks the registry first.
  f.sched.run_once();
  CHECK(f.log->records.empty());
  f.sched.run();
  REQUIRE(f.log->records.size() == 1);
  auto& rec = f.log->records.front();
  CHECK(rec.topic == "requests");
  auto decoded = decode_request(rec.message);
  REQUIRE(decoded);
  CHECK(decoded->request == numbered_request_id(1));
  CHECK(decoded->name.value == "alice");
  CHECK(rec.message.key == "alice");
  CHECK(f.stats().waiting == 1);
  CHECK(f.replies.empty());
}

TEST_CASE("outcomes reach the right waiter among many") {
  flow_fixture f;
  for (int i = 1; i <= 3; ++i)
    f.start_request(numbered_request_id(i), "user-" + std::to_string(i));
  f.sched.run();
  REQUIRE(f.stats().waiting == 3);
  f.deliver(created(numbered_request_id(2), "user-2"));
  REQUIRE(f.replies.size() == 1);
  auto& reply = f.replies[numbered_request_id(2).value];
  REQUIRE(reply.size() == 1);
  REQUIRE(reply.front());
  CHECK(std::holds_alternative<user_created>(*reply.front()));
  f.deliver(user_duplicated{numbered_request_id(3), user_name{"user-3"}});
  REQUIRE(f.replies[numbered_request_id(3).value].size() == 1);
  CHECK(std::holds_alternative<user_duplicated>(
    *f.replies[numbered_request_id(3).value][0]));
  auto stats = f.stats();
  CHECK(stats.waiting == 1);
  CHECK(stats.routed == 2);
  CHECK(stats.dropped == 0);
}

TEST_CASE("an outcome nobody waits for is dropped and counted") {
  flow_fixture f;
  f.deliver(created(numbered_request_id(42), "nobody"));
  auto stats = f.stats();
  CHECK(stats.dropped == 1);
  CHECK(stats.routed == 0);
  CHECK(f.replies.empty());
}

TEST_CASE("the deadline fires exactly at the deadline with a timeout") {
  flow_fixture f;
  f.start_request(numbered_request_id(1), "slow");
  f.sched.run();
  f.sched.advance_time(deadline - 1ns);
  f.sched.run();
  CHECK(f.replies.empty());
  CHECK(f.stats().waiting == 1);
  f.sched.advance_time(1ns);
  f.sched.run();
  REQUIRE(f.replies[numbered_request_id(1).value].size() == 1);
  auto& reply = f.replies[numbered_request_id(1).value].front();
  REQUIRE_FALSE(reply);
  CHECK(code_of(reply.error()) == error_code::reply_timeout);
  CHECK(f.stats().waiting == 0);

  SECTION("a late outcome after the timeout changes nothing") {
    f.deliver(created(numbered_request_id(1), "slow"));
    CHECK(f.replies[numbered_request_id(1).value].size() == 1);
    CHECK(f.stats().dropped == 1);
  }
}

TEST_CASE("a deadline is scheduled only once the registry has enrolled "
          "the request") {
  flow_fixture f;
  REQUIRE_FALSE(f.sched.clock().has_pending_timeout());
  auto handle = f.start_request(numbered_request_id(1), "early", true, 0ms);
  // Only the request actor's first step: it asks the registry to enroll it.
  REQUIRE(f.sched.prioritize(handle));
  f.sched.run_once();
  // A deadline scheduled now would, in a real system, fire on the clock's
  // own thread and could reach the registry before the enrollment: found
  // nobody, and the respond-async request would wait forever.
  CHECK_FALSE(f.sched.clock().has_pending_timeout());
  f.sched.run();
  CHECK(f.sched.clock().has_pending_timeout());
  f.sched.advance_time(1ms);
  f.sched.run();
  auto& reply = f.only_reply(numbered_request_id(1));
  REQUIRE_FALSE(reply);
  CHECK(code_of(reply.error()) == error_code::reply_timeout);
  CHECK(f.stats().waiting == 0);
}

TEST_CASE("a publish error answers 503-worthy and deregisters") {
  flow_fixture f;
  f.log->mode = publish_mode::fail;
  f.start_request(numbered_request_id(7), "unlucky");
  f.sched.run();
  REQUIRE(f.replies[numbered_request_id(7).value].size() == 1);
  auto& reply = f.replies[numbered_request_id(7).value].front();
  REQUIRE_FALSE(reply);
  CHECK(code_of(reply.error()) == error_code::publish_failed);
  CHECK(f.stats().waiting == 0);
}

TEST_CASE("a producer that never answers leaves the request to its deadline") {
  flow_fixture f;
  f.log->mode = publish_mode::hold;
  f.start_request(numbered_request_id(8), "held");
  f.sched.run();
  REQUIRE(f.log->held.size() == 1);
  // Past the produce timeout: we cannot know whether the record was
  // written, so there is no "retry" answer, only the deadline's 504.
  f.sched.advance_time(produce_timeout + 1500ms);
  f.sched.run();
  CHECK(f.replies.empty());
  f.sched.advance_time(deadline);
  f.sched.run();
  REQUIRE(f.replies[numbered_request_id(8).value].size() == 1);
  auto& reply = f.replies[numbered_request_id(8).value].front();
  REQUIRE_FALSE(reply);
  CHECK(code_of(reply.error()) == error_code::reply_timeout);
  CHECK(f.stats().waiting == 0);
}

TEST_CASE("a publish that may have been written still waits for its outcome") {
  flow_fixture f;
  f.log->mode = publish_mode::uncertain;
  f.start_request(numbered_request_id(6), "maybe");
  f.sched.run();
  CHECK(f.replies.empty());
  CHECK(f.stats().waiting == 1);
  f.deliver(created(numbered_request_id(6), "maybe"));
  REQUIRE(f.replies[numbered_request_id(6).value].size() == 1);
  REQUIRE(f.replies[numbered_request_id(6).value].front());
}

TEST_CASE("a request actor that dies is forgotten by the registry") {
  flow_fixture f;
  auto doomed = f.start_request(numbered_request_id(9), "doomed");
  f.sched.run();
  REQUIRE(f.stats().waiting == 1);
  caf::anon_send_exit(doomed, caf::exit_reason::kill);
  f.sched.run();
  CHECK(f.stats().waiting == 0);
  // Issue 14, item 8: its client is still answered, once, so the in-flight
  // slot the reply releases is never lost; its record was published, so
  // the answer says it may still complete (504), not "try again" (503).
  auto& reply = f.only_reply(numbered_request_id(9));
  REQUIRE_FALSE(reply);
  CHECK(code_of(reply.error()) == error_code::publish_uncertain);
}

TEST_CASE("a request actor that dies before publishing answers 503") {
  flow_fixture f;
  auto doomed = f.start_request(numbered_request_id(11), "early");
  // Killed before its enrollment is answered: nothing was published.
  caf::anon_send_exit(doomed, caf::exit_reason::kill);
  f.sched.run();
  CHECK(f.log->records.empty());
  auto& reply = f.only_reply(numbered_request_id(11));
  REQUIRE_FALSE(reply);
  CHECK(code_of(reply.error()) == error_code::component_failed);
}

TEST_CASE("a registry that stops hands every waiting request its deadline") {
  flow_fixture f;
  auto id = numbered_request_id(10);
  f.start_request(id, "waits", false, std::chrono::hours{1});
  f.sched.run();
  REQUIRE(f.stats().waiting == 1);
  caf::anon_send_exit(f.registry_handle, caf::exit_reason::user_shutdown);
  f.sched.run();
  // Without it the request would wait for a deadline that nobody keeps,
  // and the actor system's shutdown with it (issue 14, item 8).
  auto& reply = f.only_reply(id);
  REQUIRE_FALSE(reply);
  CHECK(code_of(reply.error()) == error_code::reply_timeout);
}

TEST_CASE("two waiters under one ID both get the outcome") {
  flow_fixture f;
  f.start_request(numbered_request_id(5), "twice");
  f.start_request(numbered_request_id(5), "twice");
  f.sched.run();
  CHECK(f.stats().waiting == 1);
  f.deliver(created(numbered_request_id(5), "twice"));
  CHECK(f.replies[numbered_request_id(5).value].size() == 2);
  CHECK(f.stats().waiting == 0);
}

TEST_CASE("the registry remembers published requests as pending") {
  flow_fixture f;
  f.start_request(numbered_request_id(1), "pending");
  f.sched.run();
  CHECK(f.pending(numbered_request_id(1)));
  CHECK_FALSE(f.pending(numbered_request_id(2)));
  SECTION("until their outcome arrives") {
    f.deliver(created(numbered_request_id(1), "pending"));
    CHECK_FALSE(f.pending(numbered_request_id(1)));
  }
  SECTION("also after the request answered 504") {
    f.sched.advance_time(deadline);
    f.sched.run();
    CHECK(code_of(f.only_reply(numbered_request_id(1)).error())
          == error_code::reply_timeout);
    CHECK(f.pending(numbered_request_id(1)));
    // A late outcome clears it even though nobody waits any more.
    f.deliver(created(numbered_request_id(1), "pending"));
    CHECK_FALSE(f.pending(numbered_request_id(1)));
  }
}

TEST_CASE("an outcome that overtakes the publish acknowledgement leaves "
          "nothing pending") {
  flow_fixture f;
  f.log->mode = publish_mode::hold;
  f.start_request(numbered_request_id(4), "fast");
  f.sched.run();
  REQUIRE(f.log->held.size() == 1);
  // The request actor takes the acknowledgement first, but its "accepted"
  // reaches the registry only after the outcome did.
  caf::anon_send(f.producer_handle, delivered_atom::value, uint64_t{0},
                 caf::error{}, kafka::record_position{});
  f.sched.run_once();
  caf::anon_send(f.registry_handle, outcome_atom::value,
                 outcome{created(numbered_request_id(4), "fast")});
  f.sched.run_once();
  f.sched.run();
  REQUIRE(f.only_reply(numbered_request_id(4)));
  CHECK_FALSE(f.pending(numbered_request_id(4)));
}

TEST_CASE("the order of pending IDs shrinks with the pending set") {
  registry_state st;
  st.max_pending = 100000;
  for (int i = 0; i < 5000; ++i) {
    auto id = numbered_request_id(i);
    st.remember_pending(id);
    // Resolved at once, as under steady traffic.
    if (i % 100 != 0) st.pending.erase(id);
  }
  CHECK(st.pending.size() == 50);
  CHECK(st.pending_order.size() <= 2 * st.pending.size() + 1024);
  // The bound counts requests really pending; the oldest go first.
  st.max_pending = 50;
  st.remember_pending(numbered_request_id(9999));
  CHECK(st.pending.size() == 50);
  CHECK(st.pending.count(numbered_request_id(0)) == 0);
  CHECK(st.pending.count(numbered_request_id(100)) == 1);
  CHECK(st.pending.count(numbered_request_id(9999)) == 1);
}

TEST_CASE("a request that was never published is not pending") {
  flow_fixture f;
  f.log->mode = publish_mode::fail;
  f.start_request(numbered_request_id(3), "failed");
  f.sched.run();
  CHECK_FALSE(f.pending(numbered_request_id(3)));
}

TEST_CASE("the pending set forgets the oldest beyond its bound") {
  flow_fixture f{2};
  for (int i = 1; i <= 3; ++i)
    f.start_request(numbered_request_id(i), "n" + std::to_string(i));
  f.sched.run();
  CHECK_FALSE(f.pending(numbered_request_id(1)));
  CHECK(f.pending(numbered_request_id(2)));
  CHECK(f.pending(numbered_request_id(3)));
}

TEST_CASE("respond-async answers once the broker has the request") {
  flow_fixture f;
  SECTION("without wait: right after the acknowledgement") {
    f.start_request(numbered_request_id(1), "async", true, 0ms);
    f.sched.run();
    f.sched.advance_time(1ms);
    f.sched.run();
    auto& reply = f.only_reply(numbered_request_id(1));
    REQUIRE_FALSE(reply);
    CHECK(code_of(reply.error()) == error_code::reply_timeout);
    CHECK(f.log->records.size() == 1);
    CHECK(f.pending(numbered_request_id(1)));
  }
  SECTION("with wait: an outcome in time is the real answer") {
    f.start_request(numbered_request_id(2), "async", true, 2s);
    f.sched.run();
    CHECK(f.replies.empty());
    f.deliver(created(numbered_request_id(2), "async"));
    CHECK(f.only_reply(numbered_request_id(2)));
  }
  SECTION("a deadline before the acknowledgement waits for it") {
    f.log->mode = publish_mode::hold;
    f.start_request(numbered_request_id(3), "async", true, 0ms);
    f.sched.run();
    f.sched.advance_time(1ms);
    f.sched.run();
    CHECK(f.replies.empty());
    SECTION("and a publish that may have failed is a 504, not a 202") {
      f.sched.advance_time(produce_timeout + 1500ms);
      f.sched.run();
      auto& reply = f.only_reply(numbered_request_id(3));
      REQUIRE_FALSE(reply);
      CHECK(code_of(reply.error()) == error_code::publish_uncertain);
    }
  }
  SECTION("a publish that failed is still a 503") {
    f.log->mode = publish_mode::fail;
    f.start_request(numbered_request_id(4), "async", true, 0ms);
    f.sched.run();
    CHECK(code_of(f.only_reply(numbered_request_id(4)).error())
          == error_code::publish_failed);
  }
}

TEST_CASE("request metrics follow every path") {
  flow_fixture f;
  f.start_request(numbered_request_id(1), "fast");
  f.start_request(numbered_request_id(2), "slow");
  f.sched.run();
  CHECK(f.counters.in_flight.value() == 2);
  CHECK(f.counters.publish_ack.count() == 2);
  f.deliver(created(numbered_request_id(1), "fast"));
  CHECK(f.counters.outcomes_routed.value() == 1);
  CHECK(f.counters.outcome_wait.count() == 1);
  f.sched.advance_time(deadline);
  f.sched.run();
  CHECK(f.counters.deadline_expiries.value() == 1);
  CHECK(f.counters.total.count() == 2);
  CHECK(f.counters.in_flight.value() == 0);
  f.deliver(created(numbered_request_id(2), "slow"));
  CHECK(f.counters.outcomes_dropped.value() == 1);
  f.log->mode = publish_mode::fail;
  f.start_request(numbered_request_id(3), "failing");
  f.sched.run();
  CHECK(f.counters.publish_errors.value() == 1);
  CHECK(f.counters.in_flight.value() == 0);
}

// -- reply steering -----------------------------------------------------------

TEST_CASE("a steered request names its reply partition in an additive "
          "header") {
  flow_fixture f;
  f.reply_partition = 7;
  f.start_request(numbered_request_id(30), "steered");
  f.sched.run();
  REQUIRE(f.log->records.size() == 1);
  auto& msg = f.log->records.front().message;
  CHECK(msg.header_value("replyPartition") == "7");
  // Everything the contract names is unchanged beside it.
  CHECK(msg.key == "steered");
  CHECK(msg.header_value("requestUUID") == numbered_request_id(30).value);
  auto decoded = decode_request(msg);
  REQUIRE(decoded);
  CHECK(decoded->request == numbered_request_id(30));
}

TEST_CASE("a broadcast request carries no reply partition header") {
  flow_fixture f;
  f.start_request(numbered_request_id(31), "broadcast");
  f.sched.run();
  REQUIRE(f.log->records.size() == 1);
  CHECK_FALSE(f.log->records.front().message.header_value("replyPartition"));
}

// Issue 14, item 1: two requests share an Idempotency-Key (so a request ID)
// but carry different names. Each answer must describe its own request.

TEST_CASE("a waiter never accepts an outcome for another name") {
  flow_fixture f;
  auto id = numbered_request_id(21);
  f.start_request(id, "ann");
  f.sched.run();
  // An outcome for the same request ID that names someone else (another
  // instance's request under the same key, as the worker decided it).
  f.deliver(created(id, "bob"));
  CHECK(f.replies[id.value].empty());
  CHECK(f.stats().waiting == 1);
  // Its own outcome still reaches it.
  f.deliver(created(id, "ann"));
  auto& reply = f.only_reply(id);
  REQUIRE(reply);
  CHECK(std::get<user_created>(*reply).name.value == "ann");
}

TEST_CASE("requests sharing an ID with different names wait side by side, "
          "each for its own name's outcome") {
  // The worker decides which name the ID belongs to; refusing the second
  // at once would lie whenever the second is the ID's owner (its retry with
  // the ID's own name would hear "the key belongs to another name").
  flow_fixture f;
  auto id = numbered_request_id(22);
  f.start_request(id, "ann");
  f.sched.run();
  f.start_request(id, "bob");
  f.sched.run();
  CHECK(f.log->records.size() == 2);
  auto& replies = f.replies[id.value];
  CHECK(replies.empty());
  user_rejected refused{id, user_name{"bob"}, error_code::request_id_conflict,
                        "request ID already created another name"};
  f.deliver(refused);
  REQUIRE(replies.size() == 1);
  REQUIRE(replies.front());
  CHECK(std::get_if<user_rejected>(&*replies.front()) != nullptr);
  CHECK(f.stats().waiting == 1);
  f.deliver(created(id, "ann"));
  REQUIRE(replies.size() == 2);
  REQUIRE(replies.back());
  CHECK(std::get<user_created>(*replies.back()).name.value == "ann");
  CHECK(f.stats().waiting == 0);
}

TEST_CASE("a rejection for another name under the same ID reaches only "
          "that name's waiter") {
  flow_fixture f;
  auto id = numbered_request_id(23);
  f.start_request(id, "ann");
  f.sched.run();
  user_rejected refused{id, user_name{"bob"}, error_code::request_id_conflict,
                        "request ID already created another name"};
  f.deliver(refused);
  CHECK(f.replies[id.value].empty());
}

TEST_CASE("a route's request is answered by a reply under its ID, and only "
          "by that") {
  flow_fixture f;
  auto id = numbered_request_id(7);
  f.start_route_request(id);
  f.start_request(numbered_request_id(8), "alice");
  f.sched.run();
  REQUIRE(f.log->records.size() == 2);
  CHECK(f.log->records[0].topic == "orders");
  // A create-user outcome under the route request's ID answers nobody:
  // the route waits for a route reply.
  f.deliver(created(id, "alice"));
  CHECK(f.route_replies.empty());
  CHECK(f.stats().dropped == 1);
  // A route reply under the create-user request's ID answers nobody.
  caf::anon_send(f.registry_handle, outcome_atom::value,
                 route_reply{numbered_request_id(8), "Done", "{}"});
  f.sched.run();
  CHECK(f.replies.empty());
  CHECK(f.stats().dropped == 2);
  caf::anon_send(f.registry_handle, outcome_atom::value,
                 route_reply{id, "OrderPlaced", R"({"orderId":"o-1"})"});
  f.sched.run();
  REQUIRE(f.route_replies[id.value].size() == 1);
  auto& reply = f.route_replies[id.value].front();
  REQUIRE(reply);
  auto& got = std::get<route_reply>(*reply);
  CHECK(got.event_type == "OrderPlaced");
  CHECK(got.value == R"({"orderId":"o-1"})");
  auto stats = f.stats();
  CHECK(stats.routed == 1);
  CHECK(stats.waiting == 1); // alice still waits.
}

TEST_CASE("a route's request without a reply ends with the deadline") {
  flow_fixture f;
  auto id = numbered_request_id(9);
  f.start_route_request(id);
  f.sched.run();
  f.sched.advance_time(deadline);
  f.sched.run();
  REQUIRE(f.route_replies[id.value].size() == 1);
  auto& reply = f.route_replies[id.value].front();
  REQUIRE_FALSE(reply);
  CHECK(code_of(reply.error()) == error_code::reply_timeout);
  CHECK(f.stats().waiting == 0);
}

TEST_CASE("a request reports its stages to a listening flow sink") {
  flow_fixture f;
  recording_sink sink{true};
  f.flow = &sink;
  auto id = numbered_request_id(31);
  f.start_request(id, "flow");
  f.sched.run();
  caf::anon_send(f.registry_handle, outcome_atom::value,
                 outcome{created(id, "flow")},
                 kafka::record_position{2, 40, 1733420000130});
  f.sched.run();
  REQUIRE(f.only_reply(id));
  REQUIRE(sink.events.size() == 3);
  CHECK(sink.events[0].stage == metrics::flow_stage::received);
  CHECK(sink.events[1].stage == metrics::flow_stage::published);
  // The fake producer acknowledges on partition 0, one offset after another.
  CHECK(sink.events[1].partition == 0);
  CHECK(sink.events[1].offset == 0);
  CHECK(sink.events[1].ms.has_value());
  CHECK(sink.events[2].stage == metrics::flow_stage::outcome);
  CHECK(sink.events[2].type == "UserCreated");
  CHECK(sink.events[2].partition == 2);
  CHECK(sink.events[2].offset == 40);
  CHECK(sink.events[2].decided_at_ms == 1733420000130);
  for (const auto& event : sink.events) {
    CHECK(event.id == id.value);
    CHECK(event.route == "create-user");
  }
}

TEST_CASE("a request reports nothing while no page listens") {
  flow_fixture f;
  recording_sink sink{false};
  f.flow = &sink;
  auto id = numbered_request_id(32);
  f.start_request(id, "quiet");
  f.sched.run();
  f.deliver(outcome{created(id, "quiet")});
  REQUIRE(f.only_reply(id));
  CHECK(sink.events.empty());
}
