#pragma once

#include "actors/protocol.hpp"
#include "kafka/interfaces.hpp"

#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <memory>
#include <unordered_map>

namespace semiasync {

/// State of the producer actor.
struct producer_state {
  // -- member variables -------------------------------------------------------

  /// The Kafka client. Its delivery callbacks run on another thread (a
  /// polling thread), so they only send messages back to this actor.
  std::shared_ptr<kafka::publisher> client;

  /// Correlates delivery reports with the requests waiting for them.
  std::unordered_map<uint64_t, caf::typed_response_promise<publish_receipt>>
    pending;

  /// The correlation ID of the next record.
  uint64_t next_id = 0;

  /// The actor's name in logs.
  static inline const char* name = "producer";
};

/// Publishes records through `client` and answers each request once the
/// broker acknowledged the record (or failed to). Never blocks: publishing
/// only queues, and acknowledgements arrive as `delivered` messages. Stops
/// with the client's error when the client fails for good (see
/// `kafka::publisher::on_fatal`); stopping answers the requests still
/// waiting with `publish_uncertain`.
producer_actor::behavior_type
producer(producer_actor::stateful_pointer<producer_state> self,
         std::shared_ptr<kafka::publisher> client);

} // namespace semiasync
