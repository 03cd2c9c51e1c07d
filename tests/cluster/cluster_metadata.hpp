#pragma once

// Which node of scripts/stack's three-node Kafka cluster plays which part
// right now: the leaders of a topic's partitions, the coordinator of a
// consumer group, the active KRaft controller. The scenarios pick the node
// to break from these answers.

#include <string>
#include <vector>

namespace semiasync::testing {

/// The node leading each partition of `topic`, by partition (-1: none), as
/// the cluster's metadata says now; throws when it cannot be read.
std::vector<int> leaders_of(const std::string& topic);

/// The node leading most partitions of `topic` (the lowest ID on a tie);
/// throws when no partition has a leader.
int busiest_leader(const std::string& topic);

/// The node coordinating consumer group `group`; throws when the cluster
/// does not say.
int coordinator_of(const std::string& group);

/// The node that is the active KRaft controller (`scripts/stack
/// controller`); throws when no majority answers.
int active_controller();

/// "p0:2 p1:3 ..." for notes and failure messages.
std::string describe(const std::vector<int>& leaders);

} // namespace semiasync::testing
