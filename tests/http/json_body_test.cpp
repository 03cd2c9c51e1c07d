#include "http/json_body.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace semiasync::http;

namespace {

/// Why `body` is refused; fails the test when it is accepted.
body_refusal refusal_of(std::string_view body,
                        std::optional<std::string_view> type = {}) {
  auto read = read_json_object(type, body, 64);
  auto refused = std::get_if<body_refusal>(&read);
  REQUIRE(refused != nullptr);
  return *refused;
}

} // namespace

TEST_CASE("a JSON object body is read whole") {
  auto read = read_json_object(std::string_view{"application/json"},
                               R"({"amount": 5, "note": {"a": 1}})", 64);
  auto doc = std::get_if<nlohmann::json>(&read);
  REQUIRE(doc != nullptr);
  CHECK((*doc)["amount"] == 5);
  CHECK((*doc)["note"]["a"] == 1);
}

TEST_CASE("every route refuses a bad body the same way") {
  CHECK(refusal_of(std::string(65, ' ')).problem
        == input_problem::body_too_large);
  CHECK(refusal_of("{}", std::string_view{"text/plain"}).problem
        == input_problem::not_json_media_type);
  CHECK(refusal_of("{\"a\":\"\xff\"}").detail == "the body is not valid UTF-8");
  CHECK(refusal_of(std::string(33, '[')).detail == "the body nests too deeply");
  CHECK(refusal_of(std::string{"{}\0x", 4}).detail
        == "the body is not valid JSON");
  CHECK(refusal_of("{").detail == "the body is not valid JSON");
  CHECK(refusal_of("[1]").detail == "the body must be a JSON object");
  CHECK(refusal_of(R"({"a":1,"\u0061":2})").detail
        == "the body has a duplicate key");
}
