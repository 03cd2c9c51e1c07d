#pragma once

// The processes a history runs against: several `semiasync server`
// instances and several workers on one run's own topics (tests/scale's
// topology), each of which the fault thread may restart while clients and
// health probes keep using it. Ports live in atomics, so a client always
// reads the current one; the process objects belong to the fault thread.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/integration/child_process.hpp"
#include "tests/integration/stack.hpp"
#include "tests/scale/topology.hpp"

namespace semiasync::testing::history {

/// Settings every server of a history gets: short deadlines keep the run
/// bounded, a short read timeout cuts slow clients off.
struct deployment_options {
  /// Server instances.
  int servers = 2;
  /// Workers in the group.
  int workers = 2;
  /// Partitions of each topic.
  int partitions = 6;
  /// The servers' reply deadline.
  int reply_timeout_ms = 2500;
  /// The longest `Prefer: wait=` the servers allow.
  int max_wait_ms = 4000;
  /// How long a server waits for the broker to take a request.
  int produce_timeout_ms = 2000;
  /// How long a client may take to send a request.
  int read_timeout_ms = 2000;
  /// The workers' group session: a killed worker's partitions move after it.
  int worker_session_timeout_ms = 6000;
};

/// The running topology.
class deployment {
public:
  /// Most instances a deployment has (ports are kept in fixed arrays).
  static constexpr int max_instances = 4;

  /// Creates the topics, starts every process and warms up until requests
  /// go through quickly on every instance.
  deployment(const std::string& scenario, deployment_options opts);

  ~deployment();

  deployment(const deployment&) = delete;
  deployment& operator=(const deployment&) = delete;

  /// Server instances.
  int servers() const noexcept {
    return opts_.servers;
  }

  /// Workers.
  int workers() const noexcept {
    return opts_.workers;
  }

  /// Server `i`'s current HTTP port.
  uint16_t server_port(int i) const noexcept {
    return server_ports_[i].load();
  }

  /// Worker `i`'s current metrics (/healthz) port.
  uint16_t worker_port(int i) const noexcept {
    return worker_ports_[i].load();
  }

  /// Worker `i`'s process ID (the fault thread only).
  pid_t worker_pid(int i) const;

  /// The outcome topic.
  const std::string& outcome_topic() const noexcept {
    return topics_.outcomes;
  }

  /// SIGTERM to server `i` (it drains), then a new one on a new port.
  void restart_server(int i);

  /// SIGKILL to worker `i`, then a new one in the same group.
  void kill_and_restart_worker(int i);

  /// Log tails of every process, for failure messages.
  std::string log_tails() const;

private:
  server_instance start_one_server();
  std::unique_ptr<child_process> start_one_worker(uint16_t metrics_port);

  deployment_options opts_;
  scale_topics topics_;
  std::vector<server_instance> servers_;
  std::vector<std::unique_ptr<child_process>> workers_;
  /// Stopped processes, kept for their logs.
  std::vector<std::unique_ptr<child_process>> retired_;
  std::array<std::atomic<uint16_t>, max_instances> server_ports_{};
  std::array<std::atomic<uint16_t>, max_instances> worker_ports_{};
  mutable std::mutex mtx_;
};

} // namespace semiasync::testing::history
