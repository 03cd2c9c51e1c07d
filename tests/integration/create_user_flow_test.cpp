// The create-user flow as a client sees it: real server and worker
// processes, real Kafka and MariaDB, answers read off the HTTP port and rows
// read from app.users.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <thread>

#include "tests/integration/checks.hpp"
#include "tests/integration/pipeline.hpp"

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) {
    return std::toupper(c);
  });
  return text;
}

} // namespace

TEST_CASE("a fresh name is answered 201 and stored with its request ID",
          "[flow]") {
  auto& stack = pipeline::shared();
  std::string name;
  std::string path;
  SECTION("POST /users") {
    name = unique_name("fresh");
    path = "/users";
  }
  SECTION("POST / as the reference serves it") {
    name = unique_name("root");
    path = "/";
  }
  SECTION("a name of exactly 255 characters") {
    name = unique_name("long");
    name.append(255 - name.size(), 'x');
    path = "/users";
  }
  auto resp = http_send(stack.port(), json_post(path, name_body(name)));
  INFO(stack.log_tails());
  auto uuid = check_created(resp, name);
  auto id = request_id_of(resp);
  // The worker stored the row before it published the outcome.
  auto row = find_user(name);
  REQUIRE(row);
  CHECK(row->user.value == uuid);
  CHECK(row->name.value == name);
  CHECK(row->request.value == id);
}

TEST_CASE("the same name again is 409 and leaves one row", "[flow]") {
  auto& stack = pipeline::shared();
  auto name = unique_name("dup");
  auto first = stack.create_user(name);
  auto uuid = check_created(first, name);
  SECTION("exactly the same name") {
    auto second = stack.create_user(name);
    check_problem(second, 409);
    CHECK(request_id_of(second) != request_id_of(first));
  }
  SECTION("the name in other case, as the collation compares") {
    auto second = stack.create_user(upper(name));
    check_problem(second, 409);
  }
  CHECK(count_users_named(name) == 1);
  auto row = find_user(name);
  REQUIRE(row);
  CHECK(row->user.value == uuid);
  CHECK(row->request.value == request_id_of(first));
}

TEST_CASE("invalid requests get problem json with the matching status",
          "[flow]") {
  // Validation happens in the server: no worker needed.
  auto server = start_server();
  auto json = [](std::string body) {
    return json_post("/users", body);
  };
  struct probe {
    const char* what;
    http_request request;
    int status;
  };
  std::string huge_name(70 * 1024, 'a');
  std::vector<probe> probes{
    {"malformed JSON", json(R"({"name": )"), 400},
    {"not an object", json(R"(["name"])"), 400},
    {"name missing", json(R"({"nom": "x"})"), 400},
    {"name a number", json(R"({"name": 42})"), 400},
    {"name null", json(R"({"name": null})"), 400},
    {"name empty", json(R"({"name": ""})"), 400},
    {"name blank", json(R"({"name": " \t  "})"), 400},
    {"name of 256 characters", json(name_body(std::string(256, 'n'))), 400},
    {"invalid UTF-8", json("{\"name\": \"bad \xC3\x28 \xFF\"}"), 400},
    {"empty body", json(""), 400},
    {"70 KiB body", json(name_body(huge_name)), 413},
    {"text/plain",
     {"POST", "/users", {{"Content-Type", "text/plain"}}, name_body("x")},
     415},
    {"malformed Idempotency-Key",
     json_post("/users", name_body("x"), {{"Idempotency-Key", "has space"}}),
     400},
  };
  for (auto& p : probes) {
    INFO("case: " << p.what);
    auto resp = http_send(server.port, p.request);
    check_problem(resp, p.status);
  }
  {
    INFO("case: 404 for an unknown path");
    auto resp = http_send(server.port, {"GET", "/nope", {}, {}});
    check_problem(resp, 404);
  }
  {
    INFO("case: 405 with Allow for GET /users");
    auto resp = http_send(server.port, {"GET", "/users", {}, {}});
    check_problem(resp, 405);
    CHECK(resp.header("allow") == "POST");
  }
  {
    INFO("case: 405 with Allow for POST /healthz");
    auto resp = http_send(server.port, json_post("/healthz", "{}"));
    check_problem(resp, 405);
    CHECK(resp.header("ALLOW") == "GET, HEAD");
  }
  CHECK(server.process->running());
}

