#pragma once

#include "actors/protocol.hpp"

#include <caf/actor_addr.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <unordered_map>
#include <vector>

namespace semiasync {

/// State of the registry: who waits for which request ID.
struct registry_state {
  // -- member variables -------------------------------------------------------

  /// Waiting request actors by request ID. Usually one per ID; a client that
  /// retries with the same Idempotency-Key while the first attempt still
  /// waits adds a second, and both get the outcome.
  std::unordered_map<request_id, std::vector<request_actor>> waiting;

  /// Counters reported by `stats`.
  registry_stats stats;

  /// The actor's name in logs.
  static inline const char* name = "registry";

  // -- member functions -------------------------------------------------------

  /// Removes `who` from the waiters of `id`; forgets the ID when none is left.
  void remove(const request_id& id, const caf::actor_addr& who);

  /// Removes `who` wherever it waits (it went away without withdrawing).
  void remove_everywhere(const caf::actor_addr& who);
};

/// Routes each outcome to the request actors registered under its request ID.
/// Monitors every registered actor, so a request that dies without
/// withdrawing is forgotten: the map never grows without bound.
registry_actor::behavior_type
registry(registry_actor::stateful_pointer<registry_state> self);

} // namespace semiasync
