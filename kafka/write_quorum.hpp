#pragma once

// Whether a topic can take an `acks=all` write, decided from what its
// metadata says and which brokers answer. Pure, so every layout a cluster
// can be in is a unit test.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace semiasync::kafka {

/// One partition as the cluster's metadata describes it.
struct partition_replicas {
  /// The partition's number.
  int32_t partition = 0;
  /// The node leading it; -1 for none.
  int32_t leader = -1;
  /// The nodes of its in-sync replica set, leader included.
  std::vector<int32_t> in_sync;
};

/// Why no record can be written to `topic` now, or nothing when at least
/// one partition can take an `acks=all` write (its leader answers and so do
/// at least `min_insync` of its in-sync replicas) or when a partition has
/// no leader (an election is under way: it may end in time).
///
/// The metadata alone cannot tell: when a majority of a combined KRaft
/// cluster is down, no controller is left to fence the dead nodes, so the
/// survivor keeps listing them as leaders and in-sync replicas, and a write
/// waits for acknowledgements that never come (a timeout, not
/// NOT_ENOUGH_REPLICAS). Hence `answering`: the nodes that accepted a
/// connection just now.
std::optional<std::string>
unwritable_reason(const std::string& topic,
                  const std::vector<partition_replicas>& partitions,
                  const std::set<int32_t>& answering, int min_insync);

} // namespace semiasync::kafka
