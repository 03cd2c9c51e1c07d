#include "http/route_input.hpp"

#include <catch2/catch.hpp>

using namespace semiasync;
using namespace semiasync::http;

namespace {

config::route_spec deposit_route() {
  config::route_spec route;
  route.method = "POST";
  route.path = std::get<config::path_template>(
    config::path_template::parse("/accounts/{accountId}/deposits"));
  route.key = {config::record_key::source::path_parameter, "accountId"};
  route.required_fields = {"amount"};
  route.max_body_bytes = 256;
  return route;
}

const std::vector<config::path_template::binding> account_7{
  {"accountId", "a-7"}};

route_request accepted(const config::route_spec& route, std::string_view body,
                       const std::vector<config::path_template::binding>& path
                       = account_7) {
  auto read = read_route_request(route, path, {}, body);
  if (auto refused = std::get_if<body_refusal>(&read)) FAIL(refused->detail);
  return std::get<route_request>(read);
}

std::string refusal_of(const config::route_spec& route, std::string_view body) {
  auto read = read_route_request(route, account_7, {}, body);
  auto refused = std::get_if<body_refusal>(&read);
  REQUIRE(refused != nullptr);
  CHECK(refused->problem == input_problem::invalid_body);
  return refused->detail;
}

} // namespace

TEST_CASE("a route's record is the body plus its path parameters, keyed as "
          "configured") {
  auto request = accepted(deposit_route(), R"({"amount": 25})");
  CHECK(request.key == "a-7");
  CHECK(nlohmann::json::parse(request.value)
        == nlohmann::json{{"amount", 25}, {"accountId", "a-7"}});
}

TEST_CASE("a body may repeat a path parameter only with the same value") {
  auto route = deposit_route();
  CHECK(accepted(route, R"({"amount": 1, "accountId": "a-7"})").key == "a-7");
  CHECK(refusal_of(route, R"({"amount": 1, "accountId": "a-8"})")
        == "field 'accountId' disagrees with the path");
}

TEST_CASE("a key from the body is a string or a number at its JSON pointer") {
  auto route = deposit_route();
  route.key = {config::record_key::source::body_pointer, "/customer/id"};
  CHECK(accepted(route, R"({"amount": 1, "customer": {"id": "c-1"}})").key
        == "c-1");
  CHECK(accepted(route, R"({"amount": 1, "customer": {"id": 42}})").key
        == "42");
  CHECK(refusal_of(route, R"({"amount": 1})")
        == "field '/customer/id' (the record key) is missing");
  CHECK(refusal_of(route, R"({"amount": 1, "customer": {"id": [1]}})")
        == "field '/customer/id' (the record key) must be a string or a "
           "number");
  route.key.name = "/items/first";
  CHECK(refusal_of(route, R"({"amount": 1, "items": [1, 2]})")
        == "field '/items/first' (the record key) is missing");
}

TEST_CASE("a route refuses a body without its required fields, or a bad body "
          "as every route does") {
  auto route = deposit_route();
  CHECK(refusal_of(route, R"({"note": "x"})") == "field 'amount' is missing");
  CHECK(refusal_of(route, "[1]") == "the body must be a JSON object");
  auto big = read_route_request(route, account_7, {}, std::string(257, ' '));
  REQUIRE(std::holds_alternative<body_refusal>(big));
  CHECK(std::get<body_refusal>(big).problem == input_problem::body_too_large);
}
