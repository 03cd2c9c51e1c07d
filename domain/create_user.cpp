#include "domain/create_user.hpp"

#include "domain/error.hpp"

namespace semiasync {

namespace {

/// Decides for a name that is already taken by `row`.
outcome decide_taken(const stored_user& row,
                     const create_user_requested& command) {
  if (row.request == command.request)
    return user_created{command.request, row.user, row.name};
  return user_duplicated{command.request, command.name};
}

/// After a lost insert race: whoever holds the name decides; when nobody
/// does, the request ID itself was taken by another name.
caf::expected<outcome> decide_after_race(user_repository& users,
                                         const create_user_requested& command) {
  auto by_name = users.find_by_name(command.name);
  if (!by_name) return std::move(by_name.error());
  if (*by_name) return decide_taken(**by_name, command);
  auto by_request = users.find_by_request(command.request);
  if (!by_request) return std::move(by_request.error());
  if (*by_request)
    return make_error(error_code::request_id_conflict,
                      "request ID already created another name");
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
  if (*by_name) return decide_taken(**by_name, command);
  stored_user row{user_uuid{ids.next()}, command.name, command.request};
  auto inserted = users.insert(row);
  if (!inserted) return std::move(inserted.error());
  if (*inserted == insert_result::inserted)
    return user_created{row.request, row.user, row.name};
  return decide_after_race(users, command);
}

} // namespace semiasync
