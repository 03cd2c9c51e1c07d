#pragma once

#include "actors/protocol.hpp"
#include "actors/reader.hpp"
#include "domain/gateway_store.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace semiasync {

/// Fixed settings of the gateway keeper.
struct gateway_keeper_settings {
  /// The store, used from the keeper's thread only.
  std::shared_ptr<gateway_store> store;
  /// Where replies go once stored.
  registry_actor registry;
  /// The wall clock: entries expire by it, and lookups go stale by it.
  wall_clock now = caf::make_timestamp;
  /// How often expired entries are deleted; zero: never (tests).
  caf::timespan purge_interval = std::chrono::minutes{1};
  /// Most entries deleted per round, so one round never holds the
  /// database for long.
  uint64_t purge_batch = 1000;
  /// How long a reply (or a release) the store refused transiently waits
  /// before it is tried again.
  caf::timespan store_retry = std::chrono::seconds{1};
  /// Most replies, and most releases, kept for another try; beyond, the
  /// oldest is given up (its key then waits in flight until it expires).
  size_t max_unstored = 10000;
};

/// Keeps configured routes' requests and replies in the gateway store.
/// Spawn it `detached`: every message blocks on the database. A reply is
/// stored before it is handed to the registry, so a client that got its
/// answer and retries finds it stored. A reply the store cannot take now
/// (the database is away) is still handed on, the client's answer matters
/// more, and stored again every `store_retry` until it is: meanwhile a retry
/// of its key is told 409, "still in progress", never a wrong answer. A
/// release the store cannot take now is tried again the same way.
gateway_keeper_actor::behavior_type
gateway_keeper(gateway_keeper_actor::pointer self, gateway_keeper_settings cfg);

} // namespace semiasync
