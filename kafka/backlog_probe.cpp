#include "kafka/backlog_probe.hpp"

#include "domain/error.hpp"
#include "kafka/admin_request.hpp"

#include <librdkafka/rdkafka.h>
#include <vector>

namespace semiasync::kafka {

namespace {

/// The partitions of `topic`, or nothing when the metadata does not name
/// it. A consumer's metadata request never creates a topic.
std::optional<int> partition_count(rd_kafka_t* rk, const std::string& topic,
                                   std::chrono::milliseconds timeout) {
  auto* handle = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  if (!handle) return std::nullopt;
  const rd_kafka_metadata_t* md = nullptr;
  auto code = rd_kafka_metadata(rk, 0, handle, &md, to_ms(timeout));
  rd_kafka_topic_destroy(handle);
  if (code != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  std::optional<int> result;
  for (int i = 0; i < md->topic_cnt; ++i)
    if (topic == md->topics[i].topic
        && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR)
      result = md->topics[i].partition_cnt;
  rd_kafka_metadata_destroy(md);
  return result;
}

} // namespace

struct backlog_probe::impl {
  rd_owned<rd_kafka_t> client;

  /// Low and high watermark of each partition, or nothing.
  std::optional<std::vector<std::pair<int64_t, int64_t>>>
  watermarks(const std::string& topic, std::chrono::milliseconds timeout) {
    auto* rk = client.get();
    auto count = partition_count(rk, topic, timeout);
    if (!count || *count <= 0) return std::nullopt;
    std::vector<std::pair<int64_t, int64_t>> result;
    for (int p = 0; p < *count; ++p) {
      int64_t low = 0;
      int64_t high = 0;
      if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high,
                                           to_ms(timeout))
          != RD_KAFKA_RESP_ERR_NO_ERROR)
        return std::nullopt;
      result.emplace_back(low, high);
    }
    return result;
  }
};

backlog_probe::backlog_probe(std::unique_ptr<impl> ptr)
  : impl_(std::move(ptr)) {
  // nop
}

backlog_probe::~backlog_probe() = default;

caf::expected<std::unique_ptr<backlog_probe>>
backlog_probe::make(const std::string& brokers, const std::string& group,
                    const properties& overrides) {
  char reason[512];
  auto* conf = rd_kafka_conf_new();
  properties settings{{"bootstrap.servers", brokers},
                      {"group.id", group},
                      {"enable.auto.commit", "false"},
                      {"allow.auto.create.topics", "false"}};
  for (const auto& [name, value] : overrides)
    settings[name] = value;
  for (const auto& [name, value] : settings)
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), reason,
                          sizeof(reason))
        != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return make_error(error_code::invalid_setting, name + ": " + reason);
    }
  auto state = std::make_unique<impl>();
  state->client.reset(
    rd_kafka_new(RD_KAFKA_CONSUMER, conf, reason, sizeof(reason)));
  if (!state->client) {
    // rd_kafka_new takes `conf` only when it succeeds.
    rd_kafka_conf_destroy(conf);
    return make_error(error_code::invalid_setting, reason);
  }
  // The constructor is private: no make_unique.
  return std::unique_ptr<backlog_probe>{new backlog_probe{std::move(state)}};
}

std::optional<int64_t>
backlog_probe::group_lag(const std::string& topic,
                         std::chrono::milliseconds timeout) {
  auto marks = impl_->watermarks(topic, timeout);
  if (!marks) return std::nullopt;
  auto* list
    = rd_kafka_topic_partition_list_new(static_cast<int>(marks->size()));
  for (size_t p = 0; p < marks->size(); ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), static_cast<int>(p));
  auto code = rd_kafka_committed(impl_->client.get(), list, to_ms(timeout));
  std::optional<int64_t> result;
  if (code == RD_KAFKA_RESP_ERR_NO_ERROR) {
    int64_t behind = 0;
    bool any_commit = false;
    for (int i = 0; i < list->cnt; ++i) {
      const auto& tp = list->elems[i];
      auto [low, high] = marks->at(static_cast<size_t>(tp.partition));
      if (tp.err == RD_KAFKA_RESP_ERR_NO_ERROR && tp.offset >= 0) {
        any_commit = true;
        behind += high > tp.offset ? high - tp.offset : 0;
      } else {
        behind += high - low;
      }
    }
    if (any_commit) result = behind;
  }
  rd_kafka_topic_partition_list_destroy(list);
  return result;
}

std::optional<int64_t>
backlog_probe::message_count(const std::string& topic,
                             std::chrono::milliseconds timeout) {
  auto marks = impl_->watermarks(topic, timeout);
  if (!marks) return std::nullopt;
  int64_t total = 0;
  for (auto [low, high] : *marks)
    total += high - low;
  return total;
}

} // namespace semiasync::kafka
