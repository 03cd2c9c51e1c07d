#pragma once

// Topic creation and deletion for the benchmark tools, through librdkafka's
// admin API: a JVM per topic (Kafka's own TopicCommand) costs seconds each.

#include <string>
#include <vector>

namespace semiasync::bench {

/// Creates `topics` with `partitions` partitions each (replication 1: the
/// local stack has one broker). Returns an error text, empty on success; a
/// topic that exists already counts as success.
std::string create_topics(const std::string& brokers,
                          const std::vector<std::string>& topics,
                          int partitions);

/// Deletes `topics`. Returns an error text, empty on success; a missing
/// topic counts as success.
std::string delete_topics(const std::string& brokers,
                          const std::vector<std::string>& topics);

} // namespace semiasync::bench
