#include "domain/error.hpp"
#include "kafka/route_codec.hpp"

#include <catch2/catch.hpp>

using namespace semiasync;
using config::reply_protocol;

namespace {

const request_id id{"0f8fad5b-d9cb-469f-a165-70867728950e"};

/// The 16 bytes ReplyingKafkaTemplate would send for `id`.
const std::string id_bytes{"\x0f\x8f\xad\x5b\xd9\xcb\x46\x9f\xa1\x65\x70\x86"
                           "\x77\x28\x95\x0e",
                           16};

} // namespace

TEST_CASE("a semiasync route request carries our headers") {
  auto msg = encode_route_request(reply_protocol::semiasync, id, "a-7",
                                  R"({"amount":1})", "deposit_outcomes", 3);
  CHECK(msg.key == "a-7");
  CHECK(msg.value == R"({"amount":1})");
  CHECK(msg.header_value("requestUUID") == id.value);
  CHECK(msg.header_value("replyPartition") == "3");
  CHECK_FALSE(msg.header_value("kafka_correlationId"));
}

TEST_CASE("a spring route request carries Spring's request-reply headers") {
  auto msg = encode_route_request(reply_protocol::spring, id, "a-7", "{}",
                                  "deposit_outcomes", 258);
  CHECK(msg.header_value("kafka_correlationId") == id_bytes);
  CHECK(msg.header_value("kafka_replyTopic") == "deposit_outcomes");
  CHECK(msg.header_value("kafka_replyPartition")
        == std::string("\x00\x00\x01\x02", 4));
  CHECK_FALSE(msg.header_value("requestUUID"));
  auto unsteered = encode_route_request(reply_protocol::spring, id, "a-7", "{}",
                                        "deposit_outcomes");
  CHECK_FALSE(unsteered.header_value("kafka_replyPartition"));
}

TEST_CASE("a Spring reply names its request by the echoed correlation") {
  SECTION("16 bytes, as ReplyingKafkaTemplate sends them") {
    wire_message reply{"a-7",
                       R"({"balance":3})",
                       {{"kafka_correlationId", id_bytes},
                        {"__TypeId__", "com.example.DepositAccepted"}}};
    auto decoded
      = decode_route_reply(reply_protocol::spring, reply, "__TypeId__");
    REQUIRE(decoded);
    CHECK(decoded->request == id);
    CHECK(decoded->event_type == "com.example.DepositAccepted");
    CHECK(decoded->value == R"({"balance":3})");
  }
  SECTION("the UUID's text") {
    wire_message reply{"", "{}", {{"kafka_correlationId", id.value}}};
    auto decoded
      = decode_route_reply(reply_protocol::spring, reply, "__TypeId__");
    REQUIRE(decoded);
    CHECK(decoded->request == id);
    CHECK(decoded->event_type.empty());
  }
  SECTION("anything else names no request") {
    for (auto bad : {std::string{"short"}, std::string(17, 'x')}) {
      wire_message reply{"", "{}", {{"kafka_correlationId", bad}}};
      auto decoded
        = decode_route_reply(reply_protocol::spring, reply, "__TypeId__");
      REQUIRE_FALSE(decoded);
      CHECK(code_of(decoded.error()) == error_code::malformed_record);
    }
    CHECK_FALSE(
      decode_route_reply(reply_protocol::spring, wire_message{}, "__TypeId__"));
  }
}

TEST_CASE("a semiasync reply names its request and type in our headers") {
  wire_message reply{
    "", "{}", {{"requestUUID", id.value}, {"eventType", "DepositRefused"}}};
  auto decoded = decode_route_reply(reply_protocol::semiasync, reply, "");
  REQUIRE(decoded);
  CHECK(decoded->request == id);
  CHECK(decoded->event_type == "DepositRefused");
  wire_message upper{
    "", "{}", {{"requestUUID", "0F8FAD5B-D9CB-469F-A165-70867728950E"}}};
  CHECK_FALSE(decode_route_reply(reply_protocol::semiasync, upper, ""));
  CHECK_FALSE(
    decode_route_reply(reply_protocol::semiasync, wire_message{}, ""));
}
