#include "db/failure_text.hpp"

#include <catch2/catch.hpp>

using semiasync::db::describe_failure;

TEST_CASE("database failures name their number and what it means") {
  // Issue 14, item 13: /readyz said "connect failed (errno 2002)" and left
  // the operator to look the number up.
  CHECK(describe_failure("connect", 2002)
        == "connect failed (errno 2002: cannot reach the database server: "
           "refused or unreachable)");
  CHECK(describe_failure("connect", 1045).find("wrong user or password")
        != std::string::npos);
  CHECK(describe_failure("ping", 2013).find("lost the connection")
        != std::string::npos);
  // Unknown numbers keep the number alone; no number, no parentheses.
  CHECK(describe_failure("insert", 9999) == "insert failed (errno 9999)");
  CHECK(describe_failure("insert", 0) == "insert failed");
}
