#pragma once

// Topic administration through librdkafka's admin API, for the tools around
// semiasync (tests, benchmark): a JVM per call (Kafka's own TopicCommand)
// costs seconds each. The server and the worker never create topics.

#include <string>
#include <vector>

namespace semiasync::kafka {

/// Creates `topics` with `partitions` partitions each (replication 1: the
/// local stack has one broker) and waits until every partition has a leader
/// that answers. Returns an error text, empty on success; a topic that
/// exists already counts as success.
std::string create_topics(const std::string& brokers,
                          const std::vector<std::string>& topics,
                          int partitions);

/// Deletes `topics`. Returns an error text, empty on success; a missing
/// topic counts as success.
std::string delete_topics(const std::string& brokers,
                          const std::vector<std::string>& topics);

/// Grows `topic` to `partitions` partitions in all (Kafka's
/// CreatePartitions). Returns an error text, empty on success.
std::string add_partitions(const std::string& brokers, const std::string& topic,
                           int partitions);

} // namespace semiasync::kafka
