#include "kafka/consumer.hpp"

#include "domain/error.hpp"

#include <algorithm>
#include <atomic>
#include <librdkafka/rdkafkacpp.h>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

namespace semiasync::kafka {

namespace {

/// Owns the elements of a librdkafka partition vector.
struct partition_list {
  std::vector<RdKafka::TopicPartition*> items;

  partition_list() = default;
  partition_list(const partition_list&) = delete;
  partition_list& operator=(const partition_list&) = delete;
  ~partition_list() {
    RdKafka::TopicPartition::destroy(items);
  }
};

/// Applies group assignments (eager or cooperative) and counts the owned
/// partitions, since librdkafka does not assign by itself once a rebalance
/// callback is installed.
class rebalance_handler final : public RdKafka::RebalanceCb {
public:
  using partition_key = std::pair<std::string, int32_t>;

  std::atomic<size_t> owned{0};
  revocation_handler on_revoked;
  /// The owned partitions, for `lag()` on another thread: asking librdkafka
  /// for its assignment would wait for its main thread.
  mutable std::mutex owned_mutex;
  std::set<partition_key> owned_partitions;

  /// Adds (or with `keep_others` false: sets) owned partitions.
  void record_owned(const std::vector<RdKafka::TopicPartition*>& parts,
                    bool keep_others) {
    std::lock_guard<std::mutex> guard{owned_mutex};
    if (!keep_others) owned_partitions.clear();
    for (auto* tp : parts)
      owned_partitions.emplace(tp->topic(), tp->partition());
  }

  /// Removes owned partitions (all of them when `parts` is null).
  void record_released(const std::vector<RdKafka::TopicPartition*>* parts) {
    std::lock_guard<std::mutex> guard{owned_mutex};
    if (parts == nullptr) {
      owned_partitions.clear();
      return;
    }
    for (auto* tp : *parts)
      owned_partitions.erase({tp->topic(), tp->partition()});
  }

  /// A copy of the owned partitions.
  std::set<partition_key> owned_snapshot() const {
    std::lock_guard<std::mutex> guard{owned_mutex};
    return owned_partitions;
  }

  void rebalance_cb(RdKafka::KafkaConsumer* handle, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    bool cooperative = handle->rebalance_protocol() == "COOPERATIVE";
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      if (cooperative) {
        std::unique_ptr<RdKafka::Error> failed{
          handle->incremental_assign(parts)};
        if (!failed) {
          owned += parts.size();
          record_owned(parts, true);
        }
      } else if (handle->assign(parts) == RdKafka::ERR_NO_ERROR) {
        owned = parts.size();
        record_owned(parts, false);
      }
      return;
    }
    if (on_revoked)
      for (auto* tp : parts)
        on_revoked(tp->topic(), tp->partition());
    if (cooperative && err == RdKafka::ERR__REVOKE_PARTITIONS) {
      std::unique_ptr<RdKafka::Error> failed{
        handle->incremental_unassign(parts)};
      owned -= std::min(owned.load(), parts.size());
      record_released(&parts);
    } else {
      // Eager revocation, or a rebalance error: drop everything.
      handle->unassign();
      owned = 0;
      record_released(nullptr);
    }
  }
};

record to_record(RdKafka::Message& msg) {
  record rec;
  rec.topic = msg.topic_name();
  rec.partition = msg.partition();
  rec.offset = msg.offset();
  auto stamp = msg.timestamp();
  if (stamp.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE)
    rec.timestamp_ms = stamp.timestamp;
  if (auto* key = static_cast<const char*>(msg.key_pointer()))
    rec.message.key.assign(key, msg.key_len());
  if (auto* value = static_cast<const char*>(msg.payload()))
    rec.message.value.assign(value, msg.len());
  if (auto* headers = msg.headers()) {
    for (const auto& h : headers->get_all()) {
      header out{h.key(), {}};
      if (auto* bytes = static_cast<const char*>(h.value()))
        out.value.assign(bytes, h.value_size());
      rec.message.headers.push_back(std::move(out));
    }
  }
  return rec;
}

caf::error unavailable(const std::string& what, RdKafka::ErrorCode rc) {
  return make_error(error_code::broker_unavailable,
                    what + ": " + RdKafka::err2str(rc));
}

} // namespace

