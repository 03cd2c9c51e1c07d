#pragma once

#include "actors/protocol.hpp"

#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>
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

  /// The request ID each waiting actor registered under, so a down message
  /// (common: actors quit right after withdrawing) finds its entry directly.
  std::unordered_map<caf::actor_id, request_id> ids_by_actor;

  /// Counters reported by `stats`.
  registry_stats stats;

  /// The actor's name in logs.
  static inline const char* name = "registry";

  // -- member functions -------------------------------------------------------

  /// Registers `who` as waiting for `id`.
  void add(request_id id, request_actor who);

  /// Forgets `who`, wherever it waits; a no-op when it waits nowhere.
  void remove(const caf::actor_addr& who);
};

/// Routes each outcome to the request actors registered under its request ID.
/// Monitors every registered actor, so a request that dies without
/// withdrawing is forgotten: the map never grows without bound.
registry_actor::behavior_type
registry(registry_actor::stateful_pointer<registry_state> self);

} // namespace semiasync
