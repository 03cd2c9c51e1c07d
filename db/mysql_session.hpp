#pragma once

// One MariaDB/MySQL connection as every repository of ours uses it: opened
// lazily over TCP in utf8mb4 and READ COMMITTED, dropped after any failure
// and reopened on the next call, with mysql++'s exceptions turned into
// error values. A repository (db/mysql_user_repository.cpp, the examples')
// runs its statements through `run`; mysql++ stays inside the db layer and
// the repositories' .cpp files.

#include "db/connection_settings.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <exception>
#include <memory>
#include <mysql++/mysql++.h>
#include <string>

namespace semiasync::db {

/// ER_DUP_ENTRY: a unique key is taken. (Error numbers are spelled out: the
/// macro names in mysqld_error.h and errmsg.h differ between MySQL and
/// MariaDB headers.)
constexpr int duplicate_entry = 1062;

/// Copies a column byte for byte (text may hold any UTF-8, even NUL).
inline std::string text_of(const mysqlpp::String& column) {
  return std::string(column.data(), column.length());
}

/// A lazily opened connection and its transaction state. Not thread-safe:
/// one per thread.
///
/// Errors: a failure to connect is always `database_unavailable`. On a live
/// connection, only the server's refusal of the data itself (bad value, too
/// long, out of range) is `database_rejected`; everything else, a missing
/// table or grant included, is `database_unavailable` and will be retried.
/// Details name the operation and the server's error number only, never
/// SQL text or user data.
class mysql_session {
public:
  /// Keeps `settings`; does not connect, so construction never blocks.
  explicit mysql_session(connection_settings settings);

  /// Connects unless connected. Any failure here is transient.
  caf::error connect();

  /// Maps a failed statement to an error and drops the connection: after
  /// an error its state is unknown, and reconnecting is cheap.
  caf::error fail(const char* operation, int errnum);

  /// Runs `f` on a connected `mysqlpp::Connection`, turning every exception
  /// into an error value: nothing from mysql++ escapes a repository.
  template <class T, class F>
  caf::expected<T> run(const char* operation, F&& f) {
    if (auto err = connect()) return err;
    try {
      return f(*connection_);
    } catch (const mysqlpp::BadQuery& e) {
      return fail(operation, e.errnum());
    } catch (const mysqlpp::Exception&) {
      // Conversion and index errors carry no number; the connection may.
      return fail(operation, connection_->errnum());
    } catch (const std::exception&) {
      return fail(operation, 0);
    }
  }

  /// Runs `sql`, which takes no arguments and returns no rows.
  caf::error execute(const char* operation, const char* sql);

  /// `START TRANSACTION` (sessions run read committed).
  caf::error begin();

  /// `COMMIT`; the transaction is over even when this fails.
  caf::error commit();

  /// `ROLLBACK`, or dropping the connection when that fails.
  void rollback();

private:
  /// Where to connect.
  connection_settings settings_;

  /// The open connection; null until the first call and after a failure.
  /// A fresh `mysqlpp::Connection` per attempt: it re-applies every option
  /// and never carries state from a broken connection.
  std::unique_ptr<mysqlpp::Connection> connection_;

  /// Between `begin` and `commit` or `rollback`. A connection lost meanwhile
  /// took the transaction with it: calls fail until the caller rolls back,
  /// instead of reconnecting and carrying on outside any transaction.
  bool in_transaction_ = false;
};

} // namespace semiasync::db