struct consumer::impl {
  // Declared before `handle` so it outlives it: close() still rebalances.
  rebalance_handler rebalance;
  std::unique_ptr<RdKafka::KafkaConsumer> handle;
  caf::error pending_error;
  /// The topic whose every partition this reader follows, new ones
  /// included; empty for group members and readers of chosen partitions.
  std::string followed_topic;

  ~impl() {
    // Leaves the group cleanly, also when a factory fails half-way.
    if (handle) handle->close();
  }

  static caf::expected<std::unique_ptr<impl>>
  create(const properties& defaults, const properties& overrides) {
    auto conf = make_conf(defaults, overrides);
    if (!conf) return std::move(conf.error());
    auto state = std::make_unique<impl>();
    std::string reason;
    if ((*conf)->set("rebalance_cb", &state->rebalance, reason)
        != RdKafka::Conf::CONF_OK)
      return make_error(error_code::invalid_setting, "rebalance_cb: " + reason);
    state->handle.reset(RdKafka::KafkaConsumer::create(conf->get(), reason));
    if (!state->handle)
      return make_error(error_code::invalid_setting,
                        "cannot create Kafka consumer: " + reason);
    return state;
  }
};

consumer::consumer(std::unique_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

caf::expected<std::unique_ptr<consumer>>
consumer::subscribe(const std::string& brokers, const std::string& group_id,
                    const std::vector<std::string>& topics,
                    const properties& overrides) {
  auto state = impl::create(consumer_defaults(brokers, group_id), overrides);
  if (!state) return std::move(state.error());
  auto rc = (*state)->handle->subscribe(topics);
  if (rc != RdKafka::ERR_NO_ERROR) return unavailable("subscribe", rc);
  return std::unique_ptr<consumer>{new consumer(std::move(*state))};
}

namespace {

/// The partition count of `topic` in `md`, or why there is none.
caf::expected<int32_t> partition_count_in(const RdKafka::Metadata& md,
                                          const std::string& topic) {
  const RdKafka::TopicMetadata* found = nullptr;
  for (const auto* t : *md.topics())
    if (t->topic() == topic) found = t;
  auto what = "topic '" + topic + "'";
  if (found == nullptr)
    return unavailable(what, RdKafka::ERR_UNKNOWN_TOPIC_OR_PART);
  if (found->err() != RdKafka::ERR_NO_ERROR)
    return unavailable(what, found->err());
  if (found->partitions()->empty())
    return unavailable(what, RdKafka::ERR__UNKNOWN_PARTITION);
  return static_cast<int32_t>(found->partitions()->size());
}

/// Every partition number below `count`.
std::vector<int32_t> every_partition(int32_t count) {
  std::vector<int32_t> result;
  for (int32_t p = 0; p < count; ++p)
    result.push_back(p);
  return result;
}

} // namespace

caf::expected<std::unique_ptr<consumer>>
consumer::assign_from_end(const std::string& brokers,
                          const std::string& group_id, const std::string& topic,
                          std::chrono::milliseconds timeout,
                          const properties& overrides) {
  auto result = assign_chosen_from_end(
    brokers, group_id, topic,
    [](int32_t count) -> caf::expected<std::vector<int32_t>> {
      return every_partition(count);
    },
    timeout, overrides);
  // Reading every partition includes the ones added later.
  if (result) (*result)->impl_->followed_topic = topic;
  return result;
}

caf::expected<std::unique_ptr<consumer>> consumer::assign_chosen_from_end(
  const std::string& brokers, const std::string& group_id,
  const std::string& topic, const partition_chooser& choose,
  std::chrono::milliseconds timeout, const properties& overrides) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining = [deadline] {
    return to_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now()));
  };
  auto defaults = consumer_defaults(brokers, group_id);
  // A reader of live outcomes has no position worth keeping.
  defaults["enable.auto.commit"] = "false";
  auto state = impl::create(defaults, overrides);
  if (!state) return std::move(state.error());
  auto& handle = *(*state)->handle;
  // All topics, not just `topic`: asking for one topic by name may create
  // it as a side effect (brokers with auto.create.topics.enable, and the
  // mock cluster whatever the client asks for).
  RdKafka::Metadata* raw = nullptr;
  auto rc = handle.metadata(true, nullptr, &raw, remaining());
  std::unique_ptr<RdKafka::Metadata> md{raw};
  if (rc != RdKafka::ERR_NO_ERROR)
    return unavailable("metadata for '" + topic + "'", rc);
  auto count = partition_count_in(*md, topic);
  if (!count) return std::move(count.error());
  auto chosen = choose(*count);
  if (!chosen) return std::move(chosen.error());
  if (chosen->empty())
    return make_error(error_code::invalid_setting,
                      "no partition of '" + topic + "' chosen");
  partition_list parts;
  for (auto p : *chosen) {
    if (p < 0 || p >= *count)
      return make_error(error_code::invalid_setting,
                        "topic '" + topic + "' has no partition "
                          + std::to_string(p) + " (it has "
                          + std::to_string(*count) + ")");
    int64_t low = 0;
    int64_t high = 0;
    // Right after a topic is created (or a broker restarted) a partition
    // may have no leader yet: retry until the deadline instead of failing
    // the whole start-up on a state that lasts a moment.
    for (;;) {
      rc = handle.query_watermark_offsets(topic, p, &low, &high, remaining());
      if (rc == RdKafka::ERR_NO_ERROR || remaining() <= 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds{200});
    }
    if (rc != RdKafka::ERR_NO_ERROR)
      return unavailable(
        "end offset of '" + topic + "' [" + std::to_string(p) + "]", rc);
    parts.items.push_back(RdKafka::TopicPartition::create(topic, p, high));
  }
  if (rc = handle.assign(parts.items); rc != RdKafka::ERR_NO_ERROR)
    return unavailable("assign '" + topic + "'", rc);
  (*state)->rebalance.owned = parts.items.size();
  (*state)->rebalance.record_owned(parts.items, false);
  return std::unique_ptr<consumer>{new consumer(std::move(*state))};
}

