#pragma once

// A scale-out topology on the real stack: one scenario's own topics (many
// partitions), several `semiasync server` instances and several workers in
// one group, and the fan-in counters each server exposes on /metrics.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/stack.hpp"

namespace semiasync::testing {

/// One scenario's Kafka objects: request, outcome and dead-letter topics
/// with `partitions` partitions each, and a worker group, all named after
/// the run and the scenario; the topics are deleted again at the end.
class scale_topics {
public:
  /// Creates the topics and waits until every partition has a leader.
  scale_topics(const std::string& scenario, int partitions);

  ~scale_topics();

  scale_topics(const scale_topics&) = delete;
  scale_topics& operator=(const scale_topics&) = delete;

  /// Flags naming the topics, for servers.
  std::vector<std::string> server_flags() const;

  /// Flags naming the topics and the group, for workers.
  std::vector<std::string> worker_flags() const;

  /// Request topic.
  std::string requests;
  /// Outcome topic.
  std::string outcomes;
  /// Dead-letter topic.
  std::string dead_letters;
  /// Worker group.
  std::string group;
  /// Partitions per topic.
  int partitions;
};

/// Grows `topic` to `partitions` partitions (Kafka's CreatePartitions).
void add_partitions(const std::string& topic, int partitions);

/// How one server instance receives its outcomes.
struct server_options {
  /// `broadcast` or `steered`.
  std::string routing = "broadcast";
  /// Instance ID; empty: the server generates one.
  std::string instance_id;
  /// Owned outcome partitions ("0,3,6"); empty: derived from the ID.
  std::string reply_partitions;
  /// Reply deadline.
  std::chrono::milliseconds reply_timeout{5000};
};

/// Starts a server on `topics` and returns once it is ready.
server_instance start_scale_server(const scale_topics& topics,
                                   const server_options& opts);

/// Starts a worker on `topics` with `session_timeout` as its group session
/// timeout.
std::unique_ptr<child_process>
start_scale_worker(const scale_topics& topics,
                   std::chrono::milliseconds session_timeout
                   = std::chrono::seconds{10});

/// "p,p+n,p+2n,..." below `partitions`: instance `i` of `n` owning every
/// n-th partition, so `n` instances own distinct partitions covering all.
std::string every_nth_partition(int i, int n, int partitions);

/// Sends requests (one name, one Idempotency-Key, so retries reattach)
/// round-robin through `ports` until `rounds` consecutive requests are
/// answered 201/409 within `quick`: the workers then own their partitions
/// and rebalances are over. Fails the test after 90 s.
void warm_up(const std::vector<uint16_t>& ports, const std::string& label,
             int rounds = 12,
             std::chrono::milliseconds quick = std::chrono::seconds{1});

/// One instance's fan-in counters from its /metrics.
struct fanin_counters {
  /// semiasync_outcomes_read_total.
  double read = 0;
  /// semiasync_outcomes_routed_total (matched).
  double matched = 0;
  /// semiasync_outcomes_dropped_total (ignored).
  double ignored = 0;

  /// The counters since `before`.
  fanin_counters since(const fanin_counters& before) const {
    return {read - before.read, matched - before.matched,
            ignored - before.ignored};
  }
};

/// Scrapes `port`'s /metrics.
fanin_counters scrape_fanin(uint16_t port);

/// Appends `text` to the scale results file (build/tests/scale/fanin.txt).
void append_results(const std::string& text);

} // namespace semiasync::testing
