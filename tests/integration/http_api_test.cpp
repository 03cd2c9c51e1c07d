// The HTTP API beyond a plain create, as a client sees it through the real
// port of real server and worker processes: Idempotency-Key retries and
// misuse, `Prefer: respond-async` / `wait=`, the read endpoints
// (GET /requests/<id>, GET /users/<uuid>), /readyz across a broker outage
// and the Prometheus counters of server and worker.
//
// Tests that need a worker they can pause, start late or count alone run a
// `private_pipeline` on topics and a worker group of their own; the others
// use the shared pipeline.

#include "domain/ascii_text.hpp"
#include "domain/uuid.hpp"

#include <catch2/catch.hpp>
#include <cctype>
#include <csignal>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>

#include "tests/integration/checks.hpp"
#include "tests/integration/pause_guard.hpp"
#include "tests/integration/pipeline.hpp"

#ifndef SEMIASYNC_IT_STACK_SCRIPT
#  error "SEMIASYNC_IT_STACK_SCRIPT must name scripts/stack"
#endif
#ifndef SEMIASYNC_IT_LOG_DIR
#  error "SEMIASYNC_IT_LOG_DIR must name a directory for process logs"
#endif

using namespace semiasync;
using namespace semiasync::testing;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

/// How often bounded polls look again.
constexpr auto poll_interval = 100ms;

/// A GET of `path` without extra headers.
http_request get(std::string path) {
  return {"GET", std::move(path), {}, {}};
}

/// Seconds since `start`, for messages and bounds.
double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// True when `text` contains `word`, compared case-insensitively.
bool contains_ignoring_case(const std::string& text, const std::string& word) {
  return ascii_lowercase(text).find(ascii_lowercase(word)) != std::string::npos;
}

/// A problem answer to a GET. The contract asks for X-Request-Id on POST
/// answers only, so here the header is optional; when present it must name
/// the same request as the body.
void check_get_problem(const http_response& resp, int status) {
  INFO("status " << resp.status << ", body: " << resp.body);
  CHECK(resp.status == status);
  CHECK(resp.header("Content-Type")
          .value_or("")
          .rfind("application/problem+json", 0)
        == 0);
  auto doc = json_body(resp);
  REQUIRE(doc.is_object());
  CHECK(doc.value("type", nlohmann::json{}).is_string());
  CHECK(doc.value("title", nlohmann::json{}).is_string());
  CHECK(doc.value("status", nlohmann::json{}) == status);
  CHECK(doc.value("detail", nlohmann::json{}).is_string());
  auto id = doc.value("requestId", nlohmann::json{});
  REQUIRE(id.is_string());
  CHECK(is_canonical_uuid(id.get<std::string>()));
  if (auto header = resp.header("X-Request-Id")) CHECK(*header == id);
}

/// A 202 for the request `id`: `Location: /requests/<id>`, `Retry-After`
/// and the JSON body `{"requestId": id, "status": "pending"}`.
void check_pending(const http_response& resp, const std::string& id) {
  INFO("status " << resp.status << ", body: " << resp.body);
  REQUIRE(resp.status == 202);
  CHECK(resp.header("Location") == "/requests/" + id);
  CHECK(resp.header("Retry-After"));
  CHECK(resp.header("Content-Type").value_or("").rfind("application/json", 0)
        == 0);
  auto doc = json_body(resp);
  CHECK(doc.value("requestId", nlohmann::json{}) == id);
  CHECK(doc.value("status", nlohmann::json{}) == "pending");
}

/// Polls GET /requests/<id> on `port` until it answers anything but 202 or
/// `timeout` passes; returns the last answer.
http_response poll_request_status(uint16_t port, const std::string& id,
                                  std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  auto resp = http_send(port, get("/requests/" + id));
  while (resp.status == 202 && clock_type::now() < deadline) {
    std::this_thread::sleep_for(poll_interval);
    resp = http_send(port, get("/requests/" + id));
  }
  return resp;
}

/// POSTs `request` until it is answered 201 or `timeout` passes; a 504 or
/// 503 is what a client retries (with the same Idempotency-Key). Returns the
/// last answer.
http_response post_until_created(uint16_t port, const http_request& request,
                                 std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    auto resp = http_send(port, request);
    if (resp.status == 201 || clock_type::now() >= deadline) return resp;
    if (resp.status != 504 && resp.status != 503) return resp;
    std::this_thread::sleep_for(poll_interval);
  }
}

// -- a pipeline of one test's own --------------------------------------------

/// A server and a worker on topics and a worker group of their own, so a
/// test may start the worker late, pause it or count its metrics without
/// other tests' traffic. The worker is started on request.
class private_pipeline {
public:
  /// Creates the topics (`label` makes them recognisable in the broker) and
  /// starts the server with `server_flags` added.
  private_pipeline(const std::string& label,
                   std::vector<std::string> server_flags = {})
    : base_(unique_name(label)) {
    for (auto* suffix : {"-requests", "-outcomes", "-dlq"}) {
      // Two partitions: little to assign, still more than one.
      create_topic(base_ + suffix, 2);
      topics_.push_back(base_ + suffix);
    }
    server_flags.push_back("--request-topic=" + topics_[0]);
    server_flags.push_back("--outcome-topic=" + topics_[1]);
    server_ = start_server(server_flags);
  }

