#pragma once

#include "db/connection_settings.hpp"

#include <mysql++/mysql++.h>

namespace semiasync::testing {

/// Connects `conn` the way every test's direct (admin) connection does:
/// over TCP, in utf8mb4, and READ COMMITTED. The isolation level matters:
/// test cleanups delete by `name LIKE '%-<suffix>'`, a full scan, and under
/// REPEATABLE READ that locks every row and gap it reads, deadlocking with
/// other test processes' inserts and deletes (a fifth of the smoke test's
/// runs beside the repository tests). READ COMMITTED keeps only the locks
/// of the rows it deletes, as the server's own sessions do.
inline void connect_admin(mysqlpp::Connection& conn,
                          const db::connection_settings& s) {
  conn.set_option(new mysqlpp::ProtocolOption(MYSQL_PROTOCOL_TCP));
  conn.set_option(new mysqlpp::SetCharsetNameOption("utf8mb4"));
  conn.set_option(new mysqlpp::ConnectTimeoutOption(5));
  conn.connect(s.database.c_str(), s.host.c_str(), s.user.c_str(),
               s.password.c_str(), s.port);
  conn.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    .execute();
}

} // namespace semiasync::testing
