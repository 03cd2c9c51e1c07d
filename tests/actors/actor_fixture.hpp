#pragma once

#include "actors/protocol.hpp"
#include "actors/system_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/after.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/system_messages.hpp>

#include <chrono>
#include <optional>

namespace semiasync::testing {

/// An actor system on CAF's deterministic test scheduler: nothing runs until
/// a test steps it, and time only passes through `advance_time`.
class actor_fixture {
public:
  actor_fixture()
    : sys(configure(cfg)),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    // nop
  }

  /// Asks `who` for a reply to `xs...` and steps the scheduler until it comes.
  template <class Result, class Handle, class... Ts>
  Result ask(const Handle& who, Ts&&... xs) {
    caf::scoped_actor self{sys};
    Result result;
    auto handle = self->request(who, caf::infinite, std::forward<Ts>(xs)...);
    sched.run();
    handle.receive(
      [&](Result& x) {
        result = std::move(x);
      },
      [&](caf::error&) {});
    return result;
  }

  /// Runs `n` jobs, for actors that loop by messaging themselves.
  void run_steps(size_t n) {
    sched.run(n);
  }

  system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;

private:
  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    c.set("scheduler.policy", caf::atom("testing"));
    return c;
  }
};

/// The exit reason in the down message the monitoring `self` got, or
/// nothing when none arrived (never waits).
inline std::optional<caf::error> down_reason(caf::scoped_actor& self) {
  std::optional<caf::error> reason;
  self->receive(
    [&](caf::down_msg& msg) {
      reason = std::move(msg.reason);
    },
    caf::after(std::chrono::seconds{0}) >> [] {});
  return reason;
}

} // namespace semiasync::testing
