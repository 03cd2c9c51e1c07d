#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tracing/trace_headers.hpp"

using namespace semiasync;
using namespace semiasync::tracing;

namespace {

const std::string request_text = "0f8fad5b-d9cb-469f-a165-70867728950e";
const std::string first_parent
  = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const std::string second_parent
  = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
const std::string vendor_state = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";

/// A record with the given headers.
wire_message record(std::vector<header> headers) {
  return {"alice",
          R"({"requestUUID":")" + request_text + R"(","name":"alice"})",
          std::move(headers)};
}

/// Header names and values in order, for comparing whole lists.
std::vector<std::pair<std::string, std::string>>
pairs(const wire_message& message) {
  std::vector<std::pair<std::string, std::string>> result;
  for (const auto& h : message.headers)
    result.emplace_back(h.name, h.value);
  return result;
}

} // namespace

TEST_CASE("tracing: context_of reads a record's trace headers") {
  SECTION("no traceparent: nothing") {
    CHECK_FALSE(context_of(record({{"requestUUID", request_text}})));
    CHECK_FALSE(context_of(record({})));
  }
  SECTION("a tracestate without traceparent: nothing") {
    CHECK_FALSE(context_of(record({{"tracestate", vendor_state}})));
  }
  SECTION("a malformed traceparent: nothing") {
    CHECK_FALSE(context_of(record({{"requestUUID", request_text},
                                   {"traceparent", "garbage"},
                                   {"tracestate", vendor_state}})));
  }
  SECTION("a valid traceparent, with its tracestate kept") {
    auto context = context_of(record({{"requestUUID", request_text},
                                      {"traceparent", first_parent},
                                      {"tracestate", vendor_state}}));
    REQUIRE(context);
    CHECK(format_traceparent(*context) == first_parent);
    CHECK(context->sampled());
    CHECK(context->trace_state == vendor_state);
  }
  SECTION("a valid traceparent without tracestate") {
    auto context = context_of(record({{"traceparent", second_parent}}));
    REQUIRE(context);
    CHECK(format_traceparent(*context) == second_parent);
    CHECK_FALSE(context->sampled());
    CHECK(context->trace_state.empty());
  }
  SECTION("header names are matched exactly, as Kafka header names are") {
    CHECK_FALSE(context_of(record({{"Traceparent", first_parent}})));
  }
}

TEST_CASE("tracing: a repeated trace header counts by its last value") {
  SECTION("two valid traceparents: the last") {
    auto context = context_of(
      record({{"traceparent", first_parent}, {"traceparent", second_parent}}));
    REQUIRE(context);
    CHECK(format_traceparent(*context) == second_parent);
  }
  SECTION("a valid one, then a malformed one: nothing") {
    CHECK_FALSE(context_of(
      record({{"traceparent", first_parent}, {"traceparent", "garbage"}})));
  }
  SECTION("two tracestates: the last") {
    auto context = context_of(record({{"tracestate", "a=1"},
                                      {"traceparent", first_parent},
                                      {"tracestate", "b=2"}}));
    REQUIRE(context);
    CHECK(context->trace_state == "b=2");
  }
}

TEST_CASE(
  "tracing: put_context replaces trace headers and keeps the others in order") {
  auto context = parse_traceparent(second_parent);
  REQUIRE(context);
  SECTION("onto a record without trace headers") {
    auto message = record({{"requestUUID", request_text}});
    context->trace_state = vendor_state;
    put_context(message, *context);
    CHECK(pairs(message)
          == decltype(pairs(message)){{"requestUUID", request_text},
                                      {"traceparent", second_parent},
                                      {"tracestate", vendor_state}});
  }
  SECTION("over old trace headers, repeated ones included") {
    auto message = record({{"traceparent", first_parent},
                           {"requestUUID", request_text},
                           {"tracestate", "old=1"},
                           {"eventType", "UserCreated"},
                           {"traceparent", first_parent}});
    context->trace_state = "new=2";
    put_context(message, *context);
    CHECK(pairs(message)
          == decltype(pairs(message)){{"requestUUID", request_text},
                                      {"eventType", "UserCreated"},
                                      {"traceparent", second_parent},
                                      {"tracestate", "new=2"}});
    auto read_back = context_of(message);
    REQUIRE(read_back);
    CHECK(format_traceparent(*read_back) == second_parent);
    CHECK(read_back->trace_state == "new=2");
  }
  SECTION("an empty trace state: no tracestate header, the old one gone") {
    auto message = record({{"requestUUID", request_text},
                           {"traceparent", first_parent},
                           {"tracestate", vendor_state}});
    put_context(message, *context);
    CHECK(pairs(message)
          == decltype(pairs(message)){{"requestUUID", request_text},
                                      {"traceparent", second_parent}});
  }
  SECTION("key and value are untouched") {
    auto message = record({{"requestUUID", request_text}});
    auto before = message;
    put_context(message, *context);
    CHECK(message.key == before.key);
    CHECK(message.value == before.value);
  }
}
