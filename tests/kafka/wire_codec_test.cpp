#include "domain/error.hpp"
#include "kafka/wire_codec.hpp"

#include <catch2/catch.hpp>

#include "tests/support/text.hpp"

#include <nlohmann/json.hpp>
#include <set>
#include <string>

using namespace semiasync;
using semiasync::testing::repeat;
using json = nlohmann::json;

namespace {

const std::string request_text = "0f8fad5b-d9cb-469f-a165-70867728950e";
const std::string user_text = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/// The keys of a JSON object, to check that no field is missing or extra.
std::set<std::string> keys_of(const json& doc) {
  std::set<std::string> result;
  for (auto& item : doc.items())
    result.insert(item.key());
  return result;
}

/// Parses a record value; fails the test when it is not a JSON object.
json parse_value(const wire_message& msg) {
  auto doc = json::parse(msg.value, nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  REQUIRE(doc.is_object());
  return doc;
}

/// A request record with the given raw value and a matching header.
wire_message raw_record(std::string value,
                        const std::string& header = request_text) {
  return {"key", std::move(value), {{request_uuid_header, header}}};
}

/// A request record whose value is `doc`.
wire_message request_record(const json& doc,
                            const std::string& header = request_text) {
  return raw_record(doc.dump(), header);
}

/// The reason in a failed decode; fails the test unless the code is
/// `malformed_record`.
template <class T>
std::string rejection(const caf::expected<T>& x) {
  REQUIRE_FALSE(x);
  CHECK(code_of(x.error()) == error_code::malformed_record);
  return detail_of(x.error());
}

} // namespace

TEST_CASE("encode_request follows the wire contract", "[wire_codec]") {
  create_user_requested request{request_id{request_text},
                                user_name{"Zo\xC3\xAB \"the\" \\ one"}};
  auto msg = encode_request(request);
  auto doc = parse_value(msg);
  CHECK(keys_of(doc) == std::set<std::string>{"requestUUID", "name"});
  CHECK(doc["requestUUID"] == request_text);
  CHECK(doc["name"] == request.name.value);
  REQUIRE(msg.header_value("requestUUID"));
  CHECK(*msg.header_value("requestUUID") == request_text);
  CHECK(msg.key == request.name.value);
}

TEST_CASE("decode_request round-trips encode_request", "[wire_codec]") {
  auto name = GENERATE(as<std::string>{}, "alice", "\xE6\x97\xA5\xE6\x9C\xAC",
                       "\xF0\x9F\x98\x80 smile", "quote \" and \\ slash");
  create_user_requested request{request_id{request_text}, user_name{name}};
  auto decoded = decode_request(encode_request(request));
  REQUIRE(decoded);
  CHECK(decoded->request == request.request);
  CHECK(decoded->name == request.name);
}

TEST_CASE("decode_request accepts names up to 255 characters", "[wire_codec]") {
  SECTION("255 ASCII characters") {
    auto decoded = decode_request(request_record(
      json{{"requestUUID", request_text}, {"name", std::string(255, 'a')}}));
    REQUIRE(decoded);
    CHECK(decoded->name.value.size() == 255);
  }
  SECTION("255 two-byte characters (510 bytes)") {
    auto name = repeat("\xC3\xA9", 255);
    auto decoded = decode_request(
      request_record(json{{"requestUUID", request_text}, {"name", name}}));
    REQUIRE(decoded);
    CHECK(decoded->name.value == name);
  }
  SECTION("255 four-byte characters (1020 bytes)") {
    auto name = repeat("\xF0\x9F\x98\x80", 255);
    CHECK(decode_request(
      request_record(json{{"requestUUID", request_text}, {"name", name}})));
  }
}

TEST_CASE("decode_request rejects records off the contract", "[wire_codec]") {
  SECTION("value is not JSON") {
    CHECK(rejection(decode_request(raw_record("not json")))
          == "value is not a JSON object");
  }
  SECTION("value is a JSON array") {
    CHECK(rejection(decode_request(
            request_record(json::array({request_text, "alice"}))))
          == "value is not a JSON object");
  }
  SECTION("value is empty") {
    CHECK(rejection(decode_request(raw_record(std::string{})))
          == "value is not a JSON object");
  }
  SECTION("requestUUID is missing") {
    CHECK(rejection(decode_request(request_record(json{{"name", "alice"}})))
          == "field 'requestUUID' is missing");
  }
  SECTION("requestUUID is not a string") {
    CHECK(rejection(decode_request(
            request_record(json{{"requestUUID", 42}, {"name", "alice"}})))
          == "field 'requestUUID' is not a string");
  }
  SECTION("name is missing") {
    CHECK(rejection(
            decode_request(request_record(json{{"requestUUID", request_text}})))
          == "field 'name' is missing");
  }
  SECTION("name is not a string") {
    CHECK(rejection(decode_request(
            request_record(json{{"requestUUID", request_text}, {"name", 7}})))
          == "field 'name' is not a string");
    CHECK(rejection(decode_request(request_record(
            json{{"requestUUID", request_text}, {"name", nullptr}})))
          == "field 'name' is not a string");
  }
  SECTION("requestUUID in upper case") {
    std::string upper = "0F8FAD5B-D9CB-469F-A165-70867728950E";
    CHECK(rejection(decode_request(request_record(
            json{{"requestUUID", upper}, {"name", "alice"}}, upper)))
          == "field 'requestUUID' is not a lower-case UUID");
  }
  SECTION("requestUUID malformed") {
    auto bad
      = GENERATE(as<std::string>{}, "", "0f8fad5b-d9cb-469f-a165-70867728950",
                 "0f8fad5bd9cb469fa16570867728950e",
                 "{0f8fad5b-d9cb-469f-a165-70867728950e}",
                 "0f8fad5b-d9cb-469f-a165-70867728950g");
    CAPTURE(bad);
    CHECK(rejection(decode_request(
            request_record(json{{"requestUUID", bad}, {"name", "alice"}}, bad)))
          == "field 'requestUUID' is not a lower-case UUID");
  }
  SECTION("requestUUID header is missing") {
    wire_message msg{
      "alice",
      json{{"requestUUID", request_text}, {"name", "alice"}}.dump(),
      {{"eventType", "whatever"}}};
    CHECK(rejection(decode_request(msg)) == "header 'requestUUID' is missing");
  }
  SECTION("requestUUID header disagrees with the value") {
    CHECK(rejection(decode_request(request_record(
            json{{"requestUUID", request_text}, {"name", "alice"}}, user_text)))
          == "header 'requestUUID' disagrees with the value");
  }
  SECTION("name is empty") {
    CHECK(rejection(decode_request(
            request_record(json{{"requestUUID", request_text}, {"name", ""}})))
          == "name must not be empty");
  }
  SECTION("name is blank") {
    CHECK(rejection(decode_request(request_record(
            json{{"requestUUID", request_text}, {"name", "   "}})))
          == "name must not be blank");
  }
  SECTION("name has 256 characters") {
    CHECK(rejection(decode_request(request_record(json{
            {"requestUUID", request_text}, {"name", std::string(256, 'a')}})))
          == "name is longer than 255 characters");
    CHECK(rejection(decode_request(request_record(json{
            {"requestUUID", request_text}, {"name", repeat("\xC3\xA9", 256)}})))
          == "name is longer than 255 characters");
  }
  SECTION("name has a control character") {
    CHECK(rejection(decode_request(request_record(
            json{{"requestUUID", request_text}, {"name", "a\nb"}})))
          == "name must not contain control characters");
  }
}

TEST_CASE("encode_outcome follows the wire contract", "[wire_codec]") {
  SECTION("UserCreated") {
    outcome created = user_created{request_id{request_text},
                                   user_uuid{user_text}, user_name{"alice"}};
    auto msg = encode_outcome(created);
    auto doc = parse_value(msg);
    CHECK(keys_of(doc)
          == std::set<std::string>{"requestUUID", "userUUID", "name"});
    CHECK(doc["requestUUID"] == request_text);
    CHECK(doc["userUUID"] == user_text);
    CHECK(doc["name"] == "alice");
    REQUIRE(msg.header_value("eventType"));
    CHECK(*msg.header_value("eventType") == "UserCreated");
    REQUIRE(msg.header_value("requestUUID"));
    CHECK(*msg.header_value("requestUUID") == request_text);
  }
  SECTION("UserDuplicated") {
    outcome duplicated
      = user_duplicated{request_id{request_text}, user_name{"alice"}};
    auto msg = encode_outcome(duplicated);
    auto doc = parse_value(msg);
    CHECK(keys_of(doc) == std::set<std::string>{"requestUUID", "name"});
    CHECK(doc.count("userUUID") == 0);
    CHECK(doc["requestUUID"] == request_text);
    CHECK(doc["name"] == "alice");
    REQUIRE(msg.header_value("eventType"));
    CHECK(*msg.header_value("eventType") == "UserDuplicated");
    REQUIRE(msg.header_value("requestUUID"));
    CHECK(*msg.header_value("requestUUID") == request_text);
  }
}

TEST_CASE("decode_outcome round-trips encode_outcome", "[wire_codec]") {
  SECTION("UserCreated") {
    user_created event{request_id{request_text}, user_uuid{user_text},
                       user_name{"Zo\xC3\xAB"}};
    auto decoded = decode_outcome(encode_outcome(event));
    REQUIRE(decoded);
    auto result = std::get_if<user_created>(&*decoded);
    REQUIRE(result != nullptr);
    CHECK(*result == event);
  }
  SECTION("UserDuplicated") {
    user_duplicated event{request_id{request_text}, user_name{"Zo\xC3\xAB"}};
    auto decoded = decode_outcome(encode_outcome(event));
    REQUIRE(decoded);
    auto result = std::get_if<user_duplicated>(&*decoded);
    REQUIRE(result != nullptr);
    CHECK(*result == event);
  }
}

TEST_CASE("decode_outcome rejects records off the contract", "[wire_codec]") {
  json created{
    {"requestUUID", request_text}, {"userUUID", user_text}, {"name", "alice"}};
  SECTION("unknown eventType") {
    wire_message msg{
      "alice",
      created.dump(),
      {{"eventType", "UserDeleted"}, {"requestUUID", request_text}}};
    CHECK(rejection(decode_outcome(msg)) == "unknown eventType 'UserDeleted'");
  }
  SECTION("eventType header is missing") {
    wire_message msg{"alice", created.dump(), {{"requestUUID", request_text}}};
    CHECK(rejection(decode_outcome(msg)) == "header 'eventType' is missing");
  }
  SECTION("UserCreated without userUUID") {
    created.erase("userUUID");
    wire_message msg{
      "alice",
      created.dump(),
      {{"eventType", "UserCreated"}, {"requestUUID", request_text}}};
    CHECK(rejection(decode_outcome(msg)) == "field 'userUUID' is missing");
  }
  SECTION("UserCreated with an upper-case userUUID") {
    created["userUUID"] = "7C9E6679-7425-40DE-944B-E07FC1F90AE7";
    wire_message msg{
      "alice",
      created.dump(),
      {{"eventType", "UserCreated"}, {"requestUUID", request_text}}};
    CHECK(rejection(decode_outcome(msg))
          == "field 'userUUID' is not a lower-case UUID");
  }
  SECTION("value is not JSON") {
    wire_message msg{"alice", "{", {{"eventType", "UserCreated"}}};
    CHECK(rejection(decode_outcome(msg)) == "value is not a JSON object");
  }
  SECTION("requestUUID header disagrees with the value") {
    wire_message msg{
      "alice",
      created.dump(),
      {{"eventType", "UserCreated"}, {"requestUUID", user_text}}};
    CHECK(rejection(decode_outcome(msg))
          == "header 'requestUUID' disagrees with the value");
  }
}

TEST_CASE("decode_outcome accepts a record without the requestUUID header",
          "[wire_codec]") {
  wire_message msg{
    "alice",
    json{{"requestUUID", request_text}, {"name", "alice"}}.dump(),
    {{"eventType", "UserDuplicated"}}};
  auto decoded = decode_outcome(msg);
  REQUIRE(decoded);
  REQUIRE(std::holds_alternative<user_duplicated>(*decoded));
  CHECK(request_of(*decoded).value == request_text);
}

TEST_CASE("UserRejected round-trips and names its reason", "[wire_codec]") {
  user_rejected sent{request_id{request_text}, user_name{"alice"},
                     error_code::request_id_conflict, "key reused"};
  auto msg = encode_outcome(sent);
  CHECK(msg.header_value(event_type_header) == "UserRejected");
  CHECK(msg.header_value(request_uuid_header) == request_text);
  auto doc = parse_value(msg);
  CHECK(keys_of(doc)
        == std::set<std::string>{"requestUUID", "name", "error", "detail"});
  CHECK(doc["error"] == "request_id_conflict");
  auto back = decode_outcome(msg);
  REQUIRE(back);
  REQUIRE(std::holds_alternative<user_rejected>(*back));
  CHECK(std::get<user_rejected>(*back) == sent);
}

TEST_CASE("UserRejected with an unknown reason is malformed", "[wire_codec]") {
  auto msg = encode_outcome(user_rejected{request_id{request_text},
                                          user_name{"bob"},
                                          error_code::database_rejected, ""});
  auto doc = parse_value(msg);
  doc["error"] = "no_such_reason";
  msg.value = doc.dump();
  auto back = decode_outcome(msg);
  REQUIRE_FALSE(back);
  CHECK(code_of(back.error()) == error_code::malformed_record);
}

TEST_CASE("UserRejected survives a name that is not UTF-8", "[wire_codec]") {
  auto msg = encode_outcome(user_rejected{request_id{request_text},
                                          user_name{"bad\xff"},
                                          error_code::malformed_record,
                                          "not UTF-8"});
  CHECK(parse_value(msg)["requestUUID"] == request_text);
}

TEST_CASE("salvage_request_id finds the ID of a malformed record",
          "[wire_codec]") {
  SECTION("from the header when the value is not JSON") {
    CHECK(salvage_request_id(raw_record("not json"))
          == request_id{request_text});
  }
  SECTION("from the value when the header is missing") {
    wire_message msg{"k", json{{"requestUUID", request_text}}.dump(), {}};
    CHECK(salvage_request_id(msg) == request_id{request_text});
  }
  SECTION("nothing when header and value disagree") {
    auto msg = raw_record(json{{"requestUUID", user_text}}.dump());
    CHECK_FALSE(salvage_request_id(msg));
  }
  SECTION("nothing when neither is a canonical UUID") {
    CHECK_FALSE(salvage_request_id(raw_record("{}", "NOT-A-UUID")));
    wire_message msg{"k", "garbage", {}};
    CHECK_FALSE(salvage_request_id(msg));
  }
}

// -- the reply-partition header and dead letters ------------------------------

TEST_CASE("a request names its reply partition in a header, in the same call") {
  create_user_requested request{request_id{request_text}, user_name{"ada"}};
  auto plain = encode_request(request);
  CHECK_FALSE(plain.header_value("replyPartition"));
  CHECK_FALSE(requested_reply_partition(plain));
  auto steered = encode_request(request, 7);
  CHECK(steered.header_value("replyPartition") == "7");
  CHECK(requested_reply_partition(steered) == 7);
  // The header is additive: the request reads the same with it.
  auto decoded = decode_request(steered);
  REQUIRE(decoded);
  CHECK(decoded->request == request.request);
  CHECK(decoded->name == request.name);
}

TEST_CASE("a reply-partition header is read strictly") {
  auto header = [](std::string value) {
    return requested_reply_partition(
      wire_message{"", "", {{"replyPartition", std::move(value)}}});
  };
  CHECK(header("7") == 7);
  CHECK(header("0") == 0);
  CHECK(header("999999999") == 999999999);
  CHECK_FALSE(header(""));
  CHECK_FALSE(header("-1"));
  CHECK_FALSE(header("+1"));
  CHECK_FALSE(header(" 3"));
  CHECK_FALSE(header("3a"));
  CHECK_FALSE(header("1234567890"));
  CHECK_FALSE(requested_reply_partition(wire_message{}));
}

TEST_CASE("a dead letter is the record unchanged plus where it came from and "
          "why") {
  kafka::record source{"requests", 2, 7,
                       wire_message{"key", "not json", {{"a", "b"}}}};
  auto dead = encode_dead_letter(source, "value is not a JSON object");
  CHECK(dead.key == "key");
  CHECK(dead.value == "not json");
  REQUIRE(dead.headers.size() == 5);
  CHECK(dead.headers[0].name == "a");
  CHECK(dead.header_value("dlqSourceTopic") == "requests");
  CHECK(dead.header_value("dlqSourcePartition") == "2");
  CHECK(dead.header_value("dlqSourceOffset") == "7");
  CHECK(dead.header_value("dlqError") == "value is not a JSON object");
}
