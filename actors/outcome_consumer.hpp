#pragma once

#include "actors/protocol.hpp"
#include "kafka/interfaces.hpp"
#include "metrics/counter.hpp"

#include <caf/actor_clock.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace semiasync {

/// How the consumer of a configured route's outcome topic reads it.
struct route_reply_reading {
  /// The routes' reply protocol (routes sharing a topic share it).
  config::reply_protocol protocol = config::reply_protocol::semiasync;
  /// The header naming a reply's event type.
  std::string type_header;
  /// Where each reply goes: the gateway keeper stores it, then hands it to
  /// the registry.
  gateway_keeper_actor keeper;
};

/// Fixed settings of an outcome consumer.
struct outcome_consumer_settings {
  /// How long one poll may block. The actor runs on its own thread, so
  /// blocking there delays nobody else.
  caf::timespan poll_timeout = std::chrono::milliseconds{100};

  /// How often to ask the source for partitions the topic gained since
  /// (`record_source::extend_assignment`); zero: never. A broadcast reader
  /// that missed a new partition would miss every outcome published there.
  caf::timespan partition_check_interval = caf::timespan{0};

  /// How long one such check may wait for the broker.
  caf::timespan partition_check_timeout = std::chrono::seconds{1};

  /// Counts every record read, undecodable ones included
  /// (semiasync_outcomes_read_total): against the registry's routed count
  /// it shows the fan-in. May be null (tests).
  metrics::counter* records_read = nullptr;

  /// Set for a configured route's outcome topic: its records are route
  /// replies, not create-user outcomes.
  std::optional<route_reply_reading> route_replies{};
  /// Whether each outcome takes its record's `traceparent` along to the
  /// waiting request (tracing on), which continues the trace from it.
  bool keep_trace = false;
};

/// State of the outcome consumer.
struct outcome_consumer_state {
  // -- member variables -------------------------------------------------------

  /// Reads the outcome topic (every partition this process must see).
  std::shared_ptr<kafka::record_source> source;

  /// Receives every decoded outcome.
  registry_actor registry;

  /// Fixed settings.
  outcome_consumer_settings cfg;

  /// When the next partition check is due.
  caf::actor_clock::time_point next_partition_check;

  /// The actor's name in logs.
  static inline const char* name = "outcome_consumer";
};

/// Reads outcome records (create-user's, or a route's replies) in a loop of
/// `poll` messages to itself and hands each decoded outcome to the registry;
/// every `partition_check_interval` it lets the source take up partitions the
/// topic gained. Spawn it `detached` in production: each poll blocks up to
/// `poll_timeout`. Starts polling on its own.
poller_actor::behavior_type
outcome_consumer(poller_actor::stateful_pointer<outcome_consumer_state> self,
                 std::shared_ptr<kafka::record_source> source,
                 registry_actor registry, outcome_consumer_settings cfg);

} // namespace semiasync
