#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "tracing/recording_tracer.hpp"

using namespace semiasync::tracing;

// These tests run the real OpenTelemetry SDK (samplers, ID generation, span
// data) with a synchronous in-memory exporter: no thread, no network.

namespace {

const std::string trace_hex = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string parent_span_hex = "00f067aa0ba902b7";

/// The W3C example context with the given flags (two hex digits).
span_context remote_parent(const std::string& flags = "01") {
  auto context = parse_traceparent("00-" + trace_hex + "-" + parent_span_hex
                                   + "-" + flags);
  REQUIRE(context);
  return *context;
}

span_start server_span(std::optional<span_context> parent) {
  span_start what;
  what.name = "POST /users";
  what.kind = span_kind::server;
  what.parent = std::move(parent);
  return what;
}

} // namespace

TEST_CASE("tracing: a server span continues the trace of its remote parent") {
  recording_tracer tracer;
  auto server = tracer.start(server_span(remote_parent()));
  auto context = server->context();
  CHECK(context.valid());
  CHECK(context.sampled());
  CHECK(trace_id_hex(context) == trace_hex);
  CHECK(span_id_hex(context) != parent_span_hex);
  server->end();
  auto spans = tracer.take();
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].name == "POST /users");
  CHECK(spans[0].kind == span_kind::server);
  CHECK(spans[0].trace_id == trace_hex);
  CHECK(spans[0].parent_span_id == parent_span_hex);
  CHECK(spans[0].span_id == span_id_hex(context));
  CHECK(spans[0].service_name == "semiasync-test");
  CHECK_FALSE(spans[0].failed);
  CHECK(tracer.take().empty());
}

TEST_CASE("tracing: a span without a valid parent starts a new trace") {
  recording_tracer tracer;
  span_context zero; // all-zero IDs: invalid
  zero.flags = 0x01;
  auto a = tracer.start(server_span(std::nullopt));
  auto b = tracer.start(server_span(zero));
  auto a_context = a->context();
  auto b_context = b->context();
  CHECK(a_context.valid());
  CHECK(b_context.valid());
  CHECK(a_context.trace_id != b_context.trace_id);
  a->end();
  b->end();
  auto spans = tracer.take();
  REQUIRE(spans.size() == 2);
  CHECK(spans[0].parent_span_id.empty());
  CHECK(spans[1].parent_span_id.empty());
}

TEST_CASE("tracing: a child span gets its parent's trace and span as parent") {
  recording_tracer tracer{sampler_kind::parent_based_always_on, 1.0, "svc"};
  auto server = tracer.start(server_span(remote_parent()));
  span_start send;
  send.name = "send create_user_request_sent";
  send.kind = span_kind::producer;
  send.parent = server->context();
  auto producer = tracer.start(send);
  CHECK(trace_id_hex(producer->context()) == trace_hex);
  producer->end();
  server->end();
  auto spans = tracer.take();
  REQUIRE(spans.size() == 2);
  // In the order they ended.
  CHECK(spans[0].name == "send create_user_request_sent");
  CHECK(spans[0].kind == span_kind::producer);
  CHECK(spans[0].trace_id == trace_hex);
  CHECK(spans[0].parent_span_id == spans[1].span_id);
  CHECK(spans[1].parent_span_id == parent_span_hex);
  CHECK(spans[0].service_name == "svc");
  CHECK(spans[1].service_name == "svc");
}

TEST_CASE("tracing: span kinds come back as started") {
  recording_tracer tracer;
  for (auto kind : {span_kind::internal, span_kind::server, span_kind::client,
                    span_kind::producer, span_kind::consumer}) {
    span_start what;
    what.name = "kind";
    what.kind = kind;
    tracer.start(what)->end();
    auto spans = tracer.take();
    REQUIRE(spans.size() == 1);
    CHECK(spans[0].kind == kind);
  }
}

TEST_CASE(
  "tracing: attributes of every type come back, at start and set later") {
  recording_tracer tracer;
  span_start what;
  what.name = "attributes";
  what.attributes
    = {{"messaging.destination.name", std::string{"create_user_request_sent"}},
       {"messaging.kafka.message.offset", int64_t{42}},
       {"messaging.kafka.message.tombstone", false}};
  auto s = tracer.start(what);
  s->set("http.response.status_code", int64_t{201});
  s->set("url.path", std::string{"/users"});
  s->set("flag", true);
  s->set("messaging.kafka.message.offset", int64_t{-7}); // replaces
  s->end();
  auto spans = tracer.take();
  REQUIRE(spans.size() == 1);
  const auto& span = spans[0];
  CHECK(span.text("messaging.destination.name") == "create_user_request_sent");
  CHECK(span.text("messaging.kafka.message.offset") == "-7");
  CHECK(span.text("messaging.kafka.message.tombstone") == "false");
  CHECK(span.text("http.response.status_code") == "201");
  CHECK(span.text("url.path") == "/users");
  CHECK(span.text("flag") == "true");
  CHECK(span.text("absent").empty());
  // The types survive, not only their text.
  CHECK(span.attributes.at("http.response.status_code")
        == attribute_value{int64_t{201}});
  CHECK(span.attributes.at("flag") == attribute_value{true});
  CHECK(span.attributes.at("url.path")
        == attribute_value{std::string{"/users"}});
  CHECK(span.attributes.size() == 6);
}

TEST_CASE("tracing: fail marks the span as an error with a type") {
  recording_tracer tracer;
  auto s = tracer.start(server_span(std::nullopt));
  s->fail("504", "no outcome within the reply timeout");
  s->end();
  auto spans = tracer.take();
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].failed);
  CHECK(spans[0].status_description == "no outcome within the reply timeout");
  CHECK(spans[0].text("error.type") == "504");
}