  ~private_pipeline() {
    if (worker_) {
      // A paused worker would ignore SIGTERM until its grace ran out.
      ::kill(worker_->pid(), SIGCONT);
      worker_->terminate();
    }
    server_.process->terminate();
    for (auto& topic : topics_)
      delete_topic(topic);
  }

  private_pipeline(const private_pipeline&) = delete;
  private_pipeline& operator=(const private_pipeline&) = delete;

  /// Starts the worker on this pipeline's topics and group; `metrics_port`
  /// 0 means no metrics endpoint (the default port 9091 would collide with
  /// other workers of this test process).
  void start_worker(uint16_t metrics_port = 0) {
    worker_ = testing::start_worker(
      {"--request-topic=" + topics_[0], "--outcome-topic=" + topics_[1],
       "--dead-letter-topic=" + topics_[2],
       "--worker-group=" + base_ + "-workers",
       "--worker-metrics-port=" + std::to_string(metrics_port)});
  }

  /// Sends one request through until it is answered 201: afterwards the
  /// worker owns its partitions. Fails the test when it never is.
  void warm_up() {
    auto name = unique_name("warm-up");
    auto resp = post_until_created(
      port(), json_post("/users", name_body(name), {{"Idempotency-Key", name}}),
      60s);
    INFO(log_tails());
    REQUIRE(resp.status == 201);
  }

  /// The server's HTTP port.
  uint16_t port() const noexcept {
    return server_.port;
  }

  /// The server process.
  child_process& server() {
    return *server_.process;
  }

  /// The worker process; `start_worker` must have run.
  child_process& worker() {
    REQUIRE(worker_);
    return *worker_;
  }

  /// POST /users with `{"name": name}` and `headers`.
  http_response create_user(const std::string& name,
                            http_headers headers = {}) const {
    return http_send(port(),
                     json_post("/users", name_body(name), std::move(headers)));
  }

  /// Log tails of both processes, for failure messages.
  std::string log_tails() const {
    auto text = "server " + server_.process->describe_status() + "\n"
                + server_.process->log_tail();
    if (worker_)
      text += "\nworker " + worker_->describe_status() + "\n"
              + worker_->log_tail();
    return text;
  }

private:
  // Declared first so it runs last, after the processes stopped.
  users_cleanup cleanup_;
  std::string base_;
  std::vector<std::string> topics_;
  server_instance server_;
  std::unique_ptr<child_process> worker_;
};

// -- Prometheus text exposition -----------------------------------------------

/// One sample line: name, labels (order as sent is irrelevant) and value.
struct metric_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

/// A parsed scrape.
struct exposition {
  std::vector<metric_sample> samples;
  /// Metric families announced by `# TYPE`.
  std::set<std::string> typed;

  /// The value of the one series `name` whose labels include `labels`;
  /// nothing when no series matches (a counter not yet incremented may be
  /// absent). Fails the test when several match: the caller was vague.
  std::optional<double> find(const std::string& name,
                             const std::map<std::string, std::string>& labels
                             = {}) const {
    std::optional<double> result;
    for (auto& s : samples) {
      if (s.name != name) continue;
      bool match = true;
      for (auto& [key, value] : labels) {
        auto i = s.labels.find(key);
        if (i == s.labels.end() || i->second != value) match = false;
      }
      if (!match) continue;
      INFO("series " << name << " matched more than once");
      REQUIRE_FALSE(result);
      result = s.value;
    }
    return result;
  }

  /// `find`, counting an absent series as 0.
  double value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const {
    return find(name, labels).value_or(0.0);
  }
};

/// Parses the Prometheus text format (version 0.0.4); throws on any line
/// that is neither a comment nor a well-formed sample.
exposition parse_exposition(const std::string& text) {
  exposition result;
  std::istringstream lines{text};
  std::string line;
  auto malformed = [&](const char* why) {
    return std::runtime_error(std::string{"metrics: "} + why
                              + " in line: " + line);
  };
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words{line};
      std::string hash, keyword, family;
      words >> hash >> keyword >> family;
      if (keyword == "TYPE") result.typed.insert(family);
      continue;
    }
    metric_sample s;
    size_t i = 0;
    while (i < line.size()
           && (std::isalnum(static_cast<unsigned char>(line[i]))
               || line[i] == '_' || line[i] == ':'))
      ++i;
    s.name = line.substr(0, i);
    if (s.name.empty()) throw malformed("no metric name");
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        auto eq = line.find('=', i);
        if (eq == std::string::npos || eq + 1 >= line.size()
            || line[eq + 1] != '"')
          throw malformed("label without =\"");
        auto key = line.substr(i, eq - i);
        std::string value;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\' && j + 1 < line.size()) {
            ++j;
            value += line[j] == 'n' ? '\n' : line[j];
          } else {
            value += line[j];
          }
        }
        if (j >= line.size()) throw malformed("unterminated label value");
        if (!s.labels.emplace(key, value).second)
          throw malformed("repeated label");
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) throw malformed("unterminated label set");
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') throw malformed("no value");
    std::istringstream rest{line.substr(i + 1)};
    std::string number;
    rest >> number;
    try {
      size_t used = 0;
      s.value = std::stod(number, &used);
      if (used != number.size()) throw malformed("trailing characters");
    } catch (const std::logic_error&) {
      // "+Inf", "-Inf" and "NaN" are what stod reads too; anything else is
      // not a number.
      throw malformed("value is not a number");
    }
    result.samples.push_back(std::move(s));
  }
  return result;
}

