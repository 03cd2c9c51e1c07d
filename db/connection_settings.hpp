#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace semiasync::db {

/// Where and how to reach MariaDB/MySQL. Defaults are the reference's demo
/// settings (`dbHost`, `dbPort`, `dbUser`, `dbPassword`, database `app`).
struct connection_settings {
  /// Host name or address, always reached over TCP. Use `127.0.0.1`: the C
  /// client would read `localhost` as "the UNIX socket", so we force TCP to
  /// keep `localhost` meaning the same as in every other tool.
  std::string host = "127.0.0.1";
  /// TCP port.
  uint16_t port = 3306;
  /// Login name.
  std::string user = "root";
  /// Login password; a secret, never logged.
  std::string password = "root";
  /// Database holding the `users` table.
  std::string database = "app";
  /// Limit for connecting and for each network read or write, so a dead or
  /// hung server blocks the calling thread for seconds, not minutes.
  std::chrono::seconds timeout{3};
};

} // namespace semiasync::db
