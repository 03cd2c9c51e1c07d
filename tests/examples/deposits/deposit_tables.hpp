#pragma once

// The deposits example's tables for tests against the real MariaDB: the
// migration applied (it is idempotent), and this test's rows deleted at the
// end. Settings: SEMIASYNC_TEST_DB_HOST (127.0.0.1), SEMIASYNC_TEST_DB_PORT
// (3306), SEMIASYNC_TEST_DB_USER / _PASSWORD (root/root), database `app`.

#include "db/connection_settings.hpp"
#include "domain/uuid.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <mysql++/mysql++.h>
#include <sstream>
#include <string>

#include "tests/support/admin_db.hpp"
#include "tests/support/test_db.hpp"

namespace semiasync::testing {

/// Applies the example's migration (every statement of the file) and
/// deletes this test's rows at the end.
class deposit_tables {
public:
  deposit_tables() {
    connect_admin(conn_, test_db_settings());
    std::ifstream file{std::string{SEMIASYNC_SOURCE_DIR}
                       + "/examples/deposits/migrations/"
                         "deposits_0001_accounts.sql"};
    std::stringstream text;
    text << file.rdbuf();
    std::string sql;
    for (std::string line; std::getline(text, line);) {
      if (line.rfind("--", 0) == 0) continue;
      sql += line + "\n";
      if (line.empty() || line.back() != ';') continue;
      conn_.query(sql).execute();
      sql.clear();
    }
  }

  ~deposit_tables() {
    for (auto table : {"deposit_accounts", "deposits", "deposit_outcomes"}) {
      auto query = conn_.query(std::string{"DELETE FROM "} + table
                               + " WHERE account_id LIKE %0q");
      query.parse();
      query.execute("%-" + suffix);
    }
  }

  /// An account ID of this test.
  std::string account(const std::string& name) const {
    return name + "-" + suffix;
  }

  /// The balance stored for `account`.
  int64_t balance(const std::string& account) {
    auto query
      = conn_.query("SELECT balance FROM deposit_accounts WHERE account_id = "
                    "%0q");
    query.parse();
    auto rows = query.store(account);
    REQUIRE(rows.num_rows() == 1);
    return rows.at(0).at(0).conv(int64_t{0});
  }

  const std::string suffix = random_uuid();

private:
  mysqlpp::Connection conn_{false};
};

} // namespace semiasync::testing