/// GET /metrics on `port`, checked (200, text/plain) and parsed.
exposition scrape(uint16_t port) {
  auto resp = http_send(port, get("/metrics"));
  INFO("metrics answer " << resp.status << ": " << resp.body);
  REQUIRE(resp.status == 200);
  CHECK(resp.header("Content-Type").value_or("").rfind("text/plain", 0) == 0);
  return parse_exposition(resp.body);
}

// -- the local stack's script
// ---------------------------------------------------

/// Runs `scripts/stack <command> kafka` and waits for it (bounded).
void stack_kafka(const std::string& command, std::chrono::seconds timeout) {
  child_process proc{{SEMIASYNC_IT_STACK_SCRIPT, command, "kafka"},
                     {},
                     std::string{SEMIASYNC_IT_LOG_DIR} + "/stack-" + command
                       + "-kafka-" + std::to_string(::getpid()) + ".log"};
  auto deadline = clock_type::now() + timeout;
  while (proc.running() && clock_type::now() < deadline)
    std::this_thread::sleep_for(poll_interval);
  if (proc.running()) proc.terminate();
  auto status = proc.status();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("scripts/stack " + command + " kafka failed ("
                             + proc.describe_status() + ")\n"
                             + proc.log_tail());
}

/// Starts Kafka again when destroyed unless disarmed: a failing test must
/// not leave the shared broker down for every later test.
class kafka_restart_guard {
public:
  kafka_restart_guard() = default;

  ~kafka_restart_guard() {
    if (!armed_) return;
    try {
      stack_kafka("start", 120s);
    } catch (const std::exception& ex) {
      WARN("could not start Kafka again: " << ex.what());
    }
  }

  kafka_restart_guard(const kafka_restart_guard&) = delete;
  kafka_restart_guard& operator=(const kafka_restart_guard&) = delete;

  /// Kafka runs again: nothing left to do.
  void disarm() noexcept {
    armed_ = false;
  }

private:
  bool armed_ = true;
};

/// Polls /readyz on `port` until it answers `status` or `timeout` passes;
/// returns the last answer (nothing when the server did not answer).
std::optional<http_response>
wait_for_readyz(uint16_t port, int status, std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  std::optional<http_response> last;
  for (;;) {
    last = try_http_send(port, get("/readyz"), 3s);
    if ((last && last->status == status) || clock_type::now() >= deadline)
      return last;
    std::this_thread::sleep_for(poll_interval);
  }
}

} // namespace

// -- Idempotency-Key
// -----------------------------------------------------------

TEST_CASE("a retry with the same Idempotency-Key after a 504 gets the "
          "original 201",
          "[api][idempotency]") {
  // No worker yet, a short reply timeout (the produce timeout must stay
  // below it): the first attempt times out for sure.
  private_pipeline p{"idem-504",
                     {"--reply-timeout-ms=1500", "--produce-timeout-ms=1000"}};
  auto name = unique_name("idem-504");
  auto key = unique_name("key");
  auto request
    = json_post("/users", name_body(name), {{"Idempotency-Key", key}});

  auto start = clock_type::now();
  auto timed_out = http_send(p.port(), request);
  auto elapsed = seconds_since(start);
  INFO(p.log_tails());
  check_problem(timed_out, 504);
  CHECK(elapsed >= 1.4);
  CHECK(elapsed < 4.0);
  auto id = request_id_of(timed_out);
  // The README: the request ID is the UUIDv5 of the key.
  CHECK(id[14] == '5');
  CHECK_FALSE(find_user(name));

  p.start_worker();
  auto retry = post_until_created(p.port(), request, 30s);
  auto uuid = check_created(retry, name);
  CHECK(request_id_of(retry) == id);
  auto row = find_user(name);
  REQUIRE(row);
  CHECK(row->user.value == uuid);
  CHECK(row->request.value == id);

  // Once more: the stored outcome again, never a 409.
  auto again = http_send(p.port(), request);
  CHECK(check_created(again, name) == uuid);
  CHECK(request_id_of(again) == id);
  CHECK(count_users_named(name) == 1);
}

