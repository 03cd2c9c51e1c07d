#include "kafka/producer.hpp"

#include "domain/error.hpp"
#include "kafka/admin_request.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace semiasync::kafka {

namespace {

constexpr int poll_interval_ms = 50;

/// librdkafka fails timed-out records from the broker's thread, which
/// sleeps up to `reconnect.backoff.max.ms` (10 s by default) between
/// connection attempts while the broker is down: a 2 s delivery timeout
/// then reports after up to 12 s. Bounding the backoff by a quarter of the
/// delivery timeout keeps reports within about 1.25 times the timeout.
properties with_timely_timeouts(properties defaults,
                                std::chrono::milliseconds delivery_timeout) {
  constexpr auto shortest = std::chrono::milliseconds{100};
  constexpr auto longest = std::chrono::milliseconds{10000};
  auto backoff = std::clamp(delivery_timeout / 4, shortest, longest);
  defaults.emplace("reconnect.backoff.max.ms", std::to_string(backoff.count()));
  return defaults;
}

/// Turns each delivery report into one call of the callback passed as the
/// record's opaque, then frees it.
class report_handler final : public RdKafka::DeliveryReportCb {
public:
  void dr_cb(RdKafka::Message& msg) override {
    std::unique_ptr<delivery_callback> callback{
      static_cast<delivery_callback*>(msg.msg_opaque())};
    if (!callback) return;
    caf::error err;
    record_position where;
    if (msg.err() == RdKafka::ERR_NO_ERROR) {
      where.partition = msg.partition();
      where.offset = msg.offset();
      auto stamp = msg.timestamp();
      if (stamp.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE)
        where.timestamp_ms = stamp.timestamp;
    } else {
      // A timeout after the request reached the broker may still have
      // written the record: say so, the caller must not promise a retry.
      auto code = msg.status() == RdKafka::Message::MSG_STATUS_NOT_PERSISTED
                    ? error_code::publish_failed
                    : error_code::publish_uncertain;
      err
        = make_error(code, "topic '" + msg.topic_name() + "': " + msg.errstr());
    }
    try {
      (*callback)(err, where);
    } catch (...) {
      // An exception must not unwind through librdkafka's C frames; the
      // callback contract says it does not throw, so there is nothing to add.
    }
  }
};

/// A fatal error as our error value: librdkafka's underlying code (by name,
/// for operators searching its docs) and reason.
caf::error fatal_error_of(RdKafka::ErrorCode code, const std::string& reason) {
  return make_error(
    error_code::publish_failed,
    std::string{"Kafka producer failed for good ("}
      + rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code))
      + "): " + reason);
}

/// Passes every client event on to the callback configured before (our
/// log), and runs the `on_fatal` callbacks once when the fatal error comes.
/// librdkafka reports it only through this event: a producer that merely
/// logged it would answer 503 for ever while looking healthy.
class fatal_watch final : public RdKafka::EventCb {
public:
  /// The callback configured before this one, if any.
  RdKafka::EventCb* next = nullptr;

  void event_cb(RdKafka::Event& event) override {
    if (next) next->event_cb(event);
    // The C++ binding already turned ERR__FATAL into the underlying error.
    if (event.type() == RdKafka::Event::EVENT_ERROR && event.fatal())
      fire(fatal_error_of(event.err(), event.str()));
  }

  /// Runs every waiting callback with `err`, unless that happened already.
  void fire(const caf::error& err) {
    std::vector<fatal_callback> due;
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (fired_) return;
      fired_ = true;
      error_ = err;
      due.swap(waiting_);
    }
    for (auto& callback : due)
      call(callback, err);
  }

  /// Runs `callback` once the fatal error came: now, if it did.
  void subscribe(fatal_callback callback) {
    std::unique_lock<std::mutex> guard{mutex_};
    if (!fired_) {
      waiting_.push_back(std::move(callback));
      return;
    }
    auto err = error_;
    guard.unlock();
    call(callback, err);
  }

private:
  static void call(const fatal_callback& callback, const caf::error& err) {
    try {
      callback(err);
    } catch (...) {
      // Must not unwind through librdkafka's C frames; callbacks do not
      // throw by contract.
    }
  }

  std::mutex mutex_;
  bool fired_ = false;
  caf::error error_;
  std::vector<fatal_callback> waiting_;
};

} // namespace

/// What the producer last learned about one topic's partitions.
struct partition_cache_entry {
  /// The count, 0 while unknown.
  int32_t count = 0;
  /// When the broker was last asked (successfully or not).
  std::chrono::steady_clock::time_point asked;
};

struct producer::impl {
  // Declared before `handle` so it outlives it: librdkafka calls it until
  // the handle is gone.
  report_handler reports;
  fatal_watch fatal;
  std::unique_ptr<RdKafka::Producer> handle;
  std::atomic<bool> stopping{false};
  std::thread poller;
  std::mutex partitions_mutex;
  std::map<std::string, partition_cache_entry> partitions;
};