TEST_CASE("tracing: a span records its links") {
  recording_tracer tracer;
  auto first = remote_parent("01");
  auto second = *parse_traceparent(
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  span_start what;
  what.name = "process batch";
  what.kind = span_kind::consumer;
  what.links = {first, second, span_context{}}; // the invalid one is skipped
  tracer.start(what)->end();
  auto spans = tracer.take();
  REQUIRE(spans.size() == 1);
  const auto& links = spans[0].links;
  REQUIRE(links.size() == 2);
  CHECK(format_traceparent(links[0]) == format_traceparent(first));
  CHECK(format_traceparent(links[1]) == format_traceparent(second));
  // Links do not make a parent.
  CHECK(spans[0].parent_span_id.empty());
}

TEST_CASE("tracing: the parent's trace state goes on to its children") {
  recording_tracer tracer;
  SECTION("a valid list is kept") {
    auto parent = remote_parent();
    parent.trace_state = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
    auto s = tracer.start(server_span(parent));
    CHECK(s->context().trace_state == parent.trace_state);
  }
  SECTION("a malformed list is dropped as a whole") {
    auto parent = remote_parent();
    parent.trace_state = "vendor1=abc,bad key=1";
    auto s = tracer.start(server_span(parent));
    CHECK(s->context().trace_state.empty());
  }
}

TEST_CASE(
  "tracing: a child of a parent with unknown flags is sampled with flags 01") {
  recording_tracer tracer;
  auto s = tracer.start(server_span(remote_parent("ff")));
  CHECK(s->context().flags == 0x01);
  s->end();
  CHECK(tracer.take().size() == 1);
}

TEST_CASE(
  "tracing: an unsampled parent makes an unsampled span that still carries "
  "the trace") {
  recording_tracer tracer; // parentbased_always_on
  auto s = tracer.start(server_span(remote_parent("00")));
  auto context = s->context();
  CHECK(context.valid());
  CHECK_FALSE(context.sampled());
  CHECK(trace_id_hex(context) == trace_hex);
  CHECK(span_id_hex(context) != parent_span_hex);
  CHECK(format_traceparent(context).substr(53) == "00");
  s->set("ignored", true);
  s->fail("500", "ignored");
  s->end();
  CHECK(tracer.take().empty());
}

TEST_CASE("tracing: always_on records even under an unsampled parent") {
  recording_tracer tracer{sampler_kind::always_on};
  tracer.start(server_span(remote_parent("00")))->end();
  auto spans = tracer.take();
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].trace_id == trace_hex);
}

TEST_CASE(
  "tracing: always_off records nothing, and spans still have a context") {
  recording_tracer tracer{sampler_kind::always_off};
  auto root = tracer.start(server_span(std::nullopt));
  auto child = tracer.start(server_span(remote_parent("01")));
  CHECK(root->context().valid());
  CHECK_FALSE(root->context().sampled());
  CHECK(trace_id_hex(child->context()) == trace_hex);
  root->end();
  child->end();
  CHECK(tracer.take().empty());
}

TEST_CASE(
  "tracing: a span the sampler drops is sent on as not sampled, whatever its "
  "parent said") {
  // The SDK (1.19) copies a valid parent's flags onto a dropped span's
  // context; sent on as `-01`, the next hop would record children of a span
  // that no backend ever receives.
  auto parent = remote_parent("01");
  SECTION("always_off") {
    recording_tracer tracer{sampler_kind::always_off};
    auto s = tracer.start(server_span(parent));
    auto context = s->context();
    CHECK(trace_id_hex(context) == trace_hex);
    CHECK_FALSE(context.sampled());
    CHECK(format_traceparent(context).substr(53) == "00");
    // The next hop, parent-based, follows the decision.
    recording_tracer next;
    span_start child;
    child.name = "process";
    child.kind = span_kind::consumer;
    child.parent = context;
    next.start(child)->end();
    CHECK(next.take().empty());
  }
  SECTION("traceidratio 0") {
    recording_tracer tracer{sampler_kind::trace_id_ratio, 0.0};
    auto s = tracer.start(server_span(parent));
    CHECK_FALSE(s->context().sampled());
    s->end();
    CHECK(tracer.take().empty());
  }
  SECTION("a recorded span stays sampled") {
    recording_tracer tracer{sampler_kind::trace_id_ratio, 1.0};
    auto s = tracer.start(server_span(parent));
    CHECK(s->context().sampled());
    s->end();
    CHECK(s->context().sampled()); // also once ended
    CHECK(tracer.take().size() == 1);
  }
}

TEST_CASE("tracing: a span ends once") {
  recording_tracer tracer;
  SECTION("end twice: recorded once") {
    auto s = tracer.start(server_span(std::nullopt));
    s->end();
    s->end();
    CHECK(tracer.take().size() == 1);
    s.reset();
    CHECK(tracer.take().empty());
  }
  SECTION("the last handle dropped without end: recorded by the destructor") {
    auto s = tracer.start(server_span(std::nullopt));
    auto other = s;
    s.reset();
    CHECK(tracer.take().empty()); // one handle left: still open
    other.reset();
    auto spans = tracer.take();
    REQUIRE(spans.size() == 1);
    CHECK(spans[0].name == "POST /users");
  }
}

TEST_CASE("tracing: a span started earlier lasts at least since then") {
  recording_tracer tracer;
  constexpr auto gap = std::chrono::milliseconds{250};
  auto what = server_span(std::nullopt);
  what.started = std::chrono::system_clock::now() - gap;
  tracer.start(what)->end();
  auto spans = tracer.take();
  REQUIRE(spans.size() == 1);
  CHECK(spans[0].duration >= gap);
  // Not moved back further than asked (generous bound: a slow machine).
  CHECK(spans[0].duration < gap + std::chrono::seconds{30});
}
