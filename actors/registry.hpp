#pragma once

#include "actors/protocol.hpp"
#include "actors/request_metrics.hpp"
#include "actors/set_at_spawn.hpp"

#include <caf/actor_addr.hpp>
#include <caf/fwd.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <deque>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace semiasync {

/// Fixed settings of a registry.
struct registry_settings {
  /// Where the registry reports its size and counters.
  request_metrics& metrics;
  /// Most published requests remembered as pending; the oldest go first.
  size_t max_pending = 100000;
};

/// One request actor and the name it asks to create.
struct waiter {
  /// The waiting request actor.
  request_actor actor;
  /// A create-user request's name, byte for byte: only an outcome for this
  /// name answers it. Nothing for a configured route's request, which only
  /// a route reply answers.
  std::optional<user_name> name;
};

/// The request actors waiting under one request ID.
struct waiting_requests {
  /// Usually one; a client that retries with the same Idempotency-Key while
  /// the first attempt still waits adds a second, and both get the outcome.
  /// Clients that share a key with different names wait side by side: the
  /// worker decides which name the ID belongs to, and each waiter gets only
  /// the outcome for its own name. (Refusing the second at once would be a
  /// lie whenever the second is the ID's owner: its retry, with the ID's
  /// own name, would be told that the key belongs to another name.)
  std::vector<waiter> actors;
  /// Set once their outcome was routed: a publish acknowledgement that
  /// arrives after it must not mark the request pending again.
  bool answered = false;
};

/// State of the registry: who waits for which request ID.
struct registry_state {
  // -- member variables -------------------------------------------------------

  /// Most published requests remembered as pending (from the settings).
  size_t max_pending = 0;

  /// Where the registry reports its size and counters.
  set_at_spawn<request_metrics> metrics;

  /// The type of `waiting`.
  using waiting_map = std::unordered_map<request_id, waiting_requests>;

  /// Waiting request actors by request ID.
  waiting_map waiting;

  /// The request ID each waiting actor registered under, so a down message
  /// (common: actors quit right after withdrawing) finds its entry directly.
  std::unordered_map<caf::actor_id, request_id> ids_by_actor;

  /// Published requests whose outcome this registry has not seen, so
  /// `GET /requests/<id>` can tell "pending" from "unknown" also after the
  /// request actor answered (202, 504).
  std::unordered_set<request_id> pending;

  /// `pending`'s IDs in the order they came, to forget the oldest first.
  /// May hold IDs already removed, at most about as many as `pending` has
  /// (see `remember_pending`), so its memory follows the requests really
  /// pending, not the traffic.
  std::deque<request_id> pending_order;

  /// Counters reported by `stats`.
  registry_stats stats;

  /// The actor's name in logs.
  static inline const char* name = "registry";

  // -- member functions -------------------------------------------------------

  /// Registers `who` as waiting for `id` to create `name` (create-user),
  /// or for any route reply under `id` (no name).
  void add(request_id id, std::optional<user_name> name, request_actor who);

  /// Records that an answer for `id` reached `routed` waiters, in the
  /// counters; true when it reached any.
  bool count_routed(waiting_map::iterator entry, size_t routed);

  /// Forgets `who`, wherever it waits; a no-op when it waits nowhere.
  void remove(const caf::actor_addr& who);

  /// The entry the actor with ID `who` waits in, or `waiting.end()`.
  waiting_map::iterator waiting_of(caf::actor_id who);

  /// The waiting request actor with ID `who`, if it still waits.
  std::optional<request_actor> find(caf::actor_id who);

  /// Remembers `id` as pending, forgetting the oldest beyond the bound; not
  /// when its outcome has been routed already (it overtook the publish
  /// acknowledgement).
  void remember_pending(request_id id);

  /// Reports the number of waiting requests to the metrics.
  void report_size();
};

/// Routes each outcome to the request actors registered under its request ID.
/// Monitors every registered actor, so a request that dies without
/// withdrawing is forgotten: the map never grows without bound.
registry_actor::behavior_type
registry(registry_actor::stateful_pointer<registry_state> self,
         registry_settings cfg);

} // namespace semiasync
