#include "tests/integration/pipeline.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

namespace semiasync::testing {

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

/// Joining the worker group can take several rebalances when other
/// processes join or leave it at the same time (parallel test runs).
constexpr auto warm_up_timeout = 60s;

} // namespace

pipeline& pipeline::shared() {
  static pipeline instance;
  return instance;
}

pipeline::pipeline() : pipeline(std::vector<std::string>{}) {
  // nop
}

pipeline::pipeline(const std::vector<std::string>& server_flags)
  : server_(start_server(server_flags)), worker_(start_worker()) {
  // One request through server, Kafka, worker, MariaDB and back. A 504 only
  // means the worker has no partitions yet: the retry carries the same
  // Idempotency-Key, so it is answered with the original outcome.
  auto name = unique_name("warm-up");
  http_headers key{{"Idempotency-Key", name}};
  auto deadline = clock_type::now() + warm_up_timeout;
  std::string last = "no answer";
  while (clock_type::now() < deadline) {
    if (!worker_->running()) break;
    auto resp
      = try_http_send(port(), json_post("/users", name_body(name), key), 15s);
    if (resp && resp->status == 201) return;
    last = resp ? std::to_string(resp->status) + " " + resp->body
                : std::string{"no answer"};
    if (resp && resp->status != 504 && resp->status != 503) break;
    std::this_thread::sleep_for(200ms);
  }
  FAIL("the pipeline never answered 201 (last: " << last << ")\n"
                                                 << log_tails());
}

pipeline::~pipeline() {
  worker_->terminate();
  server_.process->terminate();
}

http_response pipeline::create_user(const std::string& name,
                                    http_headers headers) const {
  return http_send(port(),
                   json_post("/users", name_body(name), std::move(headers)));
}

std::string pipeline::log_tails() const {
  return "server " + server_.process->describe_status() + "\n"
         + server_.process->log_tail() + "\nworker "
         + worker_->describe_status() + "\n" + worker_->log_tail();
}

std::string name_body(const std::string& name) {
  return nlohmann::json{{"name", name}}.dump();
}

} // namespace semiasync::testing
