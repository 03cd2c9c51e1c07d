// A configured route against the real broker, with this test as the service:
// the request record it publishes (key, value with path parameters, headers),
// and how it answers each kind of reply: its rule, an event type it was not
// told about, a value that is no JSON object, and replies that name no
// request (skipped; the consumer lives on).

#include "kafka/route_codec.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "tests/integration/http_client.hpp"
#include "tests/integration/stack.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// A server with one route on this run's topics; this test replies.
struct cancel_route {
  cancel_route()
    : requests(run_prefix() + "-cancel"), replies(run_prefix() + "-cancelled") {
    create_topic(requests, 2);
    create_topic(replies, 2);
    wait_until_readable(requests);
    wait_until_readable(replies);
    auto config = std::string{SEMIASYNC_IT_LOG_DIR} + "/" + requests + ".yaml";
    std::ofstream{config} << "routes:\n"
                             "  - name: cancel\n"
                             "    method: POST\n"
                             "    path: /orders/{orderId}/cancel\n"
                             "    requestTopic: "
                          << requests << "\n    outcomeTopic: " << replies
                          << "\n"
                             "    key: path:orderId\n"
                             "    requiredFields: [reason]\n"
                             "    replyTimeoutMs: 10000\n"
                             "    outcomes:\n"
                             "      OrderCancelled:\n"
                             "        status: 200\n"
                             "        body: [state]\n"
                             "        location: /orders/{orderId}\n";
    server = start_server({"--config=" + config});
  }

  ~cancel_route() {
    server.process.reset();
    delete_topic(requests);
    delete_topic(replies);
  }

  /// Cancels `order` (as it appears in the path) in the background.
  std::future<http_response> cancel(const std::string& order,
                                    const json& body) const {
    auto port = server.port;
    auto path = "/orders/" + order + "/cancel";
    return std::async(std::launch::async, [port, path, body] {
      return http_send(port, json_post(path, body.dump()), 20s);
    });
  }

  /// Publishes a reply with `headers` and `value` to the reply topic.
  void reply(std::vector<header> headers, std::string value) const {
    produce({replies, {"", std::move(value), std::move(headers)}, -1});
  }

  std::string requests;
  std::string replies;
  server_instance server;
};

/// The request ID of the record captured for the next request.
std::string next_request(topic_capture& captured, size_t seen) {
  auto rec = captured.wait_for(
    [&](const kafka::record&) {
      return captured.records().size() > seen;
    },
    10s);
  REQUIRE(rec);
  auto id = captured.records().back().message.header_value("requestUUID");
  REQUIRE(id);
  return std::string{*id};
}

} // namespace

TEST_CASE("a route publishes its record and answers each kind of reply",
          "[route]") {
  cancel_route r;
  topic_capture captured{r.requests};

  auto first = r.cancel("a%2Fb", {{"reason", "late"}});
  auto rec = captured.wait_for(
    [](const kafka::record&) {
      return true;
    },
    10s);
  REQUIRE(rec);
  // The record: keyed by the decoded path parameter, which is also a field.
  CHECK(rec->message.key == "a/b");
  CHECK(json::parse(rec->message.value)
        == json{{"reason", "late"}, {"orderId", "a/b"}});
  auto header = rec->message.header_value("requestUUID");
  REQUIRE(header);
  auto id = std::optional<std::string>{std::string{*header}};
  CHECK_FALSE(rec->message.header_value("kafka_correlationId"));
  // Replies that name no request are skipped, not fatal.
  r.reply({{"eventType", "OrderCancelled"}}, "{}");
  r.reply({{"requestUUID", "not-a-uuid"}, {"eventType", "OrderCancelled"}},
          "{}");
  r.reply({{"requestUUID", *id}, {"eventType", "OrderCancelled"}},
          R"({"state": "cancelled", "internal": "x"})");
  auto answered = first.get();
  CAPTURE(answered.body);
  CHECK(answered.status == 200);
  CHECK(json::parse(answered.body)
        == json{{"state", "cancelled"}, {"requestId", *id}});
  CHECK(answered.header("Location") == "/orders/a%2Fb");

  auto unknown = r.cancel("o-2", {{"reason", "x"}});
  auto second = next_request(captured, 1);
  r.reply({{"requestUUID", second}, {"eventType", "OrderExploded"}}, "{}");
  auto bad_gateway = unknown.get();
  CHECK(bad_gateway.status == 502);
  CHECK_THAT(bad_gateway.body, Catch::Contains("OrderExploded"));

  auto garbled = r.cancel("o-3", {{"reason", "x"}});
  auto third = next_request(captured, 2);
  r.reply({{"requestUUID", third}, {"eventType", "OrderCancelled"}},
          "not json");
  CHECK(garbled.get().status == 502);

  // Refused before publishing: a body that contradicts the path.
  auto contradicting = r.cancel("o-4", {{"reason", "x"}, {"orderId", "o-5"}});
  CHECK(contradicting.get().status == 400);
  CHECK(captured.records().size() == 3);

  // Counted under the route's name; ready, its outcome partitions assigned.
  auto metrics = http_send(r.server.port, {"GET", "/metrics", {}, {}});
  CHECK_THAT(
    metrics.body,
    Catch::Contains(
      R"(semiasync_http_requests_total{route="cancel",status="502"} 2)"));
  CHECK(http_send(r.server.port, {"GET", "/readyz", {}, {}}).status == 200);
}
