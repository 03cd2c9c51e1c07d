#pragma once

#include "db/connection_settings.hpp"
#include "domain/gateway_store.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <memory>

namespace semiasync::db {

/// The gateway store in MariaDB/MySQL: table `gateway_requests`
/// (db/migrations/0003), through one mysql++ connection.
///
/// Not thread-safe: one instance per thread (the owner is a detached actor).
/// Connections, reconnects and error classes as in `mysql_user_repository`
/// (db/mysql_session): a failure to connect, a lost connection, a missing
/// table or a lock timeout is `database_unavailable`.
///
/// Every call is one or a few autocommitted statements. A keyed claim
/// inserts first (one round trip for a new key); a taken (route, key)
/// reads the holder, and an expired holder is replaced by one conditional
/// UPDATE, so of concurrent claims exactly one wins, here or on another
/// instance.
class mysql_gateway_store final : public gateway_store {
public:
  /// Keeps `settings`; does not connect, so construction never blocks.
  explicit mysql_gateway_store(connection_settings settings);

  /// Closes the connection, if any.
  ~mysql_gateway_store() override;

  mysql_gateway_store(const mysql_gateway_store&) = delete;
  mysql_gateway_store& operator=(const mysql_gateway_store&) = delete;

  /// See `gateway_store::claim`.
  caf::expected<claim_result> claim(const gateway_claim& x) override;

  /// One conditional UPDATE: only a live entry without a reply takes it.
  caf::expected<bool>
  record_reply(const request_id& request, const stored_reply& reply,
               std::chrono::system_clock::time_point now) override;
  /// See `gateway_store::release`.
  caf::expected<bool> release(const request_id& request) override;

  /// A point lookup by request ID.
  caf::expected<std::optional<gateway_entry>>
  find(const request_id& request,
       std::chrono::system_clock::time_point now) override;

  /// One `DELETE ... ORDER BY expires_ms LIMIT at_most`.
  caf::expected<uint64_t>
  purge_expired(std::chrono::system_clock::time_point now,
                uint64_t at_most) override;

  /// Connects if needed and runs a trivial statement: for `/readyz`.
  caf::error ping();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace semiasync::db
