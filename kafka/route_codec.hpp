#pragma once

// The records of configured routes (config/route_spec.hpp), in either reply
// protocol: the request a route publishes, and the reply it reads back.
// Like kafka/wire_codec for create-user, this is the only place that knows
// how they look on the wire.

#include "config/route_spec.hpp"
#include "domain/types.hpp"
#include "kafka/record.hpp"
#include "kafka/wire_message.hpp"

#include <caf/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace semiasync {

/// Spring Kafka's request-reply headers (KafkaHeaders), as its
/// ReplyingKafkaTemplate sends them and an `@SendTo` listener echoes them.
constexpr const char* spring_correlation_header = "kafka_correlationId";
/// See `spring_correlation_header`: the topic to reply to (UTF-8).
constexpr const char* spring_reply_topic_header = "kafka_replyTopic";
/// See `spring_correlation_header`: the partition to reply to (4-byte
/// big-endian int).
constexpr const char* spring_reply_partition_header = "kafka_replyPartition";

/// A request record of a route. `semiasync`: header `requestUUID`, plus
/// `replyPartition` (decimal) when given. `spring`: `kafka_correlationId`
/// (the request ID's 16 bytes, as ReplyingKafkaTemplate sends them),
/// `kafka_replyTopic` = `reply_topic`, plus `kafka_replyPartition` when
/// given.
wire_message encode_route_request(config::reply_protocol protocol,
                                  const request_id& id, std::string key,
                                  std::string value,
                                  const std::string& reply_topic,
                                  std::optional<int32_t> reply_partition = {});

/// What a route's reply says.
struct route_reply {
  /// The request it answers.
  request_id request;
  /// Its type, which the route's outcome rules look up; empty when the
  /// record carries none.
  std::string event_type;
  /// Its value, as the service wrote it.
  std::string value;
  /// Where the reply record was read (for the live page); unknown unless
  /// the outcome consumer filled it in.
  kafka::record_position origin{};
};

/// Decodes a reply record, or fails with `malformed_record` when it names
/// no request. `semiasync`: `requestUUID` and `eventType` headers.
/// `spring`: `kafka_correlationId` (16 bytes, or the 36-character text)
/// and the type from header `type_header` (e.g. `__TypeId__`, a Java class
/// name, or `eventType`).
caf::expected<route_reply> decode_route_reply(config::reply_protocol protocol,
                                              const wire_message& msg,
                                              std::string_view type_header);

} // namespace semiasync
