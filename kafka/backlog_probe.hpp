#pragma once

#include "kafka/client_config.hpp"

#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace semiasync::kafka {

/// Asks the brokers how far behind a consumer group is and how many
/// messages a topic holds, for the live page's stats. Every call blocks
/// (a few round trips, each bounded by `timeout`): call it from a thread of
/// its own, never from an I/O thread or an actor. The group is only read:
/// the probe never joins it or commits. Not thread-safe.
class backlog_probe {
public:
  /// A probe of `brokers` reading `group`'s committed offsets, with
  /// `overrides` (security settings) applied; `invalid_setting` when
  /// librdkafka refuses the configuration.
  static caf::expected<std::unique_ptr<backlog_probe>>
  make(const std::string& brokers, const std::string& group,
       const properties& overrides);

  ~backlog_probe();

  backlog_probe(const backlog_probe&) = delete;
  backlog_probe& operator=(const backlog_probe&) = delete;

  /// Messages of `topic` the group has not committed yet, summed over its
  /// partitions (a partition without a commit counts all it holds);
  /// nothing when unknown: the topic is missing, a broker does not answer,
  /// or the group never committed on it.
  std::optional<int64_t> group_lag(const std::string& topic,
                                   std::chrono::milliseconds timeout);

  /// Messages `topic` holds now (high minus low watermark, summed over its
  /// partitions); nothing when unknown.
  std::optional<int64_t> message_count(const std::string& topic,
                                       std::chrono::milliseconds timeout);

private:
  struct impl;

  explicit backlog_probe(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace semiasync::kafka