TEST_CASE("an Idempotency-Key retry gets the original 201 not a 409",
          "[flow]") {
  auto& stack = pipeline::shared();
  auto name = unique_name("idem");
  http_headers key{{"Idempotency-Key", unique_name("key")}};
  auto first = stack.create_user(name, key);
  auto uuid = check_created(first, name);
  auto second = stack.create_user(name, key);
  CHECK(check_created(second, name) == uuid);
  CHECK(request_id_of(second) == request_id_of(first));
  // Another key is another request: an ordinary duplicate.
  auto other
    = stack.create_user(name, {{"Idempotency-Key", unique_name("key")}});
  check_problem(other, 409);
  CHECK(count_users_named(name) == 1);
}

TEST_CASE("operational endpoints answer", "[flow][ops]") {
  auto server = start_server();
  auto healthz = http_send(server.port, {"GET", "/healthz", {}, {}});
  CHECK(healthz.status == 200);
  auto readyz = http_send(server.port, {"GET", "/readyz", {}, {}});
  CHECK(readyz.status == 200);
  CHECK(readyz.header("Content-Type").value_or("").rfind("application/json", 0)
        == 0);
  CHECK(json_body(readyz).is_object());
  auto metrics = http_send(server.port, {"GET", "/metrics", {}, {}});
  CHECK(metrics.status == 200);
  CHECK(metrics.header("Content-Type").value_or("").rfind("text/plain", 0)
        == 0);
  INFO("metrics: " << metrics.body);
  CHECK(metrics.body.find("# TYPE ") != std::string::npos);
}

TEST_CASE("without a worker the server answers 504 and a later worker "
          "still creates the user",
          "[flow][timeout]") {
  users_cleanup cleanup;
  // A request topic and worker group of this test alone: workers of other
  // tests (or a running demo) must not answer these requests.
  scoped_topic topic{run_prefix() + "-requests"};
  // The produce timeout must stay below the reply timeout (config check).
  auto server
    = start_server({"--reply-timeout-ms=1500", "--produce-timeout-ms=1000",
                    "--request-topic=" + topic.name()});
  auto name = unique_name("late");
  http_headers key{{"Idempotency-Key", unique_name("key")}};
  auto request = json_post("/users", name_body(name), key);

  auto start = clock_type::now();
  auto timed_out = http_send(server.port, request);
  auto elapsed = clock_type::now() - start;
  INFO("server log:\n" << server.process->log_tail());
  check_problem(timed_out, 504);
  CHECK(elapsed >= 1400ms);
  CHECK(elapsed < 4s);
  auto id = request_id_of(timed_out);
  CHECK_FALSE(find_user(name));

  // The request waited in Kafka; a worker that starts now still serves it.
  auto worker = start_worker({"--request-topic=" + topic.name(),
                              "--worker-group=" + run_prefix() + "-workers"});
  INFO("worker log:\n" << worker->log_tail());
  auto row = wait_for_user(name, 60s);
  REQUIRE(row);
  CHECK(row->request.value == id);

  // The client's retry with the same key gets the original outcome. The
  // worker owns its partitions by now; a slow machine may still need a
  // second try, which is what a client does after a 504.
  auto deadline = clock_type::now() + 20s;
  auto retry = http_send(server.port, request);
  while (retry.status == 504 && clock_type::now() < deadline)
    retry = http_send(server.port, request);
  CHECK(check_created(retry, name) == row->user.value);
  CHECK(request_id_of(retry) == id);
  CHECK(count_users_named(name) == 1);
}
