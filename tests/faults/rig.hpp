#pragma once

// One scenario's own deployment: a server and a worker on topics and a
// worker group nobody else uses, so breaking them disturbs no other test,
// and a scenario's names, rows and records are easy to find.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/faults/load.hpp"
#include "tests/integration/child_process.hpp"
#include "tests/integration/stack.hpp"

namespace semiasync::testing {

/// Flags a scenario adds to its processes.
struct rig_options {
  /// Extra flags of `semiasync server`, e.g. a short reply timeout.
  std::vector<std::string> server_flags;
  /// Extra flags of `semiasync worker`.
  std::vector<std::string> worker_flags;
};

/// The request, outcome and dead-letter topics of one scenario: created by
/// the constructor (6 partitions each), deleted by the destructor.
class scenario_topics {
public:
  /// "<run_prefix>-<scenario>-requests", "-outcomes", "-dlq".
  explicit scenario_topics(const std::string& scenario);

  ~scenario_topics();

  scenario_topics(const scenario_topics&) = delete;
  scenario_topics& operator=(const scenario_topics&) = delete;

  /// Requests, server to workers.
  std::string requests;
  /// Outcomes, workers to servers.
  std::string outcomes;
  /// The requests' dead-letter topic.
  std::string dead_letters;
};

/// A server and a worker of one scenario, started and warmed up (one
/// request went through end to end) by the constructor, stopped by the
/// destructor, which then deletes the scenario's topics and this process's
/// users.
class fault_rig {
public:
  /// Starts everything for `scenario` (a short word, part of topic names).
  explicit fault_rig(const std::string& scenario, rig_options opts = {});

  ~fault_rig();

  fault_rig(const fault_rig&) = delete;
  fault_rig& operator=(const fault_rig&) = delete;

  /// The server's HTTP port.
  uint16_t port() const noexcept {
    return server_.port;
  }

  /// The server process.
  child_process& server() noexcept {
    return *server_.process;
  }

  /// The current worker process.
  child_process& worker() noexcept {
    return *worker_;
  }

  /// The scenario's topics.
  const scenario_topics& topics() const noexcept {
    return topics_;
  }

  /// The worker's consumer group.
  const std::string& group() const noexcept {
    return group_;
  }

  /// A load plan aimed at this rig's server and names (defaults otherwise).
  load_plan plan_load() const {
    load_plan plan;
    plan.port = port();
    plan.label = load_label();
    return plan;
  }

  /// The label for load names: `unique_name(load_label())`.
  const std::string& load_label() const noexcept {
    return load_label_;
  }

  /// What every load name starts with (warm-up names do not).
  std::string name_prefix() const;

  /// SIGKILLs the worker and starts a new one in the same group; returns
  /// once it consumes (its partitions may come later, after a rebalance).
  void kill_and_restart_worker();

  /// Log tails of the server and of every worker, for failure messages.
  std::string log_tails() const;

private:
  std::vector<std::string> worker_flags() const;

  void warm_up();

  // Declared first so they go last: the processes stop before their
  // topics and rows are removed.
  users_cleanup cleanup_;
  scenario_topics topics_;
  std::string group_;
  std::string load_label_;
  rig_options opts_;
  server_instance server_;
  std::unique_ptr<child_process> worker_;
  /// Workers killed before, kept for their logs.
  std::vector<std::unique_ptr<child_process>> retired_;
};

} // namespace semiasync::testing