TEST_CASE("an Idempotency-Key reused with another name is refused with 422",
          "[api][idempotency]") {
  auto& stack = pipeline::shared();
  INFO(stack.log_tails());
  auto key = unique_name("key");
  http_headers with_key{{"Idempotency-Key", key}};
  std::string first_id;
  SECTION("after its first use created a user") {
    auto name = unique_name("idem-first");
    auto first = stack.create_user(name, with_key);
    auto uuid = check_created(first, name);
    first_id = request_id_of(first);
    auto other = unique_name("idem-other");
    auto refused = stack.create_user(other, with_key);
    check_problem(refused, 422);
    CHECK(request_id_of(refused) == first_id);
    CHECK_FALSE(find_user(other));
    // The key still means its first request.
    auto retry = stack.create_user(name, with_key);
    CHECK(check_created(retry, name) == uuid);
  }
  SECTION("after its first use was a duplicate") {
    auto taken = unique_name("idem-taken");
    check_created(stack.create_user(taken), taken);
    auto first = stack.create_user(taken, with_key);
    check_problem(first, 409);
    first_id = request_id_of(first);
    auto fresh = unique_name("idem-fresh");
    auto refused = stack.create_user(fresh, with_key);
    check_problem(refused, 422);
    CHECK(request_id_of(refused) == first_id);
    CHECK_FALSE(find_user(fresh));
    // The key's own retry keeps its recorded answer.
    check_problem(stack.create_user(taken, with_key), 409);
    CHECK(count_users_named(taken) == 1);
  }
}

TEST_CASE("a malformed Idempotency-Key is answered 400", "[api][idempotency]") {
  auto& stack = pipeline::shared();
  INFO(stack.log_tails());
  std::string key;
  SECTION("empty") {
    key = "";
  }
  SECTION("256 characters") {
    key = unique_name("key");
    key.append(256 - key.size(), 'k');
  }
  SECTION("a tab") {
    key = unique_name("key") + "\tx";
  }
  SECTION("non-ASCII") {
    key = unique_name("key") + "-\xC3\xA9";
  }
  auto name = unique_name("bad-key");
  auto resp = stack.create_user(name, {{"Idempotency-Key", key}});
  check_problem(resp, 400);
  CHECK(contains_ignoring_case(json_body(resp).value("detail", ""),
                               "Idempotency-Key"));
  // The request was refused, not published.
  CHECK_FALSE(find_user(name));
}

TEST_CASE("an Idempotency-Key with a control character is never accepted",
          "[api][idempotency]") {
  // A control byte other than HTAB makes the header field itself invalid
  // (RFC 9110 5.5): RESTinio's parser refuses the message before any
  // handler runs and closes the connection without an answer. RFC 9112
  // prefers a 400; either way the request must not be served.
  auto& stack = pipeline::shared();
  INFO(stack.log_tails());
  auto key = unique_name("key");
  SECTION("SOH") {
    key += "\x01";
  }
  SECTION("DEL") {
    key += "\x7F";
  }
  auto name = unique_name("ctl-key");
  auto resp = try_http_send(
    stack.port(),
    json_post("/users", name_body(name), {{"Idempotency-Key", key}}), 10s);
  if (resp)
    check_problem(*resp, 400);
  else
    WARN("the server closed the connection without an answer");
  CHECK_FALSE(find_user(name));
  // The server still serves the next client.
  auto next = unique_name("after-ctl");
  check_created(stack.create_user(next), next);
}

TEST_CASE("an Idempotency-Key of exactly 255 characters is accepted",
          "[api][idempotency]") {
  auto& stack = pipeline::shared();
  INFO(stack.log_tails());
  auto key = unique_name("key");
  key.append(255 - key.size(), 'k');
  auto name = unique_name("key-255");
  check_created(stack.create_user(name, {{"Idempotency-Key", key}}), name);
}

// -- Prefer
// ----------------------------------------------------------------------

TEST_CASE("Prefer respond-async answers 202 at once and the status "
          "resource tells the outcome",
          "[api][prefer]") {
  auto& stack = pipeline::shared();
  INFO(stack.log_tails());
  auto name = unique_name("async");
  auto start = clock_type::now();
  auto resp = stack.create_user(name, {{"Prefer", "respond-async"}});
  auto elapsed = seconds_since(start);
  auto id = request_id_of(resp);
  check_pending(resp, id);
  // At once: well before any reply timeout.
  CHECK(elapsed < 1.5);
  CHECK(contains_ignoring_case(resp.header("Preference-Applied").value_or(""),
                               "respond-async"));

  auto status = poll_request_status(stack.port(), id, 20s);
  INFO("GET /requests/" << id << ": " << status.status << " " << status.body);
  REQUIRE(status.status == 200);
  auto doc = json_body(status);
  CHECK(doc.value("status", nlohmann::json{}) == "created");
  CHECK(doc.value("name", nlohmann::json{}) == name);
  CHECK(doc.value("requestId", nlohmann::json{}) == id);
  REQUIRE(doc.value("uuid", nlohmann::json{}).is_string());
  auto uuid = doc["uuid"].get<std::string>();
  CHECK(is_canonical_uuid(uuid));
  REQUIRE(status.header("Location") == "/users/" + uuid);

  auto user = http_send(stack.port(), get(*status.header("Location")));
  INFO("GET /users/" << uuid << ": " << user.status << " " << user.body);
  REQUIRE(user.status == 200);
  CHECK(user.header("Content-Type").value_or("").rfind("application/json", 0)
        == 0);
  auto user_doc = json_body(user);
  CHECK(user_doc.value("uuid", nlohmann::json{}) == uuid);
  CHECK(user_doc.value("name", nlohmann::json{}) == name);

  auto row = find_user(name);
  REQUIRE(row);
  CHECK(row->user.value == uuid);
  CHECK(row->request.value == id);
}

