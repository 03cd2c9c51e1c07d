#pragma once

#include "db/connection_settings.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace semiasync::testing {

/// The MariaDB of scripts/stack, as the environment that scripts/test
/// exports names it: SEMIASYNC_TEST_DB_HOST (127.0.0.1), _PORT (3306),
/// _USER (root), _PASSWORD (root); database `app`.
inline db::connection_settings test_db_settings() {
  auto env_or = [](const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return std::string{value != nullptr && *value != '\0' ? value : fallback};
  };
  db::connection_settings result;
  result.host = env_or("SEMIASYNC_TEST_DB_HOST", "127.0.0.1");
  result.port = static_cast<uint16_t>(
    std::stoi(env_or("SEMIASYNC_TEST_DB_PORT", "3306")));
  result.user = env_or("SEMIASYNC_TEST_DB_USER", "root");
  result.password = env_or("SEMIASYNC_TEST_DB_PASSWORD", "root");
  result.database = "app";
  return result;
}

} // namespace semiasync::testing
