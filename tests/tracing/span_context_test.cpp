#include <catch2/catch.hpp>
#include <string>

#include "tracing/span_context.hpp"

using namespace semiasync::tracing;

namespace {

// The example of W3C Trace Context level 1, §3.2.
const std::string trace_hex = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string span_hex = "00f067aa0ba902b7";

/// `<version>-<trace>-<span>-<flags>` with the example's IDs.
std::string traceparent(const std::string& version, const std::string& flags) {
  return version + "-" + trace_hex + "-" + span_hex + "-" + flags;
}

} // namespace

TEST_CASE("tracing: a version-00 traceparent is parsed field by field") {
  auto context = parse_traceparent(traceparent("00", "01"));
  REQUIRE(context);
  CHECK(context->valid());
  CHECK(trace_id_hex(*context) == trace_hex);
  CHECK(span_id_hex(*context) == span_hex);
  CHECK(context->trace_id[0] == 0x4b);
  CHECK(context->trace_id[15] == 0x36);
  CHECK(context->span_id[0] == 0x00);
  CHECK(context->span_id[7] == 0xb7);
  CHECK(context->flags == 0x01);
  CHECK(context->sampled());
  CHECK(context->trace_state.empty());
}

TEST_CASE(
  "tracing: trace flags are kept as received; only bit 0 means sampled") {
  SECTION("00: valid, not sampled") {
    auto context = parse_traceparent(traceparent("00", "00"));
    REQUIRE(context);
    CHECK(context->flags == 0x00);
    CHECK_FALSE(context->sampled());
  }
  SECTION("03: unknown bit kept, sampled") {
    auto context = parse_traceparent(traceparent("00", "03"));
    REQUIRE(context);
    CHECK(context->flags == 0x03);
    CHECK(context->sampled());
  }
  SECTION("ff: every bit kept, sampled") {
    auto context = parse_traceparent(traceparent("00", "ff"));
    REQUIRE(context);
    CHECK(context->flags == 0xff);
    CHECK(context->sampled());
  }
  SECTION("02: an unknown bit alone is not sampled") {
    auto context = parse_traceparent(traceparent("00", "02"));
    REQUIRE(context);
    CHECK(context->flags == 0x02);
    CHECK_FALSE(context->sampled());
  }
}

TEST_CASE(
  "tracing: format_traceparent sends version 00 and the sampled bit only") {
  auto context = parse_traceparent(traceparent("00", "01"));
  REQUIRE(context);
  auto with_flags = [&](uint8_t flags) {
    auto copy = *context;
    copy.flags = flags;
    return format_traceparent(copy);
  };
  CHECK(with_flags(0x01) == traceparent("00", "01"));
  CHECK(with_flags(0x03) == traceparent("00", "01"));
  CHECK(with_flags(0xff) == traceparent("00", "01"));
  CHECK(with_flags(0x00) == traceparent("00", "00"));
  CHECK(with_flags(0x02) == traceparent("00", "00"));
}

TEST_CASE("tracing: a formatted context parses back to the same IDs") {
  span_context context;
  for (size_t i = 0; i < context.trace_id.size(); ++i)
    context.trace_id[i] = static_cast<uint8_t>(0xf0 + i);
  for (size_t i = 0; i < context.span_id.size(); ++i)
    context.span_id[i] = static_cast<uint8_t>(0x0a * (i + 1));
  context.flags = 0x01;
  auto text = format_traceparent(context);
  CHECK(text.size() == 55);
  auto parsed = parse_traceparent(text);
  REQUIRE(parsed);
  CHECK(parsed->trace_id == context.trace_id);
  CHECK(parsed->span_id == context.span_id);
  CHECK(parsed->flags == context.flags);
  CHECK(trace_id_hex(*parsed) == trace_id_hex(context));
  CHECK(span_id_hex(*parsed) == span_id_hex(context));
  CHECK(trace_id_hex(context) == "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  CHECK(span_id_hex(context) == "0a141e28323c4650");
}

TEST_CASE("tracing: surrounding blanks are tolerated") {
  auto context = parse_traceparent(" \t" + traceparent("00", "01") + "\t ");
  REQUIRE(context);
  CHECK(trace_id_hex(*context) == trace_hex);
  CHECK(span_id_hex(*context) == span_hex);
}

TEST_CASE("tracing: a future version may append fields after a dash") {
  SECTION("01 with an extra field: accepted, extra ignored") {
    auto context = parse_traceparent(traceparent("01", "01") + "-extra");
    REQUIRE(context);
    CHECK(trace_id_hex(*context) == trace_hex);
    CHECK(span_id_hex(*context) == span_hex);
    CHECK(context->flags == 0x01);
    // Sent on as version 00, which is all this side speaks.
    CHECK(format_traceparent(*context) == traceparent("00", "01"));
  }
  SECTION("01 with exactly four fields: accepted") {
    CHECK(parse_traceparent(traceparent("01", "01")));
  }
  SECTION("01 with text glued to the flags: refused") {
    CHECK_FALSE(parse_traceparent(traceparent("01", "01") + "extra"));
  }
}

TEST_CASE("tracing: malformed traceparent values are refused") {
  auto refused = [](const std::string& text) {
    INFO("traceparent '" << text << "'");
    CHECK_FALSE(parse_traceparent(text));
  };
  SECTION("upper-case hex") {
    refused("00-4BF92F3577B34DA6A3CE929D0E0E4736-" + span_hex + "-01");
    refused("00-" + trace_hex + "-00F067AA0BA902B7-01");
    refused(traceparent("00", "0A"));
  }
  SECTION("all-zero trace id") {
    refused("00-00000000000000000000000000000000-" + span_hex + "-01");
  }
  SECTION("all-zero span id") {
    refused("00-" + trace_hex + "-0000000000000000-01");
  }
  SECTION("version ff") {
    refused(traceparent("ff", "01"));
    refused(traceparent("ff", "01") + "-extra");
  }
  SECTION("version 00 with a trailing field") {
    refused(traceparent("00", "01") + "-extra");
    refused(traceparent("00", "01") + "-");
  }
  SECTION("three fields") {
    refused("00-" + trace_hex + "-" + span_hex);
    refused("00-" + trace_hex + "-" + span_hex + "-");
  }
  SECTION("a non-hex character") {
    refused("00-4bf92f3577b34da6a3ce929d0e0e473g-" + span_hex + "-01");
    refused("00-" + trace_hex + "-00f067aa0ba902bz-01");
    refused(traceparent("0x", "01"));
    refused(traceparent("00", "0g"));
  }
  SECTION("wrong separators and lengths") {
    refused("00_" + trace_hex + "-" + span_hex + "-01");
    refused("00-" + trace_hex + "_" + span_hex + "-01");
    refused("00-" + trace_hex + "-" + span_hex + "_01");
    refused("00-" + trace_hex + "0-" + span_hex + "-01");
    refused("00-" + trace_hex + "-" + span_hex + "0-01");
    refused("00-" + trace_hex + "-" + span_hex + "-1");
    refused("0-" + trace_hex + "-" + span_hex + "-01");
  }
  SECTION("garbage and empty") {
    refused("garbage");
    refused("");
    refused("   ");
    refused(std::string(55, '-'));
    refused(std::string(55, '0'));
  }
}

TEST_CASE("tracing: valid() needs both IDs non-zero") {
  span_context context;
  CHECK_FALSE(context.valid());
  context.trace_id[15] = 1;
  CHECK_FALSE(context.valid());
  context.span_id[0] = 1;
  CHECK(context.valid());
  context.trace_id[15] = 0;
  CHECK_FALSE(context.valid());
}
