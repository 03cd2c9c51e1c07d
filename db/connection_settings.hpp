#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace semiasync::db {

/// Where and how to reach MariaDB/MySQL. The defaults of the first five
/// (the reference's demo settings) are declared once, in config/settings.hpp
/// (`dbHost`, `dbPort`, `dbUser`, `dbPassword`, `dbName`); its
/// `db_connection()` fills them in.
struct connection_settings {
  /// Host name or address, always reached over TCP. Use `127.0.0.1`: the C
  /// client would read `localhost` as "the UNIX socket", so we force TCP to
  /// keep `localhost` meaning the same as in every other tool.
  std::string host;
  /// TCP port.
  uint16_t port = 0;
  /// Login name.
  std::string user;
  /// Login password; a secret, never logged.
  std::string password;
  /// Database holding the `users` table.
  std::string database;
  /// Limit for connecting and for each network read or write, so a dead or
  /// hung server blocks the calling thread for seconds, not minutes.
  std::chrono::seconds timeout{3};
};

} // namespace semiasync::db
