#include "http/outcome_answer.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace semiasync;
using namespace semiasync::http;

namespace {

const request_id id{"0f8fad5b-d9cb-469f-a165-70867728950e"};

const std::vector<config::path_template::binding> account_7{
  {"accountId", "a 7"}};

config::route_spec deposit_route() {
  config::route_spec route;
  route.outcomes = {
    {"DepositAccepted",
     201,
     {"depositId", "balance"},
     "/accounts/{accountId}/deposits/{depositId}"},
    {"DepositRefused", 422, {}, ""},
  };
  return route;
}

/// The value of header `name` in `a`, if any.
std::optional<std::string> header_of(const answer& a, std::string_view name) {
  for (auto& [n, v] : a.headers)
    if (n == name) return v;
  return std::nullopt;
}

} // namespace

TEST_CASE("an outcome's rule decides status, body fields and Location") {
  auto a = answer_route_outcome(
    deposit_route(), account_7, "DepositAccepted",
    R"({"depositId": 12, "balance": 30, "internal": "x"})", id);
  CHECK(a.status == 201);
  CHECK(a.content_type == "application/json");
  CHECK(nlohmann::json::parse(a.body)
        == nlohmann::json{
          {"depositId", 12}, {"balance", 30}, {"requestId", id.value}});
  CHECK(header_of(a, "Location") == "/accounts/a%207/deposits/12");
}

TEST_CASE("a rule without body fields answers the whole outcome") {
  auto a = answer_route_outcome(deposit_route(), account_7, "DepositRefused",
                                R"({"reason": "overdraw"})", id);
  CHECK(a.status == 422);
  CHECK(nlohmann::json::parse(a.body)
        == nlohmann::json{{"reason", "overdraw"}, {"requestId", id.value}});
  CHECK_FALSE(header_of(a, "Location"));
}

TEST_CASE("a Location that cannot be filled is left out, not guessed") {
  auto a = answer_route_outcome(deposit_route(), account_7, "DepositAccepted",
                                R"({"balance": 30})", id);
  CHECK(a.status == 201);
  CHECK_FALSE(header_of(a, "Location"));
}

TEST_CASE("an unknown event type or a value that is no object is a 502") {
  auto unknown = answer_route_outcome(deposit_route(), account_7,
                                      "DepositVanished", "{}", id);
  CHECK(unknown.status == 502);
  CHECK(unknown.content_type == "application/problem+json");
  CHECK_THAT(unknown.body, Catch::Contains("DepositVanished"));
  auto garbage = answer_route_outcome(deposit_route(), account_7,
                                      "DepositRefused", "[1", id);
  CHECK(garbage.status == 502);
}