caf::expected<std::vector<int32_t>>
consumer::extend_assignment(std::chrono::milliseconds timeout) {
  const auto& topic = impl_->followed_topic;
  if (topic.empty()) return std::vector<int32_t>{};
  std::string reason;
  std::unique_ptr<RdKafka::Topic> handle_of_topic{
    RdKafka::Topic::create(impl_->handle.get(), topic, nullptr, reason)};
  if (!handle_of_topic)
    return make_error(error_code::broker_unavailable,
                      "topic handle for '" + topic + "': " + reason);
  // This topic only: a consumer's metadata request never creates topics
  // (allow.auto.create.topics is off for consumers), and the answer stays
  // small however many topics the cluster has.
  RdKafka::Metadata* raw = nullptr;
  auto rc = impl_->handle->metadata(false, handle_of_topic.get(), &raw,
                                    to_ms(timeout));
  std::unique_ptr<RdKafka::Metadata> md{raw};
  if (rc != RdKafka::ERR_NO_ERROR)
    return unavailable("metadata for '" + topic + "'", rc);
  auto count = partition_count_in(*md, topic);
  if (!count) return std::move(count.error());
  auto owned = impl_->rebalance.owned_snapshot();
  partition_list parts;
  std::vector<int32_t> added;
  for (int32_t p = 0; p < *count; ++p) {
    if (owned.count({topic, p}) > 0) continue;
    parts.items.push_back(RdKafka::TopicPartition::create(
      topic, p, RdKafka::Topic::OFFSET_BEGINNING));
    added.push_back(p);
  }
  if (added.empty()) return added;
  std::unique_ptr<RdKafka::Error> failed{
    impl_->handle->incremental_assign(parts.items)};
  if (failed)
    return make_error(error_code::broker_unavailable,
                      "assign new partitions of '" + topic
                        + "': " + failed->str());
  impl_->rebalance.owned += added.size();
  impl_->rebalance.record_owned(parts.items, true);
  return added;
}

