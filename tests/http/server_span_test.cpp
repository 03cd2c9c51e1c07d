// The HTTP server span, recorded by the real OpenTelemetry SDK into memory:
// which client traceparents it continues, and how the answer closes it.

#include "domain/error.hpp"
#include "http/answer.hpp"
#include "http/server_span.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/ids.hpp"
#include "tracing/recording_tracer.hpp"

using namespace semiasync;
using namespace semiasync::http;
using namespace semiasync::tracing;

namespace {

const std::string client_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string client_span = "00f067aa0ba902b7";

/// A POST to /users with the given trace headers.
server_request post_users(std::optional<std::string_view> traceparent = {},
                          std::optional<std::string_view> tracestate = {}) {
  return {"POST", "/users", "/users", traceparent, tracestate};
}

/// The only span that ended; fails the test unless there is one.
recorded_span only_span(recording_tracer& tracer) {
  auto spans = tracer.take();
  REQUIRE(spans.size() == 1);
  return spans.front();
}

} // namespace

TEST_CASE("server span: a valid client traceparent is continued, whatever "
          "its flags") {
  recording_tracer tracer;
  SECTION("sampled (01): recorded as the client's child") {
    auto parent = "00-" + client_trace + "-" + client_span + "-01";
    auto span = start_server_span(tracer, post_users(parent));
    CHECK(span->context().sampled());
    span->end();
    auto s = only_span(tracer);
    CHECK(s.name == "POST /users");
    CHECK(s.kind == span_kind::server);
    CHECK(s.trace_id == client_trace);
    CHECK(s.parent_span_id == client_span);
    CHECK(s.text("http.request.method") == "POST");
    CHECK(s.text("http.route") == "/users");
    CHECK(s.text("url.path") == "/users");
    CHECK(s.text("url.scheme") == "http");
  }
  SECTION("not sampled (00): the trace goes on unsampled, nothing recorded") {
    auto parent = "00-" + client_trace + "-" + client_span + "-00";
    auto span = start_server_span(tracer, post_users(parent));
    auto context = span->context();
    CHECK(context.valid());
    CHECK_FALSE(context.sampled());
    CHECK(trace_id_hex(context) == client_trace);
    CHECK(span_id_hex(context) != client_span);
    span->end();
    CHECK(tracer.take().empty());
  }
  SECTION("an unknown flag beside sampled (03): recorded, sent on as 01") {
    auto parent = "00-" + client_trace + "-" + client_span + "-03";
    auto span = start_server_span(tracer, post_users(parent));
    auto context = span->context();
    CHECK(context.sampled());
    CHECK(format_traceparent(context).substr(52) == "-01");
    span->end();
    auto s = only_span(tracer);
    CHECK(s.trace_id == client_trace);
    CHECK(s.parent_span_id == client_span);
  }
}

TEST_CASE("server span: an invalid client traceparent starts a new trace") {
  recording_tracer tracer;
  auto bad
    = GENERATE(std::string{"not a traceparent"},
               "00-00000000000000000000000000000000-" + client_span + "-01",
               "00-" + client_trace + "-0000000000000000-01",
               "00-" + std::string{"4BF92F3577B34DA6A3CE929D0E0E4736"} + "-"
                 + client_span + "-01",
               "ff-" + client_trace + "-" + client_span + "-01");
  INFO(bad);
  auto span = start_server_span(tracer, post_users(bad, "congo=t61rcWkgMzE"));
  auto context = span->context();
  CHECK(context.valid());
  CHECK(trace_id_hex(context) != client_trace);
  // A tracestate without a valid traceparent belongs to nothing.
  CHECK(context.trace_state.empty());
  span->end();
  auto s = only_span(tracer);
  CHECK(s.parent_span_id.empty());
  CHECK(s.trace_id != client_trace);
}

TEST_CASE("server span: the client's tracestate is kept with its "
          "traceparent") {
  recording_tracer tracer;
  auto parent = "00-" + client_trace + "-" + client_span + "-01";
  auto span = start_server_span(
    tracer, post_users(parent, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));
  CHECK(span->context().trace_state
        == "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  span->end();
}

TEST_CASE("server span: a 201 ends it with its status code, not failed") {
  recording_tracer tracer;
  auto id = testing::numbered_request_id(1);
  auto span = start_server_span(tracer, post_users());
  end_server_span(*span, json_answer(201, R"({"uuid":"x","name":"y"})"),
                  id.value);
  auto s = only_span(tracer);
  CHECK_FALSE(s.failed);
  CHECK(s.attributes.at("http.response.status_code")
        == attribute_value{int64_t{201}});
  CHECK(s.text("semiasync.request_id") == id.value);
  CHECK(s.text("error.type").empty());
  // Ended once: a second end changes nothing.
  span->end();
  CHECK(tracer.take().empty());
}

TEST_CASE("server span: a 4xx is the client's doing and does not fail it") {
  recording_tracer tracer;
  auto span = start_server_span(tracer, post_users());
  end_server_span(*span, problem(409, "the name is taken"), "");
  auto s = only_span(tracer);
  CHECK_FALSE(s.failed);
  CHECK(s.text("http.response.status_code") == "409");
  CHECK(s.text("semiasync.request_id").empty());
}

TEST_CASE("server span: a 504 fails it with the problem's detail") {
  recording_tracer tracer;
  auto id = testing::numbered_request_id(2);
  auto span = start_server_span(tracer, post_users());
  auto a = answer_for(make_error(error_code::reply_timeout,
                                 "no outcome arrived before the deadline"),
                      id);
  REQUIRE(a.status == 504);
  REQUIRE(a.content_type == "application/problem+json");
  end_server_span(*span, a, id.value);
  auto s = only_span(tracer);
  CHECK(s.failed);
  CHECK(s.text("error.type") == "504");
  CHECK(s.status_description
        == "no outcome arrived before the reply deadline; the request may "
           "still complete");
  CHECK(s.text("http.response.status_code") == "504");
}

TEST_CASE("server span: a 5xx without a problem body fails it with its "
          "status line") {
  recording_tracer tracer;
  auto span = start_server_span(tracer, post_users());
  end_server_span(*span, answer{502, "upstream broke", "text/plain", {}}, "");
  auto s = only_span(tracer);
  CHECK(s.failed);
  CHECK(s.text("error.type") == "502");
  CHECK(s.status_description == "HTTP 502");
}
