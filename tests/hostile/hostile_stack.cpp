#include "tests/hostile/hostile_stack.hpp"

#include "domain/ascii_text.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <stdexcept>
#include <thread>

#include "tests/integration/checks.hpp"
#include "tests/integration/pipeline.hpp"

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// Joining a fresh worker group takes a rebalance or two.
constexpr auto warm_up_timeout = 60s;

/// POSTs `name` with an Idempotency-Key until it is answered 201 or
/// `timeout` passes: a 504 or 503 is what a client retries, and the key
/// makes the retry get the original outcome. Returns the last answer.
http_response post_until_created(uint16_t port, const std::string& name,
                                 std::chrono::milliseconds timeout) {
  auto request
    = json_post("/users", name_body(name), {{"Idempotency-Key", name}});
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    auto resp = try_http_send(port, request, 15s);
    if (resp && resp->status != 503 && resp->status != 504) return *resp;
    if (clock_type::now() >= deadline)
      return resp ? *resp : http_response{0, {}, "no answer"};
    std::this_thread::sleep_for(200ms);
  }
}

} // namespace

hostile_stack::hostile_stack(const std::string& label,
                             std::vector<std::string> extra_server_flags)
  : base_(unique_name(label)) {
  for (auto* suffix : {"-requests", "-outcomes", "-dlq"}) {
    create_topic(base_ + suffix, 2);
    topics_.push_back(base_ + suffix);
  }
  for (auto& topic : topics_)
    wait_until_readable(topic);
  using namespace hostile_limits;
  std::vector<std::string> flags{
    "--request-topic=" + topics_[0],
    "--outcome-topic=" + topics_[1],
    "--read-timeout-ms=" + std::to_string(read_timeout.count()),
    "--write-timeout-ms=" + std::to_string(write_timeout.count()),
    "--max-header-bytes=" + std::to_string(max_header_bytes),
    "--max-body-bytes=" + std::to_string(max_body_bytes),
    "--max-connections=" + std::to_string(max_connections)};
  flags.insert(flags.end(), extra_server_flags.begin(),
               extra_server_flags.end());
  server_ = start_server(flags);
  worker_ = start_worker({"--request-topic=" + topics_[0],
                          "--outcome-topic=" + topics_[1],
                          "--dead-letter-topic=" + topics_[2],
                          "--worker-group=" + base_ + "-workers"});
  auto name = unique_name("warm-up");
  auto resp = post_until_created(port(), name, warm_up_timeout);
  INFO(log_tails());
  REQUIRE(resp.status == 201);
}

hostile_stack::~hostile_stack() {
  if (worker_) {
    // A paused worker would ignore SIGTERM until its grace ran out.
    ::kill(worker_->pid(), SIGCONT);
    worker_->terminate();
  }
  if (server_.process) server_.process->terminate();
  for (auto& topic : topics_)
    delete_topic(topic);
}

hostile_stack& hostile_stack::shared() {
  static hostile_stack instance{"hostile"};
  return instance;
}

http_response hostile_stack::create_user(const std::string& name,
                                         http_headers headers) const {
  return http_send(port(),
                   json_post("/users", name_body(name), std::move(headers)));
}

void hostile_stack::check_still_serving() {
  INFO("still serving? " << log_tails());
  REQUIRE(server_.process->running());
  auto health = try_http_send(port(), {"GET", "/healthz", {}, {}}, 5s);
  REQUIRE(health);
  CHECK(health->status == 200);
  auto name = unique_name("still-serving");
  auto resp = post_until_created(port(), name, 15s);
  check_created(resp, name);
}

std::string hostile_stack::log_tails() const {
  auto text = "server " + server_.process->describe_status() + "\n"
              + server_.process->log_tail();
  if (worker_)
    text
      += "\nworker " + worker_->describe_status() + "\n" + worker_->log_tail();
  return text;
}

void check_clean_problem(const http_response& resp, int status) {
  check_problem(resp, status);
  auto body = ascii_lowercase(resp.body);
  INFO("body: " << resp.body);
  for (auto* leak : {"sql", "mysql", "mariadb", "exception", "what()",
                     "nlohmann", "restinio", "caf::", ".cpp", ".hpp",
                     "parse_error", "syntax error", "librdkafka"})
    CHECK(body.find(leak) == std::string::npos);
  // No path of this checkout (where the sources and binaries live) either.
  CHECK(body.find(ascii_lowercase(SEMIASYNC_SOURCE_DIR)) == std::string::npos);
}

std::string raw_request(const std::string& method, const std::string& target,
                        const http_headers& headers, const std::string& body) {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (auto& [name, value] : headers)
    text += name + ": " + value + "\r\n";
  return text + "\r\n" + body;
}

std::string raw_post(const std::string& body) {
  return raw_request("POST", "/users",
                     {{"Content-Type", "application/json"},
                      {"Content-Length", std::to_string(body.size())}},
                     body);
}

} // namespace semiasync::testing
