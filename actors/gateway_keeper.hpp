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
};

/// Keeps configured routes' requests and replies in the gateway store.
/// Spawn it `detached`: every message blocks on the database. A reply is
/// stored before it is handed to the registry, so a client that got its
/// answer and retries finds it stored; a reply the store cannot take is
/// still handed on (the client's answer matters more), and its key stays
/// in flight until it expires.
gateway_keeper_actor::behavior_type
gateway_keeper(gateway_keeper_actor::pointer self, gateway_keeper_settings cfg);

} // namespace semiasync