TEST_CASE("Prefer wait bounds the wait while the worker is paused",
          "[api][prefer]") {
  // The default reply timeout (5 s): an answer after about 1 s can only
  // come from the client's wait=1.
  private_pipeline p{"prefer-wait"};
  p.start_worker();
  p.warm_up();
  INFO(p.log_tails());
  pause_guard paused{p.worker().pid()};

  auto sync_name = unique_name("wait-sync");
  auto start = clock_type::now();
  auto sync = p.create_user(sync_name, {{"Prefer", "wait=1"}});
  auto elapsed = seconds_since(start);
  check_problem(sync, 504);
  CHECK(elapsed >= 0.9);
  CHECK(elapsed < 3.0);
  CHECK(contains_ignoring_case(sync.header("Preference-Applied").value_or(""),
                               "wait=1"));

  auto async_name = unique_name("wait-async");
  start = clock_type::now();
  auto async = p.create_user(async_name, {{"Prefer", "respond-async, wait=1"}});
  elapsed = seconds_since(start);
  auto id = request_id_of(async);
  check_pending(async, id);
  CHECK(elapsed >= 0.9);
  CHECK(elapsed < 3.0);
  auto applied = async.header("Preference-Applied").value_or("");
  CHECK(contains_ignoring_case(applied, "respond-async"));
  CHECK(contains_ignoring_case(applied, "wait=1"));

  // Still paused: the status resource knows the request and has no
  // outcome.
  auto pending = http_send(p.port(), get("/requests/" + id));
  check_pending(pending, id);
  CHECK_FALSE(find_user(async_name));

  paused.resume();
  auto done = poll_request_status(p.port(), id, 30s);
  INFO("GET /requests/" << id << ": " << done.status << " " << done.body);
  REQUIRE(done.status == 200);
  auto doc = json_body(done);
  CHECK(doc.value("status", nlohmann::json{}) == "created");
  CHECK(doc.value("name", nlohmann::json{}) == async_name);
  auto row = find_user(async_name);
  REQUIRE(row);
  CHECK(doc.value("uuid", nlohmann::json{}) == row->user.value);
  // The request that timed out was still served.
  auto late = wait_for_user(sync_name, 20s);
  REQUIRE(late);
  CHECK(late->request.value == request_id_of(sync));
}

// -- read endpoints
// --------------------------------------------------------------

TEST_CASE("the read endpoints answer 404 405 and duplicated", "[api][read]") {
  auto& stack = pipeline::shared();
  INFO(stack.log_tails());
  SECTION("an unknown request ID") {
    auto id = random_uuid();
    auto resp = http_send(stack.port(), get("/requests/" + id));
    check_get_problem(resp, 404);
    CHECK(json_body(resp).value("requestId", nlohmann::json{}) == id);
  }
  SECTION("a request ID that is no UUID") {
    check_get_problem(http_send(stack.port(), get("/requests/not-a-uuid")),
                      404);
  }
  SECTION("an unknown user") {
    check_get_problem(http_send(stack.port(), get("/users/" + random_uuid())),
                      404);
  }
  SECTION("a user ID that is no UUID") {
    check_get_problem(http_send(stack.port(), get("/users/not-a-uuid")), 404);
  }
  SECTION("POST to a user") {
    auto resp
      = http_send(stack.port(), json_post("/users/" + random_uuid(), "{}"));
    // An answer to a POST: X-Request-Id is required here.
    check_problem(resp, 405);
    CHECK(resp.header("Allow") == "GET, HEAD");
  }
  SECTION("POST to a request") {
    auto resp
      = http_send(stack.port(), json_post("/requests/" + random_uuid(), "{}"));
    check_problem(resp, 405);
    CHECK(resp.header("Allow") == "GET, HEAD");
  }
  SECTION("a request that ended as a duplicate") {
    auto name = unique_name("read-dup");
    check_created(stack.create_user(name), name);
    auto dup = stack.create_user(name);
    check_problem(dup, 409);
    auto id = request_id_of(dup);
    auto resp = http_send(stack.port(), get("/requests/" + id));
    INFO("GET /requests/" << id << ": " << resp.status << " " << resp.body);
    REQUIRE(resp.status == 200);
    auto doc = json_body(resp);
    CHECK(doc.value("status", nlohmann::json{}) == "duplicated");
    CHECK(doc.value("requestId", nlohmann::json{}) == id);
    CHECK(doc.value("name", nlohmann::json{}) == name);
    CHECK_FALSE(resp.header("Location"));
  }
}

// -- readiness
// -------------------------------------------------------------------

