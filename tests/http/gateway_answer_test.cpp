#include "domain/error.hpp"
#include "http/gateway_answer.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace semiasync;
using namespace semiasync::http;
using json = nlohmann::json;

namespace {

const request_id first{"0f8fad5b-d9cb-469f-a165-70867728950e"};
const request_id second{"1b4e28ba-2fa1-41d2-883f-0016d3cca427"};

const std::vector<config::path_template::binding> order_9{{"orderId", "9"}};

config::route_spec order_route() {
  config::route_spec route;
  route.name = "cancel";
  route.outcomes = {{"OrderCancelled", 200, {"state"}, "/orders/{orderId}"},
                    {"OrderShipped", 409, {}, ""}};
  return route;
}

std::optional<std::string> header_of(const answer& a, std::string_view name) {
  for (auto& [n, v] : a.headers)
    if (n == name) return v;
  return std::nullopt;
}

claim_result claim(claim_state state, std::optional<stored_reply> reply = {}) {
  return {state, first, std::move(reply), {}};
}

} // namespace

TEST_CASE("a fresh claim goes on; a retried key is answered from the store") {
  auto route = order_route();
  CHECK_FALSE(answer_claim(claim(claim_state::claimed), route, order_9));

  auto replayed = answer_claim(
    claim(claim_state::answered,
          stored_reply{"OrderCancelled", R"({"state":"cancelled","x":1})"}),
    route, order_9);
  REQUIRE(replayed);
  CHECK(replayed->status == 200);
  CHECK(json::parse(replayed->body)
        == json{{"state", "cancelled"}, {"requestId", first.value}});
  CHECK(header_of(*replayed, "Location") == "/orders/9");
  CHECK(header_of(*replayed, "Idempotent-Replayed") == "true");

  auto busy = answer_claim(claim(claim_state::in_flight), route, order_9);
  REQUIRE(busy);
  CHECK(busy->status == 409);
  CHECK(busy->content_type == "application/problem+json");
  CHECK(header_of(*busy, "Retry-After") == "1");
  CHECK(header_of(*busy, "Location") == "/requests/" + first.value);
  CHECK(json::parse(busy->body)["requestId"] == first.value);

  auto reused = answer_claim(claim(claim_state::body_mismatch), route, order_9);
  REQUIRE(reused);
  CHECK(reused->status == 422);
  CHECK_THAT(reused->body, Catch::Contains("another request"));
}

TEST_CASE("a route's request ends as create-user's do when no reply comes") {
  auto route = order_route();
  preferences plain;
  auto late = answer_route(make_error(error_code::reply_timeout), route,
                           order_9, second, plain, std::chrono::seconds{5});
  CHECK(late.status == 504);
  auto down = answer_route(make_error(error_code::publish_failed), route,
                           order_9, second, plain, std::chrono::seconds{5});
  CHECK(down.status == 503);
  preferences async{true, std::nullopt};
  auto accepted = answer_route(make_error(error_code::reply_timeout), route,
                               order_9, second, async, std::chrono::seconds{0});
  CHECK(accepted.status == 202);
  CHECK(header_of(accepted, "Location") == "/requests/" + second.value);
  CHECK(header_of(accepted, "Preference-Applied") == "respond-async");
  auto done
    = answer_route(route_reply{second, "OrderShipped", R"({"a":1})"}, route,
                   order_9, second, plain, std::chrono::seconds{5});
  CHECK(done.status == 409);
  CHECK(json::parse(done.body) == json{{"a", 1}, {"requestId", second.value}});
}

TEST_CASE("the status URL of a route's request answers from the store") {
  auto route = order_route();
  gateway_entry waiting{first, "cancel", std::nullopt, {}};
  auto pending = answer_route_status(waiting, &route);
  CHECK(pending.status == 202);
  CHECK(json::parse(pending.body)["status"] == "pending");
  CHECK(header_of(pending, "Retry-After") == "1");

  gateway_entry done{first,
                     "cancel",
                     stored_reply{"OrderCancelled", R"({"state":"cancelled"})"},
                     {}};
  auto finished = json::parse(answer_route_status(done, &route).body);
  CHECK(finished["status"] == "done");
  CHECK(finished["route"] == "cancel");
  CHECK(finished["eventType"] == "OrderCancelled");
  CHECK(finished["httpStatus"] == 200);
  CHECK(finished["body"]
        == json{{"state", "cancelled"}, {"requestId", first.value}});

  auto unrouted = json::parse(answer_route_status(done, nullptr).body);
  CHECK(unrouted["value"] == R"({"state":"cancelled"})");
}
