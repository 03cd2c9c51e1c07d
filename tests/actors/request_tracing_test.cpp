// The request actor's spans, recorded by the real OpenTelemetry SDK into
// memory: the publish span whose context the request record carries, and
// the receipt span of its outcome, under the worker's span when the
// outcome record named one.

#include "actors/outcome_consumer.hpp"
#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/actors/fake_kafka.hpp"
#include "tests/actors/flow_fixture.hpp"
#include "tracing/recording_tracer.hpp"
#include "tracing/trace_headers.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace semiasync::tracing;
using namespace std::chrono_literals;

namespace {

/// The topic outcomes arrive on, as the receipt span names it.
constexpr std::string_view outcome_topic = "user";

/// The tracer, a base of the fixture so that it outlives the actors (the
/// flow fixture ends them in its destructor, closing their spans).
struct tracer_holder {
  recording_tracer tracer;
};

/// A server span, as the HTTP edge opens one.
span_start server_span() {
  span_start what;
  what.name = "POST /users";
  what.kind = span_kind::server;
  return what;
}

/// A flow fixture whose create-user requests are traced into `tracer`,
/// under a server span the test opened.
struct traced_flow_fixture : tracer_holder, flow_fixture {
  traced_flow_fixture() : server(tracer.start(server_span())) {
    trace = {&tracer, server->context(), outcome_topic};
  }

  /// The spans named `name` that ended since the last call (the others
  /// are kept for later calls).
  std::vector<recorded_span> ended(const std::string& name) {
    auto now = tracer.take();
    all.insert(all.end(), now.begin(), now.end());
    std::vector<recorded_span> result;
    for (const auto& s : all)
      if (s.name == name) result.push_back(s);
    return result;
  }

  /// The only ended span named `name`; fails the test unless there is one.
  recorded_span only(const std::string& name) {
    auto spans = ended(name);
    REQUIRE(spans.size() == 1);
    return spans.front();
  }

  /// The traceparent of the `i`th published record.
  span_context published_context(size_t i = 0) {
    REQUIRE(log->records.size() > i);
    auto context = context_of(log->records[i].message);
    REQUIRE(context);
    return *context;
  }

  span_ptr server;
  std::vector<recorded_span> all;
};

/// A traceparent naming a span of the worker's (in any trace).
const std::string worker_traceparent
  = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

} // namespace

TEST_CASE("tracing: a traced request's record carries its send span, a child "
          "of the server span, acknowledged where it landed") {
  traced_flow_fixture f;
  auto id = numbered_request_id(1);
  f.start_request(id, "alice");
  f.sched.run();
  auto carried = f.published_context();
  CHECK(carried.sampled());
  auto send = f.only("send requests");
  CHECK(send.kind == span_kind::producer);
  CHECK(send.span_id == span_id_hex(carried));
  CHECK(send.trace_id == trace_id_hex(f.server->context()));
  CHECK(trace_id_hex(carried) == send.trace_id);
  CHECK(send.parent_span_id == span_id_hex(f.server->context()));
  // The fake producer acknowledges on partition 0 at offset 0.
  CHECK(send.text("messaging.destination.partition.id") == "0");
  REQUIRE(send.attributes.count("messaging.kafka.offset") == 1);
  CHECK(send.attributes.at("messaging.kafka.offset")
        == attribute_value{int64_t{0}});
  CHECK(send.text("messaging.message.conversation_id") == id.value);
  CHECK(send.text("messaging.destination.name") == "requests");
  CHECK_FALSE(send.failed);
  // The contract's headers are still there beside it.
  CHECK(f.log->records[0].message.header_value("requestUUID") == id.value);
}

