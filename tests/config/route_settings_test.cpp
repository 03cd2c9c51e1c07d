#include "config/load.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_yaml.hpp"

using namespace semiasync::config;
using semiasync::testing::temp_yaml;

namespace {

env_lookup no_env() {
  return [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
}

/// A route list item (indented for a `routes:` key) with `path`, topics
/// and protocol as given.
std::string route(const std::string& path, const std::string& request,
                  const std::string& outcome,
                  const std::string& protocol = "semiasync") {
  return "  - method: POST\n    path: " + path
         + "\n    requestTopic: " + request + "\n    outcomeTopic: " + outcome
         + "\n    key: body:/id\n    replyProtocol: " + protocol
         + "\n    outcomes: {Done: {status: 201}}\n";
}

std::string error_of(const load_outcome& outcome) {
  if (std::holds_alternative<load_result>(outcome)) FAIL("expected an error");
  return std::get<load_error>(outcome).message;
}

settings values_of(const load_outcome& outcome) {
  if (auto* error = std::get_if<load_error>(&outcome))
    FAIL("unexpected error: " << error->message);
  return std::get<load_result>(outcome).values;
}

} // namespace

TEST_CASE("without routes the server has create-user alone") {
  CHECK(values_of(load({}, no_env())).routes.empty());
}

TEST_CASE("routes come from the config file or from routesFile") {
  auto two = route("/orders", "orders", "order_outcomes")
             + route("/payments", "payments", "payment_outcomes", "spring");
  SECTION("the config file's routes key") {
    temp_yaml file{"httpPort: 8081\nroutes:\n" + two};
    auto v = values_of(load({"--config=" + file.path()}, no_env()));
    REQUIRE(v.routes.size() == 2);
    CHECK(v.routes[0].path.text() == "/orders");
    CHECK(v.routes[1].type_header == "__TypeId__");
  }
  SECTION("a routes file holding a map with key routes") {
    temp_yaml file{"routes:\n" + two};
    auto v = values_of(load({"--routes-file=" + file.path()}, no_env()));
    CHECK(v.routes.size() == 2);
  }
  SECTION("a routes file holding the list alone") {
    temp_yaml file{route("/orders", "orders", "order_outcomes")};
    auto v = values_of(load({}, [&](const std::string& name) {
      return name == "SEMIASYNC_ROUTES_FILE" ? std::optional{file.path()}
                                             : std::nullopt;
    }));
    CHECK(v.routes.size() == 1);
  }
}

TEST_CASE("a bad route is refused at start, naming it") {
  auto refused = [](const std::string& yaml) {
    temp_yaml file{yaml};
    return error_of(load({"--config=" + file.path()}, no_env()));
  };
  CHECK_THAT(refused("routes:\n  - method: GET\n"),
             Catch::Contains("routes[0]")
               && Catch::Contains("must be POST, PUT, PATCH or DELETE"));
  CHECK_THAT(refused("routes:\n" + route("/users/{id}", "a", "b")),
             Catch::Contains("route 'POST /users/{id}'")
               && Catch::Contains("under /users"));
  CHECK_THAT(refused("routes:\n" + route("/{x}", "a", "b")),
             Catch::Contains("starts with a parameter"));
  CHECK_THAT(refused("routes:\n" + route("/a", "user", "b")),
             Catch::Contains("topic 'user' is create-user's"));
  CHECK_THAT(refused("routes:\n" + route("/a", "x", "x")),
             Catch::Contains("must differ"));
  CHECK_THAT(refused("routes:\n" + route("/a", "a", "out")
                     + route("/b", "b", "out")
                     + route("/c", "c", "out", "spring")),
             Catch::Contains("outcomeTopic 'out' is read by route 'POST /a'"));
  CHECK_THAT(
    refused("routes:\n" + route("/a", "a", "b") + route("/c", "b", "d")),
    Catch::Contains("requestTopic 'b' is another route's outcomeTopic"));
  CHECK_THAT(refused("rootes: []\n"), Catch::Contains("did you mean 'routes'"));
  CHECK_THAT(
    refused("idempotencyRetentionMs: 60000\nroutes:\n" + route("/a", "a", "b")),
    Catch::Contains("idempotencyRetentionMs (60000) must exceed the "
                    "longest reply deadline (30000 ms)"));
  CHECK_THAT(refused("produceTimeoutMs: 1000\nroutes:\n" + route("/a", "a", "b")
                     + "    replyTimeoutMs: 1000\n"),
             Catch::Contains("route 'POST /a': replyTimeoutMs (1000) must be "
                             "more than produceTimeoutMs (1000)"));
}

TEST_CASE("routes in both places are refused: one list would go unused") {
  temp_yaml list{route("/orders", "orders", "order_outcomes")};
  temp_yaml file{"routes:\n" + route("/other", "other", "other_outcomes")};
  auto why = error_of(load(
    {"--config=" + file.path(), "--routes-file=" + list.path()}, no_env()));
  CHECK_THAT(why, Catch::Contains("routes are given twice"));
}

TEST_CASE("a missing or malformed routes file is refused, naming it") {
  CHECK_THAT(error_of(load({"--routes-file=/nonexistent/r.yaml"}, no_env())),
             Catch::Contains("routesFile '/nonexistent/r.yaml': no such file"));
  temp_yaml other{"paths: []\n"};
  CHECK_THAT(error_of(load({"--routes-file=" + other.path()}, no_env())),
             Catch::Contains("a map with key routes"));
}

TEST_CASE("--help documents every route key") {
  auto help = help_text("semiasync");
  for (auto key : {"routesFile", "idempotencyRetentionMs", "requestTopic",
                   "outcomeTopic", "requiredFields", "replyProtocol",
                   "typeHeader", "replyTimeoutMs", "location", "maxBodyBytes"})
    CHECK_THAT(help, Catch::Contains(key));
}
