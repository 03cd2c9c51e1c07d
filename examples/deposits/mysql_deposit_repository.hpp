#pragma once

#include "db/connection_settings.hpp"

#include <memory>

#include "examples/deposits/deposit_repository.hpp"

namespace semiasync::deposits {

/// The deposit tables of MariaDB/MySQL (examples/deposits/migrations),
/// through one connection of db/mysql_session.hpp: connected lazily,
/// reconnected after a failure, errors as that session maps them. Not
/// thread-safe: one instance per thread (the worker engine's).
class mysql_deposit_repository final : public deposit_repository {
public:
  /// Keeps `settings`; does not connect, so construction never blocks.
  explicit mysql_deposit_repository(db::connection_settings settings);

  /// Closes the connection, if any.
  ~mysql_deposit_repository() override;

  mysql_deposit_repository(const mysql_deposit_repository&) = delete;
  mysql_deposit_repository& operator=(const mysql_deposit_repository&) = delete;

  caf::error begin() override;
  caf::error commit() override;
  void rollback() override;

  /// An insert that leaves an existing row alone, then `SELECT ... FOR
  /// UPDATE` of the row.
  caf::expected<int64_t> lock_account(const std::string& account) override;

  caf::expected<std::optional<stored_outcome>>
  find_outcome(const request_id& request) override;

  caf::expected<bool> has_deposit(const std::string& account,
                                  const std::string& deposit) override;

  caf::error apply(const deposit_request& deposit, int64_t balance) override;

  caf::error store_outcome(const stored_outcome& outcome) override;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace semiasync::deposits
