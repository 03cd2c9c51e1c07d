#include "domain/create_user.hpp"

#include "domain/error.hpp"

namespace semiasync {

namespace {

/// The failure for a request ID that is used with a second name.
caf::error conflict(const char* detail) {
  return make_error(error_code::request_id_conflict, detail);
}

/// Decides for a name another request created: a duplicate, unless this
/// request ID already created some other name. The duplicate is recorded
/// before it is answered, so that a redelivery, a retry with the same
/// Idempotency-Key and GET /requests/<id> find the same answer after a
/// restart, and a later use of this ID with another name is refused.
caf::expected<outcome>
decide_taken_by_other(user_repository& users,
                      const create_user_requested& command) {
  auto by_request = users.find_by_request(command.request);
  if (!by_request) return std::move(by_request.error());
  if (*by_request) return conflict("request ID already created another name");
  if (auto err = users.remember_duplicate(command.request, command.name))
    return err;
  return user_duplicated{command.request, command.name};
}

/// The answer for a row this request ID created: the same user again for
/// a redelivery (the very same bytes), a conflict for the ID reused with a
/// name that only the collation equates ("ALICE" after "Alice"), whose 201
/// would name bytes its request never carried.
caf::expected<outcome> created_again(const stored_user& row,
                                     const create_user_requested& command) {
  if (row.name.value != command.name.value)
    return conflict("request ID already created this name spelled otherwise");
  return user_created{command.request, row.user, row.name};
}

/// Decides for a name that is already taken by `row`.
caf::expected<outcome> decide_taken(user_repository& users,
                                    const stored_user& row,
                                    const create_user_requested& command) {
  if (row.request == command.request) return created_again(row, command);
  return decide_taken_by_other(users, command);
}

/// After an insert that met a taken key: whoever holds the name decides;
/// when nobody does, the request ID itself was taken by another name.
caf::expected<outcome> decide_after_race(user_repository& users,
                                         const create_user_requested& command) {
  auto by_name = users.find_by_name(command.name);
  if (!by_name) return std::move(by_name.error());
  if (*by_name) return decide_taken(users, **by_name, command);
  auto by_request = users.find_by_request(command.request);
  if (!by_request) return std::move(by_request.error());
  if (*by_request) return conflict("request ID already created another name");
  // The generated user UUID collided, or the row vanished in between: both
  // are harmless to retry.
  return make_error(error_code::database_unavailable,
                    "insert reported a duplicate that is gone");
}

} // namespace

caf::expected<outcome> create_user(user_repository& users, uuid_source& ids,
                                   const create_user_requested& command) {
  auto by_name = users.find_by_name(command.name);
  if (!by_name) return std::move(by_name.error());
  // A redelivered creation is answered from this one lookup.
  if (*by_name && (*by_name)->request == command.request)
    return created_again(**by_name, command);
  // Before anything is written: a request that already ended as a duplicate
  // must neither create a user now nor switch to another name.
  auto recorded = users.find_duplicate(command.request);
  if (!recorded) return std::move(recorded.error());
  if (*recorded) {
    // Byte-equal, not as the collation compares: a redelivery or a retry
    // carries the very same bytes, and the stored answer names them.
    if ((*recorded)->value == command.name.value)
      return user_duplicated{command.request, command.name};
    return conflict("request ID already ended as a duplicate of another name");
  }
  if (*by_name) return decide_taken_by_other(users, command);
  stored_user row{user_uuid{ids.next()}, command.name, command.request};
  auto inserted = users.insert(row);
  if (!inserted) return std::move(inserted.error());
  if (*inserted == insert_result::inserted)
    return user_created{row.request, row.user, row.name};
  return decide_after_race(users, command);
}

} // namespace semiasync
