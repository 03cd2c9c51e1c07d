#pragma once

#include "kafka/producer.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace semiasync::kafka {

/// Finds out whether a topic can take an `acks=all` write right now: asks
/// the metadata for its partitions, the topic's `min.insync.replicas`
/// (cached), and which of the listed brokers accept a TCP connection, then
/// decides with `unwritable_reason`. Blocks for up to about a second: use it
/// from a thread that may (the write watch). Not thread-safe.
class write_check {
public:
  /// How long the metadata and configuration requests may take.
  static constexpr std::chrono::milliseconds request_timeout{800};
  /// How long a broker may take to accept a connection.
  static constexpr std::chrono::milliseconds connect_timeout{300};
  /// How long a topic's `min.insync.replicas` is trusted.
  static constexpr std::chrono::seconds config_max_age{60};

  /// Asks through `client`'s connections.
  explicit write_check(std::shared_ptr<producer> client);

  /// Why `topic` cannot take a write, or nothing when it can or when the
  /// cluster cannot tell now (no answer: other checks report an outage; an
  /// unknown state must never refuse requests).
  std::optional<std::string> operator()(const std::string& topic);

private:
  struct cached_setting {
    int value = 0;
    std::chrono::steady_clock::time_point asked;
  };

  std::shared_ptr<producer> client_;
  std::map<std::string, cached_setting> min_insync_;
};

/// True when `host`:`port` accepts a TCP connection within `timeout`.
bool accepts_connection(const std::string& host, int port,
                        std::chrono::milliseconds timeout);

} // namespace semiasync::kafka
