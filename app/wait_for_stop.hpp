#pragma once

#include "app/signals.hpp"

#include <caf/actor_system.hpp>
#include <caf/fwd.hpp>

#include <string>
#include <vector>

namespace semiasync {

/// Why a process stops.
struct stop_cause {
  /// SIGINT or SIGTERM, or 0 when an actor stopped instead.
  int signal = 0;
  /// Which long-lived actor stopped on its own, and why; empty for a signal.
  std::string failure;
};

/// Blocks the calling (main) thread until SIGINT/SIGTERM arrives or one of
/// `watched` terminates. A long-lived actor that stops on its own (an
/// exception, a fatal client error) must end the process with an error
/// instead of leaving it idle but alive.
stop_cause wait_for_stop(caf::actor_system& sys, termination_signals& signals,
                         const std::vector<caf::actor_addr>& watched);

/// "SIGINT", "SIGTERM" or the failure, for the stop log line.
std::string describe(const stop_cause& cause);

} // namespace semiasync
