#include "tracing/kafka_spans.hpp"

#include <string>

namespace semiasync::tracing {

namespace {

/// The attributes every Kafka span has.
attribute_list common(std::string_view operation, const kafka_record_ref& r) {
  attribute_list result{
    {"messaging.system", std::string{"kafka"}},
    {"messaging.operation.type", std::string{operation}},
    {"messaging.operation.name", std::string{operation}},
    {"messaging.destination.name", std::string{r.topic}},
  };
  if (!r.conversation_id.empty())
    result.push_back(
      {"messaging.message.conversation_id", std::string{r.conversation_id}});
  if (r.partition >= 0)
    result.push_back(
      {"messaging.destination.partition.id", std::to_string(r.partition)});
  if (r.offset >= 0) result.push_back({"messaging.kafka.offset", r.offset});
  return result;
}

} // namespace

span_start kafka_send(const kafka_record_ref& record,
                      std::optional<span_context> parent) {
  return {.name = "send " + std::string{record.topic},
          .kind = span_kind::producer,
          .parent = std::move(parent),
          .attributes = common("send", record),
          .links = {},
          .started = std::nullopt};
}

span_start kafka_process(const kafka_record_ref& record,
                         std::optional<span_context> parent,
                         std::string_view group) {
  auto attributes = common("process", record);
  if (!group.empty())
    attributes.push_back({"messaging.consumer.group.name", std::string{group}});
  return {.name = "process " + std::string{record.topic},
          .kind = span_kind::consumer,
          .parent = std::move(parent),
          .attributes = std::move(attributes),
          .links = {},
          .started = std::nullopt};
}

span_start kafka_process_batch(std::string_view topic, std::string_view group,
                               size_t count, std::vector<span_context> links) {
  auto attributes = common("process", kafka_record_ref{topic});
  if (!group.empty())
    attributes.push_back({"messaging.consumer.group.name", std::string{group}});
  attributes.push_back(
    {"messaging.batch.message_count", static_cast<int64_t>(count)});
  return {.name = "process " + std::string{topic},
          .kind = span_kind::consumer,
          .parent = std::nullopt,
          .attributes = std::move(attributes),
          .links = std::move(links),
          .started = std::nullopt};
}

void landed(span& send, int32_t partition, int64_t offset) {
  if (partition >= 0)
    send.set("messaging.destination.partition.id", std::to_string(partition));
  if (offset >= 0) send.set("messaging.kafka.offset", offset);
}

} // namespace semiasync::tracing
