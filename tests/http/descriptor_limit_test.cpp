#include "http/descriptor_limit.hpp"

#include <catch2/catch.hpp>
#include <sys/resource.h>

using namespace semiasync::http;

TEST_CASE("connections fit the descriptor limit with the reserve",
          "[descriptor_limit]") {
  SECTION("a limit that holds them and the reserve caps nothing") {
    auto cap = cap_connections(20000, 20128, 128);
    CHECK(cap.connections == 20000);
    CHECK_FALSE(cap.warning);
  }
  SECTION("no limit caps nothing") {
    auto cap = cap_connections(20000, std::nullopt, 128);
    CHECK(cap.connections == 20000);
    CHECK_FALSE(cap.warning);
  }
  SECTION("a smaller limit leaves the reserve free and says so") {
    auto cap = cap_connections(20000, 256, 128);
    CHECK(cap.connections == 128);
    REQUIRE(cap.warning);
    CHECK_THAT(*cap.warning, Catch::Contains("maxConnections 20000"));
    CHECK_THAT(*cap.warning, Catch::Contains("open-file limit 256"));
    CHECK_THAT(*cap.warning, Catch::Contains("at most 128 connections"));
  }
  SECTION("one descriptor short of fitting caps by one") {
    auto cap = cap_connections(1000, 1127, 128);
    CHECK(cap.connections == 999);
    CHECK(cap.warning);
  }
  SECTION("a limit below the reserve still serves half of it") {
    auto cap = cap_connections(20000, 64, 128);
    CHECK(cap.connections == 32);
    CHECK(cap.warning);
  }
  SECTION("at least one connection, however small the limit") {
    CHECK(cap_connections(20000, 1, 128).connections == 1);
    CHECK(cap_connections(20000, 0, 128).connections == 1);
  }
}

TEST_CASE("raising the descriptor limit reaches the hard limit",
          "[descriptor_limit]") {
  auto raised = raise_descriptor_limit();
  rlimit now{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &now) == 0);
  CHECK(now.rlim_cur == now.rlim_max);
  if (now.rlim_cur == RLIM_INFINITY)
    CHECK_FALSE(raised);
  else
    CHECK(raised == now.rlim_cur);
}
