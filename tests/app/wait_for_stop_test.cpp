// How a process learns it must stop: a signal, or a long-lived actor that
// went away on its own (which must not leave the process idle but alive).

#include "actors/system_config.hpp"
#include "app/wait_for_stop.hpp"
#include "domain/error.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>
#include <csignal>

using namespace semiasync;

namespace {

caf::behavior idle(caf::event_based_actor*) {
  return {[](int) {}};
}

} // namespace

TEST_CASE("a signal stops the process cleanly") {
  termination_signals signals;
  system_config cfg;
  caf::actor_system sys{cfg};
  auto watched = sys.spawn(idle);
  // Blocked, so it stays pending until the watch's sigwait takes it.
  REQUIRE(kill(getpid(), SIGTERM) == 0);
  auto cause = wait_for_stop(sys, signals, {watched.address()});
  CHECK(cause.signal == SIGTERM);
  CHECK(cause.failure.empty());
  CHECK(describe(cause) == "SIGTERM");
  caf::anon_send_exit(watched, caf::exit_reason::user_shutdown);
}

TEST_CASE("a long-lived actor that stops on its own is a failure") {
  termination_signals signals;
  system_config cfg;
  caf::actor_system sys{cfg};
  auto watched = sys.spawn(idle);
  caf::anon_send_exit(watched, caf::exit_reason::kill);
  auto cause = wait_for_stop(sys, signals, {watched.address()});
  CHECK(cause.signal == 0);
  CHECK_FALSE(cause.failure.empty());
  CHECK(describe(cause).find("stopped") != std::string::npos);
}

TEST_CASE("a long-lived actor's own error is the stop's one-line reason") {
  termination_signals signals;
  system_config cfg;
  caf::actor_system sys{cfg};
  auto watched = sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](int) {
      self->quit(make_error(error_code::publish_failed,
                            "Kafka producer failed for good (X): why"));
    }};
  });
  caf::anon_send(watched, 1);
  auto cause = wait_for_stop(sys, signals, {watched.address()});
  CHECK(cause.signal == 0);
  CHECK(describe(cause)
        == "a long-lived actor stopped: publish_failed: Kafka producer "
           "failed for good (X): why");
}