TEST_CASE("readyz reports a stopped broker and recovers when it is back",
          "[api][readyz]") {
  auto& stack = pipeline::shared();
  auto ready = http_send(stack.port(), get("/readyz"));
  INFO("readyz " << ready.status << ": " << ready.body);
  REQUIRE(ready.status == 200);
  CHECK(json_body(ready).value("status", nlohmann::json{}) == "ready");

  kafka_restart_guard restart;
  stack_kafka("stop", 60s);
  auto stopped = clock_type::now();
  auto down = wait_for_readyz(stack.port(), 503, 6s);
  INFO("readyz after " << seconds_since(stopped) << " s without Kafka");
  REQUIRE(down);
  INFO("readyz " << down->status << ": " << down->body);
  CHECK(down->status == 503);
  CHECK(down->header("Content-Type").value_or("").rfind("application/json", 0)
        == 0);
  auto doc = json_body(*down);
  CHECK(doc.value("status", nlohmann::json{}) == "not ready");
  REQUIRE(doc.value("reason", nlohmann::json{}).is_string());
  CHECK(contains_ignoring_case(doc["reason"].get<std::string>(), "kafka"));

  stack_kafka("start", 120s);
  restart.disarm();
  auto started = clock_type::now();
  auto up = wait_for_readyz(stack.port(), 200, 20s);
  INFO("readyz after " << seconds_since(started) << " s with Kafka back");
  REQUIRE(up);
  INFO("readyz " << up->status << ": " << up->body);
  CHECK(up->status == 200);
  CHECK(json_body(*up).value("status", nlohmann::json{}) == "ready");

  // Later tests share this pipeline: it must serve requests again (the
  // worker rejoins its group on its own).
  auto name = unique_name("after-outage");
  auto created = post_until_created(
    stack.port(),
    json_post("/users", name_body(name), {{"Idempotency-Key", name}}), 60s);
  INFO(stack.log_tails());
  check_created(created, name);
}

// -- metrics
// ---------------------------------------------------------------------

TEST_CASE("metrics count answers latencies outcomes and worker records",
          "[api][metrics]") {
  private_pipeline p{"metrics"};
  auto worker_metrics_port = free_port();
  p.start_worker(worker_metrics_port);
  p.warm_up();
  INFO(p.log_tails());

  const std::map<std::string, std::string> created{{"route", "/users"},
                                                   {"status", "201"}};
  const std::map<std::string, std::string> duplicated{{"route", "/users"},
                                                      {"status", "409"}};
  const std::map<std::string, std::string> total{{"phase", "total"}};
  // The worker counts a record once all its publishes are acknowledged,
  // which may be a moment after the server had the outcome: wait for the
  // warm-up's count before taking the baseline, and for the last count
  // before comparing.
  auto worker_count = [](const exposition& e, const char* outcome) {
    return e.value("semiasync_worker_records_total", {{"outcome", outcome}});
  };
  auto worker_scrape_until = [&](auto done) {
    auto deadline = clock_type::now() + 5s;
    auto e = scrape(worker_metrics_port);
    while (!done(e) && clock_type::now() < deadline) {
      std::this_thread::sleep_for(poll_interval);
      e = scrape(worker_metrics_port);
    }
    return e;
  };
  auto worker_before = worker_scrape_until([&](const exposition& e) {
    return worker_count(e, "created") >= 1;
  });
  auto before = scrape(p.port());
  for (auto* family :
       {"semiasync_http_requests_total", "semiasync_request_duration_seconds",
        "semiasync_requests_in_flight", "semiasync_outcomes_routed_total"}) {
    INFO("# TYPE for " << family);
    CHECK(before.typed.count(family) == 1);
  }

  constexpr int creates = 5;
  std::string first;
  for (int i = 0; i < creates; ++i) {
    auto name = unique_name("metrics");
    if (first.empty()) first = name;
    check_created(p.create_user(name), name);
  }
  check_problem(p.create_user(first), 409);

  auto after = scrape(p.port());
  CHECK(after.value("semiasync_http_requests_total", created)
          - before.value("semiasync_http_requests_total", created)
        == creates);
  CHECK(after.value("semiasync_http_requests_total", duplicated)
          - before.value("semiasync_http_requests_total", duplicated)
        == 1);
  CHECK(after.value("semiasync_request_duration_seconds_count", total)
          - before.value("semiasync_request_duration_seconds_count", total)
        == creates + 1);
  CHECK(after.value("semiasync_outcomes_routed_total")
          - before.value("semiasync_outcomes_routed_total")
        == creates + 1);
  // The registry forgets a request right after its answer went out: allow
  // that message a moment.
  auto deadline = clock_type::now() + 3s;
  while (after.value("semiasync_requests_in_flight") != 0
         && clock_type::now() < deadline) {
    std::this_thread::sleep_for(poll_interval);
    after = scrape(p.port());
  }
  CHECK(after.find("semiasync_requests_in_flight") == 0.0);

  auto worker_after = worker_scrape_until([&](const exposition& e) {
    return worker_count(e, "created") - worker_count(worker_before, "created")
             >= creates
           && worker_count(e, "duplicated")
                  - worker_count(worker_before, "duplicated")
                >= 1;
  });
  CHECK(worker_after.typed.count("semiasync_worker_records_total") == 1);
  CHECK(worker_count(worker_after, "created")
          - worker_count(worker_before, "created")
        == creates);
  CHECK(worker_count(worker_after, "duplicated")
          - worker_count(worker_before, "duplicated")
        == 1);
}

