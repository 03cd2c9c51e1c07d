// actorThreads reaches CAF's scheduler; 0 leaves CAF's own default.

#include "actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <catch2/catch.hpp>

#include <thread>

using namespace semiasync;

TEST_CASE("actorThreads sizes the actor scheduler") {
  system_config one{1};
  caf::actor_system sys{one};
  CHECK(sys.scheduler().num_workers() == 1);
}

TEST_CASE("actorThreads 0 keeps CAF's default: one thread per core, at "
          "least 4") {
  system_config fallback{0};
  caf::actor_system sys{fallback};
  auto cores = std::max(std::thread::hardware_concurrency(), 4u);
  CHECK(sys.scheduler().num_workers() == cores);
}
