#pragma once

#include "domain/events.hpp"
#include "domain/types.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <optional>
#include <vector>

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

/// What the database holds for a batch of requests, looked up in one go:
/// per request, index-aligned with the batch.
struct batch_lookup {
  /// The user holding the request's name, as the database compares names.
  std::vector<std::optional<stored_user>> by_name;
  /// The user the request's ID created.
  std::vector<std::optional<stored_user>> by_request;
  /// The name the request's ID ended as a duplicate of, byte for byte.
  std::vector<std::optional<user_name>> duplicate;
};

/// Access to the users table and to the outcomes that created no user (the
/// additive `request_outcomes` table). The real one lives in db/; tests use
/// fakes. Every call may fail with `database_unavailable` (retry) or
/// `database_rejected` (do not retry).
///
/// Calls outside a transaction take effect one by one. Between `begin` and
/// `commit` they form one unit of work: the worker decides a whole batch of
/// requests in one transaction, so the batch costs one durable commit
/// instead of one per record. Reads inside a transaction see committed
/// writes of others (read committed), so a lost insert race is resolved by
/// reading again, as outside one. Any failure inside a transaction other
/// than an `insert` meeting a taken key voids it: the caller rolls back.
class user_repository {
public:
  virtual ~user_repository() = default;

  /// Starts a transaction.
  virtual caf::error begin() = 0;

  /// Makes the transaction's writes durable and visible.
  virtual caf::error commit() = 0;

  /// Discards the transaction's writes; never fails (a broken connection
  /// discards them too).
  virtual void rollback() = 0;

  /// Answers `find_by_name`, `find_by_request` and `find_duplicate` for
  /// every request of `batch` at once (one round trip for a whole batch).
  virtual caf::expected<batch_lookup>
  look_up(const std::vector<create_user_requested>& batch) = 0;

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

  /// Inserts every row in one statement, or none of them when any meets a
  /// taken unique key (`duplicate`, also for two rows of `rows` alike).
  virtual caf::expected<insert_result>
  insert_all(const std::vector<stored_user>& rows) = 0;

  /// Records that `request` ended as a duplicate of `name`, with the name
  /// byte for byte as the request carried it. Insert-if-absent: when the
  /// request already has a record, that record stays as it is (the first
  /// answer is the one a redelivery must repeat). The call succeeds when the
  /// record names these very bytes (a redelivery), and fails with
  /// `request_id_conflict` when it names another spelling: another attempt
  /// under the same request ID (the same Idempotency-Key) ended first, and
  /// this one must not be answered as a duplicate too.
  virtual caf::error remember_duplicate(const request_id& request,
                                        const user_name& name)
    = 0;

  /// The name recorded by `remember_duplicate` for `request`, byte for byte,
  /// or `nullopt` when the request never ended as a duplicate.
  virtual caf::expected<std::optional<user_name>>
  find_duplicate(const request_id& request) = 0;
};

} // namespace semiasync
