#pragma once

#include "db/connection_settings.hpp"
#include "domain/user_repository.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <memory>
#include <optional>

namespace semiasync::db {

/// The `users` table of MariaDB/MySQL, and the duplicates recorded in
/// `request_outcomes` (db/migrations/0002), through one mysql++ connection.
///
/// Not thread-safe: one instance per thread (the owner is a worker actor on
/// its own thread). It connects lazily on first use and, after any failure,
/// drops the connection and reconnects on the next call, so a restarted
/// server heals without restarting the process. Every connection uses
/// `utf8mb4`, whatever the server's default.
///
/// Errors: a failure to connect is always `database_unavailable` (a wrong
/// password or a missing database is a deployment state an operator fixes
/// while requests wait in Kafka, not a property of the request). On a live
/// connection, only the server's refusal of the record's data itself (bad
/// value, too long, out of range) is `database_rejected`; everything else,
/// a missing table or grant included, is `database_unavailable` and will be
/// retried. Details name the operation and
/// the server's error number only, never SQL text or user data.
///
/// Names compare as the `users.name` column's collation does (utf8mb4's
/// default, case-insensitive): `find_by_name("ALICE")` finds "alice".
class mysql_user_repository final : public user_repository {
public:
  /// Keeps `settings`; does not connect, so construction never blocks.
  explicit mysql_user_repository(connection_settings settings);

  /// Closes the connection, if any.
  ~mysql_user_repository() override;

  mysql_user_repository(const mysql_user_repository&) = delete;
  mysql_user_repository& operator=(const mysql_user_repository&) = delete;

  /// `START TRANSACTION` (sessions run read committed).
  caf::error begin() override;

  /// `COMMIT`; the transaction is over even when this fails.
  caf::error commit() override;

  /// `ROLLBACK`, or dropping the connection when that fails.
  void rollback() override;

  /// One statement for the whole batch: a point lookup per name (so each
  /// compares as the column's collation does), and IN lists of the
  /// request IDs in `users` and `request_outcomes`.
  caf::expected<batch_lookup>
  look_up(const std::vector<create_user_requested>& batch) override;

  /// The user with this name, as the database compares names.
  caf::expected<std::optional<stored_user>>
  find_by_name(const user_name& name) override;

  /// The user created by this request.
  caf::expected<std::optional<stored_user>>
  find_by_request(const request_id& request) override;

  /// The user with this ID.
  caf::expected<std::optional<stored_user>>
  find_by_uuid(const user_uuid& user) override;

  /// Inserts `row`; a taken name, request ID or user ID gives `duplicate`.
  caf::expected<insert_result> insert(const stored_user& row) override;

  /// One multi-row INSERT; a taken key anywhere leaves every row out (the
  /// statement is undone, a surrounding transaction goes on).
  caf::expected<insert_result>
  insert_all(const std::vector<stored_user>& rows) override;

  /// Inserts a `UserDuplicated` row for `request` unless one exists; an
  /// existing row is left unchanged and counts as success.
  caf::error remember_duplicate(const request_id& request,
                                const user_name& name) override;

  /// The name of the `UserDuplicated` row of `request`, byte for byte.
  caf::expected<std::optional<user_name>>
  find_duplicate(const request_id& request) override;

  /// Connects if needed and runs a trivial statement: for `/readyz` and
  /// start-up checks. Returns an empty error when the database answers.
  caf::error ping();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace semiasync::db
