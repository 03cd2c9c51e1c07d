#pragma once

#include "kafka/producer.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace semiasync::kafka {

/// What a connection attempt to a broker found.
enum class connect_result {
  /// It accepted the connection.
  accepted,
  /// It refused it, or did not answer in time: the broker is down.
  refused,
  /// Nothing can be said: the name did not resolve, or this process could
  /// not make a socket (e.g. out of descriptors).
  unknown,
};

/// Tries a TCP connection to `host`:`port` for at most `timeout`.
connect_result try_connect(const std::string& host, int port,
                           std::chrono::milliseconds timeout);

/// Finds out whether a topic can take an `acks=all` write right now: asks
/// the metadata for its partitions, the topic's `min.insync.replicas`
/// (cached), and which of the listed brokers accept a TCP connection, then
/// decides with `unwritable_reason`. Blocks for up to a few seconds: use it
/// from a thread that may (the write watch). Not thread-safe.
///
/// It refuses only on evidence: whatever it cannot find out (no metadata,
/// the setting never read, a broker whose address does not resolve, a
/// partition in a leader election) means "nothing to say", and requests
/// take the normal way.
class write_check {
public:
  /// How long the metadata and configuration requests may take.
  static constexpr std::chrono::milliseconds request_timeout{800};
  /// How long a broker may take to accept a connection: longer than the
  /// first SYN retransmission (1 s), so one lost packet is no outage.
  static constexpr std::chrono::milliseconds connect_timeout{1200};
  /// How long a topic's `min.insync.replicas` is trusted before it is read
  /// again; a failed read keeps the old value.
  static constexpr std::chrono::seconds config_max_age{60};
  /// How long one round's findings about the brokers serve further topics.
  static constexpr std::chrono::milliseconds brokers_max_age{500};

  /// Asks through `client`'s connections.
  explicit write_check(std::shared_ptr<producer> client);

  /// Why `topic` cannot take a write, or nothing when it can or when
  /// nothing can be said.
  std::optional<std::string> operator()(const std::string& topic);

private:
  struct cached_setting {
    int value = 0;
    std::chrono::steady_clock::time_point asked;
  };

  /// The brokers of `layout` that accept a connection, or nothing when one
  /// of them cannot be judged. Reused for `brokers_max_age`.
  std::optional<std::set<int32_t>> answering(const topic_layout& layout);

  std::shared_ptr<producer> client_;
  std::map<std::string, cached_setting> min_insync_;
  std::optional<std::set<int32_t>> answering_;
  std::map<int32_t, std::pair<std::string, int>> probed_brokers_;
  std::chrono::steady_clock::time_point probed_at_;
};

} // namespace semiasync::kafka
