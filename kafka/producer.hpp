#pragma once

#include "kafka/client_config.hpp"
#include "kafka/interfaces.hpp"
#include "kafka/write_quorum.hpp"

#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace semiasync::kafka {

/// Where a topic's partitions live, as the metadata says now.
struct topic_layout {
  /// Its partitions, with leaders and in-sync replicas.
  std::vector<partition_replicas> partitions;
  /// Every broker the metadata lists: node ID to "host:port".
  std::map<int32_t, std::pair<std::string, int>> brokers;
};

/// A `publisher` over one librdkafka producer handle (idempotent, acks=all).
///
/// Delivery callbacks run on the thread that calls `serve_delivery_reports`
/// or `flush`, or on the polling thread once `start_polling_thread` ran, and
/// during destruction on the destroying thread. Every accepted record gets
/// exactly one callback: records still undelivered after the destructor's
/// grace period fail with a purge error. Callbacks must not throw.
///
/// A fatal error (librdkafka's `ERR__FATAL`: the idempotent producer lost
/// its guarantees, e.g. the broker refused it an ID or saw a sequence gap)
/// ends the producer for good: `fatal_error` tells it from then on, every
/// later publish fails with it, and the `on_fatal` callbacks run once, on
/// the thread serving delivery reports. Only a new producer recovers.
class producer final : public publisher {
public:
  /// How long the destructor waits for queued records before purging them.
  static constexpr std::chrono::milliseconds shutdown_grace{2000};

  /// Connects (lazily) to `brokers`; records not acknowledged within
  /// `delivery_timeout` fail with `error_code::publish_failed`. `overrides`
  /// are librdkafka properties applied after our defaults.
  static caf::expected<std::unique_ptr<producer>>
  make(const std::string& brokers, std::chrono::milliseconds delivery_timeout,
       const properties& overrides = {});

  /// Stops the polling thread, flushes up to `shutdown_grace`, then fails
  /// whatever is left.
  ~producer() override;

  producer(const producer&) = delete;
  producer& operator=(const producer&) = delete;

  /// Queues `rec` (bytes copied); partition -1 means "by key" (no key:
  /// librdkafka's default partitioner picks one).
  caf::error publish(outgoing_record rec,
                     delivery_callback on_delivery) override;

  /// Serves due delivery callbacks on the calling thread.
  void serve_delivery_reports(std::chrono::milliseconds timeout) override;

  /// Waits for every queued record, serving callbacks on the calling thread.
  caf::error flush(std::chrono::milliseconds timeout) override;

  /// Starts a thread that serves delivery callbacks until destruction, for
  /// owners that must not block (scheduled actors). Call at most once, before
  /// sharing the producer; later calls do nothing.
  void start_polling_thread();

  /// True if a broker answers a metadata request within `timeout`.
  bool broker_reachable(std::chrono::milliseconds timeout);

  /// The partitions of `topic` and the brokers, from a metadata request
  /// for that topic that waits at most `timeout`. Blocks: call it from a
  /// thread that may (the write watch, a detached actor).
  caf::expected<topic_layout> layout_of(const std::string& topic,
                                        std::chrono::milliseconds timeout);

  /// The topic's `min.insync.replicas`, from a DescribeConfigs request that
  /// waits at most `timeout`. Blocks, as `layout_of`.
  caf::expected<int> min_insync_replicas(const std::string& topic,
                                         std::chrono::milliseconds timeout);

  /// From a per-topic cache; a refresh asks the broker for that topic only
  /// and waits at most `metadata_timeout`. A failed refresh keeps the last
  /// known count (partitions are never removed) and is not retried before
  /// `max_age` passes again, so a broker outage costs one wait per
  /// `max_age`, not one per call. Thread-safe.
  caf::expected<int32_t>
  partition_count(const std::string& topic,
                  std::chrono::milliseconds max_age) override;

  /// `publish_failed`, naming librdkafka's underlying error and reason.
  /// Reads librdkafka's own state, so it tells at once, even before the
  /// error event was served. Thread-safe, never blocks.
  caf::error fatal_error() const override;

  /// Thread-safe; a callback registered after the fatal error was served
  /// runs at once, on the calling thread.
  void on_fatal(fatal_callback callback) override;

  /// How long one partition-count refresh may wait for the broker.
  static constexpr std::chrono::milliseconds metadata_timeout{1000};

private:
  struct impl;

  explicit producer(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace semiasync::kafka