producer::producer(std::unique_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

caf::expected<std::unique_ptr<producer>>
producer::make(const std::string& brokers,
               std::chrono::milliseconds delivery_timeout,
               const properties& overrides) {
  auto conf = make_conf(
    with_timely_timeouts(producer_defaults(brokers, delivery_timeout),
                         delivery_timeout),
    overrides);
  if (!conf) return std::move(conf.error());
  auto state = std::make_unique<impl>();
  std::string reason;
  if ((*conf)->set("dr_cb", &state->reports, reason) != RdKafka::Conf::CONF_OK)
    return make_error(error_code::invalid_setting, "dr_cb: " + reason);
  // Not set means none: `next` stays null.
  static_cast<void>((*conf)->get(state->fatal.next));
  if ((*conf)->set("event_cb", &state->fatal, reason) != RdKafka::Conf::CONF_OK)
    return make_error(error_code::invalid_setting, "event_cb: " + reason);
  state->handle.reset(RdKafka::Producer::create(conf->get(), reason));
  if (!state->handle)
    return make_error(error_code::invalid_setting,
                      "cannot create Kafka producer: " + reason);
  return std::unique_ptr<producer>{new producer(std::move(state))};
}

producer::~producer() {
  if (impl_->poller.joinable()) {
    impl_->stopping = true;
    impl_->poller.join();
  }
  auto& handle = *impl_->handle;
  if (handle.flush(to_ms(shutdown_grace)) != RdKafka::ERR_NO_ERROR) {
    // Fail the rest now so that every callback runs once and its heap copy
    // is freed; destroying the handle would drop them silently.
    handle.purge(RdKafka::Producer::PURGE_QUEUE
                 | RdKafka::Producer::PURGE_INFLIGHT);
    handle.flush(to_ms(shutdown_grace));
  }
}

caf::error producer::publish(outgoing_record rec,
                             delivery_callback on_delivery) {
  std::unique_ptr<RdKafka::Headers> headers{RdKafka::Headers::create()};
  for (const auto& h : rec.message.headers)
    headers->add(h.name, h.value.data(), h.value.size());
  std::unique_ptr<delivery_callback> callback;
  if (on_delivery)
    callback = std::make_unique<delivery_callback>(std::move(on_delivery));
  auto& key = rec.message.key;
  auto& value = rec.message.value;
  auto partition
    = rec.partition < 0 ? RdKafka::Topic::PARTITION_UA : rec.partition;
  // No key means "no key" to the partitioner, not "the empty key".
  auto rc = impl_->handle->produce(
    rec.topic, partition, RdKafka::Producer::RK_MSG_COPY, value.data(),
    value.size(), key.empty() ? nullptr : key.data(), key.size(), 0,
    headers.get(), callback.get());
  if (rc == RdKafka::ERR__FATAL)
    if (auto err = fatal_error()) return err;
  if (rc != RdKafka::ERR_NO_ERROR)
    return make_error(error_code::publish_failed,
                      "topic '" + rec.topic + "': " + RdKafka::err2str(rc));
  // Accepted: librdkafka owns both now, and the report may already have
  // freed the callback on the polling thread, so only let go.
  headers.release();
  callback.release();
  return {};
}

void producer::serve_delivery_reports(std::chrono::milliseconds timeout) {
  impl_->handle->poll(to_ms(timeout));
}

caf::error producer::flush(std::chrono::milliseconds timeout) {
  auto rc = impl_->handle->flush(to_ms(timeout));
  if (rc != RdKafka::ERR_NO_ERROR)
    return make_error(error_code::publish_failed,
                      "flush: " + RdKafka::err2str(rc));
  return {};
}

void producer::start_polling_thread() {
  if (impl_->poller.joinable()) return;
  impl_->poller = std::thread{[state = impl_.get()] {
    while (!state->stopping)
      state->handle->poll(poll_interval_ms);
  }};
}

caf::error producer::fatal_error() const {
  std::string reason;
  auto code = impl_->handle->fatal_error(reason);
  if (code == RdKafka::ERR_NO_ERROR) return {};
  return fatal_error_of(code, reason);
}

void producer::on_fatal(fatal_callback callback) {
  // librdkafka may know before its event was served: tell at once then.
  if (auto err = fatal_error()) impl_->fatal.fire(err);
  impl_->fatal.subscribe(std::move(callback));
}

bool producer::broker_reachable(std::chrono::milliseconds timeout) {
  RdKafka::Metadata* raw = nullptr;
  // Locally known topics only: any answer proves a broker is there.
  auto rc = impl_->handle->metadata(false, nullptr, &raw, to_ms(timeout));
  std::unique_ptr<RdKafka::Metadata> md{raw};
  return rc == RdKafka::ERR_NO_ERROR;
}

caf::expected<topic_layout>
producer::layout_of(const std::string& topic,
                    std::chrono::milliseconds timeout) {
  std::string reason;
  std::unique_ptr<RdKafka::Topic> handle_of_topic{
    RdKafka::Topic::create(impl_->handle.get(), topic, nullptr, reason)};
  if (!handle_of_topic)
    return make_error(error_code::broker_unavailable, topic + ": " + reason);
  RdKafka::Metadata* raw = nullptr;
  auto rc = impl_->handle->metadata(false, handle_of_topic.get(), &raw,
                                    to_ms(timeout));
  std::unique_ptr<RdKafka::Metadata> md{raw};
  if (rc != RdKafka::ERR_NO_ERROR)
    return make_error(error_code::broker_unavailable,
                      "metadata for '" + topic + "': " + RdKafka::err2str(rc));
  topic_layout layout;
  for (const auto* broker : *md->brokers())
    layout.brokers[broker->id()] = {broker->host(), broker->port()};
  for (const auto* found : *md->topics()) {
    if (found->topic() != topic) continue;
    if (found->err() != RdKafka::ERR_NO_ERROR)
      return make_error(error_code::broker_unavailable,
                        "metadata for '" + topic
                          + "': " + RdKafka::err2str(found->err()));
    for (const auto* part : *found->partitions())
      layout.partitions.push_back(
        {part->id(), part->leader(),
         std::vector<int32_t>(part->isrs()->begin(), part->isrs()->end())});
  }
  return layout;
}

caf::expected<int>
producer::min_insync_replicas(const std::string& topic,
                              std::chrono::milliseconds timeout) {
  auto* rk = impl_->handle->c_ptr();
  auto fail = [&](const std::string& why) {
    return make_error(error_code::broker_unavailable,
                      "min.insync.replicas of '" + topic + "': " + why);
  };
  auto* resource
    = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  // librdkafka copies the resource: ours goes at once.
  auto answer
    = admin_request(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout,
                    timeout + std::chrono::milliseconds{500},
                    [&](rd_kafka_t* client, rd_kafka_AdminOptions_t* opts,
                        rd_kafka_queue_t* q) {
                      rd_kafka_DescribeConfigs(client, &resource, 1, opts, q);
                    });
  rd_kafka_ConfigResource_destroy(resource);
  if (!answer.event) return fail(answer.error);
  const auto& event = answer.event;
  size_t count = 0;
  const auto** found = rd_kafka_DescribeConfigs_result_resources(
    rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  if (count != 1) return fail("not described");
  if (rd_kafka_ConfigResource_error(found[0]) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return fail(rd_kafka_ConfigResource_error_string(found[0]));
  size_t entries = 0;
  const auto** configs = rd_kafka_ConfigResource_configs(found[0], &entries);
  for (size_t i = 0; i < entries; ++i) {
    if (std::string{rd_kafka_ConfigEntry_name(configs[i])}
        != "min.insync.replicas")
      continue;
    std::string value = rd_kafka_ConfigEntry_value(configs[i])
                          ? rd_kafka_ConfigEntry_value(configs[i])
                          : "";
    int parsed = 0;
    auto [end, ec]
      = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc{} || end != value.data() + value.size() || parsed < 1)
      return fail("not a positive number: '" + value + "'");
    return parsed;
  }
  return fail("not listed");
}

caf::expected<int32_t>
producer::partition_count(const std::string& topic,
                          std::chrono::milliseconds max_age) {
  std::lock_guard<std::mutex> guard{impl_->partitions_mutex};
  auto now = std::chrono::steady_clock::now();
  auto [entry, fresh] = impl_->partitions.try_emplace(topic);
  auto& cached = entry->second;
  if (fresh || now - cached.asked >= max_age) {
    cached.asked = now;
    std::string reason;
    std::unique_ptr<RdKafka::Topic> handle_of_topic{
      RdKafka::Topic::create(impl_->handle.get(), topic, nullptr, reason)};
    RdKafka::Metadata* raw = nullptr;
    auto rc = handle_of_topic ? impl_->handle->metadata(
                false, handle_of_topic.get(), &raw, to_ms(metadata_timeout))
                              : RdKafka::ERR__INVALID_ARG;
    std::unique_ptr<RdKafka::Metadata> md{raw};
    if (rc == RdKafka::ERR_NO_ERROR)
      for (const auto* t : *md->topics())
        if (t->topic() == topic && t->err() == RdKafka::ERR_NO_ERROR)
          cached.count = static_cast<int32_t>(t->partitions()->size());
  }
  if (cached.count > 0) return cached.count;
  return make_error(error_code::broker_unavailable,
                    "partition count of '" + topic + "' unknown");
}

} // namespace semiasync::kafka
