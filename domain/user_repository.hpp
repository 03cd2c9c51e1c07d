#pragma once

#include "domain/types.hpp"

#include <caf/expected.hpp>

#include <optional>

namespace semiasync {

/// One row of `app.users`.
struct stored_user {
  /// The user's ID.
  user_uuid user;
  /// The name as stored.
  user_name name;
  /// The request that created the row.
  request_id request;
};

/// What an insert did.
enum class insert_result {
  /// The row is new.
  inserted,
  /// A unique key (name, request ID or user ID) was already taken.
  duplicate,
};

/// Access to the users table. The real one lives in db/; tests use fakes.
/// Every call may fail with `database_unavailable` (retry) or
/// `database_rejected` (do not retry).
class user_repository {
public:
  virtual ~user_repository() = default;

  /// The user with this name, as the database compares names.
  virtual caf::expected<std::optional<stored_user>>
  find_by_name(const user_name& name) = 0;

  /// The user created by this request.
  virtual caf::expected<std::optional<stored_user>>
  find_by_request(const request_id& request) = 0;

  /// The user with this ID.
  virtual caf::expected<std::optional<stored_user>>
  find_by_uuid(const user_uuid& user) = 0;

  /// Inserts `row`, reporting a taken unique key as `duplicate`.
  virtual caf::expected<insert_result> insert(const stored_user& row) = 0;
};

} // namespace semiasync
