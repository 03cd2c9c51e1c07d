// The real binary against a broker that refuses its producer for good
// (librdkafka's fatal idempotent-producer error): each process must end
// non-zero with a one-line reason, so that its supervisor restarts it (and
// the worker's partitions move on) instead of it living on, useless. The
// broker is librdkafka's mock cluster, owned by this test: the refusal can
// be injected there, not into the real stack's broker. The database is the
// stack's (neither process reaches it before the failure).

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/child_process.hpp"
#include "tests/integration/stack.hpp"
#include "tests/support/mock_cluster.hpp"

using namespace semiasync::testing;
using namespace std::chrono_literals;

namespace {

/// Kafka's API key of InitProducerId (the mock header has no names for them).
constexpr int16_t init_producer_id_api = 22;

/// The processes' default topics.
constexpr const char* request_topic = "create_user_request_sent";
constexpr const char* outcome_topic = "user";

/// A one-broker mock cluster with the processes' topics, whose first
/// InitProducerId is refused with CLUSTER_AUTHORIZATION_FAILED, which
/// librdkafka treats as fatal.
class refusing_cluster : public mock_cluster {
public:
  refusing_cluster() {
    for (auto topic : {request_topic, outcome_topic})
      create_topic(topic, 1);
    rd_kafka_mock_push_request_errors(
      get(), init_producer_id_api, 1,
      RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED);
  }
};

std::string log_path(const std::string& label) {
  std::filesystem::create_directories(SEMIASYNC_IT_LOG_DIR);
  return std::string{SEMIASYNC_IT_LOG_DIR} + "/fatal-" + label + "-"
         + run_prefix() + ".log";
}

/// Waits up to `timeout` for `proc` to exit; true when it did.
bool exits_within(child_process& proc, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (proc.running()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

/// wait_for_stop's line for a producer that failed for good.
constexpr const char* fatal_stop
  = "stopping: a long-lived actor stopped: publish_failed: Kafka producer "
    "failed for good (CLUSTER_AUTHORIZATION_FAILED)";

} // namespace

TEST_CASE("a worker whose producer fails for good exits non-zero, saying why",
          "[fatal]") {
  refusing_cluster cluster;
  child_process worker{
    {stack().binary, "worker", "--kafka-brokers=" + cluster.bootstraps(),
     "--db-host=" + stack().db_host,
     "--db-port=" + std::to_string(stack().db_port),
     "--db-user=" + stack().db_user, "--worker-metrics-port=0"},
    {{"SEMIASYNC_DB_PASSWORD", stack().db_password}},
    log_path("worker")};
  // Before the fix it retried for ever: it would still run after this.
  REQUIRE(exits_within(worker, 30s));
  INFO(worker.log_tail());
  CHECK(worker.describe_status() == "exit code 1");
  CHECK_THAT(worker.log_text(), Catch::Contains(fatal_stop));
}

TEST_CASE("a server whose producer fails for good exits non-zero, saying why",
          "[fatal]") {
  refusing_cluster cluster;
  child_process server{{stack().binary, "server", "--http-address=127.0.0.1",
                        "--http-port=" + std::to_string(free_port()),
                        "--kafka-brokers=" + cluster.bootstraps()},
                       {},
                       log_path("server")};
  // Before the fix it answered 503 for ever while /readyz said 200.
  REQUIRE(exits_within(server, 30s));
  INFO(server.log_tail());
  CHECK(server.describe_status() == "exit code 1");
  CHECK_THAT(server.log_text(), Catch::Contains(fatal_stop));
}
