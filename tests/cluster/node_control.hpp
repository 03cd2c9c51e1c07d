#pragma once

// Breaking one node of scripts/stack's three-node Kafka cluster on purpose,
// finding out which node to break, and starting it again whatever happens
// to the test: the next scenario (and the developer) expects every node up.

#include <chrono>
#include <string>
#include <vector>

#include "tests/faults/load.hpp"

namespace semiasync::testing {

/// Runs `scripts/stack <command> kafka-<node>` and waits for it; throws
/// std::runtime_error with the script's output when it fails or takes
/// longer than `timeout`.
void run_node_command(const std::string& command, int node,
                      std::chrono::seconds timeout);

/// The node leading each partition of `topic`, by partition (-1: none), as
/// the cluster's metadata says now; throws when it cannot be read.
std::vector<int> leaders_of(const std::string& topic);

/// The node leading most partitions of `topic` (the lowest ID on a tie);
/// throws when no partition has a leader.
int busiest_leader(const std::string& topic);

/// One node's crash as an RAII guard: the constructor kills it with
/// SIGKILL, `end` starts it again and waits until it is back in sync, and
/// the destructor starts it if `end` did not run or failed.
class node_crash {
public:
  /// Kills node `node` (kafka-<node>); returns once its process is gone.
  explicit node_crash(int node);

  /// Starts the node again unless `end` succeeded; never throws.
  ~node_crash();

  node_crash(const node_crash&) = delete;
  node_crash& operator=(const node_crash&) = delete;

  /// Starts the node again and waits until it is an unfenced broker with
  /// every replica in sync; throws when it does not come back.
  void end();

  /// When the node was dead (the kill command returned).
  load_clock::time_point down_since() const noexcept {
    return down_since_;
  }

  /// When `end` began starting it.
  load_clock::time_point restart_began() const noexcept {
    return restart_began_;
  }

  /// When it was back in sync (`end` returned).
  load_clock::time_point up_again() const noexcept {
    return up_again_;
  }

private:
  int node_;
  bool ended_ = false;
  load_clock::time_point down_since_;
  load_clock::time_point restart_began_;
  load_clock::time_point up_again_;
};

} // namespace semiasync::testing
