#pragma once

#include "actors/protocol.hpp"
#include "domain/user_repository.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <memory>
#include <optional>

namespace semiasync {

/// Answers database lookups for the server's read endpoints. Spawn it
/// `detached`: every message blocks on the database.
reader_actor::behavior_type
reader(reader_actor::pointer self, std::shared_ptr<user_repository> users);

/// What the database knows of a request: the user it created, else the
/// duplicate it was refused as, else nothing. Blocking.
caf::expected<std::optional<outcome>> stored_outcome(user_repository& users,
                                                     const request_id& id);

} // namespace semiasync
