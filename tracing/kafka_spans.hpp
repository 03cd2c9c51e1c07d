#pragma once

// The spans of Kafka publishes and reads, named and attributed as
// OpenTelemetry's messaging conventions (v1.29) name them, in one place for
// the server and the worker.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "tracing/tracer.hpp"

namespace semiasync::tracing {

/// A record's identity in the spans: where it goes or was read, and the
/// request it belongs to.
struct kafka_record_ref {
  /// The topic.
  std::string_view topic;
  /// The request ID (`messaging.message.conversation_id`); empty: unknown.
  std::string_view conversation_id{};
  /// The partition; -1: not known (yet).
  int32_t partition = -1;
  /// The offset; -1: not known (yet).
  int64_t offset = -1;
};

/// `send <topic>`, a producer span: from handing a record to the client
/// until the broker acknowledged it (see `landed`).
span_start kafka_send(const kafka_record_ref& record,
                      std::optional<span_context> parent);

/// `process <topic>`, a consumer span for one record, child of the context
/// the record carried; `group` is the consumer group, if any.
span_start kafka_process(const kafka_record_ref& record,
                         std::optional<span_context> parent,
                         std::string_view group = {});

/// `process <topic>` for a batch: a consumer span linking the context of
/// every record that carried one.
span_start kafka_process_batch(std::string_view topic, std::string_view group,
                               size_t count, std::vector<span_context> links);

/// Records on a send span where the record landed.
void landed(span& send, int32_t partition, int64_t offset);

} // namespace semiasync::tracing
