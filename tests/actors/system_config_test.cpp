// actorThreads reaches CAF's scheduler; unset, each process gets its own
// default instead of CAF's.

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

TEST_CASE("unset, a server gets one actor thread per core, a worker one") {
  auto cores = std::max(std::thread::hardware_concurrency(), 1u);
  CHECK(actor_threads_for(process_role::server, 0) == cores);
  CHECK(actor_threads_for(process_role::worker, 0) == 1);
  CHECK(actor_threads_for(process_role::server, 3) == 3);
  CHECK(actor_threads_for(process_role::worker, 3) == 3);
}
