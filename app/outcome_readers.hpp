#pragma once

// How a server instance reads the topics its answers come from: create-user's
// outcome topic and each configured route's, each as the routing setting
// asks (broadcast or steered).

#include "actors/reply_route.hpp"
#include "config/settings.hpp"
#include "kafka/consumer.hpp"

#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace semiasync {

/// How this instance reads one outcome topic, and which partition each
/// request names for its reply (steered routing only).
struct outcome_reader {
  /// The topic's consumer.
  std::shared_ptr<kafka::consumer> source;
  /// The partitions this instance owns; null when broadcast.
  std::shared_ptr<reply_route> route;
};

/// Broadcast: every partition of `topic` from its end, in a group of its
/// own, so the instance sees every reply meant for it. Steered: only the
/// partitions it owns (configured, or derived from the instance ID and the
/// partition count), also from their end. Waits up to `timeout` for the
/// broker.
caf::expected<outcome_reader> read_outcomes(const config::settings& cfg,
                                            const std::string& instance,
                                            const std::string& topic,
                                            std::chrono::milliseconds timeout);

/// One reader per distinct outcome topic of the configured routes.
using route_readers = std::map<std::string, outcome_reader>;

/// The readers of every configured route's outcome topic, or the first
/// failure, naming the topic.
caf::expected<route_readers>
read_route_outcomes(const config::settings& cfg, const std::string& instance,
                    std::chrono::milliseconds timeout);

/// The partition each request names for its reply, taking the route's in
/// turn; without a route (broadcast), none.
std::function<std::optional<int32_t>()>
reply_partitions_from(std::shared_ptr<reply_route> route);

/// `reply_partitions_from` for the route reading `topic`.
std::function<std::optional<int32_t>(const std::string& topic)>
reply_partitions_by_topic(const route_readers& readers);

} // namespace semiasync
