#pragma once

// A route of the gateway, as its configuration declares it: which HTTP
// requests it takes, where their records go, how its outcomes are read back
// and answered. Parsed and checked once at start (config/route_yaml.hpp);
// a bad route is refused there, naming it.

#include "config/path_template.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace semiasync::config {

/// How a route's requests and outcomes are correlated on the wire.
enum class reply_protocol {
  /// Our headers: `requestUUID`, `eventType`, additive `replyPartition`.
  semiasync,
  /// Spring Kafka's request-reply headers (`kafka_correlationId`,
  /// `kafka_replyTopic`, `kafka_replyPartition`).
  spring,
};

/// Where a request record's key comes from.
struct record_key {
  /// A path parameter, or a JSON pointer into the body.
  enum class source { path_parameter, body_pointer };
  /// Which of the two.
  source from = source::path_parameter;
  /// The parameter's name, or the JSON pointer (starting with '/').
  std::string name;
};

/// How one outcome event type is answered.
struct outcome_rule {
  /// The event type, as the reply protocol carries it.
  std::string event_type;
  /// The HTTP status to answer with.
  uint16_t status = 200;
  /// Fields of the outcome's JSON that form the answer's body; empty: all.
  std::vector<std::string> body_fields;
  /// A `Location` template (`/orders/{orderId}`), filled from path
  /// parameters and outcome fields; empty: none.
  std::string location;
};

/// One configured route.
struct route_spec {
  /// For logs and metrics labels: `<METHOD> <path>` unless named.
  std::string name;
  /// POST, PUT, PATCH or DELETE: a route changes state.
  std::string method;
  /// The request path it takes.
  path_template path;
  /// Where request records go.
  std::string request_topic;
  /// Where outcomes are read from.
  std::string outcome_topic;
  /// The request record's key.
  record_key key;
  /// Largest accepted body, in bytes.
  std::size_t max_body_bytes = 65536;
  /// Top-level fields the JSON body must have.
  std::vector<std::string> required_fields;
  /// How requests and outcomes are correlated.
  reply_protocol protocol = reply_protocol::semiasync;
  /// The reply header naming its event type: `eventType` for `semiasync`;
  /// for `spring` configurable, `__TypeId__` (the Java class) by default.
  std::string type_header = "eventType";
  /// How each known event type is answered; any other is a 502.
  std::vector<outcome_rule> outcomes;
  /// This route's reply deadline; nothing: the server's.
  std::optional<std::chrono::milliseconds> reply_timeout;
};

} // namespace semiasync::config