std::vector<int32_t>
consumer::owned_partitions(const std::string& topic) const {
  std::vector<int32_t> result;
  for (auto& [t, p] : impl_->rebalance.owned_snapshot())
    if (t == topic) result.push_back(p);
  return result;
}

consumer::~consumer() {
  // The owner is being torn down too; it wants no more notices.
  impl_->rebalance.on_revoked = nullptr;
}

caf::expected<std::vector<record>>
consumer::poll(size_t max, std::chrono::milliseconds timeout) {
  if (impl_->pending_error)
    return std::exchange(impl_->pending_error, caf::error{});
  std::vector<record> batch;
  auto wait = to_ms(timeout);
  while (batch.size() < max) {
    std::unique_ptr<RdKafka::Message> msg{impl_->handle->consume(wait)};
    wait = 0;
    switch (msg->err()) {
      case RdKafka::ERR_NO_ERROR: batch.push_back(to_record(*msg)); break;
      case RdKafka::ERR__PARTITION_EOF: break;
      case RdKafka::ERR__TIMED_OUT: return batch;
      default: {
        auto err = make_error(error_code::broker_unavailable, msg->errstr());
        if (batch.empty()) return err;
        impl_->pending_error = std::move(err);
        return batch;
      }
    }
  }
  return batch;
}

caf::error consumer::mark_done(const std::string& topic, int32_t partition,
                               int64_t offset) {
  partition_list offsets;
  offsets.items.push_back(
    RdKafka::TopicPartition::create(topic, partition, offset + 1));
  auto rc = impl_->handle->offsets_store(offsets.items);
  auto partition_rc = offsets.items.front()->err();
  if (partition_rc == RdKafka::ERR__STATE
      || partition_rc == RdKafka::ERR__UNKNOWN_PARTITION)
    return {}; // not ours (any more): see the header
  if (rc != RdKafka::ERR_NO_ERROR) return unavailable("store offset", rc);
  if (partition_rc != RdKafka::ERR_NO_ERROR)
    return unavailable("store offset", partition_rc);
  return {};
}

bool consumer::assigned() const {
  return impl_->rebalance.owned > 0;
}

caf::error consumer::commit_now() {
  auto rc = impl_->handle->commitSync();
  if (rc == RdKafka::ERR_NO_ERROR || rc == RdKafka::ERR__NO_OFFSET) return {};
  return unavailable("commit", rc);
}

void consumer::on_revoked(revocation_handler handler) {
  impl_->rebalance.on_revoked = std::move(handler);
}

int64_t consumer::lag() const {
  partition_list parts;
  for (auto& [topic, partition] : impl_->rebalance.owned_snapshot())
    parts.items.push_back(RdKafka::TopicPartition::create(topic, partition));
  if (parts.items.empty()) return 0;
  // Both calls read librdkafka's per-partition cache under its own locks.
  if (impl_->handle->position(parts.items) != RdKafka::ERR_NO_ERROR) return 0;
  int64_t total = 0;
  for (auto* tp : parts.items) {
    // No position yet: nothing was read since the assignment.
    if (tp->err() != RdKafka::ERR_NO_ERROR || tp->offset() < 0) continue;
    int64_t low = 0;
    int64_t high = 0;
    if (impl_->handle->get_watermark_offsets(tp->topic(), tp->partition(), &low,
                                             &high)
          != RdKafka::ERR_NO_ERROR
        || high < 0)
      continue;
    total += std::max<int64_t>(0, high - tp->offset());
  }
  return total;
}

} // namespace semiasync::kafka