// -- issue 14: every answer true ------------------------------------------------

TEST_CASE("two requests sharing an Idempotency-Key with different names: "
          "each answer describes its own request",
          "[api][idempotency][truth]") {
  // Issue 14, item 1: with the worker paused and both in flight, both
  // clients got 201 and one body named the other's user.
  private_pipeline p{"shared-key"};
  p.start_worker();
  p.warm_up();
  INFO(p.log_tails());
  auto key = unique_name("shared-key");
  auto ann = unique_name("ann");
  auto bob = unique_name("bob");
  http_headers with_key{{"Idempotency-Key", key}};
  http_response first;
  http_response second;
  {
    pause_guard paused{p.worker().pid()};
    std::thread t1{[&] { first = p.create_user(ann, with_key); }};
    // The second arrives while the first waits.
    std::this_thread::sleep_for(300ms);
    std::thread t2{[&] { second = p.create_user(bob, with_key); }};
    std::this_thread::sleep_for(300ms);
    paused.resume();
    t1.join();
    t2.join();
  }
  // The worker decides which name the key belongs to; exactly one is
  // created, by its own request, and the other is told the key is taken.
  CHECK(request_id_of(first) == request_id_of(second));
  bool ann_won = first.status == 201;
  auto& winner = ann_won ? first : second;
  auto& loser = ann_won ? second : first;
  auto won = ann_won ? ann : bob;
  auto lost = ann_won ? bob : ann;
  check_created(winner, won);
  check_problem(loser, 422);
  auto row = find_user(won);
  REQUIRE(row);
  CHECK(row->request.value == request_id_of(winner));
  CHECK_FALSE(find_user(lost));
  // The owner's retry still gets its own creation, not a 422.
  check_created(p.create_user(won, with_key), won);
}

TEST_CASE("a keyed respond-async attempt refused for another name polls its "
          "own refusal",
          "[api][idempotency][prefer][truth]") {
  // Issue 14, item 7: the status URL of a request refused for a reused key
  // showed the first request's `200 created`.
  auto& stack = pipeline::shared();
  INFO(stack.log_tails());
  auto key = unique_name("async-key");
  auto ann = unique_name("ann");
  auto bob = unique_name("bob");
  check_created(stack.create_user(ann, {{"Idempotency-Key", key}}), ann);
  auto async = stack.create_user(
    bob, {{"Idempotency-Key", key}, {"Prefer", "respond-async"}});
  INFO("POST: " << async.status << " " << async.body);
  // Either the worker's refusal came first (422) or a 202 that points at
  // this attempt; its status must then say "rejected", never "created".
  if (async.status == 202) {
    auto location = async.header("Location");
    REQUIRE(location);
    CHECK(location->find("?name=") != std::string::npos);
    auto deadline = clock_type::now() + 20s;
    auto status = http_send(stack.port(), get(*location));
    while (status.status == 202 && clock_type::now() < deadline) {
      std::this_thread::sleep_for(poll_interval);
      status = http_send(stack.port(), get(*location));
    }
    INFO("GET " << *location << ": " << status.status << " " << status.body);
    REQUIRE(status.status == 200);
    auto doc = json_body(status);
    CHECK(doc.value("status", nlohmann::json{}) == "rejected");
    CHECK(doc.value("name", nlohmann::json{}) == bob);
  } else {
    check_problem(async, 422);
  }
  // The first attempt's own poll still reads its creation.
  auto id = request_id_of(async);
  auto own = http_send(stack.port(), get("/requests/" + id));
  REQUIRE(own.status == 200);
  CHECK(json_body(own).value("name", nlohmann::json{}) == ann);
  CHECK_FALSE(find_user(bob));
}

TEST_CASE("Prefer in several header fields is one list, and the applied wait "
          "is the one said",
          "[api][prefer]") {
  // Issue 14, item 10.
  private_pipeline p{"prefer-fields", {"--max-wait-ms=2000"}};
  p.start_worker();
  p.warm_up();
  INFO(p.log_tails());
  pause_guard paused{p.worker().pid()};
  auto name = unique_name("prefer-fields");
  auto start = clock_type::now();
  auto resp = p.create_user(
    name, {{"Prefer", "wait=1"}, {"Prefer", "respond-async"}});
  auto id = request_id_of(resp);
  check_pending(resp, id);
  CHECK(seconds_since(start) < 3.0);
  auto capped = p.create_user(unique_name("capped"), {{"Prefer", "wait=60"}});
  check_problem(capped, 504);
  CHECK(capped.header("Preference-Applied") == "wait=2");
}

