#pragma once

#include "db/connection_settings.hpp"
#include "domain/error.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <exception>
#include <memory>
#include <mysql++/mysql++.h>
#include <utility>

namespace semiasync::db {

/// One lazily opened mysql++ connection and the rules every adapter in db/
/// shares for it: how to connect (TCP, utf8mb4, timeouts, READ COMMITTED),
/// when to drop it (after any failure; the next call reconnects, so a
/// restarted server heals without restarting the process), and how a
/// failure becomes an error value (see `mysql_user_repository` for the
/// classification). Internal to db/: its header pulls in mysql++.
///
/// Not thread-safe: one instance per thread.
class mysql_session {
public:
  /// Keeps `settings`; does not connect, so construction never blocks.
  explicit mysql_session(connection_settings settings);

  /// Connects unless connected. Any failure here is `database_unavailable`:
  /// a wrong password or a missing database is a deployment state an
  /// operator fixes, not a property of the request.
  caf::error connect();

  /// Maps a failed statement to an error and drops the connection: after
  /// an error its state is unknown, and reconnecting is cheap.
  caf::error fail(const char* operation, int errnum);

  /// Runs `f` on a connected `mysqlpp::Connection`, turning every exception
  /// into an error value: nothing from mysql++ escapes db/.
  template <class T, class F>
  caf::expected<T> run(const char* operation, F&& f) {
    if (auto err = connect()) return err;
    try {
      return f(*connection);
    } catch (const mysqlpp::BadQuery& e) {
      return fail(operation, e.errnum());
    } catch (const mysqlpp::Exception&) {
      // Conversion and index errors carry no number; the connection may.
      return fail(operation, connection->errnum());
    } catch (const std::exception&) {
      return fail(operation, 0);
    }
  }

  /// Runs `sql`, which takes no arguments and returns no rows.
  caf::error execute(const char* operation, const char* sql);

  // -- member variables -------------------------------------------------------

  /// Where to connect.
  connection_settings settings;

  /// The open connection; null until the first call and after a failure.
  /// A fresh `mysqlpp::Connection` per attempt: it re-applies every option
  /// and never carries state from a broken connection.
  std::unique_ptr<mysqlpp::Connection> connection;

  /// Between `begin` and `commit` or `rollback`. A connection lost meanwhile
  /// took the transaction with it: calls fail until the caller rolls back,
  /// instead of reconnecting and carrying on outside any transaction.
  bool in_transaction = false;
};

/// ER_DUP_ENTRY: a unique key is taken. (Error numbers are spelled out: the
/// macro names in mysqld_error.h and errmsg.h differ between MySQL and
/// MariaDB headers.)
constexpr int duplicate_entry = 1062;

} // namespace semiasync::db
