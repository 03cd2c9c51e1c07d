// The README's "Your own endpoint", run as written: a route in YAML and the
// Python replier of examples/python-replier (Debian's confluent-kafka) in the
// `semiasync` reply protocol, answered through the real HTTP port.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/http_client.hpp"
#include "tests/integration/stack.hpp"
#include "tests/interop/foreign_service.hpp"

using namespace semiasync::testing;
using json = nlohmann::json;

namespace {

/// The README's route, on this run's topics.
std::string greetings_config(const std::string& requests,
                             const std::string& outcomes) {
  return "routes:\n"
         "  - name: greet\n"
         "    method: POST\n"
         "    path: /greetings\n"
         "    requestTopic: "
         + requests + "\n    outcomeTopic: " + outcomes
         + "\n"
           "    key: body:/name\n"
           "    requiredFields: [name]\n"
           "    outcomes:\n"
           "      Greeted: {status: 201}\n"
           "      Refused: {status: 422}\n";
}

} // namespace

TEST_CASE("a Python replier behind a semiasync route answers through HTTP",
          "[interop]") {
  auto requests = run_prefix() + "-greetings";
  auto outcomes = run_prefix() + "-greeted";
  create_topic(requests, 2);
  create_topic(outcomes, 4);
  wait_until_readable(requests);
  wait_until_readable(outcomes);
  auto replier = start_python_replier(requests, outcomes);
  INFO(replier->log_tail());
  auto config = write_config(run_prefix() + "-greetings.yaml",
                             greetings_config(requests, outcomes));
  for (auto routing : {"broadcast", "steered"}) {
    CAPTURE(routing);
    auto server = start_server(
      {"--config=" + config, std::string{"--outcome-routing="} + routing});
    auto greeted
      = http_send(server.port, json_post("/greetings", R"({"name": "ann"})"));
    CAPTURE(greeted.body);
    REQUIRE(greeted.status == 201);
    auto doc = json::parse(greeted.body);
    CHECK(doc.at("greeting") == "hello ann");
    CHECK(
      replier->times_handled_eventually(doc.at("requestId").get<std::string>())
      == 1);

    auto refused = http_send(server.port,
                             json_post("/greetings", R"({"name": "nobody"})"));
    CHECK(refused.status == 422);
    CHECK(json::parse(refused.body).at("error") == "will not greet nobody");

    // respond-async: a 202 at once, the answer at the status URL.
    auto later
      = http_send(server.port, json_post("/greetings", R"({"name": "bea"})",
                                         {{"Prefer", "respond-async"}}));
    REQUIRE(later.status == 202);
    auto location = later.header("Location").value_or("");
    CHECK_THAT(location, Catch::StartsWith("/requests/"));
    http_response status;
    for (int i = 0; i < 50; ++i) {
      status = http_send(server.port, {"GET", location, {}, {}});
      if (status.status != 202) break;
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    CAPTURE(status.body);
    REQUIRE(status.status == 200);
    CHECK(json::parse(status.body).at("body").at("greeting") == "hello bea");

    // Checked by the gateway, never published: the replier sees nothing.
    auto missing = http_send(server.port, json_post("/greetings", "{}"));
    CHECK(missing.status == 400);
    CHECK(missing.header("Content-Type") == "application/problem+json");
    auto wrong_method = http_send(server.port, {"GET", "/greetings", {}, {}});
    CHECK(wrong_method.status == 405);
    CHECK(wrong_method.header("Allow") == "POST");
  }
  replier.reset();
  delete_topic(requests);
  delete_topic(outcomes);
}
