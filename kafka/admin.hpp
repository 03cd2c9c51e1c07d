#pragma once

// Topic administration through librdkafka's admin API, for the tools around
// semiasync (tests, benchmark): a JVM per call (Kafka's own TopicCommand)
// costs seconds each. The server and the worker never create topics.

#include <string>
#include <vector>

namespace semiasync::kafka {

/// Creates `topics` with `partitions` partitions each, replicated as the
/// brokers' `default.replication.factor` says (1 on the single-broker stack,
/// 3 on the three-node one), and waits until every partition has a leader
/// that answers. Returns an error text, empty on success; a topic that
/// exists already counts as success.
std::string create_topics(const std::string& brokers,
                          const std::vector<std::string>& topics,
                          int partitions);

/// Fills `leaders` with the node ID leading each partition of `topic`, by
/// partition (-1 for a partition without a leader), as the metadata of
/// `brokers` says now. Returns an error text, empty on success.
std::string partition_leaders(const std::string& brokers,
                              const std::string& topic,
                              std::vector<int>& leaders);

/// Sets `coordinator` to the node ID coordinating consumer group `group`
/// (the leader of its `__consumer_offsets` partition), as `brokers` say now.
/// Returns an error text, empty on success.
std::string group_coordinator(const std::string& brokers,
                              const std::string& group, int& coordinator);

/// Deletes `topics`. Returns an error text, empty on success; a missing
/// topic counts as success.
std::string delete_topics(const std::string& brokers,
                          const std::vector<std::string>& topics);

/// Grows `topic` to `partitions` partitions in all (Kafka's
/// CreatePartitions). Returns an error text, empty on success.
std::string add_partitions(const std::string& brokers, const std::string& topic,
                           int partitions);

} // namespace semiasync::kafka
