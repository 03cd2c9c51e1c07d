#pragma once

// The deposits example as users run it: `semiasync-deposits` behind the
// gateway's deposit route, both on this run's topics, reached through the
// real HTTP port. Settings: tests/integration/stack.hpp.

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/examples/deposits/deposit_tables.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/stack.hpp"

namespace semiasync::testing {

/// The example's route (examples/deposits/semiasync.yaml) on `prefix`'s
/// topics, with a short reply deadline so a crash shows as 504s.
inline std::string deposit_route_yaml(const std::string& prefix) {
  return "routes:\n"
         "  - name: deposit\n"
         "    method: POST\n"
         "    path: /accounts/{accountId}/deposits\n"
         "    requestTopic: "
         + prefix + "-deposit_requested\n    outcomeTopic: " + prefix
         + "-deposit_outcomes\n"
           "    key: path:accountId\n"
           "    requiredFields: [depositId, amount]\n"
           "    replyTimeoutMs: 2000\n"
           "    outcomes:\n"
           "      DepositAccepted:\n"
           "        status: 201\n"
           "        body: [accountId, depositId, amount, balance]\n"
           "        location: /accounts/{accountId}/deposits/{depositId}\n"
           "      DepositDuplicated: {status: 409}\n"
           "      DepositRefused: {status: 422}\n"
           "      DepositRejected: {status: 400}\n";
}

/// `semiasync-deposits` on `prefix`'s topics and group, logging to
/// `<prefix>-<log_name>.log`, with `env` added to its environment; returns
/// once it consumes. A short session timeout lets a crashed worker's
/// partitions move on quickly.
inline std::unique_ptr<child_process>
start_deposits_worker(const std::string& prefix, const std::string& log_name,
                      environment_overrides env = {}) {
  std::vector<std::string> argv{
    SEMIASYNC_DEPOSITS_BINARY,
    "--kafka-brokers=" + stack().kafka,
    "--db-host=" + stack().db_host,
    "--db-port=" + std::to_string(stack().db_port),
    "--db-user=" + stack().db_user,
    "--request-topic=" + prefix + "-deposit_requested",
    "--outcome-topic=" + prefix + "-deposit_outcomes",
    "--worker-group=" + prefix + "-deposits",
    "--worker-session-timeout-ms=6000",
    "--worker-metrics-port=0"};
  std::filesystem::create_directories(SEMIASYNC_IT_LOG_DIR);
  env.emplace_back("SEMIASYNC_DB_PASSWORD", stack().db_password);
  auto proc = std::make_unique<child_process>(
    argv, env,
    std::string{SEMIASYNC_IT_LOG_DIR} + "/" + prefix + "-" + log_name + ".log");
  for (int i = 0; i < 200 && proc->running(); ++i) {
    if (proc->log_text().find("\"consuming ") != std::string::npos) return proc;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  throw std::runtime_error("semiasync-deposits did not start: "
                           + proc->log_tail());
}

/// The deposits worker and a server in front of it, on `prefix`'s topics.
class deposits_gateway {
public:
  explicit deposits_gateway(const std::string& prefix) : prefix_(prefix) {
    for (auto& topic : topics())
      create_topic(topic, 3);
    for (auto& topic : topics())
      wait_until_readable(topic);
    worker = start_worker();
    std::filesystem::create_directories(SEMIASYNC_IT_LOG_DIR);
    auto config = std::string{SEMIASYNC_IT_LOG_DIR} + "/" + prefix + ".yaml";
    std::ofstream{config} << deposit_route_yaml(prefix);
    server = start_server({"--config=" + config, "--produce-timeout-ms=1000"});
  }

  ~deposits_gateway() {
    server.process.reset();
    worker.reset();
    for (auto& topic : topics())
      delete_topic(topic);
  }

  /// `semiasync-deposits` on this gateway's topics; returns once it
  /// consumes.
  std::unique_ptr<child_process> start_worker() const {
    return start_deposits_worker(
      prefix_, "worker-" + std::to_string(++workers_started_));
  }

  /// POST /accounts/<account>/deposits of `body` with `headers`.
  http_response deposit(const std::string& account, const nlohmann::json& body,
                        http_headers headers = {}) const {
    return http_send(server.port,
                     json_post("/accounts/" + account + "/deposits",
                               body.dump(), std::move(headers)));
  }

  /// The worker.
  std::unique_ptr<child_process> worker;
  /// The server.
  server_instance server;

private:
  std::vector<std::string> topics() const {
    return {prefix_ + "-deposit_requested", prefix_ + "-deposit_outcomes",
            prefix_ + "-deposit_requested.dlq"};
  }

  std::string prefix_;
  mutable int workers_started_ = 0;
};

} // namespace semiasync::testing
