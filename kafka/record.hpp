#pragma once

#include "kafka/wire_message.hpp"

#include <cstdint>
#include <optional>
#include <string>

#include "tracing/span_context.hpp"

namespace semiasync::kafka {

/// Where a record lives in its topic and when the broker stamped it: told
/// by a delivery report for a published record, kept from the fetch for a
/// read one (the live page shows both).
struct record_position {
  /// Partition; -1 when unknown.
  int32_t partition = -1;
  /// Offset within the partition; -1 when unknown.
  int64_t offset = -1;
  /// The record's Kafka timestamp, unix epoch milliseconds; -1 when unknown.
  int64_t timestamp_ms = -1;
  /// The `traceparent` the record carried, kept by a reader that traces
  /// (empty otherwise): the request that waits for the record continues
  /// its trace from there.
  std::string trace_parent{};
};

/// A record read from a topic: where it lives plus what it carries.
struct record {
  /// Source topic.
  std::string topic;
  /// Source partition.
  int32_t partition = 0;
  /// Offset within the partition.
  int64_t offset = 0;
  /// Key, value and headers.
  wire_message message;
  /// The record's Kafka timestamp (unix epoch milliseconds), -1 when the
  /// record has none.
  int64_t timestamp_ms = -1;
  /// The span a traced worker processes the record in (nothing when
  /// tracing is off): what the record's log lines name as their span.
  std::optional<tracing::span_context> trace{};
};

/// Where `rec` lives, as a `record_position`.
inline record_position position_in_topic(const record& rec) {
  return {rec.partition, rec.offset, rec.timestamp_ms, {}};
}

/// "topic/partition@offset", for logs.
inline std::string position_of(const record& rec) {
  return rec.topic + "/" + std::to_string(rec.partition) + "@"
         + std::to_string(rec.offset);
}

/// A record to publish: the topic plus what it carries. The partition comes
/// from the key unless `partition` is set.
struct outgoing_record {
  /// Destination topic.
  std::string topic;
  /// Key, value and headers.
  wire_message message;
  /// An explicit partition, or -1 to partition by key.
  int32_t partition = -1;
};

} // namespace semiasync::kafka