TEST_CASE("tracing: an outcome's receipt span continues the worker's span, "
          "or the server span when the outcome named none") {
  traced_flow_fixture f;
  auto id = numbered_request_id(2);
  f.start_request(id, "bob");
  f.sched.run();
  auto send = f.only("send requests");
  auto server_span_id = span_id_hex(f.server->context());
  kafka::record_position at{3, 41, 1733420000130, {}};
  std::string expected_parent = server_span_id;
  std::string expected_trace = send.trace_id;
  // Whether the outcome record carried the worker's traceparent; without
  // one, the server span stays the parent.
  auto from_worker = GENERATE(true, false);
  if (from_worker) {
    at.trace_parent = worker_traceparent;
    expected_parent = "b7ad6b7169203331";
    expected_trace = "0af7651916cd43dd8448eb211c80319c";
  }
  std::string type;
  SECTION("created") {
    caf::anon_send(f.registry_handle, outcome_atom::value,
                   outcome{created(id, "bob")}, at);
    type = "UserCreated";
  }
  SECTION("duplicated") {
    caf::anon_send(f.registry_handle, outcome_atom::value,
                   outcome{user_duplicated{id, user_name{"bob"}}}, at);
    type = "UserDuplicated";
  }
  f.sched.run();
  REQUIRE(f.only_reply(id));
  auto receipt = f.only("process user");
  CHECK(receipt.kind == span_kind::consumer);
  CHECK(receipt.text("semiasync.outcome.type") == type);
  CHECK(receipt.parent_span_id == expected_parent);
  CHECK(receipt.trace_id == expected_trace);
  CHECK(receipt.text("messaging.destination.name") == "user");
  CHECK(receipt.text("messaging.destination.partition.id") == "3");
  CHECK(receipt.text("messaging.kafka.offset") == "41");
  CHECK(receipt.text("messaging.message.conversation_id") == id.value);
  CHECK_FALSE(receipt.failed);
}

TEST_CASE("tracing: a rejection's receipt span says UserRejected") {
  traced_flow_fixture f;
  auto id = numbered_request_id(3);
  f.start_request(id, "carol");
  f.sched.run();
  user_rejected refused{id, user_name{"carol"}, error_code::request_id_conflict,
                        "request ID already created another name"};
  caf::anon_send(f.registry_handle, outcome_atom::value, outcome{refused},
                 kafka::record_position{0, 7, -1, worker_traceparent});
  f.sched.run();
  REQUIRE(f.only_reply(id));
  auto receipt = f.only("process user");
  CHECK(receipt.text("semiasync.outcome.type") == "UserRejected");
  CHECK(receipt.parent_span_id == "b7ad6b7169203331");
}

TEST_CASE("tracing: the outcome consumer passes on the last traceparent of "
          "an outcome record, validated, as every hop reads it") {
  traced_flow_fixture f;
  auto id = numbered_request_id(9);
  f.start_request(id, "twice");
  f.sched.run();
  auto record = encode_outcome(outcome{created(id, "twice")});
  const std::string other_traceparent
    = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  record.headers.push_back({"traceparent", other_traceparent});
  std::string expected_parent;
  SECTION("two valid headers: the last one") {
    record.headers.push_back({"traceparent", worker_traceparent});
    expected_parent = "b7ad6b7169203331";
  }
  SECTION("the last one invalid: none, so the server span is the parent") {
    record.headers.push_back({"traceparent", "garbage"});
    expected_parent = span_id_hex(f.server->context());
  }
  auto source = std::make_shared<fake_record_source>();
  source->queue({{"user", 0, 1, record}});
  outcome_consumer_settings cfg;
  cfg.poll_timeout = 10ms;
  cfg.keep_trace = true;
  auto consumer = f.sys.spawn(outcome_consumer, source, f.registry_handle, cfg);
  // The consumer loops by messaging itself: step a bounded number of jobs.
  f.run_steps(10);
  caf::anon_send_exit(consumer, caf::exit_reason::kill);
  f.sched.run();
  REQUIRE(f.only_reply(id));
  auto receipt = f.only("process user");
  CHECK(receipt.parent_span_id == expected_parent);
}