TEST_CASE("HEAD works wherever GET does, trailing slashes and upper-case "
          "UUIDs name the same resources",
          "[api][read]") {
  // Issue 14, items 11 and 12.
  auto& stack = pipeline::shared();
  INFO(stack.log_tails());
  auto name = unique_name("head");
  auto created = stack.create_user(name);
  auto uuid = check_created(created, name);
  auto id = request_id_of(created);
  auto upper = [](std::string text) {
    for (auto& c : text)
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
  };
  SECTION("HEAD") {
    std::vector<std::string> paths{"/healthz", "/readyz", "/metrics",
                                   "/users/" + uuid, "/requests/" + id};
    for (auto& path : paths) {
      INFO("HEAD " << path);
      auto got = http_send(stack.port(), get(path));
      auto head = http_send(stack.port(), {"HEAD", path, {}, {}});
      CHECK(head.status == got.status);
      CHECK(head.body.empty());
      CHECK(head.header("Content-Type") == got.header("Content-Type"));
      if (path != "/metrics") // Its counters move between the two.
        CHECK(head.header("Content-Length")
              == std::to_string(got.body.size()));
    }
    auto post = http_send(stack.port(), json_post("/healthz", "{}"));
    check_problem(post, 405);
    CHECK(post.header("Allow") == "GET, HEAD");
  }
  SECTION("upper-case UUIDs") {
    auto user = http_send(stack.port(), get("/users/" + upper(uuid)));
    REQUIRE(user.status == 200);
    CHECK(json_body(user).value("uuid", nlohmann::json{}) == uuid);
    auto request = http_send(stack.port(), get("/requests/" + upper(id)));
    REQUIRE(request.status == 200);
    CHECK(json_body(request).value("requestId", nlohmann::json{}) == id);
  }
  SECTION("trailing slashes") {
    auto again = unique_name("slash");
    check_created(
      http_send(stack.port(), json_post("/users/", name_body(again))), again);
    auto listing = http_send(stack.port(), get("/users/"));
    check_get_problem(listing, 405);
    CHECK(listing.header("Allow") == "POST");
    check_get_problem(http_send(stack.port(), get("/requests/")), 404);
    CHECK(http_send(stack.port(), get("/healthz/")).status == 200);
  }
  SECTION("percent-encoded letters") {
    // Issue 15, point 3: RESTinio's router decodes percent-encoded
    // unreserved characters before matching (RFC 3986, 6.2.2.2: the same
    // URI). Before, these were 404s.
    CHECK(http_send(stack.port(), get("/heal%74hz")).status == 200);
    // The UUID's first character as %XX.
    static constexpr char hex[] = "0123456789ABCDEF";
    auto first = static_cast<unsigned char>(uuid[0]);
    auto escaped = std::string{'%', hex[first >> 4], hex[first & 0x0F]}
                   + uuid.substr(1);
    auto user = http_send(stack.port(), get("/users/" + escaped));
    REQUIRE(user.status == 200);
    CHECK(json_body(user).value("uuid", nlohmann::json{}) == uuid);
  }
}

TEST_CASE("a draining server says so on readyz and in its 503s",
          "[api][readyz][truth]") {
  // Issue 14, items 4 and 13: after SIGTERM, with a request still waiting,
  // /readyz answered 200 while every new POST got 503, and every 503 said
  // the same thing.
  private_pipeline p{"draining", {"--reply-timeout-ms=8000"}};
  p.start_worker();
  p.warm_up();
  INFO(p.log_tails());
  pause_guard paused{p.worker().pid()};
  auto waiting_name = unique_name("drain-waits");
  http_response waiting;
  std::thread waiter{[&] { waiting = p.create_user(waiting_name); }};
  std::this_thread::sleep_for(500ms);
  ::kill(p.server().pid(), SIGTERM);
  auto ready = wait_for_readyz(p.port(), 503, 3s);
  REQUIRE(ready);
  CHECK(ready->status == 503);
  CHECK(json_body(*ready).value("reason", nlohmann::json{}) == "draining");
  auto refused = p.create_user(unique_name("drain-new"));
  check_problem(refused, 503);
  CHECK(contains_ignoring_case(
    json_body(refused).value("detail", nlohmann::json{""}).get<std::string>(),
    "shutting down"));
  paused.resume();
  waiter.join();
  // The waiting request still got its real answer.
  check_created(waiting, waiting_name);
}

TEST_CASE("a status URL's name is read leniently, and an unreadable one is "
          "a 400, never another name's outcome",
          "[api][read][truth]") {
  auto& stack = pipeline::shared();
  INFO(stack.log_tails());
  auto key = unique_name("query-key");
  auto ann = unique_name("ann");
  auto created = stack.create_user(ann, {{"Idempotency-Key", key}});
  check_created(created, ann);
  auto base = "/requests/" + request_id_of(created);
  // A hand-built URL with characters left unescaped still names its name.
  auto other = http_send(stack.port(), get(base + "?name=O'Brien(2)"));
  REQUIRE(other.status == 200);
  CHECK(json_body(other).value("status", nlohmann::json{}) == "rejected");
  CHECK(json_body(other).value("name", nlohmann::json{}) == "O'Brien(2)");
  // A broken escape cannot be read: no answer about some other name.
  check_get_problem(http_send(stack.port(), get(base + "?name=%ZZ")), 400);
  // An empty name is no name: the ID's own status.
  auto empty = http_send(stack.port(), get(base + "?name="));
  REQUIRE(empty.status == 200);
  CHECK(json_body(empty).value("name", nlohmann::json{}) == ann);
}
