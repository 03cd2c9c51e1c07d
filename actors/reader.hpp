#pragma once

#include "actors/protocol.hpp"
#include "domain/user_repository.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace semiasync {

/// The reader's clock, injected so tests control when a lookup is stale.
using wall_clock = std::function<caf::timestamp()>;

/// Answers database lookups for the server's read endpoints. Spawn it
/// `detached`: every message blocks on the database. A lookup whose
/// deadline `now` has passed is answered `overloaded` without a query.
reader_actor::behavior_type reader(reader_actor::pointer self,
                                   std::shared_ptr<user_repository> users,
                                   wall_clock now = caf::make_timestamp);

/// What the database knows of a request: the user it created, else the
/// duplicate it was refused as, else nothing. Blocking.
caf::expected<std::optional<outcome>> stored_outcome(user_repository& users,
                                                     const request_id& id);

} // namespace semiasync
