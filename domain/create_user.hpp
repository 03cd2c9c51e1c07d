#pragma once

#include "domain/events.hpp"
#include "domain/user_repository.hpp"
#include "domain/uuid.hpp"

#include <caf/expected.hpp>

namespace semiasync {

/// The create-user rule, idempotent per request ID. A request ID is bound to
/// the first name it was used with (a client's Idempotency-Key derives it),
/// and every later use answers as the first one did:
/// 1. the name exists and this request created it (a redelivery):
///    `user_created` again, with the stored user ID, when the request
///    carries the stored bytes; `request_id_conflict` when it spells the name
///    otherwise (equal only under the collation), so an answer never names
///    bytes its request did not carry;
/// 2. this request already ended as a duplicate (`find_duplicate`): for the
///    byte-identical name, `user_duplicated` again; for any other name,
///    `request_id_conflict`;
/// 3. the name exists, created by another request: `request_id_conflict`
///    when this request ID created some other name, otherwise the duplicate
///    is recorded (`remember_duplicate`) and the answer is `user_duplicated`;
/// 4. the name is free: insert it, `user_created`. When the insert meets a
///    taken key (a concurrent insert won the race, or this request ID
///    created another name), read again: a holder of the name decides as in
///    1 and 3; with no holder, a row of this request ID means
///    `request_id_conflict`, and anything else (a generated user ID that
///    collided, a row that vanished) is `database_unavailable`, safe to retry.
/// Database errors pass through unchanged, so `database_unavailable` is
/// retried by the worker.
///
/// Cost: a fresh name takes one lookup by name, one primary-key lookup in
/// the duplicates and one insert; a redelivered creation takes one lookup.
///
/// Not closed: one request ID processed concurrently with two different
/// names (two partitions, so two workers) can end with both a user row and
/// a recorded duplicate, because each side checks before the other writes.
caf::expected<outcome> create_user(user_repository& users, uuid_source& ids,
                                   const create_user_requested& command);

} // namespace semiasync
