#pragma once

#include "kafka/wire_message.hpp"

#include <cstdint>
#include <string>

namespace semiasync::kafka {

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
};

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
