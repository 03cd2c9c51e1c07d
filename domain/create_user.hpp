#pragma once

#include "domain/events.hpp"
#include "domain/user_repository.hpp"
#include "domain/uuid.hpp"

#include <caf/expected.hpp>

namespace semiasync {

/// The create-user rule, idempotent per request ID (the reference's rule):
/// - the name exists and was created by this request (a redelivery):
///   `user_created` again, with the stored user ID;
/// - the name exists, created by another request: `user_duplicated`;
/// - the name is free: insert it; when a concurrent insert wins the race,
///   read again and decide as above.
/// Fails with `request_id_conflict` when this request ID already created a
/// different name, and passes database errors through.
caf::expected<outcome> create_user(user_repository& users, uuid_source& ids,
                                   const create_user_requested& command);

} // namespace semiasync