TEST_CASE("tracing: a request that times out has no receipt span") {
  traced_flow_fixture f;
  auto id = numbered_request_id(4);
  caf::timespan wait = deadline;
  // Whether the publish span failed, and how, when the case says.
  bool failed = false;
  std::string error_type;
  SECTION("after the broker acknowledged") {
    f.start_request(id, "late");
    f.sched.run();
    CHECK(f.ended("send requests").size() == 1);
  }
  SECTION("while the producer still holds the publish") {
    f.log->mode = publish_mode::hold;
    wait = 1s;
    f.start_request(id, "held", false, wait);
    f.sched.run();
    REQUIRE(f.log->held.size() == 1);
    // Open while the publish is undecided; the deadline fails it: nobody
    // knows whether the record reached the broker.
    CHECK(f.ended("send requests").empty());
    failed = true;
    error_type = "not_acknowledged";
  }
  SECTION("after the produce timeout gave up on the publish") {
    f.log->mode = publish_mode::hold;
    f.start_request(id, "held");
    f.sched.run();
    f.sched.advance_time(produce_timeout + 1500ms);
    f.sched.run();
    CHECK(f.replies.empty());
    REQUIRE(f.ended("send requests").size() == 1);
    failed = true;
    wait = deadline - produce_timeout - 1500ms;
  }
  f.sched.advance_time(wait);
  f.sched.run();
  auto& reply = f.only_reply(id);
  REQUIRE_FALSE(reply);
  CHECK(code_of(reply.error()) == error_code::reply_timeout);
  auto send = f.only("send requests");
  CHECK(send.kind == span_kind::producer);
  CHECK(send.failed == failed);
  if (!error_type.empty()) CHECK(send.text("error.type") == error_type);
  CHECK(f.ended("process user").empty());
  // A late outcome reaches nobody, and opens no span either.
  f.deliver(created(id, "late"));
  CHECK(f.ended("process user").empty());
}

TEST_CASE("tracing: a request actor that dies while the producer holds its "
          "publish fails the publish span") {
  traced_flow_fixture f;
  f.log->mode = publish_mode::hold;
  auto id = numbered_request_id(7);
  auto doomed = f.start_request(id, "doomed");
  f.sched.run();
  REQUIRE(f.log->held.size() == 1);
  CHECK(f.ended("send requests").empty());
  caf::anon_send_exit(doomed, caf::exit_reason::kill);
  f.sched.run();
  auto& reply = f.only_reply(id);
  REQUIRE_FALSE(reply);
  CHECK(code_of(reply.error()) == error_code::publish_uncertain);
  auto send = f.only("send requests");
  CHECK(send.failed);
  CHECK(send.text("error.type") == "not_acknowledged");
  CHECK(send.status_description
        == "the request ended before the broker answered");
}

TEST_CASE("tracing: an outcome that overtakes the broker's acknowledgement "
          "ends the publish span unfailed") {
  traced_flow_fixture f;
  f.log->mode = publish_mode::hold;
  auto id = numbered_request_id(8);
  f.start_request(id, "fast");
  f.sched.run();
  REQUIRE(f.log->held.size() == 1);
  f.deliver(created(id, "fast"));
  REQUIRE(f.only_reply(id));
  auto send = f.only("send requests");
  CHECK_FALSE(send.failed);
}

TEST_CASE("tracing: a publish error fails the publish span with its code") {
  traced_flow_fixture f;
  f.log->mode = publish_mode::fail;
  auto id = numbered_request_id(5);
  f.start_request(id, "unlucky");
  f.sched.run();
  auto& reply = f.only_reply(id);
  REQUIRE_FALSE(reply);
  auto send = f.only("send requests");
  CHECK(send.failed);
  CHECK(send.text("error.type") == "publish_failed");
  CHECK(send.status_description == "broker down");
  CHECK(send.text("messaging.kafka.offset").empty());
  CHECK(f.ended("process user").empty());
}

TEST_CASE("tracing: with no tracer a request adds no header and records "
          "nothing") {
  traced_flow_fixture f;
  f.trace.tracer = nullptr;
  auto id = numbered_request_id(6);
  f.start_request(id, "quiet");
  f.sched.run();
  REQUIRE(f.log->records.size() == 1);
  auto& headers = f.log->records[0].message.headers;
  CHECK(std::none_of(headers.begin(), headers.end(), [](const header& h) {
    return h.name == traceparent_header || h.name == tracestate_header;
  }));
  caf::anon_send(f.registry_handle, outcome_atom::value,
                 outcome{created(id, "quiet")},
                 kafka::record_position{0, 1, -1, worker_traceparent});
  f.sched.run();
  REQUIRE(f.only_reply(id));
  // The server span is still open, so anything recorded came from the
  // request actor.
  CHECK(f.tracer.take().empty());
}
