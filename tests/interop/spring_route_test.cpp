// A real Spring Kafka service (@KafkaListener + @SendTo,
// examples/spring-orders) behind a `spring` route, as issue 16 asks: its code
// knows nothing of semiasync, yet POST /orders answers synchronously, on either
// of two steered server instances, with the gateway keeping the Idempotency-Key
// promises the service does not keep.

#include <catch2/catch.hpp>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/http_client.hpp"
#include "tests/integration/stack.hpp"
#include "tests/interop/foreign_service.hpp"

using namespace semiasync::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// How long the service takes for item "slow": beyond the route's deadline.
constexpr int slow_ms = 2500;

/// The orders route of the README's example, on this run's topics.
std::string orders_config(const std::string& requests,
                          const std::string& replies) {
  return "routes:\n"
         "  - name: place-order\n"
         "    method: POST\n"
         "    path: /orders\n"
         "    requestTopic: "
         + requests + "\n    outcomeTopic: " + replies
         + "\n"
           "    key: body:/item\n"
           "    requiredFields: [item, quantity]\n"
           "    replyProtocol: spring\n"
           "    replyTimeoutMs: 1000\n"
           "    outcomes:\n"
           "      example.orders.OrderPlaced:\n"
           "        status: 201\n"
           "        location: /orders/{orderId}\n"
           "      example.orders.OrderRejected: {status: 422}\n";
}

/// The Spring service and two steered server instances in front of it,
/// each reading its own half of the reply topic's partitions.
struct spring_gateway {
  spring_gateway()
    : requests(run_prefix() + "-orders"), replies(run_prefix() + "-replies") {
    create_topic(requests, 3);
    create_topic(replies, 6);
    wait_until_readable(requests);
    wait_until_readable(replies);
    service = start_spring_orders(requests, slow_ms);
    auto config = write_config(run_prefix() + "-orders.yaml",
                               orders_config(requests, replies));
    for (auto partitions : {"0,1,2", "3,4,5"})
      servers.push_back(
        start_server({"--config=" + config, "--outcome-routing=steered",
                      "--produce-timeout-ms=500",
                      std::string{"--reply-partitions="} + partitions}));
  }

  ~spring_gateway() {
    servers.clear();
    service.reset();
    delete_topic(requests);
    delete_topic(replies);
  }

  /// POST /orders to instance `which` with `headers`.
  http_response order(size_t which, const json& body,
                      http_headers headers = {}) const {
    return http_send(servers.at(which).port,
                     json_post("/orders", body.dump(), std::move(headers)));
  }

  std::string requests;
  std::string replies;
  std::unique_ptr<foreign_service> service;
  std::vector<server_instance> servers;
};

std::string request_id_of(const http_response& r) {
  auto doc = json::parse(r.body, nullptr, false);
  REQUIRE(doc.is_object());
  REQUIRE(doc.contains("requestId"));
  return doc["requestId"].get<std::string>();
}

} // namespace

TEST_CASE("a Spring listener behind a spring route answers on either "
          "instance, its error replies by their rule",
          "[interop]") {
  spring_gateway g;
  INFO(g.service->log_tail());

  auto placed = g.order(0, {{"item", unique_name("book")}, {"quantity", 2}});
  CAPTURE(placed.body);
  REQUIRE(placed.status == 201);
  auto body = json::parse(placed.body);
  auto order_id = body.at("orderId").get<std::string>();
  CHECK(body.at("quantity") == 2);
  CHECK(placed.header("Location") == "/orders/" + order_id);
  CHECK(g.service->times_handled_eventually(request_id_of(placed)) == 1);

  auto rejected = g.order(1, {{"item", unique_name("book")}, {"quantity", 0}});
  CAPTURE(rejected.body);
  CHECK(rejected.status == 422);
  CHECK_THAT(json::parse(rejected.body).value("error", ""),
             Catch::Contains("quantity must be positive"));

  SECTION("concurrent orders on both instances each get their own answer") {
    std::vector<std::future<std::pair<std::string, http_response>>> calls;
    for (int i = 0; i < 12; ++i)
      calls.push_back(std::async(std::launch::async, [&g, i] {
        auto item = unique_name("pen");
        return std::make_pair(
          item, g.order(i % 2, {{"item", item}, {"quantity", i + 1}}));
      }));
    for (auto& call : calls) {
      auto [item, answer] = call.get();
      CAPTURE(item, answer.body);
      REQUIRE(answer.status == 201);
      CHECK(json::parse(answer.body).at("item") == item);
    }
  }
}

TEST_CASE("a spring route's 504 is followed by the stored answer for a "
          "retry with the same key, the service applying it once",
          "[interop]") {
  spring_gateway g;
  INFO(g.service->log_tail());
  auto key = unique_name("key");
  json slow{{"item", "slow"}, {"quantity", 1}};

  auto first = g.order(0, slow, {{"Idempotency-Key", key}});
  CAPTURE(first.body);
  REQUIRE(first.status == 504);
  auto id = request_id_of(first);

  // In flight: the service has not answered yet, so no second attempt goes
  // out (it would be applied twice) and the client is told to come back.
  auto busy = g.order(1, slow, {{"Idempotency-Key", key}});
  CHECK(busy.status == 409);
  CHECK(busy.header("Retry-After") == "1");
  CHECK(request_id_of(busy) == id);

  http_response replayed;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  do {
    std::this_thread::sleep_for(200ms);
    replayed = g.order(1, slow, {{"Idempotency-Key", key}});
  } while (replayed.status == 409
           && std::chrono::steady_clock::now() < deadline);
  CAPTURE(replayed.body);
  REQUIRE(replayed.status == 201);
  CHECK(replayed.header("Idempotent-Replayed") == "true");
  CHECK(request_id_of(replayed) == id);
  CHECK(g.service->times_handled_eventually(id) == 1);

  auto status
    = http_send(g.servers[0].port, {"GET", "/requests/" + id, {}, {}});
  CAPTURE(status.body);
  CHECK(status.status == 200);
  auto doc = json::parse(status.body);
  CHECK(doc.at("status") == "done");
  CHECK(doc.at("httpStatus") == 201);
  CHECK(doc.at("eventType") == "example.orders.OrderPlaced");

  auto other = g.order(0, {{"item", "slow"}, {"quantity", 3}},
                       {{"Idempotency-Key", key}});
  CHECK(other.status == 422);
  CHECK(g.service->times_handled_eventually(id) == 1);
}
