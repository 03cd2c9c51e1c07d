#pragma once

#include "actors/protocol.hpp"
#include "kafka/interfaces.hpp"

#include <caf/timespan.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>

namespace semiasync {

/// State of the outcome consumer.
struct outcome_consumer_state {
  // -- member variables -------------------------------------------------------

  /// Reads the outcome topic (every partition this process must see).
  std::shared_ptr<kafka::record_source> source;

  /// Receives every decoded outcome.
  registry_actor registry;

  /// How long one poll may block. The actor runs on its own thread, so
  /// blocking there delays nobody else.
  caf::timespan poll_timeout;

  /// Outcome records read, including undecodable ones.
  uint64_t records_read = 0;

  /// Records that did not decode as an outcome.
  uint64_t records_malformed = 0;

  /// The actor's name in logs.
  static inline const char* name = "outcome_consumer";
};

/// Reads outcome records in a loop of `poll` messages to itself and hands
/// each decoded outcome to the registry. Spawn it `detached` in production:
/// each poll blocks up to `poll_timeout`. Starts polling on its own.
poller_actor::behavior_type
outcome_consumer(poller_actor::stateful_pointer<outcome_consumer_state> self,
                 std::shared_ptr<kafka::record_source> source,
                 registry_actor registry, caf::timespan poll_timeout);

} // namespace semiasync
